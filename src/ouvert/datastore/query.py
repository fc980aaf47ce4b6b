"""Reading a table the way CKAN's ``datastore_search`` does, with DuckDB over the table's Parquet file.

Each process keeps one DuckDB database (``duck.connect``) and, for each Parquet file it has
read, one relation named after the file: an in-memory copy of the table while the copies fit in
``OUVERT_DATASTORE_CACHE_MB`` (least recently used ones are dropped first), otherwise a view over
the file. A table's file never changes (a new version is a new file), so nothing is ever stale:
the served table is looked up in the database at each request, its relation by its path.

An in-memory copy lives in an in-memory database of its own, attached with compression and
checkpointed once loaded: DuckDB then stores it as it stores files (dictionaries, FSST, bit
packing…), about ten times smaller than plain in-memory rows on the bike counts, and filters and
aggregates read the compressed columns (on a million rows, a text filter with its sorted page in
13 ms instead of 18, a grouped aggregate in 16 ms instead of 39). Loading costs one more pass (the
checkpoint, about a second per million rows, once per process); dropping it detaches it.

Every relation has ``_id`` first: the row's number in the file, from 1, as CKAN's ``_id``. Rows
without a ``sort`` come in that order (DuckDB keeps insertion order when a query has no
``ORDER BY``), so the first page of a filtered table needs no sort at all.

Nothing from the request is ever written into SQL: column names are checked against the table's
columns and quoted, values are converted to the column's type in Python and passed as parameters.
Errors are ``ValidationError`` keyed by parameter, with a French message saying what is wrong.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import hashlib
import io
import json
import math
import os
import re
import threading
import unicodedata
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlencode

import duckdb
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import duck

#: Rows a search gives when ``limit`` is not given, and the most it gives (CKAN's defaults).
DEFAULT_LIMIT = 100
DEFAULT_ROWS_MAX = 32000
#: Bounds on what a request may hold.
MAX_VALUE_LENGTH = 10_000
MAX_FILTER_VALUES = 1000
MAX_QUERY_WORDS = 20
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
#: Parameters ``datastore_search`` reads; CKAN answers any other with a Validation Error, and so do we.
KNOWN_PARAMS = frozenset({
    "resource_id", "id", "filters", "q", "full_text", "plain", "language", "fields", "sort", "limit", "offset",
    "distinct", "include_total", "total_estimation_threshold", "records_format", "callback", "_",
})
ROW_ID = "_id"


def _timeout() -> float:
    """Seconds a search may run (``OUVERT_DATASTORE_SQL_TIMEOUT``, as SQL queries)."""
    return float(getattr(settings, "OUVERT_DATASTORE_SQL_TIMEOUT", 10.0))


def rows_max() -> int:
    return int(getattr(settings, "OUVERT_DATASTORE_SQL_MAX_ROWS", DEFAULT_ROWS_MAX))


# --- Types ----------------------------------------------------------------------------------

_INT_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
              "UBIGINT", "UHUGEINT"}


def ckan_type(duckdb_type) -> str:
    """CKAN's name for a DuckDB column type: int, numeric, text, date, timestamp, time, bool or json."""
    name = str(duckdb_type).upper()
    if name in _INT_TYPES:
        return "int"
    if name in {"FLOAT", "DOUBLE", "REAL"} or name.startswith("DECIMAL"):
        return "numeric"
    if name in {"VARCHAR", "UUID"} or name.startswith("ENUM"):
        return "text"
    if name == "DATE":
        return "date"
    if name.startswith("TIMESTAMP"):
        return "timestamp"
    if name.startswith("TIME"):
        return "time"
    if name == "BOOLEAN":
        return "bool"
    if name == "INTERVAL" or name == "BLOB":
        return "text"
    return "json"


