"""Vector tiles of the stored layers (Mapbox Vector Tile, read by MapLibre GL).

A tile is cut from the current layer's Parquet file (see ``models``: ``geom_3857`` and the
``minx…maxy`` box columns in Web Mercator) by DuckDB's spatial extension: the features whose box
meets the tile's envelope (``ST_TileEnvelope``), clipped and quantised (``ST_AsMVTGeom``), encoded
with their attributes, ``_fid`` as the feature's id (``ST_AsMVT``). Tiles are kept in
``default_storage`` at ``geo/tiles/<layer id>/<z>/<x>/<y>.pbf`` (an empty file for an empty
tile): a new layer has a new id, so it never serves an old layer's tiles.

One DuckDB database per process (re-opened after a fork), one cursor per thread.
"""

from __future__ import annotations

import os
import re
import threading
from types import SimpleNamespace

import duckdb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ouvert.datastore import duck
from ouvert.datastore import services as datastore_services

#: The layer's name inside every tile.
LAYER_NAME = "features"
MIN_ZOOM = 0
MAX_ZOOM = 16
EXTENT = 4096
BUFFER = 64
WORLD = 2 * 20037508.342789244
SIMPLIFY_BELOW = 14
#: Cells, in pixels of a tile drawn at 256 px, where a big layer keeps one point (``THIN_CELL``) or
#: one line or polygon smaller than the cell (``THIN_SHAPE_CELL``), below ``SIMPLIFY_BELOW``.
THIN_CELL = 2
THIN_SHAPE_CELL = 8
#: Columns of the stored layer that are not the feature's attributes.
TECHNICAL = ("geometry", "geom_3857", "minx", "miny", "maxx", "maxy")
_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE"
                      r"|DECIMAL.*|REAL)$", re.IGNORECASE)


class LayerUnavailable(Exception):
    """The layer's Parquet file cannot be read now (missing from storage, unreadable)."""


class TileError(ValueError):
    """A tile address outside the pyramid (bad zoom, column or row)."""


def check_address(z: int, x: int, y: int) -> None:
    """Raise ``TileError`` unless ``z/x/y`` names a tile of the pyramid (zoom ``MIN_ZOOM…MAX_ZOOM``)."""
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise TileError(f"zoom {z} outside {MIN_ZOOM}–{MAX_ZOOM}")
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise TileError(f"tile {x}/{y} outside zoom {z} (0–{size - 1})")


class _Engine(duck.ProcessDatabase):
    """One spatial DuckDB database per process, and the columns of the layers it has read."""

    connect_options = {"spatial": True}

    def __init__(self):
        super().__init__()
        self.schemas: dict[str, list[tuple[str, str]]] = {}


engine = duck.per_process(_Engine)


def local_path(parquet_name: str) -> str:
    """A local path of a layer's Parquet file (the datastore's logic: storage folder or local copy).

    Raises ``LayerUnavailable`` when the file is not there."""
    try:
        path = datastore_services.local_parquet(SimpleNamespace(parquet=parquet_name))
    except OSError as exc:
        raise LayerUnavailable(str(exc)) from exc
    if not os.path.exists(path):
        raise LayerUnavailable(f"{parquet_name} is missing")
    return path


def quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def columns(path: str) -> list[tuple[str, str]]:
    """``[(name, duckdb type), …]`` of a layer's attributes (``_fid`` first, no technical columns)."""
    eng = engine()
    found = eng.schemas.get(path)
    if found is None:
        try:
            rows = eng.cursor().execute(f"DESCRIBE SELECT * FROM read_parquet({_literal(path)})").fetchall()
        except duckdb.IOException as exc:
            raise LayerUnavailable(str(exc)) from exc
        found = [(row[0], str(row[1])) for row in rows if row[0] not in TECHNICAL]
        if len(eng.schemas) > 256:
            eng.schemas.clear()
        eng.schemas[path] = found
    return found


def field_kind(duckdb_type: str) -> str:
    """The TileJSON kind of a column: ``Number``, ``Boolean`` or ``String``."""
    if _NUMERIC.match(duckdb_type):
        return "Number"
    if duckdb_type.upper() == "BOOLEAN":
        return "Boolean"
    return "String"


def _property(name: str, duckdb_type: str) -> str:
    """A column as a tile property: numbers as DOUBLE or BIGINT, booleans kept, the rest as text."""
    kind = field_kind(duckdb_type)
    if kind == "Number":
        target = "BIGINT" if re.match(r"^(U?TINYINT|U?SMALLINT|U?INTEGER|BIGINT)$", duckdb_type, re.I) else "DOUBLE"
        return f"CAST({quote(name)} AS {target}) AS {quote(name)}"
    if kind == "Boolean":
        return quote(name)
    return f"CAST({quote(name)} AS VARCHAR) AS {quote(name)}"


