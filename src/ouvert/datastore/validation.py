"""Validation of a table against a Table Schema, column-wise in DuckDB, with Frictionless' error
codes, positions and counts.

:func:`validate` checks a raw CSV/TSV file (structural errors need the raw rows) and
:func:`validate_parquet` a Parquet file produced by the ingestion; both return a :class:`Report`
whose ``counts`` per error code are those ``frictionless validate`` (5.18, no error limit) finds on
the same input, and whose ``errors`` are the first ``limit_errors`` of them in Frictionless' order
(row by row; in a row: cell errors field by field, extra cells, missing cells — or the blank row
alone —, then unique, primary-key and foreign-key errors).

How (no Python loop over the rows):

1. DuckDB reads the file in parallel, every cell as VARCHAR, in ``strict_mode``: the records with
   the usual number of cells become rows (in file order); the others — more or fewer cells,
   quotes DuckDB refuses — land in its rejects table, with their record number and text, and
   Python's csv module (Frictionless' reader) reads them, so their cells are exactly
   Frictionless'. Empty lines, which DuckDB skips, are found by counting lines (a byte scan
   only when some are missing) and put back into the row numbering.
2. The same pass types every field with SQL: a fast path (``TRY_CAST``, an RE2 expression)
   decides the usual forms; the values it leaves undecided — invalid values and rare forms — are
   read afterwards, once per distinct value, by the field's Python reader
   (:meth:`schema.Field.reader`, Frictionless' rules). Each cell gets a bit mask: type error, or
   one bit per constraint violated (required, minLength, maxLength, pattern, enum, minimum,
   maximum). Only the records with an error keep their cells' text.
3. ``unique`` and ``primaryKey`` come from ``GROUP BY … HAVING COUNT(*) > 1`` (the duplicated rows
   then get the row of the previous occurrence with a window), foreign keys from an anti-join on
   the referenced values (this resource, or another one the caller resolves with ``foreign``),
   the errors listed from one ``ORDER BY … LIMIT`` over the error kinds.

Known departures from Frictionless (values that almost never occur in real files): numbers are
compared as DOUBLE (Frictionless: Decimal) for minimum/maximum/enum/unique; integers beyond
±9.2·10¹⁸ are accepted but not compared; times and datetimes with a time zone are compared (and
found equal) as their UTC value, also to values without one (Python never finds those equal); the
``cells`` of each error (the whole row) are not given; empty lines are found in LF and CRLF files
(not in files ending lines with CR alone); Frictionless' sniffer may guess ``skipInitialSpace``
(spaces after delimiters dropped) on a sample, this validation reads cells as written. A
``pattern`` uses RE2 unless it has a construct RE2 lacks or reads differently (``\\d``, ``\\w``,
look-arounds…), then Python's ``re``.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import mmap
import os
import re
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import duck
from .schema import INVALID, TYPE_CONSTRAINTS, Field, GeoPoint, Schema, YearMonth, parse

DEFAULT_LIMIT_ERRORS = 1000
#: What DuckDB reads as NULL: a text no cell holds, so empty cells read ``''``.
_NULL_TEXT = "\x01\x02ouvert:null\x02\x01"

ProgressCallback = Callable[[int, int], Any]

ERROR_TITLES = {
    "type-error": gettext_noop("Erreur de type"),
    "constraint-error": gettext_noop("Contrainte non respectée"),
    "unique-error": gettext_noop("Valeur non unique"),
    "primary-key": gettext_noop("Clé primaire"),
    "foreign-key": gettext_noop("Clé étrangère"),
    "missing-cell": gettext_noop("Cellule manquante"),
    "extra-cell": gettext_noop("Cellule en trop"),
    "blank-row": gettext_noop("Ligne vide"),
    "duplicate-label": gettext_noop("Étiquette répétée"),
    "missing-label": gettext_noop("Étiquette manquante"),
    "extra-label": gettext_noop("Étiquette en trop"),
    "blank-label": gettext_noop("Étiquette vide"),
    "incorrect-label": gettext_noop("Étiquette incorrecte"),
    "source-error": gettext_noop("Source illisible"),
    "encoding-error": gettext_noop("Erreur d'encodage"),
    "resource-error": gettext_noop("Ressource introuvable"),
    "format-error": gettext_noop("Format non pris en charge"),
}


def _title(code: str) -> str:
    return _(ERROR_TITLES.get(code, code))


# --- results -------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Report:
    """The result of a validation. ``errors``: the first ``limit_errors`` errors (dicts shaped like
    Frictionless' errors: ``type``, ``title``, ``message``, ``note``, ``rowNumber``, ``fieldNumber``,
    ``fieldName``, ``cell``, ``label``…); ``counts``: every error counted by code (never capped);
    ``stats``: ``errors`` (the total), ``rows`` (data rows), ``fields``, ``seconds``."""

    valid: bool
    stats: dict
    errors: list[dict]
    counts: dict[str, int]
    labels: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    place: str = ""
    name: str = ""
    format: str = "csv"

    @property
    def partial(self) -> bool:
        """True when ``errors`` lists fewer errors than were found."""
        return len(self.errors) < self.stats.get("errors", 0)

    def as_dict(self) -> dict:
        """A JSON-ready report shaped like Frictionless' (``valid``, ``stats``, ``warnings``,
        ``errors``, ``tasks`` with one task), plus ``counts`` per code."""
        task = {
            "name": self.name, "type": "table", "valid": self.valid, "place": self.place, "format": self.format,
            "labels": list(self.labels), "stats": dict(self.stats), "warnings": list(self.warnings),
            "errors": [dict(error) for error in self.errors], "counts": dict(self.counts),
        }
        return {
            "valid": self.valid,
            "stats": {"tasks": 1, "errors": self.stats.get("errors", 0), "warnings": len(self.warnings),
                      "seconds": self.stats.get("seconds", 0)},
            "warnings": list(self.warnings), "errors": [], "tasks": [task], "counts": dict(self.counts),
        }


@dataclasses.dataclass
class Dialect:
    """How to read a CSV file (what ``ingest.detect`` finds). ``header_row`` is the number of the
    record holding the labels (1 = the first); ``header=False``: no header, data from row 1."""

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str | None = '"'
    encoding: str = "utf-8"
    header: bool = True
    header_row: int = 1

    @classmethod
    def coerce(cls, value: Any, path: Path | None = None) -> Dialect:
        """A Dialect from a Dialect, an ``ingest.SourceInfo`` (or its dict), a Frictionless dialect
        dict (``delimiter``, ``quoteChar``, ``header``, ``headerRows``, ``encoding``), or ``None``
        (detected by ``ingest.detect``)."""
        if isinstance(value, Dialect):
            return value
        if value is None:
            if path is None:
                return cls()
            from .ingest import IngestError, detect

            try:
                value = detect(path)
            except IngestError:
                return cls()
        if not isinstance(value, dict):
            value = value.as_dict() if hasattr(value, "as_dict") else dict(vars(value))
        dialect = cls()
        delimiter = value.get("delimiter")
        if delimiter:
            dialect.delimiter = delimiter
        quote = value.get("quotechar", value.get("quoteChar"))
        if quote:
            dialect.quotechar = quote
            dialect.escapechar = quote
        escape = value.get("escapechar", value.get("escapeChar"))
        if escape:
            dialect.escapechar = escape
        if value.get("encoding"):
            dialect.encoding = value["encoding"]
        if isinstance(value.get("csv"), dict):  # Frictionless 5 nests the CSV options
            value = {**value, **value["csv"]}
        if isinstance(value.get("has_header"), bool):
            dialect.header = value["has_header"]
        elif isinstance(value.get("header"), bool):
            dialect.header = value["header"]
        rows = value.get("headerRows")
        if isinstance(rows, list) and rows:
            dialect.header_row = int(rows[-1])
        elif value.get("skip_lines"):
            dialect.header_row = int(value["skip_lines"]) + 1
        return dialect


@dataclasses.dataclass
class Reference:
    """The resource a foreign key points to, as the caller resolves it: a CSV or Parquet file and
    its schema (without a schema, Parquet columns keep their types and CSV cells are text)."""

    path: str | os.PathLike
    schema: Schema | dict | None = None
    dialect: Any = None
    name: str = ""


ForeignResolver = Callable[[str], "Reference | None"]


class _Failure(Exception):
    """A source that cannot be read at all: reported as one error of ``code``."""

    def __init__(self, code: str, note: str):
        super().__init__(note)
        self.code = code
        self.note = note


# --- SQL of one field ----------------------------------------------------------------------------------

def _balanced(operator: str, terms: list[str], empty: str) -> str:
    """``a op b op c …`` as a balanced tree of parentheses: thousands of columns stay under DuckDB's
    expression depth limit."""
    if not terms:
        return empty
    if len(terms) == 1:
        return f"({terms[0]})"
    middle = len(terms) // 2
    return f"({_balanced(operator, terms[:middle], empty)} {operator} {_balanced(operator, terms[middle:], empty)})"


def _lit(value: str) -> str:
    return duck.quote_literal(value)


def _in_list(values: list[str]) -> str:
    """A SQL list literal, for ``list_contains`` (an ``IN`` list may become a join, which loses the
    file's row order)."""
    return "[" + ", ".join(_lit(value) for value in values) + "]"


_VALUE_TYPES = {
    "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "datetime": "TIMESTAMP",
    "time": "TIME", "year": "INTEGER", "yearmonth": "BIGINT",
}
_FAMILIES = {"integer": "number", "number": "number", "year": "number", "string": "string", "any": "string"}

# strptime directives the fast path reads as fixed-width digits (the rest: Python's reader).
_FIXED_DIRECTIVES = {"Y": "[0-9]{4}", "m": "[0-9]{2}", "d": "[0-9]{2}", "H": "[0-9]{2}", "M": "[0-9]{2}",
                     "S": "[0-9]{2}"}
_DATE_RE2 = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME_RE2 = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
# Two digits (TRY_CAST then checks the ranges: a simple RE2 is much faster than alternatives).
# Hours, minutes and seconds bounded: DuckDB takes 24:00:00 (Python's midnight of the next day) and 60 s.
_TWO_DIGITS = {"m": "[0-9]{2}", "d": "[0-9]{2}", "H": "([01][0-9]|2[0-3])", "M": "[0-5][0-9]", "S": "[0-5][0-9]"}


def _format_regex(fmt: str) -> str | None:
    """An RE2 expression matching the zero-padded values of a strptime format, or None."""
    out, index = [], 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            if index + 1 >= len(fmt):
                return None
            directive = fmt[index + 1]
            if directive == "%":
                out.append("%")
            elif directive in _FIXED_DIRECTIVES:
                out.append(_FIXED_DIRECTIVES[directive])
            else:
                return None
            index += 2
            continue
        if char.isspace() or char.isalnum() and not char.isascii():
            return None
        out.append(re.escape(char))
        index += 1
    return "".join(out)


def _fixed_format(fmt: str, kind: str) -> tuple[str, list[tuple[int, int, str]]] | None:
    """For a strptime format of zero-padded %Y %m %d %H %M %S and literal characters holding what
    the type needs: (RE2 of its values, how to build the ISO text: (start, length, literal))."""
    needed = {"date": "Ymd", "datetime": "YmdHMS", "time": "HMS"}[kind]
    found: dict[str, int] = {}
    regex, position, index = [], 1, 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%" and index + 1 < len(fmt) and fmt[index + 1] in "YmdHMS" and fmt[index + 1] not in found:
            directive = fmt[index + 1]
            found[directive] = position
            regex.append("[0-9]{4}" if directive == "Y" else _TWO_DIGITS[directive])
            position += 4 if directive == "Y" else 2
            index += 2
            continue
        if char == "%" or not (char.isascii() and char.isprintable()) or char.isspace():
            return None
        regex.append(re.escape(char))
        position += 1
        index += 1
    if set(found) != set(needed):
        return None
    parts: list[tuple[int, int, str]] = []
    if "Y" in needed:
        parts += [(found["Y"], 4, ""), (0, 0, "-"), (found["m"], 2, ""), (0, 0, "-"), (found["d"], 2, "")]
    if "H" in needed:
        if parts:
            parts.append((0, 0, " "))
        parts += [(found["H"], 2, ""), (0, 0, ":"), (found["M"], 2, ""), (0, 0, ":"), (found["S"], 2, "")]
    return "".join(regex), parts


def _canonical(field: Field, value: Any) -> str | None:
    """The text DuckDB casts to the field's value type (or compares as text)."""
    kind = field.type
    if kind == "number":
        if isinstance(value, Decimal):
            if value.is_nan():
                return "nan"
            if value.is_infinite():
                return "-inf" if value < 0 else "inf"
        return str(value)
    if kind in ("integer", "year"):
        return str(int(value))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(tzinfo=None).isoformat()
    if kind == "time":
        return value.replace(tzinfo=None).isoformat()
    if kind == "yearmonth":
        return str(value.year * 12 + value.month - 1) if isinstance(value, YearMonth) else None
    if kind in ("object", "array", "geojson"):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    if kind == "geopoint":
        if isinstance(value, GeoPoint):
            return f"{Decimal(value.lon).normalize()},{Decimal(value.lat).normalize()}"
        return None
    if kind == "duration":
        years, months, delta = value
        return f"{Decimal(years).normalize()}|{Decimal(months).normalize()}|{delta.total_seconds()!r}"
    return value if isinstance(value, str) else None


def _python_pattern_only(pattern: str) -> bool:
    """True when RE2 would read ``pattern`` otherwise than Python's ``re`` (or cannot read it)."""
    if re.search(r"\(\?[=!<]|\(\?P=|\[\[:|\\[0-9]", pattern):
        return True
    for match in re.finditer(r"\\(.)", pattern):
        if match.group(1).isalnum() and match.group(1) not in "tnr":
            return True
    return False


class _FieldSQL:
    """The SQL of one field: null test, fast path, value, constraint checks."""

    def __init__(self, field: Field, position: int, con: duckdb.DuckDBPyConnection, native_type: str | None = None):
        self.field = field
        self.position = position  # 1-based
        self.kind = field.type
        self.native = native_type  # a Parquet column's type when not text
        self.value_type = _VALUE_TYPES.get(self.kind, "VARCHAR")
        self.reader = field.reader()
        self.con = con

    # -- null ------------------------------------------------------------------------------------------
    def null_sql(self, cell: str) -> str:
        values = self.field.missing_values
        if self.native:
            if not values or values == [""]:
                return f"({cell} IS NULL)"
            return f"({cell} IS NULL OR list_contains({_in_list(values)}, CAST({cell} AS VARCHAR)))"
        if not values:
            return f"({cell} IS NULL)"
        if values == [""]:
            return f"({cell} IS NULL OR {cell} = '')"
        return f"({cell} IS NULL OR list_contains({_in_list(values)}, {cell}))"

    # -- typing ----------------------------------------------------------------------------------------
    def fast_value(self, cell: str) -> str | None:
        """SQL of the value of a cell when SQL alone surely reads it as Frictionless does (the usual
        forms), NULL for the other values (left to Python's reader); None: no fast path."""
        kind, fmt, field = self.kind, self.field.format, self.field

        def guarded(regex: str, value: str, extra: str = "") -> str:
            return f"CASE WHEN regexp_full_match({cell}, {_lit(regex)}){extra} THEN {value} END"

        if kind == "integer":
            return guarded("[+-]?[0-9]{1,18}", f"CAST({cell} AS BIGINT)")
        if kind == "number":
            processed = bool({"bareNumber", "decimalChar", "groupChar"} & set(field.descriptor))
            if not processed:
                # DuckDB reads as DOUBLE what Decimal reads (same value), except "+-1"
                return f"CASE WHEN NOT contains({cell}, '+-') THEN TRY_CAST({cell} AS DOUBLE) END"
            text = cell
            if field.group_char:
                text = f"replace({text}, {_lit(field.group_char)}, '')"
            guard = f"NOT contains({text}, '+-')"
            if field.decimal_char != ".":
                guard = f"NOT contains({text}, '.') AND {guard}"
                text = f"replace({text}, {_lit(field.decimal_char)}, '.')"
            if field.bare_number:
                return f"CASE WHEN {guard} THEN TRY_CAST({text} AS DOUBLE) END"
            regex = r"-?[0-9]+(\.[0-9]+)?"
            return f"CASE WHEN {guard}regexp_full_match({text}, {_lit(regex)}) THEN CAST({text} AS DOUBLE) END"
        if kind == "year":
            return guarded("[0-9]{4}", f"CAST({cell} AS INTEGER)")
        if kind == "yearmonth":
            return guarded("[0-9]{4}-(0[1-9]|1[0-2])",
                           f"(CAST(substr({cell}, 1, 4) AS BIGINT) * 12 + CAST(substr({cell}, 6, 2) AS BIGINT) - 1)")
        if kind not in ("date", "datetime", "time") or fmt == "any":
            return None
        # Dates and datetimes: DuckDB reads year 0 (1 BC), Python does not; values before year 1
        # are left to Python's reader (see ``floor``).
        if fmt == "default":
            fmt = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "time": "%H:%M:%S"}[kind]
            if kind == "datetime":  # dateutil's isoparse takes any one character between date and time
                return guarded(_DATE_RE2 + "[T ]" + _TIME_RE2, f"TRY_CAST({cell} AS TIMESTAMP)")
        plan = _fixed_format(fmt, kind)
        if plan is not None and fmt in ("%Y-%m-%d", "%H:%M:%S"):  # ISO: DuckDB's cast
            return guarded(plan[0], f"TRY_CAST({cell} AS {self.value_type})")
        regex = plan[0] if plan is not None else _format_regex(fmt)
        if regex is None:
            return None
        # The zero-padded forms: DuckDB's strptime reads them as Python's does.
        return guarded(regex, f"CAST(try_strptime({cell}, {_lit(fmt)}) AS {self.value_type})")

    @property
    def floor(self) -> str | None:
        """SQL of the smallest value the fast path may leave to SQL (DuckDB has year 0)."""
        if self.kind in ("date", "datetime") and self.field.format != "any":
            return f"CAST('0001-01-01' AS {self.value_type})"
        return None

    def exact_sql(self, cell: str) -> str | None:
        """The value when SQL alone reads every value exactly (NULL = type error)."""
        if self.kind == "boolean":
            false, true = self.field.false_values, self.field.true_values
            parts = []
            if false:
                parts.append(f"WHEN list_contains({_in_list(false)}, {cell}) THEN false")
            if true:
                parts.append(f"WHEN list_contains({_in_list(true)}, {cell}) THEN true")
            if not parts:
                return "CAST(NULL AS BOOLEAN)"
            return f"(CASE {' '.join(parts)} END)"
        return None

    def native_sql(self, cell: str) -> tuple[str, str] | None:
        """(valid, value) for a typed Parquet column, as Frictionless reads native values; None:
        read the column's text instead."""
        native, kind = (self.native or "").upper(), self.kind
        integer = native in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                             "UINTEGER", "UBIGINT", "UHUGEINT"}
        floating = native in {"FLOAT", "DOUBLE", "REAL"} or native.startswith("DECIMAL")
        if kind in ("string", "any"):
            return None
        if kind == "integer":
            if integer:
                return "true", f"TRY_CAST({cell} AS BIGINT)"
            if floating:
                return (f"(isfinite(CAST({cell} AS DOUBLE)) AND {cell} = round({cell}))",
                        f"TRY_CAST({cell} AS BIGINT)")
            return None if native == "VARCHAR" else ("false", "CAST(NULL AS BIGINT)")
        if kind == "number":
            if integer or floating:
                return "true", f"CAST({cell} AS DOUBLE)"
            return None if native == "VARCHAR" else ("false", "CAST(NULL AS DOUBLE)")
        if kind == "boolean":
            if native == "BOOLEAN":
                return "true", cell
            return None if native == "VARCHAR" else ("false", "CAST(NULL AS BOOLEAN)")
        if kind == "date":
            if native == "DATE":
                return "true", cell
            if native.startswith("TIMESTAMP"):
                return f"(CAST({cell} AS TIME) = TIME '00:00:00')", f"CAST({cell} AS DATE)"
        if kind == "datetime" and native.startswith("TIMESTAMP"):
            return "true", f"CAST({cell} AS TIMESTAMP)"
        if kind == "time" and native.startswith("TIME") and not native.startswith("TIMESTAMP"):
            return "true", f"CAST({cell} AS TIME)"
        if kind == "year" and integer:
            return f"({cell} BETWEEN 0 AND 9999)", f"CAST({cell} AS INTEGER)"
        if native == "VARCHAR" or native == "":
            return None
        return "false", f"CAST(NULL AS {self.value_type})"

    @property
    def python_pattern(self) -> re.Pattern | None:
        """The compiled pattern when RE2 cannot check it as Python's ``re`` does (else None)."""
        pattern = self.field.constraints.get("pattern") if self.kind == "string" else None
        if pattern is None:
            return None
        if self._re2_pattern(pattern) is not None:
            return None
        return re.compile(f"^{pattern}$")

    def read_pending(self, text: str) -> tuple[str | None, bool | None]:
        """(canonical value or None for a type error, pattern matched) of a value the SQL left
        undecided, read by the field's Python reader."""
        try:
            value = self.reader(text)
            canonical = None if value is INVALID else _canonical(self.field, value)
        except Exception:
            canonical = None
        matched = None
        compiled = self.python_pattern
        if compiled is not None and canonical is not None:
            matched = bool(compiled.match(text))
        return canonical, matched

    # -- constraints -------------------------------------------------------------------------------------
    def literal(self, value: Any) -> str | None:
        """A constraint value read by the field's reader, as a SQL literal of the value type."""
        read = self.reader(value)
        if read is INVALID:
            return None
        text = _canonical(self.field, read)
        if text is None:
            return None
        if self.value_type == "VARCHAR":
            return _lit(text)
        return f"CAST({_lit(text)} AS {self.value_type})"

    def violations(self, value: str, pattern_ok: str | None = None) -> list[tuple[int, str]]:
        """(bit, SQL true when violated) per constraint other than ``required``, for a value that is
        not null and read without type error. ``pattern_ok``: the SQL of the Python pattern's
        result, for a pattern RE2 does not check."""
        out = []
        constraints = self.field.constraints
        order = TYPE_CONSTRAINTS[self.kind]
        for index, name in enumerate(order):
            if name == "required" or constraints.get(name) is None:
                continue
            bit = 1 << (index + 1)
            setting = constraints[name]
            if name in ("minLength", "maxLength"):
                if self.kind == "array":
                    length = f"json_array_length({value})"
                elif self.kind == "object":
                    length = f"len(json_keys({value}))"
                else:
                    length = f"length({value})"
                operator = "<" if name == "minLength" else ">"
                out.append((bit, f"({length} {operator} {int(setting)})"))
            elif name == "pattern":
                translated = self._re2_pattern(setting)
                if translated is not None:
                    out.append((bit, f"NOT regexp_matches({value}, {_lit(translated)})"))
                elif pattern_ok is not None:
                    out.append((bit, f"NOT {pattern_ok}"))
            elif name == "enum":
                if self.kind in ("string", "any"):
                    allowed = [item for item in setting if isinstance(item, str)]
                    literals = [_lit(item) for item in allowed]
                else:
                    literals = [literal for literal in (self.literal(item) for item in setting) if literal]
                if literals:
                    nan = f" OR isnan({value})" if self.value_type == "DOUBLE" else ""
                    out.append((bit, f"(NOT list_contains([{', '.join(literals)}], {value}){nan})"))
                else:
                    out.append((bit, "true"))
            elif name in ("minimum", "maximum"):
                literal = self.literal(setting)
                if literal is None:
                    continue
                operator = "<" if name == "minimum" else ">"
                nan = f" OR isnan({value})" if self.value_type == "DOUBLE" else ""
                out.append((bit, f"({value} {operator} {literal}{nan})"))
        return out

    def _re2_pattern(self, pattern: str) -> str | None:
        """The RE2 expression checking ``pattern`` as Frictionless does (``re.match("^" + pattern +
        "$")``: anchored at the start; "$" also matches before a final newline), or None."""
        if _python_pattern_only(pattern):
            return None
        translated = r"\A(?:^" + pattern + r"(?:\n?\z))"
        try:
            self.con.execute(f"SELECT regexp_matches('', {_lit(translated)})")
        except duckdb.Error:
            return None
        return translated


