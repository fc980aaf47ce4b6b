"""Bench: geographic layers at scale (issue 6). Prints one JSON object.

    python bench/geo.py                                   # 100,000 polygons, 1,000,000 points
    python bench/geo.py --polygons 10000 --points 100000  # quick run (under a minute)
    DATABASE_URL=postgres://…/EMPTY_DB python bench/geo.py

What it does, in one run:

1. **data**: polygons from real Québec shapes: the 17 administrative regions once, where they
   are (simplified at 100 m), then the boroughs of Montréal and Québec City (simplified at 5 m)
   repeated and shifted, each centred on a cell of a square 6 km grid over southern Québec (a
   dense layer, as municipal lots or census blocks); points from Québec City's real public places
   repeated and jittered (±3 km);
   both written as GeoPackage files in Québec Lambert (EPSG:32198), so that reprojection is
   measured;
2. **conversion** of each file to the stored layer by Ouvert (``ouvert.geo.convert.convert``:
   detection, CRS, validity and repair, WGS84 and Web Mercator, boxes, Hilbert order, Parquet),
   against a raw pyogrio read + write of the same data in the same run: ``pyogrio.raw.read``
   through an OGR VRT warped layer (GDAL's ``-t_srs`` to OGC:CRS84, as ``ogr2ogr`` does), then
   ``pyogrio.raw.write`` to FlatGeobuf with its packed Hilbert R-tree (a spatially ordered
   binary file, as our Parquet is). Each side runs in a child process (its peak memory
   reported). Target: ours at most 2× the baseline;
3. **tiles**: the files uploaded as resources and converted through the platform
   (``layer_convert_now``), then vector tiles over HTTP on a live ``ouvert serve``: at zooms 5,
   10 and 14, the tiles holding the most features, p95 of their first request (uncached: the
   tile is cut from the Parquet file) and of later requests (cached). Targets: < 500 ms and
   < 100 ms;
4. **first map** (after the tiles, their cache emptied): the resource's map page in headless Chromium (Playwright, Debian's
   ``/usr/bin/chromium``, every request outside the server blocked), measured in the page:
   ``performance.now()`` (from the navigation's start) at MapLibre's first ``idle`` event with
   features of the layer drawn; once with the server's tile cache empty for that view, once
   with it full. Target: < 2 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource as rlimit
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from live import server, stats  # noqa: E402  (bench/ is the script's folder)

CORPUS = Path(os.environ.get("OUVERT_GEO_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "geo"))
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/geo")
CRS = "EPSG:32198"
CHROMIUM = "/usr/bin/chromium"
ZOOMS = (5, 10, 14)
#: How long the browser waits for the first map (a failure is reported, never a hang).
MAP_TIMEOUT_MS = 180_000
#: The real administrative regions, once each where they are (simplified at ``REGION_TOLERANCE`` m).
REGIONS_ONCE = ("quebec_regions_administratives.geojson",)
REGION_TOLERANCE = 100.0
#: (file, simplification tolerance in metres) of the shapes repeated on the grid.
POLYGON_SOURCES = (("montreal_arrondissements.geojson", 5.0), ("quebec_city_arrondissements.geojson", 5.0))
POINT_SOURCE = "quebec_city_lieux_publics_points.geojson"
#: Cell of the polygons' grid (its south edge in EPSG:32198 metres: about 45.3° N).
GRID_STEP = 6_000.0
GRID_SOUTH = 150_000.0
JITTER = 3_000.0


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    import django

    django.setup()


def _peak_mb() -> float:
    """This process's peak resident memory: ``VmHWM`` (new at ``exec``; ``ru_maxrss`` is not, so a
    child would report its parent's peak when it was larger)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# --- 1. Data ------------------------------------------------------------------------------------

