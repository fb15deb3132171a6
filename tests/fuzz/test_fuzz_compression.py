"""Hypothesis fuzzing of the compressed framing with malformed compressed packets.

Valid compressed streams (ordinary packets, cut anywhere into compressed packets, each
deflated or raw, built here from the documented 7-byte header) are mutated: bytes flipped
in headers or payloads, truncated, spliced, or replaced with arbitrary bytes, then fed in
random reads. The only outcomes allowed are stream bytes or a ``ProtocolError``; memory is
bounded (no packet inflates past its declared size, nor past the limit); every call
returns. Runs with both twins of ``renumber_packets``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomysql.protocol import _impl, renumber
from aiomysql.protocol.compression import CompressedFraming, ZlibCodec
from aiomysql.protocol.compression_codecs import ZstdCodec, zstd_available
from aiomysql.protocol.packets import ProtocolError

EXAMPLES = int(os.environ.get("AIOMYSQL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
MAX_PACKET = 1 << 10  # the limit is then the 1 MiB net buffer


def _twins() -> dict[str, object]:
    twins: dict[str, object] = {"python": renumber.renumber_packets}
    try:
        twins["compiled"] = _impl.compiled_compression().renumber_packets
    except ImportError:
        pass
    return twins


TWINS = _twins()


@pytest.fixture(params=sorted(TWINS))
def twin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(_impl, "renumber_packets", TWINS[request.param])
    yield request.param


def header(length: int, seq: int, size: int) -> bytes:
    return length.to_bytes(3, "little") + bytes((seq,)) + size.to_bytes(3, "little")


@st.composite
def compressed_streams(draw: st.DrawFn) -> tuple[bytes, int]:
    """(compressed packets, length of the ordinary stream they carry)."""
    payloads = draw(st.lists(st.binary(max_size=300), min_size=1, max_size=8))
    stream = b"".join(
        len(p).to_bytes(3, "little") + bytes((draw(st.integers(0, 255)),)) + p for p in payloads
    )
    cuts = sorted(set(draw(st.lists(st.integers(0, len(stream)), max_size=5))))
    bounds = [0, *cuts, len(stream)]
    out = []
    seq = 1
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = stream[a:b]
        if piece and draw(st.booleans()):  # (length 0 before compression means raw)
            body = zlib.compress(piece, draw(st.integers(0, 9)))
            out.append(header(len(body), seq, len(piece)) + body)
        else:
            out.append(header(len(piece), seq, 0) + piece)
        seq = (seq + 1) & 0xFF
    return b"".join(out), len(stream)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data, _ = draw(compressed_streams())
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "header"]))
        if not buf:
            break
        if kind == "flip":
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del buf[draw(st.integers(0, len(buf) - 1)) :]
        elif kind == "splice":
            i = draw(st.integers(0, len(buf)))
            buf[i:i] = draw(st.binary(min_size=1, max_size=20))
        else:  # a hostile header at the front: huge sizes, odd sequence ids
            buf[:7] = header(
                draw(st.integers(0, 0xFFFFFF)),
                draw(st.integers(0, 255)),
                draw(st.integers(0, 0xFFFFFF)),
            )
    return bytes(buf)


def feed(framing: CompressedFraming, data: bytes, reads: list[int]) -> int:
    """Feed ``data`` in reads of the given sizes; return the stream bytes produced. The
    only exception allowed to escape is ProtocolError."""
    produced = 0
    pos = 0
    sizes = iter(reads or [len(data) or 1])
    while pos < len(data):
        n = next(sizes, len(data) - pos) or 1
        framing.receive_data(data[pos : pos + n])
        pos += n
        for chunk in framing.unpack():
            assert isinstance(chunk, bytearray)
            produced += len(chunk)
    return produced


@FUZZ
@given(case=compressed_streams(), reads=st.lists(st.integers(1, 64), max_size=20))
def test_valid_streams_come_out_whole(twin: str, case: tuple[bytes, int], reads: list[int]) -> None:
    data, size = case
    framing = CompressedFraming(ZlibCodec(), MAX_PACKET)
    framing.pack(b"\x01\x00\x00\x00\x0e")  # a command went out: replies start at id 1
    assert feed(framing, data, reads) == size


@FUZZ
@given(data=mutated(), reads=st.lists(st.integers(1, 64), max_size=20))
def test_mutated_streams_give_bytes_or_a_protocol_error(
    twin: str, data: bytes, reads: list[int]
) -> None:
    framing = CompressedFraming(ZlibCodec(), MAX_PACKET)
    framing.pack(b"\x01\x00\x00\x00\x0e")
    try:
        produced = feed(framing, data, reads)
    except ProtocolError:
        return
    # never more than the packets declared, each bounded by the limit
    packets = max(1, len(data) // 7)
    assert produced <= packets * framing.limit


@FUZZ
@given(data=st.binary(max_size=2000), reads=st.lists(st.integers(1, 64), max_size=20))
def test_arbitrary_bytes_give_bytes_or_a_protocol_error(
    twin: str, data: bytes, reads: list[int]
) -> None:
    framing = CompressedFraming(ZlibCodec(), MAX_PACKET)
    try:
        feed(framing, data, reads)
    except ProtocolError:
        pass


@pytest.mark.skipif(not zstd_available(), reason="no zstd on this Python")
@FUZZ
@given(
    payload=st.binary(max_size=2000),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=3),
    declared=st.integers(0, 1 << 20),
)
def test_zstd_frames_mutated_give_bytes_or_a_protocol_error(
    payload: bytes, flips: list[tuple[int, int]], declared: int
) -> None:
    codec = ZstdCodec()
    frame = bytearray(codec.compress(payload))
    for i, mask in flips:
        frame[i % len(frame)] ^= mask
    try:
        out = codec.decompress(bytes(frame), declared)
    except ProtocolError:
        return
    assert len(out) == declared
