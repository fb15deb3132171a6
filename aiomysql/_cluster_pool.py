"""ClusterPool: one pool across the hosts of a host list, with a read/write split.

``create_pool(host=[...])`` makes one. It keeps a plain ``Pool`` per host (its own
connections, counters and limits) and decides per ``acquire()`` which host serves it:

- ``acquire()``: a host fitting the pool's ``target_session_attrs`` (default ``any``;
  ``read-write`` for a primary/replica cluster);
- ``acquire(readonly=True)``: a standby if one is usable, else any usable host;
  with ``min_gtid=...`` the standby first waits until it has applied that GTID, and the
  read goes to a writer if it cannot within ``gtid_wait_timeout``.

Roles come from the process-wide ``HOST_STATES`` (probed over a pooled connection when
older than ``ROLE_TTL``). A connection given back with an error that says its host
changed (read-only, server gone, killed, Galera not ready; ``_targeting.STALE_ON``) is
closed, the host's role forgotten, and on a lost server its free connections dropped:
the next acquire probes again and finds the new primary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Generator
from typing import Any

from . import pool as pool_module
from ._context import AwaitableContext
from ._hosts import HostSpec, order_hosts, parse_hosts
from ._targeting import (
    HOST_STATES,
    Role,
    accepts,
    check_target,
    marks_host_stale,
    mismatch,
    no_host_error,
    probe,
)
from .connection import Connection
from .errors import Error, InterfaceError
from .pool import CLOSED_MESSAGE, Pool, PoolClosedError, PoolStats, PoolTimeoutError

logger = logging.getLogger("aiomysql")

#: Errors that mean the server is gone: its other free connections are dropped too.
_SERVER_GONE = frozenset({2006, 2013, 1053, 1927})
_READ_ONLY = frozenset({1290, 1836})


@dataclasses.dataclass
class HostStats(PoolStats):
    """One host's counters: its pool's, and what the cluster pool saw of it."""

    #: What the host was last known as: "primary", "replica", "unusable", "down", "unknown".
    role: str = "unknown"
    #: Connections dropped because an error said the host changed (1290, 2013, ...).
    dropped_on_error: int = 0
    #: Times connecting to the host failed.
    connect_failures: int = 0
    #: Times the host's role was asked (the cache had none or a stale one).
    probes: int = 0
    #: Times a probe found a different role than the one known before.
    role_changes: int = 0


@dataclasses.dataclass
class ClusterStats(PoolStats):
    """The whole pool's counters (the sums over hosts) and ``hosts``: per host."""

    hosts: dict[str, HostStats] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Host:
    spec: HostSpec
    pool: Pool
    stats: HostStats
    last_role: Role | None = None


