"""What the benchmark measures: sizes, tables, SQL and expected data, shared by all parts."""

from __future__ import annotations

import functools
import hashlib
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

DATABASE = "bench"

FETCH_ROWS = 100_000
POINT_SELECTS = 10_000
INSERT_ROWS = 50_000
POOL_TASKS = 500
POOL_SELECTS_PER_TASK = 20
POOL_SIZE = 10
BLOB_SIZE = 32 * 1024 * 1024
BLOB_REPEAT = 5
BLOB_SEED = 32
TEXT_ROWS = 20_000
TEXT_COLUMNS = 10
POINT_SEED = 2
#: Client-side max_allowed_packet, for the drivers that have the option.
CLIENT_MAX_PACKET = 256 * 1024 * 1024

#: Workload key -> one-line description; the keys are the order of a round.
WORKLOADS: dict[str, str] = {
    "1-fetch": "fetch 100,000 rows (int, decimal, date, datetime, float, varchar, tinyint)",
    "2-point": "10,000 sequential point selects by primary key, with a parameter",
    "3-insert": "executemany INSERT of 50,000 such rows (+ commit)",
    "4-pool": "500 tasks x 20 point selects through a pool of 10 (async drivers)",
    "4-pool-task": "500 tasks, each acquiring once for 20 point selects, pool of 10 (async)",
    "5-blob-fetch": "one 32 MiB LONGBLOB fetched 5 times",
    "5-blob-insert": "one 32 MiB LONGBLOB inserted 5 times (+ commit)",
    "6-text": "20,000 rows x 10 VARCHAR(255) of non-ASCII text, fetchall",
}
#: Workloads that need a pool, i.e. an asyncio driver.
ASYNC_ONLY = frozenset({"4-pool", "4-pool-task"})

SQL_FETCH = "SELECT id, amount, day, ts, ratio, name, flag FROM fetch_rows"
SQL_POINT = "SELECT id, amount, day, ts, ratio, name, flag FROM fetch_rows WHERE id = %s"
SQL_INSERT = (
    "INSERT INTO insert_rows (id, amount, day, ts, ratio, name, flag) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
SQL_BLOB_FETCH = "SELECT data FROM blob_src WHERE id = 1"
SQL_BLOB_INSERT = "INSERT INTO blob_sink (data) VALUES (%s)"
SQL_TEXT = "SELECT * FROM wide_text"

ROW_COLUMNS = (
    "id INT NOT NULL PRIMARY KEY, amount DECIMAL(10,2) NOT NULL, day DATE NOT NULL, "
    "ts DATETIME NOT NULL, ratio FLOAT NOT NULL, name VARCHAR(200) NOT NULL, "
    "flag TINYINT NOT NULL"
)

#: Non-ASCII phrases, one per text column: 2-, 3- and 4-byte UTF-8 in several scripts.
TEXT_PHRASES = (
    "Grüße aus Köln, naïve façade — ",
    "Привет, как дела у тебя? ",
    "こんにちは世界、東京タワー ",
    "Γειά σου Κόσμε, καλημέρα ",
    "مرحبا بالعالم الجميل ",
    "שלום עולם ומלואו ",
    "你好，世界，欢迎光临 ",
    "Xin chào thế giới đẹp ",
    "안녕하세요 세계 여러분 ",
    "emoji 😀🚀✨ żółć ",
)

_BASE_DAY = date(2000, 1, 1)
_BASE_TS = datetime(2020, 1, 1)


def row_values(n: int) -> tuple[Any, ...]:
    """Row `n` of fetch_rows as Python values; the SQL in dataset.py makes the same row."""
    return (
        n,
        Decimal(n * 7919 % 10_000_000).scaleb(-2),
        _BASE_DAY + timedelta(days=n % 9000),
        _BASE_TS + timedelta(seconds=n * 37),
        n / 7.0,
        f"name-{n}-" + "x" * (n % 50),
        n % 2,
    )


def text_value(n: int, column: int) -> str:
    """Cell (n, column) of wide_text; dataset.py builds the same with LEFT/CONCAT/REPEAT."""
    full = f"{n} " + TEXT_PHRASES[column] * 12
    return full[: 60 + (n * (column + 1)) % 120]


@functools.cache
def blob() -> bytes:
    """The 32 MiB LONGBLOB value: fixed pseudo-random bytes (every byte value occurs)."""
    return random.Random(BLOB_SEED).randbytes(BLOB_SIZE)


@functools.cache
def blob_md5() -> str:
    return hashlib.md5(blob()).hexdigest()


def point_ids() -> list[int]:
    """The primary keys that workloads 2 and 4 look up, in order (fixed seed)."""
    rng = random.Random(POINT_SEED)
    return [rng.randint(1, FETCH_ROWS) for _ in range(POINT_SELECTS)]
