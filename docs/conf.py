"""Sphinx configuration of the aiomysql documentation (built by scripts/docs.sh)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

# Document the source tree being built, not whatever copy is installed.
sys.path.insert(0, os.path.abspath(".."))

import aiomysql  # noqa: E402

project = "aiomysql"
author = "the aiomysql authors"
copyright = "the aiomysql authors"
release = aiomysql.__version__
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_static", "README.md"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}

# Internal references must resolve: every unresolved reference to an aiomysql name fails
# the build (-W). Names outside aiomysql (the standard library, SQLAlchemy) would need
# intersphinx, i.e. the network, so those are not checked.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(?!aiomysql\b).*"),
    # Internal types that show in signatures (private modules, the Result record):
    # not part of the public API, so not in the reference.
    (r"py:.*", r"aiomysql(\.\w+)*\._\w+.*"),
    (r"py:.*", r"aiomysql\.result\.\w+"),
]

html_theme = "alabaster"
html_title = f"aiomysql {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "A fast, dependable asyncio driver for MySQL and MariaDB",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}


def _resolve_reexport(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve ``aiomysql.connect`` (a re-export) to where it is documented
    (``aiomysql.connection.connect``); anything else stays unresolved (and fails -W)."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("aiomysql."):
        return None
    parts = target.split(".")
    obj: Any = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return None
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or f"{module}.{qualname}" == target:
        return None
    real = f"{module}.{qualname}"
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node.get("refdoc"), app.builder, node.get("reftype"), real, node, contnode
    )


def _drop_private_bases(app: Any, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Show only public classes under "Bases:" (not mixins from private modules)."""
    bases[:] = [
        b
        for b in bases
        if not (
            getattr(b, "__module__", "").startswith("aiomysql")
            and any(part.startswith("_") for part in b.__module__.split("."))
        )
    ] or [object]


def _skip_class_aliases(
    app: Any, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """A class attribute that only names a class defined elsewhere (``Connection.Error``
    is ``aiomysql.errors.Error``, as DB-API's optional extension asks) is documented where
    the class is defined, not again as a member."""
    if what == "class" and isinstance(obj, type) and "." not in obj.__qualname__:
        return True
    return None


def _optional_pages(app: Any, docname: str, source: list[str]) -> None:
    """index.md lists docs/compat.md (compatibility notes, written on another branch) in
    "Moving over" through the glob ``compat*``; until that page exists the entry is
    dropped, since Sphinx warns about a glob that matches nothing."""
    if docname == "index" and not os.path.exists(os.path.join(app.srcdir, "compat.md")):
        source[0] = source[0].replace("\ncompat*\n", "\n")


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _optional_pages)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-bases", _drop_private_bases)
    app.connect("autodoc-skip-member", _skip_class_aliases)
    return {"parallel_read_safe": True}
