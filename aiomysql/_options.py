"""Connection options: connect()'s arguments checked, defaulted and frozen in one record."""

from __future__ import annotations

import dataclasses
import os
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

from . import _hosts, _targeting, converters, optionfile, tls
from .charset import Charset, charset_by_name, codec_errors
from .errors import ProgrammingError
from .protocol.compression_codecs import DEFAULT_ZSTD_LEVEL, check_options

#: Seconds allowed for connecting and logging in unless connect_timeout says otherwise.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds the side connection that sends KILL QUERY after a cancellation may take.
KILL_QUERY_TIMEOUT = 10.0


#: The test suite's switch (AIOMYSQL_TEST_PREPARED=1): connections prepare by default.
PREPARED_BY_DEFAULT = os.environ.get("AIOMYSQL_TEST_PREPARED", "") not in ("", "0")


def _check_cache_size(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProgrammingError(0, "statement_cache_size must be an int >= 0")
    return value


def _check_timeout(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProgrammingError(0, f"{name} must be a positive number of seconds or None")
    return float(value)


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectOptions:
    """Everything a connection needs to open, log in and run statements; never changes.

    What changes during a connection's life (the default database after select_db(),
    the autocommit mode) is kept by the Connection, which logs in again with
    ``replace(db=...)`` and then applies its autocommit mode.
    """

    host: str
    port: int
    user: str
    password: str
    db: str | None
    unix_socket: str | None
    charset_name: str
    charset: Charset
    encoding: str
    codec_errors: str
    use_unicode: bool
    sql_mode: str | None
    encoders: dict[Any, Any]
    decoders: dict[int, Any]
    client_flag: int
    init_command: str | None
    connect_timeout: float | None
    autocommit: bool | None
    echo: bool
    local_infile: bool
    ssl_context: ssl.SSLContext | None
    auth_plugin: str
    program_name: str
    server_public_key: bytes | None
    max_allowed_packet: int
    connect_attrs: dict[str, str]
    kill_query_on_cancel: bool
    read_timeout: float | None
    write_timeout: float | None
    allow_cleartext_password: bool
    multi_statements: bool = True
    #: Every host of a host list (one entry for a single host); see _hosts.py.
    hosts: tuple[_hosts.HostSpec, ...] = ()
    load_balance: str = "sequential"
    target_session_attrs: str = "any"
    connect_deadline: float | None = None
    session_track: bool = False
    #: Count the bytes sent and received (for the statement hooks' ``bytes_*``).
    count_bytes: bool = False
    #: Compression algorithms to offer, in order of preference (empty: none).
    compression: tuple[str, ...] = ()
    zstd_compression_level: int = DEFAULT_ZSTD_LEVEL
    #: Cursors run statements as server-side prepared statements (binary protocol).
    prepared: bool = False
    #: Prepared statements kept per connection (LRU); 0 closes each after its run.
    statement_cache_size: int = 100

    @property
    def address(self) -> str:
        """Where the connection goes, quoted, for error messages."""
        if self.unix_socket:
            return repr(self.unix_socket)
        return f"'{self.host}:{self.port}'"

    def replace(self, **changes: Any) -> ConnectOptions:
        """A copy with ``changes`` applied (the fields are already checked values)."""
        return dataclasses.replace(self, **changes)

    def for_kill_query(self) -> ConnectOptions:
        """Options of the short-lived side connection that sends KILL QUERY: the same
        server and credentials, none of the session settings."""
        return self.replace(
            db=None,
            sql_mode=None,
            init_command=None,
            autocommit=None,
            echo=False,
            local_infile=False,
            connect_attrs={},
            kill_query_on_cancel=False,
            connect_timeout=self.connect_timeout or KILL_QUERY_TIMEOUT,
            read_timeout=None,
            write_timeout=None,
        )


def parse_options(
    *,
    host: str | Sequence[Any] | None,
    user: str | None,
    password: str | None,
    db: str | None,
    port: int | None,
    unix_socket: str | None,
    charset: str,
    sql_mode: str | None,
    read_default_file: str | None,
    conv: Mapping[Any, Any] | None,
    use_unicode: bool | None,
    client_flag: int,
    init_command: str | None,
    connect_timeout: float | None,
    read_default_group: str | None,
    autocommit: bool | None,
    echo: bool,
    local_infile: bool,
    ssl: Any,
    auth_plugin: str,
    program_name: str,
    server_public_key: bytes | None,
    max_allowed_packet: int,
    database: str | None,
    connect_attrs: Mapping[str, str] | None,
    kill_query_on_cancel: bool,
    read_timeout: float | None,
    write_timeout: float | None,
    allow_cleartext_password: bool,
    multi_statements: bool = True,
    load_balance: str = "sequential",
    target_session_attrs: str = "any",
    connect_deadline: float | None = None,
    session_track: bool = False,
    compress: bool = False,
    compression_algorithms: Any = None,
    zstd_compression_level: int = DEFAULT_ZSTD_LEVEL,
    prepared: bool | None = None,
    statement_cache_size: int = 100,
) -> ConnectOptions:
    """Check Connection's arguments, fill in defaults and option files; raise
    ProgrammingError (or OperationalError for unusable TLS files) on bad values."""
    if read_default_file or read_default_group:
        # Option files fill in only what the arguments leave unset.
        cnf = optionfile.connection_defaults(read_default_file, read_default_group)
        host, port = host or cnf.get("host"), port or cnf.get("port")
        user = user or cnf.get("user")
        password = cnf.get("password", "") if password is None else password
        if db is None and database is None:
            db = cnf.get("database")
        unix_socket = unix_socket or cnf.get("unix_socket")
        charset = charset or cnf.get("charset", "")
        ssl = cnf.get("ssl") if ssl is None else ssl
        if "connect_timeout" in cnf and connect_timeout == DEFAULT_CONNECT_TIMEOUT:
            connect_timeout = cnf["connect_timeout"]
    ssl_context = tls.make_context(ssl)
    charset_name = (charset or "utf8mb4").lower()
    charset_info = charset_by_name(charset_name)
    encoding = charset_info.encoding
    conv = converters.conversions if conv is None else conv
    hosts = _hosts.parse_hosts(host or "localhost", int(port) if port else 3306)
    return ConnectOptions(
        host=hosts[0].host,
        port=hosts[0].port,
        user=user or "",
        password=password or "",
        db=database if database is not None else db,
        unix_socket=unix_socket,
        charset_name=charset_name,
        charset=charset_info,
        encoding=encoding,
        codec_errors=codec_errors(encoding),
        use_unicode=True if use_unicode is None else bool(use_unicode),
        sql_mode=sql_mode,
        encoders={k: v for k, v in conv.items() if not isinstance(k, int)},
        decoders={k: v for k, v in conv.items() if isinstance(k, int)},
        client_flag=client_flag,
        init_command=init_command,
        connect_timeout=_check_timeout("connect_timeout", connect_timeout),
        autocommit=autocommit,
        echo=echo,
        local_infile=local_infile,
        ssl_context=ssl_context,
        auth_plugin=auth_plugin,
        program_name=program_name,
        server_public_key=server_public_key,
        max_allowed_packet=max_allowed_packet,
        connect_attrs=dict(connect_attrs or {}),
        kill_query_on_cancel=kill_query_on_cancel,
        read_timeout=_check_timeout("read_timeout", read_timeout),
        write_timeout=_check_timeout("write_timeout", write_timeout),
        allow_cleartext_password=allow_cleartext_password,
        multi_statements=bool(multi_statements),
        hosts=hosts,
        load_balance=_hosts.check_load_balance(load_balance),
        target_session_attrs=_targeting.check_target(target_session_attrs),
        connect_deadline=_check_timeout("connect_deadline", connect_deadline),
        session_track=bool(session_track),
        compression=check_options(compress, compression_algorithms, zstd_compression_level),
        zstd_compression_level=zstd_compression_level,
        prepared=PREPARED_BY_DEFAULT if prepared is None else bool(prepared),
        statement_cache_size=_check_cache_size(statement_cache_size),
    )
