"""What the datastore does: ingest resources into Parquet tables, serve them, keep the schema.

Ingestion, one ``DatastoreTable`` per source:

1. The catalogue tells us when a resource is created, changed or deleted
   (``core.registry.register_resource_listener``, on commit). A resource in a tabular format
   (``selectors.tabular_format``) whose source changed — a new uploaded version, a new link
   address (unless ``OUVERT_DATASTORE_INGEST_LINKS`` is off) — gets a pending table and a background task (``tasks.ingest_table_task``, run by
   ``ouvert worker``; tests run it at once). Older pending tables of the resource are dropped
   (failed, code ``superseded``): only the newest source matters.
2. ``ingestion_run`` claims the table (pending, or running but silent for
   ``OUVERT_DATASTORE_STALE_SECONDS``: an interrupted run), fetches a link's file (harvest's HTTP
   client, at most ``OUVERT_DATASTORE_MAX_BYTES``), converts it (``ingest.to_parquet``), profiles
   the columns (``profile.profile``), validates against the resource's Table Schema when it has
   one, stores the Parquet file (``default_storage``, ``datastore/<resource>/<table>.parquet``)
   and swaps. Every step happens in a work folder of its own (``DATA_DIR/tmp/datastore/<table>``),
   removed at the end and before a retry: a partial file is never stored, never served.
3. The swap: in one transaction, the table becomes ``done`` and the resource's current table —
   unless a newer table was swapped in meanwhile. Files of tables older than the one replaced are
   removed (the current table and the one before it are kept).
4. A run killed (``kill -9``) leaves its table ``running`` with an old heartbeat; the periodic
   job ``datastore.stale_ingestions`` (every minute) enqueues it again, up to
   ``OUVERT_DATASTORE_MAX_ATTEMPTS`` attempts, then fails it. The previous table is served all along.

Input that cannot be ingested fails the table with the ingestion's code and French message
(``IngestError``); an unexpected error fails it with code ``internal`` (details in the log).

Reading: ``search``, ``search_sql`` and ``info`` answer as CKAN's ``datastore_search``,
``datastore_search_sql`` and ``datastore_info``; who may read a resource is the catalogue's rule
(``catalog.services.resource_get``: private and draft datasets' resources are not found by others).
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from . import query, selectors
from .models import Datastore, DatastoreTable, parquet_name
from .selectors import (  # noqa: F401  (public read API of the module)
    datastore_for,
    datastores_for,
    job_status,
    latest_table,
    latest_tables,
    table_for_resource,
    table_get,
    table_list,
    table_status,
    tabular_format,
)

logger = logging.getLogger("ouvert.datastore")

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_STALE_SECONDS = 300
#: Seconds between two heartbeats written while an ingestion reports progress.
HEARTBEAT_SECONDS = 5
#: Done tables whose Parquet file is kept: the current one and the one it replaced.
KEEP_FILES = 2

Progress = Callable[[str, int, "int | None"], None]


def _noop(stage, done, total):
    pass


def max_attempts() -> int:
    return int(getattr(settings, "OUVERT_DATASTORE_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(getattr(settings, "OUVERT_DATASTORE_STALE_SECONDS",
                                                    DEFAULT_STALE_SECONDS)))


def max_bytes() -> int:
    return int(getattr(settings, "OUVERT_DATASTORE_MAX_BYTES", 5 * 1024 ** 3))


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def work_dir(table_id) -> Path:
    """The folder where one ingestion works (source copy, Parquet being written)."""
    return _data_dir() / "tmp" / "datastore" / str(table_id)


# --- Requesting an ingestion --------------------------------------------------------------------

def _current_source(resource) -> dict | None:
    """What would be ingested for ``resource`` now: its current version, or its link address."""
    if resource.kind == "upload":
        version = resource.current_version
        if version is None:
            return None
        return {"origin": DatastoreTable.Origin.UPLOAD, "version": version, "source_url": "",
                "source_name": version.filename, "source_size": version.size, "source_sha256": version.sha256}
    if resource.url:
        return {"origin": DatastoreTable.Origin.LINK, "version": None, "source_url": resource.url,
                "source_name": os.path.basename(resource.url.split("?")[0])[:255], "source_size": None,
                "source_sha256": ""}
    return None


def _same_source(table: DatastoreTable, source: dict) -> bool:
    if source["origin"] == DatastoreTable.Origin.UPLOAD:
        return table.version_id is not None and table.version_id == source["version"].pk
    return table.origin == DatastoreTable.Origin.LINK and table.source_url == source["source_url"]


def ingestion_request(*, resource, force: bool = False, origin: str | None = None) -> DatastoreTable | None:
    """A pending table for the current source of ``resource``, enqueued once the transaction commits.

    Nothing is done (``None``) when the resource is not tabular or its source is the one of its
    latest ingestion (unless ``force``, or that ingestion failed). Older pending tables of the
    resource are dropped (``superseded``).
    """
    if resource.state != "active" or (not force and selectors.tabular_format(resource) is None):
        return None
    source = _current_source(resource)
    if source is None:
        return None
    if source["origin"] == DatastoreTable.Origin.LINK and not force \
            and not getattr(settings, "OUVERT_DATASTORE_INGEST_LINKS", True):
        return None
    with transaction.atomic():
        datastore, _created = Datastore.objects.get_or_create(resource=resource)
        datastore = Datastore.objects.select_for_update().get(pk=datastore.pk)
        latest = DatastoreTable.objects.filter(datastore=datastore).order_by("-id").first()
        if (not force and latest is not None and _same_source(latest, source)
                and latest.status != DatastoreTable.Status.FAILED):
            return None
        DatastoreTable.objects.filter(datastore=datastore, status=DatastoreTable.Status.PENDING).update(
            status=DatastoreTable.Status.FAILED, finished_at=timezone.now(), error_code="superseded",
            error_message=_("Remplacée par une version plus récente de la ressource."))
        if origin is not None:
            source["origin"] = origin
        table = DatastoreTable.objects.create(datastore=datastore, **source)
        transaction.on_commit(lambda pk=table.pk: _enqueue(pk))
    return table


def _enqueue(table_id: int) -> None:
    from .tasks import ingest_table_task

    ingest_table_task.enqueue(table_id=table_id)


def on_resource_changed(event: str, resource_id) -> None:
    """The catalogue's resource listener (``apps.py``): ingest what changed, drop what is deleted."""
    resource = catalog_services.resource_find(id=resource_id)
    if resource is None:
        return
    if event == "deleted" or resource.state != "active":
        core_services.jobs_cancel_pending(DatastoreTable, datastore_id=resource_id, code="resource-deleted",
                                          message=_("La ressource a été supprimée."))
        return
    ingestion_request(resource=resource)


