"""Clean shutdown: closing connections and pools at the end of asyncio.run prints nothing.

Each scenario runs in a fresh interpreter with ``-W error`` (so ResourceWarnings are
errors) and must exit 0 with an empty stderr: no "Event loop is closed", no "Unclosed
connection"/"unclosed transport", no "Task was destroyed but it is pending".
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import textwrap
import weakref
from typing import Any

import pytest

import aiomysql

PRELUDE = """
import asyncio, json, os
import aiomysql
KW = json.loads(os.environ["AIOMYSQL_SHUTDOWN_KW"])
"""

SCENARIOS = {
    "close-last": """
        async def main():
            conn = await aiomysql.connect(**KW)
            await conn.query("SELECT 1")
            conn.close()
    """,
    "ensure-closed": """
        async def main():
            conn = await aiomysql.connect(**KW)
            await conn.query("SELECT 1")
            await conn.ensure_closed()
    """,
    "context-manager": """
        async def main():
            async with aiomysql.connect(**KW) as conn:
                await conn.query("SELECT 1")
    """,
    "pool-close-wait": """
        async def main():
            pool = await aiomysql.create_pool(minsize=3, maxsize=5, **KW)
            async with pool.acquire() as conn:
                await conn.begin()  # released inside a transaction: rolled back first
                await conn.query("SELECT 1")
            pool.close()
            await pool.wait_closed()
    """,
    "pool-context-manager": """
        async def main():
            async with aiomysql.create_pool(minsize=2, maxsize=4, **KW) as pool:
                async def one():
                    async with pool.acquire() as conn:
                        await conn.query("SELECT 1")
                await asyncio.gather(*(one() for _ in range(8)))
    """,
    "pool-terminate-in-use": """
        async def main():
            pool = await aiomysql.create_pool(minsize=1, maxsize=2, **KW)
            conn = await pool.acquire()
            task = asyncio.create_task(conn.query("SELECT SLEEP(5)"))
            await asyncio.sleep(0.1)
            pool.terminate()
            await pool.wait_closed()
            try:
                await task
            except aiomysql.Error:
                pass
    """,
    "cancelled-mid-query": """
        async def main():
            conn = await aiomysql.connect(**KW)
            task = asyncio.create_task(conn.query("SELECT SLEEP(5)"))
            await asyncio.sleep(0.1)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
    """,
    "kill-query-pending-at-exit": """
        async def main():
            conn = await aiomysql.connect(**KW, kill_query_on_cancel=True)
            try:
                await asyncio.wait_for(conn.query("SELECT SLEEP(5)"), 0.1)
            except asyncio.TimeoutError:
                pass  # the KILL QUERY side task is still running when main returns
    """,
    "task-left-running-at-exit": """
        async def main():
            conn = await aiomysql.connect(**KW)
            asyncio.get_running_loop().create_task(conn.query("SELECT SLEEP(5)"))
            await asyncio.sleep(0.1)  # asyncio.run cancels the task at exit
    """,
}


def run_scenario(body: str, connect_kwargs: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    source = PRELUDE + textwrap.dedent(body) + "\nasyncio.run(main())\n"
    env = dict(os.environ, AIOMYSQL_SHUTDOWN_KW=json.dumps(connect_kwargs))
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", source],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd="/",  # import the installed package, not the source folder
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_shutdown_is_silent(name: str, connect_kwargs: dict[str, Any]) -> None:
    proc = await asyncio.to_thread(run_scenario, SCENARIOS[name], connect_kwargs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


async def test_the_harness_sees_a_leak(connect_kwargs: dict[str, Any]) -> None:
    """The check above can fail: a connection left open at exit is reported."""
    body = """
        LEAK = []
        async def main():
            LEAK.append(await aiomysql.connect(**KW))
    """
    proc = await asyncio.to_thread(run_scenario, body, connect_kwargs)
    assert "Unclosed connection" in proc.stderr or "unclosed transport" in proc.stderr


async def test_garbage_collected_open_connection_warns_once(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    ref = weakref.ref(conn)
    with pytest.warns(ResourceWarning) as record:
        del conn
        gc.collect()
        await asyncio.sleep(0)  # the aborted transport lets go of its socket
        await asyncio.sleep(0)
        gc.collect()
    messages = [str(w.message) for w in record if issubclass(w.category, ResourceWarning)]
    assert len(messages) == 1 and messages[0].startswith("Unclosed connection"), messages
    del record  # the warning's ``source`` is the connection itself
    gc.collect()
    assert ref() is None


async def test_closed_connection_collected_silently(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    conn.close()
    del conn
    await asyncio.sleep(0)
    gc.collect()  # filterwarnings=error: any ResourceWarning here fails the test
