"""Where the stream is: resume tokens, and the transaction bookkeeping behind them.

A checkpoint taken between transactions is the position after the last one (file and
position, and the MariaDB GTID state). Taken inside a transaction it is the
transaction's *start* and the number of its events already taken: resuming replays
the transaction from its start and drops that many events, so the consumer gets the
rest of it and never half a transaction from a restart point in its middle.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ..protocol import binlog_events as E

_COMMITS = ("COMMIT", "ROLLBACK", "XA COMMIT", "XA ROLLBACK")
_GTIDS = (E.MARIADB_GTID_EVENT, E.GTID_EVENT, E.ANONYMOUS_GTID_EVENT)
#: Events outside transactions whose log_pos is not a resume point.
_NOT_POSITIONS = frozenset({E.FORMAT_DESCRIPTION_EVENT, E.HEARTBEAT_EVENT, E.ROTATE_EVENT})


class Checkpoint(NamedTuple):
    """A resume token: ``BinlogStream(resume_from=checkpoint)`` continues right after the
    event it was taken at. ``dumps()``/``loads()`` turn it into a string and back.
    (A named tuple: one is made for every event, so it must be cheap.)"""

    log_file: str
    log_pos: int
    #: MariaDB GTID state ("domain-server-seq,...") at that point, None if unknown.
    gtid: str | None = None
    #: Events of the transaction starting at (log_file, log_pos) already taken.
    skip: int = 0

    def dumps(self) -> str:
        """The token as a JSON string (store it with the data it was taken for)."""
        return json.dumps(
            {"file": self.log_file, "pos": self.log_pos, "gtid": self.gtid, "skip": self.skip}
        )

    @classmethod
    def loads(cls, text: str) -> Checkpoint:
        """A token from ``dumps()``'s string; ValueError when it is not one."""
        try:
            data = json.loads(text)
            token = cls(str(data["file"]), int(data["pos"]), data.get("gtid"), int(data["skip"]))
        except (TypeError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a binlog checkpoint: {text!r}") from exc
        if token.log_pos < 0 or token.skip < 0:
            raise ValueError(f"not a binlog checkpoint: {text!r}")
        return token


def parse_gtid_state(text: str | None) -> dict[int, str]:
    """'0-1-5,1-2-7' -> {0: '0-1-5', 1: '1-2-7'} (one GTID per replication domain)."""
    state: dict[int, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            domain, server, seq = part.split("-")
            int(server), int(seq)
            state[int(domain)] = part
    return state


def format_gtid_state(state: dict[int, str]) -> str:
    """The inverse of parse_gtid_state."""
    return ",".join(state[d] for d in sorted(state))


class PositionTracker:
    """Follows every event of the stream (taken or filtered out) to know the resume point,
    and drops the events a resumed transaction had already delivered."""

    def __init__(self, start: Checkpoint) -> None:
        self.file = start.log_file
        self.pos = start.log_pos
        self.gtids = parse_gtid_state(start.gtid)
        self.gtid_known = start.gtid is not None
        #: format_gtid_state(self.gtids), kept up to date (checkpoint() runs per event).
        self._gtid_text = format_gtid_state(self.gtids) if self.gtid_known else None
        #: Events of the first transaction to drop (already taken before a resume).
        self.pending_skip = start.skip
        #: (file, position, GTID state text) where the open transaction started.
        self._txn: tuple[str, int, str | None] | None = None
        self._txn_gtid: str | None = None
        self._txn_domain = 0
        self._count = 0
        # 1: ends at XID or COMMIT; 2: ends after its first statement (DDL);
        # 3: MySQL GTID, its first statement tells (BEGIN: 1, anything else: DDL).
        self._mode = 0

    @property
    def in_transaction(self) -> bool:
        """True between a transaction's first and last event."""
        return self._txn is not None

    def checkpoint(self) -> Checkpoint:
        """The resume token for right after the events seen so far."""
        txn = self._txn
        if txn is not None:
            return Checkpoint(txn[0], txn[1], txn[2], self._count)
        return Checkpoint(self.file, self.pos, self._gtid_text, self.pending_skip)

    def rewind(self) -> Checkpoint:
        """Back to the last resume point (before reconnecting): a transaction in progress
        will be replayed from its start, its events already taken dropped."""
        token = self.checkpoint()
        self.file, self.pos, self.pending_skip = token.log_file, token.log_pos, token.skip
        if token.gtid is not None:
            self.gtids = parse_gtid_state(token.gtid)
            self._gtid_text = token.gtid
        self._txn = None
        self._mode = self._count = 0
        return token

    def event(self, type_code: int, log_pos: int, size: int, event: E.BinlogEvent | None) -> bool:
        """Account for one event; False when it must not be delivered (already was)."""
        if type_code == E.HEARTBEAT_EVENT:  # not in the binlog: never replayed or counted
            return True
        if self._txn is None:
            if type_code in _GTIDS:
                assert isinstance(event, E.GtidEvent)
                mode = 2 if event.standalone else (1 if event.uuid is None else 3)
                return self._begin(log_pos, size, mode, event)
            if type_code == E.QUERY_EVENT:
                assert isinstance(event, E.QueryEvent)
                if event.query.upper() == "BEGIN":
                    return self._begin(log_pos, size, 1, None)
            if type_code == E.ROTATE_EVENT:
                assert isinstance(event, E.RotateEvent)
                self._rotate(event)
            elif type_code not in _NOT_POSITIONS:
                if 0 < log_pos <= self.pos:
                    # Sent again at the start of a dump (the file's GTID list and
                    # checkpoint, MariaDB's made-up GTID list): taken before, or before
                    # the starting point.
                    return False
                self.pos = log_pos
            return True
        if type_code in _GTIDS:  # a new transaction: the open one ended unseen
            self._commit(max(log_pos - size, 0))
            return self.event(type_code, log_pos, size, event)
        self._count += 1
        mode = self._mode
        if type_code == E.XID_EVENT or type_code == E.XA_PREPARE_LOG_EVENT:
            self._commit(log_pos)
        elif type_code == E.QUERY_EVENT:
            assert isinstance(event, E.QueryEvent)
            query = event.query.upper()
            if mode == 3:
                self._mode = 1 if query == "BEGIN" else 2
            if self._mode == 2 or query in _COMMITS:
                self._commit(log_pos)
        elif type_code == E.ROTATE_EVENT:  # a transaction never spans files: lost track
            assert isinstance(event, E.RotateEvent)
            self._txn = None
            self._rotate(event)
        return self._deliver()

    def _rotate(self, event: E.RotateEvent) -> None:
        """Go on in the named file; the dump's first (made-up) Rotate may name the file
        we are in at its start (position 4): that does not move us back."""
        if event.next_file != self.file or event.position > self.pos:
            self.file, self.pos = event.next_file, event.position

    def _begin(self, log_pos: int, size: int, mode: int, gtid: E.GtidEvent | None) -> bool:
        self._txn = (self.file, log_pos - size if log_pos else self.pos, self._gtid_text)
        self._mode = mode
        self._count = 1
        self._txn_gtid = gtid.gtid if gtid is not None and gtid.uuid is None else None
        self._txn_domain = gtid.domain_id if gtid is not None else 0
        return self._deliver()

    def _commit(self, log_pos: int) -> None:
        if self._txn_gtid is not None:
            self.gtids[self._txn_domain] = self._txn_gtid
            if self.gtid_known:
                self._gtid_text = format_gtid_state(self.gtids)
        if log_pos:
            self.pos = log_pos
        self._txn = None
        self._mode = 0

    def _deliver(self) -> bool:
        if self.pending_skip <= 0:
            return True
        if self._count <= self.pending_skip and self._count:
            if self._txn is None or self._count == self.pending_skip:
                self.pending_skip = 0
            return False
        self.pending_skip = 0
        return True
