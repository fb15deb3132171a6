"""Encoders for the text-protocol commands (COM_*) the client sends."""

from __future__ import annotations

from ..constants import COMMAND

_COM_QUERY = bytes((COMMAND.COM_QUERY,))


def com_query(sql: bytes) -> bytes:
    """COM_QUERY payload for ``sql`` (already encoded in the connection charset)."""
    return _COM_QUERY + sql


def com_init_db(database: bytes) -> bytes:
    """COM_INIT_DB payload: switch the default database."""
    return bytes((COMMAND.COM_INIT_DB,)) + database


def com_ping() -> bytes:
    """COM_PING payload."""
    return bytes((COMMAND.COM_PING,))


def com_quit() -> bytes:
    """COM_QUIT payload: the server closes the connection without replying."""
    return bytes((COMMAND.COM_QUIT,))


def com_reset_connection() -> bytes:
    """COM_RESET_CONNECTION payload: reset session state without re-authenticating."""
    return bytes((COMMAND.COM_RESET_CONNECTION,))
