"""The compiled module for tests that compare it with the reference or check its stub."""

from __future__ import annotations

import os
import shutil
import types

import pytest

from aiomysql.protocol import _impl


def load_compiled() -> types.ModuleType | None:
    """The compiled module (with what the upper layers registered), None if not built."""
    try:
        return _impl.compiled()
    except ImportError:
        return None


def compiled() -> types.ModuleType:
    """The compiled module; missing fails unless AIOMYSQL_IMPL=python or no C compiler."""
    mod = load_compiled()
    if mod is None:
        if os.environ.get("AIOMYSQL_IMPL") == "python":
            pytest.skip("AIOMYSQL_IMPL=python and the compiled module is not built")
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail("a C compiler is available but aiomysql.protocol._speedups is not built")
        pytest.skip("no C compiler on this machine: the accelerator cannot be built")
    return mod
