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
        binned = []
        for position, item in enumerate(profiles):
            if item["type"] in _NUMERIC | _TEMPORAL and item["min"] is not None:
                binned.append(position)
        if binned:
            expressions = []
            for position in binned:
                item = profiles[position]
                name = duck.quote_identifier(columns[position][0])
                numeric = _numeric_expression(name, item["type"])
                expressions.append(f"min(CASE WHEN isfinite({numeric}) THEN {numeric} END), "
                                   f"max(CASE WHEN isfinite({numeric}) THEN {numeric} END)")
            bounds = con.execute(f"SELECT {', '.join(expressions)} FROM {source}").fetchone()
            histograms = []
            plans = []
            for index, position in enumerate(binned):
                low, high = bounds[index * 2], bounds[index * 2 + 1]
                if low is None:
                    continue
                item = profiles[position]
                count = bins if high > low else 1
                if item["type"] == "integer" and high > low:
                    count = int(min(bins, high - low + 1))
                width = (high - low) / count if high > low else 1.0
                numeric = _numeric_expression(duck.quote_identifier(columns[position][0]), item["type"])
                bucket = (f"least(greatest(floor(({numeric} - {low!r}) / {width!r}), 0), {count - 1})::INTEGER")
                histograms.append(f"histogram(CASE WHEN isfinite({numeric}) THEN {bucket} END)")
                plans.append((position, low, width, count))
            if histograms:
                result = con.execute(f"SELECT {', '.join(histograms)} FROM {source}").fetchone()
                for (position, low, width, count), counts_map in zip(plans, result, strict=True):
                    item = profiles[position]
                    counts = [0] * count
                    for bucket, number in (counts_map or {}).items():
                        counts[int(bucket)] = int(number)
                    edges = [_edge(low + width * index, item["type"], item["duckdb_type"]) for index in range(count + 1)]
                    item["histogram"] = {"edges": edges, "counts": counts}

        # 3. Most frequent values of every column whose values are not nearly all different.
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