def generate(work: Path, polygons: int, points: int) -> dict:
    """``polygons.gpkg`` and ``points.gpkg`` in ``work`` (EPSG:32198); returns what they hold."""
    from ouvert.datastore import duck

    con = duck.connect(spatial=True)
    try:
        parts = []
        for name, tolerance in POLYGON_SOURCES:
            label = "NOM" if "quebec_city" in name else "name"
            parts.append(f"""
                SELECT {_lit(name.split('.')[0])} AS source, CAST("{label}" AS VARCHAR) AS nom,
                       ST_SimplifyPreserveTopology(ST_Transform(geom, 'EPSG:4326', {_lit(CRS)}, always_xy := true),
                                                   {tolerance}) AS g
                FROM ST_Read({_lit(str(CORPUS / name))}) WHERE geom IS NOT NULL""")
        con.execute("CREATE TABLE shapes AS SELECT row_number() OVER () - 1 AS k, * FROM (" + " UNION ALL ".join(parts)
                    + ")")
        con.execute("CREATE TABLE centred AS SELECT k, source, nom, "
                    "ST_Translate(g, -ST_X(ST_Centroid(g)), -ST_Y(ST_Centroid(g))) AS g FROM shapes")
        shapes = con.execute("SELECT count(*) FROM shapes").fetchone()[0]
        regions = min(polygons, con.execute(
            f"SELECT count(*) FROM ST_Read({_lit(str(CORPUS / REGIONS_ONCE[0]))})").fetchone()[0])
        repeated = polygons - regions
        columns = max(1, math.ceil(math.sqrt(repeated)))
        x0, y0 = -columns * GRID_STEP / 2, GRID_SOUTH
        # The real regions once, where they are; then feature i: shape i % shapes, its centroid on the
        # centre of cell i of a square grid (row by row, west to east, south to north).
        con.execute(f"""
            CREATE TABLE polys AS
            SELECT row_number() OVER () AS identifiant, source, nom, copie,
                   round(ST_Area(geom) / 1e6, 3) AS superficie_km2, geom FROM (
                SELECT * FROM (
                    SELECT 'quebec_regions_administratives' AS source, CAST(name AS VARCHAR) AS nom, 0 AS copie,
                           ST_SimplifyPreserveTopology(ST_Transform(geom, 'EPSG:4326', {_lit(CRS)},
                                                                    always_xy := true), {REGION_TOLERANCE}) AS geom
                    FROM ST_Read({_lit(str(CORPUS / REGIONS_ONCE[0]))}) WHERE geom IS NOT NULL ORDER BY name
                    LIMIT {regions})
                UNION ALL
                SELECT s.source, s.nom, (i // {shapes})::INTEGER + 1 AS copie,
                       ST_Translate(s.g, {x0} + (i % {columns} + 0.5) * {GRID_STEP},
                                    {y0} + (i // {columns} + 0.5) * {GRID_STEP}) AS geom
                FROM range({repeated}) r(i) JOIN centred s ON s.k = i % {shapes})""")
        vertices = con.execute("SELECT sum(ST_NPoints(geom)) FROM polys").fetchone()[0]
        con.execute(f"""
            CREATE TABLE places AS
            SELECT row_number() OVER () - 1 AS k, "ID" AS id_lieu, "NOM_TOPOGRAPHIE" AS nom, "RUE" AS rue,
                   "DESCRIPTION" AS description,
                   ST_Transform(geom, 'EPSG:4326', {_lit(CRS)}, always_xy := true) AS g
            FROM ST_Read({_lit(str(CORPUS / POINT_SOURCE))}) WHERE geom IS NOT NULL""")
        places = con.execute("SELECT count(*) FROM places").fetchone()[0]
        con.execute("SELECT setseed(0.1867)")
        con.execute(f"""
            CREATE TABLE pts AS
            SELECT i + 1 AS identifiant, p.id_lieu, p.nom, p.rue, p.description, (i // {places})::INTEGER AS copie,
                   ST_Point(ST_X(p.g) + (random() * 2 - 1) * {JITTER}, ST_Y(p.g) + (random() * 2 - 1) * {JITTER}) AS geom
            FROM range({points}) r(i) JOIN places p ON p.k = i % {places}""")
        out = {}
        for table, name in (("polys", "polygons"), ("pts", "points")):
            target = work / f"{name}.gpkg"
            t0 = time.perf_counter()
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY identifiant) TO {_lit(str(target))} "
                        f"(FORMAT GDAL, DRIVER 'GPKG', SRS {_lit(CRS)}, LAYER_NAME {_lit(name)})")
            out[name] = {"features": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
                         "file": target.name, "mb": round(target.stat().st_size / 1e6, 1),
                         "write_seconds": round(time.perf_counter() - t0, 2)}
        out["polygons"].update({"vertices": int(vertices or 0), "regions_once": int(regions),
                                "repeated_shapes": int(shapes), "grid": f"{columns}×{columns} cells of "
                                f"{GRID_STEP / 1000:g} km", "sources": [*REGIONS_ONCE, *(n for n, _t in POLYGON_SOURCES)]})
        out["points"].update({"distinct_places": int(places), "source": POINT_SOURCE})
        out["crs"] = CRS
        out["format"] = "GeoPackage"
        return out
    finally:
        con.close()