# --- reading the source --------------------------------------------------------------------------------

def _duckdb_encoding(path: Path, encoding: str) -> tuple[Path, str, Path | None]:
    """(file to read, DuckDB encoding, temporary file to delete). DuckDB reads UTF-8 and Latin-1;
    Windows-1252 is read as Latin-1 when it has no byte 0x80-0x9F, else (and for any other
    encoding) the file is transcoded to UTF-8 in a temporary file, by chunks."""
    name = codecs.lookup(encoding or "utf-8").name
    if name in ("utf-8", "utf-8-sig", "ascii"):
        return path, "utf-8", None
    if name == "iso8859-1":
        return path, "latin-1", None
    if name == "cp1252" and not _has_c1_bytes(path):
        return path, "latin-1", None
    directory = duck.temp_directory()
    handle, temp = tempfile.mkstemp(prefix="validate-", suffix=".csv", dir=str(directory))
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            while chunk := source.read(8 * 1024 * 1024):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        os.unlink(temp)
        raise _Failure("encoding-error", _("Le fichier n'est pas lisible dans l'encodage %(encoding)s : %(error)s")
                       % {"encoding": encoding, "error": exc.reason}) from None
    except BaseException:
        os.unlink(temp)
        raise
    return Path(temp), "utf-8", Path(temp)