def _number(value):
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() and abs(value) < 2 ** 53 else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_value(value):
    """A value DuckDB gave, as JSON can hold it (dates as ISO 8601 text, as CKAN gives them)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return _number(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)


def converter(duckdb_type):
    """A function turning DuckDB's values of this type into JSON values (identity when already)."""
    name = str(duckdb_type).upper()
    if name in _INT_TYPES or name in {"VARCHAR", "BOOLEAN"}:
        return None
    if name in {"FLOAT", "DOUBLE", "REAL"} or name.startswith("DECIMAL"):
        return _number
    return json_value


# --- The process's DuckDB --------------------------------------------------------------------

@dataclass
class Relation:
    """A table as this process serves it: its name in the process's DuckDB, columns, rows."""

    name: str
    path: str
    columns: list[tuple[str, str]]  # (name, DuckDB type), ``_id`` first
    rows: int
    in_memory: bool
    size: int = 0
    #: In-memory copies only: ``<name>_q`` holds each row's text, folded for full-text search, once asked for.
    folded: str | None = None
    #: In-memory copies only: the attached database holding the copy (``name`` is ``<database>.main.data``).
    database: str | None = None

    @property
    def names(self) -> list[str]:
        return [name for name, _type in self.columns]

    @property
    def types(self) -> dict[str, str]:
        return dict(self.columns)

    def fields(self) -> list[dict]:
        return [{"id": name, "type": ckan_type(kind)} for name, kind in self.columns]


class _Engine(duck.ProcessDatabase):
    """One DuckDB database per process (re-opened after a fork), its relations, an LRU of copies."""

    def __init__(self):
        super().__init__()
        self.lock = threading.RLock()
        self.relations: OrderedDict[str, Relation] = OrderedDict()
        self.memory = 0


engine = duck.per_process(_Engine)


def cache_budget() -> int:
    """Bytes of in-memory table copies one process keeps (``OUVERT_DATASTORE_CACHE_MB``)."""
    return int(float(getattr(settings, "OUVERT_DATASTORE_CACHE_MB", 512)) * 1024 * 1024)


#: In-memory size of a table compared with its Parquet file's uncompressed size (measured: 2.5).
_MEMORY_FACTOR = 2.5


def _relation_name(path: str) -> str:
    return "t_" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:20]


def _memory_used(cur) -> int:
    return int(cur.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0])


def select_list(cur, path: str) -> tuple[str, list[tuple[str, str]]]:
    """The SELECT of a table's relation: ``_id`` then the file's columns (a column of the file named
    ``_id`` is served as ``_id_1``); and the served columns."""
    described = cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    taken = {row[0].lower() for row in described} | {ROW_ID}
    parts = [f"file_row_number + 1 AS {ROW_ID}"]
    columns = [(ROW_ID, "BIGINT")]
    for row in described:
        name, kind = row[0], row[1]
        served = name
        if name.lower() in (ROW_ID, "file_row_number"):
            n = 1
            while f"{name}_{n}".lower() in taken:
                n += 1
            served = f"{name}_{n}"
            taken.add(served.lower())
        parts.append(f"{duck.quote_identifier(name)} AS {duck.quote_identifier(served)}")
        columns.append((served, kind))
    if any(row[0].lower() == "file_row_number" for row in described):
        raise ValidationError({"resource_id": [_("Ce tableau a une colonne « file_row_number », un nom réservé.")]})
    return ", ".join(parts), columns


