"""Private names of aiomysql 0.3 that libraries reach into, as thin shims over the channel.

Each shim names the library that needs it. They are not part of this driver's API:
new code should use ``Connection.run_query()``/``cursor.execute()`` instead.
"""

from __future__ import annotations

from ._channel import Channel
from .constants import COMMAND, CR
from .errors import NotSupportedError, OperationalError
from .result import Result


class _Reader:
    """``conn._reader``: only ``set_exception()``, which closes the connection."""

    __slots__ = ("_channel",)

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def set_exception(self, exc: BaseException) -> None:
        """Mark the connection dead: closed now, so a pool drops it instead of reusing it."""
        self._channel.close()


class UpstreamPrivateNames:
    """Mixed into Connection: aiomysql 0.3 private names that libraries call."""

    _channel: Channel

    @property
    def _reader(self) -> _Reader:
        """tortoise-orm expires pooled connections with ``conn._reader.set_exception(exc)``."""
        return _Reader(self._channel)

    async def _execute_command(self, command: int, sql: str | bytes) -> None:
        """Send a COM_QUERY without reading its result (tortoise-orm's savepoints);
        ``_read_ok_packet()`` must come next."""
        if command != COMMAND.COM_QUERY:
            raise NotSupportedError(0, f"_execute_command() supports COM_QUERY only, not {command}")
        await self._channel.settle()
        self._channel.send_query(sql)

    async def _read_ok_packet(self) -> Result:
        """Read the result of ``_execute_command()``'s statement, which must be an OK
        (tortoise-orm's savepoints); a server error raises as usual."""
        result = await self._channel.read_query_result()
        if result.columns is not None:
            raise OperationalError(CR.CR_COMMANDS_OUT_OF_SYNC, "Command Out of Sync")
        return result