# --- 2. Conversion (child processes) ------------------------------------------------------------

def _child(kind: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True,
                            env=dict(os.environ))
    if result.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _vrt(source: Path, layer: str, folder: Path) -> Path:
    """An OGR VRT reprojecting ``layer`` of ``source`` to OGC:CRS84 (GDAL's ``-t_srs``)."""
    vrt = folder / f"{layer}.vrt"
    vrt.write_text(f"""<OGRVRTDataSource>
  <OGRVRTWarpedLayer>
    <OGRVRTLayer name="{layer}">
      <SrcDataSource>{source}</SrcDataSource>
      <SrcLayer>{layer}</SrcLayer>
    </OGRVRTLayer>
    <TargetSRS>OGC:CRS84</TargetSRS>
  </OGRVRTWarpedLayer>
</OGRVRTDataSource>
""", encoding="utf-8")
    return vrt


class _TimedConnection:
    """The DuckDB connection given to ``convert`` (its ``con=`` argument), timing each statement
    (the conversion itself is unchanged): where the time goes."""

    def __init__(self, con):
        self._con = con
        self.times: list[tuple[float, str]] = []

    def execute(self, sql, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            self.times.append((time.perf_counter() - t0, " ".join(str(sql).split())[:90]))

    def __getattr__(self, name):
        return getattr(self._con, name)

    def slowest(self, count: int = 6) -> list[dict]:
        return [{"seconds": round(seconds, 2), "sql": sql} for seconds, sql in sorted(self.times, reverse=True)[:count]]


def child_main(kind: str, args: list[str]) -> int:
    source, dest = Path(args[0]), Path(args[1])
    if kind == "pyogrio":
        import pyogrio
        from pyogrio import raw

        vrt = _vrt(source, source.stem, dest.parent)
        t0 = time.perf_counter()
        meta, _fids, geometry, field_data = raw.read(vrt)[:4]
        read = time.perf_counter() - t0
        raw.write(dest, geometry, field_data, meta["fields"], crs="OGC:CRS84", geometry_type=meta["geometry_type"],
                  driver="FlatGeobuf", encoding="UTF-8")
        seconds = time.perf_counter() - t0
        info = pyogrio.read_info(dest)
        print(json.dumps({"seconds": round(seconds, 2), "read_reproject_seconds": round(read, 2),
                          "write_seconds": round(seconds - read, 2), "features": int(info["features"]),
                          "bbox": [round(v, 4) for v in info["total_bounds"]], "mb": round(dest.stat().st_size / 1e6, 1),
                          "peak_mb": _peak_mb(), "gdal": pyogrio.__gdal_version_string__,
                          "pyogrio": pyogrio.__version__}))
        return 0
    if kind == "ours":
        _django()
        from ouvert.datastore import duck
        from ouvert.geo import convert

        t0 = time.perf_counter()
        con = _TimedConnection(duck.connect(spatial=True))
        try:
            result = convert.convert(source, dest, work_dir=dest.parent / f"work-{source.stem}", filename=source.name,
                                     con=con)
        finally:
            con.close()
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": round(seconds, 2), "features": result.feature_count,
                          "bbox": [round(v, 4) for v in result.bbox], "source_crs": result.source_crs,
                          "crs_assumed": result.crs_assumed, "repaired": result.repaired_count,
                          "left_out": (result.invalid or {}).get("count", 0), "mb": round(dest.stat().st_size / 1e6, 1),
                          "peak_mb": _peak_mb(), "slowest_statements": con.slowest()}))
        return 0
    raise SystemExit(f"unknown child {kind}")


def _best(kind: str, runs: int, *args: str) -> dict:
    """The fastest of ``runs`` child runs, with every run's seconds."""
    results = [_child(kind, *args) for _ in range(max(1, runs))]
    best = min(results, key=lambda r: r["seconds"])
    if runs > 1:
        best["runs_seconds"] = [r["seconds"] for r in results]
    return best


