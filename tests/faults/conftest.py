"""Fixtures for the fault tests: a fault-injecting proxy in front of the session's server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fault_proxy import FaultProxy

from aiomysql.connection import wait_for_kill_queries


@pytest.fixture
async def proxy(connect_kwargs: dict[str, Any]) -> AsyncIterator[FaultProxy]:
    """A FaultProxy to the test server, closed (every link cut) after the test."""
    async with FaultProxy(connect_kwargs["host"], connect_kwargs["port"]) as p:
        yield p
        await wait_for_kill_queries()


@pytest.fixture
def proxied_kwargs(proxy: FaultProxy, connect_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``connect_kwargs`` pointed at the proxy."""
    return proxy.connect_kwargs(connect_kwargs)
