"""Column profile of a Parquet file: type, nulls, distinct count, min/max, mean, top values,
histogram — computed by DuckDB in a few passes (one aggregate query for every column, one
histogram query for every number and date column, then one small query per column for its
most frequent values). Pure: no Django model, no database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
from pathlib import Path
from typing import Any

import duckdb

from . import duck
from .ingest import table_schema_type

#: Tables up to this many rows get an exact distinct count; larger ones HyperLogLog's estimate
#: (``approx_count_distinct``, HyperLogLog: a few per cent off, up to about 10 %), and
#: ``distinct_approximate`` says so.
EXACT_DISTINCT_ROWS = 1_000_000
#: Top values are listed for every column except those whose values are nearly all different
#: (more than this many distinct values, and at least 90 % of the non-null values: identifiers,
#: measurements, free text), where every count would be 1.
LOW_CARDINALITY = 100

_NUMERIC = {"integer", "number"}
_TEMPORAL = {"date", "datetime"}


def _json_value(value: Any) -> Any:
    """A value JSON can hold: dates and times as ISO strings, decimals as numbers, no NaN."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _numeric_expression(column: str, kind: str) -> str:
    """The column as a DOUBLE on which to cut equal-width bins (dates: days, times: seconds)."""
    if kind == "date":
        return f"CAST(date_diff('day', DATE '1970-01-01', {column}) AS DOUBLE)"
    if kind == "datetime":
        return f"CAST(epoch({column}) AS DOUBLE)"
    return f"CAST({column} AS DOUBLE)"


def _bin_bound(value: Any, kind: str) -> float | None:
    """A column's finite extreme as the number ``_numeric_expression`` gives (dates: days since
    1970-01-01, date-times: seconds), or None (no finite value)."""
    if value is None:
        return None
    if kind == "date" and isinstance(value, dt.date):
        return float((value - dt.date(1970, 1, 1)).days)
    if kind == "datetime" and isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None) - (value.utcoffset() or dt.timedelta())
        return (naive - dt.datetime(1970, 1, 1)).total_seconds()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _edge(value: float, kind: str, duckdb_type: str) -> Any:
    if kind == "date":
        return (dt.date(1970, 1, 1) + dt.timedelta(days=value)).isoformat()
    if kind == "datetime":
        return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=value)).isoformat()
    value = float(f"{value:.12g}")  # no floating-point noise such as 468.59999999999997
    if kind == "integer" and value.is_integer():
        return int(value)
    return value


def profile(parquet_path: str | os.PathLike, *, top: int = 10, bins: int = 20,
            con: duckdb.DuckDBPyConnection | None = None) -> list[dict]:
    """Profile every column of a Parquet file.

    Each column gives ``name``, ``type`` (Table Schema), ``duckdb_type``, ``count`` (rows),
    ``nulls``, ``distinct`` (non-null distinct values; ``distinct_approximate`` is true when it
    is HyperLogLog's estimate), ``min``, ``max``, ``mean`` (numbers), ``top`` (``[{"value",
    "count"}]``, most frequent first, ties by value) and ``histogram`` (``{"edges", "counts"}``,
    ``bins`` equal-width bins, for numbers and dates; ``len(edges) == len(counts) + 1``).
    """
    own = con is None
    con = con or duck.connect()
    try:
        source = f"read_parquet({duck.quote_literal(str(Path(parquet_path)))})"
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [(name, kind) for name, kind, *_rest in described]
        rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
        if not columns:
            return []
        approximate = rows > EXACT_DISTINCT_ROWS
        profiles = [{"name": name, "type": table_schema_type(kind), "duckdb_type": kind, "count": rows,
                     "nulls": rows, "distinct": 0, "distinct_approximate": approximate, "min": None, "max": None,
                     "mean": None, "top": [], "histogram": None} for name, kind in columns]
        if rows == 0:
            return profiles

        # 1. One pass: non-null count, distinct count, min, max, mean of every column.
        selects = []
        for name, kind in columns:
            column = duck.quote_identifier(name)
            ts_type = table_schema_type(kind)
            comparable = ts_type != "string" or kind.upper() == "VARCHAR"
            value = column if comparable else f"CAST({column} AS VARCHAR)"
            distinct = f"approx_count_distinct({value})" if approximate else f"count(DISTINCT {value})"
            mean = f"avg({column})" if ts_type in _NUMERIC else "NULL"
            if ts_type in _NUMERIC and kind.upper() in {"DOUBLE", "FLOAT"}:
                finite = f"CASE WHEN isfinite({column}) THEN {column} END"
                extremes = f"min({finite}), max({finite})"
                mean = f"avg({finite})"
            else:
                extremes = f"min({value}), max({value})"
            selects.append(f"count({column}), {distinct}, {extremes}, {mean}")
        summary = con.execute(f"SELECT {', '.join(selects)} FROM {source}").fetchone()
        for position, item in enumerate(profiles):
            count, distinct, low, high, mean = summary[position * 5:position * 5 + 5]
            item["nulls"] = rows - count
            item["distinct"] = int(distinct or 0)
            item["min"], item["max"] = _json_value(low), _json_value(high)
            item["mean"] = _json_value(mean) if item["type"] in _NUMERIC else None

        # 2. One pass: equal-width histograms of every number and date column.
        # Histograms: equal-width bins between the column's finite extremes (from the summary), one
        # GROUP BY per column (DuckDB's histogram() aggregate over every column at once is 3× slower).
        for position, item in enumerate(profiles):
            if item["type"] not in _NUMERIC | _TEMPORAL:
                continue
            low, high = _bin_bound(summary[position * 5 + 2], item["type"]), _bin_bound(summary[position * 5 + 3], item["type"])
            if low is None or high is None:
                continue
            count = bins if high > low else 1
            if item["type"] == "integer" and high > low:
                count = int(min(bins, high - low + 1))
            width = (high - low) / count if high > low else 1.0
            numeric = _numeric_expression(duck.quote_identifier(columns[position][0]), item["type"])
            bucket = f"least(greatest(floor(({numeric} - {low!r}) / {width!r}), 0), {count - 1})::INTEGER"
            counts = [0] * count
            for index, number in con.execute(
                    f"SELECT {bucket} AS b, count(*) FROM {source} WHERE isfinite({numeric}) GROUP BY b").fetchall():
                counts[int(index)] = int(number)
            edges = [_edge(low + width * index, item["type"], item["duckdb_type"]) for index in range(count + 1)]
            item["histogram"] = {"edges": edges, "counts": counts}

        for position, (name, kind) in enumerate(columns):
            item = profiles[position]
            non_null = rows - item["nulls"]
            if non_null == 0 or top <= 0:
                continue
            if item["distinct"] > LOW_CARDINALITY and item["distinct"] >= 0.9 * non_null:
                continue
            column = duck.quote_identifier(name)
            value = column if item["type"] != "string" or kind.upper() == "VARCHAR" else f"CAST({column} AS VARCHAR)"
            found = con.execute(
                f"SELECT {value} AS v, count(*) AS n FROM {source} WHERE {column} IS NOT NULL "
                f"GROUP BY v ORDER BY n DESC, v LIMIT {int(top)}").fetchall()
            item["top"] = [{"value": _json_value(found_value), "count": int(number)} for found_value, number in found]
        return profiles
    finally:
        if own:
            con.close()
