"""A replication cluster (primary + one replica) started once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aiomysql._targeting import HOST_STATES
from aiomysql.testing import TemporaryCluster


@pytest.fixture(scope="session")
def replication() -> Iterator[TemporaryCluster]:
    """Primary (node 0) and a read-only GTID replica (node 1), behind gates; shared: a
    test that changes the topology puts it back."""
    with TemporaryCluster("replication", replicas=1) as cluster:
        yield cluster


@pytest.fixture(autouse=True)
def _fresh_host_states() -> Iterator[None]:
    """Each test starts with nothing known about any host."""
    HOST_STATES.clear()
    yield
    HOST_STATES.clear()