def envelope(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's box in Web Mercator metres ``(xmin, ymin, xmax, ymax)``, as ``ST_TileEnvelope``."""
    size = WORLD / (1 << z)
    half = WORLD / 2
    return (-half + x * size, half - (y + 1) * size, -half + (x + 1) * size, half - y * size)


def thin_above() -> int:
    """``OUVERT_MAP_THIN_ABOVE`` (default 20,000): below zoom ``SIMPLIFY_BELOW``, a layer with more
    features than this keeps one point per cell of ``THIN_CELL`` tile pixels (the first in the
    source's order) and, of the lines and polygons smaller than ``THIN_SHAPE_CELL`` pixels, one per
    cell of that size (the biggest); bigger ones are all kept. Smaller layers keep every feature."""
    try:
        return max(0, int(getattr(settings, "OUVERT_MAP_THIN_ABOVE", 20_000)))
    except (TypeError, ValueError):
        raise ImproperlyConfigured("OUVERT_MAP_THIN_ABOVE must be a whole number.") from None


def render(path: str, z: int, x: int, y: int, *, thin: bool = False) -> bytes:
    """The tile ``z/x/y`` of the layer stored at ``path`` (``b""`` when no feature meets it).

    ``thin``: below zoom ``SIMPLIFY_BELOW``, keep one feature per cell (see ``thin_above``)."""
    check_address(z, x, y)
    props = ", ".join(_property(name, kind) for name, kind in columns(path))
    # The envelope is written as literals: ST_TileEnvelope's box passed through a CTE made
    # ST_AsMVTGeom fail ("tile width and height must be positive") then crash DuckDB 1.5 after a
    # few tiles in one process (see tests/geo/test_tiles.py).
    x0, y0, x1, y1 = envelope(z, x, y)
    box = f"{{'min_x': {x0!r}, 'min_y': {y0!r}, 'max_x': {x1!r}, 'max_y': {y1!r}}}::BOX_2D"
    unit = WORLD / (1 << z) / EXTENT
    # Below ``SIMPLIFY_BELOW`` a line or a polygon loses the vertices within one unit of the tile's
    # grid (Douglas-Peucker; they would fall on the same point of the grid anyway): far less to
    # clip and encode.
    geometry = "p.geom_3857"
    if z < SIMPLIFY_BELOW:
        geometry = (f"CASE WHEN p.minx = p.maxx AND p.miny = p.maxy THEN p.geom_3857 "
                    f"ELSE ST_Simplify(p.geom_3857, {unit!r}) END")
    inside = f"p.maxx >= {x0!r} AND p.minx <= {x1!r} AND p.maxy >= {y0!r} AND p.miny <= {y1!r}"
    source = f"read_parquet({_literal(path)}) AS p"
    thinning = ""
    if thin and z < SIMPLIFY_BELOW:
        # The features kept are chosen from their boxes alone (cheap columns), then read in full.
        pixel = unit * EXTENT / 256
        size = "greatest(p.maxx - p.minx, p.maxy - p.miny)"
        cell = f"(CASE WHEN {size} = 0 THEN {pixel * THIN_CELL!r} ELSE {pixel * THIN_SHAPE_CELL!r} END)"
        thinning = (f"AND p._fid IN (SELECT arg_max(p._fid, ({size}, -p._fid)) FROM {source} WHERE {inside} "
                    f"GROUP BY {size} = 0, CASE WHEN {size} >= {cell} THEN p._fid END, "
                    f"floor(((p.minx + p.maxx) / 2 - {x0!r}) / {cell}), floor(((p.miny + p.maxy) / 2 - {y0!r}) / {cell}))")
    # Empty results are left out by the aggregates' FILTER (a WHERE on ``mvt_geom`` would have DuckDB
    # cut every geometry twice).
    kept = "mvt_geom IS NOT NULL AND NOT ST_IsEmpty(mvt_geom)"
    sql = f"""
        SELECT count(*) FILTER (WHERE {kept}),
               ST_AsMVT(t, {_literal(LAYER_NAME)}, {EXTENT}, 'mvt_geom', '__id') FILTER (WHERE {kept}) FROM (
            SELECT {props}, "_fid" AS "__id", ST_AsMVTGeom({geometry}, {box}, {EXTENT}, {BUFFER}, true) AS mvt_geom
            FROM {source} WHERE {inside} {thinning}
        ) AS t
    """
    try:
        found = engine().cursor().execute(sql).fetchone()
    except duckdb.IOException as exc:
        raise LayerUnavailable(str(exc)) from exc
    return bytes(found[1]) if found and found[0] and found[1] else b""


def cache_name(layer_id, z: int, x: int, y: int) -> str:
    return f"geo/tiles/{layer_id}/{z}/{x}/{y}.pbf"


def cached(layer_id, z: int, x: int, y: int) -> bytes | None:
    """The stored tile, or ``None`` when it was never made."""
    name = cache_name(layer_id, z, x, y)
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def store(layer_id, z: int, x: int, y: int, data: bytes) -> None:
    """Keep a tile (atomically on a folder storage; first writer wins elsewhere)."""
    name = cache_name(layer_id, z, x, y)
    try:
        target = default_storage.path(name)
    except NotImplementedError:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{os.getpid()}.{threading.get_ident()}.partial"
    with open(partial, "wb") as out:
        out.write(data)
    os.replace(partial, target)


def tile(layer, z: int, x: int, y: int) -> tuple[bytes, bool]:
    """``(data, from_cache)``: the tile of a done layer, made once then read from the cache."""
    check_address(z, x, y)
    data = cached(layer.pk, z, x, y)
    if data is not None:
        return data, True
    thin = (layer.feature_count or 0) > thin_above()
    data = render(local_path(layer.parquet_name), z, x, y, thin=thin)
    store(layer.pk, z, x, y, data)
    return data, False


def forget(layer_id) -> None:
    """Delete the stored tiles of a layer (when it is no longer served)."""
    root = f"geo/tiles/{layer_id}"
    try:
        base = default_storage.path(root)
    except NotImplementedError:
        base = None
    if base is not None:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
        return

    def walk(folder):
        dirs, files = default_storage.listdir(folder)
        for name in files:
            default_storage.delete(f"{folder}/{name}")
        for name in dirs:
            walk(f"{folder}/{name}")

    if default_storage.exists(root):
        walk(root)
