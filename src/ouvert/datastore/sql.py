"""``datastore_search_sql``: one read-only SELECT over resource tables, checked before it runs.

The guard (``check``) parses the query with DuckDB's own parser (``json_serialize_sql``), never
with regular expressions, and walks the syntax tree:

- exactly one statement, and a SELECT (DuckDB serialises nothing else: ``COPY``, ``ATTACH``,
  ``PRAGMA``, ``SET``, ``INSTALL``, ``LOAD``, ``EXPORT``, ``CALL``, ``CREATE``… are refused);
- every table read is a resource id written as CKAN does (``FROM "<resource uuid>"``), or a
  ``WITH`` query in scope; no schema or catalogue (``system.main.x``), no file name
  (``FROM '/etc/passwd'``), no table function (``read_csv``, ``read_parquet``, ``glob``,
  ``query``, ``duckdb_settings()``…), no ``SHOW``/``DESCRIBE``/``SUMMARIZE``, no ``PIVOT``;
- every function called is one of DuckDB's own scalar, aggregate or window functions, except
  those that expose the process (``current_setting``, ``getvariable``, ``pg_sleep``,
  ``json_execute_serialized_sql``…), and none is qualified by a schema;
- no prepared-statement parameter.

Refusals happen before anything runs and say why, in French: a query that is not one SELECT, or
cannot be parsed, is a ``ValidationError`` (CKAN's Validation Error, 409); a forbidden table,
table function or function is a ``PermissionDenied`` (CKAN's Authorization Error, 403, "Not
authorized to call function …"). Whether the person may read each resource is the caller's
business (``services``), with the ids ``check`` returns.

Then ``run`` executes it in a DuckDB database sandboxed by ``duck.connect(read_only_paths=…)``:
external access off except the referenced Parquet files, configuration locked. Each resource id is
a view over its table's file (with ``_id``). The query runs with a time limit (its cursor is
interrupted by a timer: ``OUVERT_DATASTORE_SQL_TIMEOUT`` seconds) and at most
``OUVERT_DATASTORE_SQL_MAX_ROWS`` rows come back (``records_truncated: true`` beyond, as CKAN).

Opening such a database costs more than most queries (about 15 ms, and reading each file's columns),
so each process keeps the sandboxes it opened (``OUVERT_DATASTORE_SQL_SANDBOXES``, default 8, least
recently used dropped first), one per exact set of tables (resource id → Parquet file): a query
naming one resource never runs where another resource's view exists. A query runs in a cursor of its
own, closed afterwards, so a reused sandbox holds nothing of an earlier query: no ``CREATE``,
``SET``, ``SET VARIABLE``, ``PREPARE``, ``ATTACH``, ``PRAGMA`` ever runs (one SELECT only, checked
twice), ``getvariable``/``current_setting`` are refused, and what a SELECT may change in its own
connection (``setseed``) dies with its cursor. A resource served from a new file gets a new sandbox
(the ones over its former file are dropped when it is next queried, or when the file is deleted:
``forget``). Queries are parsed in one kept connection that can read no file at all.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import duck, query

DEFAULT_TIMEOUT = 10.0
MAX_SQL_LENGTH = 100_000
#: Table reference types a query may use (others: TABLE_FUNCTION, SHOW_REF, PIVOT…).
TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY"})
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})
MODIFIERS = frozenset({"ORDER_MODIFIER", "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER", "DISTINCT_MODIFIER"})
EXPRESSIONS = frozenset({
    "COLUMN_REF", "CONSTANT", "STAR", "OPERATOR", "COMPARISON", "CONJUNCTION", "CASE", "CAST", "SUBQUERY",
    "BETWEEN", "COLLATE", "LAMBDA", "LAMBDA_REF", "POSITIONAL_REFERENCE", "FUNCTION", "WINDOW",
})
WINDOW_FUNCTIONS = frozenset({
    "row_number", "rank", "dense_rank", "rank_dense", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value", "first", "last", "fill",
})
#: Functions of DuckDB that tell about or act on the process rather than compute on values.
DENIED_FUNCTION = re.compile(
    r"(setting|variable|sleep|secret|extension|serialize|sql|current_|pg_|has_.*privilege|txid|nextval|currval|"
    r"inet_|log_message|description|version|block_size|connection|query|database|catalog|schema|getenv|"
    r"user|role|write_log)", re.IGNORECASE)
#: A ``WITH`` query name: plain identifiers only, so that none can look like a file.
CTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def timeout() -> float:
    return float(getattr(settings, "OUVERT_DATASTORE_SQL_TIMEOUT", DEFAULT_TIMEOUT))


@lru_cache(maxsize=1)
def allowed_functions() -> frozenset[str]:
    """DuckDB's built-in scalar, aggregate and macro functions, minus those that expose the process."""
    con = duck.connect(threads=1)
    try:
        names = {row[0].lower() for row in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type IN ('scalar', 'aggregate', 'macro')").fetchall()}
    finally:
        con.close()
    return frozenset(name for name in names if not DENIED_FUNCTION.search(name)) | WINDOW_FUNCTIONS


def _invalid(message: str) -> ValidationError:
    return ValidationError({"sql": [message]})


def _forbidden(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _canonical_id(name: str) -> str | None:
    try:
        value = str(uuid.UUID(name))
    except (ValueError, AttributeError, TypeError):
        return None
    return value if value == name.lower() else None


@dataclass
class Checked:
    """A query that passed the guard: the resource ids it reads (in order of first use)."""

    sql: str
    resource_ids: list[str]


def parse_tree(sql: str) -> dict:
    """DuckDB's syntax tree of ``sql`` (``json_serialize_sql``); Validation Error if it cannot parse."""
    if not isinstance(sql, str) or not sql.strip():
        raise _invalid(_("Requête SQL manquante."))
    if "\x00" in sql:
        raise _invalid(_("Le caractère nul (\\0) n'est pas permis dans une requête."))
    if len(sql) > MAX_SQL_LENGTH:
        raise _invalid(_("Requête trop longue : au plus %(max)s caractères.") % {"max": MAX_SQL_LENGTH})
    cur = _pool().parser_cursor()
    try:
        text = cur.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()[0]
    except duckdb.Error as exc:
        raise _invalid(_("Requête illisible : %(error)s") % {"error": str(exc)[:300]}) from None
    finally:
        cur.close()
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError):
        raise _invalid(_("Requête trop imbriquée.")) from None
    if tree.get("error"):
        message = tree.get("error_message") or ""
        if "Only SELECT statements" in message:
            raise _invalid(_("Seule une requête SELECT est permise (pas de COPY, ATTACH, PRAGMA, SET, INSTALL, "
                             "LOAD, EXPORT, CALL, CREATE, INSERT…)."))
        raise _invalid(_("Requête invalide : %(error)s") % {"error": message[:300]})
    statements = tree.get("statements") or []
    if len(statements) != 1:
        raise _invalid(_("Une seule instruction SELECT est permise (la requête en contient %(n)s).")
                       % {"n": len(statements)})
    return statements[0]


def check(sql: str) -> Checked:
    """The guard: refuse anything but one SELECT over resource tables with harmless functions."""
    statement = parse_tree(sql)
    ids: list[str] = []
    allowed = allowed_functions()

    def walk(node, scope: frozenset):
        if isinstance(node, list):
            for item in node:
                walk(item, scope)
            return
        if not isinstance(node, dict):
            return
        if "cte_map" in node:
            entries = (node.get("cte_map") or {}).get("map") or []
            names = set()
            for entry in entries:
                name = entry.get("key") if isinstance(entry, dict) else None
                if not isinstance(name, str) or not CTE_NAME.match(name):
                    raise _forbidden(_("Nom de requête WITH non permis : « %(name)s » (lettres, chiffres et « _ » "
                                       "seulement).") % {"name": str(name)[:100]})
                names.add(name.lower())
            scope = scope | names
        if "modifiers" in node:
            kind = node.get("type")
            if kind not in QUERY_NODES:
                raise _invalid(_("Forme de requête non permise : %(kind)s.") % {"kind": kind})
            for modifier in node.get("modifiers") or []:
                if modifier.get("type") not in MODIFIERS:
                    raise _invalid(_("Clause non permise : %(kind)s.") % {"kind": modifier.get("type")})
        if "class" in node:
            kind = node.get("class")
            if kind not in EXPRESSIONS:
                raise _forbidden(_("Expression non permise : %(kind)s.") % {"kind": kind})
            if kind in ("FUNCTION", "WINDOW"):
                name = str(node.get("function_name") or "")
                # DuckDB writes its own list and struct builders as ``main.list_value``: only its
                # built-in schema is allowed (the sandbox has no other function anyway).
                if (node.get("schema") or "") not in ("", "main") or (node.get("catalog") or "") not in ("", "system"):
                    raise _forbidden(_("Fonction qualifiée non permise : « %(name)s ».") % {"name": name[:100]})
                if name.lower() not in allowed:
                    raise _forbidden(_("Fonction non permise : « %(name)s ».") % {"name": name[:100]})
        elif "sample" in node and "type" in node and "modifiers" not in node:
            kind = node.get("type")
            if kind not in TABLE_REFS:
                if kind == "TABLE_FUNCTION":
                    function = (node.get("function") or {}).get("function_name") or "?"
                    raise _forbidden(_("Fonction de table non permise : « %(name)s » (ni fichier, ni réseau, ni "
                                       "configuration : seulement les tables des ressources).")
                                     % {"name": str(function)[:100]})
                raise _forbidden(_("Source de données non permise : %(kind)s.") % {"kind": kind})
            if kind == "BASE_TABLE":
                name = str(node.get("table_name") or "")
                if node.get("schema_name") or node.get("catalog_name"):
                    raise _forbidden(_("Table non permise : « %(name)s » (seulement les ressources, "
                                       "FROM \"<identifiant>\").") % {"name": name[:200]})
                if name.lower() not in scope:
                    resource_id = _canonical_id(name)
                    if resource_id is None:
                        raise _forbidden(_("Table non permise : « %(name)s ». Nommez une ressource par son "
                                           "identifiant : FROM \"<identifiant de la ressource>\".")
                                         % {"name": name[:200]})
                    if resource_id not in ids:
                        ids.append(resource_id)
        if node.get("class") == "PARAMETER" or node.get("type") == "VALUE_PARAMETER":
            raise _invalid(_("Paramètres non permis."))
        for value in node.values():
            if isinstance(value, dict | list):
                walk(value, scope)

    try:
        walk(statement, frozenset())
    except RecursionError:
        raise _invalid(_("Requête trop imbriquée.")) from None
    if not ids:
        raise _invalid(_("La requête doit lire au moins une ressource : FROM \"<identifiant de la ressource>\"."))
    return Checked(sql=sql, resource_ids=ids)


# --- The sandboxes a process keeps --------------------------------------------------------------------

DEFAULT_SANDBOXES = 8


def sandboxes_max() -> int:
    """Sandboxes one process keeps (``OUVERT_DATASTORE_SQL_SANDBOXES``, default 8), least recently
    used dropped first."""
    return max(1, int(getattr(settings, "OUVERT_DATASTORE_SQL_SANDBOXES", DEFAULT_SANDBOXES)))


class _Sandbox:
    """A sandboxed DuckDB database (``duck.connect(read_only_paths=…)``: no file but its tables', no
    network, configuration locked) with one view per resource id over its table's Parquet file.

    It is opened once and kept: each query runs in a cursor of its own (a connection of its own to this
    database, closed after the query), so nothing a query could leave in its connection — a random
    seed, an interruption — reaches the next one, and threads never share a cursor. The database
    itself cannot change: only one SELECT runs (the guard, then the statement splitter), never a
    ``CREATE``, ``SET``, ``PREPARE``, ``ATTACH``…; its configuration is locked anyway."""

    def __init__(self, key: tuple[tuple[str, str], ...]):
        self.key = key
        self.paths = frozenset(path for _rid, path in key)
        self.lock = threading.Lock()
        self.users = 0
        self.retired = False
        self.con = duck.connect(read_only_paths=sorted(self.paths))
        try:
            for rid, path in key:
                select, _columns = query.select_list(self.con, path)
                self.con.execute(f"CREATE VIEW {duck.quote_identifier(rid)} AS SELECT {select} "
                                 f"FROM read_parquet({duck.quote_literal(path)}, file_row_number = true)")
        except BaseException:
            self.con.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self.lock:
            return self.con.cursor()

    def close(self) -> None:
        with self.lock:
            self.con.close()


class _Pool:
    """The sandboxes of one process (re-made after a fork), by the exact set of tables they serve
    (resource id → Parquet file), and the connection that parses queries (no file at all)."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.boxes: OrderedDict[tuple[tuple[str, str], ...], _Sandbox] = OrderedDict()
        self.parser: duckdb.DuckDBPyConnection | None = None

    def parser_cursor(self) -> duckdb.DuckDBPyConnection:
        with self.lock:
            if self.parser is None:
                self.parser = duck.connect(threads=1, memory_limit="64MB", read_only_paths=[])
            return self.parser.cursor()

    def acquire(self, tables: dict[str, str]) -> _Sandbox:
        key = tuple(sorted(tables.items()))
        with self.lock:
            box = self.boxes.get(key)
            if box is not None:
                self.boxes.move_to_end(key)
            else:
                # A resource now served from another file (a new table): its former sandboxes go.
                for other in list(self.boxes.values()):
                    if any(tables.get(rid, path) != path for rid, path in other.key):
                        self._retire(other)
                box = _Sandbox(key)
                self.boxes[key] = box
                while len(self.boxes) > sandboxes_max():
                    self._retire(next(iter(self.boxes.values())))
            box.users += 1
            return box

    def release(self, box: _Sandbox) -> None:
        with self.lock:
            box.users -= 1
            closing = box.retired and box.users == 0
        if closing:
            box.close()

    def _retire(self, box: _Sandbox) -> None:
        """Drop ``box`` from the pool (lock held); closed now, or by its last query when one runs."""
        if self.boxes.get(box.key) is box:
            del self.boxes[box.key]
        box.retired = True
        if box.users == 0:
            box.close()

    def forget(self, path: str | None = None) -> None:
        with self.lock:
            for box in list(self.boxes.values()):
                if path is None or path in box.paths:
                    self._retire(box)


_the_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _pool() -> _Pool:
    global _the_pool
    with _pool_lock:
        if _the_pool is None or _the_pool.pid != os.getpid():
            _the_pool = _Pool()
        return _the_pool


@contextmanager
def sandbox_cursor(tables: dict[str, str]):
    """A cursor of this process's sandbox over exactly ``tables`` (resource id → Parquet file), opened on
    first use and kept; the cursor is closed on exit. ``FileNotFoundError`` when a file is missing."""
    tables = {rid: str(Path(path).resolve()) for rid, path in tables.items()}
    for path in tables.values():
        if not os.path.isfile(path):
            raise FileNotFoundError(path)
    pool = _pool()
    try:
        box = pool.acquire(tables)
    except duckdb.IOException as exc:  # deleted meanwhile
        raise FileNotFoundError(str(exc)) from None
    try:
        cur = box.cursor()
        try:
            yield cur
        finally:
            cur.close()
    finally:
        pool.release(box)


def sandboxes() -> list[tuple[tuple[str, str], ...]]:
    """The table sets this process keeps sandboxes for, least recently used first."""
    pool = _pool()
    with pool.lock:
        return list(pool.boxes)


def forget(path: str) -> None:
    """Drop this process's sandboxes that read ``path`` (its file is being deleted)."""
    _pool().forget(str(Path(path).resolve()))


def clear() -> None:
    """Drop every sandbox of this process (tests)."""
    _pool().forget()


def run(checked: Checked, tables: dict[str, str], *, max_rows: int | None = None,
        seconds: float | None = None) -> dict:
    """Run a checked query; ``tables`` maps each resource id to its Parquet file (local path).

    Returns CKAN's result: ``sql``, ``records``, ``fields`` and ``records_truncated`` when the
    answer had more than ``max_rows`` rows. ``FileNotFoundError`` when a table's file is missing.
    """
    max_rows = int(max_rows if max_rows is not None else query.rows_max())
    seconds = float(seconds if seconds is not None else timeout())
    missing = [rid for rid in checked.resource_ids if rid not in tables]
    if missing:
        raise ValueError(f"no table for {missing}")
    paths = {rid: str(Path(tables[rid]).resolve()) for rid in checked.resource_ids}
    with sandbox_cursor(paths) as cur:
        # A second look, by DuckDB's statement splitter, before anything runs: one SELECT, whatever
        # reached here (``cur.sql`` would execute any other statement at once).
        try:
            statements = cur.extract_statements(checked.sql)
        except duckdb.Error as exc:
            raise _invalid(_("Requête illisible : %(error)s") % {"error": str(exc)[:300]}) from None
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise _invalid(_("Seule une requête SELECT est permise."))
        # The timer interrupts this query's own cursor, never another one of the sandbox.
        timer = threading.Timer(seconds, cur.interrupt)
        timer.start()
        try:
            relation = cur.sql(checked.sql)
            if relation is None:
                raise _invalid(_("Seule une requête SELECT est permise."))
            names = list(relation.columns)
            types = [str(kind) for kind in relation.types]
            rows = relation.limit(max_rows + 1).fetchall()
        except duckdb.InterruptException:
            raise ValidationError({"query": [_("La requête a pris trop de temps (plus de %(seconds)s s).")
                                             % {"seconds": f"{seconds:g}"}]}) from None
        except duckdb.PermissionException as exc:
            raise _forbidden(_("Accès refusé par le bac à sable : %(error)s") % {"error": str(exc)[:300]}) from None
        except duckdb.Error as exc:
            raise ValidationError({"query": [_("Requête invalide : %(error)s") % {"error": str(exc)[:500]}]}) \
                from None
        finally:
            timer.cancel()
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    converters = [query.converter(kind) for kind in types]
    records = []
    for row in rows:
        record = {}
        for name, value, conv in zip(names, row, converters, strict=True):
            record[name] = value if conv is None or value is None else conv(value)
        records.append(record)
    result = {
        "sql": checked.sql,
        "records": records,
        "fields": [{"id": name, "type": query.ckan_type(kind)} for name, kind in zip(names, types, strict=True)],
    }
    if truncated:
        result["records_truncated"] = True
    return result
