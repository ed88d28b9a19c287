"""ORM queries compiled to SQL once per process, then run with new values.

Building and compiling a Django query with the visibility subqueries and a related-post
ranking costs several times more CPU than running it. A ``Statement`` builds its query once
per database vendor and shape (the length of each list value) with *stand-ins* for the values
that vary (negative numbers no real parameter takes: they stand for ids), finds them among the
compiled parameters, and at each run puts the real values in their places. Rows come back
through the ORM's own converters (dates as aware datetimes on SQLite too).

Only what does not change while the process runs may be compiled in: the schema and the
query's shape. Values that change — the clock above all — must be run-time values or the
database's own (``Now()``), so a compiled statement can never answer for another moment.
``row_fields`` and ``instances`` turn a statement's rows into model instances with their
foreign keys attached, as Django's ``ModelIterable`` would (the visible post).

On PostgreSQL a statement runs on a cursor that binds its values on the server
(``statement_cursor``), so psycopg prepares it once it has run a few times on a connection:
PostgreSQL then plans it once per connection instead of at every run (planning was a third
of a cold news detail's database time). ``DB_PREPARED_STATEMENTS=false`` turns this off, for
a pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet

# Far from any real parameter (ids, flags, positions, offsets), yet within a 32-bit integer's
# range: Django compiles an exact lookup of an out-of-range integer to "no rows".
_STAND_IN_BASE = -2_000_000_000


class Statement:
    """``build(**values)`` (a ``values_list`` queryset) compiled once per vendor and shape.

    ``run(**values)`` returns the rows as tuples, in ``values_list`` order. A value is an int,
    a str (used as it is: an exact lookup such as ``url_path=``) or a sequence of ints, which
    must be used as a set (an ``__in`` lookup): it is padded to the next of a few lengths by
    repeating its last id (``padded``), and each length is compiled once. Few shapes, few
    statements: on PostgreSQL each is prepared and planned once per connection — one
    statement per list length (1 to 20 missing cards of a listing) was prepared too rarely to
    be, and planning it took three times as long as running it.

    ``around(sql, params, values)``, if given, returns SQL (and its parameters) that selects
    the compiled query's columns in the same order from a statement around it — what the ORM
    cannot say, such as a join to an aggregate (``news.related``). It receives the stand-ins
    as ``values`` and must pass them as parameters, never in the SQL text.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        around: Callable[[str, list, dict[str, Any]], tuple[str, list]] | None = None,
    ) -> None:
        self.build = build
        self.around = around
        self._compile = functools.lru_cache(maxsize=256)(self._compiled)

    def run(self, **values: int | str | Sequence[int]) -> list[tuple]:
        values = {
            name: value if _scalar_kind(value) else padded(value) for name, value in values.items()
        }
        shape = tuple(
            (name, _scalar_kind(value) or len(value)) for name, value in sorted(values.items())
        )
        sql, template, converters = self._compile(connection.vendor, shape)
        params = [
            constant if slot is None else _value(values[slot[0]], slot[1])
            for constant, slot in template
        ]
        with statement_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return convert_rows(rows, converters)

    def _compiled(self, vendor: str, shape: tuple) -> tuple[str, tuple, list]:
        numbers = itertools.count(1)
        kwargs: dict[str, Any] = {}
        slots: dict[int | str, tuple[str, int | None]] = {}
        for name, length in shape:
            if length is int or length is str:
                number = next(numbers)
                stand_in = _STAND_IN_BASE - number if length is int else _text_stand_in(number)
                kwargs[name] = stand_in
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
        if self.around is not None:
            sql, params = self.around(sql, list(params), kwargs)
        # (constant, None) or (None, (name, index)) for each parameter.
        template = tuple(
            (None, slots[param]) if _is_stand_in(param, slots) else (param, None)
            for param in params
        )
        found = {slot for _, slot in template if slot is not None}
        if found != set(slots.values()):  # a value the ORM transformed: it cannot be swapped
            raise ValueError(f"{self.build.__name__}: values not found as SQL parameters")
        return sql, template, _converters(compiler)


def compiled_rows_query(queryset: QuerySet) -> tuple[str, tuple, list]:
    """SQL, parameters and converters of a ``values_list`` queryset, for a caller that keeps
    them per process and adds SQL of its own (the listing's ``LIMIT``); ``convert_rows``
    turns its rows into what the ORM would give."""
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    return sql, tuple(params), _converters(compiler)


def convert_rows(rows: list[tuple], converters: list) -> list[tuple]:
    return [_convert(row, converters) for row in rows] if converters else rows


