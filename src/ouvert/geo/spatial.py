"""Datasets' spatial coverage and the spatial search's map.

A dataset's coverage is its declared bounding box (``Dataset.bbox_*``) or, when none is declared, the
union of the boxes of its geographic resources' current layers (``GeoLayer.bbox_*``), stored on the
dataset by the catalogue (``catalog.services.dataset_coverage_set``: ``Dataset.coverage_*``), with a
small simplified footprint (``Dataset.coverage_footprint``: a GeoJSON geometry, the convex hull of
each layer simplified, at most a few hundred points). ``package_search``'s ``ext_bbox`` matches either.

- ``coverage_refresh(dataset_ids)``: recompute and store the computed coverage; called once committed
  when a resource's served layer changes (``post_save`` of ``GeoResource`` with ``current_layer``: the
  layers part's swap), by a dataset listener and by a resource listener (a resource deleted…);
- ``dataset_coverage(dataset)``: ``{"source": "declared"|"computed"|None, "bbox", "footprint"}``;
- ``footprints(dataset_ids)``: a GeoJSON ``FeatureCollection`` of the datasets' footprints (declared
  box as a rectangle, else the computed footprint) for the search page's map.
"""

from __future__ import annotations

import json
import logging

__all__ = ["coverage_compute", "coverage_refresh", "coverage_refresh_all", "dataset_coverage", "footprints",
           "footprints_get", "box_polygon"]

#: At most this many datasets per ``footprints_get`` (a page of results is 20).
FOOTPRINTS_MAX = 100

log = logging.getLogger("ouvert.geo.spatial")

#: Coordinates of footprints are rounded to this many decimals (about 1 m).
DECIMALS = 5
#: A footprint's hull is simplified to about this fraction of its box's diagonal.
SIMPLIFY_FRACTION = 1 / 300


def _round(value):
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return round(float(value), DECIMALS)


def box_polygon(bbox) -> dict:
    """The GeoJSON polygon of a box ``(west, south, east, north)``."""
    west, south, east, north = (_round(v) for v in bbox)
    return {"type": "Polygon",
            "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}


def _current_layers(dataset_ids) -> list:
    """The current, done layers with a box of the active resources of ``dataset_ids``:
    ``[(dataset_id, layer), …]`` in one query."""
    from ouvert.catalog import services as catalog

    from .models import GeoLayer, GeoResource

    resources = catalog.dataset_active_resources(dataset_ids)
    dataset_of = {row["id"]: row["dataset_id"] for row in resources}
    if not dataset_of:
        return []
    layer_ids = (GeoResource.objects.filter(resource_id__in=list(dataset_of), current_layer__isnull=False)
                 .values("current_layer_id"))
    layers = (GeoLayer.objects.filter(pk__in=layer_ids, status=GeoLayer.Status.DONE, bbox_west__isnull=False,
                                      bbox_south__isnull=False, bbox_east__isnull=False, bbox_north__isnull=False)
              .order_by("pk"))
    return [(dataset_of[layer.geo_id], layer) for layer in layers]


def _layer_footprint(layer) -> dict:
    """A small geometry of a layer: the convex hull of its features, simplified, read from its Parquet
    file (which the platform wrote); its box when there is no file or it cannot be read."""
    if layer.parquet_name:
        try:
            from ouvert.datastore import duck

            from .layers import layer_parquet_path

            west, south, east, north = layer.bbox
            tolerance = max(((east - west) ** 2 + (north - south) ** 2) ** 0.5 * SIMPLIFY_FRACTION, 1e-6)
            with layer_parquet_path(layer) as path:
                con = duck.connect(spatial=True, threads=1)
                try:
                    row = con.execute(
                        "SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_ConvexHull(ST_Collect(list(geometry))), ?))"
                        " FROM read_parquet(?) WHERE geometry IS NOT NULL", [tolerance, str(path)]).fetchone()
                finally:
                    con.close()
            if row and row[0]:
                import json

                geometry = json.loads(row[0])
                if geometry.get("coordinates"):
                    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}
        except Exception:  # a missing or unreadable file: the box says enough
            log.warning("footprint of layer %s read from its box", layer.pk, exc_info=True)
    return box_polygon(layer.bbox)


def _merge(geometries: list[dict]) -> dict:
    """One geometry of several footprints (a ``GeometryCollection`` when more than one)."""
    if len(geometries) == 1:
        return geometries[0]
    return {"type": "GeometryCollection", "geometries": geometries}


