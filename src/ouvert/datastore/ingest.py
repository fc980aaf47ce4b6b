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
import csv
import dataclasses
import io
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


_INT_RE = re.compile(r"[+-]?\d+")
_DEC_DOT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_DEC_COMMA_RE = re.compile(r"[+-]?(?:\d+,\d+|,\d+)")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")
_DMY_RE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_YMD_RE = re.compile(r"(\d{4})([/.])(\d{1,2})\2(\d{1,2})")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
_FR_MONTH_NUMBERS = {name: number for number, name in enumerate(_FR_MONTHS, start=1)}
_FR_MONTH_NUMBERS.update({"fevrier": 2, "aout": 8, "decembre": 12, "févr": 2, "janv": 1, "avr": 4,
                          "juil": 7, "sept": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12})
_FR_WEEKDAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
FR_LONG_DATE_PATTERN = (r"^\s*(?:(?:" + _FR_WEEKDAYS + r"),?\s+)?(1er|\d{1,2})\s+("
                        + "|".join(sorted(_FR_MONTH_NUMBERS, key=len, reverse=True))
                        + r")\.?\s+(\d{4})\s*$")
_FR_LONG_RE = re.compile(FR_LONG_DATE_PATTERN, re.IGNORECASE)
_BOOLEANS = {"true", "false"}


def _kind(value: str, comma_decimals: bool) -> str:
    """The kind of one non-empty sample value."""
    text = value.strip()
    if not text:
        return "blank"
    if _INT_RE.fullmatch(text):
        digits = text.lstrip("+-")
        if len(digits) > 1 and digits[0] == "0":
            return "code"
        return "int" if len(digits) <= 18 else "bigint"
    if _DEC_DOT_RE.fullmatch(text):
        integer = text.lstrip("+-").split(".")[0]
        return "code" if len(integer) > 1 and integer[0] == "0" else "dec_dot"
    if comma_decimals and _DEC_COMMA_RE.fullmatch(text):
        integer = text.lstrip("+-").split(",")[0]
        return "code" if len(integer) > 1 and integer[0] == "0" else "dec_comma"
    if text.lower() in _BOOLEANS:
        return "bool"
    first = text[0]
    if first.isdigit():
        if _ISO_DATE_RE.fullmatch(text):
            return "date_iso"
        if _ISO_TS_RE.fullmatch(text):
            return "ts_iso"
        if _DMY_RE.fullmatch(text):
            return "dmy"
        if _YMD_RE.fullmatch(text):
            return "ymd"
    if _FR_LONG_RE.match(text):
        return "date_fr"
    return "text"


def _column_guess(kinds: Counter, dmy_first_max: int, dmy_second_max: int, dmy_sep: str,
                  ymd_sep: str) -> dict:
    """A DuckDB type (and date form or decimal separator) for a column's sample kinds."""
    present = {kind for kind in kinds if kind != "blank"}
    if not present:
        return {"type": "VARCHAR"}
    if present <= {"int"}:
        return {"type": "BIGINT"}
    if present <= {"int", "dec_dot"}:
        return {"type": "DOUBLE"}
    if present <= {"int", "dec_comma"}:
        return {"type": "DOUBLE", "decimal": ","}
    if present == {"bool"}:
        return {"type": "BOOLEAN"}
    if present == {"date_iso"}:
        return {"type": "DATE"}
    if present <= {"date_iso", "ts_iso"}:
        return {"type": "TIMESTAMP"}
    if present == {"dmy"}:
        if dmy_first_max <= 12 < dmy_second_max:
            return {"type": "DATE", "format": f"%m{dmy_sep}%d{dmy_sep}%Y"}
        if dmy_first_max > 31 or dmy_second_max > 12 and dmy_first_max > 12:
            return {"type": "VARCHAR"}
        return {"type": "DATE", "format": f"%d{dmy_sep}%m{dmy_sep}%Y"}
    if present == {"ymd"}:
        return {"type": "DATE", "format": f"%Y{ymd_sep}%m{ymd_sep}%d"}
    if present == {"date_fr"}:
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
    for order, delimiter in enumerate(DELIMITERS):
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


def _detect_text(info: SourceInfo, head: bytes, complete: bool) -> None:
    encoding, text = _decode_sample(head, complete, info.filename)
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
    filled = [(start, fields) for start, fields in records if fields and any(field.strip() for field in fields)]
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
    if data and all(field.strip() and _kind(field, comma_decimals) not in {"text", "bool"} for field in header):
        # The first line holds numbers or dates: there is no header.
        info.has_header = False
        data = filled[header_index:]
        header = []
    info.header = list(header)
    width = max([len(header)] + [len(fields) for _start, fields in data[:TYPE_SAMPLE_ROWS]])
    ragged = [start for start, fields in data if info.has_header and len(fields) != len(header)]
    info.ragged_rows = len(ragged)
    info.ragged_examples = ragged[:RAGGED_EXAMPLES]
    info.blank_rows = sum(1 for start, fields in records if start > header_start and not any(f.strip() for f in fields))
    info.sample_rows = len(data)
    info.sample_complete = complete

    kinds = [Counter() for _ in range(width)]
    dmy = [[0, 0, "/"] for _ in range(width)]
    ymd_sep = ["/" for _ in range(width)]
    for _start, fields in data[:TYPE_SAMPLE_ROWS]:
        for position, value in enumerate(fields):
            kind = _kind(value, comma_decimals)
            kinds[position][kind] += 1
            if kind == "dmy":
                match = _DMY_RE.fullmatch(value.strip())
                state = dmy[position]
                state[0] = max(state[0], int(match.group(1)))
                state[1] = max(state[1], int(match.group(3)))
                state[2] = match.group(2)
            elif kind == "ymd":
                ymd_sep[position] = _YMD_RE.fullmatch(value.strip()).group(2)
    info.fields = []
    for position in range(width):
        label = header[position] if position < len(header) else ""
        guess = _column_guess(kinds[position], dmy[position][0], dmy[position][1], dmy[position][2],
                              ymd_sep[position])
        info.fields.append({"label": label, **guess})
    info.decimal_separator = "," if any(field.get("decimal") == "," for field in info.fields) else "."


# --- detection: spreadsheets and Parquet --------------------------------------------------------------

def _detect_xlsx(info: SourceInfo, path: Path) -> None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file
        raise IngestError("corrupt-file",
                          _("Le classeur XLSX est tronqué ou endommagé : il ne peut pas être ouvert. "
                            "Enregistrez-le de nouveau et téléversez-le en entier.")) from None
    try:
        sheets = [sheet.title for sheet in workbook.worksheets]
        if not sheets:
            raise IngestError("empty-file", _("Le classeur ne contient aucune feuille de calcul."))
        info.sheets = sheets
        info.sheet = info.sheet if info.sheet in sheets else sheets[0]
    finally:
        workbook.close()


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
    encoding, text = _decode_sample(head, complete, info.filename)
    json_format = _looks_like_json(text)
    if json_format:
        info.format, info.encoding = json_format, encoding
        return info
    if by_name in {"json", "ndjson"}:
        raise IngestError("invalid-json",
                          _("Le fichier porte le nom ou le type d'un fichier JSON mais ne commence ni par « [ » ni "
                            "par « { » : ce n'est pas un JSON de données tabulaires."))
    info.format = by_name if by_name in TEXT_FORMATS else "csv"
    _detect_text(info, head, complete)
    return info
