"""Type stubs of the compiled binary-protocol twin (_binary_speedups.pyx); the pure twins
(binary_rows, stmt_packets) document behaviour."""

from collections.abc import Sequence
from typing import Any

from .binary_rows import BinaryPlan
from .rows import Decoder

def register_decoders(
    *, decode_decimal: Decoder, decode_date: Decoder, decode_datetime: Decoder
) -> None: ...

def decode_binary_row(
    data: bytes | bytearray, pos: int, end: int, plan: BinaryPlan
) -> tuple[Any, ...]: ...
def decode_binary_rows(
    data: bytes | bytearray,
    pos: int,
    end: int,
    seq: int,
    plan: BinaryPlan,
    rows: list[tuple[Any, ...]],
) -> tuple[int, int]: ...
def encode_params(
    args: Sequence[Any], encoding: str, errors: str, long_params: frozenset[int] = ...
) -> tuple[bytes, bytes, bytes]: ...
def execute_payload(
    stmt_id: int, args: Sequence[Any], encoding: str, errors: str, last_types: bytes | None
) -> tuple[bytes, bytes]: ...
def bulk_execute_payloads(
    stmt_id: int,
    rows: Sequence[Sequence[Any]],
    nparams: int,
    encoding: str,
    errors: str,
    limit: int,
) -> list[bytes]: ...