def coverage_compute(dataset_ids, *, previous: dict | None = None) -> dict:
    """``{dataset_id: (bbox, footprint)}`` computed from the current layers of the datasets' active
    resources (datasets without any are left out). ``previous``: ``{dataset_id: footprint}`` already
    stored; a footprint made of the same layers (its ``"layers"`` member) is kept rather than re-read."""
    previous = previous or {}
    by_dataset: dict = {}
    for dataset_id, layer in _current_layers(dataset_ids):
        by_dataset.setdefault(dataset_id, []).append(layer)
    result = {}
    for dataset_id, layers in by_dataset.items():
        bbox = (min(la.bbox_west for la in layers), min(la.bbox_south for la in layers),
                max(la.bbox_east for la in layers), max(la.bbox_north for la in layers))
        bbox = (max(bbox[0], -180.0), max(bbox[1], -90.0), min(bbox[2], 180.0), min(bbox[3], 90.0))
        layer_ids = [layer.pk for layer in layers]
        old = previous.get(dataset_id)
        if isinstance(old, dict) and old.get("layers") == layer_ids:
            footprint = old
        else:
            footprint = {**_merge([_layer_footprint(layer) for layer in layers]), "layers": layer_ids}
        result[dataset_id] = (bbox, footprint)
    return result


def coverage_refresh(dataset_ids) -> int:
    """Recompute and store the computed coverage of the datasets ``dataset_ids`` (cleared for those left
    without a geographic layer). Returns how many changed. The declared boxes are never touched."""
    from ouvert.catalog import services as catalog

    ids = list(dict.fromkeys(dataset_ids))
    if not ids:
        return 0
    stored = catalog.dataset_coverage_footprints(ids)
    computed = coverage_compute(list(stored), previous=stored)
    changed = 0
    for dataset_id in stored:
        bbox, footprint = computed.get(dataset_id, (None, None))
        changed += catalog.dataset_coverage_set(dataset_id, bbox, footprint)
    return changed


#: Datasets recomputed per batch by ``coverage_refresh_all``.
REFRESH_BATCH = 200


def coverage_refresh_all() -> int:
    """Recompute the computed coverage of every dataset with a geographic resource or a computed coverage
    (the periodic job ``geo.coverage_refresh``: catches up after an upgrade or a missed event; footprints
    of unchanged layers are kept, not read again). Returns how many changed."""
    from ouvert.catalog import services as catalog

    from .models import GeoResource

    ids = catalog.dataset_ids_for_coverage(GeoResource.objects.values("resource_id"))
    return sum(coverage_refresh(ids[i:i + REFRESH_BATCH]) for i in range(0, len(ids), REFRESH_BATCH))


def dataset_coverage(dataset) -> dict:
    """``{"source": "declared"|"computed"|None, "bbox": (w, s, e, n)|None, "footprint": GeoJSON|None}``."""
    declared = (dataset.bbox_west, dataset.bbox_south, dataset.bbox_east, dataset.bbox_north)
    if None not in declared:
        return {"source": "declared", "bbox": declared, "footprint": box_polygon(declared)}
    computed = (dataset.coverage_west, dataset.coverage_south, dataset.coverage_east, dataset.coverage_north)
    if None not in computed:
        footprint = dataset.coverage_footprint or box_polygon(computed)
        return {"source": "computed", "bbox": computed,
                "footprint": {k: v for k, v in footprint.items() if k != "layers"}}
    return {"source": None, "bbox": None, "footprint": None}


def footprints(datasets) -> dict:
    """A GeoJSON ``FeatureCollection`` of the footprints of ``datasets`` (``Dataset`` rows, or dicts with
    their ``id``, ``name``, ``title`` and box fields): one feature each with a coverage, in that order."""
    features = []
    for dataset in datasets:
        coverage = dataset_coverage(dataset)
        if coverage["source"] is None:
            continue
        features.append({"type": "Feature", "id": str(dataset.id), "geometry": coverage["footprint"],
                         "bbox": [_round(v) for v in coverage["bbox"]],
                         "properties": {"name": dataset.name, "title": str(dataset.title),
                                        "source": coverage["source"]}})
    return {"type": "FeatureCollection", "features": features}


