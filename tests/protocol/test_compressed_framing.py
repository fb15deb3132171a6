"""The compressed-packet framing (sans-IO): packing, unpacking, renumbering, the bounds.

Compressed packets are built here by hand from the documented layout (7-byte header:
int<3> payload length, int<1> compressed sequence id, int<3> length before compression or
0) with zlib/zstd directly, not with the code under test. Both twins of
``renumber_packets`` run (the ``renumber`` fixture).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiomysql.constants import CLIENT
from aiomysql.errors import NotSupportedError, ProgrammingError
from aiomysql.protocol import _impl, renumber
from aiomysql.protocol.compression import (
    MIN_COMPRESS_LENGTH,
    NET_BUFFER_MAX,
    CompressedFraming,
    ZlibCodec,
    inflate_limit,
)
from aiomysql.protocol.compression_codecs import (
    ZstdCodec,
    check_options,
    choose,
    make_codec,
    zstd_available,
)
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError

Renumber = Callable[..., tuple[int, int, int, int]]


def _renumber_twins() -> dict[str, Renumber]:
    twins: dict[str, Renumber] = {"python": renumber.renumber_packets}
    try:
        twins["compiled"] = _impl.compiled_compression().renumber_packets
    except ImportError:
        pass
    return twins


TWINS = _renumber_twins()


@pytest.fixture(params=sorted(TWINS))
def twin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The framing uses this twin of renumber_packets for the test."""
    monkeypatch.setattr(_impl, "renumber_packets", TWINS[request.param])
    yield request.param


def test_compiled_twin_is_built_and_selected() -> None:
    if os.environ.get("AIOMYSQL_NO_EXTENSIONS", "") not in ("", "0"):
        assert _impl.renumber_packets is renumber.renumber_packets
        return
    assert "compiled" in TWINS, "the compiled compression loop was not built"
    assert _impl.renumber_packets is TWINS["compiled"]


def test_compiled_module_has_exactly_the_twinned_names() -> None:
    """Every public function of _compression_speedups has a pure twin (_impl) and a stub."""
    if "compiled" not in TWINS:
        pytest.skip("the compiled compression loop is not built")
    module = _impl.compiled_compression()
    public = {n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))}
    assert public == set(_impl.COMPRESSION_TWINS["aiomysql.protocol.renumber"])
    assert _impl.pure_twin("renumber_packets") is renumber.renumber_packets
    stub = (Path(renumber.__file__).parent / "_compression_speedups.pyi").read_text()
    assert all(f"def {name}(" in stub for name in public)


def header(length: int, seq: int, size: int) -> bytes:
    return length.to_bytes(3, "little") + bytes((seq,)) + size.to_bytes(3, "little")


def zpacket(data: bytes, seq: int) -> bytes:
    body = zlib.compress(data)
    return header(len(body), seq, len(data)) + body


def rawpacket(data: bytes, seq: int) -> bytes:
    return header(len(data), seq, 0) + data


def packet(payload: bytes, seq: int) -> bytes:
    """An ordinary packet (under 16 MiB)."""
    return len(payload).to_bytes(3, "little") + bytes((seq,)) + payload


def parse(stream: bytes) -> list[tuple[int, int, bytes]]:
    """(compressed seq, size before compression, stream bytes) of each compressed packet."""
    out = []
    pos = 0
    while pos < len(stream):
        length = int.from_bytes(stream[pos : pos + 3], "little")
        seq = stream[pos + 3]
        size = int.from_bytes(stream[pos + 4 : pos + 7], "little")
        body = stream[pos + 7 : pos + 7 + length]
        assert len(body) == length
        out.append((seq, size, zlib.decompress(body) if size else body))
        pos += 7 + length
    return out


def unpack_all(framing: CompressedFraming, data: bytes, step: int = 0) -> bytes:
    """Feed ``data`` (in ``step``-byte reads, or whole) and join what comes out."""
    out = b""
    step = step or len(data) or 1
    for i in range(0, len(data), step):
        framing.receive_data(data[i : i + step])
        out += b"".join(framing.unpack())
    return out