# --- Running an ingestion -----------------------------------------------------------------------

class IngestionFailed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _claim(table: DatastoreTable) -> bool:
    """Take the table for this process: pending, or running but silent (an interrupted run)."""
    return core_services.job_claim(table, stale_after=stale_after(), stage="")


class _Beat:
    """Writes the heartbeat (and the stage) of a running table, at most every few seconds."""

    def __init__(self, table: DatastoreTable, progress: Progress):
        self.table, self.progress, self.state = table, progress, {}

    def stage(self, name: str) -> None:
        self.table.stage = name
        core_services.job_beat(self.table, self.state, every=HEARTBEAT_SECONDS, stage=name)
        self.progress(name, 0, None)

    def __call__(self, done: int, total: int | None = None) -> None:
        core_services.job_beat(self.table, self.state, every=HEARTBEAT_SECONDS)
        self.progress(self.table.stage, done, total)


def _fail(table: DatastoreTable, code: str, message: str) -> DatastoreTable:
    return core_services.job_fail(table, code, message)


@contextmanager
def _source_file(table: DatastoreTable, folder: Path, beat: _Beat):
    """A local path of the table's source (the stored upload itself when storage is a folder)."""
    if table.origin in (DatastoreTable.Origin.UPLOAD, DatastoreTable.Origin.LOAD):
        version = table.version
        if version is None or not version.file.name:
            raise IngestionFailed("source-missing", _("Le fichier de cette version n'existe plus."))
        with core_services.stored_file_locally(version.file.name, folder) as local:
            yield local
        return
    from ouvert.harvest import services as harvest_services

    target = folder / "source"
    beat.stage("fetch")
    try:
        fetched = harvest_services.fetch_to_file(table.source_url, target, max_bytes=max_bytes(),
                                                 progress=lambda done: beat(done, None))
    except harvest_services.HarvestHTTPError as exc:
        raise IngestionFailed("fetch-error", exc.message) from None
    table.source_size = fetched["size"]
    table.source_sha256 = fetched["sha256"]
    table.save(update_fields=["source_size", "source_sha256"])
    yield target


