"""Parameters escaped by the driver reach the server intact, in every escaping mode."""

from __future__ import annotations

import asyncio
import datetime
import random
from typing import Any

import pytest
from escaping_support import MODES, make_table, no_backslash, open_conn, store_and_load
from hypothesis import given, settings
from hypothesis import strategies as st

import aiomysql

TD = datetime.timedelta

ADVERSARIAL = [
    "",
    "'",
    '"',
    "\\",
    "\\'",
    "'\\",
    "\\\\'",
    "''",
    '\\"\'"',
    "\0",
    "a\0b\0",
    "\x1a",
    "\r\n",
    "\n\r\t\b",
    "%s",
    "%%",
    "%(name)s",
    "%",
    "100%s%%d",
    "' OR '1'='1",
    "'; DROP TABLE x; --",
    "-- comment",
    "/* c */ #",
    "`backtick`",
    "😀",
    "𝄞 \U0010ffff \U00020000",
    "\u2028\u2029\ufeff\u200b",
    "é ß Ω 中文 عربى",
    "\\0\\n\\Z",
    " trailing spaces   ",
    "x" * 100_000 + "'\\\0",
    ("'\\\"\0\x1a\r\n%s😀" * 5000),
]

#: Characters whose GBK / Shift-JIS / Big5 encoding ends in 0x5C, the backslash byte.
BACKSLASH_TRAIL = "乗俓ソ予十ツ么佢"


@pytest.fixture(params=MODES)
def conn_mode(request: pytest.FixtureRequest) -> str:
    """Every test using ``conn`` (tests/integration/conftest.py) runs in each escaping mode."""
    return str(request.param)


# --- round trips -------------------------------------------------------------------------


async def test_escaping_mode_follows_server_status(connect_kwargs: dict[str, Any]) -> None:
    conn = await open_conn(connect_kwargs, "default")
    try:
        async with conn.cursor() as cur:
            assert cur.mogrify("%s", ("a\\b'c",)) == "'a\\\\b\\'c'"
            await cur.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
            assert cur.mogrify("%s", ("a\\b'c",)) == "'a\\b''c'"
            assert conn.escape("a\\b'c") == "'a\\b''c'"
            assert conn.escape_string("\\'") == "\\''"
            await cur.execute("SELECT %s", ("a\\b'c\0",))
            assert await cur.fetchone() == ("a\\b'c\0",)
            await cur.execute("SET SESSION sql_mode = DEFAULT")
            assert cur.mogrify("%s", ("a\\b'c",)) == "'a\\\\b\\'c'"
            await cur.execute("SELECT %s", ("a\\b'c\0",))
            assert await cur.fetchone() == ("a\\b'c\0",)
    finally:
        await conn.ensure_closed()


async def test_mode_from_connect_argument(connect_kwargs: dict[str, Any]) -> None:
    for mode, expected in [("default", False), ("connect", True), ("set", True), ("ansi", True)]:
        conn = await open_conn(connect_kwargs, mode)
        try:
            assert no_backslash(conn) is expected, mode
        finally:
            await conn.ensure_closed()


async def test_adversarial_strings(conn: aiomysql.Connection) -> None:
    table = await make_table(conn)
    async with conn.cursor() as cur:
        for i, text in enumerate(ADVERSARIAL):
            await cur.execute(f"INSERT INTO {table} (id, s) VALUES (%s, %s)", (i, text))
            # The same value as a literal in a SELECT, not only through a column.
            await cur.execute("SELECT %s, %s = %s", (text, text, text))
            assert await cur.fetchone() == (text, 1)
        await cur.execute(f"SELECT s FROM {table} ORDER BY id")
        assert [row[0] for row in await cur.fetchall()] == ADVERSARIAL
        await cur.execute(f"SELECT id FROM {table} WHERE s = %s", (ADVERSARIAL[5],))
        assert list(await cur.fetchall()) == [(5,)]


async def test_adversarial_dict_params(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        for text in ADVERSARIAL[:30]:
            await cur.execute("SELECT %(v)s, %(w)s, %(v)s", {"v": text, "w": "%(v)s"})
            assert await cur.fetchone() == (text, "%(v)s", text)


async def test_all_bytes(conn: aiomysql.Connection) -> None:
    table = await make_table(conn)
    every = bytes(range(256))
    values = [every, every[::-1], b"", b"\0", b"\\", b"'", b"\x1a", b"\xff\xfe", every * 400]
    values += [bytes([i]) for i in range(256)]
    async with conn.cursor() as cur:
        for i, data in enumerate(values):
            await cur.execute(f"INSERT INTO {table} (id, b) VALUES (%s, %s)", (i, data))
        await cur.execute(f"SELECT b FROM {table} ORDER BY id")
        assert [row[0] for row in await cur.fetchall()] == values
        for kind in (bytearray, memoryview):
            await cur.execute("SELECT %s", (kind(every),))
            assert await cur.fetchone() == (every,)


async def test_executemany_fuzz(conn: aiomysql.Connection) -> None:
    # Seeded random strings over an alphabet of everything that needs escaping; the
    # executemany() rewrite into multi-row INSERT escapes every row the same way.
    rng = random.Random(1234)
    alphabet = "'\"\\\0\x1a\r\n\t%s()`;-#/*😀é𝄞 \u2028ab"
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 40))) for _ in range(400)]
    blobs = [rng.randbytes(rng.randrange(0, 40)) for _ in range(400)]
    table = await make_table(conn)
    async with conn.cursor() as cur:
        await cur.executemany(
            f"INSERT INTO {table} (id, s, b) VALUES (%s, %s, %s)",
            [(i, t, b) for i, (t, b) in enumerate(zip(texts, blobs, strict=True))],
        )
        assert cur.rowcount == 400
        await cur.execute(f"SELECT s, b FROM {table} ORDER BY id")
        rows = await cur.fetchall()
    assert [r[0] for r in rows] == texts
    assert [r[1] for r in rows] == blobs