# -- sending ---------------------------------------------------------------------------------


def test_small_payload_goes_uncompressed_and_big_one_compressed() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    small = packet(b"\x03SELECT 1", 0)
    assert len(small) < MIN_COMPRESS_LENGTH
    assert parse(framing.pack(small)) == [(0, 0, small)]
    big = packet(b"\x03SELECT '" + b"x" * 500 + b"'", 0)
    ((seq, size, data),) = parse(framing.pack(big))
    assert (seq, size, data) == (0, len(big), big)
    assert len(framing.pack(big)) < len(big) // 4


def test_incompressible_payload_goes_uncompressed() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    noise = packet(b"\x03" + os.urandom(1000), 0)
    assert parse(framing.pack(noise)) == [(0, 0, noise)]


def test_sequence_ids_restart_with_each_command_and_continue_within_one() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    assert parse(framing.pack(packet(b"\x03SELECT 1", 0)))[0][0] == 0
    framing.receive_data(rawpacket(packet(b"\xfbfile.csv", 1), 1))
    assert framing.unpack()
    # LOCAL INFILE data continues the command: compressed ids 2, 3 (one after the reply)
    assert parse(framing.pack(packet(b"a,b\n", 2)))[0][0] == 2
    assert parse(framing.pack(packet(b"", 3)))[0][0] == 3
    # a new command (ordinary sequence id 0) starts again at 0
    assert parse(framing.pack(packet(b"\x0e", 0)))[0][0] == 0


def test_data_over_16_mib_is_split_into_compressed_packets() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 30)
    payload = b"\x03" + b"z" * (MAX_FRAME + 100)
    data = packet(payload[:MAX_FRAME], 0) + packet(payload[MAX_FRAME:], 1)
    parts = parse(framing.pack(data))
    assert [seq for seq, _, _ in parts] == [0, 1]
    assert [size for _, size, _ in parts] == [MAX_FRAME, len(data) - MAX_FRAME]
    assert b"".join(d for _, _, d in parts) == data


# -- receiving -------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [0, 1, 5, 7, 8, 64])
def test_stream_bytes_come_out_whatever_the_reads(twin: str, step: int) -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    framing.pack(packet(b"\x03SELECT", 0))  # the reply's ordinary ids start at 1
    stream = b"".join(packet(b"row %d " % i * 9, 1 + i) for i in range(20))
    wire = zpacket(stream[:300], 1) + rawpacket(stream[300:310], 2) + zpacket(stream[310:], 3)
    assert unpack_all(framing, wire, step) == stream
    assert framing.seq == 4


def test_ordinary_sequence_ids_are_renumbered_across_packet_boundaries(twin: str) -> None:
    """A server sets its packet counter to the compressed one at each flush: the ids inside
    jump. They come out consecutive, also when a header is split between two packets."""
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    framing.pack(packet(b"\x03CALL p()", 0))
    sent = [packet(b"a" * 60, 1), packet(b"b" * 3, 9), packet(b"", 4), packet(b"c" * 70, 200)]
    stream = b"".join(sent)
    cut1, cut2 = 66, 66 + 4 + 3 + 2  # inside the third packet's header
    wire = zpacket(stream[:cut1], 1) + rawpacket(stream[cut1:cut2], 2) + zpacket(stream[cut2:], 3)
    out = unpack_all(framing, wire)
    expected = [packet(b"a" * 60, 1), packet(b"b" * 3, 2), packet(b"", 3), packet(b"c" * 70, 4)]
    assert out == b"".join(expected)
    assert framing.inner_seq == 5


