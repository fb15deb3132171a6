"""Errors raised by the aiomysql.sa layer (on top of the driver's DB-API classes)."""

from __future__ import annotations

from ..errors import InterfaceError

__all__ = [
    "ArgumentError",
    "Error",
    "InvalidRequestError",
    "NoSuchColumnError",
    "ResourceClosedError",
]


class Error(InterfaceError):
    """Base of the errors aiomysql.sa raises itself (misuse of the layer, not the server).

    An ``aiomysql.InterfaceError``, so code catching the driver's errors catches these too.
    """

    def __init__(self, message: str) -> None:
        InterfaceError.__init__(self, 0, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ArgumentError(Error):
    """Arguments that do not fit the statement (e.g. positional values for a SELECT)."""


class InvalidRequestError(ArgumentError):
    """An operation that is not valid in the current state."""


class NoSuchColumnError(KeyError, InvalidRequestError):
    """A row was asked for a column it does not have (also a ``KeyError``)."""

    def __init__(self, message: str) -> None:
        Error.__init__(self, message)

    __str__ = Error.__str__


class ResourceClosedError(InvalidRequestError):
    """The connection, transaction or result was already closed."""
