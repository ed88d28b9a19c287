"""Read queries compiled to SQL once per process (and thread), run again with new values.

Building a Django queryset and compiling it to SQL is pure Python work that, for the queries
of one post render (visibility subqueries, joins), costs several times more than SQLite takes
to run them. A ``Statement`` is a queryset compiled once, with *placeholders* (sentinel values
whose parameter slots are found in the compiled parameters) that each execution replaces. Its
result rows are converted by Django's own converters (dates on SQLite, JSON fields…) and, for
``Statement.instances``, turned into model instances with their ``select_related``-style
foreign keys attached, as Django's ``ModelIterable`` would.

Only what does not change while the process runs may be compiled in: the schema and the
query's shape. Values that change — the clock above all — must be placeholders or the
database's own (``Now()``), so a compiled statement can never answer for another moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

_compiled = threading.local()  # per thread: each holds its own database connections


def _sentinel(kind: type, number: int) -> int | str:
    # Values no real query holds, compared by equality with the compiled parameters (a
    # field's get_prep_value turns an int subclass back into a plain int). Within a 32-bit
    # integer's range: Django compiles an out-of-range integer lookup to "no rows".
    return -2_000_000_001 - number if kind is int else f"\x00newsroom-placeholder-{number}"


class Statement:
    """``build(*placeholders)`` (a ``values_list`` queryset) compiled once per database
    alias and thread, then run with values in the placeholders' slots. ``kinds`` are the
    placeholders' types (``int`` or ``str``), used as they are in ``build``: an exact lookup
    (``pk=``, ``url_path=``), which passes its value to the database unchanged."""

    def __init__(self, name: str, build: Callable[..., QuerySet], kinds: Sequence[type]) -> None:
        self.name = name
        self.build = build
        self.placeholders = tuple(_sentinel(kind, number) for number, kind in enumerate(kinds))

    def _compiled(self, alias: str) -> tuple[Any, str, list, list[int | None], dict]:
        cache = getattr(_compiled, "statements", None)
        if cache is None:
            cache = _compiled.statements = {}
        key = (self.name, alias, connections[alias].vendor)
        found = cache.get(key)
        if found is None:
            compiler = self.build(*self.placeholders).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = [self._slot(param) for param in params]
            if sorted(slot for slot in slots if slot is not None) != list(
                range(len(self.placeholders))
            ):
                raise ValueError(f"{self.name}: a placeholder is not a parameter of its own")
            columns = [select[0] for select in compiler.select[: compiler.col_count]]
            found = (compiler, sql, list(params), slots, compiler.get_converters(columns))
            cache[key] = found
        return found

    def _slot(self, param: Any) -> int | None:
        if type(param) not in (int, str):
            return None
        for number, placeholder in enumerate(self.placeholders):
            if type(param) is type(placeholder) and param == placeholder:
                return number
        return None

    def run(self, *values: Any, alias: str = "default") -> list[list[Any]]:
        """The converted rows for these placeholder values."""
        compiler, sql, params, slots, converters = self._compiled(alias)
        given = [
            param if slot is None else values[slot]
            for param, slot in zip(params, slots, strict=True)
        ]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, given)
            rows = cursor.fetchall()
        if converters:
            return list(compiler.apply_converters(rows, converters))
        return [list(row) for row in rows]


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
