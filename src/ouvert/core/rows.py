"""Model instances from one short statement written out by hand, for the few paths where the ORM's
compiling — or ``raw()``'s work at each call (matching the cursor's columns to the model's fields, finding
the converters) — costs more than the query itself: the API token check and the support of a proposal
(``bench/consult.py``: about 0.3 ms of processor per statement saved).

``columns(Model, "a")`` gives the select list of every concrete column of ``Model`` under the alias ``a``,
in the order ``instance(Model, row, start)`` reads them back; the values go through the same converters
as the ORM's (dates on SQLite, JSON, …), worked out once per model and database.

``update_many(objects, fields)`` writes ``fields`` of many instances of one model with one ``UPDATE … WHERE
pk = %s`` statement run for each (``executemany``): what ``QuerySet.bulk_update`` does with a ``CASE WHEN``
per field and row, whose compiling costs about 20 ms per row and field set (``bench/science.py``: the
verdicts of 1,000 publications, 20 s → under 1 s)."""

from __future__ import annotations

from django.db import connection

_SHAPES: dict = {}
_COLUMNS: dict = {}


def _shape(model) -> tuple[list[str], list[tuple[int, tuple, object]]]:
    key = (model, connection.vendor)
    shape = _SHAPES.get(key)
    if shape is None:
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = tuple(connection.ops.get_db_converters(column)) + tuple(field.get_db_converters(connection))
            if found:
                converters.append((index, found, column))
        shape = _SHAPES[key] = ([field.attname for field in fields], converters)
    return shape


def table(model) -> str:
    """The quoted name of ``model``'s table."""
    return connection.ops.quote_name(model._meta.db_table)


def one(sql: str, params: list):
    """The first row of ``sql``, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def columns(model, alias: str = "") -> str:
    """``alias."col1", alias."col2", …``: every concrete column of ``model`` (unqualified without alias,
    as a ``RETURNING`` list needs)."""
    key = (model, alias, connection.vendor)
    found = _COLUMNS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        prefix = f"{alias}." if alias else ""
        found = _COLUMNS[key] = ", ".join(f"{prefix}{quote(field.column)}" for field in model._meta.concrete_fields)
    return found


def instance(model, row, start: int = 0):
    """``(the instance of model read from row[start:], the index just after its columns)``."""
    names, converters = _shape(model)
    end = start + len(names)
    values = list(row[start:end])
    for index, found, column in converters:
        value = values[index]
        for converter in found:
            value = converter(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, names, values), end


def update_many(objects, fields: list[str]) -> int:
    """Write ``fields`` (names of concrete fields) of every instance in ``objects`` (one model, saved
    already), values prepared as ``save()`` prepares them; returns how many instances were written."""
    objects = list(objects)
    if not objects:
        return 0
    meta = type(objects[0])._meta
    chosen = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {table(type(objects[0]))} SET "
           + ", ".join(f"{quote(field.column)} = %s" for field in chosen)
           + f" WHERE {quote(meta.pk.column)} = %s")
    params = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in chosen] + [obj.pk]
              for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(objects)
