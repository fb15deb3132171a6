"""OpenTelemetry tracing and metrics for aiomysql, built on its hooks (``aiomysql[otel]``).

::

    from aiomysql.opentelemetry import instrument

    pool = await aiomysql.create_pool(host=..., hooks=instrument())
    conn = await aiomysql.connect(host=..., hooks=instrument())

Every statement becomes a CLIENT span following OpenTelemetry's database semantic
conventions (``db.system.name`` mysql or mariadb, ``db.query.text`` with literals
replaced by ``?`` and parameters never included unless asked for, ``db.namespace``,
``server.address``/``server.port``, ``db.response.returned_rows``, ``error.type``) with
the span current when the statement started as its parent. Metrics:
``db.client.operation.duration``, and for pools ``db.client.connection.count`` (used,
idle), ``.max``, ``.idle.min``, ``.timeouts`` (from ``pool.stats()``), ``.wait_time``
and ``.use_time``. ``sqlcommenter=True`` appends the span's trace context to each
statement as a SQL comment (sqlcommenter format) so server-side logs can be joined to
traces.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ._version import __version__
from .errors import Error
from .hooks import Hooks, PoolInfo, QueryInfo

__all__ = ["instrument", "sanitize", "sqlcomment", "system_name"]

#: The histogram buckets the semantic conventions advise for durations (seconds).
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
QUERY_TEXT_MODES = ("sanitized", "raw", "none")

_LITERALS = re.compile(
    r"(`(?:[^`]|``)*`)"  # a quoted name: kept as it is
    r"""|'(?:[^'\\]|\\.|'')*'"""  # 'string' ('' and \' inside)
    r'''|"(?:[^"\\]|\\.|"")*"'''  # "string" (MySQL's default sql_mode)
    r"|\b0x[0-9a-fA-F]+\b|\b[xXbB]'[0-9a-fA-F]*'"  # 0x1F, X'1F', b'01'
    r"|(?<![\w.$])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w$])",  # numbers, not in names
    re.DOTALL,
)
_FIRST_WORD = re.compile(r"\s*(?:(?:/\*.*?\*/|--[^\n]*\n|#[^\n]*\n)\s*)*([A-Za-z]+)", re.DOTALL)


def sanitize(statement: str) -> str:
    """``statement`` with its literal values (strings, numbers) replaced by ``?``."""
    return _LITERALS.sub(_literal_to_mark, statement)


def _literal_to_mark(match: re.Match[str]) -> str:
    return match.group(1) or "?"


def system_name(server_version: str) -> str:
    """``db.system.name`` for a server version string: mariadb or mysql."""
    return "mariadb" if "mariadb" in server_version.lower() else "mysql"


@functools.lru_cache(maxsize=512)
def _parsed(statement: str) -> tuple[str | None, str]:
    """(operation name, sanitized text) of a statement; cached: applications repeat
    the same few statement texts (their parameters are separate)."""
    match = _FIRST_WORD.match(statement)
    return (match.group(1) if match else None), sanitize(statement)


def _error_type(exc: BaseException) -> str:
    """The server's (or client library's) error code, else the exception's class."""
    if isinstance(exc, Error) and exc.args and isinstance(exc.args[0], int) and exc.args[0]:
        return str(exc.args[0])
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


