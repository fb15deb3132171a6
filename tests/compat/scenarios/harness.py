"""Shared by the scenario scripts: record what a user observes, as JSON.

Runs under upstream aiomysql 0.3.2 (the oracle venv) and under this package; uses only
the public API both have. Each observation is keyed by a step name; the test compares
the two outputs key by key.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql

#: Exception classes whose isinstance() a user's ``except`` clause would test.
CATCHABLE = [
    "Error", "InterfaceError", "DatabaseError", "OperationalError", "ProgrammingError",
    "IntegrityError", "DataError", "NotSupportedError", "InternalError",
]  # fmt: skip
BUILTIN_CATCHABLE = [RuntimeError, TypeError, ValueError, KeyError, IndexError, AttributeError]


def describe(value: Any) -> Any:
    """A JSON form of ``value`` that keeps the Python types of containers and scalars."""
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [describe(v) for v in value]}
    if isinstance(value, dict):
        return {type(value).__name__: [[describe(k), describe(v)] for k, v in value.items()]}
    if isinstance(value, (str, int, float, bool, bytes, type(None))):
        return [type(value).__name__, repr(value)]
    if isinstance(value, (bytearray, memoryview)):
        return [type(value).__name__, repr(bytes(value))]
    if isinstance(value, BaseException):
        return describe_exception(value)
    return [type(value).__name__, None]  # an object: its type only


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Class name, args, str() and which classes an ``except`` would catch it as."""
    return {
        "class": type(exc).__name__,
        "args": describe(exc.args),
        "str": str(exc),
        "is": [n for n in CATCHABLE if isinstance(exc, getattr(aiomysql, n))]
        + [c.__name__ for c in BUILTIN_CATCHABLE if isinstance(exc, c)],
    }


def _keep(w: warnings.WarningMessage) -> bool:
    """Warnings a user of the driver sees; not GC noise, not other libraries' deprecations."""
    if issubclass(w.category, ResourceWarning):
        return False
    if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
        return "site-packages" not in w.filename or "/aiomysql/" in w.filename
    return True


def _warning_list(caught: list[warnings.WarningMessage]) -> list[list[str]]:
    return [[w.category.__name__, str(w.message)] for w in caught if _keep(w)]


class Recorder:
    """Collects observations; prints them as one JSON object at the end."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {}

    async def step(self, key: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``fn`` (awaiting what it returns); record the value or the exception and
        the warnings issued meanwhile. Returns the value (None if it raised)."""
        value = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = fn(*args, **kwargs)
                if inspect.isawaitable(value):
                    value = await value
                obs: dict[str, Any] = {"ok": describe(value)}
            except Exception as exc:
                obs = {"raised": describe_exception(exc)}
                value = None
        found = _warning_list(caught)
        if found:
            obs["warnings"] = found
        self.out[key] = obs
        return value

    async def effect(self, key: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """step() for a call whose return value is not compared (only errors, warnings)."""
        value = await self.step(key, fn, *args, **kwargs)
        self.out[key].pop("ok", None)
        close = getattr(value, "close", None)  # a connection that opened after all
        if close is not None:
            close()
        return value

    def note(self, key: str, value: Any) -> None:
        """Record a plain value."""
        self.out[key] = describe(value)

    def dump(self) -> None:
        json.dump(self.out, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")


def run(main: Callable[[Recorder, dict[str, Any]], Awaitable[None]]) -> None:
    """Entry point of a scenario script: ``argv[1]`` is the JSON of connect()'s kwargs."""
    kwargs = json.loads(sys.argv[1])
    rec = Recorder()
    asyncio.run(main(rec, kwargs))
    rec.dump()
