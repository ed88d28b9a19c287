"""ORM queries compiled to SQL once per process, then run with new values.

Building and compiling a Django query with the visibility subqueries and a related-post
ranking costs several times more CPU than running it. A ``Statement`` builds its query once
per database vendor and shape (the length of each list value) with *stand-ins* for the values
that vary (negative numbers no real parameter takes: they stand for ids), finds them among the
compiled parameters, and at each run puts the real values in their places. Rows come back
through the ORM's own converters (dates as aware datetimes on SQLite too).

Queries must not depend on the moment they are built: use the database's clock (``Now()``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

_STAND_IN_BASE = -(2**52)  # far from any real parameter (ids, flags, positions, offsets)


class Statement:
    """``build(**values)`` (a ``values_list`` queryset) compiled once per vendor and shape.

    ``run(**values)`` returns the rows as tuples, in ``values_list`` order. A value is an int
    or a sequence of ints; each distinct length of a sequence is compiled once.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self._compile = functools.lru_cache(maxsize=256)(self._compiled)

    def run(self, **values: int | Sequence[int]) -> list[tuple]:
        shape = tuple(
            (name, None if isinstance(value, int) else len(value))
            for name, value in sorted(values.items())
        )
        sql, template, converters = self._compile(connection.vendor, shape)
        params = [
            constant if slot is None else _value(values[slot[0]], slot[1])
            for constant, slot in template
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [_convert(row, converters) for row in rows]
        return rows

    def _compiled(self, vendor: str, shape: tuple) -> tuple[str, tuple, list]:
        numbers = itertools.count(1)
        kwargs: dict[str, Any] = {}
        slots: dict[int, tuple[str, int | None]] = {}
        for name, length in shape:
            if length is None:
                kwargs[name] = stand_in = _STAND_IN_BASE - next(numbers)
                slots[stand_in] = (name, None)
            else:
                kwargs[name] = []
                for index in range(length):
                    stand_in = _STAND_IN_BASE - next(numbers)
                    kwargs[name].append(stand_in)
                    slots[stand_in] = (name, index)
        queryset = self.build(**kwargs)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        # (constant, None) or (None, (name, index)) for each parameter.
        template = tuple(
            (None, slots[param]) if _is_stand_in(param, slots) else (param, None)
            for param in params
        )
        found = {slot for _, slot in template if slot is not None}
        if found != set(slots.values()):  # a value the ORM transformed: it cannot be swapped
            raise ValueError(f"{self.build.__name__}: values not found as SQL parameters")
        columns = [column for column, _, _ in compiler.select]
        converters = [
            (index, functions, column)
            for index, (functions, column) in compiler.get_converters(columns).items()
        ]
        return sql, template, converters


def _is_stand_in(param: Any, slots: dict[int, tuple]) -> bool:
    return isinstance(param, int) and not isinstance(param, bool) and param in slots


def _value(value: int | Sequence[int], index: int | None) -> int:
    return value if index is None else value[index]


def _convert(row: tuple, converters: list) -> tuple:
    values = list(row)
    for index, functions, column in converters:
        value = values[index]
        for function in functions:
            value = function(value, column, connection)
        values[index] = value
    return tuple(values)
