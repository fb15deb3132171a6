"""Which compression a connection asks for and gets: the options, the negotiation, the codecs.

MySQL 8.0.18+ clients name their algorithms in order of preference
(``compression_algorithms``: ``zstd``, ``zlib``, ``uncompressed``) and a zstd level
(``zstd_compression_level``, 1 to 22, default 3). The server announces CLIENT_COMPRESS
(zlib) and/or CLIENT_ZSTD_COMPRESSION_ALGORITHM in its greeting; the client answers with
exactly one of them, the first of its list that the server offers, and for zstd adds the
level byte to its HandshakeResponse41. ``uncompressed`` in the list lets the connection
go on uncompressed when the server offers none of the others; without it, that is an
error. ``compress=True`` alone means ``["zlib", "uncompressed"]`` (compress if possible,
as the MySQL client's ``--compress``).

zstd comes from the standard library where it has it (Python 3.14's
``compression.zstd``), else from the ``zstandard`` package (``pip install aiomysql[zstd]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..constants import CLIENT
from ..errors import NotSupportedError, ProgrammingError
from .compression import Codec, ZlibCodec
from .packets import ProtocolError

#: Algorithm names as compression_algorithms takes them, and their capability flags.
FLAGS: dict[str, int] = {
    "zstd": CLIENT.ZSTD_COMPRESSION_ALGORITHM,
    "zlib": CLIENT.COMPRESS,
    "uncompressed": 0,
}
#: zstd_compression_level's range and default (MySQL's).
ZSTD_LEVELS = range(1, 23)
DEFAULT_ZSTD_LEVEL = 3


def _zstd_module() -> tuple[str, Any] | None:
    """("stdlib" | "zstandard", module), or None when neither can be imported."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        pass
    else:
        return "stdlib", zstd
    try:
        import zstandard
    except ImportError:
        return None
    return "zstandard", zstandard


def zstd_available() -> bool:
    """True when zstd compression can be used here (Python 3.14+, or zstandard installed)."""
    return _zstd_module() is not None


def check_options(
    compress: bool, algorithms: Sequence[str] | str | None, zstd_level: int
) -> tuple[str, ...]:
    """The algorithms to offer, in order (empty: no compression).

    ProgrammingError for bad values; NotSupportedError when zstd is asked for and this
    Python has no zstd.
    """
    if isinstance(algorithms, str):
        algorithms = [a.strip() for a in algorithms.split(",")]
    if algorithms is None:
        wanted: tuple[str, ...] = ("zlib", "uncompressed") if compress else ()
    else:
        wanted = tuple(str(a).lower() for a in algorithms)
        unknown = [a for a in wanted if a not in FLAGS]
        if unknown or not wanted:
            raise ProgrammingError(
                0, f"compression_algorithms must name some of {sorted(FLAGS)}, not {list(wanted)!r}"
            )
    if isinstance(zstd_level, bool) or not isinstance(zstd_level, int):
        raise ProgrammingError(0, "zstd_compression_level must be an int from 1 to 22")
    if zstd_level not in ZSTD_LEVELS:
        raise ProgrammingError(0, f"zstd_compression_level must be from 1 to 22, not {zstd_level}")
    if "zstd" in wanted and not zstd_available():
        raise NotSupportedError(
            0,
            "zstd compression needs Python 3.14+ (compression.zstd) or the zstandard "
            "package: pip install 'aiomysql[zstd]'",
        )
    return () if wanted == ("uncompressed",) else wanted


def choose(wanted: Sequence[str], server_capabilities: int) -> str | None:
    """The first algorithm of ``wanted`` the server offers ("uncompressed": None);
    ValueError when it offers none of them and ``uncompressed`` is not among them."""
    for name in wanted:
        flag = FLAGS[name]
        if flag == 0:
            return None
        if server_capabilities & flag:
            return name
    if not wanted:
        return None
    raise ValueError(
        f"the server supports none of the compression algorithms asked for ({', '.join(wanted)}); "
        "add 'uncompressed' to compression_algorithms to connect without compression"
    )


class ZstdCodec:
    """zstd frames (CLIENT_ZSTD_COMPRESSION_ALGORITHM), one frame per compressed packet."""

    name = "zstd"

    def __init__(self, level: int = DEFAULT_ZSTD_LEVEL) -> None:
        found = _zstd_module()
        if found is None:
            raise ValueError("zstd is not available: pip install 'aiomysql[zstd]'")
        self.backend, self._zstd = found
        self.level = level
        if self.backend == "zstandard":
            self._compressor = self._zstd.ZstdCompressor(level=level)
            self._decompressor = self._zstd.ZstdDecompressor()

    def compress(self, data: bytes | memoryview) -> bytes:
        """``data`` as one zstd frame (with its content size)."""
        if self.backend == "zstandard":
            out: bytes = self._compressor.compress(data)
        else:
            out = self._zstd.compress(data, level=self.level)
        return out

    def decompress(self, data: bytes | memoryview, size: int) -> bytes:
        """One zstd frame inflated to exactly ``size`` bytes, never more."""
        try:
            if self.backend == "zstandard":
                out, done, rest = self._decompress_zstandard(data, size)
            else:
                inflater = self._zstd.ZstdDecompressor()
                out = inflater.decompress(data, size)
                if len(out) == size and not inflater.eof and inflater.decompress(b"", 1):
                    # (output full: the frame's end may still be unread, not more data)
                    raise ProtocolError(
                        f"a compressed packet inflates past its declared {size} bytes"
                    )
                done, rest = inflater.eof, inflater.unused_data
        except self._zstd.ZstdError as exc:
            raise ProtocolError(f"a compressed packet is not a valid zstd frame ({exc})") from None
        if len(out) != size or not done:
            raise ProtocolError(
                f"a compressed packet declares {size} bytes but its zstd frame does not "
                f"inflate to exactly that ({len(out)}{'' if done else ' and more'})"
            )
        if rest:
            raise ProtocolError("a compressed packet has bytes after its zstd frame")
        return out

    def _decompress_zstandard(
        self, data: bytes | memoryview, size: int
    ) -> tuple[bytes, bool, bytes]:
        """zstandard trusts a frame's declared content size over any output bound: check it
        first, so that a frame cannot make it allocate more than ``size``."""
        declared = self._zstd.frame_content_size(data)
        if declared == -1:  # not in the frame header: a bounded one-shot decompression
            out = self._decompressor.decompress(data, max_output_size=size)
            return out, True, b""
        if declared != size:
            raise ProtocolError(
                f"a compressed packet declares {size} bytes but its zstd frame {declared}"
            )
        inflater = self._decompressor.decompressobj()
        out = inflater.decompress(data)
        return out, bool(inflater.eof), bytes(inflater.unused_data)


def make_codec(name: str, zstd_level: int = DEFAULT_ZSTD_LEVEL) -> Codec:
    """The codec for an algorithm ``choose()`` picked."""
    if name == "zstd":
        return ZstdCodec(zstd_level)
    if name == "zlib":
        return ZlibCodec()
    raise ValueError(f"no codec for {name!r}")
