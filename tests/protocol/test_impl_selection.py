"""AIOMYSQL_IMPL and AIOMYSQL_NO_EXTENSIONS: what a fresh interpreter selects for each.

Each case runs ``python -I -c ...`` in a subprocess with exactly the variables given (the
parent's AIOMYSQL_* settings removed). A missing compiled module is simulated by putting
None in ``sys.modules`` for it before the import, so the build is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys

from speedups_support import compiled, load_compiled

from aiomysql.protocol import _impl

_SPEEDUPS = "aiomysql.protocol._speedups"
_PRINT = "import aiomysql.protocol._impl as i; print(i.IMPL, i.USING_EXTENSIONS)"
_HIDE = f"import sys; sys.modules[{_SPEEDUPS!r}] = None; "


def _compiled_available() -> bool:
    return load_compiled() is not None


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("AIOMYSQL_")}
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-I", "-c", code],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,  # a bound for a hung child only; no test here depends on speed
        check=False,
    )


def _impl_of(code: str = _PRINT, **env: str) -> str:
    proc = _run(code, **env)
    assert proc.returncode == 0, proc.stderr
    impl, using = proc.stdout.split()
    assert using == str(impl == "c")
    return impl


def _import_error(code: str = _PRINT, **env: str) -> str:
    proc = _run(code, **env)
    assert proc.returncode != 0, proc.stdout
    assert "ImportError" in proc.stderr, proc.stderr
    return proc.stderr


def test_this_process_matches_the_environment() -> None:
    assert _impl.IMPL in ("c", "python")
    assert _impl.USING_EXTENSIONS is (_impl.IMPL == "c")
    assert (_impl.speedups is not None) is _impl.USING_EXTENSIONS


def test_unset_takes_the_compiled_module_when_it_is_built() -> None:
    expected = "c" if _compiled_available() else "python"
    assert _impl_of() == expected
    assert _impl_of(AIOMYSQL_IMPL="") == expected
    assert _impl_of(AIOMYSQL_NO_EXTENSIONS="0") == expected


def test_c_takes_the_compiled_module() -> None:
    compiled()  # fails or skips when it is not built
    assert _impl_of(AIOMYSQL_IMPL="c") == "c"
    assert _impl_of(AIOMYSQL_IMPL="c", AIOMYSQL_NO_EXTENSIONS="0") == "c"


def test_python_forces_the_reference() -> None:
    assert _impl_of(AIOMYSQL_IMPL="python") == "python"
    assert _impl_of(AIOMYSQL_NO_EXTENSIONS="1") == "python"
    assert _impl_of(AIOMYSQL_NO_EXTENSIONS="yes") == "python"
    assert _impl_of(AIOMYSQL_IMPL="python", AIOMYSQL_NO_EXTENSIONS="1") == "python"


def test_python_does_not_even_import_the_compiled_module() -> None:
    code = "import aiomysql, sys; print(aiomysql.protocol._impl.IMPL, %r in sys.modules)"
    proc = _run(code % _SPEEDUPS, AIOMYSQL_IMPL="python")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["python", "False"]


def test_c_with_no_extensions_is_a_contradiction() -> None:
    err = _import_error(AIOMYSQL_IMPL="c", AIOMYSQL_NO_EXTENSIONS="1")
    assert "AIOMYSQL_IMPL=c" in err and "AIOMYSQL_NO_EXTENSIONS" in err


def test_an_unknown_value_is_refused() -> None:
    err = _import_error(AIOMYSQL_IMPL="cython")
    assert "AIOMYSQL_IMPL='cython'" in err


def test_c_when_the_compiled_module_is_missing_raises() -> None:
    err = _import_error(_HIDE + _PRINT, AIOMYSQL_IMPL="c")
    assert "AIOMYSQL_IMPL=c" in err and _SPEEDUPS in err


def test_unset_when_the_compiled_module_is_missing_falls_back() -> None:
    assert _impl_of(_HIDE + _PRINT) == "python"


def test_the_public_api_follows_the_selection() -> None:
    """aiomysql.USING_EXTENSIONS and the escaping converters use what _impl chose."""
    code = (
        "import aiomysql; from aiomysql import converters as c;"
        "from aiomysql.protocol import _impl as i;"
        "print(aiomysql.USING_EXTENSIONS is i.USING_EXTENSIONS,"
        " c.escape_string is i.escape_string, c.escape_args is i.escape_args,"
        " type(c.escape_string).__name__)"
    )
    proc = _run(code, AIOMYSQL_IMPL="python")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "True", "function"]
    if _compiled_available():
        proc = _run(code, AIOMYSQL_IMPL="c")
        assert proc.returncode == 0, proc.stderr
        words = proc.stdout.split()
        assert words[:3] == ["True", "True", "True"] and words[3] != "function"
