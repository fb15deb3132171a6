"""Type stubs of the compiled twin (_speedups.pyx); the pure twins document behaviour."""

from typing import Any

from .rows import Plan

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