def footprints_get(*, user, ids: str) -> dict:
    """``footprints`` of the datasets ``ids`` (UUIDs separated by commas, at most ``FOOTPRINTS_MAX``) that
    ``user`` may see, in that order; the others are left out. One query. Raises ``ValidationError``."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from ouvert.catalog import services as catalog

    wanted = [part.strip() for part in (ids or "").split(",") if part.strip()]
    if len(wanted) > FOOTPRINTS_MAX:
        raise ValidationError({"ids": [_("Au plus %(max)s jeux de données à la fois.") % {"max": FOOTPRINTS_MAX}]})
    keys = []
    for part in wanted:
        key = catalog.as_uuid(part)
        if key is None:
            raise ValidationError({"ids": [_("« %(value)s » n'est pas un identifiant de jeu de données.")
                                           % {"value": part[:50]}]})
        keys.append(key)
    if not keys:
        return {"type": "FeatureCollection", "features": []}
    rows = {dataset.pk: dataset for dataset in catalog.dataset_visible_queryset(user).filter(pk__in=keys).only(
        "id", "name", "title_fr", "title_en", "bbox_west", "bbox_south", "bbox_east", "bbox_north",
        "coverage_west", "coverage_south", "coverage_east", "coverage_north", "coverage_footprint")}
    return footprints(rows[key] for key in dict.fromkeys(keys) if key in rows)


# --- Listeners, DCAT ------------------------------------------------------------------------

def on_dataset_changed(event: str, dataset_id) -> None:
    """A dataset changed (resources added or removed, restored…): its computed coverage follows."""
    if event != "purged":
        coverage_refresh([dataset_id])


def on_resource_changed(event: str, resource_id) -> None:
    """A resource was deleted or changed: the coverage of its dataset follows."""
    from ouvert.catalog import services as catalog

    resource = catalog.resource_find(id=resource_id)
    if resource is not None:
        coverage_refresh([resource.dataset_id])


def dcat_contribute(graph, pairs) -> None:
    """``dcat:bbox`` of the computed coverage of datasets that declare no box (the declared one is
    exported by the catalogue itself)."""
    from rdflib import BNode, Literal, Namespace
    from rdflib.namespace import RDF

    dct = Namespace("http://purl.org/dc/terms/")
    dcat = Namespace("http://www.w3.org/ns/dcat#")
    gsp = Namespace("http://www.opengis.net/ont/geosparql#")
    for dataset, node in pairs:
        coverage = dataset_coverage(dataset)
        if coverage["source"] != "computed":
            continue
        location = next(iter(graph.objects(node, dct.spatial)), None)
        if location is None:
            location = BNode(f"spatial-{dataset.id}")
            graph.add((node, dct.spatial, location))
            graph.add((location, RDF.type, dct.Location))
        west, south, east, north = coverage["bbox"]
        wkt = (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))")
        graph.add((location, dcat.bbox, Literal(wkt, datatype=gsp.wktLiteral)))


def package_show_spatial(dataset) -> dict:
    """The ``package_show`` contributor: ``spatial``, the coverage as ckanext-spatial gives it (a GeoJSON
    geometry as text, WGS84): the declared box, else the computed footprint; ``spatial_source`` says
    which (``declared`` or ``computed``). Nothing without a coverage."""
    coverage = dataset_coverage(dataset)
    if coverage["source"] is None:
        return {}
    return {"spatial": json.dumps(coverage["footprint"], separators=(",", ":")), "spatial_source": coverage["source"]}


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """The dataset page's note of a computed coverage (a declared one is in the page's metadata): the box
    and a link to the search on that zone. No query."""
    coverage = dataset_coverage(dataset)
    if coverage["source"] != "computed":
        return None
    from django.urls import reverse
    from django.utils.http import urlencode

    bbox = [_round(v) for v in coverage["bbox"]]
    return {"template": "geo/spatial_dataset_panel.html",
            "context": {"bbox": bbox, "search_url": reverse("catalog:search") + "?" + urlencode(
                {"bbox": ",".join(f"{v:g}" for v in bbox)})}}


def on_geo_resource_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """A resource's served layer changed (the layers part's atomic swap): once committed, the coverage
    of its dataset follows."""
    if update_fields is not None and "current_layer" not in update_fields:
        return
    from django.db import transaction

    resource_id = instance.resource_id
    transaction.on_commit(lambda: on_resource_changed("layer", resource_id))


def register() -> None:
    """This part's registrations, from ``hooks.register``."""
    from django.db.models.signals import post_save

    from ouvert.catalog import services as catalog
    from ouvert.core import registry

    from .models import GeoResource

    registry.register_dataset_listener(on_dataset_changed)
    registry.register_resource_listener(on_resource_changed)
    post_save.connect(on_geo_resource_saved, sender=GeoResource, dispatch_uid="geo.spatial.coverage")
    registry.register_periodic("geo.coverage_refresh", coverage_refresh_all, every_seconds=86400)
    registry.register_dataset_panel("geo.coverage", dataset_panel, order=46)
    catalog.dcat_contributor_register(dcat_contribute)
    catalog.package_show_contributor_register(package_show_spatial, keys=("spatial", "spatial_source"))

