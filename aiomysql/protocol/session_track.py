"""CLIENT_SESSION_TRACK: the session-state part of OK packets, decoded (sans-IO).

With the capability on, an OK packet is: header, affected rows, insert id, status,
warnings, then (if any bytes remain) a length-encoded info string and, when the status
has SERVER_SESSION_STATE_CHANGED, a length-encoded block of changes. Each change is a
one-byte type and length-encoded data:

- 0 system variable: lenenc name, lenenc value (e.g. MariaDB's ``last_gtid``)
- 1 schema: lenenc name of the new default database
- 2 state change: ``"1"`` as the data itself (no inner length: some state changed)
- 3 GTIDs: one byte encoding (0), lenenc GTID set (MySQL ``session_track_gtids``)
- 4 transaction characteristics: lenenc SQL that would recreate them
- 5 transaction state: lenenc 8-character state (``T_____S_`` and the like)

Unknown types are skipped by their length (newer servers may add some).
"""

from __future__ import annotations

from typing import NamedTuple

from ..constants import SERVER_STATUS
from .packets import ProtocolError, Reader
from .results import OkPacket

SYSTEM_VARIABLES = 0
SCHEMA = 1
STATE_CHANGE = 2
GTIDS = 3
TRANSACTION_CHARACTERISTICS = 4
TRANSACTION_STATE = 5


class Change(NamedTuple):
    """One tracked change: its type, and name/value (name is "" but for variables)."""

    kind: int
    name: str
    value: str


def parse_tracked_ok(payload: bytes) -> tuple[OkPacket, list[Change]]:
    """An OK packet sent with CLIENT_SESSION_TRACK on, and the session changes it carries."""
    r = Reader(payload, 1)
    affected = r.lenenc_int() or 0
    insert_id = r.lenenc_int() or 0
    status = r.u16()
    warnings = r.u16()
    info = ""
    changes: list[Change] = []
    if r.remaining():
        info = r.lenenc_bytes().decode("utf-8", "replace")
        if status & SERVER_STATUS.SERVER_SESSION_STATE_CHANGED and r.remaining():
            changes = parse_changes(r.lenenc_bytes())
    return OkPacket(affected, insert_id, status, warnings, info), changes


def _text(r: Reader) -> str:
    return r.lenenc_bytes().decode("utf-8", "replace")


def parse_changes(block: bytes) -> list[Change]:
    """The changes of a session-state block, in order; malformed data is a ProtocolError."""
    r = Reader(block)
    changes: list[Change] = []
    while r.remaining():
        kind = r.u8()
        data = Reader(r.lenenc_bytes())
        if kind == SYSTEM_VARIABLES:
            while data.remaining():  # one pair per entry in practice; several are allowed
                name = _text(data)
                changes.append(Change(kind, name, _text(data)))
            continue
        if kind == GTIDS:
            encoding = data.u8()
            if encoding != 0:
                raise ProtocolError(f"unknown GTID encoding {encoding} in session state")
            changes.append(Change(kind, "", _text(data)))
        elif kind == STATE_CHANGE:
            changes.append(Change(kind, "", data.rest().decode("ascii", "replace")))
        elif kind in (SCHEMA, TRANSACTION_CHARACTERISTICS, TRANSACTION_STATE):
            changes.append(Change(kind, "", _text(data)))
        else:
            continue  # an unknown tracker: skipped whole
        if data.remaining():
            raise ProtocolError(f"{data.remaining()} stray bytes in session-state entry {kind}")
    return changes


class SessionState:
    """What session tracking has told about the session so far (kept across statements)."""

    __slots__ = (
        "variables",
        "schema",
        "state_changed",
        "gtids",
        "transaction_characteristics",
        "transaction_state",
        "changes",
    )

    def __init__(self) -> None:
        #: Tracked system variables, by name, with their last reported value.
        self.variables: dict[str, str] = {}
        #: The default database as last reported (None until a change is reported).
        self.schema: str | None = None
        #: Whether any state-change report arrived since the last ``changes`` reset.
        self.state_changed = False
        #: The GTID set of the last transaction (MySQL ``session_track_gtids``).
        self.gtids: str | None = None
        self.transaction_characteristics: str | None = None
        self.transaction_state: str | None = None
        #: The changes of the last OK packet that carried any.
        self.changes: list[Change] = []

    def ok(self, payload: bytes) -> OkPacket:
        """Decode an OK packet, taking in its session changes; the OK for the core."""
        ok, changes = parse_tracked_ok(payload)
        if changes:
            self.apply(changes)
        return ok

    def apply(self, changes: list[Change]) -> None:
        """Take in changes decoded from one OK packet."""
        self.changes = changes
        for change in changes:
            kind = change.kind
            if kind == SYSTEM_VARIABLES:
                self.variables[change.name] = change.value
            elif kind == SCHEMA:
                self.schema = change.value
            elif kind == STATE_CHANGE:
                self.state_changed = change.value == "1"
            elif kind == GTIDS:
                self.gtids = change.value
            elif kind == TRANSACTION_CHARACTERISTICS:
                self.transaction_characteristics = change.value
            else:
                self.transaction_state = change.value

    @property
    def last_gtid(self) -> str | None:
        """The GTID of the session's last transaction: MySQL's tracked GTID set, or
        MariaDB's tracked ``last_gtid`` variable; None until one is reported."""
        if self.gtids:
            return self.gtids
        return self.variables.get("last_gtid") or None

    def __repr__(self) -> str:
        return (
            f"<SessionState schema={self.schema!r} last_gtid={self.last_gtid!r} "
            f"transaction_state={self.transaction_state!r} variables={self.variables!r}>"
        )
