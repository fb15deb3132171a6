"""target_session_attrs: which server of a host list a connection may settle on.

A server's role (writable or read-only; for a Galera node, whether it is ready) is
probed after login and remembered per host for ``ROLE_TTL`` seconds, so a pool does not
probe on every connect. Connect failures are remembered the same way, so the next
connect tries the hosts that were up first. Errors seen later on a connection
(``forget()``) drop what was known about its host.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from ._hosts import HostSpec
from .constants import CR
from .errors import Error, OperationalError, ProgrammingError

#: The values target_session_attrs accepts (libpq's and asyncpg's names).
TARGETS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
#: Seconds a probed role is trusted.
ROLE_TTL = 2.0
#: Seconds a host that refused a connection is tried last.
DOWN_TTL = 2.0

#: Errors after which what is known about a connection's host is stale: read-only
#: (1290 ER_OPTION_PREVENTS_STATEMENT, 1836 ER_READ_ONLY_MODE), server gone or lost
#: (2006, 2013), shutdown in progress (1053), killed by an admin (1927 connection
#: killed), Galera not ready (1047 WSREP has not yet prepared node for application use).
STALE_ON = frozenset({1290, 1836, 2006, 2013, 1053, 1927, 1047, 1184})


def check_target(value: str) -> str:
    """``value`` if it is a known target_session_attrs, else ProgrammingError."""
    if value not in TARGETS:
        raise ProgrammingError(0, f"target_session_attrs must be one of {TARGETS}, not {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Role:
    """What a probe found out about a server."""

    read_only: bool
    #: False for a Galera node that is not Synced, not ready or not in the primary component.
    usable: bool = True
    why: str = ""


def accepts(target: str, role: Role) -> bool:
    """Whether a server in ``role`` satisfies ``target`` (prefer-standby: any usable one;
    the preference is applied by trying standbys first)."""
    if not role.usable:
        return False
    if target in ("read-write", "primary"):
        return not role.read_only
    if target in ("read-only", "standby"):
        return role.read_only
    return True  # any, prefer-standby


def mismatch(target: str, role: Role) -> str:
    """Why a server in ``role`` was not taken for ``target`` (for the error message)."""
    if not role.usable:
        return f"not usable: {role.why}"
    return "read-only" if role.read_only else "writable (not a standby)"


def role_from(variables: dict[str, str]) -> Role:
    """The role told by ``@@global.read_only``, ``@@global.innodb_read_only`` and the
    ``wsrep_*`` status values (names lower-cased)."""

    def on(name: str) -> bool:
        return variables.get(name, "").upper() in ("1", "ON", "TRUE")

    read_only = on("read_only") or on("innodb_read_only")
    if on("wsrep_on"):
        state = variables.get("wsrep_local_state_comment", "")
        cluster = variables.get("wsrep_cluster_status", "")
        if not on("wsrep_ready") or state != "Synced" or cluster != "Primary":
            why = f"Galera node {state or '?'} in a {cluster or '?'} component"
            return Role(read_only, usable=False, why=why)
    return Role(read_only)


async def probe(run: Any) -> Role:
    """Ask the server its role; ``run(sql)`` runs one statement and returns its rows."""
    rows = await run("SELECT @@global.read_only, @@global.innodb_read_only")
    read_only, innodb_read_only = rows[0]
    variables = {"read_only": str(read_only), "innodb_read_only": str(innodb_read_only)}
    try:
        for name, value in await run("SHOW GLOBAL VARIABLES LIKE 'wsrep\\_on'"):
            variables[_text(name).lower()] = _text(value)
        if variables.get("wsrep_on", "").upper() == "ON":
            for name, value in await run("SHOW GLOBAL STATUS LIKE 'wsrep\\_%'"):
                variables[_text(name).lower()] = _text(value)
    except Error:
        pass  # no wsrep variables on this server
    return role_from(variables)


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclasses.dataclass
class _Record:
    role: Role | None = None
    role_at: float = 0.0
    down_at: float | None = None
    why_down: str = ""


class HostStates:
    """What is known about each host, shared by every connection of the process."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._hosts: dict[tuple[str, int], _Record] = {}

    def _get(self, spec: HostSpec | tuple[str, int]) -> _Record:
        key = (spec[0], spec[1])
        record = self._hosts.get(key)
        if record is None:
            record = self._hosts[key] = _Record()
        return record

    def role(self, spec: HostSpec | tuple[str, int]) -> Role | None:
        """The role probed within ROLE_TTL, or None."""
        record = self._hosts.get((spec[0], spec[1]))
        if record is None or record.role is None:
            return None
        if self._clock() - record.role_at > ROLE_TTL:
            return None
        return record.role

    def set_role(self, spec: HostSpec | tuple[str, int], role: Role) -> None:
        """Remember a probed role (the host is up)."""
        record = self._get(spec)
        record.role, record.role_at, record.down_at = role, self._clock(), None

    def set_down(self, spec: HostSpec | tuple[str, int], why: str) -> None:
        """Remember that connecting to the host failed."""
        record = self._get(spec)
        record.role, record.down_at, record.why_down = None, self._clock(), why

    def recently_down(self, spec: HostSpec | tuple[str, int]) -> bool:
        """Whether connecting failed within DOWN_TTL."""
        record = self._hosts.get((spec[0], spec[1]))
        return (
            record is not None
            and record.down_at is not None
            and self._clock() - record.down_at <= DOWN_TTL
        )

    def forget(self, spec: HostSpec | tuple[str, int]) -> None:
        """Drop the cached role: the next connect probes again."""
        record = self._hosts.get((spec[0], spec[1]))
        if record is not None:
            record.role = None

    def clear(self) -> None:
        """Forget everything (tests; after a planned topology change)."""
        self._hosts.clear()


#: The process-wide record.
HOST_STATES = HostStates()


def marks_host_stale(exc: BaseException) -> bool:
    """Whether ``exc`` means the role known for the connection's host may be wrong."""
    return isinstance(exc, Error) and bool(exc.args) and exc.args[0] in STALE_ON


def no_host_error(failures: list[tuple[str, str]], target: str, deadline_hit: bool) -> Error:
    """The error when no host of a list could be used, naming each and why."""
    parts = "; ".join(f"{address}: {why}" for address, why in failures)
    wanted = "" if target == "any" else f" matching target_session_attrs={target!r}"
    tail = " (the overall connect deadline passed)" if deadline_hit else ""
    return OperationalError(
        CR.CR_CONN_HOST_ERROR,
        f"Can't connect to any of {len(failures)} MySQL servers{wanted}{tail}: {parts}",
    )
