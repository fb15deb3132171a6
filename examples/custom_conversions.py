"""Custom conversions with conv=: DECIMAL columns read as float, a class of ours as a parameter.

Run it with ``bash scripts/example.sh examples/custom_conversions.py``; it connects to the
server named by AIOMYSQL_HOST / AIOMYSQL_PORT / AIOMYSQL_USER / AIOMYSQL_PASSWORD.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiomysql
from aiomysql import converters
from aiomysql.constants import FIELD_TYPE


@dataclass(frozen=True)
class Color:
    """An application type we want to pass straight to execute()."""

    red: int
    green: int
    blue: int


def encode_color(value: Color, mapping: Mapping[Any, Any]) -> str:
    """An encoder returns SQL text. Reuse the str encoder so quoting stays correct."""
    text = f"#{value.red:02x}{value.green:02x}{value.blue:02x}"
    return converters.escape_item(text, mapping)


def make_conv() -> dict[Any, Any]:
    """Start from the default registry and change only what we need."""
    conv = dict(converters.conversions)
    # Decoders are keyed by FIELD_TYPE and receive the value as text (never NULL).
    conv[FIELD_TYPE.NEWDECIMAL] = float
    conv[FIELD_TYPE.DECIMAL] = float
    # Encoders are keyed by Python type and receive (value, mapping).
    conv[Color] = encode_color
    return conv


async def main() -> list[tuple[Any, ...]]:
    conn = await aiomysql.connect(
        host=os.environ.get("AIOMYSQL_HOST", "127.0.0.1"),
        port=int(os.environ.get("AIOMYSQL_PORT", "3306")),
        user=os.environ.get("AIOMYSQL_USER", "root"),
        password=os.environ.get("AIOMYSQL_PASSWORD", ""),
        db="mysql",
        conv=make_conv(),
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(
                "CREATE TEMPORARY TABLE paint (name VARCHAR(20), color CHAR(7), price DECIMAL(8,2))"
            )
            await cur.executemany(
                "INSERT INTO paint VALUES (%s, %s, %s)",
                [("sky", Color(0x87, 0xCE, 0xEB), "12.50"), ("rust", Color(183, 65, 14), "9.99")],
            )
            await cur.execute("SELECT name, color, price FROM paint ORDER BY name")
            rows: list[tuple[Any, ...]] = await cur.fetchall()
    finally:
        await conn.ensure_closed()
    for row in rows:
        print(row)  # ('rust', '#b7410e', 9.99) then ('sky', '#87ceeb', 12.5)
    return rows


if __name__ == "__main__":
    asyncio.run(main())
