"""The protocol package never imports upward (DESIGN.md, "Layers").

Checked on the installed sources: the ``.py`` modules of ``aiomysql.protocol`` import
only each other, the standard library, optional third-party packages and the base
modules ``aiomysql.errors`` and ``aiomysql.constants``; the compiled twin's source
``_speedups.pyx`` imports nothing of aiomysql outside ``aiomysql.protocol``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from aiomysql.protocol import _impl

_PACKAGE = Path(_impl.__file__).parent
#: Top-level aiomysql modules below the protocol layer (shared by every layer).
_BASE = {"errors", "constants"}


def _aiomysql_imports_of_module(path: Path) -> set[str]:
    """The top-level aiomysql modules outside ``protocol`` that ``path`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                continue  # a sibling inside aiomysql.protocol
            if node.level == 2:
                if node.module is None:  # from .. import x
                    found.update(alias.name for alias in node.names)
                else:
                    found.add(node.module.split(".")[0])
            elif node.level == 0 and node.module is not None:
                found.update(_absolute(node.module))
            else:
                found.add("<" + "." * node.level + (node.module or "") + ">")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_absolute(alias.name))
    return found


def _absolute(module: str) -> set[str]:
    parts = module.split(".")
    if parts[0] != "aiomysql":
        return set()
    if len(parts) == 1:
        return {"aiomysql"}
    return set() if parts[1] == "protocol" else {parts[1]}


_PYX_IMPORT = re.compile(r"^\s*(?:from\s+(\S+)\s+c?import|c?import\s+(\S+))", re.MULTILINE)


def test_protocol_modules_import_only_the_base_layer() -> None:
    modules = sorted(_PACKAGE.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        upward = _aiomysql_imports_of_module(path) - _BASE
        assert not upward, f"{path.name} imports {sorted(upward)} from above the protocol layer"


def test_the_compiled_source_imports_only_inside_protocol() -> None:
    source = (_PACKAGE / "_speedups.pyx").read_text(encoding="utf-8")
    imported = [a or b for a, b in _PYX_IMPORT.findall(source)]
    assert "decimal" in imported  # the pattern does see the imports
    for module in imported:
        if module.startswith("."):
            assert not module.startswith(".."), f"_speedups.pyx imports {module}"
        else:
            assert not module.startswith("aiomysql"), f"_speedups.pyx imports {module}"
