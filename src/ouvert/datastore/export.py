"""Downloads of a table, whole or as the preview shows it (filtered, sorted), in CSV, JSON, Parquet, XLSX.

Nothing here holds the table in memory:

- CSV and JSON are streamed (``StreamingHttpResponse``): DuckDB gives the rows in batches of
  ``BATCH_ROWS`` (a streaming result, ``fetchmany``), each batch is written out and dropped; the
  first bytes leave before DuckDB has read the rest of the table.
- Parquet: the whole table is the stored file itself (``FileResponse``); a filtered or sorted
  view is written by DuckDB (``COPY … TO``, row group by row group) into a temporary file
  under the data folder, which is unlinked as soon as it is open and served from the open file.
- XLSX: openpyxl's write-only mode (rows go to a temporary file, never kept), at most Excel's
  1,048,576 rows (the header and 1,048,575 rows); when the view has more, the workbook says so
  in a second sheet, « Remarque », and the response carries ``X-Ouvert-Truncated: 1``.

Column names are written exactly as stored (accents, spaces, case). CSV is UTF-8 without a byte
order mark, comma-separated, fields quoted when needed (RFC 4180, ``\\r\\n``), empty for null,
``true``/``false`` for booleans, ISO 8601 dates. JSON is an array of objects, one per row, keys
in column order.

The caller says what to export with an ``ExportQuery``: where the rows come from (a relation or
``read_parquet(…)`` expression readable on the connection ``connect()`` opens), which columns
with their DuckDB types, and the filter and order as the table's query builder wrote them.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import math
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import duck
from .query import json_value

#: Rows DuckDB hands over at a time.
BATCH_ROWS = 10_000
#: Excel's limit: 1,048,576 rows per sheet, the header included.
XLSX_MAX_ROWS = 1_048_576
#: Excel's limit on a cell's text.
XLSX_MAX_CELL = 32_767


@dataclass(frozen=True)
class ExportFormat:
    key: str
    extension: str
    content_type: str
    label: str


FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8", "CSV"),
    "json": ExportFormat("json", "json", "application/json; charset=utf-8", "JSON"),
    "parquet": ExportFormat("parquet", "parquet", "application/vnd.apache.parquet", "Parquet"),
    "xlsx": ExportFormat("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         "Excel (XLSX)"),
}


@dataclass
class ExportQuery:
    """What to export.

    ``connect()`` opens a DuckDB connection (or cursor) on which ``source`` can be read; the export
    closes it when done. ``columns`` are ``(name, DuckDB type)`` in output order; ``where`` is a
    condition (without ``WHERE``) with ``?`` placeholders bound to ``params``; ``order`` is an
    ``ORDER BY`` list (without the keywords). ``stored_file`` is the table's Parquet file, served
    as it is when the export is the whole table (no ``where``, no ``order``, every column).
    """

    connect: Callable
    source: str
    columns: Sequence[tuple[str, str]]
    where: str = ""
    params: Sequence = field(default_factory=list)
    order: str = ""
    stored_file: str | os.PathLike | None = None
    whole_table: bool = False

    def select(self, *, typed: bool = False) -> str:
        """The SELECT of the export. ``typed=False`` turns what Python cannot receive without extra
        modules (timestamps with time zone, intervals) into text; ``typed=True`` keeps every type
        (for Parquet)."""
        parts = []
        for name, kind in self.columns:
            quoted = duck.quote_identifier(name)
            if not typed and _needs_text(kind):
                parts.append(f"CAST({quoted} AS VARCHAR) AS {quoted}")
            else:
                parts.append(quoted)
        sql = f"SELECT {', '.join(parts) or '*'} FROM {self.source}"
        if self.where:
            sql += f" WHERE {self.where}"
        if self.order:
            sql += f" ORDER BY {self.order}"
        return sql


def _needs_text(kind: str) -> bool:
    name = str(kind).upper()
    return "TIME ZONE" in name or name.endswith("TZ") or name in ("INTERVAL", "UUID", "BLOB", "BIT") \
        or name.startswith(("STRUCT", "MAP", "UNION")) or name.endswith("]") or name == "JSON"


# --- Values ------------------------------------------------------------------------------------

def _csv_bool(value):
    return value if value is None else ("true" if value else "false")


def _kinds(cursor) -> list[str]:
    return [str(column[1]).upper() for column in cursor.description]


def _batches(cursor, batch_rows: int) -> Iterator[list[tuple]]:
    while True:
        rows = cursor.fetchmany(batch_rows)
        if not rows:
            return
        yield rows


# --- CSV and JSON: streamed --------------------------------------------------------------------

def iter_csv(query: ExportQuery, *, batch_rows: int = BATCH_ROWS, delimiter: str = ",") -> Iterator[bytes]:
    """The export as CSV, in chunks of about ``batch_rows`` rows (header first, names as stored)."""
    con = query.connect()
    try:
        cursor = con.execute(query.select(), list(query.params))
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow([column[0] for column in cursor.description])
        booleans = [i for i, kind in enumerate(_kinds(cursor)) if kind == "BOOLEAN"]
        yield buffer.getvalue().encode("utf-8")
        for rows in _batches(cursor, batch_rows):
            buffer.seek(0)
            buffer.truncate()
            if booleans:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in booleans:
                        row[i] = _csv_bool(row[i])
            writer.writerows(rows)
            yield buffer.getvalue().encode("utf-8")
    finally:
        con.close()


def iter_json(query: ExportQuery, *, batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """The export as a JSON array of objects (one per row, keys in column order), in chunks."""
    con = query.connect()
    try:
        cursor = con.execute(query.select(), list(query.params))
        names = [column[0] for column in cursor.description]
        plain = {"BOOLEAN", "VARCHAR", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT"}
        convert = [kind not in plain for kind in _kinds(cursor)]
        encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
        first = True
        yield b"["
        for rows in _batches(cursor, batch_rows):
            if any(convert):
                records = [{name: (json_value(value) if conv else value)
                            for name, value, conv in zip(names, row, convert, strict=True)} for row in rows]
            else:
                records = [dict(zip(names, row, strict=True)) for row in rows]
            # One call encodes the batch; its brackets are dropped to continue the one array.
            body = encode(records)[1:-1].replace("},{", "},\n{")
            yield (("\n" if first else ",\n") + body).encode("utf-8")
            first = False
        yield b"\n]\n"
    finally:
        con.close()


# --- Parquet and XLSX: through a temporary file ---------------------------------------------

def exports_directory() -> Path:
    """Where exports being written live (under the data folder; each file is unlinked once open)."""
    path = duck.temp_directory().parent / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _temporary(suffix: str) -> Path:
    handle, name = tempfile.mkstemp(suffix=suffix, dir=exports_directory())
    os.close(handle)
    return Path(name)


def _open_and_unlink(path: Path):
    """The file opened for reading, already removed from the folder (it disappears once closed)."""
    stream = open(path, "rb")  # noqa: SIM115 (closed by the response)
    try:
        path.unlink()
    except OSError:
        pass
    return stream


def write_parquet(query: ExportQuery, dest: str | os.PathLike) -> None:
    """Write the export to ``dest`` as Parquet (types kept), by DuckDB, without holding it in memory."""
    con = query.connect()
    try:
        con.execute(f"COPY ({query.select(typed=True)}) TO {duck.quote_literal(str(dest))} "
                    "(FORMAT parquet, COMPRESSION zstd)", list(query.params))
    finally:
        con.close()


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value):
    if isinstance(value, str):
        if _ILLEGAL_XML.search(value):
            value = _ILLEGAL_XML.sub("", value)
        return value[:XLSX_MAX_CELL]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, dict | list | tuple):
        return json.dumps(json_value(value), ensure_ascii=False)[:XLSX_MAX_CELL]
    if isinstance(value, bytes | bytearray | memoryview | uuid.UUID | datetime.timedelta):
        return str(json_value(value))
    return value


@dataclass
class XlsxResult:
    rows: int
    truncated: bool


def write_xlsx(query: ExportQuery, dest: str | os.PathLike, *, max_rows: int = XLSX_MAX_ROWS - 1,
               batch_rows: int = BATCH_ROWS, sheet_title: str = "") -> XlsxResult:
    """Write the export to ``dest`` as an XLSX workbook (openpyxl write-only), at most ``max_rows``
    rows under the header; with more, a « Remarque » sheet says how many were left out."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or _("Données"))[:31])
    con = query.connect()
    written, truncated = 0, False
    try:
        cursor = con.execute(query.select(), list(query.params))
        from openpyxl.cell import WriteOnlyCell

        header = []
        for column in cursor.description:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(column[0]))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for rows in _batches(cursor, batch_rows):
            room = max_rows - written
            if room <= 0:
                truncated = True
                break
            if len(rows) > room:
                rows = rows[:room]
                truncated = True
            for row in rows:
                sheet.append([_xlsx_value(value) if value is not None else None for value in row])
            written += len(rows)
            if truncated:
                break
        if truncated:
            remaining = con.execute(f"SELECT count(*) FROM ({query.select()})", list(query.params)).fetchone()[0]
            note = workbook.create_sheet(title=_("Remarque")[:31])
            note.append([_("Excel accepte au plus %(max)s lignes par feuille : ce classeur contient les %(rows)s "
                           "premières lignes sur %(total)s. Téléchargez le fichier en CSV ou en Parquet pour "
                           "avoir toutes les lignes.") % {"max": f"{XLSX_MAX_ROWS:,}".replace(",", " "),
                                                           "rows": f"{written:,}".replace(",", " "),
                                                           "total": f"{remaining:,}".replace(",", " ")}])
    finally:
        con.close()
    workbook.save(str(dest))
    return XlsxResult(rows=written, truncated=truncated)


