"""Host lists: ``host=["db1:3306", "db2", "[::1]:3307"]`` or ``"db1,db2:3307"``, parsed and ordered.

Parsing and ordering are pure functions (unit-tested without a server); which hosts
were seen down recently is kept by ``_targeting.HostStates``, which passes it in.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .errors import ProgrammingError

#: The ways to order a host list for each connect.
LOAD_BALANCE = ("sequential", "random", "priority")


class HostSpec(NamedTuple):
    """One entry of a host list: where to connect and its priority (higher first)."""

    host: str
    port: int
    priority: int = 0

    @property
    def address(self) -> str:
        """``host:port`` as written in messages (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _bad(entry: object, why: str) -> ProgrammingError:
    return ProgrammingError(0, f"host entry {entry!r}: {why}")


def _port(text: str, entry: object) -> int:
    if not text.isdigit():
        raise _bad(entry, f"port {text!r} is not a number")
    port = int(text)
    if not 0 < port < 65536:
        raise _bad(entry, f"port {port} is out of range 1-65535")
    return port


def parse_entry(entry: str, default_port: int) -> HostSpec:
    """``name``, ``name:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address."""
    text = entry.strip()
    if not text:
        raise _bad(entry, "empty host name")
    if text.startswith("["):
        end = text.find("]")
        if end < 2:
            raise _bad(entry, "unclosed or empty [IPv6] address")
        host, rest = text[1:end], text[end + 1 :]
        if not rest:
            return HostSpec(host, default_port)
        if not rest.startswith(":"):
            raise _bad(entry, f"unexpected {rest!r} after the address")
        return HostSpec(host, _port(rest[1:], entry))
    if text.count(":") > 1:  # a bare IPv6 address: no port can be told apart
        return HostSpec(text, default_port)
    host, sep, port = text.partition(":")
    if not host:
        raise _bad(entry, "empty host name")
    return HostSpec(host, _port(port, entry) if sep else default_port)


def is_host_list(host: object) -> bool:
    """Whether ``host`` names more than one server (a list, or a string with commas)."""
    if isinstance(host, str):
        return "," in host
    return isinstance(host, (list, tuple))


def parse_hosts(host: object, default_port: int) -> tuple[HostSpec, ...]:
    """Every form connect() accepts as ``host`` turned into HostSpecs, in the order given.

    A string (commas separate hosts), or a list of strings, ``(host, port)`` tuples,
    ``(host, port, priority)`` tuples or ``{"host":, "port":, "priority":}`` mappings.
    Without explicit priorities the first host has the highest.
    """
    if isinstance(host, str):
        items: Sequence[Any] = host.split(",")
    elif isinstance(host, (list, tuple)):
        items = host
    else:
        raise ProgrammingError(0, f"host must be a string or a list of hosts, not {host!r}")
    if not items:
        raise ProgrammingError(0, "host list is empty")
    specs = [_one(item, default_port) for item in items]
    if all(spec.priority == 0 for spec in specs):
        specs = [spec._replace(priority=len(specs) - i) for i, spec in enumerate(specs)]
    return tuple(specs)


def _one(item: object, default_port: int) -> HostSpec:
    if isinstance(item, str):
        return parse_entry(item, default_port)
    if isinstance(item, Mapping):
        unknown = set(item) - {"host", "port", "priority"}
        if unknown or "host" not in item:
            raise _bad(item, "a mapping needs 'host' and may have 'port' and 'priority'")
        return _tuple((item["host"], item.get("port", default_port), item.get("priority", 0)))
    if isinstance(item, tuple) and 1 <= len(item) <= 3:
        return _tuple(item + (default_port, 0)[len(item) - 1 :])
    raise _bad(item, "expected 'host[:port]', (host, port[, priority]) or a mapping")


def _tuple(item: tuple[Any, ...]) -> HostSpec:
    host, port, priority = item[:3]
    if not isinstance(host, str) or not host.strip():
        raise _bad(item, "host must be a non-empty string")
    if isinstance(port, bool) or not isinstance(port, int):
        raise _bad(item, "port must be an int")
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
        raise _bad(item, "priority must be an int >= 0")
    return HostSpec(host.strip().strip("[]"), _port(str(port), item), priority)


def check_load_balance(value: str) -> str:
    """``value`` if it is a known load_balance mode, else ProgrammingError."""
    if value not in LOAD_BALANCE:
        raise ProgrammingError(0, f"load_balance must be one of {LOAD_BALANCE}, not {value!r}")
    return value


def order_hosts(
    hosts: Iterable[HostSpec],
    load_balance: str,
    recently_down: Callable[[HostSpec], bool] = lambda spec: False,
    rng: random.Random | None = None,
) -> list[HostSpec]:
    """The order to try ``hosts`` in for one connect.

    ``sequential``: as given. ``random``: shuffled. ``priority``: highest priority
    first, equal priorities shuffled. In every mode the hosts seen down recently go
    last (still tried: the record may be stale), keeping their relative order.
    """
    specs = list(hosts)
    pick = rng or random
    if load_balance == "random":
        pick.shuffle(specs)
    elif load_balance == "priority":
        pick.shuffle(specs)
        specs.sort(key=lambda spec: -spec.priority)  # stable: ties stay shuffled
    up = [spec for spec in specs if not recently_down(spec)]
    down = [spec for spec in specs if recently_down(spec)]
    return up + down
