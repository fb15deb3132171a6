"""Print the public names (and the private ones libraries use) of aiomysql's modules and
their classes, with their kind, as JSON: run under upstream aiomysql and under ours."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from typing import Any

MODULES = [
    "aiomysql", "aiomysql.connection", "aiomysql.cursors", "aiomysql.pool", "aiomysql.utils",
    "aiomysql.sa",
]  # fmt: skip

#: Private names that libraries and applications use (tortoise-orm, peewee-async,
#: sentry-sdk, ddtrace, SQLAlchemy's dialect; see the libs tests).
USED_PRIVATE = {
    "Pool": {"_loop", "_used", "_free", "_terminated"},
    "Cursor": {"_last_executed", "_executed", "_result", "_connection", "_loop"},
    "Connection": {"_loop", "_reader", "_writer", "_execute_command", "_read_ok_packet"},
}


def kind(value: Any) -> str:
    """What a user's code can do with the name: class, function, coroutine function..."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if inspect.isclass(value):
        return "class"
    if isinstance(value, property):
        return "property"
    if inspect.iscoroutinefunction(value):
        return "coroutine function"
    if (
        inspect.isfunction(value)
        or inspect.ismethod(value)
        or inspect.isbuiltin(value)
        or inspect.ismethoddescriptor(value)
    ):
        return "function"
    if inspect.ismodule(value):
        return "module"
    return "value"


def surface(module_name: str) -> dict[str, str]:
    module = importlib.import_module(module_name)
    names: dict[str, str] = {}
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        names[name] = kind(value)
        if inspect.isclass(value) and value.__module__.startswith("aiomysql"):
            private = set().union(*(USED_PRIVATE.get(c.__name__, set()) for c in value.__mro__))
            for attr in dir(value):
                if attr.startswith("_") and attr not in private:
                    continue
                try:
                    names[f"{name}.{attr}"] = kind(inspect.getattr_static(value, attr))
                except AttributeError:
                    continue
    return names


if __name__ == "__main__":
    json.dump({m: surface(m) for m in MODULES}, sys.stdout, indent=1, sort_keys=True)