class ClusterPool:
    """A pool over several servers; ``create_pool(host=[...])`` returns one."""

    def __init__(
        self,
        minsize: int = 1,
        maxsize: int = 10,
        echo: bool = False,
        pool_recycle: float = -1,
        *,
        acquire_timeout: float | None = None,
        pre_ping_idle: float | None = None,
        reset_on_release: bool = False,
        gtid_wait_timeout: float = 5.0,
        **kwargs: Any,
    ) -> None:
        port = kwargs.pop("port", None)
        specs = parse_hosts(kwargs.pop("host"), int(port) if port else 3306)
        self._target = check_target(kwargs.pop("target_session_attrs", "any"))
        self._load_balance = kwargs.pop("load_balance", "sequential")
        kwargs.pop("connect_deadline", None)
        Connection(host="localhost", load_balance=self._load_balance, **kwargs)  # checks args
        self._minsize = minsize
        self._maxsize = maxsize
        self._gtid_wait_timeout = gtid_wait_timeout
        self._closed = False
        self._hosts: dict[tuple[str, int], _Host] = {}
        for spec in specs:
            pool = Pool(
                0,
                maxsize,
                echo,
                pool_recycle,
                acquire_timeout=acquire_timeout,
                pre_ping_idle=pre_ping_idle,
                reset_on_release=reset_on_release,
                host=spec.host,
                port=spec.port,
                **kwargs,
            )
            self._hosts[(spec.host, spec.port)] = _Host(spec, pool, HostStats())
        #: Which host each connection handed out came from.
        self._owner: dict[Connection, _Host] = {}

    # -- properties --------------------------------------------------------------------

    @property
    def minsize(self) -> int:
        """Connections opened at creation (spread over the hosts that fit)."""
        return self._minsize

    @property
    def maxsize(self) -> int:
        """Most connections per host (0: no limit)."""
        return self._maxsize

    @property
    def size(self) -> int:
        """Connections held over all hosts."""
        return sum(host.pool.size for host in self._hosts.values())

    @property
    def freesize(self) -> int:
        """Free connections over all hosts."""
        return sum(host.pool.freesize for host in self._hosts.values())

    @property
    def closed(self) -> bool:
        """True once close() or terminate() was called."""
        return self._closed

    @property
    def hosts(self) -> list[str]:
        """The hosts, as ``host:port``, in the order given."""
        return [host.spec.address for host in self._hosts.values()]

    def stats(self) -> ClusterStats:
        """Counters summed over the hosts, and ``hosts``: each host's own."""
        total = ClusterStats()
        for host in self._hosts.values():
            own = host.pool.stats()
            per_host = dataclasses.replace(host.stats, **_counters(own))
            per_host.role = self._role_name(host)
            total.hosts[host.spec.address] = per_host
            for name, value in _counters(own).items():
                setattr(total, name, getattr(total, name) + value)
        return total

    def _role_name(self, host: _Host) -> str:
        if HOST_STATES.recently_down(host.spec):
            return "down"
        role = HOST_STATES.role(host.spec) or host.last_role
        if role is None:
            return "unknown"
        if not role.usable:
            return "unusable"
        return "replica" if role.read_only else "primary"

    # -- acquiring -------------------------------------------------------------------

    def acquire(
        self, readonly: bool = False, min_gtid: str | None = None
    ) -> AwaitableContext[Connection]:
        """A connection to a host fitting the pool's target (``readonly``: a standby if
        any is usable); ``async with`` releases it and reports its error, if any."""
        return AwaitableContext(self._acquire(readonly, min_gtid), self._release_on_exit)

    async def _release_on_exit(self, conn: Connection, exc: BaseException | None) -> None:
        await self.release(conn, exc)

    async def _acquire(self, readonly: bool, min_gtid: str | None) -> Connection:
        self._check_open()
        if not readonly:
            return await self._acquire_for(self._target)
        strict = self._target in ("read-only", "standby")
        conn = await self._acquire_for("standby" if strict else "prefer-standby")
        host = self._owner[conn]
        role = HOST_STATES.role(host.spec) or host.last_role
        if min_gtid is None or role is None or not role.read_only:
            return conn  # a writer has every write it acknowledged
        try:
            caught_up = await conn.wait_for_gtid(min_gtid, self._gtid_wait_timeout)
        except BaseException as exc:
            await self.release(conn, exc)
            raise
        if caught_up or strict:
            if not caught_up:
                await self.release(conn)
                raise InterfaceError(0, f"no standby reached GTID {min_gtid} in time")
            return conn
        await self.release(conn)  # lagging: read from a writer, which has the write
        return await self._acquire_for("read-write")

    async def _acquire_for(self, target: str) -> Connection:
        order = order_hosts(
            [host.spec for host in self._hosts.values()],
            self._load_balance,
            HOST_STATES.recently_down,
        )
        if target == "prefer-standby":
            order.sort(key=lambda spec: _standby_rank(HOST_STATES.role(spec)))
        fits = "standby" if target == "prefer-standby" else target
        failures: list[tuple[str, str]] = []
        skipped: list[_Host] = []
        fallback: Connection | None = None
        try:
            for spec in order:
                host = self._hosts[(spec.host, spec.port)]
                cached = HOST_STATES.role(spec)
                if cached is not None and not accepts(fits, cached):
                    skipped.append(host)
                    continue
                conn = await self._try(host, fits, failures)
                if conn is not None:
                    return conn
            for host in skipped:  # what the cache ruled out may have changed: ask again
                HOST_STATES.forget(host.spec)
                conn = await self._try(host, fits, failures)
                if conn is not None:
                    return conn
            if target == "prefer-standby":
                fallback = await self._acquire_for("any")
                return fallback
        except BaseException:
            if fallback is not None:
                await self.release(fallback)
            raise
        raise no_host_error(failures, target, deadline_hit=False)

    async def _try(
        self, host: _Host, fits: str, failures: list[tuple[str, str]]
    ) -> Connection | None:
        """A connection from ``host`` if it fits; None (and a failure noted) otherwise."""
        try:
            conn = await host.pool.acquire()
        except PoolTimeoutError as exc:  # busy, not down
            failures.append((host.spec.address, str(exc)))
            return None
        except Error as exc:
            host.stats.connect_failures += 1
            HOST_STATES.set_down(host.spec, str(exc))
            failures.append((host.spec.address, f"({exc.args[0]}) {exc.args[-1]}"))
            return None
        self._owner[conn] = host
        role = HOST_STATES.role(host.spec)
        if role is None:
            try:
                role = await self._probe(host, conn)
            except Error as exc:
                await self.release(conn, exc)
                failures.append((host.spec.address, f"role probe failed: {exc.args[-1]}"))
                return None
            except BaseException as exc:
                await self.release(conn, exc)
                raise
        if accepts(fits, role):
            return conn
        await self.release(conn)
        failures.append((host.spec.address, mismatch(fits, role)))
        return None

    async def _probe(self, host: _Host, conn: Connection) -> Role:
        async def run(sql: str) -> list[tuple[Any, ...]]:
            return list((await conn.run_query(sql)).rows or ())

        role = await probe(run)
        host.stats.probes += 1
        if host.last_role is not None and host.last_role != role:
            host.stats.role_changes += 1
            logger.info("cluster pool: %s is now %s", host.spec.address, role)
        host.last_role = role
        HOST_STATES.set_role(host.spec, role)
        return role

    # -- giving back -------------------------------------------------------------------

    def release(self, conn: Connection, exc: BaseException | None = None) -> asyncio.Future[None]:
        """Give ``conn`` back; ``exc``, the error its user met, may drop it (and what is
        known about its host): see the module docstring."""
        host = self._owner.pop(conn, None)
        if host is None:
            raise InterfaceError(0, f"{conn!r} was not acquired from this pool")
        if exc is not None and marks_host_stale(exc):
            self._host_changed(host, conn, exc)
        return host.pool.release(conn)

    def _host_changed(self, host: _Host, conn: Connection, exc: BaseException) -> None:
        code = exc.args[0]
        host.stats.dropped_on_error += 1
        logger.info("cluster pool: %s: dropping a connection after %s", host.spec.address, exc)
        conn.close()
        if code in _READ_ONLY:  # known now, no probe needed
            read_only = Role(read_only=True)
            if host.last_role is not None and host.last_role != read_only:
                host.stats.role_changes += 1
            host.last_role = read_only
            HOST_STATES.set_role(host.spec, read_only)
            return
        HOST_STATES.forget(host.spec)
        if code in _SERVER_GONE:
            for free in host.pool._free:
                free.close()  # found closed (and dropped) by the next acquire

    # -- closing -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosedError(CLOSED_MESSAGE)

    async def fill(self) -> None:
        """Open ``minsize`` connections on hosts fitting the target (at creation)."""
        held: list[Connection] = []
        try:
            for _ in range(max(self._minsize, 1)):
                held.append(await self._acquire_for(self._target))
        finally:
            for conn in held:
                await self.release(conn)

    async def clear(self) -> None:
        """Close every free connection of every host."""
        await asyncio.gather(*(host.pool.clear() for host in self._hosts.values()))

    def close(self) -> None:
        """Refuse further acquires; close free connections now, used ones on release."""
        self._closed = True
        for host in self._hosts.values():
            host.pool.close()

    def terminate(self) -> None:
        """Close the pool and every connection, in use or not."""
        self._closed = True
        for host in self._hosts.values():
            host.pool.terminate()

    async def wait_closed(self) -> None:
        """Wait until every host's connections are closed (closing the pool first)."""
        self._closed = True
        await asyncio.gather(*(host.pool.wait_closed() for host in self._hosts.values()))

    async def __aenter__(self) -> ClusterPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.wait_closed()

    def __await__(self) -> Generator[Any, None, None]:
        raise TypeError("use 'async with pool.acquire() as conn' with a ClusterPool")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<aiomysql.ClusterPool {state} hosts={self.hosts} size={self.size}>"


def _counters(stats: PoolStats) -> dict[str, Any]:
    return {f.name: getattr(stats, f.name) for f in dataclasses.fields(PoolStats)}


def _standby_rank(role: Role | None) -> int:
    if role is None:
        return 1
    return 0 if role.read_only else 2


async def create_cluster_pool(pool: ClusterPool) -> ClusterPool:
    """Fill a new cluster pool; close it if that fails."""
    try:
        await pool.fill()
    except BaseException:
        await pool.wait_closed()
        raise
    return pool


async def _close_on_exit(pool: ClusterPool, exc: BaseException | None) -> None:
    await pool.wait_closed()


def cluster_pool_context(
    minsize: int, maxsize: int, echo: bool, pool_recycle: float, **kwargs: Any
) -> AwaitableContext[Any]:
    """``create_pool(host=[...])``'s result: await it or use it with ``async with``."""
    pool = ClusterPool(minsize, maxsize, echo, pool_recycle, **kwargs)
    return AwaitableContext(create_cluster_pool(pool), _close_on_exit)


pool_module.cluster_pool_factory = cluster_pool_context
