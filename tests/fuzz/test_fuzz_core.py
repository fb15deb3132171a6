"""Hypothesis fuzzing of the sans-IO core with mutated server packets.

Valid server conversations (greeting, auth replies, OK/ERR, column definitions, rows)
are built from the documented layouts, then mutated: inside payloads (so framing stays
valid and the parsers are reached) or on the framed byte stream, and fed in random
chunks. The only outcomes allowed are events or an ``aiomysql.errors.Error``; a
``ProtocolError`` leaves the core BROKEN. ``AIOMYSQL_FUZZ_EXAMPLES`` sets the number of
examples per test (default 150, a bounded CI run of a few seconds).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import mysql_packets as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomysql import converters
from aiomysql.constants import CLIENT, FIELD_TYPE, SERVER_STATUS
from aiomysql.decode_plan import build_text_plan
from aiomysql.errors import Error
from aiomysql.protocol import events as ev
from aiomysql.protocol.auth import AuthContext
from aiomysql.protocol.core import ClientCore, State
from aiomysql.protocol.handshake import Greeting
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError, frame
from aiomysql.protocol.results import OkPacket

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
MAX_PACKET = 1 << 16  # small, so hostile lengths hit the limit quickly
CLIENT_CAPS = sp.SERVER_CAPS & ~CLIENT.LOCAL_FILES
DECODERS = {k: v for k, v in converters.conversions.items() if isinstance(k, int)}
TYPES = sorted({v for k, v in vars(FIELD_TYPE).items() if k.isupper() and isinstance(v, int)})
MAX_EVENTS = 10_000


def new_core(max_packet: int = MAX_PACKET) -> ClientCore:
    plan = functools.partial(build_text_plan, encoding="utf-8", use_unicode=True, decoders=DECODERS)
    return ClientCore(max_packet=max_packet, plan_builder=plan)


# -- strategies: valid payloads ------------------------------------------------------------

u16 = st.integers(0, 0xFFFF)
big = st.integers(0, 2**64 - 1)


@st.composite
def ok_payloads(draw: st.DrawFn, header: int = 0) -> bytes:
    status = draw(u16) & ~SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS | draw(
        st.sampled_from([0, SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS])
    )
    info = draw(st.binary(max_size=16))
    return sp.ok(draw(big), draw(big), status, draw(u16), header) + info


@st.composite
def err_payloads(draw: st.DrawFn) -> bytes:
    message = draw(st.text(max_size=24))
    return sp.err(draw(u16), message, draw(st.sampled_from(["HY000", "42S02", "08S01"])))


@st.composite
def column_payloads(draw: st.DrawFn) -> bytes:
    return sp.column(
        draw(st.text(min_size=0, max_size=8)),
        draw(st.sampled_from(TYPES)),
        draw(st.sampled_from([8, 28, 33, 45, 63, 224, 0, 2047])),
        draw(u16),
    )


value_bytes = st.one_of(
    st.none(),
    st.binary(max_size=12),
    st.integers(-(2**70), 2**70).map(lambda i: str(i).encode()),
    st.sampled_from(
        [
            b"2024-02-29",
            b"0000-00-00",
            b"2024-13-01 25:61:61.1234567",
            b"-838:59:59.5",
            b"1e308",
            b"NaN",
            b"1.5",
            b"\xff\xfe",
            b"\xc3\x28",
            b"123:45",
        ]
    ),
)


@st.composite
def result_set_payloads(draw: st.DrawFn) -> list[bytes]:
    ncols = draw(st.integers(1, 4))
    payloads = [bytes((ncols,))]
    payloads += [draw(column_payloads()) for _ in range(ncols)]
    for _ in range(draw(st.integers(0, 6))):
        payloads.append(sp.text_row(*(draw(value_bytes) for _ in range(ncols))))
    end = draw(st.one_of(ok_payloads(header=0xFE), err_payloads()))
    payloads.append(end)
    return payloads


@st.composite
def response_payloads(draw: st.DrawFn) -> list[bytes]:
    """One server response to COM_QUERY (possibly several result sets)."""
    out: list[bytes] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["ok", "err", "rows", "infile"]))
        if kind == "ok":
            out.append(draw(ok_payloads()))
        elif kind == "err":
            out.append(draw(err_payloads()))
        elif kind == "infile":
            out.append(b"\xfb" + draw(st.binary(max_size=12)))
        else:
            out += draw(result_set_payloads())
    return out


PLUGIN_NAMES = [
    b"mysql_native_password",
    b"mysql_clear_password",
    b"caching_sha2_password",
    b"sha256_password",
    b"client_ed25519",
    b"parsec",
    b"unknown",
    b"",
]
PEM = b"-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK\n-----END PUBLIC KEY-----\n"


@st.composite
def greeting_payloads(draw: st.DrawFn) -> bytes:
    return sp.greeting(
        version=draw(st.sampled_from([b"5.5.5-10.11.6-MariaDB", b"8.0.36", b""])),
        caps=draw(st.integers(0, 2**32 - 1)) | CLIENT.PROTOCOL_41,
        scramble=draw(st.binary(min_size=20, max_size=20)),
        plugin=draw(st.sampled_from(PLUGIN_NAMES)),
        connection_id=draw(st.integers(0, 2**32 - 1)),
    )


@st.composite
def auth_step_payloads(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["switch", "more", "fast", "full", "key"]))
    if kind == "switch":
        plugin = draw(st.sampled_from(PLUGIN_NAMES))
        return b"\xfe" + plugin + b"\0" + draw(st.binary(max_size=33))
    if kind == "fast":
        return b"\x01\x03"
    if kind == "full":
        return b"\x01\x04"
    if kind == "key":
        return b"\x01" + draw(st.sampled_from([PEM, PEM[:40], b""]))
    return b"\x01" + draw(st.binary(max_size=40))


@st.composite
def auth_reply_payloads(draw: st.DrawFn) -> list[bytes]:
    steps = draw(st.lists(auth_step_payloads(), max_size=3))
    return steps + [draw(st.one_of(ok_payloads(), err_payloads()))]


# -- strategies: mutations -------------------------------------------------------------------

mutation = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
    st.integers(0, 1 << 12),
    st.integers(0, 255),
)


def mutate(data: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, value in mutations:
        if not buf:
            break
        i = where % len(buf)
        if kind == "flip":
            buf[i] ^= 1 << (value % 8)
        elif kind == "set":
            buf[i] = value
        elif kind == "insert":
            buf[i:i] = bytes((value,))
        elif kind == "delete":
            del buf[i]
        else:
            del buf[i:]
    return bytes(buf)


@st.composite
def mutated_stream(draw: st.DrawFn, payloads: list[bytes], seq: int) -> bytes:
    """Frame ``payloads``; mutate either inside payloads or the framed bytes."""
    if draw(st.booleans()):
        index = draw(st.integers(0, len(payloads) - 1))
        payloads = list(payloads)
        payloads[index] = mutate(payloads[index], draw(st.lists(mutation, max_size=4)))
        return sp.stream(payloads, seq)
    return mutate(sp.stream(payloads, seq), draw(st.lists(mutation, max_size=4)))


def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:], strict=False)]


# -- the harness -------------------------------------------------------------------------------


def pump(core: ClientCore, pieces: list[bytes]) -> list[object]:
    """Feed ``pieces`` one by one, collecting events; answer what the caller must answer.

    Returns the events; raises only what next_event raises.
    """
    events: list[object] = []
    for piece in pieces:
        core.receive_data(piece)
        for _ in range(MAX_EVENTS):
            event = core.next_event()
            if event is ev.NEED_DATA:
                break
            events.append(event)
            if isinstance(event, Greeting):
                core.handshake_response(
                    capabilities=(CLIENT_CAPS & event.capabilities) | CLIENT.PROTOCOL_41,
                    charset_id=45,
                    user=b"root",
                    database=None,
                    auth=AuthContext(b"secret"),
                )
            elif isinstance(event, ev.LocalInfileRequest):
                core.local_infile_done()
            elif isinstance(event, (OkPacket, ev.ResultSetEnd)) and core.state is State.IDLE:
                break
        else:
            raise AssertionError("next_event() kept returning events: a loop")
    return events


def check(core: ClientCore, pieces: list[bytes]) -> None:
    """The contract: events, or one of the driver's own errors; malformed input breaks."""
    try:
        pump(core, pieces)
    except ProtocolError:
        assert core.state is State.BROKEN
    except Error:
        pass  # server errors, unsupported plugins, out-of-sync: all DB-API errors


