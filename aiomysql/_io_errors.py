"""The one place where I/O failures (OSError, ssl.SSLError, EOF, timeouts) become DB-API errors."""

from __future__ import annotations

import asyncio
import ssl
from types import TracebackType
from typing import Literal

from ._wire import WireLost, WireTimeout
from .constants import CR
from .errors import OperationalError

#: While opening a connection (socket, TLS, login).
CONNECTING = "connecting"
#: While upgrading an opened connection to TLS.
TLS_HANDSHAKE = "TLS handshake"
#: While running commands on an open connection.
RUNNING = "running"


def translate(
    exc: BaseException, stage: str, address: str, timeout: float | None = None
) -> OperationalError | None:
    """The DB-API error ``exc`` stands for at ``stage``; None when it is no I/O failure.

    ``timeout`` is the connect timeout, named when a connect timed out.
    """
    if isinstance(exc, WireTimeout):
        return OperationalError(
            CR.CR_SERVER_LOST,
            f"Lost connection to MySQL server: {exc.what} timed out after {exc.seconds} s "
            f"({exc.what}_timeout); the connection was closed",
        )
    if isinstance(exc, WireLost):
        if isinstance(exc.cause, OperationalError):  # e.g. a malformed compressed packet
            return exc.cause
        if stage == CONNECTING:
            message = f"Lost connection to MySQL server on {address} during the handshake"
        else:
            message = "Lost connection to MySQL server during query"
        error = OperationalError(CR.CR_SERVER_LOST, f"{message} ({exc.cause})")
        error.__cause__ = exc.cause
        return error
    if stage == TLS_HANDSHAKE and isinstance(exc, (OSError, asyncio.TimeoutError)):
        if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
            why = str(exc)
        else:  # the connection was lost mid-handshake, often with no message
            why = f"connection lost ({exc!r})"
        return OperationalError(
            CR.CR_SSL_CONNECTION_ERROR, f"TLS handshake with the server on {address} failed: {why}"
        )
    if stage != CONNECTING:
        return None
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return OperationalError(
            CR.CR_CONN_HOST_ERROR,
            f"Can't connect to MySQL server on {address} (timed out after {timeout} s)",
        )
    if isinstance(exc, OSError):
        return OperationalError(
            CR.CR_CONN_HOST_ERROR, f"Can't connect to MySQL server on {address} ({exc})"
        )
    return None


class map_io_errors:  # noqa: N801 - used like a function: ``with map_io_errors(...):``
    """Context manager raising the DB-API error for an I/O failure inside it (others pass).

    Reusable: the channel keeps one per connection around its per-statement paths.
    """

    __slots__ = ("stage", "address", "timeout")

    def __init__(self, stage: str, address: str, timeout: float | None = None) -> None:
        self.stage = stage
        self.address = address
        self.timeout = timeout

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is not None:
            self.raise_for(exc)
        return False

    def raise_for(self, exc: BaseException) -> None:
        """Raise the DB-API error for ``exc`` if it is an I/O failure; else return.

        For the per-statement paths' own ``except`` clauses, which cost nothing until
        something fails (a ``with`` costs two calls per statement).
        """
        error = translate(exc, self.stage, self.address, self.timeout)
        if error is None:
            return
        if error.__cause__ is None:
            error.__cause__ = exc
        raise error.with_traceback(exc.__traceback__)
