"""Sans-IO MySQL client protocol: bytes in, events out; bytes out for commands.

Nothing in this package touches sockets, asyncio or the clock.
"""
