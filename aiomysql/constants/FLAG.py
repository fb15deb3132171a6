"""Column definition flags (the 16-bit flags field of a column definition)."""

NOT_NULL = 1
PRI_KEY = 1 << 1
UNIQUE_KEY = 1 << 2
MULTIPLE_KEY = 1 << 3
BLOB = 1 << 4
UNSIGNED = 1 << 5
ZEROFILL = 1 << 6
BINARY = 1 << 7
ENUM = 1 << 8
AUTO_INCREMENT = 1 << 9
TIMESTAMP = 1 << 10
SET = 1 << 11
NO_DEFAULT_VALUE = 1 << 12
ON_UPDATE_NOW = 1 << 13
PART_KEY = 1 << 14
NUM = 1 << 15
GROUP = NUM  # same bit, used by the server while grouping
# Server-internal bits above the 16 sent on the wire; listed for completeness.
UNIQUE = 1 << 16
BINCMP = 1 << 17