def test_wrong_compressed_sequence_id_is_a_protocol_error() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    framing.pack(packet(b"\x03SELECT 1", 0))
    framing.receive_data(rawpacket(packet(b"\x00\x00\x00\x02\x00\x00\x00", 1), 2))
    with pytest.raises(ProtocolError, match="compressed packet sequence id 2, expected 1"):
        framing.unpack()


@pytest.mark.parametrize(
    ("body", "size", "message"),
    [
        (zlib.compress(b"x" * 100), 150, "declares 150 bytes but carries 100"),
        (zlib.compress(b"x" * 100), 60, "inflates past its declared 60"),
        (zlib.compress(b"x" * 100)[:-6], 100, "truncated"),
        (b"not zlib at all", 100, "not valid zlib"),
        (zlib.compress(b"x" * 100) + b"junk", 100, "bytes after its zlib stream"),
    ],
    ids=["declares-more", "inflates-past", "truncated", "garbage", "trailing"],
)
def test_malformed_zlib_payloads_are_protocol_errors(body: bytes, size: int, message: str) -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 24)
    framing.receive_data(header(len(body), 0, size) + body)
    with pytest.raises(ProtocolError, match=message):
        framing.unpack()


def test_a_packet_declaring_more_than_the_limit_is_refused_before_inflating() -> None:
    framing = CompressedFraming(ZlibCodec(), 1 << 16)  # limit: the 1 MiB net buffer
    assert framing.limit == NET_BUFFER_MAX
    body = zlib.compress(bytes(NET_BUFFER_MAX + 1))
    framing.receive_data(header(len(body), 0, NET_BUFFER_MAX + 1) + body)
    with pytest.raises(ProtocolError, match="over the limit"):
        framing.unpack()


def test_a_zlib_bomb_inflates_no_further_than_declared() -> None:
    """16 MiB of zeros deflate to ~16 KiB; declared as 100 bytes, inflating stops there."""
    framing = CompressedFraming(ZlibCodec(), 1 << 30)
    body = zlib.compress(bytes(MAX_FRAME))
    framing.receive_data(header(len(body), 0, 100) + body)
    with pytest.raises(ProtocolError, match="inflates past"):
        framing.unpack()


def test_inflate_limit() -> None:
    assert inflate_limit(1 << 10) == NET_BUFFER_MAX
    assert inflate_limit(4 << 20) == (4 << 20) + 4
    assert inflate_limit(1 << 30) == MAX_FRAME


def test_renumber_twins_refuse_an_invalid_state() -> None:
    for fn in TWINS.values():
        with pytest.raises(ValueError):
            fn(bytearray(4), 0, 4, 0, 0)
        with pytest.raises(ValueError):
            fn(bytearray(4), -1, 0, 0, 0)


@settings(max_examples=200, deadline=None, database=None)
@given(
    lengths=st.lists(st.integers(0, 300), max_size=30),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    seq=st.integers(0, 255),
)
def test_renumber_twins_agree_on_any_split(lengths: list[int], cuts: list[int], seq: int) -> None:
    """Whatever the pieces, both twins give every packet the next id, and agree."""
    stream = b"".join(packet(bytes([i % 256]) * n, 77) for i, n in enumerate(lengths))
    bounds = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    results = {}
    for name, fn in TWINS.items():
        state = (0, 0, 0, seq)
        out = bytearray()
        for a, b in zip(bounds, bounds[1:], strict=False):
            piece = bytearray(stream[a:b])
            state = fn(piece, *state)
            out += piece
        results[name] = (bytes(out), state)
    expected = b"".join(
        packet(bytes([i % 256]) * n, (seq + i) & 0xFF) for i, n in enumerate(lengths)
    )
    for out, state in results.values():
        assert out == expected
        assert state == (0, 0, 0, (seq + len(lengths)) & 0xFF)


# -- zstd ------------------------------------------------------------------------------------

needs_zstd = pytest.mark.skipif(not zstd_available(), reason="no zstd on this Python")


def _zstd() -> Any:
    try:
        from compression import zstd  # type: ignore[import-not-found]

        return zstd
    except ImportError:
        import zstandard

        return zstandard