def _converters(compiler) -> list:
    columns = [column for column, _, _ in compiler.select]
    return [
        (index, functions, column)
        for index, (functions, column) in compiler.get_converters(columns).items()
    ]


def statement_cursor() -> CursorWrapper:
    """``connection.cursor()``, binding values on the server on PostgreSQL (see above).

    Django's own cursor binds on the client (values inlined in the SQL text, so nothing can
    be prepared); its wrapper stays, so query logging and counting see these statements too.
    """
    cursor = connection.cursor()
    prepares = connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None
    if connection.vendor == "postgresql" and prepares:
        cursor.cursor.close()
        cursor.cursor = _preparing_cursor_class()(connection.connection)
    return cursor


@functools.cache
def _preparing_cursor_class() -> type:
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin

    class PreparingCursor(CursorMixin, psycopg.RawCursor):
        """Binds on the server, the statement's text in PostgreSQL's own ``$1`` form.

        psycopg's ordinary cursor turns ``%s`` into ``$n`` at every run, and caches that only
        for statements under 4 KB and 50 parameters: the listing's card links (105
        parameters) cost 0.4 ms of parsing per run. A raw cursor takes the text as it is;
        ``numbered`` converts each statement once per process. psycopg forgets the text of
        a statement it ran by name (``_query`` is None then), which Django's query log and
        ``CaptureQueriesContext`` read: the last text seen for the same SQL is put back."""

        texts: dict[str, Any] = {}

        def execute(self, query, params=None, **kwargs):
            super().execute(numbered(query) if params is not None else query, params, **kwargs)
            if self._query is not None:
                self.texts[query] = self._query
            else:
                self._query = self.texts.get(query)
            return self

    return PreparingCursor


_PLACEHOLDER = re.compile(r"%[s%]")


@functools.lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """Django's SQL (``%s`` placeholders, ``%%`` for a percent sign) in PostgreSQL's form:
    ``$1``, ``$2`` … and ``%``. Kept per process: the API's statements are a few hundred
    texts at most (compiled shapes)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def padded(ids: Sequence[Any]) -> Sequence[Any]:
    """``ids`` at a length of 1, 2, 4, 8, 16, 32, 64 or a multiple of 64, its last id repeated
    (the same set for an ``IN`` list); an empty sequence stays empty."""
    count = len(ids)
    if count == 0:
        return ids
    length = 1 << (count - 1).bit_length() if count <= 64 else -(-count // 64) * 64
    return ids if length == count else [*ids, *[ids[-1]] * (length - count)]


def _scalar_kind(value: Any) -> type | None:
    return type(value) if type(value) in (int, str) else None


def _text_stand_in(number: int) -> str:
    return f"\x00newsroom-stand-in-{number}"


def _is_stand_in(param: Any, slots: dict[int | str, tuple]) -> bool:
    return type(param) in (int, str) and param in slots


def _value(value: int | str | Sequence[int], index: int | None) -> int | str:
    return value if index is None else value[index]


def _convert(row: tuple, converters: list) -> tuple:
    values = list(row)
    for index, functions, column in converters:
        value = values[index]
        for function in functions:
            value = function(value, column, connection)
        values[index] = value
    return tuple(values)


def row_fields(model: type[Model], related: Sequence[str] = ()) -> list[str]:
    """What ``values_list`` selects for ``Statement.instances``: every concrete field of
    ``model``, then those of each foreign key in ``related``."""
    fields = [field.attname for field in model._meta.concrete_fields]
    for name in related:
        target = model._meta.get_field(name).related_model
        fields += [f"{name}__{field.attname}" for field in target._meta.concrete_fields]
    return fields


def instances(
    model: type[Model], rows: list[list[Any]], related: Sequence[str] = (), alias: str = "default"
) -> list[Model]:
    """Rows selected with ``row_fields(model, related)`` as instances of ``model``, each with
    its ``related`` foreign keys attached (None when the key is empty)."""
    names = [field.attname for field in model._meta.concrete_fields]
    targets = [(model._meta.get_field(name), []) for name in related]
    for field, target_names in targets:
        target_names += [f.attname for f in field.related_model._meta.concrete_fields]
    result = []
    for row in rows:
        obj = model.from_db(alias, names, row[: len(names)])
        start = len(names)
        for field, target_names in targets:
            values = row[start : start + len(target_names)]
            start += len(target_names)
            pk = values[target_names.index(field.related_model._meta.pk.attname)]
            target = None
            if pk is not None:
                target = field.related_model.from_db(alias, target_names, values)
            field.set_cached_value(obj, target)
        result.append(obj)
    return result