class _Metrics:
    """One meter's instruments and the pools its observable instruments report on."""

    def __init__(self, meter: metrics.Meter) -> None:
        self.duration = meter.create_histogram(
            "db.client.operation.duration", unit="s",
            description="Duration of database client operations.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip
        self.wait_time = meter.create_histogram(
            "db.client.connection.wait_time", unit="s",
            description="The time it took to obtain an open connection from the pool.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip
        self.use_time = meter.create_histogram(
            "db.client.connection.use_time", unit="s",
            description="The time between borrowing a connection and returning it to the pool.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip
        self.pools: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        meter.create_observable_up_down_counter(
            "db.client.connection.count", [self._count], unit="{connection}",
            description="The number of connections that are currently in the state "
            "described by the state attribute.",
        )  # fmt: skip
        meter.create_observable_up_down_counter(
            "db.client.connection.max", [self._limit("maxsize")], unit="{connection}",
            description="The maximum number of open connections allowed.",
        )  # fmt: skip
        meter.create_observable_up_down_counter(
            "db.client.connection.idle.min", [self._limit("minsize")], unit="{connection}",
            description="The minimum number of idle open connections allowed.",
        )  # fmt: skip
        meter.create_observable_counter(
            "db.client.connection.timeouts", [self._timeouts], unit="{timeout}",
            description="The number of connection timeouts that have occurred trying to "
            "obtain a connection from the pool.",
        )  # fmt: skip

    def _count(self, options: CallbackOptions) -> Iterable[Observation]:
        for pool, name in list(self.pools.items()):
            free = pool.freesize
            attrs = {"db.client.connection.pool.name": name}
            yield Observation(free, {**attrs, "db.client.connection.state": "idle"})
            yield Observation(pool.size - free, {**attrs, "db.client.connection.state": "used"})

    def _limit(self, which: str) -> Any:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            for pool, name in list(self.pools.items()):
                yield Observation(getattr(pool, which), {"db.client.connection.pool.name": name})

        return observe

    def _timeouts(self, options: CallbackOptions) -> Iterable[Observation]:
        for pool, name in list(self.pools.items()):
            yield Observation(pool.stats().timeouts, {"db.client.connection.pool.name": name})


#: One set of instruments per meter provider (an instrument is created once per meter).
_METRICS: weakref.WeakKeyDictionary[Any, _Metrics] = weakref.WeakKeyDictionary()


def _metrics_for(meter_provider: Any) -> _Metrics:
    provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
    found = _METRICS.get(provider)
    if found is None:
        found = _METRICS[provider] = _Metrics(provider.get_meter("aiomysql", __version__))
    return found


class _Instrumentation:
    """The hooks' state: a tracer, the instruments, the options."""

    def __init__(
        self,
        tracer_provider: Any,
        meter_provider: Any,
        capture_parameters: bool,
        sqlcommenter: bool,
        query_text: str,
        pool_name: str | None,
    ) -> None:
        self.tracer = trace.get_tracer("aiomysql", __version__, tracer_provider)
        self.metrics = _metrics_for(meter_provider)
        self.capture_parameters = capture_parameters
        self.sqlcommenter = sqlcommenter
        self.query_text = query_text
        self.pool_name = pool_name
        self.propagator = TraceContextTextMapPropagator()
        #: Per connection: (db.system.name, server.address, server.port or None).
        self.servers: weakref.WeakKeyDictionary[Any, tuple[str, str, int | None]] = (
            weakref.WeakKeyDictionary()
        )

    # -- statements --------------------------------------------------------------

    def _server(self, conn: Any) -> tuple[str, str, int | None]:
        known = self.servers.get(conn)
        if known is None:
            system = system_name(conn.get_server_info())
            if conn.unix_socket:
                known = (system, conn.unix_socket, None)
            else:
                known = (system, conn.host, conn.port)
            if conn.get_server_info():  # only once logged in: the version is known
                self.servers[conn] = known
        return known

    def _common(self, info: QueryInfo, operation: str | None) -> dict[str, Any]:
        conn = info.connection
        attrs: dict[str, Any] = {}
        if conn is None:
            return attrs
        system, address, port = self._server(conn)
        attrs["db.system.name"] = system
        if conn.db:
            attrs["db.namespace"] = conn.db
        attrs["server.address"] = address
        if port is not None:
            attrs["server.port"] = port
        if operation:
            attrs["db.operation.name"] = operation
        return attrs

    def on_query_start(self, info: QueryInfo) -> None:
        """Start the statement's span (its parent: the span current in the caller)."""
        if info.method == "callproc":
            operation: str | None = "CALL"
            sanitized = ""
        else:
            operation, sanitized = _parsed(info.statement)
        if info.method == "executemany" and (info.batch_size or 0) > 1 and operation:
            operation = f"BATCH {operation}"
        attrs = self._common(info, operation)
        if info.method == "callproc":
            attrs["db.stored_procedure.name"] = info.statement
            target: str | None = info.statement
        else:
            target = attrs.get("db.namespace")
            if self.query_text == "sanitized":
                attrs["db.query.text"] = sanitized
            elif self.query_text == "raw":
                attrs["db.query.text"] = info.statement
        if info.method == "executemany" and (info.batch_size or 0) > 1:
            attrs["db.operation.batch.size"] = info.batch_size
        if self.capture_parameters and info.parameters is not None:
            attrs.update(_parameter_attributes(info.parameters))
        if operation and target:
            name = f"{operation} {target}"
        else:
            name = operation or target or attrs.get("db.system.name", "mysql")
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attrs)
        info.state[self] = (span, attrs)
        if self.sqlcommenter and span.get_span_context().is_valid:
            carrier: dict[str, str] = {}
            self.propagator.inject(carrier, trace.set_span_in_context(span))
            info.comment = sqlcomment(carrier)

    def on_query_end(self, info: QueryInfo) -> None:
        """End the span: rows, error; record the operation's duration."""
        state = info.state.pop(self, None)
        if state is None:
            return
        span, attrs = state
        metric_attrs = {
            key: attrs[key]
            for key in ("db.system.name", "db.namespace", "db.operation.name",
                        "server.address", "server.port")
            if key in attrs
        }  # fmt: skip
        if info.rows is not None:
            span.set_attribute("db.response.returned_rows", info.rows)
        error = info.error
        if error is not None:
            error_type = _error_type(error)
            span.set_attribute("error.type", error_type)
            metric_attrs["error.type"] = error_type
            if isinstance(error, Error) and error_type.isdigit():
                span.set_attribute("db.response.status_code", error_type)
                metric_attrs["db.response.status_code"] = error_type
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        span.end()
        if info.duration is not None:
            self.metrics.duration.record(info.duration, metric_attrs)

    # -- pools ---------------------------------------------------------------------

    def _pool_name(self, pool: Any, conn: Any) -> str:
        name = self.metrics.pools.get(pool)
        if name is None:
            if self.pool_name is not None:
                name = self.pool_name
            elif conn is not None:
                where = conn.unix_socket or f"{conn.host}:{conn.port}"
                name = f"{where}/{conn.db or ''}"
            else:
                name = f"pool-{id(pool):x}"
            self.metrics.pools[pool] = name
        return name

    def on_acquire(self, info: PoolInfo) -> None:
        """Record the wait of a successful acquire; the pool's gauges start reporting."""
        name = self._pool_name(info.pool, info.connection)
        if info.error is None:
            self.metrics.wait_time.record(info.duration, {"db.client.connection.pool.name": name})

    def on_release(self, info: PoolInfo) -> None:
        """Record how long the connection was used."""
        name = self._pool_name(info.pool, info.connection)
        self.metrics.use_time.record(info.duration, {"db.client.connection.pool.name": name})


def _parameter_attributes(parameters: Any) -> dict[str, str]:
    """``db.query.parameter.<key>`` attributes (opt-in: parameters may be personal data)."""
    if isinstance(parameters, Mapping):
        items: Iterable[tuple[Any, Any]] = parameters.items()
    elif isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes)):
        items = enumerate(parameters)
    else:
        items = [(0, parameters)]
    return {f"db.query.parameter.{key}": str(value) for key, value in items}


