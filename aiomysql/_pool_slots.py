"""The pool's bookkeeping: one slot record per connection, and who gets which slot.

A slot lives from the moment the pool reserves room for a connection (OPENING, before
the connection exists) until that connection is closed and forgotten. ``SlotTable`` is
the only writer of ``Slot.state``, so what the pool reports (size, free connections,
connections opened and closed) is read off the table instead of kept in counters that
must balance. Its ``assign()`` hands slots to queued acquires. Everything here is
synchronous; the pool does the I/O (opening, pinging, rolling back).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from .connection import Connection

__all__ = ["BUSY", "LIVE", "Slot", "SlotTable", "State"]


class State(enum.Enum):
    """Where a pool's connection is in its life."""

    # Members are singletons compared by identity: hash them the same way (Enum's own
    # __hash__ is a Python-level call, and every move of a slot hashes a state or two).
    __hash__ = object.__hash__

    #: Room reserved; the connection is being opened (``Slot.conn`` is still None).
    OPENING = "opening"
    #: Idle in the pool, ready to be handed out.
    FREE = "free"
    #: Handed to an acquire() (or about to be: its task has not run yet).
    IN_USE = "in use"
    #: Released; ``Slot.task`` rolls it back (or resets it) before it is free again.
    CLEANING = "cleaning"
    #: Left the pool: ``Slot.task`` is closing the connection, or (task None)
    #: terminate() closed it while a user still holds it and may release() it.
    CLOSING = "closing"


# Module-level names for the hot paths (a global lookup, not an attribute of the enum
# class, whose metaclass hooks attribute access).
_OPENING, _FREE, _IN_USE, _CLEANING, _CLOSING = State
#: The states counted in the pool's size (a CLOSING connection no longer is).
LIVE = (State.OPENING, State.FREE, State.IN_USE, State.CLEANING)
#: The states wait_closed() waits to see empty before it waits for the closing tasks.
BUSY = (State.OPENING, State.IN_USE, State.CLEANING)


@dataclasses.dataclass(eq=False, slots=True)
class Slot:
    """One connection of a pool (or the room for it while it is being opened)."""

    state: State = State.OPENING
    #: The connection; None while OPENING.
    conn: Connection | None = None
    #: Loop time the connection was opened (for ``pool_recycle``).
    born: float = 0.0
    #: Loop time the connection last became free (for ``pre_ping_idle``).
    idle_since: float = 0.0
    #: The rollback/reset while CLEANING (kept if terminate() cuts it short), the
    #: polite close while CLOSING.
    task: asyncio.Task[None] | None = None


