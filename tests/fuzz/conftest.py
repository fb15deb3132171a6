"""Fixtures for the fuzz tests: the protocol core with each importable row/packet loop."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

from aiomysql.protocol import core as core_module


def _twins() -> dict[str, tuple[str, ...]]:
    try:
        impl = importlib.import_module("aiomysql.protocol._impl")
    except ImportError:  # no selection module yet: only the pure-Python core exists
        return {}
    return dict(getattr(impl, "TWINS", {}))


def _compiled() -> ModuleType | None:
    # Through _impl.compiled(): the module gets the decoders the upper layers registered
    # even when AIOMYSQL_IMPL=python left it unselected.
    try:
        compiled: ModuleType = importlib.import_module("aiomysql.protocol._impl").compiled()
    except (ImportError, AttributeError):
        return None
    return compiled


def implementations() -> dict[str, dict[str, object]]:
    """Name -> {function name: function} to install in the core, for each importable one."""
    pure: dict[str, object] = {}
    for home, names in _twins().items():
        module = importlib.import_module(home)
        pure.update({name: getattr(module, name) for name in names})
    found = {"python": pure}
    compiled = _compiled()
    if compiled is not None:
        found["compiled"] = {name: getattr(compiled, name) for name in pure}
    return found


IMPLEMENTATIONS = implementations()


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the core using one implementation of the hot loops."""
    functions = {
        name: fn
        for name, fn in IMPLEMENTATIONS[request.param].items()
        if hasattr(core_module, name)
    }
    saved = {name: getattr(core_module, name) for name in functions}
    for name, fn in functions.items():
        setattr(core_module, name, fn)
    try:
        yield request.param
    finally:
        for name, fn in saved.items():
            setattr(core_module, name, fn)
