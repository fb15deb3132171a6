"""Build hook: compile the optional Cython accelerator, or install pure Python if we can't.

The build never fails for lack of Cython or a C compiler: the package then runs its
pure-Python reference. Set AIOMYSQL_NO_EXTENSIONS=1 at install time to skip compiling.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """build_ext that warns and carries on when the extension cannot be compiled."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, missing headers, ...
            self._skip(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._skip(exc)

    def _skip(self, exc: Exception) -> None:
        sys.stderr.write(
            f"WARNING: aiomysql's compiled accelerator was not built ({exc}); "
            "the pure-Python implementation will be used.\n"
        )


def extensions() -> list[Extension]:
    """The Cython extension, or none when disabled or Cython is unavailable."""
    if os.environ.get("AIOMYSQL_NO_EXTENSIONS", "") not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        sys.stderr.write("WARNING: Cython not found; installing aiomysql without speedups.\n")
        return []
    args = ["-O2"] if os.name != "nt" else []
    exts = [
        Extension(
            f"aiomysql.protocol.{name}", [f"aiomysql/protocol/{name}.pyx"], extra_compile_args=args
        )
        for name in ("_speedups", "_compression_speedups", "_binlog_speedups", "_binary_speedups")
    ]
    try:
        return list(
            cythonize(
                exts,
                language_level=3,
                quiet=True,
                # The checks of `cython -Wextra`, so that a build shows them.
                compiler_directives={
                    "warn.maybe_uninitialized": True,
                    "warn.unused": True,
                    "warn.unused_arg": True,
                },
            )
        )
    except Exception as exc:
        sys.stderr.write(f"WARNING: cythonize failed ({exc}); installing without speedups.\n")
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