def logged_in_core(max_packet: int = MAX_PACKET) -> ClientCore:
    core = new_core(max_packet)
    pump(core, [sp.stream([sp.greeting()]), sp.stream([sp.ok()], 2)])
    assert core.state is State.IDLE
    return core


# -- the fuzz targets ---------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_fuzz_handshake(impl: str, data: st.DataObject) -> None:
    greeting = data.draw(mutated_stream([data.draw(greeting_payloads())], 0))
    reply = data.draw(mutated_stream(data.draw(auth_reply_payloads()), 2))
    cuts = data.draw(st.lists(st.integers(0, 1 << 12), max_size=4))
    check(new_core(), chunks(greeting, cuts) + chunks(reply, cuts))


@FUZZ
@given(data=st.data())
def test_fuzz_results(impl: str, data: st.DataObject) -> None:
    core = logged_in_core()
    core.send_command(b"\x03SELECT 1")
    stream = data.draw(mutated_stream(data.draw(response_payloads()), 1))
    cuts = data.draw(st.lists(st.integers(0, 1 << 12), max_size=4))
    check(core, chunks(stream, cuts))


@FUZZ
@given(data=st.data())
def test_fuzz_rows_after_valid_header(impl: str, data: st.DataObject) -> None:
    """Mutate only row and end packets, so the row loop itself gets the hostile bytes."""
    core = logged_in_core()
    core.send_command(b"\x03SELECT 1")
    payloads = data.draw(result_set_payloads())
    ncols = payloads[0][0]
    head = sp.stream(payloads[: 1 + ncols], 1)
    tail = data.draw(mutated_stream(payloads[1 + ncols :], 1 + 1 + ncols))
    check(core, [head, tail])


