"""Objects that are both awaitable and async context managers, as aiomysql's API returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class AwaitableContext(Generic[T]):
    """``await x`` gives the object; ``async with x as obj`` also runs ``on_exit(obj, exc)``."""

    __slots__ = ("_coro", "_obj", "_on_exit")

    def __init__(
        self,
        coro: Coroutine[Any, Any, T],
        on_exit: Callable[[T, BaseException | None], Awaitable[None]],
    ) -> None:
        self._coro = coro
        self._on_exit = on_exit
        self._obj: T | None = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._coro.__await__()

    def send(self, value: Any) -> Any:
        """Coroutine protocol, for callers that drive the wrapped coroutine by hand."""
        return self._coro.send(value)

    def throw(self, *args: Any) -> Any:
        """Coroutine protocol, for callers that drive the wrapped coroutine by hand."""
        return self._coro.throw(*args)

    def close(self) -> None:
        """Close the wrapped coroutine if it was never awaited."""
        self._coro.close()

    async def __aenter__(self) -> T:
        self._obj = await self._coro
        return self._obj

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        obj, self._obj = self._obj, None
        if obj is not None:
            await self._on_exit(obj, exc)


class ReadyContext(Generic[T]):
    """Like AwaitableContext for an object that already exists (no coroutine to leak)."""

    __slots__ = ("_obj", "_on_exit")

    def __init__(
        self, obj: T, on_exit: Callable[[T, BaseException | None], Awaitable[None]] | None = None
    ) -> None:
        self._obj = obj
        self._on_exit = on_exit
        if on_exit is None:
            # Compatibility (ddtrace's aiomysql integration): it rebuilds cursor()'s
            # context as ``type(cm)(coroutine)``, the one-argument form of aiomysql 0.3's
            # _ContextManager. The object becomes a _RebuiltContext, which awaits first.
            self.__class__ = _RebuiltContext

    def __await__(self) -> Generator[Any, None, T]:
        return self._obj
        yield  # pragma: no cover  (makes this a generator)

    async def __aenter__(self) -> T:
        return self._obj

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._on_exit is not None
        await self._on_exit(self._obj, exc)


class _RebuiltContext(ReadyContext[Any]):
    """``ReadyContext(coroutine)``: awaits the coroutine first; ``async with`` closes the
    object it gave on exit (``await obj.close()``), as aiomysql 0.3's cursor context did."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._obj.__await__()  # type: ignore[no-any-return]

    async def __aenter__(self) -> Any:
        self._obj = await self._obj
        self._on_exit = _close_object
        return self._obj

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        on_exit = self._on_exit
        if on_exit is not None:  # entered: self._obj is what the coroutine gave
            self._on_exit = None
            await on_exit(self._obj, exc)


async def _close_object(obj: Any, exc: BaseException | None) -> None:
    await obj.close()