def _has_c1_bytes(path: Path) -> bool:
    pattern = re.compile(rb"[\x80-\x9f]")
    with open(path, "rb") as source:
        while chunk := source.read(8 * 1024 * 1024):
            if pattern.search(chunk):
                return True
    return False


def _blank_lines(path: Path) -> list[int]:
    """Physical line numbers (1-based) of the empty lines of a file (LF or CRLF endings): lines
    DuckDB skips and Python's csv module reads as empty records."""
    size = path.stat().st_size
    if size == 0:
        return []
    lines: list[int] = []
    with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 3 if data[:3] == codecs.BOM_UTF8 else 0
        if data[start:start + 1] == b"\n" or data[start:start + 2] == b"\r\n":
            lines.append(1)
        found = []
        for needle in (b"\n\n", b"\n\r\n"):
            position = data.find(needle, start)
            while position != -1:
                found.append(position)
                position = data.find(needle, position + 1)
        if not found:
            return lines
        found.sort()
        count, last = 0, start
        for position in found:
            count += data[last:position + 1].count(b"\n")
            last = position + 1
            lines.append(count + 1)  # the line after the newline at ``position`` is empty
    return sorted(set(lines))


def _python_records(path: Path, encoding: str, dialect: Dialect, count: int) -> list[list[str]]:
    """The first ``count`` records of a CSV file as Python's csv module reads them (Frictionless'
    reader): the header and the usual number of cells."""
    python_encoding = "utf-8-sig" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    text, size = [], 0
    with open(path, encoding=python_encoding, errors="replace", newline="") as handle:
        while size < 4 * 1024 * 1024:
            chunk = handle.read(256 * 1024)
            if not chunk:
                break
            text.append(chunk)
            size += len(chunk)
            if "".join(text[-2:]).count("\n") > count and len(_parse_records("".join(text), dialect, count + 1)) > count:
                break
    return _parse_records("".join(text), dialect, count)


# --- the validation --------------------------------------------------------------------------------------