@needs_zstd
def test_zstd_round_trip_and_level() -> None:
    codec = ZstdCodec(level=7)
    assert codec.level == 7
    data = b"abc" * 10_000
    packed = codec.compress(data)
    assert len(packed) < 200
    assert codec.decompress(packed, len(data)) == data


@needs_zstd
@pytest.mark.parametrize(
    "case", ["declares-more", "inflates-past", "truncated", "garbage", "trailing"]
)
def test_malformed_zstd_payloads_are_protocol_errors(case: str) -> None:
    codec = ZstdCodec()
    frame = codec.compress(b"y" * 1000)
    body, size = {
        "declares-more": (frame, 2000),
        "inflates-past": (frame, 10),
        "truncated": (frame[:-4], 1000),
        "garbage": (b"\x28\xb5\x2f\xfd" + b"garbage!" * 4, 1000),
        "trailing": (frame + frame, 1000),
    }[case]
    with pytest.raises(ProtocolError):
        codec.decompress(body, size)


@needs_zstd
def test_zstd_frame_without_content_size_is_bounded() -> None:
    zstd = _zstd()
    if not hasattr(zstd, "frame_content_size"):
        pytest.skip("the zstandard package's frame options")
    frame = zstd.ZstdCompressor(write_content_size=False).compress(bytes(1 << 20))
    codec = ZstdCodec()
    assert codec.decompress(frame, 1 << 20) == bytes(1 << 20)
    with pytest.raises(ProtocolError):
        codec.decompress(frame, 1000)


# -- options and negotiation -----------------------------------------------------------------


def test_check_options() -> None:
    assert check_options(False, None, 3) == ()
    assert check_options(True, None, 3) == ("zlib", "uncompressed")
    assert check_options(False, "zlib, uncompressed", 3) == ("zlib", "uncompressed")
    assert check_options(True, ["uncompressed"], 3) == ()
    with pytest.raises(ProgrammingError, match="compression_algorithms"):
        check_options(True, ["lz4"], 3)
    with pytest.raises(ProgrammingError, match="compression_algorithms"):
        check_options(True, [], 3)
    for level in (0, 23, True, "3"):
        with pytest.raises(ProgrammingError, match="zstd_compression_level"):
            check_options(True, None, level)  # type: ignore[arg-type]


def test_zstd_unavailable_is_not_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiomysql.protocol import compression_codecs

    monkeypatch.setattr(compression_codecs, "_zstd_module", lambda: None)
    with pytest.raises(NotSupportedError, match=r"aiomysql\[zstd\]"):
        check_options(False, ["zstd", "zlib"], 3)


BOTH = CLIENT.COMPRESS | CLIENT.ZSTD_COMPRESSION_ALGORITHM


@pytest.mark.parametrize(
    ("wanted", "server", "chosen"),
    [
        (("zstd", "zlib"), BOTH, "zstd"),
        (("zlib", "zstd"), BOTH, "zlib"),
        (("zstd", "zlib"), CLIENT.COMPRESS, "zlib"),
        (("zstd", "zlib"), CLIENT.ZSTD_COMPRESSION_ALGORITHM, "zstd"),
        (("zstd", "uncompressed"), CLIENT.COMPRESS, None),
        (("zlib", "uncompressed"), 0, None),
        ((), BOTH, None),
    ],
)
def test_choose(wanted: tuple[str, ...], server: int, chosen: str | None) -> None:
    assert choose(wanted, server) == chosen


def test_choose_fails_when_nothing_matches_and_uncompressed_is_not_allowed() -> None:
    with pytest.raises(ValueError, match="none of the compression algorithms"):
        choose(("zstd",), CLIENT.COMPRESS)


def test_make_codec() -> None:
    assert isinstance(make_codec("zlib"), ZlibCodec)
    with pytest.raises(ValueError):
        make_codec("uncompressed")