def _foreign_resolver(table: DatastoreTable):
    """How a foreign key's ``reference.resource`` is found: the id of another resource (or the name of one
    in the same dataset) that anybody may read or that belongs to the same publisher, with a table."""
    from . import validation

    own = table.datastore.resource

    def resolve(name: str):
        found = catalog_services.resource_by_reference(reference=str(name), dataset=own.dataset)
        if found is None or found.pk == own.pk:
            return None
        dataset = found.dataset
        public = dataset.state == "active" and not dataset.private
        if not public and dataset.organisation_id != own.dataset.organisation_id:
            return None
        datastore = selectors.datastore_for(found)
        served = datastore.current_table if datastore is not None else None
        if served is None or not served.parquet:
            return None
        return validation.Reference(path=local_parquet(served), schema=datastore.schema or None, name=str(name))

    return resolve


def _validate(table: DatastoreTable, parquet: Path, schema: dict, beat=None) -> None:
    """Validate the new table against the resource's Table Schema (``validation.validate_parquet``)."""
    from . import validation

    report = validation.validate_parquet(parquet, schema, foreign=_foreign_resolver(table),
                                         progress=beat, name=str(table.datastore_id))
    table.validation = report.as_dict()
    # What was checked: the report stays true only while these rules are the schema's.
    table.validation["schema_rules"] = schema_rules_fingerprint(schema)
    table.validation["primary_key"] = primary_key_of(schema)
    table.validation_valid = bool(report.valid)
    table.validation_errors = validation_errors_total(table.validation)


def primary_key_of(schema: dict | None) -> list[str]:
    """The primary key a Table Schema declares (``primaryKey``: a name or a list of names), or ``[]``."""
    value = (schema or {}).get("primaryKey") if isinstance(schema, dict) else None
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(name) for name in value if isinstance(name, str) and name]
    return []


#: Keys of a Table Schema (and of its fields) that only document it: changing them changes no check.
_DOCUMENTATION_KEYS = {"title", "description", "title_fr", "title_en", "description_fr", "description_en",
                       "example", "rdfType"}


def schema_rules_fingerprint(schema: dict | None) -> str:
    """A SHA-256 of what a Table Schema checks (its descriptions and titles left out): a validation
    report made with another fingerprint is out of date (being redone)."""
    import hashlib
    import json

    def rules(value):
        if isinstance(value, dict):
            return {key: rules(item) for key, item in value.items() if key not in _DOCUMENTATION_KEYS}
        if isinstance(value, list):
            return [rules(item) for item in value]
        return value

    text = json.dumps(rules(schema or {}), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validation_errors_total(report: dict | None) -> int | None:
    """Every error a stored validation report found (``stats.errors``, Frictionless' total; never the
    length of its ``errors`` list, which is empty at the top and capped in the task), or ``None``."""
    if not isinstance(report, dict):
        return None
    total = (report.get("stats") or {}).get("errors")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return sum(int(n) for n in (report.get("counts") or {}).values() if isinstance(n, int))


def _swap(table: DatastoreTable) -> DatastoreTable:
    """Mark ``table`` done and make it the served table (unless a newer one is served already)."""
    table.stage = ""
    return core_services.job_swap(table, owner="datastore", current="current_table", file_field="parquet",
                                  keep=KEEP_FILES, delete=_delete_files)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            try:
                query.forget(default_storage.path(name))
            except NotImplementedError:
                pass
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)


