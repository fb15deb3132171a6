"""Host lists and targeting rules, without a server: parsing, ordering, roles, the cache."""

from __future__ import annotations

import random

import pytest

from aiomysql import ProgrammingError
from aiomysql._hosts import HostSpec, is_host_list, order_hosts, parse_entry, parse_hosts
from aiomysql._options import ConnectOptions
from aiomysql._targeting import HostStates, Role, accepts, check_target, role_from
from aiomysql.connection import Connection


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("db1", ("db1", 3306)),
        ("db1:3307", ("db1", 3307)),
        (" db1 ", ("db1", 3306)),
        ("[::1]", ("::1", 3306)),
        ("[::1]:3308", ("::1", 3308)),
        ("::1", ("::1", 3306)),
        ("fe80::1:2", ("fe80::1:2", 3306)),
        ("127.0.0.1:1", ("127.0.0.1", 1)),
    ],
)
def test_parse_entry(entry: str, expected: tuple[str, int]) -> None:
    spec = parse_entry(entry, 3306)
    assert (spec.host, spec.port) == expected


@pytest.mark.parametrize(
    "entry", ["", "  ", ":3306", "db1:", "db1:x", "db1:0", "db1:65536", "[::1", "[]", "[::1]x"]
)
def test_parse_entry_rejects(entry: str) -> None:
    with pytest.raises(ProgrammingError, match="host entry"):
        parse_entry(entry, 3306)


def test_parse_hosts_forms() -> None:
    assert parse_hosts("db1,db2:3307", 3300) == (
        HostSpec("db1", 3300, 2),
        HostSpec("db2", 3307, 1),
    )
    mixed = parse_hosts(["db1", ("db2", 3310), ("db3", 3311, 5), {"host": "db4"}], 3306)
    assert [(s.host, s.port, s.priority) for s in mixed] == [
        ("db1", 3306, 0), ("db2", 3310, 0), ("db3", 3311, 5), ("db4", 3306, 0),
    ]  # fmt: skip
    assert parse_hosts("db1", 3306) == (HostSpec("db1", 3306, 1),)
    assert parse_hosts([("[::1]", 3307)], 3306)[0].host == "::1"


@pytest.mark.parametrize(
    "bad",
    [[], "db1,,db2", [42], [("db1", "3306")], [("db1", 3306, -1)], [{"hots": "x"}], 3.5,
     [("db1", True)], [("",)]],
)  # fmt: skip
def test_parse_hosts_rejects(bad: object) -> None:
    with pytest.raises(ProgrammingError):
        parse_hosts(bad, 3306)


def test_is_host_list() -> None:
    assert is_host_list("a,b") and is_host_list(["a"]) and is_host_list(("a",))
    assert not is_host_list("a") and not is_host_list(None)


def test_address_brackets_ipv6() -> None:
    assert HostSpec("::1", 3306).address == "[::1]:3306"
    assert HostSpec("db", 1).address == "db:1"


HOSTS = parse_hosts(["a", "b", "c", "d"], 3306)


def test_order_sequential_and_down_last() -> None:
    assert [s.host for s in order_hosts(HOSTS, "sequential")] == ["a", "b", "c", "d"]
    down = {"a", "c"}
    order = order_hosts(HOSTS, "sequential", lambda s: s.host in down)
    assert [s.host for s in order] == ["b", "d", "a", "c"]


def test_order_random_is_a_permutation_and_varies() -> None:
    rng = random.Random(7)
    seen = {tuple(s.host for s in order_hosts(HOSTS, "random", rng=rng)) for _ in range(50)}
    assert all(sorted(order) == ["a", "b", "c", "d"] for order in seen)
    assert len(seen) > 5


def test_order_priority_ties_shuffled() -> None:
    hosts = parse_hosts([("a", 1, 1), ("b", 1, 9), ("c", 1, 9), ("d", 1, 5)], 3306)
    rng = random.Random(3)
    seen = {tuple(s.host for s in order_hosts(hosts, "priority", rng=rng)) for _ in range(40)}
    assert seen == {("b", "c", "d", "a"), ("c", "b", "d", "a")}
    # Without explicit priorities: the order given.
    assert [s.host for s in order_hosts(HOSTS, "priority", rng=rng)] == ["a", "b", "c", "d"]


def test_connect_arguments_are_checked() -> None:
    with pytest.raises(ProgrammingError, match="load_balance"):
        Connection(host="a,b", load_balance="round-robin")
    with pytest.raises(ProgrammingError, match="target_session_attrs"):
        Connection(host="a", target_session_attrs="writer")
    with pytest.raises(ProgrammingError, match="connect_deadline"):
        Connection(host="a", connect_deadline=0)
    conn = Connection(host=["a:1", "[::1]:2"], port=9)
    options: ConnectOptions = conn._options
    assert [(s.host, s.port) for s in options.hosts] == [("a", 1), ("::1", 2)]
    assert (conn.host, conn.port) == ("a", 1)


RW, RO = Role(read_only=False), Role(read_only=True)
DONOR = Role(read_only=False, usable=False, why="Galera node Donor/Desynced")


@pytest.mark.parametrize(
    ("target", "rw", "ro", "donor"),
    [
        ("any", True, True, False),
        ("read-write", True, False, False),
        ("primary", True, False, False),
        ("read-only", False, True, False),
        ("standby", False, True, False),
        ("prefer-standby", True, True, False),
    ],
)
def test_accepts(target: str, rw: bool, ro: bool, donor: bool) -> None:
    check_target(target)
    assert (accepts(target, RW), accepts(target, RO), accepts(target, DONOR)) == (rw, ro, donor)


def test_role_from_variables() -> None:
    assert role_from({"read_only": "0", "innodb_read_only": "0"}) == RW
    assert role_from({"read_only": "1", "innodb_read_only": "0"}).read_only
    assert role_from({"read_only": "0", "innodb_read_only": "1"}).read_only
    synced = {
        "read_only": "0", "wsrep_on": "ON", "wsrep_ready": "ON",
        "wsrep_local_state_comment": "Synced", "wsrep_cluster_status": "Primary",
    }  # fmt: skip
    assert role_from(synced).usable
    for change in (
        {"wsrep_ready": "OFF"},
        {"wsrep_local_state_comment": "Donor/Desynced"},
        {"wsrep_cluster_status": "non-Primary"},
    ):
        role = role_from({**synced, **change})
        assert not role.usable and "Galera" in role.why
    assert role_from({**synced, "wsrep_on": "OFF", "wsrep_ready": "OFF"}).usable


def test_host_states_expire() -> None:
    now = [100.0]
    states = HostStates(clock=lambda: now[0])
    spec = HostSpec("a", 1)
    assert states.role(spec) is None and not states.recently_down(spec)
    states.set_role(spec, RO)
    assert states.role(spec) == RO
    now[0] += 2.5
    assert states.role(spec) is None
    states.set_down(spec, "refused")
    assert states.recently_down(spec) and states.role(spec) is None
    now[0] += 2.5
    assert not states.recently_down(spec)
    states.set_role(spec, RW)
    states.forget(spec)
    assert states.role(spec) is None