def relation(path: str) -> Relation:
    """The relation serving the Parquet file ``path`` in this process (created on first use)."""
    eng = engine()
    path = str(path)
    with eng.lock:
        found = eng.relations.get(path)
        if found is not None:
            eng.relations.move_to_end(path)
            return found
        cur = eng.con
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        name = _relation_name(path)
        database = None
        select, columns = select_list(cur, path)
        source = f"SELECT {select} FROM read_parquet({duck.quote_literal(path)}, file_row_number = true)"
        uncompressed, rows = cur.execute(
            "SELECT coalesce(sum(total_uncompressed_size), 0), "
            "(SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(?)) FROM parquet_metadata(?)",
            [path, path]).fetchone()
        estimate = int(uncompressed * _MEMORY_FACTOR)
        budget = cache_budget()
        in_memory = 0 < estimate <= budget
        size = 0
        if in_memory:
            # The estimate is what the copy takes before its checkpoint compresses it: room for that.
            _evict(eng, budget - estimate)
            before = _memory_used(cur)
            database, table = name, f"{name}.main.data"
            try:
                cur.execute(f"DETACH DATABASE IF EXISTS {database}")
                cur.execute(f"ATTACH ':memory:' AS {database} (COMPRESS)")
                cur.execute(f"CREATE TABLE {table} AS {source}")
                # An ART index on ``_id``: a sorted page fetches its rows by id (see ``execute``).
                cur.execute(f"CREATE INDEX {name}_id ON {table} ({ROW_ID})")
                # Compressed now (nothing else uses this database yet: the checkpoint waits for no one).
                cur.execute(f"CHECKPOINT {database}")
            except duckdb.OutOfMemoryException:
                # DuckDB's memory limit is lower than the copies need: read the file instead.
                cur.execute(f"DETACH DATABASE IF EXISTS {database}")
                in_memory, database = False, None
            else:
                name = table
                size = max(_memory_used(cur) - before, 1 << 20)
                eng.memory += size
        if not in_memory:
            cur.execute(f"CREATE OR REPLACE VIEW {name} AS {source}")
        found = Relation(name=name, path=path, columns=columns, rows=int(rows), in_memory=in_memory, size=size,
                         database=database)
        eng.relations[path] = found
        if in_memory and eng.memory > budget:
            _evict(eng, budget, keep=path)
        return found


def _evict(eng: _Engine, room: int, keep: str | None = None) -> None:
    """Drop least recently used in-memory copies until they take at most ``room`` bytes."""
    for path in list(eng.relations):
        if eng.memory <= max(room, 0):
            break
        rel = eng.relations[path]
        if path == keep or not rel.in_memory:
            continue
        _drop(eng, rel)
        del eng.relations[path]


def _drop(eng: _Engine, rel: Relation) -> None:
    if rel.in_memory:
        eng.con.execute(f"DETACH DATABASE IF EXISTS {rel.database}")
    else:
        eng.con.execute(f"DROP VIEW IF EXISTS {rel.name}")
    eng.memory -= rel.size


def folded_text(rel: Relation) -> str | None:
    """The table of each row's folded text (``<name>_q``: ``_id``, ``q``) of an in-memory copy, made on
    the first full-text search (about a second per million rows), or ``None`` (a view: no copy)."""
    if not rel.in_memory:
        return None
    if rel.folded is not None:
        return rel.folded
    text_columns = [name for name, kind in rel.columns if ckan_type(kind) == "text" and name != ROW_ID]
    if not text_columns:
        return None
    eng = engine()
    with eng.lock:
        if rel.folded is None and eng.relations.get(rel.path) is rel:
            joined = ", ".join(duck.quote_identifier(name) for name in text_columns)
            before = _memory_used(eng.con)
            eng.con.execute(f"CREATE OR REPLACE TABLE {rel.name}_q AS SELECT {ROW_ID}, "
                            f"strip_accents(lower(concat_ws(chr(31), {joined}))) AS q FROM {rel.name}")
            try:  # compressed as the copy (word search twice as fast); a search reading it now can delay that
                eng.con.execute(f"CHECKPOINT {rel.database}")
            except duckdb.TransactionException:
                pass
            grown = max(_memory_used(eng.con) - before, 0)
            rel.size += grown
            eng.memory += grown
            rel.folded = f"{rel.name}_q"
    return rel.folded


def forget(path: str) -> None:
    """Drop what this process keeps of ``path`` (its file is being deleted)."""
    from . import sql  # the sandboxes of ``datastore_search_sql`` over that file go too

    eng = engine()
    with eng.lock:
        rel = eng.relations.pop(str(path), None)
        if rel is not None:
            _drop(eng, rel)
    sql.forget(path)


