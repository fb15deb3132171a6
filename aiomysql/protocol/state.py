"""The client core's states and the one table of moves between them.

    GREETING     --greeting read-------------------> HANDSHAKE  (caller answers it)
                 --ERR-----------------------------> CLOSED     (error raised)
    HANDSHAKE    --handshake_response() sent-------> AUTH
    AUTH         --OK------------------------------> IDLE       (Authenticated)
                 --auth switch / more data---------> AUTH       (SendData)
                 --ERR-----------------------------> CLOSED     (error raised)
    IDLE         --send_command()------------------> RESULT
                 --send_prepare()------------------> PREPARE
                 --send_fetch()--------------------> ROWS       (binary rows of a cursor)
    PREPARE      --PREPARE_OK and definitions------> IDLE       (Prepared)
                 --the same, execute pipelined-----> RESULT     (Prepared)
                 --ERR-----------------------------> IDLE       (error raised)
                 --ERR, execute pipelined----------> RESULT     (PrepareFailed)
    RESULT       --OK (more results)---------------> MORE_RESULTS (OkPacket)
                 --OK------------------------------> IDLE       (OkPacket)
                 --whole reply read at once--------> IDLE or MORE_RESULTS (fast_path)
                 --ERR-----------------------------> IDLE       (error raised)
                 --column count--------------------> COLUMNS
                 --0xFB filename-------------------> INFILE     (LocalInfileRequest)
    MORE_RESULTS --(the caller reads on)-----------> as RESULT  (the next result's reply)
    COLUMNS      --last definition, DEPRECATE_EOF--> ROWS       (ResultSetHeader)
                 --last definition-----------------> COLUMNS_EOF
    COLUMNS_EOF  --EOF-----------------------------> ROWS       (ResultSetHeader)
    ROWS         --rows----------------------------> ROWS       (RowBatch)
                 --EOF/OK (more results)-----------> MORE_RESULTS (ResultSetEnd)
                 --EOF/OK--------------------------> IDLE       (ResultSetEnd)
                 --ERR-----------------------------> IDLE       (error raised)
    INFILE       --local_infile_done()-------------> RESULT
    any          --malformed bytes-----------------> BROKEN     (ProtocolError raised)
    any          --send_quit()---------------------> CLOSED
    any but CLOSED --abort()-----------------------> BROKEN

``TRANSITIONS`` below is this picture as data; ``ClientCore`` changes state only
through its writer, which refuses any move the table does not list.
"""

from __future__ import annotations

import enum


class State(enum.Enum):
    """Where the core is in the conversation with the server."""

    # Members are singletons: identity hashing keeps the per-event handler lookup in C
    # (Enum's own __hash__ is a Python-level call).
    __hash__ = object.__hash__

    GREETING = "greeting"
    HANDSHAKE = "handshake"
    AUTH = "auth"
    IDLE = "idle"
    #: A command was sent; its (first) reply is awaited.
    RESULT = "result"
    #: A result ended with SERVER_MORE_RESULTS_EXISTS: the next one is the server's to send.
    MORE_RESULTS = "more_results"
    #: COM_STMT_PREPARE was sent; its reply (and the definitions) are awaited.
    PREPARE = "prepare"
    COLUMNS = "columns"
    COLUMNS_EOF = "columns_eof"
    ROWS = "rows"
    INFILE = "infile"
    CLOSED = "closed"
    BROKEN = "broken"


_S = State
#: Every state reachable from each state, besides CLOSED (send_quit) and BROKEN (abort,
#: malformed bytes), which every state may move to (CLOSED stays CLOSED on abort).
TRANSITIONS: dict[State, frozenset[State]] = {
    _S.GREETING: frozenset({_S.HANDSHAKE}),
    _S.HANDSHAKE: frozenset({_S.AUTH}),
    _S.AUTH: frozenset({_S.IDLE}),
    _S.IDLE: frozenset({_S.RESULT, _S.PREPARE, _S.ROWS}),
    _S.PREPARE: frozenset({_S.IDLE, _S.RESULT}),
    _S.RESULT: frozenset({_S.MORE_RESULTS, _S.IDLE, _S.COLUMNS, _S.INFILE}),
    _S.MORE_RESULTS: frozenset({_S.MORE_RESULTS, _S.IDLE, _S.COLUMNS, _S.INFILE}),
    _S.COLUMNS: frozenset({_S.ROWS, _S.COLUMNS_EOF}),
    _S.COLUMNS_EOF: frozenset({_S.ROWS}),
    _S.ROWS: frozenset({_S.MORE_RESULTS, _S.IDLE}),
    _S.INFILE: frozenset({_S.RESULT}),
    _S.CLOSED: frozenset(),
    _S.BROKEN: frozenset(),
}
for _state, _targets in list(TRANSITIONS.items()):
    _ends = {_S.CLOSED} if _state is _S.CLOSED else {_S.CLOSED, _S.BROKEN}
    TRANSITIONS[_state] = _targets | _ends
del _state, _targets, _ends

#: States in which nothing more can be sent or read.
DEAD = frozenset({State.CLOSED, State.BROKEN})
