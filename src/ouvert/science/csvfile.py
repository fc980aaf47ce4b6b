"""Reading the CSV files people import (publications, journals, self-archiving policies): the platform's
reader (``ouvert.core.csvfile``: UTF-8 or Windows-1252, comma, semicolon or tab, folded column names, line
numbers, errors a person can act on) with the module's size limit, ``OUVERT_SCIENCE_IMPORT_MAX_BYTES``."""

from __future__ import annotations

from django.conf import settings

from ouvert.core import csvfile as _core
from ouvert.core.csvfile import ImportTooLarge, Table, column_key

__all__ = ["ImportTooLarge", "Table", "check_size", "column_key", "read"]


def check_size(size: int) -> None:
    """``ImportTooLarge`` (HTTP 413) above ``OUVERT_SCIENCE_IMPORT_MAX_BYTES``."""
    _core.check_size(size, settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES)


def read(data: bytes, *, required: list[str] = ()) -> Table:
    """The table in ``data`` (see ``ouvert.core.csvfile``), refused above the module's size limit."""
    return _core.read(data, required=required, max_bytes=settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES)