class _Table:
    """The typed table of one source in a DuckDB connection: one row per record, with per field
    the error bits (``e``: NULL none, 1 type error, else one bit per constraint violated; -1 while
    Python's reader has not decided), the text of the cells in error (``x``) and, for the fields
    of ``unique``/keys, the typed value (``v``); per row ``nf`` (cells in the record), ``extra``
    (the cells past the schema's fields), ``blank`` and ``r`` (the row number, for rows read by
    Python; the others are numbered from their position)."""

    def __init__(self, con, schema: Schema, name: str = "t"):
        self.con = con
        self.schema = schema
        self.name = name
        self.fields = [_FieldSQL(field, position, con) for position, field in enumerate(schema.fields, start=1)]
        self.labels: list[str] = []
        self.header_row = 1  # rows numbered up to this one are not data
        self.rn = "rowid + 1"  # the Frictionless row number of a record read by DuckDB (in file order)
        self.extra_blanks: list[int] = []  # row numbers of the empty lines (blank rows)
        self.keep_values: set[int] = set()  # positions whose typed values are stored (unique, keys)
        self.pending: list[_FieldSQL] = []
        self.python_rows = 0  # records DuckDB rejected and Python's csv read

    def field_sql(self, position: int) -> _FieldSQL:
        return self.fields[position - 1]

    # -- typing ------------------------------------------------------------------------------------------
    def _typed_select(self, source_sql: str, column: Callable[[int], str], passthrough: dict[str, str]) -> str:
        """The SELECT typing every field of ``source_sql``, in layers each computed once: cells (c),
        null (n), value when SQL decides it (w; ok for typed Parquet columns), error bits (e), then
        one row per record: ``k``, ``r``, the kept values ``v<i>``, and — only for the records
        with an error or a value left to Python — ``e`` (bits per field), ``x`` (the cells' text),
        ``nf``, ``extra``, ``blank``."""
        n = len(self.fields)
        layer0 = [f"{column(item.position)} AS c{item.position}" for item in self.fields]
        layer0 += [f"{sql} AS {name}" for name, sql in passthrough.items()]
        names = list(passthrough)
        layer1, layer2 = [], []
        self.pending = []
        kept_names = []
        for item in self.fields:
            i = item.position
            cell, null, value = f"c{i}", f"n{i}", f"w{i}"
            native = item.native_sql(cell) if item.native else None
            text = cell if not item.native else f"CAST({cell} AS VARCHAR)"
            layer1 += [cell, f"{item.null_sql(cell)} AS {null}"]
            order = TYPE_CONSTRAINTS[item.kind]
            required = str(1 << (order.index("required") + 1)) if item.field.required else "NULL"
            if native is not None:
                valid, typed = native
                layer1 += [f"CASE WHEN {valid} THEN {typed} END AS {value}", f"coalesce({valid}, false) AS ok{i}"]
                decide = f"WHEN NOT ok{i} THEN 1"
            elif item.kind in ("string", "any") and (item.kind == "any" or item.field.format == "default"):
                value = text
                decide = ""
            elif item.kind == "boolean":
                layer1.append(f"{item.exact_sql(text)} AS {value}")
                decide = f"WHEN {value} IS NULL THEN 1"
            else:
                fast = item.fast_value(text)
                if fast is None:
                    value = f"CAST(NULL AS {item.value_type})"
                    decide = "WHEN true THEN -1"
                else:
                    layer1.append(f"{fast} AS {value}")
                    floor = f" OR {value} < {item.floor}" if item.floor else ""
                    decide = f"WHEN {value} IS NULL{floor} THEN -1"
            if native is None and item.python_pattern is not None:
                decide = "WHEN true THEN -1"
            if decide.endswith("-1"):
                self.pending.append(item)
            sums = " + ".join(f"(CASE WHEN {sql} THEN {bit} ELSE 0 END)" for bit, sql in item.violations(value))
            on_value = f"NULLIF({sums}, 0)" if sums else "NULL"
            layer2 += [f"CAST(CASE WHEN {null} THEN {required} {decide} ELSE {on_value} END AS SMALLINT) AS e{i}", cell]
            if i in self.keep_values:
                layer2.append(f"CASE WHEN {null} THEN NULL ELSE {value} END AS v{i}")
                kept_names.append(f"v{i}")
        blank = _balanced("AND", [f"n{item.position}" for item in self.fields], "true")
        errors = _balanced("OR", [f"e{item.position} IS NOT NULL" for item in self.fields], "false")
        layer1 += names
        layer2 += names + [f"({blank}) AS blank"]
        bits = ", ".join(f"e{item.position}" for item in self.fields)
        texts = ", ".join(f"CASE WHEN e{item.position} IS NOT NULL THEN CAST(c{item.position} AS VARCHAR) END"
                          for item in self.fields)
        layer3 = ["r"] + kept_names + [f"(blank OR nf <> {n} OR {errors}) AS err"] + [
            f"e{item.position}" for item in self.fields] + [f"c{item.position}" for item in self.fields] + [
            "nf", "extra", "blank"]
        layer4 = ["r"] + kept_names + [
            f"CASE WHEN err THEN CAST([{bits}] AS SMALLINT[]) END AS e",
            f"CASE WHEN err THEN CAST([{texts}] AS VARCHAR[]) END AS x",
            "CASE WHEN err THEN nf END AS nf", "CASE WHEN err THEN extra END AS extra",
            "CASE WHEN err THEN blank END AS blank"]
        sql = f"SELECT {', '.join(layer0)} FROM {source_sql}"
        for layer in (layer1, layer2, layer3, layer4):
            sql = f"SELECT {', '.join(layer)} FROM ({sql})"
        return sql

    def resolve_pending(self) -> None:
        """Reads the values the SQL left undecided (bits -1) with the fields' Python readers, once
        per distinct value, and sets their error bits (and kept values)."""
        n = len(self.fields)
        for item in self.pending:
            i = item.position
            texts = [row[0] for row in self.con.execute(
                f"SELECT DISTINCT x[{i}] FROM {self.name} WHERE e[{i}] = -1").fetchall()]
            if not texts:
                continue
            handle, temp = tempfile.mkstemp(prefix="validate-", suffix=".jsonl", dir=str(duck.temp_directory()))
            lookup = f"{self.name}_lk{i}"
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    for text in texts:
                        canonical, matched = item.read_pending(text)
                        out.write(json.dumps({"t": text, "c": canonical, "p": matched}, ensure_ascii=False) + "\n")
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {lookup} AS SELECT * FROM read_json({_lit(temp)}, "
                                 "format='newline_delimited', columns={'t': 'VARCHAR', 'c': 'VARCHAR', 'p': 'BOOLEAN'})")
            finally:
                os.unlink(temp)
            value = f"TRY_CAST(lk.c AS {item.value_type})"
            sums = " + ".join(f"(CASE WHEN {sql} THEN {bit} ELSE 0 END)"
                              for bit, sql in item.violations(value, pattern_ok="lk.p"))
            bits = f"CAST(CASE WHEN lk.c IS NULL THEN 1 ELSE {f'NULLIF({sums}, 0)' if sums else 'NULL'} END AS SMALLINT)"
            before = f"{self.name}.e[1:{i - 1}]" if i > 1 else "CAST([] AS SMALLINT[])"
            after = f"{self.name}.e[{i + 1}:]" if i < n else "CAST([] AS SMALLINT[])"
            kept = f", v{i} = {value}" if i in self.keep_values else ""
            # An updated row moves (its rowid changes): its row number goes into r first.
            kept += f", r = {self.rn_sql(self.name)}"
            self.con.execute(f"UPDATE {self.name} SET e = list_concat({before}, [{bits}], {after}){kept} "
                             f"FROM {lookup} lk WHERE {self.name}.e[{i}] = -1 AND {self.name}.x[{i}] = lk.t")
            self.con.execute(f"DROP TABLE {lookup}")

    # -- CSV ---------------------------------------------------------------------------------------------
    def load_csv(self, path: Path, dialect: Dialect) -> None:
        read_path, encoding, temp = _duckdb_encoding(path, dialect.encoding)
        try:
            self._load_csv(read_path, encoding, dialect)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)

    def _load_csv(self, path: Path, encoding: str, dialect: Dialect) -> None:
        """DuckDB reads every record in one parallel pass: rows shorter than the columns read are
        padded with NULL (present cells read ``''``: the null string is one no cell holds, so the
        number of cells of a record is the count of its non-NULL cells); spare columns catch the
        longer ones. Records DuckDB refuses (more cells than columns read, quotes it does not
        accept) go to its rejects table and Python's csv module reads them. A record filling
        every column may have had one more, empty, cell that DuckDB drops (a trailing
        delimiter): then the file is read again with more columns."""
        n = len(self.fields)
        h = dialect.header_row if dialect.header else 0
        self.header_row = h
        sample = _python_records(path, encoding, dialect, h + 500)
        if h and len(sample) >= h:
            self.labels = ["" if cell is None else str(cell).strip() for cell in sample[h - 1]]
        widest = max([len(record) for record in sample] + [len(self.labels), n, 1])
        _check_width(widest)
        width = widest + 2
        escape = dialect.escapechar if dialect.escapechar is not None else (dialect.quotechar or "")
        parallel, attempt, line_size = True, 0, 0
        while True:
            attempt += 1
            rejects = f"{self.name}_rejects{attempt}"
            columns = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(1, width + 1)) + "}"
            source = (f"read_csv({_lit(str(path))}, columns={columns}, header=false, auto_detect=false, "
                      f"delim={_lit(dialect.delimiter)}, quote={_lit(dialect.quotechar or '')}, escape={_lit(escape)}, "
                      f"strict_mode=true, null_padding=true, ignore_errors=true, store_rejects=true, "
                      f"rejects_table={_lit(rejects)}, rejects_scan={_lit(rejects + '_scan')}, "
                      f"nullstr={_lit(_NULL_TEXT)}, parallel={'true' if parallel else 'false'}, "
                      f"encoding={_lit(encoding)}"
                      + (f", max_line_size={line_size}, buffer_size={max(2 * line_size, 32 * 1024 * 1024)}"
                         if line_size else "") + ")")
            # Padding is trailing: the cells of a record end at its last non-NULL one (the CASE stops
            # at the first WHEN that holds, after a few on every row).
            count = ("CASE " + " ".join(f"WHEN c{j} IS NOT NULL THEN {j}" for j in range(width, 0, -1))
                     + " ELSE 0 END")
            extra = (f"CASE WHEN c{n + 1} IS NOT NULL THEN [{', '.join(f'c{j}' for j in range(n + 1, width + 1))}] END"
                     if width > n else "CAST(NULL AS VARCHAR[])")
            # A parallel CREATE TABLE keeps the file's order (rowid) as long as no operator reorders
            # rows (no join: IN lists are written with list_contains).
            passthrough = {"nf": count, "extra": extra, "r": "CAST(NULL AS BIGINT)"}
            select = self._typed_select(source, lambda i: f"c{i}", passthrough)
            try:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name} AS {select}")
            except duckdb.Error as exc:
                message = str(exc)
                if parallel and "parallel" in message.lower():
                    parallel = False  # values spanning lines: DuckDB pads rows on one thread only
                    continue
                if "unicode" in message.lower() or "encoding" in message.lower():
                    raise _Failure("encoding-error", _("Le fichier contient des octets invalides dans l'encodage "
                                                       "%(encoding)s.") % {"encoding": encoding}) from None
                if isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException)):
                    # DuckDB's reader gave up on this file (it happens on odd mixes of quotes and line
                    # endings): Python's csv module reads it all.
                    self._python_read_all(path, encoding, dialect)
                    return
                raise
            longest = self.con.execute(
                f"SELECT max(TRY_CAST(regexp_extract(error_message, 'Actual Size: ?([0-9]+)', 1) AS BIGINT)) "
                f"FROM {rejects} WHERE error_type = 'LINE SIZE OVER MAXIMUM'").fetchone()[0]
            if longest and not line_size:
                line_size = int(longest) + 1024  # lines longer than DuckDB's 2 MB: read again with room
                continue
            full = self.con.execute(f"SELECT count(*) FROM {self.name} WHERE nf >= {width}").fetchone()[0]
            if not full:
                break
            width = max(width * 2, _line_width(self.con, path, encoding, dialect.delimiter) + 2)
            _check_width(width - 2)
        self._check_encoding(rejects)
        good = self.con.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0]
        rejected = self._python_read(rejects, dialect, n)
        # Empty lines: DuckDB skips them. When every physical line is a record there are none.
        blanks = [] if _physical_lines(path) == good + sum(rejected.values()) else _blank_lines(path)
        if rejected or blanks:
            self._number_rows(path, source, good, rejected, blanks, width)
        self._drop_header()
        self.resolve_pending()

    def _check_encoding(self, rejects: str) -> None:
        bad = self.con.execute(f"SELECT min(line) FROM {rejects} WHERE error_type = 'INVALID ENCODING' "
                               f"OR error_type ILIKE '%unicode%'").fetchone()[0]
        if bad is not None:
            raise _Failure("encoding-error", _("Le fichier contient des octets invalides pour son encodage (ligne "
                                               "%(line)d) : indiquez le bon encodage ou réenregistrez-le en UTF-8.")
                           % {"line": bad})

    def _drop_header(self) -> None:
        """The rows up to the header (the header included) are not data."""
        if self.header_row:
            self.con.execute(f"DELETE FROM {self.name} WHERE (rowid < {self.header_row} OR r IS NOT NULL) "
                             f"AND {self.rn_sql()} <= {self.header_row}")

    def _python_read(self, rejects: str, dialect: Dialect, n: int) -> dict[int, int]:
        """The records DuckDB rejected (another number of cells, quotes it refuses…), read from
        their text by Python's csv module and typed like the others; returns {row: lines}."""
        rows = self.con.execute(f"SELECT line, any_value(csv_line) FROM {rejects} GROUP BY line ORDER BY line").fetchall()
        if not rows:
            return {}
        spans: dict[int, int] = {}

        def records():
            for line, text in rows:
                text = (text or "").lstrip("\r\n")
                spans[int(line)] = 1 + text.count("\n")
                parsed = _parse_records(text, dialect, 1)
                yield int(line), parsed[0] if parsed else []

        self._insert_records(records(), n, create=False)
        self.python_rows = len(rows)
        return spans

    def _insert_records(self, records, n: int, *, create: bool) -> None:
        """Types records read by Python (``(row number, cells)``) with the same SQL as DuckDB's rows
        (through a JSON Lines file) and adds them to the table (or creates it)."""
        handle, temp = tempfile.mkstemp(prefix="validate-", suffix=".jsonl", dir=str(duck.temp_directory()))
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                for number, cells in records:
                    out.write(json.dumps({"r": number, "nf": len(cells), "c": cells}, ensure_ascii=False) + "\n")
            source = (f"read_json({_lit(temp)}, format='newline_delimited', "
                      "columns={'r': 'BIGINT', 'nf': 'INTEGER', 'c': 'VARCHAR[]'})")
            passthrough = {"nf": "nf", "extra": f"CASE WHEN nf > {n} THEN c[{n + 1}:] END", "r": "r"}
            select = self._typed_select(source, lambda i: f"c[{i}]", passthrough)
            if create:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name} AS {select}")
            else:
                self.con.execute(f"INSERT INTO {self.name} {select}")
        finally:
            os.unlink(temp)

    def _python_read_all(self, path: Path, encoding: str, dialect: Dialect) -> None:
        """The whole file read by Python's csv module, when DuckDB's reader fails on it (slower,
        same result): every record keeps its row number, empty lines are empty records."""
        python_encoding = "utf-8-sig" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
        escape = None if dialect.escapechar in (None, dialect.quotechar) else dialect.escapechar
        n = len(self.fields)
        try:
            with open(path, encoding=python_encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar=dialect.quotechar or '"',
                                    doublequote=escape is None, escapechar=escape, strict=False)
                self._insert_records(enumerate(reader, start=1), n, create=True)
        except UnicodeDecodeError as exc:
            raise _Failure("encoding-error", _("Le fichier n'est pas lisible dans l'encodage %(encoding)s : "
                                               "%(error)s") % {"encoding": encoding, "error": exc.reason}) from None
        except csv.Error as exc:
            raise _Failure("source-error", _("Le fichier n'a pas pu être lu comme un CSV : %(error)s")
                           % {"error": exc}) from None
        self.python_rows = self.con.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0]
        self._drop_header()
        self.resolve_pending()

    def _number_rows(self, path: Path, source: str, good: int, rejected: dict[int, int], blanks: list[int],
                     width: int) -> None:
        """Row numbers as Python's csv module counts records. DuckDB numbers the records it rejects
        that way; the others are its rows in order, between the rejected records and the empty
        lines (found as physical lines: mapped to records through each record's line count)."""
        multi: dict[int, int] = {}
        if blanks:
            lines = _physical_lines(path)
            if lines != good + sum(rejected.values()) + len(blanks):
                newline = _balanced("+", [f"coalesce(length(c{j}) - length(replace(c{j}, chr(10), '')), 0)"
                                          for j in range(1, width + 1)], "0")
                multi = dict(self.con.execute(
                    f"SELECT g, nl FROM (SELECT row_number() OVER () - 1 AS g, 1 + {newline} AS nl FROM "
                    f"{source.replace(self.name + '_rejects', self.name + '_rejects2')}) WHERE nl > 1").fetchall())
        steps, blank_rows = _walk_records(good, rejected, blanks, multi)
        self.extra_blanks = blank_rows
        if not steps:
            return
        if len(steps) <= 64:
            cases = " ".join(f"WHEN rowid >= {g} THEN {offset}" for g, offset in reversed(steps))
            self.rn = f"(rowid + 1 + CASE {cases} ELSE 0 END)"
            return
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name}_steps AS SELECT * FROM (VALUES "
                         + ", ".join(f"({g}, {offset})" for g, offset in steps) + ") AS s(g, off)")
        self.con.execute(f"UPDATE {self.name} SET r = s.g + 1 + s.off FROM (SELECT t.rowid AS g, s.off FROM "
                         f"{self.name} t ASOF JOIN {self.name}_steps s ON t.rowid >= s.g WHERE t.r IS NULL) s "
                         f"WHERE {self.name}.rowid = s.g")

    # -- Parquet -------------------------------------------------------------------------------------------
    def load_parquet(self, path: Path) -> None:
        described = self.con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                     [str(path)]).fetchall()
        self.labels = [name for name, _kind in described]
        width, n = len(described), len(self.fields)
        _check_width(max(width, n))
        for item in self.fields:
            if item.position <= width:
                kind = described[item.position - 1][1]
                item.native = None if kind == "VARCHAR" else kind
        names = [duck.quote_identifier(name) for name, _kind in described]
        extra = (f"[{', '.join(f'CAST({names[j - 1]} AS VARCHAR)' for j in range(n + 1, width + 1))}]"
                 if width > n else "CAST(NULL AS VARCHAR[])")
        select = self._typed_select(f"read_parquet({_lit(str(path))})",
                                    lambda i: names[i - 1] if i <= width else "CAST(NULL AS VARCHAR)",
                                    {"nf": str(width), "extra": extra, "r": "CAST(NULL AS BIGINT)"})
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name} AS {select}")
        self.header_row = 1
        self.rn = "rowid + 2"  # the column names stand for the header, row 1
        self.resolve_pending()

    # -- reading ----------------------------------------------------------------------------------------
    def rn_sql(self, table: str = "") -> str:
        """The row number of a row of the table: ``r`` when set, else from its position (rowid)."""
        prefix = f"{table}." if table else ""
        return f"coalesce({prefix}r, {self.rn.replace('rowid', prefix + 'rowid')})"

    @property
    def view(self) -> str:
        return f"(SELECT {self.rn_sql()} AS rn, * FROM {self.name})"


