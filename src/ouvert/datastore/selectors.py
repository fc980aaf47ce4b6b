"""Reads of the datastore, for pages, the API and other modules (re-exported by ``services``).

- ``tabular_format(resource)``: the format a resource would be ingested as, or ``None``;
- ``datastore_for(resource)``: its datastore record, or ``None``;
- ``table_for_resource(resource)``: the table served now (done), or ``None``;
- ``served_table(resource)``: the same with only what reading its file needs (searches, SQL), not its
  reports (profile, validation…, which can be large);
- ``latest_table(resource)``: the most recent ingestion, whatever its status;
- ``job_status(resource)``: what a publisher needs to know about the ingestions, as a dict;
- ``table_list(resource)``: the history of ingestions, newest first.

None of these checks who may read the resource: callers get the resource through
``catalog.services.resource_get(id=…, user=…)`` first.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit

from .models import Datastore, DatastoreTable

#: Resource formats (CKAN's ``format``, upper case) ingested, and what they are.
FORMATS = {
    "CSV": "csv", "TSV": "tsv", "TAB": "tsv", "XLSX": "xlsx", "ODS": "ods", "JSON": "json",
    "NDJSON": "ndjson", "JSONL": "ndjson", "JSON LINES": "ndjson", "PARQUET": "parquet",
}
MEDIA_TYPES = {
    "text/csv": "csv", "application/csv": "csv", "text/tab-separated-values": "tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods", "application/json": "json",
    "application/x-ndjson": "ndjson", "application/ndjson": "ndjson", "application/jsonl": "ndjson",
    "application/vnd.apache.parquet": "parquet", "application/x-parquet": "parquet",
}
EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".json": "json",
    ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet", ".pq": "parquet",
}
#: Formats that look like JSON but are not tables (the geo module reads them).
NOT_TABULAR = {"GEOJSON", "TOPOJSON", "JSON-LD", "JSONLD", "SHP", "KML", "GPKG", "PDF", "HTML", "ZIP"}


def _extension_format(name: str) -> str | None:
    extension = posixpath.splitext((name or "").lower())[1]
    return EXTENSIONS.get(extension)


def tabular_format(resource) -> str | None:
    """The tabular format of ``resource`` (``csv``, ``tsv``, ``xlsx``, ``ods``, ``json``, ``ndjson``,
    ``parquet``) from its format, its media type, or its file name or address; ``None`` if none."""
    declared = (resource.format or "").strip().upper().lstrip(".")
    if declared in NOT_TABULAR:
        return None
    if declared in FORMATS:
        return FORMATS[declared]
    media = (resource.media_type or "").split(";")[0].strip().lower()
    if media in MEDIA_TYPES:
        return MEDIA_TYPES[media]
    version = getattr(resource, "current_version", None) if resource.kind == "upload" else None
    if version is not None:
        return _extension_format(version.filename)
    if resource.url:
        return _extension_format(urlsplit(resource.url).path)
    return None


def datastore_for(resource) -> Datastore | None:
    return Datastore.objects.select_related("current_table").filter(pk=resource.pk).first()


def table_for_resource(resource) -> DatastoreTable | None:
    """The table served now for ``resource`` (complete), or ``None``."""
    found = datastore_for(resource)
    return found.current_table if found is not None else None


#: What reading a served table needs of it (its file); the reports stay in the database.
SERVING_FIELDS = ("id", "datastore_id", "status", "parquet", "parquet_size", "rows")


def served_table(resource) -> DatastoreTable | None:
    """The table served now for ``resource``, loaded with ``SERVING_FIELDS`` only, or ``None``."""
    found = (Datastore.objects.select_related("current_table").filter(pk=resource.pk)
             .only("resource_id", *(f"current_table__{name}" for name in SERVING_FIELDS)).first())
    return found.current_table if found is not None else None


def datastores_for(resource_ids: list) -> dict:
    """``{resource id: Datastore}`` (with its served table) for the resources that have one: one query."""
    return {d.pk: d for d in Datastore.objects.filter(pk__in=resource_ids).select_related("current_table")}


def latest_tables(resource_ids: list) -> dict:
    """``{resource id: its newest DatastoreTable}`` (state, stage and error only): one query."""
    latest: dict = {}
    for table in (DatastoreTable.objects.filter(datastore_id__in=resource_ids).order_by("datastore_id", "-id")
                  .only("id", "datastore_id", "status", "error_message", "stage")):
        latest.setdefault(table.datastore_id, table)
    return latest


def latest_table(resource) -> DatastoreTable | None:
    return DatastoreTable.objects.filter(datastore_id=resource.pk).order_by("-id").first()


def table_list(resource, *, limit: int = 20) -> list[DatastoreTable]:
    return list(DatastoreTable.objects.filter(datastore_id=resource.pk).select_related("version")
                .order_by("-id")[:limit])


def table_get(table_id: int) -> DatastoreTable | None:
    return DatastoreTable.objects.select_related("datastore", "version").filter(pk=table_id).first()


def _iso(value):
    return value.isoformat() if value is not None else None


def table_status(table: DatastoreTable) -> dict:
    """One ingestion as the API and pages show it."""
    data = {
        "id": table.pk,
        "status": table.status,
        "status_label": str(table.get_status_display()),
        "origin": table.origin,
        "version": table.version.number if table.version_id and table.version else None,
        "source_url": table.source_url,
        "source_name": table.source_name,
        "stage": table.stage,
        "attempts": table.attempts,
        "created_at": _iso(table.created_at),
        "started_at": _iso(table.started_at),
        "heartbeat_at": _iso(table.heartbeat_at),
        "finished_at": _iso(table.finished_at),
        "rows": table.rows,
        "columns": len(table.columns or []),
        "warnings": len(table.warnings or []),
        "ragged_rows": (table.ragged or {}).get("rows", 0) if isinstance(table.ragged, dict) else 0,
    }
    if table.status == DatastoreTable.Status.FAILED:
        data["error"] = {"code": table.error_code, "message": table.error_message}
    if table.validation_valid is not None:
        data["validation"] = {"valid": table.validation_valid, "errors": table.validation_errors}
    return data


def job_status(resource) -> dict:
    """Where the ingestions of ``resource`` stand: ``state`` (``none``, ``pending``, ``running``,
    ``done``, ``failed``: the latest ingestion's), the table ``serving`` now (or ``None``), the
    ``latest`` ingestion (with its error when it failed) and whether an older table is still
    served while the latest runs or after it failed (``previous_served``)."""
    datastore = datastore_for(resource)
    latest = latest_table(resource)
    serving = datastore.current_table if datastore is not None else None
    return {
        "state": latest.status if latest is not None else "none",
        "serving": table_status(serving) if serving is not None else None,
        "latest": table_status(latest) if latest is not None else None,
        "previous_served": bool(serving is not None and latest is not None and serving.pk != latest.pk),
    }