# --- Responses ------------------------------------------------------------------------------

def download_name(name: str, extension: str) -> str:
    """A file name for a download: the resource's name as a slug (accents dropped), or « donnees »."""
    stem = slugify(name or "")[:100].strip("-") or "donnees"
    return f"{stem}.{extension}"


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_response(query: ExportQuery, fmt: str, *, name: str) -> HttpResponseBase:
    """The download of ``query`` in format ``fmt`` (a key of ``FORMATS``), named after ``name``.

    CSV and JSON stream as DuckDB reads; Parquet and XLSX are written to a temporary file first
    (constant memory) and served from it. Raises ``KeyError`` for an unknown format.
    """
    spec = FORMATS[fmt]
    filename = download_name(name, spec.extension)
    if fmt in ("csv", "json"):
        chunks = iter_csv(query) if fmt == "csv" else iter_json(query)
        # The query runs now (its first chunk is the header), so that an error is the view's to
        # answer, before any byte of the response is sent.
        first = next(chunks)
        return _attachment(StreamingHttpResponse(itertools.chain([first], chunks), content_type=spec.content_type),
                           filename)
    if fmt == "parquet":
        if query.whole_table and query.stored_file and os.path.exists(query.stored_file):
            return _attachment(FileResponse(open(query.stored_file, "rb"), as_attachment=True,  # noqa: SIM115
                                            filename=filename, content_type=spec.content_type), filename)
        path = _temporary(".parquet")
        try:
            write_parquet(query, path)
            stream = _open_and_unlink(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _attachment(FileResponse(stream, as_attachment=True, filename=filename,
                                        content_type=spec.content_type), filename)
    path = _temporary(".xlsx")
    try:
        result = write_xlsx(query, path)
        stream = _open_and_unlink(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    response = _attachment(FileResponse(stream, as_attachment=True, filename=filename,
                                        content_type=spec.content_type), filename)
    response["X-Ouvert-Rows"] = str(result.rows)
    if result.truncated:
        response["X-Ouvert-Truncated"] = "1"
    return response
