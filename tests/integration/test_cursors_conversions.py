"""conv=: custom decoders and encoders, and examples/custom_conversions.py run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import aiomysql
from aiomysql import converters
from aiomysql.constants import FIELD_TYPE

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_conversions.py"


class Celsius:
    def __init__(self, degrees: float) -> None:
        self.degrees = degrees


def encode_celsius(value: Celsius, mapping: Any) -> str:
    return converters.escape_item(value.degrees, mapping)


@pytest.mark.parametrize(
    "kind", [aiomysql.Cursor, aiomysql.DictCursor, aiomysql.SSCursor, aiomysql.SSDictCursor]
)
async def test_conv_decoder_and_encoder(connect_kwargs: dict[str, Any], kind: Any) -> None:
    conv = dict(converters.conversions)
    conv[FIELD_TYPE.NEWDECIMAL] = float
    conv[Celsius] = encode_celsius
    async with aiomysql.connect(conv=conv, **connect_kwargs) as conn:
        async with conn.cursor(kind) as cur:
            await cur.execute(
                "SELECT CAST(%s AS DECIMAL(6,2)) AS d, %s AS t, NULL + 0.5 AS n",
                ("12.25", Celsius(21.5)),
            )
            row = await cur.fetchone()
    values = tuple(row.values()) if isinstance(row, dict) else row
    assert values == (12.25, Decimal("21.5"), None)
    assert type(values[0]) is float
    # Without conv=, the same connection settings give Decimal and reject Celsius.
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT CAST('12.25' AS DECIMAL(6,2))")
            assert await cur.fetchone() == (Decimal("12.25"),)
            with pytest.raises(aiomysql.ProgrammingError, match="conv="):
                await cur.execute("SELECT %s", (Celsius(1),))


async def test_custom_conversions_example_runs(connect_kwargs: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "AIOMYSQL_HOST": connect_kwargs["host"],
        "AIOMYSQL_PORT": str(connect_kwargs["port"]),
        "AIOMYSQL_USER": connect_kwargs["user"],
        "AIOMYSQL_PASSWORD": connect_kwargs["password"],
    }
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "('rust', '#b7410e', 9.99)",
        "('sky', '#87ceeb', 12.5)",
    ]