def clear() -> None:
    """Forget every relation and ``datastore_search_sql`` sandbox of this process (tests)."""
    from . import sql

    eng = engine()
    with eng.lock:
        for path in list(eng.relations):
            forget(path)
    sql.clear()


# --- Parameters -----------------------------------------------------------------------------

def _error(key: str, message: str) -> ValidationError:
    return ValidationError({key: [message]})


def bool_value(params: dict, key: str, default: bool) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return default
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t", "y"):
        return True
    if text in ("false", "0", "no", "off", "f", "n"):
        return False
    raise _error(key, _("Valeur booléenne attendue (true ou false), pas « %(value)s ».") % {"value": _short(value)})


def int_value(params: dict, key: str, default: int, *, low: int = 0, high: int | None = None) -> int:
    value = params.get(key, default)
    if value in (None, ""):
        return default
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise _error(key, _("Nombre entier attendu, pas « %(value)s ».") % {"value": _short(value)})
    try:
        number = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except ValueError:
        raise _error(key, _("Nombre entier attendu, pas « %(value)s ».") % {"value": _short(value)}) from None
    if number < low:
        raise _error(key, _("Doit être au moins %(low)s.") % {"low": low})
    if high is not None and number > high:
        number = high
    return number


def _short(value, length: int = 80) -> str:
    text = str(value).replace("\x00", "\\0")
    return text if len(text) <= length else text[:length] + "…"


def _check_text(key: str, value: str) -> str:
    if "\x00" in value:
        raise _error(key, _("Le caractère nul (\\0) n'est pas permis."))
    if len(value) > MAX_VALUE_LENGTH:
        raise _error(key, _("Valeur trop longue : au plus %(max)s caractères.") % {"max": MAX_VALUE_LENGTH})
    return value


def _json_param(params: dict, key: str):
    value = params.get(key)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(text)
            except ValueError:
                raise _error(key, _("JSON invalide.")) from None
    return value


def list_value(params: dict, key: str) -> list[str] | None:
    """A list given as a JSON list, a list, or comma-separated text (CKAN's ``get_list``)."""
    value = _json_param(params, key)
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        _check_text(key, value)
        items = [item.strip() for item in _split_outside_quotes(value, ",")]
        return [_unquote(item) for item in items if item]
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if not isinstance(item, str):
                raise _error(key, _("Liste de noms de colonnes attendue."))
            items.append(_check_text(key, item))
        return items
    raise _error(key, _("Liste de noms de colonnes attendue."))


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                current.append('""')
                i += 2
                continue
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def fold(text: str) -> str:
    """Lower case, accents removed: how full-text search compares (DuckDB's ``strip_accents(lower())``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_INT_RE = re.compile(r"^[+-]?\d+$")


def typed_value(key: str, column: str, kind: str, value):
    """``value`` converted to the Python value of column type ``kind``; Validation Error otherwise."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise _error(key, _("Colonne « %(column)s » : valeur simple attendue.") % {"column": _short(column)})
    ctype = ckan_type(kind)

    def bad():
        return _error(key, _("Colonne « %(column)s » (%(type)s) : « %(value)s » n'est pas une valeur de ce type.")
                      % {"column": _short(column), "type": ctype, "value": _short(value)})

    text = value if isinstance(value, str) else None
    if text is not None:
        _check_text(key, text)
    try:
        if ctype == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                return int(value)
            if isinstance(value, int):
                return value
            if not _INT_RE.match(text.strip()):
                raise ValueError
            return int(text.strip())
        if ctype == "numeric":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, int | float):
                number = float(value)
            else:
                number = float(text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text
                               else text.strip())
            if not math.isfinite(number):
                raise ValueError
            return number
        if ctype == "bool":
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in ("true", "t", "1", "yes", "oui", "vrai"):
                return True
            if lowered in ("false", "f", "0", "no", "non", "faux"):
                return False
            raise ValueError
        if ctype == "date":
            return datetime.date.fromisoformat(str(value).strip())
        if ctype == "timestamp":
            stamp = datetime.datetime.fromisoformat(str(value).strip())
            if "TIME ZONE" not in kind.upper() and stamp.tzinfo is not None:
                stamp = stamp.astimezone(datetime.UTC).replace(tzinfo=None)
            return stamp
        if ctype == "time":
            return datetime.time.fromisoformat(str(value).strip())
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise bad() from None
    if ctype == "json":
        raise _error(key, _("Colonne « %(column)s » : on ne peut pas filtrer une colonne de ce type.")
                     % {"column": _short(column)})
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, bool) else str(value)


