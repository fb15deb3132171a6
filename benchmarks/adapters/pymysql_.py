"""Adapter for PyMySQL (pure Python, blocking)."""

from __future__ import annotations

from typing import Any

import pymysql
import spec

IS_ASYNC = False
MODULE = pymysql


def connect(cfg: dict[str, Any]) -> Any:
    return pymysql.connect(
        host=cfg["host"],
        port=cfg["port"],
        user=cfg["user"],
        password=cfg["password"],
        database=cfg["database"],
        charset="utf8mb4",
        autocommit=False,
        max_allowed_packet=spec.CLIENT_MAX_PACKET,
    )


def cursor(conn: Any) -> Any:
    return conn.cursor()


def close(conn: Any) -> None:
    conn.close()
