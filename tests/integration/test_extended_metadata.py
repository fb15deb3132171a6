"""MariaDB's extended column metadata: JSON columns are recognised although they are LONGTEXT."""

from __future__ import annotations

import uuid
from typing import Any

import aiomysql


async def test_json_alias_is_deserialized_and_type_names_reported(
    connect_kwargs: dict[str, Any],
) -> None:
    table = f"xm_{uuid.uuid4().hex[:8]}"
    async with aiomysql.connect(**connect_kwargs) as conn:
        if "mariadb" not in conn.get_server_info().lower():
            raise AssertionError("this test needs MariaDB 10.5+ (extended metadata)")
        cur = await conn.cursor(aiomysql.DeserializationCursor, aiomysql.DictCursor)
        await cur.execute(f"CREATE TEMPORARY TABLE {table} (j JSON, t TEXT, p POINT)")
        await cur.execute(
            f"INSERT INTO {table} VALUES (%s, %s, POINT(1, 2))", ('{"x": [1, 2]}', '{"y": 1}')
        )
        await cur.execute(f"SELECT j, t, p FROM {table}")
        row = await cur.fetchone()
        assert row["j"] == {"x": [1, 2]}
        assert row["t"] == '{"y": 1}'  # TEXT holding JSON text stays text
        assert isinstance(row["p"], bytes)
        result = conn.last_result
        assert result is not None and result.columns is not None
        j, t, p = result.columns
        assert (j.type_format, t.type_format, p.type_name) == ("json", None, "point")
        plain = await conn.cursor()
        await plain.execute(f"SELECT j FROM {table}")
        assert await plain.fetchone() == ('{"x": [1, 2]}',)
