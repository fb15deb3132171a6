"""Row shapes as cursor mixins: rows as dicts, JSON columns decoded (see cursors.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .constants import FIELD_TYPE
from .protocol.results import Column
from .result import Result


class DictCursorMixin:
    """Rows as dicts keyed by column name (``table.column`` where names repeat).

    Set ``dict_type`` in a subclass to get rows of another mapping type (it is called
    with an iterable of (key, value) pairs, like ``dict``).
    """

    dict_type: Any = dict

    def _convert_rows(self, result: Result) -> Sequence[Any]:
        # Other mixins (DeserializationCursorMixin) work on tuples: let them run first,
        # whatever order the classes were mixed in.
        rows = super()._convert_rows(result)  # type: ignore[misc]
        keys = self._keys(result)
        make = self.dict_type
        return [make(zip(keys, row, strict=False)) for row in rows]

    def _keys(self, result: Result) -> list[str]:
        assert result.columns is not None
        keys: list[str] = []
        seen: set[str] = set()
        for column in result.columns:
            name = column.name
            if name in seen:
                name = f"{column.table_name}.{name}"
            seen.add(name)
            keys.append(name)
        return keys


class DeserializationCursorMixin:
    """Values of JSON columns decoded to Python objects with ``json.loads``.

    A column counts as JSON when the server reports the JSON type (MySQL 5.7+). MariaDB
    reports its JSON columns as LONGTEXT, so there they stay ``str``. A value that is
    not valid JSON is left as the server sent it, as aiomysql does.
    """

    def _convert_rows(self, result: Result) -> Sequence[Any]:
        assert result.columns is not None and result.rows is not None
        indexes = [i for i, c in enumerate(result.columns) if _is_json(c)]
        if indexes:
            result.rows = [_loads_columns(row, indexes) for row in result.rows]
        return super()._convert_rows(result)  # type: ignore[misc, no-any-return]


def _is_json(column: Column) -> bool:
    """MySQL's JSON type, or MariaDB's JSON alias as its extended metadata reports it."""
    return column.type_code == FIELD_TYPE.JSON or column.type_format == "json"


def _loads_columns(row: tuple[Any, ...], indexes: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in indexes:
        value = values[i]
        if value is not None:
            try:
                values[i] = json.loads(value)
            except ValueError:
                pass
    return tuple(values)
