"""Capability flags exchanged in the handshake (MySQL protocol "Capabilities Flags")."""

LONG_PASSWORD = 1  # MariaDB calls this bit CLIENT_MYSQL; a 10.2+ server leaves it unset
FOUND_ROWS = 1 << 1  # affected rows = rows matched, not rows changed
LONG_FLAG = 1 << 2
CONNECT_WITH_DB = 1 << 3
NO_SCHEMA = 1 << 4
COMPRESS = 1 << 5
ODBC = 1 << 6
LOCAL_FILES = 1 << 7  # LOAD DATA LOCAL INFILE
IGNORE_SPACE = 1 << 8
PROTOCOL_41 = 1 << 9
INTERACTIVE = 1 << 10
SSL = 1 << 11
IGNORE_SIGPIPE = 1 << 12
TRANSACTIONS = 1 << 13
RESERVED = 1 << 14
SECURE_CONNECTION = 1 << 15  # "RESERVED2" in newer docs: 4.1 authentication
MULTI_STATEMENTS = 1 << 16
MULTI_RESULTS = 1 << 17
PS_MULTI_RESULTS = 1 << 18
PLUGIN_AUTH = 1 << 19
CONNECT_ATTRS = 1 << 20
PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22
SESSION_TRACK = 1 << 23
DEPRECATE_EOF = 1 << 24
OPTIONAL_RESULTSET_METADATA = 1 << 25  # MySQL 8
ZSTD_COMPRESSION_ALGORITHM = 1 << 26  # MySQL 8
QUERY_ATTRIBUTES = 1 << 27  # MySQL 8.0.23+
MULTI_FACTOR_AUTHENTICATION = 1 << 28  # MySQL 8.0.27+
CAPABILITY_EXTENSION = 1 << 29
SSL_VERIFY_SERVER_CERT = 1 << 30  # client-side only, never sent
REMEMBER_OPTIONS = 1 << 31  # client-side only, never sent

# MariaDB extended capabilities. The server sends them in the 4 filler bytes of its
# greeting (only when it does not set LONG_PASSWORD, i.e. CLIENT_MYSQL); the client
# answers in the same place of its handshake response. They are given here shifted
# left by 32 so that one int can hold both sets: `caps >> 32` gives the wire value.
MARIADB_CLIENT_PROGRESS = 1 << 32
MARIADB_CLIENT_COM_MULTI = 1 << 33
MARIADB_CLIENT_STMT_BULK_OPERATIONS = 1 << 34
MARIADB_CLIENT_EXTENDED_METADATA = 1 << 35  # 10.5+
MARIADB_CLIENT_CACHE_METADATA = 1 << 36  # 10.6+

# What the driver asks for whenever the server offers it. The connection adds
# CONNECT_WITH_DB, SSL, LOCAL_FILES, MULTI_STATEMENTS, FOUND_ROWS, CONNECT_ATTRS
# and the like from its arguments; DEPRECATE_EOF and SESSION_TRACK change the
# result-set format and are added by the protocol layer only when it handles them.
CAPABILITIES = (
    LONG_PASSWORD
    | LONG_FLAG
    | PROTOCOL_41
    | TRANSACTIONS
    | SECURE_CONNECTION
    | MULTI_RESULTS
    | PS_MULTI_RESULTS
    | PLUGIN_AUTH
    | PLUGIN_AUTH_LENENC_CLIENT_DATA
)
