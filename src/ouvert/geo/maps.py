"""Maps of the geographic resources: vector tiles, TileJSON, the offline base map, styles by
attribute (classes computed in DuckDB), the attribute table and the dataset page's map panel.

Everything a person sees goes through ``served_layer`` (the resource's dataset visible to them,
its current layer done), so a private dataset's tiles are as hidden as its page.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services

from . import tiles
from .models import GeoLayer, GeoResource

__all__ = [
    "MapNotFound",
    "TileError",
    "base_tiles_setting",
    "map_tile",
    "map_tilejson",
    "served_layer",
]

TileError = tiles.TileError


class MapNotFound(catalog_services.NotFound):
    """No visible resource with a served layer."""


def base_tiles_setting() -> str:
    """``OUVERT_MAP_BASE_TILES``: a raster tile URL template (``…/{z}/{x}/{y}.png``) replacing the
    bundled offline base map, or ``""``."""
    return str(getattr(settings, "OUVERT_MAP_BASE_TILES", "") or "").strip()


def served_layer(*, resource_id, user=None, resource=None) -> tuple:
    """``(resource, geo, layer)`` for a resource visible to ``user`` whose current layer is done.

    Raises ``MapNotFound`` when the resource is unknown, invisible to ``user`` or has no layer.
    """
    if resource is None:
        try:
            resource = catalog_services.resource_get(id=resource_id, user=user)
        except catalog_services.NotFound:
            raise MapNotFound(_("Ressource « %(id)s » introuvable.") % {"id": str(resource_id)[:100]}) from None
    geo = GeoResource.objects.select_related("current_layer").filter(resource_id=resource.pk).first()
    layer = geo.current_layer if geo is not None else None
    if layer is None or layer.status != GeoLayer.Status.DONE or not layer.parquet_name:
        raise MapNotFound(_("Cette ressource n’a pas de couche géographique à afficher."))
    return resource, geo, layer


def map_tile(*, resource_id, user, z: int, x: int, y: int) -> tuple[bytes, object, bool]:
    """``(data, layer, from_cache)``: one vector tile of a visible resource's current layer.

    Raises ``TileError`` for an address outside the pyramid, ``MapNotFound`` as ``served_layer``.
    """
    tiles.check_address(z, x, y)
    _resource, _geo, layer = served_layer(resource_id=resource_id, user=user)
    data, from_cache = tiles.tile(layer, z, x, y)
    return data, layer, from_cache


def map_tilejson(*, layer, tiles_url: str) -> dict:
    """The TileJSON 3.0 of a layer; ``tiles_url`` is the absolute ``…/{z}/{x}/{y}.pbf`` template."""
    fields = {name: tiles.field_kind(kind) for name, kind in tiles.columns(tiles.local_path(layer.parquet_name))}
    bounds = list(layer.bbox) if layer.bbox else [-180.0, -85.0511, 180.0, 85.0511]
    west, south, east, north = bounds
    return {
        "tilejson": "3.0.0",
        "name": str(layer.geo_id),
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": tiles.MIN_ZOOM,
        "maxzoom": tiles.MAX_ZOOM,
        "bounds": bounds,
        "center": [(west + east) / 2, (south + north) / 2, _fit_zoom(bounds)],
        "vector_layers": [{"id": tiles.LAYER_NAME, "fields": fields,
                           "minzoom": tiles.MIN_ZOOM, "maxzoom": tiles.MAX_ZOOM}],
    }


def _fit_zoom(bounds) -> int:
    import math

    west, south, east, north = bounds
    span = max(east - west, (north - south) * 1.5, 1e-6)
    return max(0, min(tiles.MAX_ZOOM, int(math.log2(360 / span))))


def register() -> None:
    """This part's registrations, from ``hooks.register``."""

