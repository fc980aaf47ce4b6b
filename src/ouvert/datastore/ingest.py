"""Ingestion engine: detect what a tabular file is, convert it to one typed Parquet file.

Pure functions (no Django model, no database; only ``django.conf.settings`` is read).

- :func:`detect` reads a sample (never the whole file) and returns a :class:`SourceInfo`:
  the format (by content first: zip members, Parquet magic, JSON's first character; then by
  name and media type), and for text its encoding, delimiter, quote, header row, decimal
  separator, per-column type guesses and date forms, and the ragged rows of the sample.
- :func:`to_parquet` converts the source to ONE Parquet file in one DuckDB pass (plus a
  streaming transcoding pass for Windows-1252 and UTF-16 text), written next to ``dest`` and
  moved into place with ``os.replace``: ``dest`` is either absent (or the previous file) or
  complete. A column whose values do not all cast to the guessed type stays text: no value is
  ever lost or changed.
- :class:`IngestError` carries a ``code`` and a French (translatable) ``message`` for input
  that cannot be ingested; never a raw DuckDB message (that goes to ``detail``).

Row numbers reported (ragged rows, type fallbacks) are physical line numbers in the file,
counting the header line as a line (the way Frictionless numbers rows when no value spans
several lines).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import io
import itertools
import os
import re
import threading
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from . import duck

#: Bytes read from the start of a file to detect its format, encoding and dialect.
SAMPLE_BYTES = 2 * 1024 * 1024
#: Rows of the sample whose values are examined to guess column types.
TYPE_SAMPLE_ROWS = 20_000
#: Rows used to choose the delimiter.
DIALECT_SAMPLE_ROWS = 400
#: Ragged rows listed as examples.
RAGGED_EXAMPLES = 10
#: DuckDB attempts (each fixes one problem: a column kept as text, ragged rows, encoding).
MAX_ATTEMPTS = 60

TEXT_FORMATS = ("csv", "tsv")
FORMATS = ("csv", "tsv", "xlsx", "ods", "json", "ndjson", "parquet")
DELIMITERS = (",", ";", "\t", "|")

ProgressCallback = Callable[[int, int], Any]


# --- errors and results --------------------------------------------------------------------------

class IngestError(Exception):
    """Input that cannot be ingested. ``message`` is for people (French source string)."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.details}

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass
class SourceInfo:
    """What :func:`detect` found. ``fields`` holds one dict per column of the source:
    ``{"label", "type", "format"}`` — the header label as written, the DuckDB type guessed from
    the sample, and for dates written another way than ISO, the form (``"%d/%m/%Y"``,
    ``"fr-long"`` for « 3 janvier 2012 » …), ``"decimal": ","`` for decimal commas."""

    format: str
    size: int = 0
    filename: str = ""
    media_type: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    escapechar: str | None = None
    newline: str | None = None
    has_header: bool = True
    skip_lines: int = 0
    decimal_separator: str = "."
    header: list[str] = dataclasses.field(default_factory=list)
    fields: list[dict] = dataclasses.field(default_factory=list)
    sample_rows: int = 0
    sample_complete: bool = False
    ragged_rows: int = 0
    ragged_examples: list[int] = dataclasses.field(default_factory=list)
    blank_rows: int = 0
    sheet: str | None = None
    sheets: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SourceInfo:
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    @property
    def date_formats(self) -> dict[str, str]:
        return {field["label"]: field["format"] for field in self.fields if field.get("format")}


@dataclasses.dataclass
class IngestResult:
    """What :func:`to_parquet` wrote. ``columns``: ``{"name", "type", "duckdb_type"}`` with a
    Table Schema type; ``ragged``: ``{"rows", "examples"}`` (line numbers)."""

    rows: int
    columns: list[dict]
    info: dict
    warnings: list[dict] = dataclasses.field(default_factory=list)
    ragged: dict = dataclasses.field(default_factory=lambda: {"rows": 0, "examples": []})
    path: str = ""
    bytes: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# --- helpers shared with the other modules ----------------------------------------------------------

def table_schema_type(duckdb_type: str) -> str:
    """The Table Schema type of a DuckDB column type."""
    name = str(duckdb_type).upper()
    if name in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                "UINTEGER", "UBIGINT", "UHUGEINT", "INT1", "INT2", "INT4", "INT8"}:
        return "integer"
    if name in {"FLOAT", "DOUBLE", "REAL"} or name.startswith("DECIMAL"):
        return "number"
    if name == "BOOLEAN":
        return "boolean"
    if name == "DATE":
        return "date"
    if name.startswith("TIMESTAMP"):
        return "datetime"
    if name.startswith("TIME"):
        return "time"
    return "string"


def normalize_names(labels: list[Any]) -> tuple[list[str], list[dict]]:
    """Column names from header labels: trimmed, empty → ``column_N``, duplicates (compared
    without case, as DuckDB does) → ``name_2``, ``name_3``… Returns the names and warnings."""
    names: list[str] = []
    seen: set[str] = set()
    warnings: list[dict] = []
    for position, label in enumerate(labels, start=1):
        name = "" if label is None else " ".join(str(label).split())
        if not name:
            name = f"column_{position}"
            warnings.append({"code": "blank-label", "field": name, "position": position,
                             "message": _("La colonne %(position)d n'a pas de nom : elle s'appelle « %(name)s ».")
                             % {"position": position, "name": name}})
        base, suffix = name, 2
        while name.lower() in seen:
            name = f"{base}_{suffix}"
            suffix += 1
        if name != base:
            warnings.append({"code": "duplicate-label", "field": name, "label": base, "position": position,
                             "message": _("Le nom de colonne « %(label)s » est répété : la colonne %(position)d "
                                          "s'appelle « %(name)s ».")
                             % {"label": base, "position": position, "name": name}})
        seen.add(name.lower())
        names.append(name)
    return names, warnings


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return f"{size} o"


def _max_bytes(value: int | None) -> int:
    return int(value or getattr(settings, "OUVERT_DATASTORE_MAX_BYTES", 5 * 1024 ** 3))


def _max_columns(value: int | None) -> int:
    return int(value or getattr(settings, "OUVERT_DATASTORE_MAX_COLUMNS", 1000))


def _too_many_columns(count: int, limit: int) -> IngestError:
    return IngestError("too-many-columns",
                       _("Le tableau compte %(count)d colonnes ; la limite est de %(limit)d.")
                       % {"count": count, "limit": limit}, columns=count, limit=limit)


# --- detection: format ------------------------------------------------------------------------------

_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".ods": "ods", ".json": "json", ".geojson": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
    ".parquet": "parquet", ".pq": "parquet",
}
_MEDIA_TYPES = {
    "text/csv": "csv", "application/csv": "csv", "text/tab-separated-values": "tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods", "application/json": "json",
    "application/x-ndjson": "ndjson", "application/ndjson": "ndjson", "application/jsonl": "ndjson",
    "application/vnd.apache.parquet": "parquet", "application/x-parquet": "parquet",
}


