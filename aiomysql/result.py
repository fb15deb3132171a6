"""The outcome of one statement: counters, column definitions and (when buffered) rows."""

from __future__ import annotations

from typing import Any

from .protocol.results import Column, Description, OkPacket, describe


class Result:
    """What one statement produced. ``rows`` is None for statements without a result set."""

    __slots__ = (
        "affected_rows",
        "insert_id",
        "warning_count",
        "server_status",
        "message",
        "columns",
        "_description",
        "rows",
        "complete",
    )

    def __init__(
        self, columns: list[Column] | None = None, description: Description | None = None
    ) -> None:
        self.affected_rows = 0
        self.insert_id = 0
        self.warning_count = 0
        self.server_status = 0
        self.message = ""
        self.columns = columns
        #: Computed from ``columns`` on demand when not given.
        self._description = description or None
        self.rows: list[tuple[Any, ...]] | None = None
        self.complete = False

    @classmethod
    def from_ok(cls, ok: OkPacket) -> Result:
        """A result without rows, from the server's OK packet."""
        result = cls()
        result.affected_rows = ok.affected_rows
        result.insert_id = ok.insert_id
        result.warning_count = ok.warnings
        result.server_status = ok.status
        result.message = ok.info
        result.complete = True
        return result

    @classmethod
    def with_columns(cls, columns: list[Column], description: Description) -> Result:
        """A result set's result, its rows still to be read."""
        return cls(columns, description)

    @property
    def fields(self) -> list[Column] | None:
        """Alias of ``columns`` (tortoise-orm reads ``cursor._result.fields[i].name``)."""
        return self.columns

    @property
    def description(self) -> Description | None:
        """The DB-API description of the result set, None without one."""
        if self._description is None and self.columns is not None:
            self._description = describe(self.columns)
        return self._description
