"""The package's import graph: no cycles, and each layer imports only from layers below it.

The graph is read from the source with ``ast``: module-level and function-level imports
count (a deferred import still ties two modules together); imports under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import aiomysql

PACKAGE_DIR = Path(next(iter(aiomysql.__path__)))

#: Bottom to top; a module may import from its own layer and the layers below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "aiomysql._version",
            "aiomysql.errors",
            "aiomysql.constants",
            "aiomysql.constants.*",
            "aiomysql.charset",
            "aiomysql._charset_table",
            "aiomysql._context",
            "aiomysql.log",
            "aiomysql.hooks",
        ),
    ),
    ("protocol core", ("aiomysql.protocol", "aiomysql.protocol.*")),
    (
        "values",
        (
            "aiomysql.converters",
            "aiomysql.decoders",
            "aiomysql.decode_plan",
            "aiomysql.binary_plan",
            "aiomysql.result",
            "aiomysql.optionfile",
            "aiomysql.tls",
            "aiomysql.utils",
        ),
    ),
    (
        "transport",
        (
            "aiomysql._wire",
            "aiomysql._wire_counting",
            "aiomysql._compressed_transport",
            "aiomysql._io_errors",
            "aiomysql._options",
            "aiomysql._login",
            "aiomysql._channel",
            "aiomysql._statement_cache",
            "aiomysql._statements",
            "aiomysql._statements_many",
            "aiomysql._server_cursor",
            "aiomysql._kill_query",
            "aiomysql.local_infile",
            "aiomysql._hosts",
            "aiomysql._targeting",
            "aiomysql._failover",
            "aiomysql._causal",
        ),
    ),
    (
        "public API",
        (
            "aiomysql._insert_batches",
            "aiomysql._row_shapes",
            "aiomysql._compat_shims",
            "aiomysql.cursors",
            "aiomysql._prepared_cursor",
            "aiomysql.prepared",
            "aiomysql.connection",
            "aiomysql._pool_slots",
            "aiomysql.pool",
            "aiomysql._cluster_pool",
            "aiomysql.retry",
            "aiomysql._gates",
            "aiomysql.testing_cluster",
            "aiomysql.testing",
            "aiomysql.replication",
            "aiomysql.replication.*",
        ),
    ),
    ("top", ("aiomysql", "aiomysql.sa", "aiomysql.sa.*", "aiomysql.opentelemetry")),
]


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = ("aiomysql",) + path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                candidates = [f"{module}.{alias.name}" for alias in node.names] + [module]
            for candidate in candidates:
                while candidate and candidate not in modules and "." in candidate:
                    candidate = candidate.rpartition(".")[0]
                if candidate in modules and candidate != name:
                    targets.add(candidate)
                    break
        graph[name] = targets
    return graph


def _layer_of(module: str) -> int:
    for index, (_name, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def test_every_module_is_in_a_layer() -> None:
    for module in _graph():
        _layer_of(module)


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = [
        f"{module} ({LAYERS[_layer_of(module)][0]}) imports {target} "
        f"({LAYERS[_layer_of(target)][0]})"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if _layer_of(target) > _layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []


def test_cursors_do_not_know_the_connection_class() -> None:
    assert "aiomysql.connection" not in _graph()["aiomysql.cursors"]


def test_the_graph_reader_sees_imports() -> None:
    # The checks above mean nothing if the reader finds no edges.
    graph = _graph()
    assert "aiomysql.protocol.core" in graph["aiomysql._channel"]
    assert "aiomysql._channel" in graph["aiomysql.cursors"]
    assert "aiomysql.cursors" in graph["aiomysql.connection"]
