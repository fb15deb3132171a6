"""The name surface: every public name (and the private ones libraries use) of upstream
aiomysql's modules and classes exists here with the same kind (class, function,
coroutine function, property, module, value). Differences only through ALLOWED."""

from __future__ import annotations

import fnmatch
import json
import sys

from compat_support import run_script

#: "module:name" patterns (fnmatch) -> why we differ. Every entry must still match a
#: difference (no stale entries).
ALLOWED: dict[str, str] = {
    # Standard-library modules and helpers upstream happens to import at module level.
    "aiomysql.connection:configparser": "stdlib import",
    "aiomysql.connection:getpass": "stdlib import",
    "aiomysql.connection:os": "stdlib import",
    "aiomysql.connection:socket": "stdlib import",
    "aiomysql.connection:struct": "stdlib import",
    "aiomysql.connection:partial": "stdlib import",
    "aiomysql.cursors:contextlib": "stdlib import",
    "aiomysql.cursors:json": "stdlib import",
    "aiomysql.cursors:re": "stdlib import",
    "aiomysql.pool:collections": "stdlib import",
    "aiomysql.utils:Coroutine": "stdlib import",
    "aiomysql.utils:struct": "stdlib import",
    # PyMySQL's packet and result classes, imported into aiomysql.connection: the wire
    # protocol is our own (aiomysql/protocol/), with no such objects.
    "aiomysql.connection:MySQLResult*": "PyMySQL wire internals",
    "aiomysql.connection:*Packet*": "PyMySQL wire internals",
    "aiomysql.connection:LoadLocalFile*": "PyMySQL wire internals",
    "aiomysql.connection:escape_bytes_prefixed": "PyMySQL's _binary'..' escaping (we send X'..')",
    "*:Connection.caching_sha2_password_auth": "auth runs in the protocol core",
    "*:Connection.sha256_password_auth": "auth runs in the protocol core",
    "*:Connection.write_packet": "packets are written by the channel",
    # Buffered cursors' fetch methods: upstream plain functions returning a finished
    # Future, ours coroutine functions; `await cur.fetchone()` is the same either way.
    "*:*Cursor.fetch*": "awaitable either way",
    "*:*Cursor.scroll": "awaitable either way",
    # asyncio.AbstractServer methods upstream's Pool inherits (all raise NotImplementedError).
    "*:Pool.get_loop": "AbstractServer stub",
    "*:Pool.is_serving": "AbstractServer stub",
    "*:Pool.serve_forever": "AbstractServer stub",
    "*:Pool.start_serving": "AbstractServer stub",
    # Ours return an object that is awaitable and also an async context manager.
    "aiomysql.sa:SAConnection.begin_nested": "awaitable + async with",
    "aiomysql.sa:SAConnection.begin_twophase": "awaitable + async with",
}


def test_name_surface(oracle_python: str) -> None:
    upstream = json.loads(run_script(oracle_python, "names.py"))
    ours = json.loads(run_script(sys.executable, "names.py"))
    assert set(upstream) == set(ours)
    problems, used = [], set()
    for module, names in upstream.items():
        for name, kind in sorted(names.items()):
            ours_kind = ours[module].get(name)
            if ours_kind == kind:
                continue
            key = f"{module}:{name}"
            allowed = [p for p in ALLOWED if fnmatch.fnmatchcase(key, p)]
            if allowed:
                used.update(allowed)
                continue
            problems.append(f"{key}: upstream {kind}, ours {ours_kind or 'missing'}")
    assert not problems, "\n".join(problems)
    assert not set(ALLOWED) - used, f"stale ALLOWED entries: {sorted(set(ALLOWED) - used)}"
    checked = sum(len(names) for names in upstream.values())
    assert checked > 400
