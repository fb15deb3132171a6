"""Fixtures of the replication tests: the binlog server (tests/binlog_support.py)."""

from binlog_support import binlog_server, writer

__all__ = ["binlog_server", "writer"]