def conversions(work: Path, runs: int = 1) -> dict:
    out: dict = {"baseline": "pyogrio.raw.read through an OGR VRT warped layer (TargetSRS OGC:CRS84, "
                             "GDAL's -t_srs) + pyogrio.raw.write to FlatGeobuf (packed Hilbert R-tree), "
                             "one process, same source file",
                 "ours": "ouvert.geo.convert.convert: GeoPackage → stored layer Parquet (WGS84 + Web Mercator, "
                         "validity/repair, boxes, Hilbert order, zstd), one process"}
    for name in ("polygons", "points"):
        source = work / f"{name}.gpkg"
        _log(f"conversion {name}: pyogrio baseline")
        baseline = _best("pyogrio", runs, str(source), str(work / f"{name}-pyogrio.fgb"))
        _log(f"conversion {name}: ours")
        ours = _best("ours", runs, str(source), str(work / f"{name}-ours.parquet"))
        out[name] = {"ours": ours, "pyogrio_raw": baseline,
                     "ratio_to_pyogrio": round(ours["seconds"] / max(baseline["seconds"], 1e-6), 2),
                     "same_features": ours["features"] == baseline["features"]}
    return out


# --- 3. Tiles over HTTP -------------------------------------------------------------------------

def _load_layers(work: Path) -> dict:
    """A public dataset with the two files uploaded as resources, converted through the platform."""
    from django.core.files import File
    from django.core.management import call_command

    from ouvert.catalog import services as catalog_services
    from ouvert.core.models import Organisation
    from ouvert.core.services import organisation_upsert
    from ouvert.geo import services as geo_services

    call_command("migrate", verbosity=0)
    organisation = organisation_upsert(slug="ville-de-quebec", name_fr="Ville de Québec",
                                       kind=Organisation.Kind.MUNICIPALITY)
    dataset = catalog_services.dataset_create(actor=None, organisation=organisation, data={
        "name": "banc-essai-geo", "title_fr": "Banc d'essai géographique",
        "notes_fr": "Données générées pour le banc d'essai.", "state": "active"})
    out = {"dataset": dataset.name}
    for name, title in (("polygons", "Polygones"), ("points", "Lieux publics")):
        with open(work / f"{name}.gpkg", "rb") as handle:
            resource = catalog_services.resource_create(actor=None, dataset=dataset, data={
                "name_fr": title, "format": "GPKG"}, upload=File(handle, name=f"{name}.gpkg"))
        t0 = time.perf_counter()
        layer = geo_services.layer_convert_now(resource)
        seconds = time.perf_counter() - t0
        if layer is None or layer.status != layer.Status.DONE:
            raise RuntimeError(f"conversion of {name} failed: {getattr(layer, 'error_code', None)} "
                               f"{getattr(layer, 'error_message', None)}")
        with geo_services.layer_parquet_path(layer) as path:
            local = str(path)
        out[name] = {"resource": str(resource.pk), "layer": layer.pk, "features": layer.feature_count,
                     "convert_seconds": seconds, "parquet": local, "bbox": list(layer.bbox)}
    return out


def busiest_tiles(parquet: str, zoom: int, count: int) -> list[tuple[int, int, int]]:
    """The ``count`` tiles of ``zoom`` holding the most feature centres (where data is)."""
    from ouvert.datastore import duck

    world = 2 * 20037508.342789244
    size = world / (1 << zoom)
    con = duck.connect(spatial=True)
    try:
        rows = con.execute(f"""
            SELECT floor(((minx + maxx) / 2 + {world / 2}) / {size})::INTEGER AS x,
                   floor(({world / 2} - (miny + maxy) / 2) / {size})::INTEGER AS y, count(*) AS n
            FROM read_parquet({_lit(parquet)}) GROUP BY 1, 2 ORDER BY n DESC, x, y LIMIT {count}""").fetchall()
    finally:
        con.close()
    return [(zoom, x, y) for x, y, _n in rows]


