"""Maps of the geographic resources: vector tiles, TileJSON, the offline base map, styles by
attribute (classes computed in DuckDB), the attribute table and the dataset page's map panel.

Everything a person sees goes through ``served_layer`` (the resource's dataset visible to them,
its current layer done), so a private dataset's tiles are as hidden as its page.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.catalog import services as catalog_services

from . import tiles
from .models import GeoLayer, GeoResource

__all__ = [
    "LayerUnavailable",
    "MapNotFound",
    "TileError",
    "base_attribution_setting",
    "base_tiles_setting",
    "basemap_geojson",
    "map_features",
    "map_style_classes",
    "map_style_parse",
    "map_style_save",
    "map_tile",
    "map_thinned_below",
    "map_tilejson",
    "map_tiles_prune",
    "served_layer",
    "served_layers",
]

TileError = tiles.TileError
LayerUnavailable = tiles.LayerUnavailable


class MapNotFound(catalog_services.NotFound):
    """No visible resource with a served layer."""


def base_tiles_setting() -> str:
    """``OUVERT_MAP_BASE_TILES``: a raster tile URL template (``…/{z}/{x}/{y}.png``) replacing the
    bundled offline base map, or ``""``."""
    return str(getattr(settings, "OUVERT_MAP_BASE_TILES", "") or "").strip()


def base_attribution_setting() -> str:
    """``OUVERT_MAP_BASE_ATTRIBUTION``: the credit shown for ``OUVERT_MAP_BASE_TILES`` (e.g.
    « © OpenStreetMap contributors »)."""
    return str(getattr(settings, "OUVERT_MAP_BASE_ATTRIBUTION", "") or "").strip()


def served_layer(*, resource_id=None, user=None, resource=None) -> tuple:
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


def map_thinned_below(layer) -> int | None:
    """The zoom below which the layer's tiles keep only part of its small features (``None`` when
    they keep every feature at every zoom)."""
    return tiles.SIMPLIFY_BELOW if (layer.feature_count or 0) > tiles.thin_above() else None


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
    west, south, east, north = bounds
    span = max(east - west, (north - south) * 1.5, 1e-6)
    return max(0, min(tiles.MAX_ZOOM, int(math.log2(360 / span))))


def served_layers(resource_ids) -> dict:
    """``{resource id: layer}`` of the resources whose current layer is done (one query; the
    caller has checked visibility)."""
    found = (GeoResource.objects.select_related("current_layer")
             .filter(resource_id__in=list(resource_ids), current_layer__status=GeoLayer.Status.DONE)
             .exclude(current_layer__parquet_name=""))
    return {geo.resource_id: geo.current_layer for geo in found}


# --- Offline base map ------------------------------------------------------------------------------

BASEMAP_FILE = Path(__file__).resolve().parent / "basemap" / "quebec.geojson"
_basemap: dict = {}
_basemap_lock = threading.Lock()


def basemap_geojson() -> tuple[bytes, str]:
    """``(bytes, etag)`` of the bundled base map (Canada's provinces, Quebec's regions; see
    ``basemap/SOURCES.md``), read once per process."""
    with _basemap_lock:
        if "data" not in _basemap:
            import hashlib

            data = BASEMAP_FILE.read_bytes()
            _basemap["data"] = data
            _basemap["etag"] = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        return _basemap["data"], _basemap["etag"]


# --- Styles by attribute ---------------------------------------------------------------------------

DEFAULT_COLOR = "#1f5f9e"
OUTLINE_COLOR = "#1b2733"
NULL_COLOR = "#bdbdbd"
OTHER_COLOR = "#8c8c8c"
CLASSES_MIN, CLASSES_MAX, CLASSES_DEFAULT = 2, 7, 5
#: Sequential palettes (ColorBrewer, light to dark), 7 colours each; fewer classes take spread ones.
PALETTES = {
    "bleus": ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
    "verts": ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    "oranges": ["#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04"],
    "violets": ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"],
}
PALETTE_LABELS = {"bleus": gettext_lazy("Bleus"), "verts": gettext_lazy("Verts"), "oranges": gettext_lazy("Oranges"),
                  "violets": gettext_lazy("Violets")}
#: Categories (Okabe–Ito, distinguishable with the common colour vision deficiencies).
CATEGORY_COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]
METHODS = ("categories", "graduated")
BREAKS = ("quantiles", "equal")


def _palette(name: str, count: int) -> list[str]:
    colors = PALETTES[name]
    if count >= len(colors):
        return colors[:count]
    return [colors[round(i * (len(colors) - 1) / (count - 1))] for i in range(count)] if count > 1 else [colors[-1]]


def _layer_columns(layer) -> dict[str, str]:
    return dict(tiles.columns(tiles.local_path(layer.parquet_name)))


def map_style_parse(*, layer, data) -> dict:
    """A style from a form or a query string (``attribut``, ``methode``, ``classes``, ``decoupage``,
    ``palette``; the stored keys ``attribute``, ``method``, ``breaks`` too), checked against the layer.

    ``{}`` is the plain style (one colour). Raises ``ValidationError`` naming the bad field.
    """
    def pick(*keys, default=""):
        for key in keys:
            value = data.get(key)
            if value not in (None, ""):
                return str(value).strip()
        return default

    attribute = pick("attribut", "attribute")
    if not attribute:
        return {}
    columns = _layer_columns(layer)
    if attribute not in columns:
        raise ValidationError({"attribut": [_("« %(name)s » n’est pas un attribut de cette couche.")
                                            % {"name": attribute[:100]}]})
    numeric = tiles.field_kind(columns[attribute]) == "Number"
    method = pick("methode", "method", default="graduated" if numeric and attribute != "_fid" else "categories")
    if method not in METHODS:
        raise ValidationError({"methode": [_("Méthode inconnue : choisissez « catégories » ou « classes graduées ».")]})
    if method == "graduated" and not numeric:
        raise ValidationError({"methode": [_("Les classes graduées demandent un attribut numérique : « %(name)s » "
                                             "est du texte. Choisissez « catégories ».") % {"name": attribute}]})
    raw = pick("classes", default=str(CLASSES_DEFAULT))
    try:
        classes = int(raw)
    except ValueError:
        classes = None
    limit = len(CATEGORY_COLORS) if method == "categories" else CLASSES_MAX
    if classes is None or not CLASSES_MIN <= classes <= limit:
        raise ValidationError({"classes": [_("Le nombre de classes doit être un entier de %(low)s à %(high)s.")
                                           % {"low": CLASSES_MIN, "high": limit}]})
    style = {"attribute": attribute, "method": method, "classes": classes}
    if method == "graduated":
        breaks = pick("decoupage", "breaks", default="quantiles")
        if breaks not in BREAKS:
            raise ValidationError({"decoupage": [_("Découpage inconnu : « quantiles » ou « intervalles égaux ».")]})
        palette = pick("palette", default="bleus")
        if palette not in PALETTES:
            raise ValidationError({"palette": [_("Palette inconnue.")]})
        style.update(breaks=breaks, palette=palette)
    return style


def map_style_classes(*, layer, style: dict) -> dict:
    """The classes of a style, computed in DuckDB on the layer's Parquet file.

    ``{"color": <MapLibre expression>, "legend": [{"label", "color", "count"}], "style": style}``.
    Graduated: quantiles (``quantile_cont``) or equal intervals between the minimum and the maximum;
    categories: the most frequent values, then « Autres valeurs ». Features with no value are grey.
    """
    if not style:
        return {"color": DEFAULT_COLOR, "legend": [], "style": {}}
    # A layer never changes (a new file is a new layer): its classes are kept a day per language.
    import hashlib
    import json

    from django.core.cache import cache
    from django.utils.translation import get_language

    digest = hashlib.sha256(json.dumps(style, sort_keys=True).encode()).hexdigest()[:24]
    key = f"geo:classes:{layer.pk}:{get_language() or 'fr'}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _style_classes(layer, style)
        cache.set(key, found, 86400)
    return found


def _style_classes(layer, style: dict) -> dict:
    path = tiles.local_path(layer.parquet_name)
    column = tiles.quote(style["attribute"])
    source = f"read_parquet({tiles._literal(path)})"
    cur = tiles.engine().cursor()
    count = int(style["classes"])
    nulls = cur.execute(f"SELECT count(*) FILTER (WHERE {column} IS NULL) FROM {source}").fetchone()[0]
    legend = []
    get = ["get", style["attribute"]]
    if style["method"] == "graduated":
        low, high = cur.execute(f"SELECT min({column})::DOUBLE, max({column})::DOUBLE FROM {source}").fetchone()
        if low is None:
            return {"color": NULL_COLOR, "legend": [{"label": _("Sans valeur"), "color": NULL_COLOR,
                                                     "count": nulls}], "style": style}
        if style["breaks"] == "quantiles":
            points = [i / count for i in range(1, count)]
            cuts = cur.execute(f"SELECT quantile_cont({column}::DOUBLE, {points}) FROM {source}").fetchone()[0]
        else:
            cuts = [low + (high - low) * i / count for i in range(1, count)]
        cuts = sorted({float(c) for c in cuts if low < c <= high})
        colors = _palette(style["palette"], len(cuts) + 1)
        bounds = [low, *cuts, high]
        case = " ".join(f"WHEN {column} < {cut!r} THEN {i}" for i, cut in enumerate(cuts))
        counts = dict(cur.execute(f"SELECT CASE {case} ELSE {len(cuts)} END AS k, count(*) FROM {source} "
                                  f"WHERE {column} IS NOT NULL GROUP BY k").fetchall()) if cuts else {
            0: cur.execute(f"SELECT count({column}) FROM {source}").fetchone()[0]}
        for i, color in enumerate(colors):
            legend.append({"label": _("de %(low)s à %(high)s") % {"low": _number(bounds[i]),
                                                                  "high": _number(bounds[i + 1])},
                           "color": color, "count": counts.get(i, 0), "low": bounds[i], "high": bounds[i + 1]})
        step = ["step", ["to-number", get], colors[0]]
        for cut, color in zip(cuts, colors[1:], strict=True):
            step += [cut, color]
        expression = ["case", ["==", ["typeof", get], "number"], step, NULL_COLOR]
    else:
        kind = _layer_columns(layer).get(style["attribute"], "VARCHAR")
        text = f"CAST({column} AS VARCHAR)"
        if tiles.field_kind(kind) == "Number":
            # As the map's ["to-string", …] writes numbers: 5.0 is "5" there (the tile holds a double).
            text = (f"CASE WHEN {column}::DOUBLE = floor({column}::DOUBLE) AND abs({column}::DOUBLE) < 1e15 "
                    f"THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) ELSE CAST({column}::DOUBLE AS VARCHAR) END")
        rows = cur.execute(f"SELECT {text} AS v, count(*) AS n FROM {source} "
                           f"WHERE {column} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {count + 1}").fetchall()
        top = rows[:count] if len(rows) > count else rows
        if len(rows) > count:
            top = rows[:count - 1]
        match = ["match", ["to-string", get]]
        for (value, n), color in zip(top, CATEGORY_COLORS, strict=False):
            legend.append({"label": value, "color": color, "count": n})
            match += [value, color]
        if len(rows) > len(top):
            others = cur.execute(f"SELECT count({column}) FROM {source}").fetchone()[0] - sum(n for _v, n in top)
            legend.append({"label": _("Autres valeurs"), "color": OTHER_COLOR, "count": others})
        match.append(OTHER_COLOR)
        expression = ["case", ["has", style["attribute"]], match, NULL_COLOR] if top else NULL_COLOR
    if nulls:
        legend.append({"label": _("Sans valeur"), "color": NULL_COLOR, "count": nulls})
    return {"color": expression, "legend": legend, "style": style}


def _number(value: float) -> str:
    """A class bound as people read it: whole numbers grouped by thousands from 1,000 on, otherwise
    four significant digits (in the page's language: « 23 467 100 », « 0,1235 »)."""
    from django.utils.formats import number_format

    if value == 0 or not math.isfinite(value):
        return number_format(0 if value == 0 else value)
    if abs(value) >= 1000:
        return number_format(round(value), 0, use_l10n=True, force_grouping=True)
    digits = max(0, 3 - int(math.floor(math.log10(abs(value)))))
    text = number_format(round(value, digits), digits, use_l10n=True)
    separator = number_format(0.5, 1, use_l10n=True)[1]
    return text.rstrip("0").rstrip(separator) if separator in text else text


def map_style_save(*, actor, resource, style: dict) -> None:
    """Save ``style`` (already parsed by ``map_style_parse``) as the resource's default map style."""
    if not catalog_services.resource_can_edit(actor, resource):
        raise PermissionDenied(_("Seuls les éditeurs de l’organisation peuvent enregistrer le style de la carte."))
    GeoResource.objects.filter(resource_id=resource.pk).update(style=style, modified_at=timezone.now())


# --- Attribute table ---------------------------------------------------------------------------------

PAGE_SIZE = 20


def map_features(*, layer, page: int = 1, near: tuple[float, float] | None = None,
                 page_size: int = PAGE_SIZE) -> dict:
    """A page of the layer's features and their attributes (the map's alternative): in the
    source's order, or nearest first to ``near`` = (longitude, latitude).

    ``{"columns": [...], "rows": [[...]], "page", "pages", "total", "near"}``.
    """
    columns = [name for name, _kind in tiles.columns(tiles.local_path(layer.parquet_name))]
    total = layer.feature_count
    path = tiles.local_path(layer.parquet_name)
    cur = tiles.engine().cursor()
    if total is None:
        total = cur.execute(f"SELECT count(*) FROM read_parquet({tiles._literal(path)})").fetchone()[0]
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    select = ", ".join(tiles.quote(c) for c in columns)
    if near is not None:
        lon, lat = near
        if not (-180 <= lon <= 180 and -85.06 <= lat <= 85.06):
            raise ValidationError({"pres": [_("La position doit être une longitude et une latitude valides.")]})
        x = lon * 20037508.342789244 / 180
        y = math.log(math.tan((90 + lat) * math.pi / 360)) * 6378137.0
        order = f"((minx + maxx) / 2 - {x!r}) ^ 2 + ((miny + maxy) / 2 - {y!r}) ^ 2, _fid"
    else:
        order = "_fid"
    rows = cur.execute(f"SELECT {select}, ST_GeometryType(geometry)::VARCHAR FROM read_parquet({tiles._literal(path)}) "
                       f"ORDER BY {order} LIMIT {int(page_size)} OFFSET {(page - 1) * int(page_size)}").fetchall()
    return {"columns": columns, "rows": [list(row) for row in rows], "page": page, "pages": pages,
            "total": total, "near": near}


# --- Stored tiles ------------------------------------------------------------------------------------

def map_tiles_prune() -> int:
    """Delete the stored tiles of layers that are no longer served (periodic); the number of layers."""
    from django.core.files.storage import default_storage

    served = {str(pk) for pk in GeoResource.objects.exclude(current_layer=None)
              .values_list("current_layer_id", flat=True)}
    try:
        folders, _files = default_storage.listdir("geo/tiles")
    except (FileNotFoundError, OSError):
        _prune_local_copies(served)
        return 0
    gone = [name for name in folders if name not in served]
    for name in gone:
        tiles.forget(name)
    _prune_local_copies(served)
    return len(gone)


def _prune_local_copies(served: set[str]) -> None:
    """Local copies of layers' Parquet files (made when storage is not a folder) of layers no longer
    served: ``DATA_DIR/cache/geo/<resource>/<layer>.parquet``."""
    root = Path(getattr(settings, "DATA_DIR", "var")) / "cache" / "geo"
    if not root.is_dir():
        return
    for path in root.glob("*/*.parquet"):
        if path.stem not in served:
            path.unlink(missing_ok=True)


PRUNE_SECONDS = 6 * 3600


# --- Registrations -----------------------------------------------------------------------------------

def register() -> None:
    """This part's registrations, from ``hooks.register``: the dataset page's map panel."""
    from ouvert.core import registry

    from . import maps_views

    registry.register_dataset_panel("geo", maps_views.dataset_panel, order=45)
    registry.register_periodic("geo.maps.tiles_prune", map_tiles_prune, PRUNE_SECONDS)

