"""retry_transaction: run a transaction function again when the server says it is safe to.

``await retry_transaction(pool, fn)`` takes a connection from ``pool``, runs BEGIN,
``await fn(conn)`` and COMMIT, and returns what ``fn`` returned. It retries the whole
function (after a ROLLBACK, on a fresh connection from the pool) when the transaction
is known not to have committed:

- deadlock (1213; Galera's certification failure arrives as 1213, also at COMMIT)
  and lock wait timeout (1205): the server rolled back, nothing was committed;
- the connection was lost before COMMIT was sent (2006, 2013, 2055 during ``fn``,
  or a connection already known dead when COMMIT was due);
- a Galera node not ready (1047) before COMMIT.

When the connection is lost after COMMIT was sent, nobody knows whether it committed:
``CommitUnknownError`` is raised, never a retry (the caller must check, e.g. by an
idempotency key).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .connection import Connection
from .errors import Error, OperationalError

_T = TypeVar("_T")

#: The server rolled the transaction back: safe to run it again, even at COMMIT.
ROLLED_BACK = frozenset({1213, 1205})
#: The connection was lost or the node unusable: safe only before COMMIT was sent.
LOST = frozenset({2006, 2013, 2055, 1047, 1927, 1053})


class CommitUnknownError(OperationalError):
    """The connection was lost after COMMIT was sent: it may or may not have committed."""


def _code(exc: BaseException) -> int | None:
    if isinstance(exc, Error) and exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    return None


async def retry_transaction(
    pool: Any,
    fn: Callable[[Connection], Awaitable[_T]],
    *,
    attempts: int = 5,
    backoff: float = 0.05,
    readonly: bool = False,
) -> _T:
    """Run ``fn(conn)`` in a transaction, retrying it up to ``attempts`` times in all on
    errors that leave nothing committed; waits ``backoff * 2**n`` seconds between tries."""
    if attempts < 1:
        raise ValueError(f"attempts must be 1 or more, not {attempts!r}")
    if backoff < 0:
        raise ValueError(f"backoff must be 0 or more, not {backoff!r}")
    acquire_kwargs = {"readonly": True} if readonly else {}
    for attempt in range(attempts):
        try:
            return await _once(pool, fn, acquire_kwargs)
        except _RetrySafe as retry:
            if attempt == attempts - 1:
                raise retry.error from None
        await asyncio.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


class _RetrySafe(Exception):
    """Carries an error after which the transaction may run again."""

    def __init__(self, error: Error) -> None:
        super().__init__(error)
        self.error = error


async def _once(pool: Any, fn: Callable[[Connection], Awaitable[_T]], kwargs: Any) -> _T:
    """One try; raises _RetrySafe(error) when nothing was committed and a retry may follow.

    The pool's ``async with`` sees the original error (a cluster pool learns from it).
    """
    safe = False
    acquired = False
    try:
        async with pool.acquire(**kwargs) as conn:
            acquired = True
            committing = False
            try:
                await conn.begin()
                result = await fn(conn)
                if conn.closed:  # known dead before COMMIT: nothing was committed
                    raise OperationalError(2013, "Lost connection to MySQL server before COMMIT")
                committing = True
                await conn.commit()
                return result
            except Error as exc:
                code = _code(exc)
                if committing and code in LOST:
                    raise CommitUnknownError(
                        code or 2013,
                        "the connection was lost after COMMIT was sent; it may have "
                        f"committed ({exc.args[-1]})",
                    ) from exc
                safe = code in ROLLED_BACK or (code in LOST and not committing)
                if safe and not conn.closed:
                    await _rollback(conn)
                raise
    except Error as exc:
        if not acquired:  # no connection: nothing was sent
            safe = _code(exc) in LOST | {2003}
        if safe and not isinstance(exc, CommitUnknownError):
            raise _RetrySafe(exc) from exc
        raise


async def _rollback(conn: Connection) -> None:
    try:
        await conn.rollback()
    except Error:
        conn.close()  # the server rolls back what a closed connection left open