def sqlcomment(fields: Mapping[str, str]) -> str:
    """``fields`` in sqlcommenter's format: key='value' pairs, URL-encoded, sorted."""
    return ",".join(
        f"{quote(key, safe='')}='{quote(value, safe='')}'" for key, value in sorted(fields.items())
    )


def instrument(
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    capture_parameters: bool = False,
    sqlcommenter: bool = False,
    query_text: str = "sanitized",
    pool_name: str | None = None,
) -> Hooks:
    """Hooks that trace and measure: ``connect(hooks=instrument())``,
    ``create_pool(hooks=instrument())``.

    ``tracer_provider``/``meter_provider``: the global ones by default.
    ``capture_parameters``: add ``db.query.parameter.<key>`` attributes (off: they may be
    personal data). ``sqlcommenter``: append the trace context to each statement as a
    ``/*traceparent='...'*/`` comment. ``query_text``: ``"sanitized"`` (literals as
    ``?``), ``"raw"`` or ``"none"``. ``pool_name``: the pool metrics' pool name (default
    ``host:port/db``). Combine with your own hooks via ``Hooks.combine``.
    """
    if query_text not in QUERY_TEXT_MODES:
        raise ValueError(f"query_text must be one of {QUERY_TEXT_MODES}, not {query_text!r}")
    inst = _Instrumentation(
        tracer_provider, meter_provider, capture_parameters, sqlcommenter, query_text, pool_name
    )
    return Hooks(
        on_query_start=inst.on_query_start,
        on_query_end=inst.on_query_end,
        on_acquire=inst.on_acquire,
        on_release=inst.on_release,
        parameters=capture_parameters,
    )