def on_table_deleted(sender, instance: DatastoreTable, **kwargs) -> None:
    """A table row deleted (its resource or dataset purged): delete its Parquet file on commit."""
    if instance.parquet:
        name = instance.parquet
        transaction.on_commit(lambda: _delete_files([name]))


def ingestion_run(*, table_id: int, progress: Progress | None = None) -> DatastoreTable:
    """Run (or resume) one ingestion to its end; the task's body. See the module's docstring.

    A table another process is running (a heartbeat in the last ``OUVERT_DATASTORE_STALE_SECONDS``)
    is left alone and returned as it is.
    """
    from . import ingest

    progress = progress or _noop
    table = DatastoreTable.objects.select_related("datastore", "version").filter(pk=table_id).first()
    if table is None or table.finished:
        return table
    if not _claim(table):
        return table
    table.refresh_from_db()
    folder = work_dir(table.pk)
    shutil.rmtree(folder, ignore_errors=True)  # what an interrupted attempt left
    if table.attempts > max_attempts():
        return _fail(table, "too-many-attempts",
                     _("L'intégration a été interrompue %(n)s fois ; elle est abandonnée. Téléversez le fichier "
                       "de nouveau pour réessayer.") % {"n": table.attempts - 1})
    folder.mkdir(parents=True, exist_ok=True)
    beat = _Beat(table, progress)
    resource = table.datastore.resource
    try:
        with _source_file(table, folder, beat) as source:
            beat.stage("ingest")
            dest = folder / "table.parquet"
            result = ingest.to_parquet(source, dest, progress=beat, max_bytes=max_bytes(),
                                       filename=table.source_name,
                                       media_type=(table.version.media_type if table.version else "")
                                       or resource.media_type)
        table.rows = result.rows
        table.columns = result.columns
        table.info = result.info
        table.warnings = result.warnings
        table.ragged = result.ragged
        beat.stage("profile")
        from . import profile

        table.profile = profile.profile(dest)
        schema = Datastore.objects.filter(pk=table.datastore_id).values_list("schema", flat=True).first()
        if schema:
            beat.stage("validate")
            _validate(table, dest, schema, beat)
        beat.stage("store")
        name = parquet_name(table.datastore_id, table.pk)
        table.parquet_size = core_services.store_file(dest, name)
        table.parquet = name
        _swap(table)
    except ingest.IngestError as exc:
        _fail(table, exc.code, exc.message)
    except IngestionFailed as exc:
        _fail(table, exc.code, exc.message)
    except Exception:
        logger.exception("ingestion of table %s failed", table.pk)
        _fail(table, "internal", _("Erreur inattendue pendant l'intégration ; l'équipe de la plateforme en a "
                                   "été avertie dans le journal."))
    except BaseException:
        core_services.job_release(table)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return table


def stale_ingestions_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """Enqueue again the ingestions that stopped (worker killed, task lost); the periodic job
    ``datastore.stale_ingestions``. Returns the table ids enqueued; the claim keeps each to one
    worker, and ``ingestion_run`` fails those over ``OUVERT_DATASTORE_MAX_ATTEMPTS``."""
    enqueued = core_services.jobs_requeue_stale(DatastoreTable, stale_after=stale_after(), enqueue=_enqueue, now=now)
    core_services.job_work_dirs_clean(_data_dir() / "tmp" / "datastore", DatastoreTable)
    return enqueued


# --- The command line: load a file as a new version ---------------------------------------------