def _format_by_name(filename: str, media_type: str) -> str | None:
    suffix = Path(filename or "").suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    return _MEDIA_TYPES.get((media_type or "").split(";")[0].strip().lower())


def _zip_format(path: Path, by_name: str | None) -> tuple[str, list[str]]:
    what = "ODS" if by_name == "ods" else "XLSX"
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" in names or any(name.startswith("xl/worksheets/") for name in names):
                return "xlsx", names
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                    return "ods", names
                if "opendocument" in mimetype:
                    raise IngestError("unsupported-format",
                                      _("Ce document OpenDocument (%(type)s) n'est pas un classeur : "
                                        "seuls les classeurs ODS sont pris en charge.") % {"type": mimetype})
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise IngestError("corrupt-file",
                          _("Le classeur %(what)s est tronqué ou endommagé : il ne peut pas être ouvert. "
                            "Enregistrez-le de nouveau et téléversez-le en entier.") % {"what": what}) from None
    raise IngestError("unsupported-format",
                      _("Ce fichier est une archive ZIP qui n'est ni un classeur XLSX ni un classeur ODS."))


def _looks_like_json(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped:
        return None
    first = stripped[0]
    if first == "[":
        rest = stripped[1:].lstrip()
        if not rest or rest[0] in "{]":
            return "json"
        return None
    if first == "{":
        rest = stripped[1:].lstrip()
        if not rest or rest[0] not in '"}':
            return None
        lines = [line.strip() for line in stripped.splitlines()[:3] if line.strip()]
        if len(lines) >= 2 and lines[0].endswith("}") and lines[1].startswith("{"):
            return "ndjson"
        return "json"
    return None


# --- detection: text ----------------------------------------------------------------------------------

_CONTROL = set(range(0, 9)) | {11} | set(range(14, 32)) | {127}


def _decode_sample(head: bytes, complete: bool, filename: str) -> tuple[str, str]:
    """(encoding, text) of a sample; raises for binary content."""
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        return "utf-16", decoder.decode(head, final=complete)
    binary = IngestError("binary-file",
                         _("Le fichier « %(name)s » contient des données binaires : ce n'est pas un fichier "
                           "texte tabulaire (CSV). Vérifiez qu'il s'agit du bon fichier.") % {"name": filename},
                         )
    if b"\x00" in head:
        raise binary
    encoding = "utf-8"
    body = head
    if head.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", head[len(codecs.BOM_UTF8):]
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
    except UnicodeDecodeError:
        if encoding == "utf-8-sig":
            raise IngestError("encoding",
                              _("Le fichier commence par une marque UTF-8 mais contient des octets invalides en "
                                "UTF-8 : réenregistrez-le en UTF-8.")) from None
        try:
            text = body.decode("cp1252")
        except UnicodeDecodeError:
            raise IngestError("encoding",
                              _("L'encodage du fichier n'a pas pu être reconnu (ni UTF-8, ni Windows-1252/Latin-1) : "
                                "est-ce bien un fichier texte ?")) from None
        encoding = "windows-1252" if any(0x80 <= byte <= 0x9F for byte in body) else "latin-1"
    if body:
        controls = sum(1 for char in text[:65536] if ord(char) in _CONTROL)
        if controls > max(2, len(text[:65536]) // 100):
            raise binary
    return encoding, text


_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
_FR_MONTH_NUMBERS = {name: number for number, name in enumerate(_FR_MONTHS, start=1)}
_FR_MONTH_NUMBERS.update({"fevrier": 2, "aout": 8, "decembre": 12, "févr": 2, "janv": 1, "avr": 4,
                          "juil": 7, "sept": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12})
_FR_WEEKDAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
FR_LONG_DATE_PATTERN = (r"^\s*(?:(?:" + _FR_WEEKDAYS + r"),?\s+)?(1er|\d{1,2})\s+("
                        + "|".join(sorted(_FR_MONTH_NUMBERS, key=len, reverse=True))
                        + r")\.?\s+(\d{4})\s*$")


def _all_match(pattern: str) -> re.Pattern:
    """A pattern matching newline-joined values that all match ``pattern``."""
    return re.compile(f"(?:{pattern})(?:\n(?:{pattern}))*")


_ALL_INT = _all_match(r"[+-]?(?:0|[1-9]\d{0,17})")
# At most 15 significant digits before the point: longer numbers (identifiers) stay exact as text.
_ALL_DEC_DOT = _all_match(r"[+-]?(?:(?:0|[1-9]\d{0,14})(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_ALL_DEC_COMMA = _all_match(r"[+-]?(?:(?:0|[1-9]\d{0,14})(?:,\d+)?|,\d+)")
_ALL_BOOL = _all_match(r"(?i:true|false)")
_ALL_DATE = _all_match(r"\d{4}-\d{2}-\d{2}")
_ALL_TIMESTAMP = _all_match(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?")
_ALL_DMY = {separator: _all_match(rf"\d{{1,2}}{re.escape(separator)}\d{{1,2}}{re.escape(separator)}\d{{4}}")
            for separator in "/-."}
_ALL_YMD = {separator: _all_match(rf"\d{{4}}{re.escape(separator)}\d{{1,2}}{re.escape(separator)}\d{{1,2}}")
            for separator in "/."}
_ALL_FR_LONG = _all_match("(?i:" + FR_LONG_DATE_PATTERN.strip("^$").replace(r"\s*", "") + ")")


def guess_column_type(values, *, comma_decimals: bool = False) -> dict:
    """A DuckDB type for a column from sample values (strings): ``{"type"}`` plus ``"format"``
    for dates written another way than ISO and ``"decimal": ","`` for decimal commas.

    Integers with leading zeros (codes) and numbers of more than 15 digits stay text, so that
    no value changes. Each candidate type is tested with one regular expression over all the
    distinct values, so a sample of tens of thousands of rows takes milliseconds.
    """
    cleaned = {value.strip() for value in values if value is not None} - {""}
    if not cleaned:
        return {"type": "VARCHAR"}
    joined = "\n".join(cleaned)
    if _ALL_INT.fullmatch(joined):
        return {"type": "BIGINT"}
    if _ALL_DEC_DOT.fullmatch(joined) and any(char.isdigit() for char in joined):
        return {"type": "DOUBLE"}
    if comma_decimals and _ALL_DEC_COMMA.fullmatch(joined):
        return {"type": "DOUBLE", "decimal": ","}
    if _ALL_BOOL.fullmatch(joined):
        return {"type": "BOOLEAN"}
    if _ALL_DATE.fullmatch(joined):
        return {"type": "DATE"}
    if _ALL_TIMESTAMP.fullmatch(joined):
        return {"type": "TIMESTAMP"}
    for separator, pattern in _ALL_DMY.items():
        if pattern.fullmatch(joined):
            parts = [value.split(separator) for value in cleaned]
            first = max(int(part[0]) for part in parts)
            second = max(int(part[1]) for part in parts)
            if first <= 12 < second <= 31:
                return {"type": "DATE", "format": f"%m{separator}%d{separator}%Y"}
            if first <= 31 and second <= 12:
                return {"type": "DATE", "format": f"%d{separator}%m{separator}%Y"}
            return {"type": "VARCHAR"}
    for separator, pattern in _ALL_YMD.items():
        if pattern.fullmatch(joined):
            return {"type": "DATE", "format": f"%Y{separator}%m{separator}%d"}
    if _ALL_FR_LONG.fullmatch(joined):
        return {"type": "DATE", "format": "fr-long"}
    return {"type": "VARCHAR"}


def _parse_records(text: str, delimiter: str, quotechar: str, limit: int | None = None):
    """(start line, fields) for each record of ``text`` (blank lines give an empty list)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar,
                        doublequote=True, strict=False)
    start = 1
    records = []
    try:
        for fields in reader:
            records.append((start, fields))
            start = reader.line_num + 1
            if limit is not None and len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _choose_delimiter(text: str, quotechar: str, preferred: str | None) -> tuple[str, int]:
    """The delimiter giving the most consistent field count (and that count)."""
    best: tuple = (-1.0, 0, 0)
    chosen, chosen_count = (preferred or ","), 1
    for delimiter in DELIMITERS:
        counts = [len(fields) for _start, fields in _parse_records(text, delimiter, quotechar, DIALECT_SAMPLE_ROWS)
                  if fields]
        if not counts:
            continue
        modal, frequency = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        consistency = frequency / len(counts)
        score = (consistency, 1 if delimiter == preferred else 0, modal)
        if score > best:
            best, chosen, chosen_count = score, delimiter, modal
    return chosen, chosen_count


def _choose_quote(text: str, delimiter: str) -> str:
    starts = "^|" + re.escape(delimiter) + "|\n"
    double = len(re.findall(f'(?:{starts})"', text[:65536]))
    single = len(re.findall(f"(?:{starts})'[^'\n]*'(?={re.escape(delimiter)}|\r|\n|$)", text[:65536]))
    return "'" if single > double * 2 and single >= 3 else '"'


def _detect_text(info: SourceInfo, head: bytes, complete: bool, decoded: tuple[str, str] | None = None) -> None:
    encoding, text = decoded or _decode_sample(head, complete, info.filename)
    info.encoding = encoding
    if not complete:
        # Drop the last (probably cut) line.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[:cut + 1]
    if not text.strip():
        raise IngestError("empty-file", _("Le fichier est vide : il ne contient aucune ligne de données."))
    crlf, lf = text.count("\r\n"), text.count("\n")
    info.newline = "\r\n" if crlf and crlf >= lf - crlf else ("\n" if lf else ("\r" if "\r" in text else "\n"))
    preferred = "\t" if info.format == "tsv" else None
    quote = '"'
    delimiter, _modal = _choose_delimiter(text, quote, preferred)
    quote = _choose_quote(text, delimiter)
    if quote != '"':
        delimiter, _modal = _choose_delimiter(text, quote, preferred)
    info.delimiter, info.quotechar, info.escapechar = delimiter, quote, quote
    info.format = "tsv" if delimiter == "\t" else "csv"

    records = _parse_records(text, delimiter, quote)
    if not complete and len(records) > 1:
        records = records[:-1]  # the last record may be cut in the middle of a quoted value
    # "".join(...).strip(): some field is not blank (as any(f.strip() for f in fields), without a
    # generator per record: a third of detect() on a 2 MB sample).
    filled = [(start, fields) for start, fields in records if "".join(fields).strip()]
    if not filled:
        raise IngestError("empty-file", _("Le fichier est vide : il ne contient aucune ligne de données."))
    modal = Counter(len(fields) for _start, fields in filled[:DIALECT_SAMPLE_ROWS]).most_common(1)[0][0]
    header_index = 0
    for index, (_start, fields) in enumerate(filled[:50]):
        if len(fields) >= modal or (len(fields) >= 2 and len(fields) * 2 > modal) or modal == 1:
            header_index = index
            break
    header_start, header = filled[header_index]
    info.skip_lines = header_start - 1
    data = filled[header_index + 1:]
    comma_decimals = delimiter != ","
    if data and all(field.strip() and guess_column_type([field])["type"] not in {"VARCHAR", "BOOLEAN"}
                    for field in header):
        # The first line holds numbers or dates: there is no header.
        info.has_header = False
        data = filled[header_index:]
        header = []
    info.header = list(header)
    width = max([len(header)] + [len(fields) for _start, fields in data[:TYPE_SAMPLE_ROWS]])
    ragged = [start for start, fields in data if info.has_header and len(fields) != len(header)]
    info.ragged_rows = len(ragged)
    info.ragged_examples = ragged[:RAGGED_EXAMPLES]
    info.blank_rows = sum(1 for start, fields in records if start > header_start and not "".join(fields).strip())
    info.sample_rows = len(data)
    info.sample_complete = complete

    rows = [fields for _start, fields in data[:TYPE_SAMPLE_ROWS]]
    info.fields = []
    guessing = width <= _max_columns(None)
    # The sample's columns (short rows padded with None, which no field is).
    columns = list(itertools.zip_longest(*rows)) if guessing and rows else []
    for position in range(width):
        label = header[position] if position < len(header) else ""
        if guessing:
            values = set(columns[position]) if position < len(columns) else set()
            values.discard(None)
            guess = guess_column_type(values, comma_decimals=comma_decimals)
        else:  # too wide: to_parquet refuses it, no time spent guessing
            guess = {"type": "VARCHAR"}
        info.fields.append({"label": label, **guess})
    info.decimal_separator = "," if any(field.get("decimal") == "," for field in info.fields) else "."


# --- detection: spreadsheets and Parquet --------------------------------------------------------------

@contextlib.contextmanager
def _workbook(path: Path, damaged: IngestError):
    """An openpyxl read-only workbook, opened from a file handle (openpyxl refuses a path whose
    name does not end in .xlsx), closed with its file."""
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds of errors for a damaged file
            raise damaged from None
        try:
            yield workbook
        finally:
            workbook.close()


def _detect_xlsx(info: SourceInfo, path: Path) -> None:
    damaged = IngestError("corrupt-file",
                          _("Le classeur XLSX est tronqué ou endommagé : il ne peut pas être ouvert. "
                            "Enregistrez-le de nouveau et téléversez-le en entier."))
    with _workbook(path, damaged) as workbook:
        sheets = [sheet.title for sheet in workbook.worksheets]
        if not sheets:
            raise IngestError("empty-file", _("Le classeur ne contient aucune feuille de calcul."))
        info.sheets = sheets
        info.sheet = info.sheet if info.sheet in sheets else sheets[0]


def _detect_parquet(info: SourceInfo, path: Path) -> None:
    with open(path, "rb") as handle:
        handle.seek(max(0, info.size - 4))
        tail = handle.read(4)
    if info.size < 12 or tail != b"PAR1":
        raise IngestError("corrupt-file",
                          _("Le fichier Parquet est tronqué ou endommagé : sa fin est absente."))


def detect(path: str | os.PathLike, *, filename: str = "", media_type: str = "") -> SourceInfo:
    """Detect the format and, for text, the dialect of a tabular file from a sample.

    Raises :class:`IngestError` for an empty, binary, damaged or unsupported file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise IngestError("unreadable", _("Le fichier n'a pas pu être lu."), detail=exc.strerror or "") from None
    info = SourceInfo(format="csv", size=size, filename=filename or path.name, media_type=media_type or "")
    if size == 0 or not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise IngestError("empty-file", _("Le fichier est vide : il ne contient aucune ligne de données."))
    complete = len(head) >= size
    by_name = _format_by_name(info.filename, info.media_type)
    if head[:4] == b"PAR1":
        info.format = "parquet"
        _detect_parquet(info, path)
        return info
    if head[:4] == b"PK\x03\x04":
        info.format, _names = _zip_format(path, by_name)
        if info.format == "xlsx":
            _detect_xlsx(info, path)
        else:
            info.sheet = None
        return info
    if by_name in {"xlsx", "ods"} and head[:2] == b"PK":
        _zip_format(path, by_name)  # raises: a damaged workbook
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError("unsupported-format",
                          _("Le format XLS (Excel 97-2003) n'est pas pris en charge : enregistrez le fichier "
                            "en XLSX, en ODS ou en CSV."))
    if head[:2] == b"\x1f\x8b" or head[:4] in (b"BZh9", b"\xfd7zX") or head[:6] == b"7z\xbc\xaf\x27\x1c":
        raise IngestError("unsupported-format",
                          _("Le fichier est compressé : décompressez-le et téléversez le fichier CSV, XLSX, ODS, "
                            "JSON ou Parquet qu'il contient."))
    if by_name in {"xlsx", "ods", "parquet"}:
        what = {"xlsx": "XLSX", "ods": "ODS", "parquet": "Parquet"}[by_name]
        raise IngestError("corrupt-file",
                          _("Le fichier porte le nom ou le type d'un fichier %(what)s mais son contenu n'en est pas "
                            "un : il est endommagé ou mal nommé.") % {"what": what})
    decoded = encoding, text = _decode_sample(head, complete, info.filename)
    json_format = _looks_like_json(text)
    if json_format:
        info.format, info.encoding = json_format, encoding
        return info
    if by_name in {"json", "ndjson"}:
        raise IngestError("invalid-json",
                          _("Le fichier porte le nom ou le type d'un fichier JSON mais ne commence ni par « [ » ni "
                            "par « { » : ce n'est pas un JSON de données tabulaires."))
    info.format = by_name if by_name in TEXT_FORMATS else "csv"
    _detect_text(info, head, complete, decoded)
    return info


# --- conversion ------------------------------------------------------------------------------------------

_TYPE_LABELS = {"BIGINT": gettext_noop("entier"), "DOUBLE": gettext_noop("nombre"),
                "BOOLEAN": gettext_noop("booléen"), "DATE": gettext_noop("date"),
                "TIMESTAMP": gettext_noop("date et heure")}


@dataclasses.dataclass
class _Column:
    name: str
    read_type: str = "VARCHAR"
    convert: str | None = None  # a date form ("%d/%m/%Y", "fr-long") or "double" (cast in the SELECT)
    target: str = "VARCHAR"


@dataclasses.dataclass
class _CsvPlan:
    source: Path
    columns: list[_Column]
    has_header: bool
    skip_lines: int
    delimiter: str
    quotechar: str
    escapechar: str
    decimal_separator: str
    encoding: str
    null_padding: bool
    strict: bool = True
    header_width: int = 0


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(duck.quote_literal(value) for value in values) + "]"


def _read_csv_sql(plan: _CsvPlan, *, types: list[str] | None = None, width: int | None = None,
                  extra: str = "") -> str:
    columns = plan.columns[:width] if width else plan.columns
    spec = ", ".join(f"{duck.quote_literal(f'c{position}')}: {duck.quote_literal(types[position] if types else column.read_type)}"
                     for position, column in enumerate(columns))
    options = [
        "auto_detect = false",
        f"header = {'true' if plan.has_header else 'false'}",
        f"skip = {int(plan.skip_lines)}",
        f"delim = {duck.quote_literal(plan.delimiter)}",
        f"quote = {duck.quote_literal(plan.quotechar)}",
        f"escape = {duck.quote_literal(plan.escapechar)}",
        f"columns = {{{spec}}}",
        f"encoding = {duck.quote_literal(plan.encoding)}",
        f"null_padding = {'true' if plan.null_padding else 'false'}",
        f"strict_mode = {'true' if plan.strict else 'false'}",
    ]
    if plan.decimal_separator == ",":
        options.append("decimal_separator = ','")
    if extra:
        options.append(extra)
    return f"read_csv({duck.quote_literal(str(plan.source))}, {', '.join(options)})"


def _fr_long_date_sql(column: str) -> str:
    text = f"lower({column})"
    pattern = duck.quote_literal(FR_LONG_DATE_PATTERN)
    day = f"replace(regexp_extract({text}, {pattern}, 1), 'er', '')"
    month_name = f"regexp_extract({text}, {pattern}, 2)"
    year = f"regexp_extract({text}, {pattern}, 3)"
    cases = " ".join(f"WHEN {duck.quote_literal(name)} THEN '{number}'" for name, number in _FR_MONTH_NUMBERS.items())
    month = f"(CASE {month_name} {cases} END)"
    return f"try_strptime({day} || ' ' || {month} || ' ' || {year}, '%d %m %Y')::DATE"


def _select_sql(columns: list[_Column]) -> str:
    parts = []
    for position, column in enumerate(columns):
        source = f"c{position}"
        if column.convert is None:
            expression = source
        else:
            if column.convert == "double":
                converted = f"TRY_CAST({source} AS DOUBLE)"
            elif column.convert == "fr-long":
                converted = _fr_long_date_sql(source)
            else:
                converted = f"try_strptime({source}, {duck.quote_literal(column.convert)})::DATE"
            expression = (f"coalesce({converted}, CASE WHEN {source} IS NULL THEN NULL "
                          f"ELSE error('ouvert-cast:{position}:' || {source}) END)")
        parts.append(f"{expression} AS {duck.quote_identifier(column.name)}")
    return ", ".join(parts) if parts else "*"


class _Runner:
    """Runs DuckDB statements, calling ``progress(done, total)`` from the caller's thread."""

    def __init__(self, con: duckdb.DuckDBPyConnection, progress: ProgressCallback | None, total: int):
        self.con, self.progress, self.total = con, progress, max(1, int(total))
        if progress is not None:
            con.execute("SET enable_progress_bar = true")
            con.execute("SET enable_progress_bar_print = false")

    def report(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(min(self.total, max(0, int(self.total * fraction))), self.total)

    def run(self, sql: str, *, start: float = 0.0, end: float = 1.0) -> list[tuple]:
        if self.progress is None:
            return self.con.execute(sql).fetchall()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["rows"] = self.con.execute(sql).fetchall()
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=work, name="ouvert-ingest", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.2)
                percent = self.con.query_progress()
                if percent >= 0:
                    self.report(start + (end - start) * min(percent, 100.0) / 100.0)
        except BaseException:
            self.con.interrupt()
            thread.join()
            raise
        if "error" in outcome:
            raise outcome["error"]
        self.report(end)
        return outcome["rows"]


def _duckdb_detail(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _out_of_memory(exc: BaseException) -> IngestError:
    return IngestError("out-of-memory",
                       _("La mémoire allouée à l'intégration (OUVERT_DUCKDB_MEMORY_LIMIT) ne suffit pas pour ce "
                         "fichier. Réessayez plus tard ou demandez à l'équipe de la plateforme d'augmenter la "
                         "limite."), detail=_duckdb_detail(exc))


def _unreadable(exc: BaseException, what: str) -> IngestError:
    return IngestError("unreadable",
                       _("Le fichier n'a pas pu être lu comme un tableau %(what)s. Vérifiez son format et son "
                         "contenu.") % {"what": what}, detail=_duckdb_detail(exc))


_cp1252_fallback_registered = False


def _register_cp1252_fallback() -> None:
    global _cp1252_fallback_registered
    if not _cp1252_fallback_registered:
        # The five bytes Windows-1252 leaves undefined are read as their Latin-1 code points.
        codecs.register_error("ouvert-latin1", lambda error: (
            error.object[error.start:error.end].decode("latin-1"), error.end))
        # Bytes that are not UTF-8 in a file that mostly is: read as Windows-1252.
        codecs.register_error("ouvert-cp1252", lambda error: (
            error.object[error.start:error.end].decode("cp1252", errors="ouvert-latin1"), error.end))
        _cp1252_fallback_registered = True


#: The 27 characters Windows-1252 puts at bytes 0x80–0x9F (the five it leaves undefined keep
#: their Latin-1 code points).
_CP1252_C1 = {byte: bytes([byte]).decode("cp1252") for byte in range(0x80, 0xA0)
              if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _cp1252_chunk(chunk: bytes) -> str:
    """Decode Windows-1252 fast: Latin-1 (a copy), then only the C1 bytes present replaced."""
    text = chunk.decode("latin-1")
    for byte, char in _CP1252_C1.items():
        if bytes((byte,)) in chunk:
            text = text.replace(chr(byte), char)
    return text


def _transcode(source: Path, target: Path, encoding: str, runner: _Runner, span: float) -> None:
    """Rewrite ``source`` as UTF-8 in ``target`` by chunks (constant memory).

    ``encoding`` ``"utf-8+windows-1252"`` reads UTF-8 and only the bytes that are not valid
    UTF-8 as Windows-1252 (a file whose first megabytes are UTF-8 or ASCII and whose later
    lines were written by another program).
    """
    _register_cp1252_fallback()
    single_byte = encoding in {"windows-1252", "latin-1"}
    if encoding == "utf-8+windows-1252":
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ouvert-cp1252")
    elif not single_byte:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = 0
    try:
        with open(source, "rb") as reader, open(target, "wb") as writer:
            while True:
                chunk = reader.read(8 * 1024 * 1024)
                if not chunk:
                    if not single_byte:
                        writer.write(decoder.decode(b"", final=True).encode("utf-8"))
                    break
                text = _cp1252_chunk(chunk) if single_byte else decoder.decode(chunk)
                writer.write(text.encode("utf-8"))
                done += len(chunk)
                runner.report(span * done / runner.total)
    except UnicodeDecodeError:
        raise IngestError("encoding",
                          _("Le fichier contient des octets invalides en %(encoding)s : réenregistrez-le en UTF-8.")
                          % {"encoding": encoding.upper()}) from None


_CAST_RE = re.compile(r'Error when converting column "c(\d+)"\. Could not convert string "(.*?)" to \'(\w+)\'',
                      re.DOTALL)
_OUVERT_CAST_RE = re.compile(r"ouvert-cast:(\d+):(.*)")
_LINE_RE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS_RE = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _text_fallback(result_warnings: list[dict], column: _Column, value: str, line: int | None) -> None:
    expected = _(_TYPE_LABELS[column.target]) if column.target in _TYPE_LABELS else column.target.lower()
    message = _("La colonne « %(name)s » reste du texte : la valeur « %(value)s » n'est pas du type « %(type)s » "
                "détecté.") % {"name": column.name, "value": value[:80], "type": expected}
    if line:
        message = _("La colonne « %(name)s » reste du texte : la valeur « %(value)s » (ligne %(line)d) n'est pas du "
                    "type « %(type)s » détecté.") % {"name": column.name, "value": value[:80], "line": line,
                                                      "type": expected}
    warning = {"code": "type-fallback", "field": column.name, "type": column.target, "value": value[:200],
               "message": message}
    if line:
        warning["line"] = line
    result_warnings.append(warning)
    column.read_type, column.convert, column.target = "VARCHAR", None, "VARCHAR"


def _csv_to_parquet(path: Path, tmp: Path, info: SourceInfo, con: duckdb.DuckDBPyConnection, runner: _Runner,
                    max_columns: int, warnings: list[dict]) -> tuple[int, dict]:
    labels = list(info.header) + [""] * (len(info.fields) - len(info.header))
    if not info.has_header:
        labels = [""] * len(info.fields)
    names, name_warnings = normalize_names(labels)
    if info.has_header:
        warnings.extend(name_warnings)
    else:
        names = [f"column_{position}" for position in range(1, len(info.fields) + 1)]
    comma_file = info.decimal_separator == ","
    columns = []
    for name, field in zip(names, info.fields, strict=True):
        kind = field.get("type", "VARCHAR")
        column = _Column(name=name, target=kind)
        if field.get("format"):
            column.read_type, column.convert = "VARCHAR", field["format"]
        elif kind == "DOUBLE" and comma_file and field.get("decimal") != ",":
            column.read_type, column.convert = "VARCHAR", "double"
        else:
            column.read_type = kind
        columns.append(column)
    encoding = info.encoding or "utf-8"
    transcoded: Path | None = None
    plan = _CsvPlan(source=path, columns=columns, has_header=info.has_header, skip_lines=info.skip_lines,
                    delimiter=info.delimiter or ",", quotechar=info.quotechar or '"',
                    escapechar=info.escapechar or info.quotechar or '"', decimal_separator=info.decimal_separator,
                    encoding="latin-1" if encoding == "latin-1" else "utf-8",
                    null_padding=info.ragged_rows > 0 or len(info.fields) > len(info.header),
                    header_width=len(info.header) if info.has_header else len(info.fields))
    span = 0.0

    def transcode(from_encoding: str) -> None:
        nonlocal transcoded, span
        transcoded = tmp.with_name(tmp.name + ".utf8.csv")
        span = 0.3
        _transcode(path, transcoded, from_encoding, runner, span)
        plan.source, plan.encoding = transcoded, "utf-8"

    try:
        if encoding in {"windows-1252", "utf-16"}:
            transcode(encoding)
        widened = False
        for _attempt in range(MAX_ATTEMPTS):
            sql = f"COPY (SELECT {_select_sql(plan.columns)} FROM {_read_csv_sql(plan)}) TO " \
                  f"{duck.quote_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
            try:
                rows = runner.run(sql, start=span, end=0.97)[0][0]
                break
            except duckdb.InterruptException:
                raise
            except duckdb.Error as exc:
                message = str(exc)
                match = _CAST_RE.search(message)
                if match and int(match.group(1)) < len(plan.columns):
                    line = _LINE_RE.search(message)
                    _text_fallback(warnings, plan.columns[int(match.group(1))], match.group(2),
                                   int(line.group(1)) if line else None)
                    continue
                match = _OUVERT_CAST_RE.search(message)
                if match and int(match.group(1)) < len(plan.columns):
                    _text_fallback(warnings, plan.columns[int(match.group(1))], match.group(2).strip(), None)
                    continue
                match = _COLUMNS_RE.search(message)
                if match:
                    expected, found = int(match.group(1)), int(match.group(2))
                    if found > len(plan.columns):
                        if found > max_columns:
                            raise _too_many_columns(found, max_columns) from None
                        for position in range(len(plan.columns), found):
                            plan.columns.append(_Column(name=_unique_name(plan.columns, f"column_{position + 1}")))
                        plan.null_padding = widened = True
                        continue
                    if not plan.null_padding and found < expected:
                        plan.null_padding = True
                        continue
                lowered = message.lower()
                if ("unicode" in lowered or "utf-8" in lowered or "latin-1 encoded" in lowered) \
                        and transcoded is None:
                    warnings.append({"code": "encoding-fallback", "encoding": "windows-1252",
                                     "message": _("Le fichier n'est pas entièrement en %(encoding)s : les octets qui n'en "
                                                  "sont pas sont lus comme du Windows-1252.")
                                     % {"encoding": encoding.upper()}})
                    info.encoding = "windows-1252"
                    transcode("utf-8+windows-1252" if encoding.startswith("utf-8") else "windows-1252")
                    continue
                if plan.strict and ("quote" in lowered or "strict_mode" in lowered):
                    plan.strict = False
                    warnings.append({"code": "malformed-quotes",
                                     "message": _("Des guillemets sont mal fermés dans le fichier : il a été lu en mode "
                                                  "tolérant. Vérifiez les lignes qui contiennent des guillemets.")})
                    continue
                if "out of memory" in lowered:
                    raise _out_of_memory(exc) from None
                if "maximum line size" in lowered:
                    raise IngestError("line-too-long",
                                      _("Une ligne du fichier dépasse 2 Mo : ce n'est probablement pas un CSV, ou un "
                                        "guillemet n'est jamais fermé."), detail=_duckdb_detail(exc)) from None
                raise _unreadable(exc, "CSV") from None
        else:
            raise IngestError("unreadable", _("Le fichier n'a pas pu être lu comme un tableau CSV : trop de "
                                              "corrections successives."))
        ragged = {"rows": info.ragged_rows, "examples": list(info.ragged_examples)}
        if plan.null_padding and (not info.sample_complete or widened):
            ragged = _count_ragged(con, plan)
        return rows, ragged
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


def _unique_name(columns: list[_Column], name: str) -> str:
    taken = {column.name.lower() for column in columns}
    base, suffix = name, 2
    while name.lower() in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1
    return name


def _count_ragged(con: duckdb.DuckDBPyConnection, plan: _CsvPlan) -> dict:
    """Rows whose field count differs from the header's, counted by DuckDB over the whole file."""
    width = plan.header_width or len(plan.columns)
    counting = dataclasses.replace(plan, null_padding=False)
    suffix = uuid.uuid4().hex[:12]
    source = _read_csv_sql(counting, types=["VARCHAR"] * width, width=width,
                           extra=f"ignore_errors = true, store_rejects = true, rejects_table = 'ouvert_rejects_{suffix}', "
                                 f"rejects_scan = 'ouvert_scans_{suffix}', rejects_limit = 0")
    try:
        con.execute(f"SELECT count(*) FROM {source}").fetchall()
        wrong = f"FROM ouvert_rejects_{suffix} WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')"
        count = con.execute(f"SELECT count(DISTINCT line) {wrong}").fetchone()[0]
        examples = con.execute(f"SELECT DISTINCT line {wrong} ORDER BY line LIMIT {RAGGED_EXAMPLES}").fetchall()
        con.execute(f"DROP TABLE IF EXISTS ouvert_rejects_{suffix}")
        con.execute(f"DROP TABLE IF EXISTS ouvert_scans_{suffix}")
    except duckdb.Error:
        return {"rows": None, "examples": []}
    return {"rows": int(count or 0), "examples": [int(line) for (line,) in examples]}


# --- spreadsheets, JSON, Parquet ----------------------------------------------------------------------

def _xlsx_kind(value: Any) -> tuple[str | None, str]:
    """(text written to the intermediate CSV, kind) of one cell value from openpyxl."""
    import datetime as dt

    if value is None:
        return None, "blank"
    if isinstance(value, bool):
        return ("true" if value else "false"), "bool"
    if isinstance(value, int):
        return str(value), ("int" if -(2 ** 63) <= value < 2 ** 63 else "text")
    if isinstance(value, float):
        return repr(value), "float"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat(), "date"
        return value.replace(tzinfo=None).isoformat(sep=" "), "datetime"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    if isinstance(value, dt.time):
        return value.isoformat(), "text"
    text = str(value)
    return (text if text != "" else None), ("text" if text != "" else "blank")


def _xlsx_type(kinds: set[str]) -> str:
    kinds = kinds - {"blank"}
    if not kinds:
        return "VARCHAR"
    if kinds == {"int"}:
        return "BIGINT"
    if kinds <= {"int", "float"}:
        return "DOUBLE"
    if kinds == {"bool"}:
        return "BOOLEAN"
    if kinds == {"date"}:
        return "DATE"
    if kinds <= {"date", "datetime"}:
        return "TIMESTAMP"
    return "VARCHAR"


def _trimmed(row: tuple) -> list:
    values = list(row)
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    return values


def _xlsx_to_parquet(path: Path, tmp: Path, info: SourceInfo, con: duckdb.DuckDBPyConnection, runner: _Runner,
                     max_columns: int, warnings: list[dict]) -> tuple[int, dict]:
    damaged = IngestError("corrupt-file",
                          _("Le classeur XLSX est tronqué ou endommagé : il ne peut pas être lu jusqu'au bout. "
                            "Enregistrez-le de nouveau et téléversez-le en entier."))
    intermediate = tmp.with_name(tmp.name + ".xlsx.csv")
    try:
        with _workbook(path, damaged) as workbook:
            sheet = workbook[info.sheet] if info.sheet in workbook.sheetnames else workbook.worksheets[0]
            info.sheet = sheet.title
            total_rows = sheet.max_row or 0
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            head: list[list] = []
            try:
                for row in rows:
                    values = _trimmed(row)
                    if len(values) > max_columns:
                        raise _too_many_columns(len(values), max_columns)
                    if values:
                        head.append(values)
                    if len(head) >= 50:
                        break
                if not head:
                    raise IngestError("empty-file", _("La feuille « %(sheet)s » du classeur est vide.")
                                      % {"sheet": sheet.title})
                modal = Counter(len(values) for values in head).most_common(1)[0][0]
                start = next((index for index, values in enumerate(head)
                              if len(values) >= modal or (len(values) >= 2 and len(values) * 2 > modal)
                              or modal == 1), 0)
                header = ["" if value is None else str(value) for value in head[start]]
                info.header, info.has_header, info.skip_lines = header, True, start
                width = len(header)
                kinds: list[set[str]] = [set() for _ in range(width)]
                count = 0
                with open(intermediate, "w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle, lineterminator="\n")

                    def write(values: list) -> None:
                        nonlocal width, count
                        if len(values) > width:
                            if len(values) > max_columns:
                                raise _too_many_columns(len(values), max_columns)
                            kinds.extend(set() for _ in range(len(values) - width))
                            width = len(values)
                        cells = []
                        for position, value in enumerate(values):
                            text, kind = _xlsx_kind(value)
                            kinds[position].add(kind)
                            cells.append(text)
                        writer.writerow(cells)
                        count += 1
                        if count % 5000 == 0 and total_rows:
                            runner.report(0.8 * min(1.0, count / total_rows))

                    for values in head[start + 1:]:
                        write(values)
                    for row in rows:
                        values = _trimmed(row)
                        if values:
                            write(values)
            except IngestError:
                raise
            except Exception:  # zlib, XML or zip errors from a cut or damaged workbook
                raise damaged from None
        labels = header + [""] * (width - len(header))
        names, name_warnings = normalize_names(labels)
        warnings.extend(name_warnings)
        info.fields = [{"label": label, "type": _xlsx_type(kind)} for label, kind in zip(labels, kinds, strict=True)]
        columns = [_Column(name=name, read_type=field["type"], target=field["type"])
                   for name, field in zip(names, info.fields, strict=True)]
        plan = _CsvPlan(source=intermediate, columns=columns, has_header=False, skip_lines=0, delimiter=",",
                        quotechar='"', escapechar='"', decimal_separator=".", encoding="utf-8", null_padding=True)
        sql = f"COPY (SELECT {_select_sql(columns)} FROM {_read_csv_sql(plan)}) TO " \
              f"{duck.quote_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
        try:
            written = runner.run(sql, start=0.8, end=0.97)[0][0]
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.OutOfMemoryException):
                raise _out_of_memory(exc) from None
            raise _unreadable(exc, "XLSX") from None
        return written, {"rows": 0, "examples": []}
    finally:
        intermediate.unlink(missing_ok=True)


_NESTED_PREFIXES = ("STRUCT", "MAP", "UNION", "JSON")


def _relation_to_parquet(con: duckdb.DuckDBPyConnection, runner: _Runner, source_sql: str, tmp: Path,
                         max_columns: int, warnings: list[dict], labels: list[str] | None = None,
                         skip: frozenset[int] = frozenset()) -> int:
    """Copy the columns of a table expression to Parquet: names normalized, nested values as JSON text.

    ``labels`` replaces the names DuckDB reports (for a source aliased by position because its
    own names repeat); ``skip`` lists positions left out.
    """
    described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()
    described = [(name, labels[position] if labels else name, kind)
                 for position, (name, kind, *_rest) in enumerate(described) if position not in skip]
    if len(described) > max_columns:
        raise _too_many_columns(len(described), max_columns)
    if not described:
        raise IngestError("empty-file", _("Le fichier ne contient aucune colonne."))
    names, name_warnings = normalize_names([label for _name, label, _kind in described])
    warnings.extend(name_warnings)
    parts = []
    for (name, _label, kind), target in zip(described, names, strict=True):
        expression = duck.quote_identifier(name)
        upper = kind.upper()
        if upper.startswith(_NESTED_PREFIXES) or upper.endswith("]") or upper in {"BLOB", "BIT", "UUID", "INTERVAL"} \
                or upper.startswith(("GEOMETRY", "WKB")):
            expression = (f"to_json({expression})::VARCHAR" if not upper.startswith(("BLOB", "BIT", "UUID", "INTERVAL",
                                                                                      "GEOMETRY", "WKB"))
                          else f"{expression}::VARCHAR")
        elif upper in {"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER"}:
            expression = f"{expression}::BIGINT"
        elif upper == "FLOAT":
            expression = f"{expression}::DOUBLE"
        elif upper.startswith("TIMESTAMP_") or upper == "TIMESTAMP WITH TIME ZONE":
            expression = f"{expression}::TIMESTAMP" if upper != "TIMESTAMP WITH TIME ZONE" else expression
        parts.append(f"{expression} AS {duck.quote_identifier(target)}")
    sql = f"COPY (SELECT {', '.join(parts)} FROM {source_sql}) TO {duck.quote_literal(str(tmp))} " \
          f"(FORMAT parquet, COMPRESSION zstd)"
    return runner.run(sql, start=0.05, end=0.97)[0][0]


def _json_to_parquet(path: Path, tmp: Path, info: SourceInfo, con: duckdb.DuckDBPyConnection, runner: _Runner,
                     max_columns: int, warnings: list[dict]) -> tuple[int, dict]:
    transcoded = None
    source = path
    try:
        if info.encoding not in (None, "utf-8", "utf-8-sig"):
            transcoded = tmp.with_name(tmp.name + ".utf8.json")
            _transcode(path, transcoded, info.encoding, runner, 0.05)
            source = transcoded
        form = "newline_delimited" if info.format == "ndjson" else ("array" if _starts_with(path, "[") else "auto")
        last_error: BaseException | None = None
        for sample in ("", ", sample_size = -1"):
            source_sql = (f"read_json({duck.quote_literal(str(source))}, format = '{form}', "
                          f"maximum_object_size = 67108864{sample})")
            try:
                return _relation_to_parquet(con, runner, source_sql, tmp, max_columns, warnings), \
                    {"rows": 0, "examples": []}
            except duckdb.InterruptException:
                raise
            except duckdb.Error as exc:
                if isinstance(exc, duckdb.OutOfMemoryException):
                    raise _out_of_memory(exc) from None
                last_error = exc
                tmp.unlink(missing_ok=True)
        raise IngestError("invalid-json",
                          _("Le fichier JSON est invalide ou n'est pas un tableau d'enregistrements (une liste "
                            "d'objets, ou un objet par ligne)."), detail=_duckdb_detail(last_error)) from None
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


def _starts_with(path: Path, char: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] == char.encode()


def _parquet_to_parquet(path: Path, tmp: Path, info: SourceInfo, con: duckdb.DuckDBPyConnection, runner: _Runner,
                        max_columns: int, warnings: list[dict]) -> tuple[int, dict]:
    try:
        return _relation_to_parquet(con, runner, f"read_parquet({duck.quote_literal(str(path))})", tmp,
                                    max_columns, warnings), {"rows": 0, "examples": []}
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise _out_of_memory(exc) from None
        raise IngestError("corrupt-file", _("Le fichier Parquet est endommagé ou illisible."),
                          detail=_duckdb_detail(exc)) from None


def _ods_to_parquet(path: Path, tmp: Path, info: SourceInfo, con: duckdb.DuckDBPyConnection, runner: _Runner,
                    max_columns: int, warnings: list[dict]) -> tuple[int, dict]:
    con.execute(f"LOAD {duck.quote_literal(str(duck.spatial_extension_path()))}")
    path_sql = duck.quote_literal(str(path))
    try:
        layers = con.execute(f"SELECT layers FROM ST_Read_Meta({path_sql})").fetchone()[0] or []
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise _out_of_memory(exc) from None
        raise IngestError("corrupt-file", _("Le classeur ODS est tronqué ou endommagé : il ne peut pas être ouvert."),
                          detail=_duckdb_detail(exc)) from None
    info.sheets = [layer["name"] for layer in layers]
    if not info.sheets:
        raise IngestError("empty-file", _("Le classeur ne contient aucune feuille de calcul non vide."))
    info.sheet = info.sheet if info.sheet in info.sheets else info.sheets[0]
    layer = next(layer for layer in layers if layer["name"] == info.sheet)
    fields = layer["fields"]
    if len(fields) > max_columns:
        raise _too_many_columns(len(fields), max_columns)
    info.header = [field["name"] for field in fields]
    # GDAL gives the feature id first, then the fields, then any geometry. Columns are aliased
    # by position: a sheet may repeat a header, which DuckDB would refuse as a name.
    geometry = [field["name"] for field in layer.get("geometry_fields") or []]
    labels = ["OGC_FID", *info.header, *geometry]
    aliases = ", ".join(f"c{position}" for position in range(len(labels)))
    source_sql = (f"ST_Read({path_sql}, layer = {duck.quote_literal(info.sheet)}, "
                  f"open_options = ['HEADERS=FORCE']) AS sheet({aliases})")
    skip = frozenset({0, *range(1 + len(info.header), len(labels))})
    try:
        rows = _relation_to_parquet(con, runner, source_sql, tmp, max_columns, warnings, labels=labels, skip=skip)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise _out_of_memory(exc) from None
        raise IngestError("corrupt-file", _("Le classeur ODS n'a pas pu être lu."),
                          detail=_duckdb_detail(exc)) from None
    return rows, {"rows": 0, "examples": []}


_CONVERTERS = {"csv": _csv_to_parquet, "tsv": _csv_to_parquet, "xlsx": _xlsx_to_parquet, "ods": _ods_to_parquet,
               "json": _json_to_parquet, "ndjson": _json_to_parquet, "parquet": _parquet_to_parquet}


def to_parquet(path: str | os.PathLike, dest: str | os.PathLike, *, info: SourceInfo | dict | None = None,
               progress: ProgressCallback | None = None, max_columns: int | None = None,
               max_bytes: int | None = None, filename: str = "", media_type: str = "",
               con: duckdb.DuckDBPyConnection | None = None) -> IngestResult:
    """Convert a tabular file to one typed Parquet file at ``dest``.

    ``info`` is :func:`detect`'s answer (detected here when absent). ``progress(done, total)``
    is called regularly from the calling thread (bytes of the source). The Parquet file is
    written next to ``dest`` then moved into place atomically; on any error nothing is left
    behind and an existing ``dest`` is untouched. Raises :class:`IngestError`.
    """
    path, dest = Path(path), Path(dest)
    limit_bytes, limit_columns = _max_bytes(max_bytes), _max_columns(max_columns)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError("unreadable", _("Le fichier n'a pas pu être lu."), detail=exc.strerror or "") from None
    if size > limit_bytes:
        raise IngestError("too-large", _("Le fichier pèse %(size)s ; la limite est de %(limit)s.")
                          % {"size": _human_size(size), "limit": _human_size(limit_bytes)},
                          size=size, limit=limit_bytes)
    if info is None:
        info = detect(path, filename=filename, media_type=media_type)
    elif isinstance(info, dict):
        info = SourceInfo.from_dict(info)
    else:
        info = dataclasses.replace(info)
    if info.format in TEXT_FORMATS and len(info.fields) > limit_columns:
        raise _too_many_columns(len(info.fields), limit_columns)
    if info.format not in _CONVERTERS:
        raise IngestError("unsupported-format", _("Le format « %(format)s » n'est pas pris en charge.")
                          % {"format": info.format})
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    own = con is None
    con = con or duck.connect()
    warnings: list[dict] = []
    runner = _Runner(con, progress, size)
    try:
        runner.report(0.0)
        rows, ragged = _CONVERTERS[info.format](path, tmp, info, con, runner, limit_columns, warnings)
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({duck.quote_literal(str(tmp))})").fetchall()
        columns = [{"name": name, "type": table_schema_type(kind), "duckdb_type": kind}
                   for name, kind, *_rest in described]
        if ragged.get("rows"):
            message = ngettext(
                "%(count)d ligne n'a pas le même nombre de valeurs que l'en-tête : les valeurs manquantes sont "
                "laissées vides, les valeurs en trop vont dans des colonnes ajoutées (ligne %(lines)s).",
                "%(count)d lignes n'ont pas le même nombre de valeurs que l'en-tête : les valeurs manquantes sont "
                "laissées vides, les valeurs en trop vont dans des colonnes ajoutées (par exemple, lignes "
                "%(lines)s).", ragged["rows"])
            warnings.append({"code": "ragged-rows", "rows": ragged["rows"], "examples": ragged["examples"],
                             "message": message % {"count": ragged["rows"],
                                                   "lines": ", ".join(map(str, ragged["examples"][:5]))}})
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())  # complete on disk before it takes dest's place
        os.replace(tmp, dest)
        runner.report(1.0)
        return IngestResult(rows=int(rows), columns=columns, info=info.as_dict(), warnings=warnings,
                            ragged=ragged, path=str(dest), bytes=dest.stat().st_size)
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise _out_of_memory(exc) from None
        raise _unreadable(exc, info.format.upper()) from None
    finally:
        tmp.unlink(missing_ok=True)
        if own:
            con.close()
