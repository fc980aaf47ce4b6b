"""Reading the CSV files people import (science's publications, journals and self-archiving policies, the
software inventory…): one way for every import of the platform, with errors a person can act on.

``read(data, required=…)`` takes the uploaded bytes and gives a ``Table``: the header (names folded:
case, accents, spaces and ``_``/``-`` do not matter, see ``column_key``) and the rows as dicts with the
line number each comes from. It accepts UTF-8 (with or without BOM) and, failing that, Windows-1252 (what
spreadsheet software writes on Windows; ``Table.encoding`` says which), and a comma, semicolon or tab as
delimiter. It raises ``ValidationError`` (nothing to import) for an empty file, a file that is not text,
a missing required column, or a row longer than the header. Each module gives its own size limit
(``max_bytes``; ``ImportTooLarge``, HTTP 413, above it)."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["ImportTooLarge", "Table", "check_size", "column_key", "read"]


class ImportTooLarge(Exception):
    """An upload above a module's import size limit (HTTP 413)."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(_("Le fichier pèse %(size)s octets ; la limite est de %(limit)s octets.")
                         % {"size": size, "limit": limit})


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line number, {column key: text})
    encoding: str = "utf-8"
    delimiter: str = ","


def column_key(name: str) -> str:
    """``« Journal ISSN (print version) »`` → ``journal issn print version``: the name a column is known by."""
    text = unicodedata.normalize("NFKD", name or "").casefold()
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join("".join(char if char.isalnum() else " " for char in text).split())


def check_size(size: int, limit: int) -> None:
    """``ImportTooLarge`` when ``size`` bytes are above ``limit``."""
    if size > limit:
        raise ImportTooLarge(size, limit)


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ValidationError(_("Le fichier n'est pas un fichier texte CSV (il contient des octets nuls)."))
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ValidationError(_("Le fichier n'est ni en UTF-8 ni en Windows-1252 (octet illisible à la position "
                                "%(position)s).") % {"position": exc.start}) from None


def read(data: bytes, *, required: list[str] = (), max_bytes: int | None = None) -> Table:
    """The table in ``data`` (see the module's docstring); ``required`` are column keys; ``max_bytes`` the
    size limit (none when ``None``)."""
    if max_bytes is not None:
        check_size(len(data), max_bytes)
    text, encoding = _decode(data)
    if not text.strip():
        raise ValidationError(_("Le fichier est vide."))
    first_line = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ValidationError(_("Ligne 1 : %(error)s.") % {"error": exc}) from None
    columns = [column_key(name) for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise ValidationError(_("Colonnes manquantes : %(missing)s (colonnes trouvées : %(found)s).")
                              % {"missing": ", ".join(missing), "found": ", ".join(c for c in columns if c) or "—"})
    table = Table(columns=columns, encoding=encoding, delimiter=delimiter)
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                raise ValidationError(_("Ligne %(line)s : %(count)s valeurs pour %(columns)s colonnes.")
                                      % {"line": line, "count": len(values), "columns": len(columns)})
            row = {column: value.strip() for column, value in zip(columns, values, strict=False) if column}
            table.rows.append((line, row))
    except csv.Error as exc:
        raise ValidationError(_("Ligne %(line)s : %(error)s.") % {"line": reader.line_num, "error": exc}) from None
    return table
