"""Geographic resources turned into stored layers, and their converted downloads.

1. The catalogue tells us when a resource is written (``core.registry.register_resource_listener``,
   on commit). A geographic resource (``geo_format``: GeoJSON, a JSON file holding a
   FeatureCollection, a zip holding a Shapefile, KML, GeoPackage, FlatGeobuf, or a CSV with
   coordinate columns) whose source changed gets a ``GeoResource`` record, a pending ``GeoLayer``
   and a background task (``tasks.convert_layer_task``; tests run it at once). Older pending
   layers of the resource are dropped (``superseded``).
2. ``layer_run`` claims the layer (pending, or running but silent for ``OUVERT_GEO_STALE_SECONDS``),
   copies a link's file through the harvester's HTTP client (vetted addresses, at most
   ``OUVERT_GEO_MAX_BYTES``), converts it (``convert.convert``) in a work folder of its own
   (``DATA_DIR/tmp/geo/<layer>``, removed at the end), stores the Parquet file
   (``models.layer_parquet_name``, under a temporary name first) and swaps: in one transaction
   the layer becomes ``done`` and the resource's ``current_layer``, only forward.
3. The periodic job ``geo.stale_layers`` (every minute) enqueues again what a dead worker left,
   up to ``OUVERT_GEO_MAX_ATTEMPTS`` attempts.

Reading: ``layer_current``, ``layers_for_resources`` and ``layers_for_datasets`` (a constant number
of queries), ``layer_parquet_path`` (a local path of a layer's file, for tiles and spatial search),
``layer_report`` (what a publisher is told), ``layer_download`` (a converted file).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import convert
from .models import GeoLayer, GeoResource, layer_parquet_name

__all__ = [
    "GeoLayerError",
    "download_formats",
    "geo_format",
    "layer_convert_now",
    "layer_current",
    "layer_download",
    "layer_parquet_path",
    "layer_report",
    "layer_request",
    "layer_run",
    "latest_layers",
    "layers_for_datasets",
    "layers_for_resources",
    "stale_layers_requeue",
]

logger = logging.getLogger("ouvert.geo")

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_STALE_SECONDS = 300
HEARTBEAT_SECONDS = 5
#: Done layers whose Parquet file is kept: the current one and the one it replaced.
KEEP_FILES = 2

#: Declared formats (CKAN's ``format``, upper case) read as layers.
FORMATS = {"GEOJSON": "geojson", "SHP": "shapefile", "SHAPEFILE": "shapefile", "ESRI SHAPEFILE": "shapefile",
           "KML": "kml", "KMZ": "kml", "GPKG": "gpkg", "GEOPACKAGE": "gpkg", "FGB": "fgb", "FLATGEOBUF": "fgb"}
MEDIA_TYPES = {"application/geo+json": "geojson", "application/vnd.geo+json": "geojson",
               "application/vnd.google-earth.kml+xml": "kml", "application/vnd.google-earth.kmz": "kml",
               "application/geopackage+sqlite3": "gpkg", "application/x-shapefile": "shapefile",
               "application/vnd.shp": "shapefile", "application/flatgeobuf": "fgb"}
EXTENSIONS = {".geojson": "geojson", ".kml": "kml", ".kmz": "kml", ".gpkg": "gpkg", ".fgb": "fgb",
              ".shp.zip": "shapefile"}
#: Formats that may or may not be geographic: the file's content decides (uploads only).
MAYBE = {"JSON": "json", "ZIP": "zip", "CSV": "csv"}
MAYBE_EXTENSIONS = {".json": "json", ".zip": "zip", ".csv": "csv", ".txt": "csv", ".tsv": "csv"}
MAYBE_MEDIA = {"application/json": "json", "application/zip": "zip", "application/x-zip-compressed": "zip",
               "text/csv": "csv", "application/csv": "csv"}


class GeoLayerError(Exception):
    """A request the geo module refuses: ``code`` and a French ``message`` (views answer 4xx)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def max_attempts() -> int:
    return int(getattr(settings, "OUVERT_GEO_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(getattr(settings, "OUVERT_GEO_STALE_SECONDS", DEFAULT_STALE_SECONDS)))


def max_bytes() -> int:
    return int(getattr(settings, "OUVERT_GEO_MAX_BYTES", 2 * 1024 ** 3))


def zip_limits() -> dict:
    """Limits of an uploaded or linked zip, checked before anything is extracted."""
    return {"max_members": int(getattr(settings, "OUVERT_GEO_ZIP_MAX_MEMBERS", convert.MAX_MEMBERS)),
            "max_bytes": int(getattr(settings, "OUVERT_GEO_ZIP_MAX_BYTES", convert.MAX_UNZIPPED_BYTES)),
            "max_ratio": int(getattr(settings, "OUVERT_GEO_ZIP_MAX_RATIO", convert.MAX_RATIO))}


def work_dir(layer_id) -> Path:
    return Path(settings.DATA_DIR) / "tmp" / "geo" / str(layer_id)


# --- Which resources are geographic --------------------------------------------------------------

def _name_of(resource) -> str:
    version = resource.current_version if resource.kind == "upload" else None
    if version is not None:
        return version.filename or ""
    return os.path.basename((resource.url or "").split("?")[0].split("#")[0])


def _by_extension(name: str, table: dict) -> str | None:
    lowered = name.lower()
    for extension, kind in sorted(table.items(), key=lambda item: -len(item[0])):
        if lowered.endswith(extension):
            return kind
    return None


def _upload_head(resource, size: int = 256 * 1024) -> bytes | None:
    version = resource.current_version if resource.kind == "upload" else None
    if version is None or not version.file.name:
        return None
    try:
        with default_storage.open(version.file.name, "rb") as handle:
            return handle.read(size)
    except OSError:
        return None


def _content_is_geo(resource, maybe: str) -> bool:
    """For an upload that may be geographic (JSON, zip, CSV): does its content say so?"""
    head = _upload_head(resource)
    if not head:
        return False
    if maybe == "zip" or head.startswith(b"PK\x03\x04"):
        version = resource.current_version
        try:
            with default_storage.open(version.file.name, "rb") as handle, zipfile.ZipFile(handle) as archive:
                names = [name.lower() for name in archive.namelist()[:convert.MAX_MEMBERS]]
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return any(name.endswith((".shp", ".geojson", ".kml", ".gpkg", ".fgb")) for name in names)
    decoded = convert._decode(head)
    if decoded is None:
        return False
    text = decoded[0].lstrip()
    if maybe == "json" or text.startswith("{"):
        match = re.search(r'"type"\s*:\s*"([A-Za-z]+)"', text[:200000])
        return bool(match and match.group(1) in convert.GEOJSON_TYPES)
    if maybe == "csv":
        found = convert._csv_columns(text)
        if not found:
            return False
        names = found[1]
        return bool(convert._pick(names, convert.LAT_NAMES) and convert._pick(names, convert.LON_NAMES))
    return False


def geo_format(resource) -> str | None:
    """The geographic format ``resource`` would be converted from (``geojson``, ``shapefile``, ``kml``,
    ``gpkg``, ``fgb``, ``csv``, or ``json``/``zip`` whose content is geographic), or ``None``."""
    declared = (resource.format or "").strip().upper().lstrip(".")
    if declared in FORMATS:
        return FORMATS[declared]
    media = (resource.media_type or "").split(";")[0].strip().lower()
    if media in MEDIA_TYPES:
        return MEDIA_TYPES[media]
    name = _name_of(resource)
    by_name = _by_extension(name, EXTENSIONS)
    if by_name:
        return by_name
    maybe = MAYBE.get(declared) or MAYBE_MEDIA.get(media) or _by_extension(name, MAYBE_EXTENSIONS)
    if maybe and resource.kind == "upload" and _content_is_geo(resource, maybe):
        return maybe
    return None


# --- Requesting a conversion ---------------------------------------------------------------------

def _current_source(resource) -> dict | None:
    if resource.kind == "upload":
        version = resource.current_version
        if version is None:
            return None
        return {"version": version, "source_url": "", "source_name": version.filename[:255],
                "source_size": version.size}
    if resource.url:
        return {"version": None, "source_url": resource.url, "source_name": _name_of(resource)[:255],
                "source_size": None}
    return None


def _same_source(layer: GeoLayer, source: dict) -> bool:
    if source["version"] is not None:
        return layer.version_id == source["version"].pk
    return layer.version_id is None and layer.source_url == source["source_url"]


def layer_request(*, resource, force: bool = False) -> GeoLayer | None:
    """A pending layer for the current source of ``resource``, enqueued once the transaction
    commits; ``None`` when it is not geographic or its source is the latest one converted
    (unless ``force``, or that conversion failed)."""
    if resource.state != "active":
        return None
    kind = geo_format(resource)
    if kind is None and not force:
        return None
    source = _current_source(resource)
    if source is None:
        return None
    if source["version"] is None and not force and not getattr(settings, "OUVERT_GEO_CONVERT_LINKS", True):
        return None
    with transaction.atomic():
        geo, _created = GeoResource.objects.get_or_create(resource=resource)
        geo = GeoResource.objects.select_for_update().get(pk=geo.pk)
        latest = GeoLayer.objects.filter(geo=geo).order_by("-id").first()
        if latest is not None and _same_source(latest, source):
            if latest.status in (GeoLayer.Status.PENDING, GeoLayer.Status.RUNNING):
                return latest if force else None
            if latest.status == GeoLayer.Status.DONE and not force:
                return None
        GeoLayer.objects.filter(geo=geo, status=GeoLayer.Status.PENDING).update(
            status=GeoLayer.Status.FAILED, finished_at=timezone.now(), error_code="superseded",
            error_message=_("Remplacée par une version plus récente de la ressource."))
        if source["version"] is not None:
            # One layer per version (a constraint): a failed one is reused, not duplicated.
            existing = GeoLayer.objects.filter(version=source["version"]).first()
            if existing is not None and existing.status == GeoLayer.Status.DONE:
                # Converting a served version again: the served layer stays served (and done) until the
                # new one is swapped in; it lets go of the version, which the new layer takes.
                GeoLayer.objects.filter(pk=existing.pk).update(version=None)
                existing = None
            if existing is not None:
                GeoLayer.objects.filter(pk=existing.pk).update(
                    status=GeoLayer.Status.PENDING, attempts=0, error_code="", error_message="",
                    started_at=None, heartbeat_at=None, finished_at=None, created_at=timezone.now())
                transaction.on_commit(lambda pk=existing.pk: _enqueue(pk))
                existing.refresh_from_db()
                return existing
        layer = GeoLayer.objects.create(geo=geo, source_format=kind or "", **source)
        transaction.on_commit(lambda pk=layer.pk: _enqueue(pk))
    return layer


def _enqueue(layer_id: int) -> None:
    from .tasks import convert_layer_task

    convert_layer_task.enqueue(layer_id=layer_id)


def on_resource_changed(event: str, resource_id) -> None:
    """The catalogue's resource listener: convert what changed, drop what is deleted."""
    resource = catalog_services.resource_find(id=resource_id)
    if resource is None:
        return
    if event == "deleted" or resource.state != "active":
        core_services.jobs_cancel_pending(GeoLayer, geo_id=resource_id, code="resource-deleted",
                                          message=_("La ressource a été supprimée."))
        return
    layer_request(resource=resource)


# --- Running a conversion ------------------------------------------------------------------------

class _Failed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _claim(layer: GeoLayer) -> bool:
    return core_services.job_claim(layer, stale_after=stale_after())


def _beat(layer: GeoLayer, state: dict) -> None:
    core_services.job_beat(layer, state, every=HEARTBEAT_SECONDS)


def _fail(layer: GeoLayer, code: str, message: str) -> GeoLayer:
    return core_services.job_fail(layer, code, message)


@contextmanager
def _source_file(layer: GeoLayer, folder: Path):
    """A local path of the layer's source: the stored upload itself when storage is a folder, a copy
    otherwise, or the link's file fetched through the harvester (vetted addresses)."""
    if layer.version_id is not None:
        version = layer.version
        if not version.file.name:
            raise _Failed("source-missing", _("Le fichier de cette version n'existe plus."))
        with core_services.stored_file_locally(version.file.name, folder) as local:
            yield local
        return
    if not layer.source_url:
        raise _Failed("source-missing", _("Cette ressource n'a ni fichier ni adresse."))
    from ouvert.harvest import services as harvest_services

    target = folder / "source"
    state: dict = {}
    try:
        fetched = harvest_services.fetch_to_file(layer.source_url, target, max_bytes=max_bytes(),
                                                 progress=lambda done: _beat(layer, state))
    except harvest_services.HarvestHTTPError as exc:
        raise _Failed("fetch-error", exc.message) from None
    layer.source_size = fetched["size"]
    layer.save(update_fields=["source_size"])
    yield target


def _swap(layer: GeoLayer) -> GeoLayer:
    """Mark ``layer`` done and serve it, unless a newer layer is served already (only forward)."""
    return core_services.job_swap(layer, owner="geo", current="current_layer", file_field="parquet_name",
                                  keep=KEEP_FILES, delete=_delete_files)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)


def on_layer_deleted(sender, instance: GeoLayer, **kwargs) -> None:
    if instance.parquet_name:
        name = instance.parquet_name
        transaction.on_commit(lambda: _delete_files([name]))


def layer_run(*, layer_id: int) -> GeoLayer | None:
    """Run (or resume) one conversion to its end; the task's body. A layer another live process
    runs is left alone and returned as it is."""
    layer = GeoLayer.objects.select_related("geo", "version").filter(pk=layer_id).first()
    if layer is None or layer.status in (GeoLayer.Status.DONE, GeoLayer.Status.FAILED):
        return layer
    if not _claim(layer):
        return layer
    layer.refresh_from_db()
    folder = work_dir(layer.pk)
    shutil.rmtree(folder, ignore_errors=True)
    if layer.attempts > max_attempts():
        return _fail(layer, "too-many-attempts", _(
            "La conversion a été interrompue %(n)s fois ; elle est abandonnée. Téléversez le fichier de nouveau "
            "pour réessayer.") % {"n": layer.attempts - 1})
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _source_file(layer, folder) as source:
            state: dict = {}
            _beat(layer, state)
            dest = folder / "layer.parquet"
            result = convert.convert(source, dest, work_dir=folder / "work", filename=layer.source_name,
                                     progress=lambda: _beat(layer, state), zip_limits=zip_limits())
        for name in ("source_crs", "crs_assumed", "crs_note", "feature_count", "geometry_types", "attributes",
                     "repaired_count", "invalid", "warnings"):
            setattr(layer, name, getattr(result, name))
        layer.source_format = result.source_format
        layer.bbox_west, layer.bbox_south, layer.bbox_east, layer.bbox_north = result.bbox
        # JSON fields get plain JSON (no tuples, no lazy strings).
        layer.attributes = json.loads(json.dumps(layer.attributes, default=str))
        layer.warnings = json.loads(json.dumps(layer.warnings, default=str))
        name = layer_parquet_name(layer.geo_id, layer.pk)
        core_services.store_file(dest, name)
        layer.parquet_name = name
        _swap(layer)
    except convert.ConvertError as exc:
        if exc.details.get("invalid"):
            layer.invalid = exc.details["invalid"]
            layer.save(update_fields=["invalid"])
        _fail(layer, exc.code, exc.message)
    except _Failed as exc:
        _fail(layer, exc.code, exc.message)
    except Exception:
        logger.exception("conversion of layer %s failed", layer.pk)
        _fail(layer, "internal", _("Erreur inattendue pendant la conversion ; l'équipe de la plateforme en a été "
                                   "avertie dans le journal."))
    except BaseException:
        core_services.job_release(layer)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return layer


def stale_layers_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """Enqueue again the conversions a dead worker left (periodic job ``geo.stale_layers``)."""
    enqueued = core_services.jobs_requeue_stale(GeoLayer, stale_after=stale_after(), enqueue=_enqueue, now=now)
    core_services.job_work_dirs_clean(Path(settings.DATA_DIR) / "tmp" / "geo", GeoLayer,
                                      keep=lambda name: name.startswith("download-"))
    return enqueued


def layer_convert_now(resource) -> GeoLayer | None:
    """Convert ``resource``'s current source here and now (the demo, the command line)."""
    layer = layer_request(resource=resource, force=True)
    if layer is None:
        return None
    if layer.status in (GeoLayer.Status.PENDING, GeoLayer.Status.RUNNING):
        layer_run(layer_id=layer.pk)
    layer.refresh_from_db()
    return layer


# --- Reading --------------------------------------------------------------------------------------

def layer_current(resource_id) -> GeoLayer | None:
    """The layer served for a resource (done), or ``None``. Visibility is the caller's to check."""
    geo = GeoResource.objects.select_related("current_layer").filter(pk=resource_id).first()
    return geo.current_layer if geo is not None else None


def layers_for_resources(ids) -> dict:
    """``{resource id: served layer}`` for the resources that have one (one query)."""
    rows = GeoResource.objects.filter(pk__in=list(ids), resource__state="active",
                                      current_layer__isnull=False).select_related("current_layer")
    return {geo.pk: geo.current_layer for geo in rows}


def latest_layers(ids) -> dict:
    """``{resource id: its most recent layer, whatever its status}`` (one query)."""
    newest = GeoLayer.objects.filter(geo_id__in=list(ids)).values("geo_id").annotate(last=Max("id")).values("last")
    return {layer.geo_id: layer for layer in GeoLayer.objects.filter(pk__in=newest)}


def layers_for_datasets(dataset_ids) -> dict:
    """``{dataset id: [served layers of its active resources]}`` (one query). Each layer carries
    ``resource_id``."""
    rows = (GeoResource.objects.filter(resource__dataset_id__in=list(dataset_ids), resource__state="active",
                                       current_layer__isnull=False)
            .select_related("current_layer").values_list("resource__dataset_id", "pk", "current_layer_id"))
    rows = list(rows)
    layers = {layer.pk: layer for layer in GeoLayer.objects.filter(pk__in=[row[2] for row in rows])} if rows else {}
    out: dict = {}
    for dataset_id, resource_id, layer_id in rows:
        layer = layers[layer_id]
        layer.resource_id = resource_id
        out.setdefault(dataset_id, []).append(layer)
    return out


@contextmanager
def layer_parquet_path(layer: GeoLayer):
    """A local path of the layer's Parquet file (the stored file itself, or a temporary copy)."""
    if not layer.parquet_name:
        raise GeoLayerError("no-layer", _("La couche n'est pas encore disponible."), status=404)
    try:
        local = default_storage.path(layer.parquet_name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    folder = Path(tempfile.mkdtemp(prefix="layer-", dir=_tmp_root()))
    try:
        local = folder / "layer.parquet"
        with default_storage.open(layer.parquet_name, "rb") as handle, open(local, "wb") as out:
            shutil.copyfileobj(handle, out, 1024 * 1024)
        yield str(local)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tmp_root() -> Path:
    root = Path(settings.DATA_DIR) / "tmp" / "geo"
    root.mkdir(parents=True, exist_ok=True)
    return root


def layer_report(layer: GeoLayer | None) -> dict | None:
    """What a publisher is told about a conversion (API, ``geo/layer_report.html``)."""
    if layer is None:
        return None
    return {
        "id": layer.pk, "status": layer.status, "status_label": str(layer.get_status_display()),
        "attempts": layer.attempts, "source_name": layer.source_name, "source_format": layer.source_format,
        "source_format_label": convert.FORMAT_LABELS.get(layer.source_format, layer.source_format),
        "source_crs": layer.source_crs, "crs_assumed": layer.crs_assumed, "crs_note": layer.crs_note,
        "feature_count": layer.feature_count, "geometry_types": layer.geometry_types,
        "bbox": list(layer.bbox) if layer.bbox else None, "attributes": layer.attributes,
        "repaired_count": layer.repaired_count, "invalid": layer.invalid or {"count": 0, "examples": []},
        "warnings": layer.warnings, "error_code": layer.error_code, "error_message": layer.error_message,
        "created_at": layer.created_at.isoformat() if layer.created_at else None,
        "finished_at": layer.finished_at.isoformat() if layer.finished_at else None,
    }


def download_formats() -> list[dict]:
    return [{"format": fmt, "label": label} for fmt, label in (
        ("geojson", "GeoJSON"), ("shapefile", _("Shapefile (zip)")), ("gpkg", "GeoPackage"), ("kml", "KML"),
        ("csv", _("CSV (géométrie en WKT)")))]


def layer_download(*, user, resource_id, fmt: str, dataset=None) -> tuple:
    """The served layer of a resource ``user`` may read, converted to ``fmt``: ``(open file, file name,
    media type)``. The file is already unlinked: it disappears once closed. Raises
    ``core.services.NotFound`` (not visible) or ``GeoLayerError``."""
    resource = catalog_services.resource_get(id=resource_id, user=user, dataset=dataset)
    if fmt not in convert.EXPORTS:
        raise GeoLayerError("unknown-format", _("Format de téléchargement inconnu « %(fmt)s » : geojson, shapefile, "
                                                "gpkg, kml ou csv.") % {"fmt": fmt[:20]}, status=404)
    layer = layer_current(resource.pk)
    if layer is None:
        raise GeoLayerError("no-layer", _("La couche géographique de cette ressource n'est pas encore disponible."),
                            status=404)
    base = os.path.splitext(layer.source_name or "")[0] or (resource.name_fr or "couche")
    folder = Path(tempfile.mkdtemp(prefix="download-", dir=_tmp_root()))
    try:
        with layer_parquet_path(layer) as parquet:
            path = convert.export(parquet, fmt, folder, basename=base)
        handle = open(path, "rb")
    except convert.ConvertError as exc:
        raise GeoLayerError(exc.code, exc.message, status=409) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open file stays readable until closed
    return handle, path.name, convert.EXPORTS[fmt][2]


def register() -> None:
    """This part's registrations, from ``hooks.register``."""
    from django.db.models.signals import post_delete

    from ouvert.core import registry

    registry.register_resource_listener(on_resource_changed)
    registry.register_periodic("geo.stale_layers", stale_layers_requeue, every_seconds=60)
    # After the catalogue's demo (30) and the datastore's (40): the demo's layers converted at once.
    from . import layers_demo

    registry.register_demo_loader("geo-layers", layers_demo.load, order=45)
    # The dataset page: converted downloads beside geographic resources, the conversion's state for publishers.
    from . import layers_views

    registry.register_dataset_panel("geo.layers", layers_views.dataset_panel, order=44)
    post_delete.connect(on_layer_deleted, sender=GeoLayer, dispatch_uid="geo_layer_files")