# -- hostile lengths: bounded memory ------------------------------------------------------------


def test_declared_length_over_the_limit_fails_at_the_header(impl: str) -> None:
    core = logged_in_core()
    core.send_command(b"\x03SELECT 1")
    core.receive_data(b"\xff\xff\xff\x01")  # 16 MiB - 1 declared, MAX_PACKET is 64 KiB
    try:
        core.next_event()
    except ProtocolError as exc:
        assert "exceeds the limit" in str(exc)
    else:
        raise AssertionError("no error for a packet over max_packet")
    assert core.state is State.BROKEN


def test_frames_adding_up_over_the_limit_fail_before_the_data_arrives(impl: str) -> None:
    core = logged_in_core(max_packet=20 << 20)
    core.send_command(b"\x03SELECT 1")
    core.receive_data(b"\xff\xff\xff\x01")  # a full frame: a continuation must follow
    assert core.next_event() is ev.NEED_DATA  # 16 MiB - 1 is under the 20 MiB limit
    assert core.buffered() == 4  # nothing allocated for the declared 16 MiB
    core.receive_data(bytes(1000))
    assert core.next_event() is ev.NEED_DATA and core.buffered() == 1004
    # A second full frame would make 32 MiB: refused as soon as its header is there.
    core.receive_data(bytes(MAX_FRAME - 1000) + b"\xff\xff\xff\x02")
    try:
        core.next_event()
    except ProtocolError as exc:
        assert "exceeds the limit" in str(exc)
    else:
        raise AssertionError("no error for frames adding up over max_packet")


@given(length=st.integers(2**16, 2**64 - 1), which=st.sampled_from(["row", "count", "column"]))
@FUZZ
def test_huge_lenenc_values_are_rejected(impl: str, length: int, which: str) -> None:
    core = logged_in_core()
    core.send_command(b"\x03SELECT 1")
    huge = (
        b"\xfe" + length.to_bytes(8, "little")
        if length >= 1 << 24
        else (b"\xfd" + length.to_bytes(3, "little"))
    )
    if which == "count":
        payloads = [huge]
    elif which == "column":
        payloads = [b"\x01", b"\x03def" + huge + b"xx"]
    else:
        # A row may not start with 0xFE here: under MAX_FRAME such a packet is the OK
        # that ends the result set. 0xFD (3-byte length) is the largest a short row has.
        short = b"\xfd" + max(length % (1 << 24), 1 << 16).to_bytes(3, "little")
        payloads = [b"\x01", sp.column("c"), short + b"abc", sp.ok(header=0xFE)]
    check(core, [sp.stream(payloads, 1)])
    assert core.state is State.BROKEN


def test_check_can_fail() -> None:
    """The harness is not vacuous: a foreign exception from a decoder escapes it."""

    def bad_plan(columns: list[Any]) -> tuple[Any, ...]:
        def explode(value: bytes) -> object:
            raise KeyError(value)

        return (explode,) * len(columns)

    core = ClientCore(plan_builder=bad_plan)
    pump(core, [sp.stream([sp.greeting()]), sp.stream([sp.ok()], 2)])
    core.send_command(b"\x03SELECT 1")
    payloads = [b"\x01", sp.column("c"), sp.text_row(b"1"), sp.ok(header=0xFE)]
    try:
        check(core, [sp.stream(payloads, 1)])
    except KeyError:
        return
    raise AssertionError("a KeyError from a decoder was swallowed or converted")


def test_unframed_frame_helper_round_trip() -> None:
    data, seq = frame(b"abc", 7)
    assert data == b"\x03\x00\x00\x07abc" and seq == 8


def test_malformed_challenge_breaks_the_core(impl: str) -> None:
    """Found by the fuzzer: a parsec greeting with a 20-byte nonce raised ProtocolError
    from handshake_response() but left the core in HANDSHAKE instead of BROKEN."""
    core = new_core()
    core.receive_data(sp.stream([sp.greeting(plugin=b"parsec")]))
    greeting = core.next_event()
    assert isinstance(greeting, Greeting)
    try:
        core.handshake_response(
            capabilities=CLIENT_CAPS,
            charset_id=45,
            user=b"root",
            database=None,
            auth=AuthContext(b"secret"),
        )
    except ProtocolError:
        assert core.state is State.BROKEN
    else:
        raise AssertionError("a 20-byte parsec nonce was accepted")


def test_auth_response_too_long_for_the_server_is_an_interface_error(impl: str) -> None:
    core = new_core()
    caps = sp.SERVER_CAPS & ~CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA
    core.receive_data(sp.stream([sp.greeting(caps=caps, plugin=b"mysql_clear_password")]))
    assert isinstance(core.next_event(), Greeting)
    try:
        core.handshake_response(
            capabilities=CLIENT_CAPS & caps,
            charset_id=45,
            user=b"root",
            database=None,
            auth=AuthContext(b"p" * 300, secure_channel=True),
        )
    except Error as exc:
        assert type(exc).__name__ == "InterfaceError", exc
        assert core.state is State.BROKEN
    else:
        raise AssertionError("a 301-byte auth response was sent in a 1-byte length")
