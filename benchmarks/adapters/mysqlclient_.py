"""Adapter for mysqlclient (MySQLdb: C, on libmariadb, blocking): the C reference."""

from __future__ import annotations

from typing import Any

import MySQLdb

IS_ASYNC = False
MODULE = MySQLdb


def connect(cfg: dict[str, Any]) -> Any:
    # libmariadb's client-side max_allowed_packet defaults to 1 GiB: nothing to raise.
    return MySQLdb.connect(
        host=cfg["host"],
        port=cfg["port"],
        user=cfg["user"],
        password=cfg["password"],
        database=cfg["database"],
        charset="utf8mb4",
        autocommit=False,
    )


def cursor(conn: Any) -> Any:
    return conn.cursor()


def close(conn: Any) -> None:
    conn.close()