def http_tiles(layers: dict, port: int, per_zoom: int, repeat: int) -> dict:
    """Per layer and zoom: p50/p95 of each tile's first request (uncached) and of ``repeat`` later
    ones (cached), over HTTP. Both server processes are warmed first on tiles of another zoom."""
    out: dict = {}
    for name in ("polygons", "points"):
        info = layers[name]
        base = f"/tiles/{info['resource']}"
        warm = busiest_tiles(info["parquet"], 3, 2) + busiest_tiles(info["parquet"], 7, 2)
        for z, x, y in warm * 2:
            _get(port, f"{base}/{z}/{x}/{y}.pbf")
        out[name] = {}
        for zoom in ZOOMS:
            tiles = busiest_tiles(info["parquet"], zoom, per_zoom)
            first, later, sizes, errors = [], [], [], []
            for z, x, y in tiles:
                path = f"{base}/{z}/{x}/{y}.pbf"
                t0 = time.perf_counter()
                try:
                    body = _get(port, path)
                except Exception as exc:  # a failed tile is reported, the run goes on
                    errors.append(f"{z}/{x}/{y}: {str(exc)[:200]} after {time.perf_counter() - t0:.1f} s")
                    _drop(port)
                    continue
                first.append(time.perf_counter() - t0)
                sizes.append(len(body))
            for _round in range(repeat):
                for z, x, y in tiles:
                    path = f"{base}/{z}/{x}/{y}.pbf"
                    t0 = time.perf_counter()
                    try:
                        _get(port, path)
                    except Exception as exc:
                        errors.append(f"{z}/{x}/{y} (again): {str(exc)[:200]}")
                        _drop(port)
                        continue
                    later.append(time.perf_counter() - t0)
            entry = {"tiles": len(tiles), "uncached": stats(first) if first else None,
                     "cached": stats(later) if later else None,
                     "max_kb": round(max(sizes) / 1024, 1) if sizes else 0,
                     "mean_kb": round(sum(sizes) / len(sizes) / 1024, 1) if sizes else 0,
                     "addresses": [f"{z}/{x}/{y}" for z, x, y in tiles[:5]]}
            if errors:
                entry["errors"] = errors[:5]
                entry["error_count"] = len(errors)
            out[name][f"z{zoom}"] = entry
    return out


_GETTERS: dict = {}


def _drop(port: int) -> None:
    conn = _GETTERS.pop(port, None)
    if conn is not None:
        conn.close()


def _get(port: int, path: str) -> bytes:
    """GET ``path`` on one kept-alive connection per port (any status but 200 raises)."""
    import http.client

    conn = _GETTERS.get(port)
    if conn is None:
        conn = _GETTERS[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}: {body[:300]!r}")
    return body


# --- 4. First map in Chromium -------------------------------------------------------------------

FIRST_MAP_JS = """
(() => {
  window.__benchFirstMap = null;
  const layers = ["donnees0-surfaces", "donnees0-contours", "donnees0-lignes", "donnees0-points"];
  function watch() {
    const map = window.ouvertMaps && window.ouvertMaps[0];
    if (!map) { requestAnimationFrame(watch); return; }
    function check() {
      if (window.__benchFirstMap !== null) return;
      const drawn = map.queryRenderedFeatures({ layers: layers }).length;
      if (drawn > 0 && map.areTilesLoaded()) {
        window.__benchFirstMap = { ms: performance.now(), features: drawn, zoom: map.getZoom() };
        map.off("idle", check);
      }
    }
    map.on("idle", check);
  }
  watch();
})();
"""


