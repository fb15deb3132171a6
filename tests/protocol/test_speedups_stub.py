"""The type stub ``_speedups.pyi`` against the compiled module it describes.

Every public name of the compiled module is in the stub and every name of the stub is in
the module, with the same parameters (names, kinds, defaults). The compiled functions
expose their signatures because the module is compiled with ``binding=True``.
"""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path
from typing import Any

from speedups_support import compiled


def _stub_path(mod: types.ModuleType) -> Path:
    # The stub installed beside the extension (package data), i.e. what type checkers see.
    assert mod.__file__ is not None
    return Path(mod.__file__).with_name("_speedups.pyi")


def _stub_definitions(path: Path) -> dict[str, ast.stmt]:
    """Top-level names the stub defines (imports excluded: they only serve annotations)."""
    found: dict[str, ast.stmt] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
        elif isinstance(node, ast.Assign):
            found.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
    return found


_EMPTY = inspect.Parameter.empty


def _stub_parameters(fn: ast.FunctionDef) -> list[tuple[str, Any, object]]:
    """(name, kind, default) of each parameter of a stub function, as inspect gives them."""
    a = fn.args
    out: list[tuple[str, Any, object]] = []
    positional = [(p, inspect.Parameter.POSITIONAL_ONLY) for p in a.posonlyargs]
    positional += [(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in a.args]
    defaults: list[object] = [_EMPTY] * (len(positional) - len(a.defaults))
    defaults += [ast.literal_eval(d) for d in a.defaults]
    for (param, kind), default in zip(positional, defaults, strict=True):
        out.append((param.arg, kind, default))
    if a.vararg is not None:
        out.append((a.vararg.arg, inspect.Parameter.VAR_POSITIONAL, _EMPTY))
    for param, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        value = _EMPTY if kw_default is None else ast.literal_eval(kw_default)
        out.append((param.arg, inspect.Parameter.KEYWORD_ONLY, value))
    if a.kwarg is not None:
        out.append((a.kwarg.arg, inspect.Parameter.VAR_KEYWORD, _EMPTY))
    return out


def test_the_stub_names_exactly_the_public_names_of_the_module() -> None:
    mod = compiled()
    public = {name for name in vars(mod) if not name.startswith("_")}
    assert public == set(_stub_definitions(_stub_path(mod)))


def test_the_stub_gives_every_function_its_compiled_signature() -> None:
    mod = compiled()
    definitions = _stub_definitions(_stub_path(mod))
    assert definitions, "the stub defines nothing"
    for name, node in definitions.items():
        assert isinstance(node, ast.FunctionDef), f"{name}: only functions are expected"
        signature = inspect.signature(getattr(mod, name))
        actual = [(p.name, p.kind, p.default) for p in signature.parameters.values()]
        assert actual == _stub_parameters(node), name
        assert node.returns is not None, f"{name}: no return annotation in the stub"


def test_the_stub_parser_sees_kinds_and_defaults() -> None:
    """The helper itself: a stub line with every parameter kind."""
    (fn,) = ast.parse("def f(a, /, b, c=-1, *args, d, e=None, **kw) -> None: ...").body
    assert isinstance(fn, ast.FunctionDef)
    P = inspect.Parameter
    assert _stub_parameters(fn) == [
        ("a", P.POSITIONAL_ONLY, _EMPTY),
        ("b", P.POSITIONAL_OR_KEYWORD, _EMPTY),
        ("c", P.POSITIONAL_OR_KEYWORD, -1),
        ("args", P.VAR_POSITIONAL, _EMPTY),
        ("d", P.KEYWORD_ONLY, _EMPTY),
        ("e", P.KEYWORD_ONLY, None),
        ("kw", P.VAR_KEYWORD, _EMPTY),
    ]