def load_file(*, resource, path, actor=None, progress: Progress | None = None) -> DatastoreTable:
    """``ouvert datastore load``: upload the file ``path`` as a new version of ``resource`` through the
    catalogue (history kept, permissions checked), then ingest it here and now."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError({"file": [_("Fichier introuvable : %(path)s") % {"path": str(path)[:300]}]})
    with open(path, "rb") as handle:
        upload = File(handle, name=path.name)
        resource = catalog_services.resource_update(actor=actor, resource=resource, data={}, upload=upload,
                                                    partial=True)
    resource = catalog_services.resource_get(id=resource.pk, user=None)
    table = DatastoreTable.objects.filter(datastore_id=resource.pk, version=resource.current_version) \
        .order_by("-id").first()
    if table is None:
        table = ingestion_request(resource=resource, force=True, origin=DatastoreTable.Origin.LOAD)
    if table is None:
        raise ValidationError({"file": [_("Cette ressource n'a pas de fichier à intégrer.")]})
    if not table.finished:
        table = ingestion_run(table_id=table.pk, progress=progress)
    table.refresh_from_db()
    return table


# --- Serving ---------------------------------------------------------------------------------------

def local_parquet(table: DatastoreTable) -> str:
    """A local path of the table's Parquet file: the file itself when storage is a folder, otherwise a
    copy downloaded once into ``DATA_DIR/cache/datastore`` (DuckDB reads local files)."""
    try:
        return default_storage.path(table.parquet)
    except NotImplementedError:
        pass
    target = _data_dir() / "cache" / table.parquet
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        with default_storage.open(table.parquet, "rb") as handle, open(partial, "wb") as out:
            shutil.copyfileobj(handle, out, 1024 * 1024)
        os.replace(partial, target)
    return str(target)


def _readable(*, user, resource_id):
    """The resource if ``user`` may read it, and its served table; ``NotFound`` otherwise (as CKAN)."""
    resource = catalog_services.resource_get(id=resource_id, user=user)
    table = selectors.served_table(resource)
    if table is None or not table.parquet:
        raise NotFound(_("La ressource « %(id)s » n'a pas de données tabulaires (magasin de données).")
                       % {"id": str(resource_id)[:100]})
    return resource, table


def _resource_id(params: dict) -> str:
    value = params.get("resource_id") or params.get("id")
    if value in (None, "") or isinstance(value, dict | list):
        raise ValidationError({"resource_id": [_("Valeur manquante.")]})
    return str(value)


def _missing_file(table: DatastoreTable) -> NotFound:
    logger.error("the Parquet file of table %s (%s) is missing", table.pk, table.parquet)
    return NotFound(_("Le fichier de la table de la ressource « %(id)s » est introuvable ; l'équipe de la "
                      "plateforme en a été avertie.") % {"id": table.datastore_id})


def search(*, user, params: dict, links: tuple[str, dict] | None = None) -> dict:
    """``datastore_search``: ``params`` as CKAN takes them (``resource_id``, ``filters``, ``q``, ``fields``,
    ``sort``, ``limit``, ``offset``, ``distinct``, ``include_total``, ``records_format``)."""
    resource_id = _resource_id(params)
    resource, table = _readable(user=user, resource_id=resource_id)
    try:
        return query.search(local_parquet(table), params, resource_id=str(resource.pk), links=links)
    except FileNotFoundError:
        raise _missing_file(table) from None


def search_sql(*, user, sql: str) -> dict:
    """``datastore_search_sql``: checked first (``sql.check``), then run in a sandbox on the tables of
    the resources it names, each readable by ``user``."""
    from . import sql as sql_module

    if not isinstance(sql, str):
        raise ValidationError({"sql": [_("Une requête SQL (texte) est attendue.")]})
    checked = sql_module.check(sql)
    tables, served = {}, {}
    for resource_id in checked.resource_ids:
        _resource, table = _readable(user=user, resource_id=resource_id)
        tables[resource_id] = local_parquet(table)
        served[resource_id] = table
        if not os.path.exists(tables[resource_id]):
            raise _missing_file(table)
    try:
        return sql_module.run(checked, tables)
    except FileNotFoundError:  # deleted meanwhile
        for resource_id, path in tables.items():
            if not os.path.exists(path):
                raise _missing_file(served[resource_id]) from None
        raise


def _field_info(schema: dict) -> dict:
    """Each schema field's data-dictionary entry (CKAN's ``info``: ``label``, ``notes``) by name."""
    found = {}
    for field in (schema or {}).get("fields") or []:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            continue
        title, description = field.get("title"), field.get("description")
        entry = {"label": title if isinstance(title, str) else "",
                 "notes": description if isinstance(description, str) else ""}
        for key in ("title", "description"):
            for lang in ("fr", "en"):
                value = field.get(f"{key}_{lang}")
                if value is None and isinstance(field.get(key), dict):
                    value = field[key].get(lang)
                if isinstance(value, str):
                    entry[f"{'label' if key == 'title' else 'notes'}_{lang}"] = value
        if not entry["label"]:
            entry["label"] = entry.get("label_fr") or entry.get("label_en") or ""
        if not entry["notes"]:
            entry["notes"] = entry.get("notes_fr") or entry.get("notes_en") or ""
        entry["type_override"] = ""
        found[field["name"]] = entry
    return found


def info(*, user, params: dict) -> dict:
    """``datastore_info`` as CKAN 2.11 gives it (``meta``, ``fields`` with ``schema`` and ``info``), plus
    the ingestion status (``ingestion``), the column ``profile`` and the ``validation`` summary."""
    resource_id = _resource_id(params)
    resource = catalog_services.resource_get(id=resource_id, user=user)
    datastore = selectors.datastore_for(resource)
    status = selectors.job_status(resource)
    table = datastore.current_table if datastore is not None else None
    if table is None or not table.parquet:
        if status["latest"] is None:
            raise NotFound(_("La ressource « %(id)s » n'a pas de données tabulaires (magasin de données).")
                           % {"id": str(resource_id)[:100]})
        return {"meta": {"id": str(resource.pk), "count": 0, "aliases": [], "table_type": None},
                "fields": [], "ingestion": status, "profile": [], "validation": None,
                "schema": datastore.schema if datastore else {},
                "primary_key": _key_info(primary_key_status(datastore, None))}
    try:
        rel = query.describe(local_parquet(table))
    except FileNotFoundError:
        raise _missing_file(table) from None
    dictionary = _field_info(datastore.schema)
    key = primary_key_status(datastore, table)
    unique_key = key["primary_key"] if key["primary_key_unique"] and len(key["primary_key"]) == 1 else []
    profiles = {item.get("name"): item for item in (table.profile or []) if isinstance(item, dict)}
    fields = []
    for name, kind in rel.columns:
        if name == query.ROW_ID:
            continue
        field = {"id": name, "type": query.ckan_type(kind),
                 "schema": {"native_type": kind, "index_name": None, "is_index": False,
                            "notnull": bool(profiles.get(name, {}).get("nulls") == 0) if name in profiles else False,
                            "uniquekey": name in unique_key}}
        if name in dictionary:
            field["info"] = dictionary[name]
        fields.append(field)
    validation = None
    if table.validation is not None:
        validation = {"valid": table.validation_valid, "errors": table.validation_errors,
                      "counts": (table.validation or {}).get("counts")}
    return {
        "meta": {"id": str(resource.pk), "count": rel.rows, "size": table.parquet_size, "db_size": None,
                 "idx_size": 0, "table_type": "BASE TABLE", "aliases": []},
        "fields": fields,
        "ingestion": status,
        "profile": table.profile or [],
        "validation": validation,
        "schema": datastore.schema or {},
        "primary_key": _key_info(key),
    }


def _key_info(state: dict) -> dict:
    """The primary key as ``datastore_info`` gives it: ``fields`` declared, ``unique`` (``None``: not
    checked yet), ``duplicates`` (rows breaking it), ``proposed`` (when none is declared)."""
    return {"fields": state["primary_key"], "unique": state["primary_key_unique"],
            "duplicates": state["primary_key_duplicates"], "proposed": state["proposed"]}


# --- The schema -----------------------------------------------------------------------------------

def schema_check(schema) -> None:
    """Raise a ``ValidationError`` (key ``schema``) listing every problem of a Table Schema descriptor,
    each with its path (``fields[1].type : …``); nothing when it is valid."""
    from . import schema as schema_module

    try:
        schema_module.parse(schema)
    except schema_module.SchemaError as exc:
        raise ValidationError({"schema": [f"{error['path']} : {error['message']}" if error.get("path")
                                          else error["message"] for error in exc.errors]}) from None


def table_validate(table: DatastoreTable, schema: dict, *, limit_errors: int | None = None, name: str = "") -> dict:
    """The validation report (``validation.Report.as_dict()``) of the table ``table`` against another Table
    Schema than its resource's (a data standard's, for instance); the table is not changed."""
    from . import validation

    options = {} if limit_errors is None else {"limit_errors": limit_errors}
    return validation.validate_parquet(local_parquet(table), schema, name=name, **options).as_dict()


def schema_set(*, actor, resource, schema: dict) -> Datastore:
    """Give ``resource`` a Table Schema (checked by ``schema_check``); its current table is validated
    against it again in the background. Editors of the dataset only."""
    if actor is not None and not catalog_services.resource_can_edit(actor, resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour en modifier le schéma."))
    if schema:
        schema_check(schema)
    with transaction.atomic():
        datastore, _created = Datastore.objects.get_or_create(resource=resource)
        datastore = Datastore.objects.select_for_update().get(pk=datastore.pk)
        datastore.schema = schema or {}
        datastore.modified_at = timezone.now()
        datastore.save(update_fields=["schema", "modified_at"])
        if datastore.current_table_id:
            transaction.on_commit(lambda pk=datastore.current_table_id: _enqueue_validation(pk))
    return datastore


def _enqueue_validation(table_id: int) -> None:
    from .tasks import validate_table_task

    validate_table_task.enqueue(table_id=table_id)


def validation_run(*, table_id: int) -> DatastoreTable | None:
    """Validate a done table against its resource's schema now (after the schema changed)."""
    table = DatastoreTable.objects.select_related("datastore").filter(
        pk=table_id, status=DatastoreTable.Status.DONE).exclude(parquet="").first()
    if table is None:
        return None
    schema = table.datastore.schema
    if not schema:
        table.validation = None
        table.validation_valid = None
        table.validation_errors = None
    else:
        _validate(table, Path(local_parquet(table)), schema)
    table.save(update_fields=["validation", "validation_valid", "validation_errors"])
    return table