@pytest.mark.parametrize("charset", ["gbk", "sjis", "big5"])
@pytest.mark.parametrize("mode", ["default", "connect"])
async def test_multibyte_charset_backslash_trail_bytes(
    connect_kwargs: dict[str, Any], charset: str, mode: str
) -> None:
    # In these charsets a character may end in byte 0x5C; escaping works on characters,
    # so such a character before a quote cannot swallow the escape of the quote.
    conn = await open_conn(connect_kwargs, mode, charset=charset)
    try:
        chars = "".join(c for c in BACKSLASH_TRAIL if b"\\" in c.encode(conn.encoding, "ignore"))
        assert chars
        texts = [chars, chars + "'", "'" + chars + "\\", "".join(c + "'" for c in chars)]
        table = await make_table(conn)
        async with conn.cursor() as cur:
            for i, text in enumerate(texts):
                await cur.execute(f"INSERT INTO {table} (id, s) VALUES (%s, %s)", (i, text))
            # What the server stored, independent of how results are converted back.
            await cur.execute(f"SELECT HEX(s) FROM {table} ORDER BY id")
            assert [r[0] for r in await cur.fetchall()] == [t.encode().hex().upper() for t in texts]
            await cur.execute(f"SELECT s FROM {table} ORDER BY id")
            got = [r[0] for r in await cur.fetchall()]
            if charset == "sjis":  # see test_sjis_backslash_reads_back
                got = [t.replace("\uff3c", "\\") for t in got]
            assert got == texts
    finally:
        await conn.ensure_closed()


@pytest.mark.xfail(
    strict=True,
    reason="the server sends U+005C as sjis 0x815F, which Python's shift_jis decodes as U+FF3C",
)
async def test_sjis_backslash_reads_back(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs, charset="sjis")
    try:
        async with conn.cursor() as cur:
            # A utf8mb4 value, converted by the server to the connection's sjis.
            await cur.execute("SELECT CONVERT(%s USING utf8mb4)", ("a\\b",))
            assert await cur.fetchone() == ("a\\b",)
    finally:
        await conn.ensure_closed()


async def test_long_values(connect_kwargs: dict[str, Any]) -> None:
    # Statements larger than one 16 MiB protocol frame.
    conn = await aiomysql.connect(**connect_kwargs, max_allowed_packet=64 * 1024 * 1024)
    try:
        table = await make_table(conn)
        text = "'\\😀" * 500_000  # 2 MB as text, 3.5 MB escaped
        data = bytes(range(256)) * 36_000  # 9 MB, 18 MB as hex
        assert await store_and_load(conn, table, text, data) == [(text, data)]
        async with conn.cursor() as cur:
            await cur.execute(f"SELECT CHAR_LENGTH(s), LENGTH(b) FROM {table}")
            assert await cur.fetchone() == (len(text), len(data))
    finally:
        await conn.ensure_closed()


# --- property-based round trips ---------------------------------------------------------
#
# Hypothesis cannot drive an async test function, so each of these is a plain test
# that runs one event loop (and one connection) for all of its examples.


def _run_examples(connect_kwargs: dict[str, Any], mode: str, strategy: Any, column: str) -> None:
    loop = asyncio.new_event_loop()  # asyncio.Runner is Python 3.11+
    try:
        conn = loop.run_until_complete(open_conn(connect_kwargs, mode))
        try:
            table = loop.run_until_complete(make_table(conn))

            @settings(max_examples=60, deadline=None, database=None)
            @given(strategy)
            def check(value: Any) -> None:
                text, data = (value, b"") if column == "s" else ("", value)
                stored = loop.run_until_complete(store_and_load(conn, table, text, data))
                assert stored == [(text, data)]

            check()
        finally:
            loop.run_until_complete(conn.ensure_closed())
    finally:
        loop.close()


@pytest.mark.parametrize("mode", ["default", "connect"])
def test_hypothesis_text(connect_kwargs: dict[str, Any], mode: str) -> None:
    _run_examples(connect_kwargs, mode, st.text(st.characters(codec="utf-8")), "s")


@pytest.mark.parametrize("mode", ["default", "connect"])
def test_hypothesis_binary(connect_kwargs: dict[str, Any], mode: str) -> None:
    _run_examples(connect_kwargs, mode, st.binary(), "b")