@dataclass
class Search:
    """A parsed ``datastore_search`` request."""

    filters: dict = field(default_factory=dict)  # column -> list of typed values
    q_words: list[str] = field(default_factory=list)  # over every text column
    q_columns: dict = field(default_factory=dict)  # column -> words
    fields: list[str] | None = None
    sort: list[tuple[str, str, str]] = field(default_factory=list)  # (column, ASC|DESC, NULLS …)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    distinct: bool = False
    include_total: bool = True
    records_format: str = "objects"
    echo: dict = field(default_factory=dict)  # what CKAN gives back of the request


def _column(key: str, name, rel: Relation) -> str:
    if not isinstance(name, str):
        raise _error(key, _("Nom de colonne attendu."))
    _check_text(key, name)
    if name in rel.types:
        return name
    raise _error(key, _("Colonne inconnue : « %(name)s ». Colonnes : %(columns)s.")
                 % {"name": _short(name), "columns": ", ".join(rel.names[:50])})


def _words(key: str, text) -> list[str]:
    if not isinstance(text, str):
        raise _error(key, _("Texte attendu."))
    _check_text(key, text)
    words = [word for word in re.split(r"[\s\"'’`]+", fold(text)) if word]
    if len(words) > MAX_QUERY_WORDS:
        raise _error(key, _("Au plus %(max)s mots.") % {"max": MAX_QUERY_WORDS})
    return words


_SORT_ORDER = re.compile(r"\s+(asc|desc)(\s+nulls\s+(first|last))?\s*$", re.IGNORECASE)
_SORT_NULLS = re.compile(r"\s+nulls\s+(first|last)\s*$", re.IGNORECASE)


def _sort_clause(text: str, rel: Relation) -> tuple[str, str, str]:
    """One clause of ``sort``: ``col``, ``"col" desc``, ``col asc nulls last``, ``Temp (C) desc``."""
    clause = text.strip()
    direction, nulls = "ASC", ""
    match = _SORT_ORDER.search(clause)
    if match:
        direction = match.group(1).upper()
        if match.group(3):
            nulls = "NULLS " + match.group(3).upper()
        clause = clause[:match.start()]
    else:
        match = _SORT_NULLS.search(clause)
        if match:
            nulls = "NULLS " + match.group(1).upper()
            clause = clause[:match.start()]
    clause = clause.strip()
    if len(clause) >= 2 and clause[0] == '"' and clause[-1] == '"':
        clause = clause[1:-1].replace('""', '"')
    if clause not in rel.types:
        raise _error("sort", _("Tri impossible : colonne inconnue « %(name)s ». Colonnes : %(columns)s.")
                     % {"name": _short(clause), "columns": ", ".join(rel.names[:50])})
    return clause, direction, nulls


