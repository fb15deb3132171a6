"""Causal reads: turning session tracking on after login, and waiting for a GTID.

MariaDB reports a session's last GTID through the tracked ``last_gtid`` variable and
waits with ``MASTER_GTID_WAIT(gtid, timeout)`` (0 reached, -1 timed out); MySQL
reports it through ``session_track_gtids=OWN_GTID`` and waits with
``WAIT_FOR_EXECUTED_GTID_SET(gtids, timeout)`` (0 reached, 1 timed out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .errors import ProgrammingError

#: After login with session_track=True: report the last GTID, the default database,
#: state changes and the transaction's characteristics with every OK packet.
MARIADB_TRACKING = (
    "SET session_track_system_variables = "
    "CONCAT_WS(',', NULLIF(@@session_track_system_variables, ''), 'last_gtid'), "
    "session_track_schema = ON, session_track_state_change = ON, "
    "session_track_transaction_info = CHARACTERISTICS"
)
MYSQL_TRACKING = (
    "SET session_track_gtids = OWN_GTID, session_track_schema = ON, "
    "session_track_state_change = ON, session_track_transaction_info = CHARACTERISTICS"
)


def is_mariadb(server_version: str) -> bool:
    """Whether a greeting's version string is MariaDB's."""
    return "mariadb" in server_version.lower()


def tracking_sql(server_version: str) -> str:
    """The SET statement turning on the tracking causal reads need, for this server."""
    return MARIADB_TRACKING if is_mariadb(server_version) else MYSQL_TRACKING


def wait_sql(server_version: str, gtid: str, timeout: float, quote: Callable[[str], str]) -> str:
    """The statement waiting until ``gtid`` is applied, at most ``timeout`` seconds."""
    if not isinstance(gtid, str) or not gtid.strip():
        raise ProgrammingError(0, f"gtid must be a non-empty GTID string, not {gtid!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ProgrammingError(0, f"timeout must be a number of seconds >= 0, not {timeout!r}")
    function = "MASTER_GTID_WAIT" if is_mariadb(server_version) else "WAIT_FOR_EXECUTED_GTID_SET"
    return f"SELECT {function}({quote(gtid)}, {float(timeout)!r})"


async def wait_for_gtid(run: Callable[[str], Awaitable[Any]], sql: str) -> bool:
    """Run the wait statement: True once applied, False if the timeout passed first."""
    result = await run(sql)
    value = result.rows[0][0] if result.rows else None
    if value is None:  # MASTER_GTID_WAIT answers NULL for an invalid position
        raise ProgrammingError(0, f"the server could not wait for this GTID ({sql})")
    return int(value) == 0