def _walk_records(good: int, rejected: dict[int, int], blanks: list[int],
                  multi: dict[int, int]) -> tuple[list[tuple[int, int]], list[int]]:
    """Numbers the records: DuckDB's rows (``good`` of them, in order; ``multi``: the lines of
    those spanning several), the rejected records (their numbers and lines known) and the empty
    physical lines ``blanks`` (those inside a record's span are not records). Returns the steps
    ``(row index, offset)`` (row index i is record i + 1 + offset from that index on) and the
    record numbers of the empty lines."""
    steps: list[tuple[int, int]] = []
    blank_rows: list[int] = []
    rejected_numbers = sorted(rejected)
    multi_rows = sorted(multi)
    r, p, g, ri, bi, mi = 1, 1, 0, 0, 0, 0
    offset = 0
    while True:
        while bi < len(blanks) and blanks[bi] < p:
            bi += 1  # inside a record spanning several lines
        if ri < len(rejected_numbers) and rejected_numbers[ri] == r:
            p += rejected[r]
            r += 1
            ri += 1
            continue
        if bi < len(blanks) and blanks[bi] == p:
            blank_rows.append(r)
            r += 1
            p += 1
            bi += 1
            continue
        if g >= good:
            if ri < len(rejected_numbers):  # numbering out of step: count the rest as they come
                r = rejected_numbers[ri]
                continue
            break
        if r - (g + 1) != offset:
            offset = r - (g + 1)
            steps.append((g, offset))
        while mi < len(multi_rows) and multi_rows[mi] < g:
            mi += 1
        if mi < len(multi_rows) and multi_rows[mi] == g:
            p += multi[g]
            r += 1
            g += 1
            continue
        run = good - g
        if ri < len(rejected_numbers):
            run = min(run, rejected_numbers[ri] - r)
        if bi < len(blanks):
            run = min(run, blanks[bi] - p)
        if mi < len(multi_rows):
            run = min(run, multi_rows[mi] - g)
        run = max(run, 1)
        r += run
        p += run
        g += run
    return steps, blank_rows


def _check_width(columns: int) -> None:
    """The widest table validated: the ingestion's limit (``OUVERT_DATASTORE_MAX_COLUMNS``)."""
    limit = int(getattr(settings, "OUVERT_DATASTORE_MAX_COLUMNS", 1000) or 1000)
    if columns > limit:
        raise _Failure("source-error", _("Le tableau compte %(count)d colonnes ; la limite est de %(limit)d.")
                       % {"count": columns, "limit": limit})


def _line_width(con, path: Path, encoding: str, delimiter: str) -> int:
    """An upper bound of the cells per physical line (delimiters + 1, quotes ignored)."""
    value = con.execute(
        f"SELECT max(length(l) - length(replace(l, {_lit(delimiter)}, ''))) + 1 FROM read_csv({_lit(str(path))}, "
        "columns={'l': 'VARCHAR'}, header=false, auto_detect=false, delim='\x02\x03\x02\x03', quote='', "
        f"escape='', strict_mode=false, encoding={_lit(encoding)})").fetchone()[0]
    return int(value or 1)


def _physical_lines(path: Path) -> int:
    count, last = 0, b""
    with open(path, "rb") as source:
        while chunk := source.read(8 * 1024 * 1024):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (1 if last and last != b"\n" else 0)


def _parse_records(text: str, dialect: Dialect, count: int | None = None) -> list[list[str]]:
    """Records of a CSV text as Python's csv module reads them (Frictionless' reader)."""
    escape = None if dialect.escapechar in (None, dialect.quotechar) else dialect.escapechar
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar or '"', doublequote=escape is None, escapechar=escape,
                        strict=False)
    records = []
    try:
        for record in reader:
            records.append(record)
            if count is not None and len(records) >= count:
                break
    except csv.Error:
        pass
    return records


def _short(text: str | None, size: int = 200) -> str:
    """A cell's text for a message (the error's ``cell`` keeps it whole)."""
    text = "" if text is None else str(text)
    return text if len(text) <= size else text[:size] + "…"


