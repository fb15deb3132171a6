"""Sans-IO binlog event decoder: one event's bytes (as the dump sends them) -> an event.

Checks the CRC32 checksum when the binlog has one, keeps the table-map cache, and skips
rows events of tables or event types nobody asked for before decoding their rows.
Any malformed event is a ProtocolError, never another exception.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from . import binlog_events as E
from ._binlog_impl import decode_rows
from .binlog_tablemap import EncodingOf, parse_table_map, utf8_unless_binary
from .packets import ProtocolError

HEADER = struct.Struct("<IBIIIH")
HEADER_SIZE = 19
#: ``checksum`` values of the format description event.
CHECKSUM_OFF, CHECKSUM_CRC32 = 0, 1
_U64 = struct.Struct("<Q")
_GTID = struct.Struct("<QIB")

#: Decides from a table map whether its rows are wanted (filters run before decoding).
TableFilter = Callable[[E.TableMapEvent], bool]


class BinlogDecoder:
    """Turns event packets into events; one per dump connection's binlog stream.

    ``checksum``: whether events end with a CRC32 (what ``@master_binlog_checksum``
    was set to). ``table_filter`` and ``row_types`` choose the rows events to decode;
    the others (and the table maps of unwanted tables) come back as None.
    ``encoding_of`` maps a column's collation id to its Python codec.
    """

    def __init__(
        self,
        checksum: bool,
        table_filter: TableFilter | None = None,
        row_types: frozenset[int] | None = None,
        encoding_of: EncodingOf = utf8_unless_binary,
    ) -> None:
        self.checksum = checksum
        self.encoding_of = encoding_of
        self.table_filter = table_filter
        self.row_types = row_types
        self.tables: dict[int, E.TableMapEvent] = {}
        self._wanted: dict[int, bool] = {}
        self._id_size = 6
        #: From the format description event: MariaDB's table maps differ a little.
        self.mariadb = False
        self._present: dict[bytes, tuple[int, ...]] = {}
        #: Header fields of the last event decoded (also when it was skipped).
        self.type_code = 0
        self.log_pos = 0
        self.event_size = 0
        self.header_flags = 0

    def decode(self, packet: bytes, offset: int = 1) -> E.BinlogEvent | None:
        """The event in ``packet[offset:]`` (after the dump's 0x00 marker); None when
        it was filtered out."""
        try:
            return self._decode(packet, offset)
        except ProtocolError:
            raise
        except (ValueError, IndexError, KeyError, OverflowError, struct.error) as exc:
            raise ProtocolError(f"undecodable binlog event ({exc!r})") from exc

    def _decode(self, packet: bytes, offset: int) -> E.BinlogEvent | None:
        size = len(packet) - offset
        if size < HEADER_SIZE:
            raise ProtocolError(f"a binlog event of {size} bytes is shorter than its header")
        timestamp, type_code, server_id, event_size, log_pos, flags = HEADER.unpack_from(
            packet, offset
        )
        if event_size != size:
            raise ProtocolError(f"binlog event says {event_size} bytes, the packet has {size}")
        self.type_code, self.log_pos, self.event_size = type_code, log_pos, event_size
        self.header_flags = flags
        end = len(packet)
        if self.checksum or type_code == E.FORMAT_DESCRIPTION_EVENT:
            end -= 4
            if end < offset + HEADER_SIZE:
                raise ProtocolError("binlog event too short for its checksum")
            if self.checksum:
                expected = int.from_bytes(packet[end:], "little")
                actual = zlib.crc32(memoryview(packet)[offset:end])
                if actual != expected:
                    raise ProtocolError(
                        f"binlog event checksum mismatch (type {type_code}, log_pos "
                        f"{log_pos}): CRC32 {actual:08x}, the event says {expected:08x}"
                    )
        pos = offset + HEADER_SIZE
        if type_code in E.ROWS_EVENTS:
            return self._rows(packet, pos, end, type_code, timestamp, server_id, log_pos, flags)
        parse = _PARSERS.get(type_code)
        if parse is None:
            other = E.OtherEvent(timestamp, server_id, log_pos, flags)
            other.event_type = type_code
            other.body = bytes(packet[pos:end])
            return other
        event = parse(self, packet, pos, end, timestamp, server_id, log_pos, flags)
        return event

    # -- events ------------------------------------------------------------------

    def _format_description(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.FormatDescriptionEvent(ts, sid, lp, fl)
        ev.binlog_version = int.from_bytes(p[pos : pos + 2], "little")
        ev.server_version = p[pos + 2 : pos + 52].split(b"\0", 1)[0].decode("ascii", "replace")
        ev.header_length = p[pos + 56]
        ev.checksum = p[end - 1]
        ev.post_header = bytes(p[pos + 57 : end - 1])
        self.mariadb = "mariadb" in ev.server_version.lower()
        if ev.checksum not in (CHECKSUM_OFF, CHECKSUM_CRC32):
            raise ProtocolError(f"unknown binlog checksum algorithm {ev.checksum}")
        if ev.header_length != HEADER_SIZE:
            raise ProtocolError(f"binlog event header of {ev.header_length} bytes")
        if len(ev.post_header) >= E.TABLE_MAP_EVENT:
            self._id_size = 4 if ev.post_header[E.TABLE_MAP_EVENT - 1] == 6 else 6
        return ev

    def _rotate(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.RotateEvent(ts, sid, lp, fl)
        if end - pos < 8:
            raise ProtocolError("rotate event too short")
        ev.position = _U64.unpack_from(p, pos)[0]
        ev.next_file = p[pos + 8 : end].decode("utf-8")
        return ev

    def _query(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.QueryEvent(ts, sid, lp, fl)
        if end - pos < 13:
            raise ProtocolError("query event too short")
        ev.thread_id, ev.exec_time, schema_len, ev.error_code, status_len = struct.unpack_from(
            "<IIBHH", p, pos
        )
        at = pos + 13 + status_len
        if at + schema_len + 1 > end:
            raise ProtocolError("query event: schema runs past the event")
        ev.schema = p[at : at + schema_len].decode("utf-8", "replace")
        ev.query = p[at + schema_len + 1 : end].decode("utf-8", "replace")
        return ev

    def _xid(self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int) -> E.XidEvent:
        ev = E.XidEvent(ts, sid, lp, fl)
        if end - pos < 8:
            raise ProtocolError("XID event too short")
        ev.xid = _U64.unpack_from(p, pos)[0]
        return ev

    def _mariadb_gtid(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.GtidEvent(ts, sid, lp, fl)
        if end - pos < 13:
            raise ProtocolError("GTID event too short")
        ev.seq_no, ev.domain_id, ev.gtid_flags = _GTID.unpack_from(p, pos)
        ev.commit_id = None
        if ev.gtid_flags & E.FL_GROUP_COMMIT_ID and end - pos >= 21:
            ev.commit_id = _U64.unpack_from(p, pos + 13)[0]
        ev.uuid, ev.gno = None, 0
        ev.gtid = f"{ev.domain_id}-{sid}-{ev.seq_no}"
        return ev

    def _mysql_gtid(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.GtidEvent(ts, sid, lp, fl)
        if end - pos < 25:
            raise ProtocolError("GTID event too short")
        ev.gtid_flags = p[pos]
        raw = bytes(p[pos + 1 : pos + 17]).hex()
        ev.uuid = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        ev.gno = int.from_bytes(p[pos + 17 : pos + 25], "little", signed=True)
        ev.domain_id, ev.seq_no, ev.commit_id = 0, ev.gno, None
        anonymous = self.type_code == E.ANONYMOUS_GTID_EVENT
        ev.gtid = "ANONYMOUS" if anonymous else f"{ev.uuid}:{ev.gno}"
        return ev

    def _gtid_list(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.GtidListEvent(ts, sid, lp, fl)
        count = int.from_bytes(p[pos : pos + 4], "little") & 0x0FFFFFFF
        if pos + 4 + count * 16 > end:
            raise ProtocolError("GTID list event: more GTIDs than bytes")
        ev.gtids = []
        for i in range(count):
            domain, server, seq = struct.unpack_from("<IIQ", p, pos + 4 + 16 * i)
            ev.gtids.append(f"{domain}-{server}-{seq}")
        return ev

    def _heartbeat(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.HeartbeatEvent(ts, sid, lp, fl)
        ev.log_file = p[pos:end].decode("utf-8", "replace")
        return ev

    def _annotate(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent:
        ev = E.AnnotateRowsEvent(ts, sid, lp, fl)
        if self.type_code == E.ROWS_QUERY_EVENT:
            pos += 1  # MySQL: a length byte (truncated) before the statement
        ev.query = p[pos:end].decode("utf-8", "replace")
        return ev

    def _table_map(
        self, p: bytes, pos: int, end: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent | None:
        tm = E.TableMapEvent(ts, sid, lp, fl)
        parse_table_map(tm, p, pos, end, self._id_size, self.mariadb, self.encoding_of)
        self.tables[tm.table_id] = tm
        wanted = self.table_filter is None or self.table_filter(tm)
        self._wanted[tm.table_id] = wanted
        return tm if wanted else None

    def _rows(
        self, p: bytes, pos: int, end: int, code: int, ts: int, sid: int, lp: int, fl: int
    ) -> E.BinlogEvent | None:
        if self.row_types is not None and code not in self.row_types:
            return None
        id_size = self._id_size
        if end - pos < id_size + 2:
            raise ProtocolError("rows event too short")
        table_id = int.from_bytes(p[pos : pos + id_size], "little")
        if not self._wanted.get(table_id, True):
            return None
        tm = self.tables.get(table_id)
        if tm is None:
            raise ProtocolError(f"rows event for table id {table_id} without its table map")
        rows_flags = p[pos + id_size] | p[pos + id_size + 1] << 8
        pos += id_size + 2
        if code >= E.WRITE_ROWS_EVENT_V2:
            extra = p[pos] | p[pos + 1] << 8
            if extra < 2:
                raise ProtocolError(f"rows event extra data length {extra}")
            pos += extra
        ncols = p[pos]
        pos += 1
        if ncols == 0xFC:  # a length-encoded count: 251 columns or more
            ncols = p[pos] | p[pos + 1] << 8
            pos += 2
        elif ncols >= 0xFB:
            raise ProtocolError(f"rows event: column count marker 0x{ncols:02x}")
        if ncols != len(tm.plan):
            raise ProtocolError(
                f"rows event has {ncols} columns, its table map {len(tm.plan)} "
                f"({tm.schema}.{tm.table})"
            )
        width = (ncols + 7) >> 3
        columns = self._columns(bytes(p[pos : pos + width]), ncols)
        pos += width
        after: tuple[int, ...] | None = None
        update = code in E.UPDATE_ROWS
        if update:
            after = self._columns(bytes(p[pos : pos + width]), ncols)
            pos += width
        if pos > end:
            raise ProtocolError("rows event: bitmaps run past the event")
        cls = (
            E.UpdateRowsEvent
            if update
            else (E.WriteRowsEvent if code in E.WRITE_ROWS else E.DeleteRowsEvent)
        )
        ev = cls(ts, sid, lp, fl)
        ev.table_id, ev.rows_flags, ev.table_map = table_id, rows_flags, tm
        ev.columns, ev.columns_after = columns, after
        ev.rows = decode_rows(p, pos, end, tm.plan, columns, after)
        if rows_flags & E.STMT_END_F and len(self.tables) > 4096:
            # Table ids grow with every table opened: forget the maps between statements
            # (a statement's rows events only use the maps logged just before them).
            self.tables.clear()
            self._wanted.clear()
        return ev

    def _columns(self, bitmap: bytes, ncols: int) -> tuple[int, ...]:
        """The indexes of the columns a present-columns bitmap names (cached)."""
        key = bitmap + bytes((ncols,))
        found = self._present.get(key)
        if found is None:
            if len(bitmap) * 8 < ncols:
                raise ProtocolError("rows event: columns bitmap runs past the event")
            found = tuple(i for i in range(ncols) if bitmap[i >> 3] >> (i & 7) & 1)
            if len(self._present) > 1024:
                self._present.clear()
            self._present[key] = found
        return found


_Parser = Callable[..., "E.BinlogEvent | None"]
_PARSERS: dict[int, _Parser] = {
    E.FORMAT_DESCRIPTION_EVENT: BinlogDecoder._format_description,
    E.ROTATE_EVENT: BinlogDecoder._rotate,
    E.QUERY_EVENT: BinlogDecoder._query,
    E.XID_EVENT: BinlogDecoder._xid,
    E.MARIADB_GTID_EVENT: BinlogDecoder._mariadb_gtid,
    E.GTID_EVENT: BinlogDecoder._mysql_gtid,
    E.ANONYMOUS_GTID_EVENT: BinlogDecoder._mysql_gtid,
    E.GTID_LIST_EVENT: BinlogDecoder._gtid_list,
    E.HEARTBEAT_EVENT: BinlogDecoder._heartbeat,
    E.ANNOTATE_ROWS_EVENT: BinlogDecoder._annotate,
    E.ROWS_QUERY_EVENT: BinlogDecoder._annotate,
    E.TABLE_MAP_EVENT: BinlogDecoder._table_map,
}
