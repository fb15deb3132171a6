"""Fail when a public name of a public module has no docstring.

Usage: python scripts/check_docstrings.py   (run with the docs venv; exit 1 lists the names)

Public modules are listed in PUBLIC_MODULES. A module's public names are its ``__all__``,
or, without one, the names not starting with ``_`` that the module defines itself.
Functions and classes need a docstring; so do the public methods and properties that a
public class defines (inherited ones from outside aiomysql are not ours to document).
Plain values (constants such as ``apilevel``) cannot carry one and are skipped.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

PUBLIC_MODULES = (
    "aiomysql",
    "aiomysql.connection",
    "aiomysql.cursors",
    "aiomysql.pool",
    "aiomysql.hooks",
    "aiomysql.opentelemetry",
    "aiomysql.errors",
    "aiomysql.testing",
    "aiomysql.replication",
    "aiomysql.prepared",
    "aiomysql.charset",
    "aiomysql.sa",
    "aiomysql.sa.engine",
    "aiomysql.sa.connection",
    "aiomysql.sa.result",
    "aiomysql.sa.transaction",
    "aiomysql.sa.exc",
)


def public_names(module: ModuleType) -> list[str]:
    """The names a module exports: ``__all__``, else its own non-underscore names."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    ]


def _documented(obj: Any) -> bool:
    doc = getattr(obj, "__doc__", None)
    return bool(doc and doc.strip())


def _own_doc(cls: type) -> bool:
    # A class's __doc__ is not inherited, but check the class dict to be sure.
    return bool((cls.__dict__.get("__doc__") or "").strip())


def members(cls: type) -> Iterator[tuple[str, Any]]:
    """The public methods and properties ``cls`` defines (or inherits from aiomysql)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("aiomysql"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property) or inspect.isfunction(value):
                yield f"{klass.__module__}.{klass.__qualname__}.{name}", value


def missing() -> list[str]:
    """Every public name (qualified) that has no docstring."""
    out: list[str] = []
    checked: set[str] = set()
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        if not _documented(module):
            out.append(modname)
        for name in public_names(module):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or callable(obj)):
                continue  # plain values carry no docstring of their own
            qual = f"{getattr(obj, '__module__', modname)}.{getattr(obj, '__qualname__', name)}"
            if qual in checked:
                continue
            checked.add(qual)
            if inspect.isclass(obj):
                if not _own_doc(obj):
                    out.append(qual)
                for member_qual, member in members(obj):
                    if member_qual not in checked:
                        checked.add(member_qual)
                        if not _documented(member):
                            out.append(member_qual)
            elif not _documented(obj):
                out.append(qual)
    return sorted(set(out))


def main() -> int:
    bad = missing()
    if bad:
        print(f"{len(bad)} public name(s) without a docstring:", file=sys.stderr)
        for name in bad:
            print(f"  {name}", file=sys.stderr)
        return 1
    print("docstrings: every public name of the public modules has one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