def parse(params: dict, rel: Relation) -> Search:
    """Read a ``datastore_search`` request against the columns of ``rel``."""
    if not isinstance(params, dict):
        raise _error("__all__", _("Les paramètres doivent être un objet JSON."))
    unknown = sorted(str(key) for key in params if key not in KNOWN_PARAMS)
    if unknown:
        key = unknown[0]
        raise _error(key[:100], _("Paramètre inconnu : « %(name)s ».") % {"name": _short(key)})
    search = Search()
    echo = search.echo

    filters = _json_param(params, "filters")
    if filters not in (None, "", {}):
        if not isinstance(filters, dict):
            raise _error("filters", _("Un objet JSON {colonne: valeur ou liste de valeurs} est attendu."))
        for name, value in filters.items():
            column = _column("filters", name, rel)
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_FILTER_VALUES:
                raise _error("filters", _("Au plus %(max)s valeurs par colonne.") % {"max": MAX_FILTER_VALUES})
            search.filters[column] = [typed_value("filters", column, rel.types[column], item) for item in values]
        echo["filters"] = filters

    q = _json_param(params, "q")
    if q in (None, "") and params.get("full_text") not in (None, ""):
        q = params.get("full_text")
    if isinstance(q, dict):
        for name, text in q.items():
            column = _column("q", name, rel)
            words = _words("q", text)
            if words:
                search.q_columns[column] = words
        echo["q"] = q
    elif q not in (None, ""):
        search.q_words = _words("q", q)
        echo["q"] = q

    fields = list_value(params, "fields")
    if fields is not None:
        search.fields = [_column("fields", name, rel) for name in fields]
        if len(set(search.fields)) != len(search.fields):
            raise _error("fields", _("Une colonne est demandée deux fois."))

    sort = params.get("sort")
    if isinstance(sort, list):
        clauses = sort
    elif sort in (None, ""):
        clauses = []
    elif isinstance(sort, str):
        _check_text("sort", sort)
        clauses = _split_outside_quotes(sort, ",")
    else:
        raise _error("sort", _("Texte attendu : « colonne desc, colonne2 »."))
    for clause in clauses:
        if not isinstance(clause, str):
            raise _error("sort", _("Texte attendu : « colonne desc, colonne2 »."))
        if clause.strip():
            search.sort.append(_sort_clause(clause, rel))
    if sort not in (None, "", []):
        echo["sort"] = sort

    search.limit = int_value(params, "limit", DEFAULT_LIMIT, low=0, high=rows_max())
    if "offset" in params:
        search.offset = int_value(params, "offset", 0, low=0)
        echo["offset"] = search.offset
    search.distinct = bool_value(params, "distinct", False)
    if "distinct" in params:
        echo["distinct"] = search.distinct
    search.include_total = bool_value(params, "include_total", True)
    fmt = params.get("records_format") or "objects"
    if fmt not in RECORDS_FORMATS:
        raise _error("records_format", _("Format inconnu « %(value)s » : objects, lists, csv ou tsv.")
                     % {"value": _short(fmt)})
    search.records_format = fmt
    for key in ("plain", "language"):
        if key in params:
            echo[key] = params[key]
    return search


# --- Running a search ------------------------------------------------------------------------

def where_sql(search: Search, rel: Relation) -> tuple[str, list]:
    """The ``WHERE`` clause of a parsed search (`` WHERE …``, or ``""`` when nothing filters) and its
    parameters: the filters, the words over every text column and the words per column."""
    clauses, args = [], []
    for column, values in search.filters.items():
        quoted = duck.quote_identifier(column)
        present = [value for value in values if value is not None]
        parts = []
        if present:
            if len(present) == 1:
                parts.append(f"{quoted} = ?")
            else:
                parts.append(f"{quoted} IN ({', '.join('?' for _value in present)})")
            args.extend(present)
        if len(present) != len(values):
            parts.append(f"{quoted} IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")")
    text_columns = [name for name, kind in rel.columns if ckan_type(kind) == "text" and name != ROW_ID]
    if search.q_words:
        folded_table = folded_text(rel)
        if not text_columns:
            clauses.append("FALSE")
        elif folded_table is not None:
            tests = " AND ".join("contains(q, ?)" for _word in search.q_words)
            clauses.append(f"{ROW_ID} IN (SELECT {ROW_ID} FROM {folded_table} WHERE {tests})")
            args.extend(search.q_words)
        else:
            joined = ", ".join(duck.quote_identifier(name) for name in text_columns)
            folded = f"strip_accents(lower(concat_ws(chr(31), {joined})))"
            for word in search.q_words:
                clauses.append(f"contains({folded}, ?)")
                args.append(word)
    for column, words in search.q_columns.items():
        folded = f"strip_accents(lower(CAST({duck.quote_identifier(column)} AS VARCHAR)))"
        for word in words:
            clauses.append(f"contains({folded}, ?)")
            args.append(word)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def order_sql(search: Search) -> str:
    """The ``ORDER BY`` clause of a parsed search (`` ORDER BY …``, ties broken by ``_id``), or ``""``."""
    if not search.sort:
        return ""  # insertion order: the file's order, ``_id`` ascending
    parts = [f"{duck.quote_identifier(column)} {direction}{(' ' + nulls) if nulls else ''}"
             for column, direction, nulls in search.sort]
    if not search.distinct and ROW_ID not in {column for column, _d, _n in search.sort}:
        parts.append(ROW_ID)  # ties in file order: pages never repeat nor skip a row
    return " ORDER BY " + ", ".join(parts)