def _position_note(position: int) -> str:
    return _("la même qu'à la ligne %(row)d") % {"row": position}


class _Validation:
    def __init__(self, schema: Schema, *, limit_errors: int | None, foreign: ForeignResolver | None,
                 progress: ProgressCallback | None):
        self.schema = schema
        self.limit = limit_errors if limit_errors and limit_errors > 0 else None
        self.foreign = foreign
        self.progress = progress
        self.steps, self.done = 6, 0
        self.counts: dict[str, int] = {}
        self.errors: list[tuple] = []  # (sort key, error dict)
        self.warnings: list[str] = []
        self.checked_foreign_keys: list[int] = []  # foreign keys looked up (in Frictionless' order)
        self.unique_duplicates: dict[int, tuple] = {}  # field position: (count, rows) of unique-errors

    def step(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(min(self.done, self.steps), self.steps)

    def count(self, code: str, number: int) -> None:
        if number:
            self.counts[code] = self.counts.get(code, 0) + int(number)

    def add(self, key: tuple, error: dict) -> None:
        self.errors.append((key, error))

    # -- header ------------------------------------------------------------------------------------------
    def header_errors(self, labels: list[str], header_row: int) -> None:
        if not labels:
            return
        fields = self.schema.fields
        rows = [header_row]
        order = 0

        def label_error(code, message, note, label, field_name, number):
            nonlocal order
            order += 1
            self.count(code, 1)
            self.add((0, order), {"type": code, "title": _title(code), "message": message, "note": note,
                                  "labels": list(labels), "rowNumbers": rows, "label": label,
                                  "fieldName": field_name, "fieldNumber": number})

        for number in range(len(fields) + 1, len(labels) + 1):
            label = labels[number - 1]
            label_error("extra-label", _("L'en-tête a une étiquette en trop, « %(label)s », à la position %(n)d : le "
                                         "schéma n'a pas de champ à cette position.") % {"label": label, "n": number},
                        "", label, "", number)
        for number in range(len(labels) + 1, len(fields) + 1):
            name = fields[number - 1].name
            label_error("missing-label", _("L'en-tête n'a pas d'étiquette pour le champ « %(name)s » (position %(n)d).")
                        % {"name": name, "n": number}, "", "", name, number)
        for number, (field, label) in enumerate(zip(fields, labels, strict=False), start=1):
            if not label:
                label_error("blank-label", _("L'étiquette de la colonne %(n)d de l'en-tête est vide (champ « %(name)s »).")
                            % {"n": number, "name": field.name}, "", "", field.name, number)
                continue
            previous = [str(seen) for seen, other in enumerate(labels[:number - 1], start=1) if other == label]
            if previous:
                note = _("à la position %(positions)s") % {"positions": ", ".join(previous)}
                label_error("duplicate-label", _("L'étiquette « %(label)s » (position %(n)d) répète celle de la position "
                                                 "%(positions)s.") % {"label": label, "n": number,
                                                                      "positions": ", ".join(previous)},
                            note, label, field.name, number)
                continue
            if field.name != label.replace("\n", " ").strip():
                label_error("incorrect-label", _("L'étiquette « %(label)s » (position %(n)d) ne correspond pas au nom du "
                                                 "champ « %(name)s » du schéma.") % {"label": label, "n": number,
                                                                                     "name": field.name},
                            "", label, field.name, number)

    # -- rows -------------------------------------------------------------------------------------------
    def row_errors(self, table: _Table) -> int:
        """Counts and lists the cell, structure, unique, primary-key and foreign-key errors; returns
        the number of data rows."""
        con, name = table.con, table.name
        n = len(table.fields)
        rn = table.rn_sql()
        # The cells in error, one row each (the records without error have no ``e``).
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_cells AS SELECT rn, pos, bits, cell FROM (SELECT {rn} AS rn, "
                    f"unnest(e) AS bits, unnest(x) AS cell, generate_subscripts(e, 1) AS pos FROM {name} "
                    f"WHERE e IS NOT NULL AND NOT blank) WHERE bits IS NOT NULL")
        rows, blank_rows, extra, missing = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE blank), coalesce(sum(nf - {n}) FILTER (WHERE NOT blank AND nf > {n}), 0), "
            f"coalesce(sum({n} - nf) FILTER (WHERE NOT blank AND nf < {n}), 0) FROM {name}").fetchone()
        types, constraints = con.execute(f"SELECT count(*) FILTER (WHERE bits = 1), coalesce(sum(bit_count(bits)) "
                                         f"FILTER (WHERE bits > 1), 0) FROM {name}_cells").fetchone()
        blank_lines = [number for number in table.extra_blanks if number > table.header_row]
        self.count("blank-row", blank_rows + len(blank_lines))
        self.count("extra-cell", extra)
        self.count("missing-cell", missing)
        self.count("type-error", types)
        self.count("constraint-error", constraints)
        self.step()
        self._list_row_errors(table, blank_lines)
        self.step()
        self._unique_errors(table)
        self._primary_key_errors(table, blank_lines)
        self.step()
        self._foreign_key_errors(table)
        self.step()
        return rows + len(blank_lines)

    def _limit_sql(self) -> str:
        return f" LIMIT {self.limit}" if self.limit else ""

    def _list_row_errors(self, table: _Table, blank_lines: list[int]) -> None:
        con, name, fields = table.con, table.name, table.fields
        n = len(fields)
        rn = table.rn_sql()
        sql = (f"SELECT rn, 1 AS grp, pos, bits, cell, 0 AS nf, NULL AS extra FROM {name}_cells "
               f"UNION ALL SELECT {rn}, 1, 0, 0, NULL, 0, NULL FROM {name} WHERE blank "
               f"UNION ALL SELECT {rn}, 2, {n + 1}, 0, NULL, nf, extra FROM {name} WHERE NOT blank AND nf > {n} "
               f"UNION ALL SELECT {rn}, 3, nf + 1, 0, NULL, nf, NULL FROM {name} WHERE NOT blank AND nf < {n}")
        rows = con.execute(f"SELECT * FROM ({sql}) ORDER BY rn, grp, pos{self._limit_sql()}").fetchall()
        if self.limit and len(rows) == self.limit:
            # Every error of the last row listed: the order of a row's errors is settled later.
            rows = con.execute(f"SELECT * FROM ({sql}) WHERE rn <= {rows[-1][0]} ORDER BY rn, grp, pos").fetchall()
        for number, grp, pos, bits, cell, nf, extra in rows:
            if grp == 1 and pos == 0:
                self._blank_row(number)
            elif grp == 2:
                for position in range(n + 1, nf + 1):
                    index = position - n - 1
                    value = extra[index] if extra and index < len(extra) else ""
                    self.add((number, 2, position, 0), {
                        "type": "extra-cell", "title": _title("extra-cell"),
                        "message": _("La ligne %(row)d a une valeur en trop à la position %(n)d.")
                        % {"row": number, "n": position},
                        "note": "", "rowNumber": number, "fieldNumber": position, "fieldName": "", "cell": value or ""})
            elif grp == 3:
                for position in range(pos, n + 1):
                    field_name = fields[position - 1].field.name
                    self.add((number, 3, position, 0), {
                        "type": "missing-cell", "title": _title("missing-cell"),
                        "message": _("La ligne %(row)d n'a pas de valeur pour le champ « %(name)s » (position %(n)d).")
                        % {"row": number, "name": field_name, "n": position},
                        "note": "", "rowNumber": number, "fieldNumber": position, "fieldName": field_name, "cell": ""})
            else:
                self._cell_errors(fields[pos - 1], number, bits, cell)
        for number in blank_lines[:self.limit] if self.limit else blank_lines:
            self._blank_row(number)

    def _blank_row(self, rn: int) -> None:
        self.add((rn, 1, 0, 0), {"type": "blank-row", "title": _title("blank-row"),
                                 "message": _("La ligne %(row)d est entièrement vide.") % {"row": rn},
                                 "note": "", "rowNumber": rn})

    def _cell_errors(self, item: _FieldSQL, rn: int, bits: int, cell: str | None) -> None:
        field = item.field
        text = "None" if cell is None else cell
        base = {"rowNumber": rn, "fieldNumber": item.position, "fieldName": field.name, "cell": text}
        if bits == 1:
            note = _("le type est « %(type)s/%(format)s »") % {"type": field.type, "format": field.format}
            self.add((rn, 1, item.position, 0), {
                "type": "type-error", "title": _title("type-error"),
                "message": _("Erreur de type : la valeur « %(cell)s » (ligne %(row)d, champ « %(name)s », position %(n)d) "
                             "n'est pas du type %(type)s/%(format)s.")
                % {"cell": _short(text), "row": rn, "name": field.name, "n": item.position, "type": field.type,
                   "format": field.format},
                "note": note, **base})
            return
        for index, name in enumerate(TYPE_CONSTRAINTS[field.type]):
            if bits & (1 << (index + 1)):
                setting = field.constraints.get(name)
                shown = json.dumps(setting, ensure_ascii=False) if not isinstance(setting, str) else setting
                note = _("la contrainte « %(name)s » vaut « %(value)s »") % {"name": name, "value": shown}
                self.add((rn, 1, item.position, index + 1), {
                    "type": "constraint-error", "title": _title("constraint-error"),
                    "message": _("La valeur « %(cell)s » (ligne %(row)d, champ « %(name)s », position %(n)d) ne respecte pas "
                                 "la contrainte « %(constraint)s » (%(value)s).")
                    % {"cell": _short(text), "row": rn, "name": field.name, "n": item.position, "constraint": name,
                       "value": shown},
                    "note": note, **base})

    def _duplicates(self, table: _Table, values: list[str], skip_sql: str) -> tuple[int, list[tuple]]:
        """(count, first rows) of the rows whose ``values`` repeat an earlier row's: each such row
        with the row number of the previous occurrence and the values as text."""
        con, name = table.con, table.name
        keys = ", ".join(values)
        rn = table.rn_sql()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_dups AS SELECT {rn} AS rn, {keys} FROM {name} "
                    f"WHERE {skip_sql} AND ({keys}) IN (SELECT ({keys}) FROM {name} WHERE {skip_sql} "
                    f"GROUP BY {keys} HAVING count(*) > 1)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_prev AS SELECT rn, lag(rn) OVER (PARTITION BY {keys} "
                    f"ORDER BY rn) AS prev, {', '.join(f'CAST({value} AS VARCHAR)' for value in values)} FROM {name}_dups")
        total = con.execute(f"SELECT count(*) FROM {name}_prev WHERE prev IS NOT NULL").fetchone()[0]
        rows = con.execute(f"SELECT * FROM {name}_prev WHERE prev IS NOT NULL ORDER BY rn{self._limit_sql()}").fetchall()
        return total, rows

    def _unique_errors(self, table: _Table) -> None:
        for item in table.fields:
            if not item.field.unique:
                continue
            i = item.position
            usable = f"v{i} IS NOT NULL" + (f" AND NOT isnan(v{i})" if item.value_type == "DOUBLE" else "")
            total, rows = self._duplicates(table, [f"v{i}"], usable)
            if item.value_type != "DOUBLE":
                self.unique_duplicates[i] = (total, rows)  # the same rows for a primary key of this field
            self.count("unique-error", total)
            name = item.field.name
            for rn, prev, value in rows:
                self.add((rn, 4, i, 0), {
                    "type": "unique-error", "title": _title("unique-error"),
                    "message": _("La valeur « %(cell)s » (ligne %(row)d, champ « %(name)s », position %(n)d) doit être "
                                 "unique : elle figure déjà à la ligne %(prev)d.")
                    % {"cell": _short(value), "row": rn, "name": name, "n": i, "prev": prev},
                    "note": _position_note(prev), "rowNumber": rn, "fieldNumber": i, "fieldName": name,
                    "cell": value})

    def _key_columns(self, table: _Table, names: list[str]) -> list[_FieldSQL]:
        return [table.field_sql(self.schema.field_names.index(name) + 1) for name in names]

    def _primary_key_errors(self, table: _Table, blank_lines: list[int]) -> None:
        if not self.schema.primary_key:
            return
        con, name = table.con, table.name
        values = [f"v{item.position}" for item in self._key_columns(table, self.schema.primary_key)]
        all_null = _balanced("AND", [f"{value} IS NULL" for value in values], "true")
        empty = con.execute(f"SELECT count(*) FROM {name} WHERE {all_null}").fetchone()[0]
        positions = [int(value[1:]) for value in values]
        if len(positions) == 1 and positions[0] in self.unique_duplicates:
            dups, rows = self.unique_duplicates[positions[0]]
        else:
            dups, rows = self._duplicates(table, values, f"NOT ({all_null})")
        self.count("primary-key", empty + dups + len(blank_lines))
        found = [(rn, None) for (rn,) in con.execute(
            f"SELECT {table.rn_sql()} AS rn FROM {name} WHERE {all_null} ORDER BY rn{self._limit_sql()}").fetchall()]
        found += [(rn, prev) for rn, prev, *_values in rows]
        found += [(rn, None) for rn in blank_lines]
        for rn, prev in found:
            note = (_("les cellules de la clé primaire sont toutes vides") if prev is None else _position_note(prev))
            self.add((rn, 5, 0, 0), {
                "type": "primary-key", "title": _title("primary-key"),
                "message": _("La ligne %(row)d enfreint la clé primaire (%(fields)s) : %(note)s.")
                % {"row": rn, "fields": ", ".join(self.schema.primary_key), "note": note},
                "note": note, "rowNumber": rn})

    def _foreign_key_errors(self, table: _Table) -> None:
        con, name = table.con, table.name
        for index, fk in enumerate(self.schema.foreign_keys):
            items = self._key_columns(table, fk.fields)
            if fk.resource == "":
                reference_items = self._key_columns(table, fk.reference_fields)
                remote = [(f"v{item.position}", item.field.type) for item in reference_items]
                reference_view = name
            else:
                if self.foreign is None:
                    continue  # as Frictionless without a package: another resource is not looked up
                resolved = self.foreign(fk.resource)
                if resolved is None:
                    self.count("resource-error", 1)
                    self.add((0, 100 + index), {
                        "type": "resource-error", "title": _title("resource-error"),
                        "message": _("La clé étrangère (%(fields)s) renvoie à la ressource « %(resource)s », qui est "
                                     "introuvable.") % {"fields": ", ".join(fk.fields), "resource": fk.resource},
                        "note": fk.resource})
                    continue
                reference_view, remote = self._reference(con, resolved, fk.reference_fields, f"ref{index}")
            self.checked_foreign_keys.append(index)
            local = [(f"t.v{item.position}", item.field.type) for item in items]
            conditions = []
            for (left, left_type), (right, right_type) in zip(local, remote, strict=True):
                left_family, right_family = _FAMILIES.get(left_type, left_type), _FAMILIES.get(right_type, right_type)
                if left_family != right_family:
                    conditions.append(f"({left} IS NULL AND ref.{right} IS NULL)")
                elif left_family == "number":
                    conditions.append(f"CAST({left} AS DOUBLE) IS NOT DISTINCT FROM CAST(ref.{right} AS DOUBLE)")
                else:
                    conditions.append(f"{left} IS NOT DISTINCT FROM ref.{right}")
            some_local = _balanced("OR", [f"{left} IS NOT NULL" for left, _kind in local], "false")
            some_remote = _balanced("OR", [f"{right} IS NOT NULL" for right, _kind in remote], "false")
            lookup = f"(SELECT DISTINCT {', '.join(right for right, _kind in remote)} FROM {reference_view} WHERE {some_remote})"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_fk AS SELECT {table.rn_sql()} AS rn, "
                        f"{', '.join(f'CAST({left} AS VARCHAR) AS f{j}' for j, (left, _kind) in enumerate(local))} "
                        f"FROM {name} t WHERE ({some_local}) AND NOT EXISTS (SELECT 1 FROM {lookup} ref WHERE "
                        f"{' AND '.join(conditions)})")
            total = con.execute(f"SELECT count(*) FROM {name}_fk").fetchone()[0]
            self.count("foreign-key", total)
            if not total:
                continue
            for rn, *cells in con.execute(f"SELECT * FROM {name}_fk ORDER BY rn{self._limit_sql()}").fetchall():
                shown = ", ".join("" if cell is None else str(cell) for cell in cells)
                note = (_("les valeurs « %(values)s » de « %(fields)s » sont absentes de la ressource « %(resource)s » "
                          "(champs « %(remote)s »)")
                        % {"values": shown, "fields": ", ".join(fk.fields), "resource": fk.resource or _("elle-même"),
                           "remote": ", ".join(fk.reference_fields)})
                self.add((rn, 6, index, 0), {
                    "type": "foreign-key", "title": _title("foreign-key"),
                    "message": _("La ligne %(row)d enfreint la clé étrangère : %(note)s.") % {"row": rn, "note": note},
                    "note": note, "rowNumber": rn, "fieldNames": list(fk.fields),
                    "fieldCells": ["" if cell is None else str(cell) for cell in cells],
                    "referenceName": fk.resource, "referenceFieldNames": list(fk.reference_fields)})

    def _reference(self, con, reference: Reference, names: list[str], table_name: str) -> tuple[str, list]:
        """A view of the referenced resource's values for ``names`` and their (column, type)."""
        path = Path(reference.path)
        if reference.schema is not None:
            schema = reference.schema if isinstance(reference.schema, Schema) else parse(reference.schema)
            table = _Table(con, schema, name=table_name)
            positions = []
            for name in names:
                if name in schema.field_names:
                    positions.append(schema.field_names.index(name) + 1)
                else:
                    positions.append(None)
                    self.warnings.append(_("Le champ « %(name)s » n'existe pas dans la ressource « %(resource)s ».")
                                         % {"name": name, "resource": reference.name or path.name})
            table.keep_values = {position for position in positions if position}
            if _is_parquet(path):
                table.load_parquet(path)
            else:
                table.load_csv(path, Dialect.coerce(reference.dialect, path))
            columns = [f"v{position}" if position else "CAST(NULL AS VARCHAR)" for position in positions]
            view = f"(SELECT {', '.join(f'{column} AS k{j}' for j, column in enumerate(columns))} FROM {table_name})"
            types = [schema.fields[position - 1].type if position else "string" for position in positions]
            return view, [(f"k{j}", kind) for j, kind in enumerate(types)]
        if _is_parquet(path):
            described = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                         [str(path)]).fetchall())
            columns = [f"{duck.quote_identifier(name)}" if name in described else "CAST(NULL AS VARCHAR)" for name in names]
            from .ingest import table_schema_type

            types = [table_schema_type(described[name]) if name in described else "string" for name in names]
            view = (f"(SELECT {', '.join(f'{column} AS k{j}' for j, column in enumerate(columns))} "
                    f"FROM read_parquet({_lit(str(path))}))")
            return view, [(f"k{j}", kind) for j, kind in enumerate(types)]
        # A CSV without a schema: its header's labels as text fields.
        dialect = Dialect.coerce(reference.dialect, path)
        read_path, encoding, temp = _duckdb_encoding(path, dialect.encoding)
        try:
            header = _python_records(read_path, encoding, dialect, dialect.header_row)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
        labels = [str(cell).strip() for cell in header[-1]] if header and dialect.header else []
        fields, seen = [], set()
        for position, label in enumerate(labels, start=1):
            fields.append({"name": label if label and label not in seen else f"__column_{position}", "type": "string"})
            seen.add(label)
        schema = parse({"fields": fields})
        return self._reference(con, Reference(path, schema, dialect, reference.name), names, table_name)

    # -- report -------------------------------------------------------------------------------------------
    def _access_order(self) -> None:
        """Frictionless reads a row's cells lazily: the fields of ``unique`` constraints, then of the
        primary key, then of the foreign keys are read first (their cell errors come first), until
        one of these checks fails and reads the whole row; the other fields follow in order. The
        cell errors of each row are put in that order."""
        fields = self.schema.fields
        names = self.schema.field_names
        unique = [position for position, field in enumerate(fields, start=1) if field.unique]
        primary = [names.index(name) + 1 for name in self.schema.primary_key]
        foreign = [(index, [names.index(name) + 1 for name in self.schema.foreign_keys[index].fields])
                   for index in self.checked_foreign_keys]
        if not (unique or primary or foreign):
            return
        facts: dict[int, dict] = {}
        for key, _error in self.errors:
            if len(key) == 4 and key[1] in (4, 5, 6):
                fact = facts.setdefault(key[0], {"unique": set(), "primary": False, "foreign": set()})
                if key[1] == 4:
                    fact["unique"].add(key[2])
                elif key[1] == 5:
                    fact["primary"] = True
                else:
                    fact["foreign"].add(key[2])
        empty = {"unique": set(), "primary": False, "foreign": set()}
        ranks: dict[int, dict[int, int]] = {}

        def rank(row: int) -> dict[int, int]:
            if row in ranks:
                return ranks[row]
            fact = facts.get(row, empty)
            order: list[int] = []
            done = False
            for position in unique:
                order.append(position)
                if position in fact["unique"]:
                    done = True
                    break
            if not done:
                order += [position for position in primary if position not in order]
                done = fact["primary"]
            if not done:
                for index, positions in foreign:
                    order += [position for position in positions if position not in order]
                    if index in fact["foreign"]:
                        break
            order += [position for position in range(1, len(fields) + 1) if position not in order]
            ranks[row] = {position: number for number, position in enumerate(order, start=1)}
            return ranks[row]

        self.errors = [((key[0], 1, rank(key[0])[key[2]], key[3]) if len(key) == 4 and key[1] == 1 and key[2] else key,
                        error) for key, error in self.errors]

    def report(self, *, labels, rows, started, place, name, fmt) -> Report:
        self._access_order()
        self.errors.sort(key=lambda item: item[0])
        errors = [error for _key, error in self.errors]
        total = sum(self.counts.values())
        if self.limit and len(errors) > self.limit:
            errors = errors[:self.limit]
        if self.limit and total > self.limit:
            self.warnings.append(_("Limite de %(limit)d erreurs atteinte : %(total)d erreurs trouvées, les %(limit)d "
                                   "premières sont listées.") % {"limit": self.limit, "total": total})
        counts = dict(sorted(self.counts.items()))
        stats = {"errors": total, "rows": rows, "fields": len(self.schema.fields),
                 "seconds": round(time.monotonic() - started, 3)}
        return Report(valid=total == 0, stats=stats, errors=errors, counts=counts, labels=labels,
                      warnings=self.warnings, place=place, name=name, format=fmt)