def first_map(port: int, dataset: str, layers: dict) -> dict:
    """Time to the first map with the layer drawn, per layer, cold (the view's tiles not yet in
    the server's cache) then warm (a new browser context: no browser cache, server cache full)."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    origin = f"http://127.0.0.1:{port}"
    out: dict = {"measured": "performance.now() at MapLibre's first 'idle' with features of the layer "
                             "rendered (queryRenderedFeatures) and all tiles loaded, from navigation start; "
                             "1280×900, every request outside the server blocked"}
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            for name in ("polygons", "points"):
                url = f"{origin}/fr/catalogue/jeux/{dataset}/ressources/{layers[name]['resource']}/carte/"
                out[name] = {}
                for label in ("cold", "warm"):
                    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    blocked: list[str] = []
                    errors: list[str] = []

                    def route(r, blocked=blocked):
                        if r.request.url.startswith(origin) or r.request.url.startswith(("data:", "blob:")):
                            r.continue_()
                        else:
                            blocked.append(r.request.url)
                            r.abort()

                    page.route("**/*", route)
                    page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                    page.add_init_script(FIRST_MAP_JS)
                    t0 = time.perf_counter()
                    try:
                        page.goto(url, timeout=MAP_TIMEOUT_MS)
                        page.wait_for_function("window.__benchFirstMap !== null", timeout=MAP_TIMEOUT_MS)
                    except Exception as exc:  # reported, the run goes on
                        out[name][label] = {"ms": None, "failed": str(exc).splitlines()[0][:200],
                                            "after_ms": round((time.perf_counter() - t0) * 1000, 1),
                                            "blocked_requests": len(blocked), "errors": errors[:3]}
                        context.close()
                        continue
                    wall = time.perf_counter() - t0
                    found = page.evaluate("window.__benchFirstMap")
                    out[name][label] = {"ms": round(found["ms"], 1), "features_drawn": found["features"],
                                        "zoom": round(found["zoom"], 2), "wall_ms": round(wall * 1000, 1),
                                        "blocked_requests": len(blocked), "errors": errors[:3]}
                    context.close()
        finally:
            browser.close()
    return out


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child_main(sys.argv[2], sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polygons", type=int, default=100_000, help="polygon features (default 100000)")
    parser.add_argument("--points", type=int, default=1_000_000, help="point features (default 1000000)")
    parser.add_argument("--tiles", type=int, default=20, help="tiles per zoom, the busiest (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="cached requests of each tile (default 5)")
    parser.add_argument("--port", type=int, default=8771, help="port of the live server")
    parser.add_argument("--no-http", action="store_true", help="skip the tiles and the browser")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser")
    parser.add_argument("--runs", type=int, default=1,
                        help="conversions of each side, the fastest kept (default 1; more on a busy machine)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files (deleted otherwise)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ouvert-bench-geo-"))
    try:
        return _run(args, work)
    finally:
        if args.keep:
            _log(f"files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _run(args, work: Path) -> int:
    started = time.perf_counter()
    # The platform's files (uploads, layers, tiles, SQLite database) in the work folder.
    os.environ.setdefault("OUVERT_DATA_DIR", str(work / "var"))
    _django()
    _log(f"generating {args.polygons} polygons and {args.points} points in {work}")
    out: dict = {"bench": "geo", "polygons": args.polygons, "points": args.points, "cores": os.cpu_count()}
    out["data"] = generate(work, args.polygons, args.points)
    out["conversion"] = conversions(work, args.runs)

    if not args.no_http:
        _log("layers through the platform (upload, layer_convert_now)")
        layers = _load_layers(work)
        out["platform_layers"] = {name: {k: (round(v, 2) if isinstance(v, float) else v)
                                         for k, v in layers[name].items() if k != "parquet"}
                                  for name in ("polygons", "points")}
        with server(args.port):
            _log("tiles over HTTP")
            out["tiles"] = http_tiles(layers, args.port, args.tiles, args.repeat)
            if not args.no_browser:
                from ouvert.geo import tiles

                for name in ("polygons", "points"):
                    tiles.forget(layers[name]["layer"])  # the first visit finds no tile made
                _log("first map in Chromium")
                try:
                    out["first_map"] = first_map(args.port, layers["dataset"], layers)
                except Exception as exc:  # no Chromium, no Playwright: the other figures still print
                    out["first_map"] = {"failed": str(exc).splitlines()[0][:300] if str(exc) else repr(exc)}
        for conn in _GETTERS.values():
            conn.close()

    out["targets"] = {"conversion_ratio_to_pyogrio_max": 2, "tile_cached_p95_ms_max": 100,
                      "tile_uncached_p95_ms_max": 500, "first_map_ms_max": 2000}
    out["met"] = _met(out)
    out["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _met(out: dict) -> dict:
    met: dict = {}
    for name in ("polygons", "points"):
        met[f"conversion_{name}"] = out["conversion"][name]["ratio_to_pyogrio"] <= 2
        for zoom, entry in out.get("tiles", {}).get(name, {}).items():
            met[f"tiles_{name}_{zoom}_cached"] = bool(entry["cached"]) and entry["cached"]["p95_ms"] < 100 \
                and not entry.get("errors")
            met[f"tiles_{name}_{zoom}_uncached"] = bool(entry["uncached"]) and entry["uncached"]["p95_ms"] < 500 \
                and not entry.get("errors")
        first = out.get("first_map", {}).get(name)
        if isinstance(first, dict) and "cold" in first:
            met[f"first_map_{name}_cold"] = first["cold"]["ms"] is not None and first["cold"]["ms"] < 2000
    return met


if __name__ == "__main__":
    sys.exit(main())
