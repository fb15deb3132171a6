"""The position tracker on event sequences of each transaction shape: where a checkpoint
points, and what a resume drops."""

from __future__ import annotations

from typing import Any

from aiomysql.protocol import binlog_events as E
from aiomysql.replication._position import Checkpoint, PositionTracker


def _gtid(seq: int, standalone: bool = False, mysql: bool = False) -> E.GtidEvent:
    ev = E.GtidEvent(0, 1, 0, 0)
    ev.gtid_flags = 1 if standalone and not mysql else 0
    ev.uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562" if mysql else None
    ev.domain_id, ev.seq_no, ev.gno = 0, seq, seq
    ev.gtid = f"{ev.uuid}:{seq}" if mysql else f"0-1-{seq}"
    return ev


def _query(text: str) -> E.QueryEvent:
    ev = E.QueryEvent(0, 1, 0, 0)
    ev.query = text
    return ev


def _feed(tracker: PositionTracker, events: list[tuple[int, int, int, Any]]) -> list[bool]:
    return [tracker.event(code, pos, size, ev) for code, pos, size, ev in events]


def test_mariadb_transaction_ddl_and_non_transactional_commit() -> None:
    t = PositionTracker(Checkpoint("f.1", 100, "0-1-4"))
    _feed(t, [(E.MARIADB_GTID_EVENT, 150, 50, _gtid(5)), (E.TABLE_MAP_EVENT, 200, 50, None)])
    assert t.checkpoint() == Checkpoint("f.1", 100, "0-1-4", 2)
    _feed(t, [(E.XID_EVENT, 230, 30, None)])
    assert t.checkpoint() == Checkpoint("f.1", 230, "0-1-5", 0)
    _feed(t, [(E.MARIADB_GTID_EVENT, 280, 50, _gtid(6, standalone=True))])
    _feed(t, [(E.QUERY_EVENT, 400, 120, _query("CREATE TABLE t (a INT)"))])
    assert t.checkpoint() == Checkpoint("f.1", 400, "0-1-6", 0)
    _feed(t, [(E.MARIADB_GTID_EVENT, 450, 50, _gtid(7)), (E.WRITE_ROWS_EVENT_V1, 500, 50, None)])
    _feed(t, [(E.QUERY_EVENT, 560, 60, _query("COMMIT"))])  # an Aria/MyISAM transaction
    assert t.checkpoint() == Checkpoint("f.1", 560, "0-1-7", 0)


def test_mysql_ddl_and_dml_shapes() -> None:
    t = PositionTracker(Checkpoint("b.1", 4))
    _feed(t, [(E.GTID_EVENT, 100, 96, _gtid(1, mysql=True))])
    _feed(t, [(E.QUERY_EVENT, 200, 100, _query("CREATE TABLE x (a INT)"))])
    assert t.checkpoint() == Checkpoint("b.1", 200, None, 0)
    _feed(
        t,
        [(E.GTID_EVENT, 300, 100, _gtid(2, mysql=True)), (E.QUERY_EVENT, 350, 50, _query("BEGIN"))],
    )
    assert t.in_transaction
    _feed(t, [(E.WRITE_ROWS_EVENT_V2, 400, 50, None), (E.XID_EVENT, 431, 31, None)])
    assert t.checkpoint() == Checkpoint("b.1", 431, None, 0)


def test_xa_prepare_ends_the_group_and_a_gtid_inside_one_starts_the_next() -> None:
    t = PositionTracker(Checkpoint("f.1", 100, ""))
    _feed(t, [(E.MARIADB_GTID_EVENT, 150, 50, _gtid(1)), (E.XA_PREPARE_LOG_EVENT, 200, 50, None)])
    assert not t.in_transaction and t.checkpoint().log_pos == 200
    _feed(t, [(E.MARIADB_GTID_EVENT, 250, 50, _gtid(2)), (E.WRITE_ROWS_EVENT_V1, 300, 50, None)])
    _feed(t, [(E.MARIADB_GTID_EVENT, 350, 50, _gtid(3))])  # the previous group never ended
    assert t.checkpoint() == Checkpoint("f.1", 300, "0-1-2", 1)


def test_resume_drops_what_was_taken_and_heartbeats_do_not_count() -> None:
    t = PositionTracker(Checkpoint("f.1", 100, "0-1-4", 2))
    shown = _feed(
        t,
        [
            (E.ROTATE_EVENT, 0, 40, _rotate("f.1", 4)),
            (E.GTID_LIST_EVENT, 60, 30, None),  # re-sent from the file's head: dropped
            (E.MARIADB_GTID_EVENT, 150, 50, _gtid(5)),
            (E.HEARTBEAT_EVENT, 150, 30, None),
            (E.TABLE_MAP_EVENT, 200, 50, None),
            (E.WRITE_ROWS_EVENT_V1, 260, 60, None),
            (E.XID_EVENT, 290, 30, None),
        ],
    )
    assert shown == [True, False, False, True, False, True, True]


def _rotate(file: str, pos: int) -> E.RotateEvent:
    ev = E.RotateEvent(0, 1, 0, E.LOG_EVENT_ARTIFICIAL_F)
    ev.next_file, ev.position = file, pos
    return ev


def test_tokens_round_trip_as_strings() -> None:
    token = Checkpoint("binlog.000002", 1234, "0-1-9,1-2-3", 3)
    assert Checkpoint.loads(token.dumps()) == token
