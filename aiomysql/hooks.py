"""Hooks: plain callables told about each statement, connection and pool hand-out.

A supported extension point instead of monkey-patching (tracing, metrics, logging):

``connect(on_query_start=f, on_query_end=g, on_connect=h)`` and the same keywords on
``create_pool`` (which also takes ``on_acquire`` and ``on_release``), or every one at
once as ``hooks=Hooks(...)``.

The contract:

- Hooks are plain (synchronous) callables taking one info object; they run inline, on
  the event loop, so they must not block. To do I/O, start a task from the hook.
  Coroutine functions are refused with ``TypeError`` when the connection is made.
- A hook that raises does not change the statement's outcome: the exception is logged
  (logger ``aiomysql``, with its traceback) and swallowed, as tracing should never
  break the application it watches.
- ``on_query_start`` and ``on_query_end`` are called once per statement: ``execute``,
  ``executemany`` (once for the whole batch, however many packets it takes),
  ``callproc`` (once, its ``SET`` of the arguments included), and the statements the
  connection itself runs for the application (``query``, ``begin``, ``commit``,
  ``rollback``, ``autocommit`` when it changes, ``kill``, ``set_charset``,
  ``show_warnings``). What a statement runs internally (the ``SHOW WARNINGS`` after a
  statement with warnings, the session settings of a (re)connect) is part of it, not a
  statement of its own. The end hook always comes, also after an error or a
  cancellation (``info.error``), and receives the same info object as the start hook.
- With no hook set, a statement costs one attribute test more than without hooks.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .result import Result

logger = logging.getLogger("aiomysql")

T = TypeVar("T")

__all__ = [
    "ConnectInfo",
    "Hooks",
    "PoolInfo",
    "QueryInfo",
]


@dataclasses.dataclass(eq=False, slots=True)
class QueryInfo:
    """One statement: what ran, on which connection, and (at the end hook) how it went."""

    #: The Connection the statement ran on (None if it was garbage-collected since).
    connection: Any
    #: ``"execute"``, ``"executemany"``, ``"callproc"`` or ``"query"`` (connection-level).
    method: str
    #: The statement as the application gave it, placeholders unfilled (for callproc:
    #: the procedure's name).
    statement: str
    #: The parameters, only when the connection was made with ``hook_parameters=True``.
    parameters: Any = None
    #: executemany: how many parameter sets the batch has (else None).
    batch_size: int | None = None
    #: ``time.perf_counter()`` when the statement started.
    start: float = 0.0
    #: Seconds the statement took (set before the end hook).
    duration: float | None = None
    #: Rows of the result set, when the statement returned one and it was read whole
    #: (an unbuffered cursor's rows are not counted: None).
    rows: int | None = None
    #: The cursor's ``rowcount`` afterwards (affected rows for DML; -1 when unknown).
    rowcount: int = -1
    #: Protocol bytes (before TLS) sent and received for the statement.
    bytes_sent: int = 0
    bytes_received: int = 0
    #: The exception the statement ended with (a DB-API error, CancelledError, ...).
    error: BaseException | None = None
    #: A comment for the start hook to add to the statement sent (without ``/* */``; a
    #: sqlcommenter-style trace context): appended to the SQL after its parameters.
    comment: str | None = None
    #: Free for the hooks: what a start hook keeps for its end hook, under a key of its
    #: own (e.g. itself), so that combined hooks do not overwrite each other's.
    state: dict[Any, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class ConnectInfo:
    """One (re)connection: ``on_connect`` gets it once the login and session settings
    are done, or failed (``error``)."""

    connection: Any
    start: float
    duration: float
    error: BaseException | None = None


@dataclasses.dataclass(eq=False)
class PoolInfo:
    """A pool handing out (``on_acquire``) or taking back (``on_release``) a connection.

    ``duration`` is the wait for acquire (from the call to the hand-out, opening a
    connection included) and how long the connection was held for release.
    ``on_acquire`` is also called when acquire fails (``error``: PoolTimeoutError,
    the pool closed, a cancellation; ``connection`` None).
    """

    pool: Any
    connection: Any
    duration: float
    error: BaseException | None = None


def _checked(name: str, hook: Any) -> Any:
    if hook is None:
        return None
    if not callable(hook):
        raise TypeError(f"{name} must be a callable, not {type(hook).__name__}")
    if inspect.iscoroutinefunction(hook) or inspect.iscoroutinefunction(
        getattr(hook, "__call__", None)  # noqa: B004 (an object with an async __call__)
    ):
        raise TypeError(
            f"{name} must be a plain callable, not a coroutine function: hooks run inline "
            "and must not block (start a task from the hook to do I/O)"
        )
    return hook


def _call(hook: Callable[[Any], object], info: Any) -> None:
    """Call ``hook``; an exception it raises is logged and swallowed."""
    try:
        hook(info)
    except Exception:
        logger.exception("aiomysql: hook %r raised; ignored", hook)


@dataclasses.dataclass(frozen=True)
class Hooks:
    """Every hook in one object: ``connect(hooks=...)`` / ``create_pool(hooks=...)``.

    ``parameters=True`` lets the query hooks see each statement's parameters (off by
    default: they may hold personal data). A connection uses the query and connect
    hooks; a pool also the acquire and release hooks, and gives the others to its
    connections.
    """

    on_query_start: Callable[[QueryInfo], object] | None = None
    on_query_end: Callable[[QueryInfo], object] | None = None
    on_connect: Callable[[ConnectInfo], object] | None = None
    on_acquire: Callable[[PoolInfo], object] | None = None
    on_release: Callable[[PoolInfo], object] | None = None
    parameters: bool = False

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if field.name != "parameters":
                _checked(field.name, getattr(self, field.name))

    def replace(self, **changes: Any) -> Hooks:
        """A copy with ``changes`` (individual hooks given next to ``hooks=``)."""
        return dataclasses.replace(self, **changes)

    @staticmethod
    def combine(*hooks: Hooks | None) -> Hooks:
        """One set calling each of ``hooks`` in turn (e.g. tracing and your own logging)."""
        present = [h for h in hooks if h is not None]
        merged: dict[str, Any] = {"parameters": any(h.parameters for h in present)}
        for field in dataclasses.fields(Hooks):
            if field.name == "parameters":
                continue
            funcs = [getattr(h, field.name) for h in present if getattr(h, field.name)]
            merged[field.name] = _fan_out(funcs) if len(funcs) > 1 else (funcs or [None])[0]
        return Hooks(**merged)


def _fan_out(funcs: list[Callable[[Any], object]]) -> Callable[[Any], None]:
    def call_each(info: Any) -> None:
        for func in funcs:
            _call(func, info)

    return call_each


def resolve_hooks(hooks: Hooks | None, **given: Any) -> Hooks | None:
    """``hooks`` with the individual keywords given next to it (None ones left out)."""
    changes = {name: value for name, value in given.items() if value not in (None, False)}
    if hooks is not None and not isinstance(hooks, Hooks):
        raise TypeError(f"hooks must be an aiomysql.Hooks, not {type(hooks).__name__}")
    if not changes:
        return hooks
    return (hooks or Hooks()).replace(**changes)


#: The methods whose statement text is sent as given, so that a comment can be added.
_COMMENTED = ("execute", "query")

# -- statements ------------------------------------------------------------------


class QueryHooks:
    """One connection's query and connect hooks, and the runners that call them.

    The channel holds it as ``channel.hooks`` while armed; during a hooked statement
    it is None, so what the statement runs inside (callproc's two statements, a SHOW
    WARNINGS) is not reported again.
    """

    __slots__ = ("_conn", "on_start", "on_end", "on_connect", "parameters", "__weakref__")

    def __init__(self, connection: Any, hooks: Hooks) -> None:
        self._conn = weakref.ref(connection)
        self.on_start = hooks.on_query_start
        self.on_end = hooks.on_query_end
        self.on_connect = hooks.on_connect
        self.parameters = hooks.parameters

    @property
    def for_statements(self) -> bool:
        """Whether any query hook is set (else the channel needs no arming)."""
        return self.on_start is not None or self.on_end is not None

    async def run(
        self,
        channel: Any,
        method: str,
        statement: Any,
        args: Any,
        func: Callable[[Any, Any, Any], Awaitable[T]],
        target: Any,
    ) -> T:
        """Run ``func(target, statement, args)`` as one hooked statement on ``channel``.

        ``target`` is the cursor (``func`` its class's execute, executemany or callproc)
        or, for ``method="query"``, the channel (``args``: run_query's ``unbuffered``).
        """
        query = method == "query"
        text = statement if isinstance(statement, str) else _text(statement, channel)
        info = QueryInfo(
            self._conn(), method, text, args if self.parameters and not query else None
        )
        if method == "executemany":
            info.batch_size = len(args)
        on_start = self.on_start
        if on_start is not None:
            try:  # _call() written out: this runs per statement
                on_start(info)
            except Exception:
                logger.exception("aiomysql: hook %r raised; ignored", on_start)
        wire = channel.wire
        sent, received = getattr(wire, "sent", 0), getattr(wire, "received", 0)
        channel.hooks = None
        info.start = start = time.perf_counter()
        try:
            if info.comment is not None and method in _COMMENTED and isinstance(statement, str):
                if args is not None and not query:
                    statement = channel.format_query(statement, args)
                    args = None
                statement = with_comment(statement, info.comment)
            result = await func(target, statement, args)
        except BaseException as exc:
            info.error = exc
            raise
        else:
            if query:
                info.rows, info.rowcount = result_outcome(result)
            elif method == "executemany":
                info.rowcount = target.rowcount
            else:
                info.rows, info.rowcount = cursor_outcome(target)
            return result
        finally:
            info.duration = time.perf_counter() - start
            channel.hooks = self
            info.bytes_sent = getattr(wire, "sent", 0) - sent
            info.bytes_received = getattr(wire, "received", 0) - received
            on_end = self.on_end
            if on_end is not None:
                try:
                    on_end(info)
                except Exception:
                    logger.exception("aiomysql: hook %r raised; ignored", on_end)

    async def run_query(self, channel: Any, sql: Any, unbuffered: bool) -> Result:
        """A connection-level statement (``conn.query()``, ``commit()``, ...)."""
        return await self.run(channel, "query", sql, unbuffered, _channel_query, channel)

    async def run_connect(self, connection: Any, body: Callable[[], Awaitable[None]]) -> None:
        """Run a (re)connect; ``on_connect`` is told how it went."""
        start = time.perf_counter()
        error: BaseException | None = None
        channel = connection.channel
        channel.hooks = None  # the session settings are part of the connect
        try:
            await body()
        except BaseException as exc:
            error = exc
            raise
        finally:
            if self.for_statements:
                channel.hooks = self
            if self.on_connect is not None:
                info = ConnectInfo(connection, start, time.perf_counter() - start, error)
                _call(self.on_connect, info)


async def _channel_query(channel: Any, sql: Any, unbuffered: bool) -> Result:
    result: Result = await channel.run_query(sql, unbuffered)
    return result


def _text(statement: Any, channel: Any) -> str:
    return bytes(statement).decode(channel.encoding, "replace")


def cursor_outcome(cursor: Any) -> tuple[int | None, int]:
    """(rows, rowcount) of a cursor after its statement."""
    rowcount = cursor.rowcount
    if cursor.description is None or rowcount < 0:
        return None, rowcount
    return rowcount, rowcount


def result_outcome(result: Any) -> tuple[int | None, int]:
    """(rows, rowcount) of a connection-level statement's Result."""
    rows = result.rows
    return (len(rows) if rows is not None and result.complete else None), result.affected_rows


def with_comment(sql: str, comment: str) -> str:
    """``sql`` with ``/*comment*/`` at its end (before a final semicolon)."""
    comment = comment.replace("*/", "* /")
    stripped = sql.rstrip()
    if stripped.endswith(";"):
        return f"{stripped[:-1]} /*{comment}*/;"
    return f"{stripped} /*{comment}*/"


def connection_hooks(connection: Any, hooks: Hooks | None) -> QueryHooks | None:
    """The per-connection runner for ``hooks``, None when no query/connect hook is set."""
    if hooks is None or not (hooks.on_query_start or hooks.on_query_end or hooks.on_connect):
        return None
    return QueryHooks(connection, hooks)


# -- pools -----------------------------------------------------------------------


class PoolHooks:
    """A pool's acquire/release hooks; remembers when each connection was handed out."""

    __slots__ = ("on_acquire", "on_release", "_held_since")

    def __init__(self, hooks: Hooks) -> None:
        self.on_acquire = hooks.on_acquire
        self.on_release = hooks.on_release
        self._held_since: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    async def acquiring(self, pool: Any, acquire: Awaitable[T]) -> T:
        """Await ``acquire`` (the pool's hand-out); ``on_acquire`` is told how it went."""
        start = time.perf_counter()
        try:
            conn = await acquire
        except BaseException as exc:
            if self.on_acquire is not None:
                _call(self.on_acquire, PoolInfo(pool, None, time.perf_counter() - start, exc))
            raise
        now = time.perf_counter()
        self._held_since[conn] = now
        if self.on_acquire is not None:
            _call(self.on_acquire, PoolInfo(pool, conn, now - start))
        return conn

    def released(self, pool: Any, conn: Any) -> None:
        """A connection comes back: ``on_release`` with how long it was held."""
        since = self._held_since.pop(conn, None)
        if self.on_release is not None:
            held = time.perf_counter() - since if since is not None else 0.0
            _call(self.on_release, PoolInfo(pool, conn, held))


def pool_hooks(kwargs: dict[str, Any]) -> PoolHooks | None:
    """Take ``on_acquire``/``on_release`` out of create_pool()'s connect keywords (the
    others go on to the connections); None when neither is set."""
    given = resolve_hooks(
        kwargs.get("hooks"), on_acquire=kwargs.pop("on_acquire", None),
        on_release=kwargs.pop("on_release", None),
    )  # fmt: skip
    if given is None or (given.on_acquire is None and given.on_release is None):
        return None
    if "hooks" in kwargs:  # the connections need no pool hooks
        kwargs["hooks"] = given.replace(on_acquire=None, on_release=None)
    return PoolHooks(given)
