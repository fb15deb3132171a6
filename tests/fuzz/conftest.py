"""Fixtures for the fuzz tests: the protocol core with each importable row/packet loop."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

from aiomysql.protocol import core as core_module
from aiomysql.protocol import stmt_core as stmt_core_module

#: The modules whose hot-loop names the fixture swaps (the binary rows live in stmt_core).
PATCHED = (core_module, stmt_core_module)


def _twins() -> dict[str, tuple[str, ...]]:
    try:
        impl = importlib.import_module("aiomysql.protocol._impl")
    except ImportError:  # no selection module yet: only the pure-Python core exists
        return {}
    return {**getattr(impl, "TWINS", {}), **getattr(impl, "BINARY_TWINS", {})}


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
        try:
            binary = importlib.import_module("aiomysql.protocol._impl").compiled_binary()
        except (ImportError, AttributeError):
            binary = None
        found["compiled"] = {
            name: getattr(compiled, name, None) or getattr(binary, name) for name in pure
        }
    return found


IMPLEMENTATIONS = implementations()


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the core using one implementation of the hot loops."""
    saved = []
    for module in PATCHED:
        for name, fn in IMPLEMENTATIONS[request.param].items():
            if hasattr(module, name):
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, fn)
    try:
        yield request.param
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)