#: How the table starts a task (the pool's loop may not be running when it closes).
Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class SlotTable:
    """Every slot of one pool, by state and by connection, and the queue of acquires."""

    __slots__ = (
        "_by_state",
        "_by_conn",
        "_maxsize",
        "_stale",
        "_spawn",
        "_drained",
        "waiters",
        "closing",
        "opened",
        "closed",
    )

    def __init__(self, maxsize: int, stale: Callable[[Slot], bool], spawn: Spawn) -> None:
        # dicts used as insertion-ordered sets: FREE's first slot is the longest idle.
        self._by_state: dict[State, dict[Slot, None]] = {state: {} for state in State}
        self._by_conn: dict[Connection, Slot] = {}
        self._maxsize = maxsize
        self._stale = stale
        self._spawn = spawn
        self._drained: asyncio.Future[None] | None = None
        #: Queued acquires, first come first served; each is resolved by assign().
        self.waiters: deque[asyncio.Future[Slot | None]] = deque()
        #: Set by the pool's close(): assign() then refuses every waiter.
        self.closing = False
        #: Connections ever attached to a slot.
        self.opened = 0
        #: Connections whose slot left the pool (CLOSING or removed) after holding one.
        self.closed = 0

    # -- handing out -----------------------------------------------------------

    def assign(self) -> None:
        """Resolve queued acquires in order; the pool runs it after every change of a slot.

        Each gets the longest-idle free slot (stale ones found on the way are closed)
        or, while there is room, a new OPENING slot. Once the pool is closing each gets
        None and the free connections are closed.
        """
        waiters = self.waiters
        while waiters:
            fut = waiters[0]
            if not fut.done():  # else cancelled while queued
                slot = None
                if not self.closing:
                    slot = self._take_free()
                    if slot is None and (not self._maxsize or self.size < self._maxsize):
                        slot = self.new()
                    if slot is None:
                        break
                fut.set_result(slot)
            waiters.popleft()
        if self.closing:
            for slot in self.in_state(State.FREE):
                self.dispose(slot)
        drained = self._drained
        if drained is not None and not drained.done() and not self.count(*BUSY):
            drained.set_result(None)

    def take_free_now(self, minsize: int) -> Slot | None:
        """A free slot for an acquire that need not queue, now IN_USE; else None.

        The acquire fast path: nobody is queued ahead, the pool is open and holds at least
        ``minsize`` connections, and a usable free slot exists. Synchronous: no future, no
        task switch. None sends the acquire the queued way (which also opens connections).
        """
        if self.waiters or self.closing or self.size < minsize:
            return None
        return self._take_free()

    def _take_free(self) -> Slot | None:
        """The longest-idle usable free slot, now IN_USE."""
        free = self._by_state[_FREE]
        while free:
            slot = next(iter(free))
            conn = slot.conn
            assert conn is not None
            if conn.closed or self._stale(slot):
                self.dispose(slot)
                continue
            self.move(slot, _IN_USE)
            return slot
        return None

    async def drained(self) -> None:
        """Wait until no slot is opening, in use or cleaning (after close())."""
        while self.count(*BUSY):
            if self._drained is None or self._drained.done():
                self._drained = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._drained)

    # -- closing -----------------------------------------------------------------

    def dispose(self, slot: Slot) -> None:
        """Take a slot out of the pool and close its connection (politely when idle)."""
        conn = slot.conn
        if slot.state is State.CLOSING:
            if slot.task is None:  # terminate() closed it; its holder gave it up
                self.remove(slot)
        elif conn is None or conn.closed:
            self.remove(slot)
        elif conn.busy:
            conn.close()
            self.remove(slot)
        else:
            self.move(slot, State.CLOSING)
            slot.task = self._spawn(self._close(slot, conn))

    async def _close(self, slot: Slot, conn: Connection) -> None:
        """Close a connection that left the pool, then forget its slot."""
        try:
            await conn.ensure_closed()
        finally:
            slot.task = None
            self.remove(slot)

    def closing_tasks(self) -> list[asyncio.Task[None]]:
        """The tasks still closing connections (or rolling back ones terminate() closed)."""
        tasks = (slot.task for slot in self._by_state[State.CLOSING])
        return [task for task in tasks if task is not None and not task.done()]

    # -- the records -------------------------------------------------------------

    @property
    def size(self) -> int:
        """Slots counted in the pool's size (the LIVE states; spelled out: it is on the
        acquire fast path)."""
        by_state = self._by_state
        return (
            len(by_state[_OPENING])
            + len(by_state[_FREE])
            + len(by_state[_IN_USE])
            + len(by_state[_CLEANING])
        )

    def new(self) -> Slot:
        """A new OPENING slot: room taken for a connection about to be opened."""
        slot = Slot()
        self._by_state[State.OPENING][slot] = None
        return slot

    def attach(self, slot: Slot, conn: Connection, now: float) -> None:
        """Give an OPENING slot the connection just opened for it; it is now IN_USE."""
        assert slot.state is State.OPENING and slot.conn is None
        slot.conn = conn
        slot.born = slot.idle_since = now
        self._by_conn[conn] = slot
        self.opened += 1
        self.move(slot, State.IN_USE)

    def move(self, slot: Slot, state: State) -> None:
        """Put ``slot`` in ``state`` (the one place a slot's state changes)."""
        if state is _CLOSING and slot.state is not _CLOSING:
            self._count_closed(slot)
        by_state = self._by_state
        del by_state[slot.state][slot]
        slot.state = state
        by_state[state][slot] = None

    def remove(self, slot: Slot) -> None:
        """Forget ``slot``: its connection (if any) is closed or was never opened."""
        if slot.state is not State.CLOSING:
            self._count_closed(slot)
        del self._by_state[slot.state][slot]
        if slot.conn is not None:
            del self._by_conn[slot.conn]

    def _count_closed(self, slot: Slot) -> None:
        if slot.conn is not None:
            self.closed += 1

    def of(self, conn: Connection) -> Slot | None:
        """The slot holding ``conn``, if this pool has one."""
        return self._by_conn.get(conn)

    def count(self, *states: State) -> int:
        """How many slots are in any of ``states``."""
        return sum(len(self._by_state[state]) for state in states)

    def first(self, state: State) -> Slot | None:
        """The slot longest in ``state``, if any."""
        return next(iter(self._by_state[state]), None)

    def in_state(self, *states: State) -> list[Slot]:
        """A snapshot of the slots in ``states`` (safe to change them while iterating)."""
        return [slot for state in states for slot in self._by_state[state]]

    def conns(self, state: State) -> Iterator[Connection]:
        """The connections of the slots in ``state``, longest there first."""
        for slot in self._by_state[state]:
            if slot.conn is not None:
                yield slot.conn