# --- Facts for other modules (quality, certification) ----------------------------------------------

def _described(field: dict, language: str) -> bool:
    value = field.get(f"description_{language}")
    return isinstance(value, str) and bool(value.strip())


def _key_state(schema: dict, *, served: bool, valid, rules, key_errors) -> dict:
    """Whether the served table respects the schema's primary key, from its validation report (only while
    that report checked the schema's present rules: ``rules`` is the report's ``schema_rules``)."""
    has_fields = bool(schema.get("fields"))
    key = primary_key_of(schema) if has_fields else []
    valid = valid if served and has_fields else None
    current = valid is not None and rules in (None, schema_rules_fingerprint(schema))
    duplicates = None
    if key and current:
        try:
            duplicates = int(key_errors or 0)
        except (TypeError, ValueError):
            duplicates = None
    return {"primary_key": key, "primary_key_unique": (duplicates == 0) if duplicates is not None else None,
            "primary_key_duplicates": duplicates, "validation_valid": valid if current else None,
            "validation_current": bool(current)}


def primary_key_status(datastore: Datastore | None, table: DatastoreTable | None = None) -> dict:
    """The primary key of a resource's Table Schema and whether the table served now respects it:
    ``primary_key`` (names, ``[]`` when none is declared), ``primary_key_unique`` (``True``, ``False``
    or ``None``: no key, no data or its check still to be made), ``primary_key_duplicates`` (rows
    breaking it: duplicated or empty keys), ``validation_valid``, ``validation_current``, and
    ``proposed``: the key the data suggests (``schema.propose_primary_key``) when none is declared."""
    from . import schema as schema_module

    schema = (datastore.schema if datastore is not None else None) or {}
    if table is None and datastore is not None:
        table = datastore.current_table
    served = bool(table is not None and table.parquet)
    report = (table.validation if served else None) or {}
    state = _key_state(schema, served=served, valid=table.validation_valid if served else None,
                       rules=report.get("schema_rules"), key_errors=(report.get("counts") or {}).get("primary-key"))
    proposed: list[str] = []
    if not state["primary_key"] and served:
        fields = [item for item in schema.get("fields") or [] if isinstance(item, dict)] or [
            {"name": column.get("name"), "type": column.get("type")} for column in table.columns or []
            if isinstance(column, dict)]
        proposed = schema_module.propose_primary_key(fields, table.profile)
    state["proposed"] = proposed
    return state