def _is_parquet(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False


def _failure_report(failure: _Failure, schema: Schema, started: float, place: str, name: str, fmt: str) -> Report:
    error = {"type": failure.code, "title": _title(failure.code), "message": failure.note, "note": failure.note}
    return Report(valid=False, stats={"errors": 1, "rows": 0, "fields": len(schema.fields),
                                      "seconds": round(time.monotonic() - started, 3)},
                  errors=[error], counts={failure.code: 1}, place=place, name=name, format=fmt)


def _needed_values(schema: Schema) -> set[int]:
    names = set(schema.primary_key)
    for fk in schema.foreign_keys:
        names.update(fk.fields)
        if fk.resource == "":
            names.update(fk.reference_fields)
    positions = {schema.field_names.index(name) + 1 for name in names if name in schema.field_names}
    positions.update(position for position, field in enumerate(schema.fields, start=1) if field.unique)
    return positions


def _run(path, schema, *, kind, dialect, foreign, limit_errors, progress, name) -> Report:
    started = time.monotonic()
    if not isinstance(schema, Schema):
        schema = parse(schema)
    path = Path(path)
    place, name = str(path), name or path.stem
    fmt = "parquet" if kind == "parquet" else "csv"
    validation = _Validation(schema, limit_errors=limit_errors, foreign=foreign, progress=progress)
    if progress:
        progress(0, validation.steps)
    con = duck.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # quiet: the caller shows progress
        table = _Table(con, schema)
        table.keep_values = _needed_values(schema)
        try:
            if not path.is_file():
                raise _Failure("source-error", _("Le fichier « %(path)s » n'existe pas.") % {"path": path})
            if kind == "parquet":
                table.load_parquet(path)
            else:
                if path.stat().st_size == 0:
                    raise _Failure("source-error", _("La source est vide."))
                if dialect is None:
                    from .ingest import IngestError, detect

                    try:
                        dialect = detect(path)
                    except IngestError as exc:
                        if exc.code == "empty-file":
                            raise _Failure("source-error", _("La source est vide.")) from None
                        # A binary or undecodable file: Frictionless reports it as an encoding error.
                        code = "encoding-error" if exc.code in ("binary-file", "encoding") else "source-error"
                        raise _Failure(code, exc.message) from None
                    if dialect.format not in ("csv", "tsv"):
                        raise _Failure("format-error", _("Ce fichier n'est pas un CSV ou un TSV (format détecté : "
                                                         "%(format)s) : validez le Parquet de son intégration.")
                                       % {"format": dialect.format})
                resolved = Dialect.coerce(dialect, path)
                fmt = "tsv" if resolved.delimiter == "\t" else "csv"
                table.load_csv(path, resolved)
        except _Failure as failure:
            return _failure_report(failure, schema, started, place, name, fmt)
        except duckdb.Error as exc:
            return _failure_report(_Failure("source-error", _("Le fichier n'a pas pu être lu : %(error)s")
                                            % {"error": str(exc).splitlines()[0]}), schema, started, place, name, fmt)
        validation.step()
        validation.header_errors(table.labels, table.header_row)
        rows = validation.row_errors(table)
        if not table.labels and not rows:
            validation.count("source-error", 1)
            validation.add((0, 0), {"type": "source-error", "title": _title("source-error"),
                                    "message": _("La source est vide."), "note": _("la source est vide")})
        report = validation.report(labels=table.labels, rows=rows, started=started, place=place, name=name, fmt=fmt)
        validation.step()
        return report
    finally:
        con.close()


def validate(path: str | os.PathLike, schema: Schema | dict | str | os.PathLike, *, dialect: Any = None,
             foreign: ForeignResolver | None = None, limit_errors: int | None = DEFAULT_LIMIT_ERRORS,
             progress: ProgressCallback | None = None, format: str | None = None, name: str = "") -> Report:
    """Validate a CSV/TSV file (or a Parquet file: by content, or ``format="parquet"``) against a
    Table Schema.

    ``schema``: a :class:`~ouvert.datastore.schema.Schema`, a descriptor dict, a JSON text or a
    JSON file (an invalid one raises :class:`~ouvert.datastore.schema.SchemaError`).
    ``dialect``: ``ingest.SourceInfo``, a :class:`Dialect`, a Frictionless dialect dict, or None
    to detect it with ``ingest.detect``. ``foreign(resource_name)`` resolves the resource a foreign
    key points to (a :class:`Reference`, or None when it does not exist: a ``resource-error``);
    without it, foreign keys to other resources are not checked (as Frictionless does for a lone
    resource); keys to the resource itself always are. ``limit_errors``: how many errors are listed
    (0 or None: all); counts are never capped. ``progress(done, total)`` is called after each step.
    Quiet: prints nothing.
    """
    kind = format or ("parquet" if _is_parquet(Path(path)) else "csv")
    return _run(path, schema, kind=kind, dialect=dialect, foreign=foreign, limit_errors=limit_errors,
                progress=progress, name=name)


def validate_parquet(path: str | os.PathLike, schema: Schema | dict | str | os.PathLike, *,
                     foreign: ForeignResolver | None = None, limit_errors: int | None = DEFAULT_LIMIT_ERRORS,
                     progress: ProgressCallback | None = None, name: str = "") -> Report:
    """Validate a Parquet file (the ingestion's output) against a Table Schema.

    Labels are the Parquet column names; row numbers count the header as row 1, as for the CSV
    it came from (rows the ingestion dropped, such as empty lines, shift them). A column whose
    Parquet type is the field's type (or reads into it without loss: an integer column for a
    number field, a whole DOUBLE for an integer…) is valid as is, whatever the field's ``format``
    (the ingestion already read it); a text column is read like a CSV cell; a column of another
    type is a type error on every value, except for ``string`` and ``any`` fields, which read the
    value's text.
    """
    return _run(path, schema, kind="parquet", dialect=None, foreign=foreign, limit_errors=limit_errors,
                progress=progress, name=name)


# --- data packages -----------------------------------------------------------------------------------------

def validate_package(path: str | os.PathLike, *, limit_errors: int | None = DEFAULT_LIMIT_ERRORS,
                     progress: ProgressCallback | None = None) -> list[Report]:
    """Validate each tabular resource of a ``datapackage.json`` against its schema (inline or a
    path), foreign keys between resources included. Raises :class:`~ouvert.datastore.schema.SchemaError`
    for a package or schema that cannot be read."""
    from .schema import SchemaError

    path = Path(path)
    try:
        package = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError([{"path": "", "message": _("Le paquet de données « %(path)s » n'a pas pu être lu : %(error)s")
                            % {"path": path, "error": exc}}]) from None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise SchemaError([{"path": "resources", "message": _("Le paquet de données n'a pas de liste « resources ».")}])
    base = path.parent
    resources: dict[str, Reference] = {}
    tabular: list[tuple[str, Reference]] = []
    for index, resource in enumerate(package["resources"]):
        if not isinstance(resource, dict):
            continue
        data_path = resource.get("path")
        if isinstance(data_path, list):
            data_path = data_path[0] if data_path else None
        schema = resource.get("schema")
        if not isinstance(data_path, str) or schema is None:
            continue
        if isinstance(schema, str):
            schema = base / schema
        try:
            parsed = parse(schema)
        except SchemaError as exc:
            raise SchemaError([{"path": f"resources[{index}].schema.{error['path']}".rstrip("."),
                                "message": error["message"]} for error in exc.errors]) from None
        dialect = dict(resource.get("dialect") or {})
        if resource.get("encoding"):
            dialect["encoding"] = resource["encoding"]
        name = resource.get("name") or Path(data_path).stem
        reference = Reference(base / data_path, parsed, dialect or None, name)
        resources[name] = reference
        tabular.append((name, reference))
    reports = []
    for name, reference in tabular:
        dialect = reference.dialect
        if dialect is not None and not any(key in dialect for key in ("delimiter", "quoteChar")):
            detected = Dialect.coerce(None, Path(reference.path))
            detected.encoding = dialect.get("encoding", detected.encoding)
            if "header" in dialect:
                detected.header = bool(dialect["header"])
            dialect = detected
        reports.append(validate(reference.path, reference.schema, dialect=dialect, foreign=resources.get,
                                limit_errors=limit_errors, progress=progress, name=name))
    return reports
