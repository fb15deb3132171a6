"""Run every Python code block of the documentation against a temporary server.

Usage: python scripts/run_doc_examples.py [DOCS_DIR]    (default: docs/ next to scripts/)

Every fenced ```python block of every Markdown page under DOCS_DIR (except _build) runs,
each in a fresh namespace, in a child process, against one aiomysql.testing.
TemporaryServer started for the whole run. A block may use top-level ``await`` (it then
runs inside an event loop). A block whose first line is a comment starting with
``# not run`` is shown on the site but not run (say why after the colon).

The examples are written the way a reader would write them, against the server on
localhost:3306 as root with no password. The child process points that address at the
temporary server: a ``host`` of "", "localhost" or "127.0.0.1" with no port or port 3306
is replaced by the temporary server's address before the connection options are checked.
Nothing else is changed.

Exit status 1 when any block fails; the failure names the page and the block's line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
TIMEOUT = 60.0

# Run in the child before the block: redirect localhost:3306 to the temporary server.
PRELUDE = r"""
import os as _os
import aiomysql.connection as _conn_mod

_real_parse = _conn_mod.parse_options
_HOST, _PORT = _os.environ["DOCS_DB_HOST"], int(_os.environ["DOCS_DB_PORT"])


def _redirect(**kw):
    if kw.get("host") in (None, "", "localhost", "127.0.0.1") and kw.get("port") in (
        None, 3306
    ) and not kw.get("unix_socket") and not kw.get("read_default_file"):
        kw["host"], kw["port"] = _HOST, _PORT
    return _real_parse(**kw)


_conn_mod.parse_options = _redirect
del _os
"""

RUNNER = r"""
import ast, asyncio, sys, types
source = sys.stdin.read()
code = compile(source, sys.argv[1], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
exec(compile(PRELUDE, "<docs prelude>", "exec"), {})
result = eval(code, namespace)
if asyncio.iscoroutine(result):
    asyncio.run(result)
"""


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the block's first code line
    code: str

    @property
    def label(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_in(path: str, rel: str) -> list[Block]:
    """The ```python blocks of one Markdown file (nested in lists too)."""
    out: list[Block] = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        lang = m["info"].strip().split()[0] if m["info"].strip() else ""
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        if lang in ("python", "py", "python3"):
            out.append(Block(rel, i + 2, "\n".join(body) + "\n"))
        i = j + 1
    return out


def collect(docs_dir: str) -> list[Block]:
    found: list[Block] = []
    for root, dirs, files in os.walk(docs_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.endswith(".md"):
                path = os.path.join(root, name)
                found += blocks_in(path, os.path.relpath(path, docs_dir))
    return found


def run_block(block: Block, env: dict[str, str]) -> tuple[bool, str, float]:
    started = time.monotonic()
    script = f"PRELUDE = {PRELUDE!r}\n{RUNNER}"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, block.page],
            # Blank lines first, so that tracebacks give the line number on the page.
            input="\n" * (block.line - 1) + block.code,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=env.get("DOCS_TMP", None),
        )
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT:.0f} s", time.monotonic() - started
    ok = proc.returncode == 0
    return ok, (proc.stdout + proc.stderr).strip(), time.monotonic() - started


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    docs_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "docs")
    blocks = collect(docs_dir)
    todo = [b for b in blocks if not b.code.lstrip().startswith("# not run")]
    print(
        f"doc examples: {len(blocks)} python blocks, {len(blocks) - len(todo)} marked "
        f"'# not run', {len(todo)} to run"
    )

    import asyncio

    import aiomysql
    from aiomysql.testing import TemporaryServer

    failures: list[str] = []
    with TemporaryServer() as srv:

        async def prepare() -> None:
            async with aiomysql.connect(**srv.connect_kwargs(), autocommit=True) as conn:
                async with conn.cursor() as cur:
                    await cur.execute("CREATE DATABASE IF NOT EXISTS test")

        asyncio.run(prepare())
        env = dict(os.environ, DOCS_DB_HOST=srv.host, DOCS_DB_PORT=str(srv.port))
        for block in todo:
            ok, output, seconds = run_block(block, env)
            print(f"  {'ok  ' if ok else 'FAIL'} {block.label} ({seconds:.1f} s)")
            if not ok:
                failures.append(block.label)
                print("    " + output.replace("\n", "\n    "))
    if failures:
        print(f"doc examples: {len(failures)} of {len(todo)} FAILED: {', '.join(failures)}")
        return 1
    print(f"doc examples: all {len(todo)} ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