def _facts_row(row: dict) -> dict:
    schema = row["schema"] if isinstance(row["schema"], dict) else {}
    schema_fields = [item for item in schema.get("fields") or []
                     if isinstance(item, dict) and isinstance(item.get("name"), str)]
    if schema_fields:
        names = [item["name"] for item in schema_fields]
        undescribed = [item["name"] for item in schema_fields
                       if not (_described(item, "fr") and _described(item, "en"))]
    else:
        names = [column.get("name", "") for column in row["current_table__columns"] or []
                 if isinstance(column, dict)]
        undescribed = list(names)
    served = bool(row["current_table_id"] and row["current_table__parquet"])
    state = _key_state(schema if schema_fields else {}, served=served, valid=row["current_table__validation_valid"],
                       rules=row["rules"], key_errors=row["pk_errors"])
    return {
        "resource_id": str(row["resource_id"]),
        "has_schema": bool(schema_fields),
        **state,
        "validation_errors": int(row["current_table__validation_errors"] or 0) if state["validation_current"] else 0,
        "fields": len(names),
        "undescribed_fields": undescribed,
        "rows": row["current_table__rows"] if served else None,
        "status": row["latest_status"] or "none",
    }


def table_facts_for_datasets(dataset_ids) -> dict:
    """What the datastore knows of the tabular resources of some datasets, for quality checks and
    certification: ``{dataset id: [facts of each active resource with a datastore record, in the
    dataset's order]}`` (every id asked is a key; a dataset without tabular data gets ``[]``). Three
    queries at most, whatever the number of datasets and resources.

    Each resource's facts: ``resource_id`` (text), ``has_schema`` (a Table Schema with fields),
    ``primary_key`` (the fields the schema declares, ``[]`` if none), ``primary_key_unique`` (``True``:
    no row breaks the key in the table served now; ``False``: ``primary_key_duplicates`` rows do —
    duplicated or empty keys; ``None``: no key, no data, or its check is still to be made),
    ``validation_valid`` / ``validation_errors`` (the served table against the schema; ``None`` / 0
    without a schema, data or up-to-date report: ``validation_current``), ``fields`` (the schema's
    fields, or the table's columns without schema), ``undescribed_fields`` (names lacking a French or
    an English description: every column without schema), ``rows`` and ``status`` (the latest
    ingestion's: ``none``, ``pending``, ``running``, ``done``, ``failed``).
    """
    import uuid as uuid_module

    from django.db.models import OuterRef, Subquery
    from django.db.models.fields.json import KeyTextTransform, KeyTransform

    keys: dict = {}
    for value in dataset_ids:
        try:
            keys.setdefault(value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value)), value)
        except (TypeError, ValueError, AttributeError):
            continue
    result: dict = {original: [] for original in keys.values()}
    if not keys:
        return result
    latest = Subquery(DatastoreTable.objects.filter(datastore_id=OuterRef("pk")).order_by("-id").values("status")[:1])
    rows = (Datastore.objects.filter(resource__dataset_id__in=list(keys), resource__state="active")
            .annotate(latest_status=latest,
                      pk_errors=KeyTextTransform("primary-key", KeyTransform("counts", "current_table__validation")),
                      rules=KeyTextTransform("schema_rules", "current_table__validation"))
            .values("resource_id", "resource__dataset_id", "schema", "current_table_id", "current_table__parquet",
                    "current_table__columns", "current_table__rows", "current_table__validation_valid",
                    "current_table__validation_errors", "latest_status", "pk_errors", "rules")
            .order_by("resource__dataset_id", "resource__position", "resource__created_at"))
    for row in rows:
        result[keys[row["resource__dataset_id"]]].append(_facts_row(row))
    return result
