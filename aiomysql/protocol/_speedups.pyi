"""Type stubs of the compiled twin (_speedups.pyx); the pure twins document behaviour.

tests/protocol/test_speedups_stub.py checks these against the compiled module's names
and signatures.
"""

from collections.abc import Mapping
from typing import Any

from .core import ClientCore
from .escaping import Encoder
from .rows import Decoder, Plan

def register_decoders(
    *, decode_decimal: Decoder, decode_date: Decoder, decode_datetime: Decoder
) -> None: ...
def decode_text_row(data: bytes | bytearray, pos: int, end: int, plan: Plan) -> tuple[Any, ...]: ...
def decode_text_rows(
    data: bytes | bytearray,
    pos: int,
    end: int,
    seq: int,
    plan: Plan,
    rows: list[tuple[Any, ...]],
) -> tuple[int, int]: ...
def packets_end(data: bytes | bytearray, pos: int, end: int, count: int) -> int: ...
def read_packet(
    data: bytes | bytearray, pos: int, seq: int, max_packet: int, end: int = -1
) -> tuple[bytes | None, int, int]: ...
def escape_string(s: str, no_backslash_escapes: bool = False) -> str: ...
def register_encoders(
    *,
    encode_none: Encoder,
    encode_int: Encoder,
    encode_float: Encoder,
    encode_str: Encoder,
    encode_str_no_backslash: Encoder,
    encode_bytes: Encoder,
) -> None: ...
def escape_args(
    args: tuple[Any, ...] | list[Any], mapping: Mapping[type, Encoder]
) -> tuple[str, ...]: ...
def query_packet(core: ClientCore, sql: bytes) -> bytes: ...
def read_whole_result(core: ClientCore, result_type: type[Any]) -> Any: ...
def read_whole_binary(core: ClientCore, result_type: type[Any]) -> Any: ...
