"""Transactions of an SAConnection: root, marker, savepoint (nested) and XA (two-phase)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from .exc import InvalidRequestError

if TYPE_CHECKING:
    from .connection import SAConnection

__all__ = ["NestedTransaction", "RootTransaction", "Transaction", "TwoPhaseTransaction"]


class Transaction:
    """A transaction begun with ``SAConnection.begin()``.

    Used as ``async with conn.begin():`` it commits at the end of the block, or rolls
    back if the block raised. This base class is what ``begin()`` returns while another
    transaction is already open: a marker whose commit() only ends the marker and whose
    rollback() rolls back the enclosing transaction (aiomysql.sa / SQLAlchemy 1.3
    "subtransaction" semantics).
    """

    def __init__(self, connection: SAConnection, outer: Transaction | None) -> None:
        self._connection = connection
        self._outer = outer
        self._active = True

    @property
    def connection(self) -> SAConnection:
        """The connection the transaction runs on."""
        return self._connection

    @property
    def is_active(self) -> bool:
        """True until the transaction (or one enclosing it) is committed or rolled back."""
        return self._active and (self._outer is None or self._outer.is_active)

    async def commit(self) -> None:
        """Commit; an inactive transaction raises InvalidRequestError."""
        if not self.is_active:
            raise InvalidRequestError("This transaction is inactive (already ended)")
        await self._do_commit()
        self._active = False

    async def rollback(self) -> None:
        """Roll back; does nothing if the transaction already ended.

        The transaction counts as ended even if the ROLLBACK fails (the connection is
        then lost, and the server rolls back on its own).
        """
        if not self.is_active:
            return
        try:
            await self._do_rollback()
        finally:
            self._active = False

    async def close(self) -> None:
        """End the transaction: a root transaction rolls back, a marker just ends."""
        if not self.is_active:
            return
        if self._outer is None:
            await self.rollback()
        else:
            self._active = False

    async def _do_commit(self) -> None:
        pass

    async def _do_rollback(self) -> None:
        assert self._outer is not None
        await self._outer.rollback()

    async def __aenter__(self) -> Transaction:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self.is_active:
            await self.commit()
        else:
            await self.rollback()

    def __repr__(self) -> str:
        state = "active" if self.is_active else "inactive"
        return f"<aiomysql.sa.{type(self).__name__} {state}>"


class RootTransaction(Transaction):
    """The outermost transaction: BEGIN ... COMMIT / ROLLBACK."""

    def __init__(self, connection: SAConnection) -> None:
        super().__init__(connection, None)

    async def _do_commit(self) -> None:
        await self._connection._end_transaction(self, "COMMIT")

    async def _do_rollback(self) -> None:
        await self._connection._end_transaction(self, "ROLLBACK")


class NestedTransaction(Transaction):
    """A SAVEPOINT inside an open transaction: commit releases it, rollback undoes the
    work done since it was set and leaves the enclosing transaction open."""

    def __init__(self, connection: SAConnection, outer: Transaction, savepoint: str) -> None:
        super().__init__(connection, outer)
        self._savepoint = savepoint

    @property
    def savepoint(self) -> str:
        """The savepoint's name."""
        return self._savepoint

    async def _do_commit(self) -> None:
        await self._connection._end_savepoint(self, f"RELEASE SAVEPOINT {self._savepoint}")

    async def _do_rollback(self) -> None:
        await self._connection._end_savepoint(self, f"ROLLBACK TO SAVEPOINT {self._savepoint}")


class TwoPhaseTransaction(Transaction):
    """An XA transaction: XA START, then prepare() (XA END + XA PREPARE) and commit().

    commit() without prepare() commits in one phase; rollback() works in either state.
    """

    def __init__(self, connection: SAConnection, xid: str) -> None:
        super().__init__(connection, None)
        self._xid = xid
        self._prepared = False

    @property
    def xid(self) -> str:
        """The transaction's XA identifier."""
        return self._xid

    @property
    def is_prepared(self) -> bool:
        """Whether prepare() has been called."""
        return self._prepared

    async def prepare(self) -> None:
        """First phase: the server makes the transaction durable and awaits the verdict."""
        if not self.is_active:
            raise InvalidRequestError("This transaction is inactive (already ended)")
        xid = self._connection._xid_literal(self._xid)
        await self._connection._run_sql(f"XA END {xid}")
        await self._connection._run_sql(f"XA PREPARE {xid}")
        self._prepared = True

    async def _do_commit(self) -> None:
        xid = self._connection._xid_literal(self._xid)
        if self._prepared:
            statements = [f"XA COMMIT {xid}"]
        else:
            statements = [f"XA END {xid}", f"XA COMMIT {xid} ONE PHASE"]
        await self._connection._end_twophase(self, statements)

    async def _do_rollback(self) -> None:
        xid = self._connection._xid_literal(self._xid)
        statements = [] if self._prepared else [f"XA END {xid}"]
        statements.append(f"XA ROLLBACK {xid}")
        await self._connection._end_twophase(self, statements)