def _links(base: tuple[str, dict] | None, search: Search) -> dict:
    if base is None:
        return {}
    path, query = base
    start = {k: v for k, v in query.items() if k != "offset"}
    following = dict(start)
    following["offset"] = search.offset + search.limit
    links = {"start": path + (("?" + urlencode(start, doseq=True)) if start else ""),
             "next": path + "?" + urlencode(following, doseq=True)}
    if search.offset - search.limit > 0:
        previous = dict(start)
        previous["offset"] = search.offset - search.limit
        links["prev"] = path + "?" + urlencode(previous, doseq=True)
    return links


def execute(rel: Relation, search: Search, *, resource_id: str, links: tuple[str, dict] | None = None) -> dict:
    """Run a parsed search on ``rel``; the result as CKAN's ``datastore_search`` gives it."""
    names = search.fields or rel.names
    select = ", ".join(duck.quote_identifier(name) for name in names)
    where, args = where_sql(search, rel)
    distinct = "DISTINCT " if search.distinct else ""
    sql = (f"SELECT {distinct}{select} FROM {rel.name}{where}{order_sql(search)} "
           f"LIMIT {int(search.limit)} OFFSET {int(search.offset)}")
    cur = engine().cursor()
    timer = threading.Timer(_timeout(), cur.interrupt)
    timer.start()
    try:
        total = None
        if not search.limit:
            rows = []
        elif search.sort and not search.distinct and rel.in_memory and len(names) > 2:
            rows, total = _sorted_page(cur, rel, search, names, where, args, count=search.include_total)
        elif search.q_words and rel.folded and not search.distinct:
            # Words over the folded text: one pass finds the matching rows, counted and paged (in file
            # order) from there; the page alone would have joined the folded text once more.
            rows, total = sorted_page(cur, rel, names=names, where=where, args=args, order=f" ORDER BY {ROW_ID}",
                                      sort_columns=[], limit=search.limit, offset=search.offset,
                                      count=search.include_total)
        else:
            rows = cur.execute(sql, args).fetchall()
        if search.include_total and total is None:
            if not where and not search.distinct:
                total = rel.rows
            else:
                total = cur.execute(f"SELECT count(*) FROM (SELECT {distinct}{select} FROM {rel.name}{where})",
                                    args).fetchone()[0]
    except duckdb.ConversionException as exc:
        raise _error("filters", _("Valeur impossible à comparer : %(error)s") % {"error": _short(exc, 300)}) from None
    except duckdb.InvalidInputException as exc:
        raise _error("q", _("Requête invalide : %(error)s") % {"error": _short(exc, 300)}) from None
    except duckdb.InterruptException:
        raise _error("query", _("La recherche a pris trop de temps (plus de %(seconds)s s) : ajoutez des filtres.")
                     % {"seconds": f"{_timeout():g}"}) from None
    finally:
        timer.cancel()
    types = rel.types
    converters = [converter(types[name]) for name in names]
    if any(converters):
        rows = [tuple(value if conv is None or value is None else conv(value)
                      for value, conv in zip(row, converters, strict=True)) for row in rows]
    if search.records_format == "objects":
        records = [dict(zip(names, row, strict=True)) for row in rows]
    elif search.records_format == "lists":
        records = [list(row) for row in rows]
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t" if search.records_format == "tsv" else ",",
                            lineterminator="\n")
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
        records = buffer.getvalue()
    result = {
        "include_total": search.include_total,
        "limit": search.limit,
        "records_format": search.records_format,
        "resource_id": resource_id,
        "total_estimation_threshold": None,
        **search.echo,
        "records": records,
        "fields": [{"id": name, "type": ckan_type(types[name])} for name in names],
        "_links": _links(links, search),
    }
    if total is not None:
        result["total"] = int(total)
        result["total_was_estimated"] = False
    return result


