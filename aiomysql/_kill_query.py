"""kill_query_on_cancel: stop a cancelled statement on the server from a side connection."""

from __future__ import annotations

import asyncio
import logging

from ._channel import Channel
from ._login import open_connection
from ._options import KILL_QUERY_TIMEOUT, ConnectOptions
from .errors import Error

logger = logging.getLogger("aiomysql")

# Side tasks sending KILL QUERY; referenced here so they are not collected mid-flight.
_kill_tasks: set[asyncio.Task[None]] = set()


def spawn_kill_query(options: ConnectOptions, thread_id: int) -> None:
    """Start sending KILL QUERY for ``thread_id`` in the background (best effort)."""
    task = asyncio.get_running_loop().create_task(_kill_query(options, thread_id))
    _kill_tasks.add(task)
    task.add_done_callback(_kill_tasks.discard)


async def _kill_query(options: ConnectOptions, thread_id: int) -> None:
    """Open a short-lived connection and stop ``thread_id``'s statement."""
    side = Channel(options)
    try:
        side.attach(*await asyncio.wait_for(open_connection(options), KILL_QUERY_TIMEOUT))
        await asyncio.wait_for(side.run_query(f"KILL QUERY {int(thread_id)}"), KILL_QUERY_TIMEOUT)
    except (Error, asyncio.TimeoutError, OSError) as exc:
        # 1094 (unknown thread) just means the statement's connection is already gone.
        logger.info("kill_query_on_cancel: KILL QUERY %s failed: %s", thread_id, exc)
    finally:
        side.close()


async def wait_for_kill_queries() -> None:
    """Wait until every KILL QUERY sent after a cancellation has been answered."""
    while _kill_tasks:
        await asyncio.gather(*list(_kill_tasks), return_exceptions=True)
