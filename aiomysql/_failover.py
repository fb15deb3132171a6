"""Connecting through a host list: try each host in turn until one fits the target.

A single host with ``target_session_attrs="any"`` goes straight to ``open_connection``
(nothing changes for it). Otherwise each host gets ``connect_timeout``, all of them
together ``connect_deadline``, and the error when none fits names every host and why.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._channel import Channel
from ._hosts import HostSpec, order_hosts
from ._login import open_connection
from ._options import ConnectOptions
from ._targeting import HOST_STATES, Role, accepts, mismatch, no_host_error, probe
from ._wire import Wire
from .errors import Error
from .protocol.core import ClientCore
from .protocol.handshake import Greeting

Opened = tuple[ClientCore, Wire, Greeting, ConnectOptions]


async def open_target(options: ConnectOptions) -> Opened:
    """A logged-in connection to the first host of ``options.hosts`` that fits
    ``options.target_session_attrs``, and the options naming that host."""
    target = options.target_session_attrs
    if options.unix_socket or (len(options.hosts) <= 1 and target == "any"):
        return (*await open_connection(options), options)
    return await _Attempt(options).run()


class _Attempt:
    """One connect over a host list: its deadline, failures and fallback."""

    def __init__(self, options: ConnectOptions) -> None:
        self.options = options
        self.target = options.target_session_attrs
        self.failures: list[tuple[str, str]] = []
        self.deadline_hit = False
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.deadline = loop.time() + options.connect_deadline if options.connect_deadline else None
        #: prefer-standby: the first usable writable server, kept until a standby is found.
        self.fallback: Opened | None = None

    async def run(self) -> Opened:
        states = HOST_STATES
        order = order_hosts(self.options.hosts, self.options.load_balance, states.recently_down)
        if self.target == "prefer-standby":  # known standbys first, known writers last
            order.sort(key=lambda spec: _standby_rank(states.role(spec)))
        skipped: list[HostSpec] = []
        try:
            for spec in order:
                cached = states.role(spec)
                if cached is not None and not self._fits(cached):
                    skipped.append(spec)
                    continue
                opened = await self._try(spec, cached)
                if opened is not None:
                    return opened
            # What the cache ruled out may have changed (a failover): ask them afresh.
            for spec in skipped:
                opened = await self._try(spec, None)
                if opened is not None:
                    return opened
        except BaseException:
            self._drop_fallback()
            raise
        if self.fallback is not None:
            return self.fallback
        raise no_host_error(self.failures, self.target, self.deadline_hit)

    def _fits(self, role: Role) -> bool:
        target = "standby" if self.target == "prefer-standby" else self.target
        return accepts(target, role)

    def _timeout(self) -> float | None:
        per_host = self.options.connect_timeout
        if self.deadline is None:
            return per_host
        left = self.deadline - self.loop.time()
        return left if per_host is None else min(per_host, left)

    async def _try(self, spec: HostSpec, cached: Role | None) -> Opened | None:
        timeout = self._timeout()
        if timeout is not None and timeout <= 0:
            self.deadline_hit = True
            self.failures.append((spec.address, "not tried: the connect deadline passed"))
            return None
        one = self.options.replace(host=spec.host, port=spec.port, connect_timeout=timeout)
        try:
            core, wire, greeting = await open_connection(one)
        except Error as exc:
            HOST_STATES.set_down(spec, str(exc))
            self.failures.append((spec.address, _why(exc)))
            return None
        opened = (core, wire, greeting, one.replace(connect_timeout=self.options.connect_timeout))
        try:
            role = cached or await _probe(one, core, wire, greeting)
        except Error as exc:
            _close(opened)
            HOST_STATES.set_down(spec, str(exc))
            self.failures.append((spec.address, f"role probe failed: {_why(exc)}"))
            return None
        except BaseException:
            _close(opened)
            raise
        HOST_STATES.set_role(spec, role)
        if self._fits(role):
            self._drop_fallback()
            return opened
        if self.target == "prefer-standby" and accepts("any", role) and self.fallback is None:
            self.fallback = opened
        else:
            _close(opened)
        self.failures.append((spec.address, mismatch(self.target, role)))
        return None

    def _drop_fallback(self) -> None:
        if self.fallback is not None:
            _close(self.fallback)
            self.fallback = None


def _standby_rank(role: Role | None) -> int:
    if role is None:
        return 1
    return 0 if role.read_only else 2


def _why(exc: BaseException) -> str:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    message = exc.args[-1] if exc.args else exc
    return f"({code}) {message}" if code else str(message)


async def _probe(options: ConnectOptions, core: ClientCore, wire: Wire, greeting: Greeting) -> Role:
    """The role of the server behind a fresh login, asked over a short-lived channel."""
    channel = Channel(options)
    channel.attach(core, wire, greeting)

    async def run(sql: str) -> list[tuple[Any, ...]]:
        result = await channel.run_query(sql)
        return list(result.rows or ())

    return await probe(run)


def _close(opened: Opened) -> None:
    core, wire = opened[0], opened[1]
    core.abort()
    if wire.transport is not None:
        wire.transport.abort()