def _sorted_page(cur, rel: Relation, search: Search, names: list[str], where: str, args: list, *,
                 count: bool = False) -> tuple[list[tuple], int | None]:
    return sorted_page(cur, rel, names=names, where=where, args=args, order=order_sql(search),
                       sort_columns=[column for column, _direction, _nulls in search.sort],
                       limit=search.limit, offset=search.offset, count=count)


def sorted_page(cur, rel: Relation, *, names: list[str], where: str, args: list, order: str,
                sort_columns: list[str], limit: int, offset: int = 0,
                count: bool = False) -> tuple[list[tuple], int | None]:
    """A sorted page of an in-memory copy in two steps: the page's ``_id`` in order (the sort reads only
    the sort columns), then its rows (``names``) through the ``_id`` index. Twice as fast as sorting
    whole rows on a million. ``where`` and ``order`` are clauses as ``where_sql`` and ``order_sql``
    give them (`` WHERE …``, `` ORDER BY …``), ``sort_columns`` the columns ``order`` reads.

    With a filter and ``count``, the filter runs once: the matching rows' ``_id`` and sort columns are
    kept (a materialised ``WITH``), counted and sorted from there, which saves a second pass over the
    table for the total (a third faster on a million rows). Returns the rows and that count (``None``
    when not asked for, without a filter — the table's row count — or past the last page)."""
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}"
    total = None
    if count and where:
        kept = [ROW_ID] + [column for column in dict.fromkeys(sort_columns) if column != ROW_ID]
        kept_sql = ", ".join(duck.quote_identifier(column) for column in kept)
        found = cur.execute(
            f"WITH matching AS MATERIALIZED (SELECT {kept_sql} FROM {rel.name}{where}) "
            f"SELECT {ROW_ID}, (SELECT count(*) FROM matching) FROM matching{order}{page}", args).fetchall()
        ids = [row[0] for row in found]
        if found:
            total = int(found[0][1])
        elif not offset:
            total = 0
    else:
        ids = [row[0] for row in cur.execute(f"SELECT {ROW_ID} FROM {rel.name}{where}{order}{page}", args).fetchall()]
    if not ids:
        return [], total
    select = ", ".join(duck.quote_identifier(name) for name in [ROW_ID, *names])
    found = {row[0]: row[1:] for row in cur.execute(
        f"SELECT {select} FROM {rel.name} WHERE {ROW_ID} IN ({', '.join(str(int(i)) for i in ids)})").fetchall()}
    return [found[i] for i in ids if i in found], total


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def search(path: str, params: dict, *, resource_id: str, links: tuple[str, dict] | None = None) -> dict:
    """``datastore_search`` on the Parquet file ``path``: parse ``params``, run, answer as CKAN."""
    rel = relation(path)
    parsed = parse(params, rel)
    try:
        return execute(rel, parsed, resource_id=resource_id, links=links)
    except (duckdb.CatalogException, duckdb.IOException, duckdb.BinderException):
        # Its copy was dropped by another thread (least recently used) meanwhile: once more, afresh.
        if engine().relations.get(str(path)) is rel and rel.in_memory:
            raise  # still there: a real error
        forget(path)
        return execute(relation(path), parsed, resource_id=resource_id, links=links)


def describe(path: str) -> Relation:
    """Columns and row count of a table (through this process's relation)."""
    return relation(path)
