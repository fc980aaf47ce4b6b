"""Geographic files turned into the stored layer's Parquet file (the contract of ``models.py``).

Pure conversion: no Django model, no database; only DuckDB (``ouvert.datastore.duck``, spatial
extension from the wheel) and the standard library. The steps of ``convert``:

1. ``detect``: what the file is, from its bytes first (a binary file named ``.geojson`` is not
   GeoJSON): GeoJSON, zipped Shapefile (or a zip holding one GeoJSON/KML/GeoPackage/FlatGeobuf
   file), KML, GeoPackage, FlatGeobuf, CSV with latitude/longitude or x/y columns (French and
   English names; ``,`` ``;`` or tab). Zips are checked **before** anything is extracted
   (``safe_unzip``): no ``..`` nor absolute member names, no symbolic links, at most
   ``MAX_MEMBERS`` members, ``MAX_UNZIPPED_BYTES`` in all and a compression ratio of at most
   ``MAX_RATIO``; members go only into the work folder given.
2. The coordinate system: the one the source declares (``.prj``, GeoPackage, GeoJSON's ``crs``
   member; KML and plain GeoJSON are WGS84 by definition), otherwise a guess from the coordinate
   ranges (``guess_crs``): WGS84, Québec Lambert (EPSG:32198), an MTM zone (EPSG:32181–32190)
   or a UTM zone (EPSG:26917–26921); ``crs_note`` says why.
3. Repair: invalid geometries made valid (``ST_MakeValid``, counted); those left empty, invalid,
   absent or outside ±180/±90 once in WGS84 are left out and reported with their ``_fid``.
4. The Parquet file: ``_fid`` (1, 2, … in the source's order), the attributes, ``geometry``
   (WGS84), ``geom_3857`` and its box, ordered along a Hilbert curve; written to a temporary name,
   then renamed.

Steps 3 and 4 are one pass over the geometries, in a work database of the work folder whose small
row groups let every core share them (DuckDB gives each thread whole row groups, and an in-memory
table holds 122,880 rows in one); it is deleted afterwards.

Every error a person can cause is a ``ConvertError`` with a code and a French message.
"""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from ouvert.datastore import duck

#: Zip limits, checked before extraction.
MAX_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 4 * 1024 ** 3
MAX_RATIO = 200
#: Features whose bad geometry is described in the report (the count covers them all).
MAX_EXAMPLES = 20
#: Rows per Parquet row group: small enough for a tile to read few of them.
ROW_GROUP_SIZE = 4096
#: Rows per row group of the conversion's work database: DuckDB gives each thread whole row groups,
#: so small ones let every core share the geometry work (validity, repair, reprojection) of a layer.
WORK_ROW_GROUP_SIZE = 8192
#: zstd level of the stored Parquet file: level 1 writes twice as fast as the default 3, for a file
#: barely larger.
COMPRESSION_LEVEL = 1
#: Internal columns of the conversion (never in the stored file).
FID_COLUMN = "__ouvert_fid"
#: Web Mercator's latitude limit.
MERCATOR_LAT = 85.05112878

GEOJSON_TYPES = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString",
                 "Polygon", "MultiPolygon", "GeometryCollection"}
GEOMETRY_NAMES = {
    "POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon",
    "GEOMETRYCOLLECTION": "GeometryCollection",
}
LAT_NAMES = ("latitude", "lat", "y", "coord_y", "coordonnee_y", "y_coord", "northing")
LON_NAMES = ("longitude", "lon", "lng", "long", "x", "coord_x", "coordonnee_x", "x_coord", "easting")
#: Columns the contract adds: a source attribute of the same name is renamed.
RESERVED = {"_fid", "geometry", "geom_3857", "minx", "miny", "maxx", "maxy"}
FORMATS = ("geojson", "shapefile", "kml", "gpkg", "fgb", "csv")
GDAL_DRIVERS = {"geojson": "GeoJSON", "shapefile": "ESRI Shapefile", "kml": "KML", "gpkg": "GPKG",
                "fgb": "FlatGeobuf"}
FORMAT_LABELS = {"geojson": "GeoJSON", "shapefile": "Shapefile", "kml": "KML", "gpkg": "GeoPackage",
                 "fgb": "FlatGeobuf", "csv": "CSV"}


class ConvertError(Exception):
    """A file that cannot become a layer: ``code`` for programs, ``message`` (French) for people."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class Source:
    """What ``detect`` found: the file GDAL (or DuckDB's CSV reader) reads, and how."""

    format: str
    path: Path
    layer: str | None = None
    x_column: str | None = None
    y_column: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    declared_crs: str | None = None      # what the file says (``EPSG:…``, a WKT), if anything
    wgs84_by_definition: bool = False    # KML, GeoJSON without ``crs``, CSV with latitude/longitude
    column_crs: tuple = (None, None)     # what GDAL read: (label, ``ST_Transform`` specification)
    warnings: list[dict] = field(default_factory=list)


@dataclass
class LayerResult:
    """What ``convert`` found and wrote (the ``GeoLayer`` fields of the same names)."""

    source_format: str = ""
    source_crs: str = ""
    crs_assumed: bool = False
    crs_note: str = ""
    feature_count: int = 0
    geometry_types: list[str] = field(default_factory=list)
    bbox: tuple | None = None
    attributes: list[dict] = field(default_factory=list)
    repaired_count: int = 0
    invalid: dict = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)


# --- Zips ---------------------------------------------------------------------------------------

def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return True
    return any(part == ".." for part in PurePosixPath(normalized).parts)


def zip_check(path: str | os.PathLike, *, max_members: int = MAX_MEMBERS, max_bytes: int = MAX_UNZIPPED_BYTES,
              max_ratio: int = MAX_RATIO) -> list[zipfile.ZipInfo]:
    """The members of a zip, after checking its directory (nothing is extracted): raises
    ``ConvertError`` for traversal or absolute names, symbolic links, too many members, too many
    bytes once unzipped or a suspicious compression ratio (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ConvertError("bad-zip", _("L'archive ZIP est endommagée ou illisible.")) from None
    if len(members) > max_members:
        raise ConvertError("zip-too-many-members", _("L'archive contient %(n)s fichiers ; au plus %(max)s sont "
                                                     "acceptés.") % {"n": len(members), "max": max_members})
    total = 0
    for member in members:
        if _unsafe_name(member.filename):
            raise ConvertError("zip-unsafe-name", _("L'archive contient un nom de fichier dangereux (« %(name)s ») : "
                                                    "chemin absolu ou remontée « .. ». Elle est refusée.")
                               % {"name": member.filename[:200]})
        mode = member.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise ConvertError("zip-symlink", _("L'archive contient un lien symbolique (« %(name)s ») ; elle est "
                                                "refusée.") % {"name": member.filename[:200]})
        total += member.file_size
        if total > max_bytes:
            raise ConvertError("zip-too-large", _("Une fois décompressée, l'archive dépasserait %(max)s octets ; "
                                                  "elle est refusée.") % {"max": max_bytes})
        if member.file_size > 1024 * 1024 and member.file_size > max_ratio * max(member.compress_size, 1):
            raise ConvertError("zip-bomb", _("Le fichier « %(name)s » de l'archive est compressé %(ratio)s fois : "
                                             "c'est le signe d'une bombe de décompression. L'archive est refusée.")
                               % {"name": member.filename[:200],
                                  "ratio": member.file_size // max(member.compress_size, 1)})
    return members


def safe_unzip(path: str | os.PathLike, dest: str | os.PathLike, **limits) -> list[Path]:
    """Extract a zip (checked by ``zip_check``) into the folder ``dest`` (created, must be new or
    empty), never writing outside it; the real byte count is enforced while copying too."""
    members = zip_check(path, **limits)
    max_bytes = limits.get("max_bytes", MAX_UNZIPPED_BYTES)
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if member.is_dir():
                continue
            target = (dest / member.filename.replace("\\", "/")).resolve()
            if dest not in target.parents:
                raise ConvertError("zip-unsafe-name", _("L'archive contient un nom de fichier dangereux (« %(name)s »)."
                                                        ) % {"name": member.filename[:200]})
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as source, open(target, "xb") as out:
                    while chunk := source.read(1024 * 1024):
                        total += len(chunk)
                        if total > max_bytes:
                            raise ConvertError("zip-too-large", _("Une fois décompressée, l'archive dépasserait "
                                                                  "%(max)s octets ; elle est refusée.")
                                               % {"max": max_bytes})
                        out.write(chunk)
            except FileExistsError:
                raise ConvertError("zip-duplicate", _("L'archive contient deux fois « %(name)s ».")
                                   % {"name": member.filename[:200]}) from None
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                if isinstance(exc, ConvertError):
                    raise
                raise ConvertError("bad-zip", _("L'archive ZIP est endommagée ou illisible.")) from None
            written.append(target)
    return written


# --- Detection ----------------------------------------------------------------------------------

def _head(path: Path, size: int = 1024 * 1024) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _decode(head: bytes) -> tuple[str, str] | None:
    """The head as text and its encoding, or ``None`` for binary content."""
    if b"\x00" in head[:8192]:
        return None
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return head.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start > len(head) - 4:  # a character cut at the end
                return head[:exc.start].decode("utf-8-sig"), "utf-8"
    return None


def _geojson_crs(text: str) -> str | None:
    match = re.search(r'"crs"\s*:\s*\{.*?"name"\s*:\s*"([^"]+)"', text, re.DOTALL)
    return match.group(1) if match else None


def _normalize_crs_name(name: str) -> str | None:
    """``urn:ogc:def:crs:EPSG::32188`` → ``EPSG:32188``; the CRS84 names → ``EPSG:4326``."""
    upper = name.strip().upper()
    if "CRS84" in upper or upper.endswith("EPSG::4326") or upper in ("EPSG:4326", "WGS84"):
        return "EPSG:4326"
    match = re.search(r"EPSG:+(\d+)$", upper)
    return f"EPSG:{match.group(1)}" if match else None


def _csv_columns(text: str) -> tuple[str, list[str]] | None:
    first = text.splitlines()[0] if text.splitlines() else ""
    best = None
    for delimiter in (",", ";", "\t"):
        names = [name.strip().strip('"').strip() for name in first.split(delimiter)]
        if len(names) > 1 and (best is None or len(names) > len(best[1])):
            best = (delimiter, names)
    return best


def _pick(names: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {name.lower(): name for name in names}
    for candidate in wanted:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _detect_csv(path: Path, text: str, encoding: str) -> Source | None:
    found = _csv_columns(text)
    if found is None:
        return None
    delimiter, names = found
    y = _pick(names, LAT_NAMES)
    x = _pick(names, LON_NAMES)
    if not x or not y:
        return None
    by_definition = x.lower() in ("longitude", "lon", "lng", "long") and y.lower() in ("latitude", "lat")
    return Source("csv", path, x_column=x, y_column=y, delimiter=delimiter,
                  encoding="utf-8" if encoding.startswith("utf-8") else "latin-1",
                  wgs84_by_definition=by_definition)


def _unrecognised(filename: str) -> ConvertError:
    return ConvertError("unrecognised", _("Le fichier « %(name)s » n'est pas une couche géographique reconnue "
                                          "(GeoJSON, Shapefile zippé, KML, GeoPackage, FlatGeobuf, ou CSV avec des "
                                          "colonnes latitude/longitude ou x/y).") % {"name": filename[:200] or "?"})


def detect(path: str | os.PathLike, *, work_dir: str | os.PathLike, filename: str = "",
           zip_limits: dict | None = None) -> Source:
    """What the file at ``path`` is (see the module's docstring). A zip is extracted into
    ``work_dir/unzipped`` (a folder the platform owns), within ``zip_limits`` (``max_members``,
    ``max_bytes``, ``max_ratio``: ``zip_check``'s). Raises ``ConvertError``."""
    path = Path(path)
    filename = filename or path.name
    try:
        size = path.stat().st_size
    except OSError:
        raise ConvertError("source-missing", _("Le fichier source est introuvable.")) from None
    if size == 0:
        raise ConvertError("empty", _("Le fichier « %(name)s » est vide.") % {"name": filename[:200]})
    head = _head(path)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _detect_zip(path, Path(work_dir), filename, zip_limits or {})
    if head.startswith(b"SQLite format 3\x00"):
        return Source("gpkg", path)
    if head.startswith(b"fgb\x03"):
        return Source("fgb", path)
    decoded = _decode(head)
    if decoded is None:
        raise _unrecognised(filename)
    text, encoding = decoded
    stripped = text.lstrip()
    if stripped.startswith("{"):
        match = re.search(r'"type"\s*:\s*"([A-Za-z]+)"', stripped[:200000])
        if match and match.group(1) in GEOJSON_TYPES:
            declared = _geojson_crs(stripped[:200000])
            return Source("geojson", path, declared_crs=declared,
                          wgs84_by_definition=declared is None)
        raise _unrecognised(filename)
    if stripped.startswith("<"):
        if re.search(r"<kml[\s>]", stripped[:5000]):
            return Source("kml", path, wgs84_by_definition=True, declared_crs="EPSG:4326")
        raise _unrecognised(filename)
    source = _detect_csv(path, text, encoding)
    if source is None:
        raise _unrecognised(filename)
    return source


def _detect_zip(path: Path, work_dir: Path, filename: str, limits: dict) -> Source:
    folder = work_dir / "unzipped"
    if folder.exists() and any(folder.iterdir()):
        raise ConvertError("internal", "work folder not empty")
    files = safe_unzip(path, folder, **limits)
    files = [file for file in files if not file.name.startswith(".") and "__MACOSX" not in file.parts]
    by_suffix: dict[str, list[Path]] = {}
    for file in files:
        by_suffix.setdefault(file.suffix.lower(), []).append(file)
    shapes = by_suffix.get(".shp", [])
    if shapes:
        shp = sorted(shapes)[0]
        warnings = []
        if len(shapes) > 1:
            warnings.append({"code": "several-layers", "message": _(
                "L'archive contient %(n)s Shapefiles ; seul « %(name)s » est lu.") % {"n": len(shapes),
                                                                                     "name": shp.name}})
        siblings = {file.suffix.lower(): file for file in files if file.parent == shp.parent
                    and file.stem.lower() == shp.stem.lower()}
        missing = [suffix for suffix in (".dbf", ".shx") if suffix not in siblings]
        if missing:
            raise ConvertError("shapefile-incomplete", _(
                "Le Shapefile « %(name)s » est incomplet : il manque %(missing)s. Zippez ensemble les fichiers "
                ".shp, .shx, .dbf (et .prj).") % {"name": shp.name, "missing": ", ".join(missing)})
        # GDAL wants the sibling files named exactly as the .shp (case matters on Linux).
        for suffix, sibling in siblings.items():
            wanted = shp.with_suffix(suffix if shp.suffix == ".shp" else suffix.upper())
            if sibling != wanted and not wanted.exists():
                sibling.rename(wanted)
        source = Source("shapefile", shp, warnings=warnings)
        if ".prj" not in siblings:
            source.warnings.append({"code": "prj-missing", "message": _(
                "Le Shapefile n'a pas de fichier .prj : son système de coordonnées est déduit des coordonnées.")})
        return source
    for suffix, _kind in ((".geojson", "geojson"), (".json", "geojson"), (".kml", "kml"), (".gpkg", "gpkg"),
                         (".fgb", "fgb"), (".csv", "csv")):
        if by_suffix.get(suffix):
            inner = sorted(by_suffix[suffix])[0]
            source = detect(inner, work_dir=work_dir / "inner", filename=inner.name)
            return source
    raise ConvertError("zip-no-layer", _("L'archive « %(name)s » ne contient ni Shapefile (.shp), ni GeoJSON, "
                                         "ni KML, ni GeoPackage, ni FlatGeobuf.") % {"name": filename[:200]})


# --- Coordinate systems -------------------------------------------------------------------------

def _fits_wgs84(box) -> bool:
    west, south, east, north = box
    return -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90


#: MTM zones of Québec: (EPSG code, central meridian). False easting 304 800 m.
MTM_ZONES = [(32181, -53), (32182, -56), (32183, -58.5), (32184, -61.5), (32185, -64.5), (32186, -67.5),
             (32187, -70.5), (32188, -73.5), (32189, -76.5), (32190, -79.5)]
#: UTM zones over Québec (NAD83): EPSG code → central meridian. False easting 500 000 m.
UTM_ZONES = [(26917, -81), (26918, -75), (26919, -69), (26920, -63), (26921, -57)]


def guess_crs(box: tuple[float, float, float, float]) -> tuple[str | None, str]:
    """A coordinate system for coordinates whose source said nothing, from their ranges, and why.

    WGS84 when they fit longitude/latitude; otherwise metres in Québec: Québec Lambert
    (EPSG:32198: eastings about −900 000…900 000, northings 100 000…2 200 000), an MTM zone
    (eastings 150 000…450 000 around 304 800, northings 4 900 000…6 900 000) or a UTM zone
    (eastings 150 000…850 000, northings 4 900 000…7 000 000). MTM and UTM cannot tell their
    zone from the coordinates: MTM zone 8 (Montréal, EPSG:32188) and UTM 18N (EPSG:26918) are
    taken, and the note says so. ``(None, note)`` when nothing fits.
    """
    west, south, east, north = box
    if _fits_wgs84(box):
        return "EPSG:4326", _("Les coordonnées sont comprises entre −180 et 180 et entre −90 et 90 : elles ont été "
                              "lues comme des longitudes et latitudes WGS84 (EPSG:4326).")
    if 150_000 <= west and east <= 450_000 and 4_900_000 <= south and north <= 6_900_000:
        return "EPSG:32188", _("Les coordonnées sont en mètres, avec des abscisses proches de 304 800 et des "
                               "ordonnées de 4,9 à 6,9 millions : elles ont été lues en NAD83 / MTM zone 8 "
                               "(EPSG:32188, Montréal). Si la couche est dans une autre zone MTM (32181 à 32190), "
                               "indiquez-le dans un fichier .prj ou un membre « crs ».")
    if 150_000 <= west and east <= 850_000 and 4_900_000 <= south and north <= 7_000_000:
        return "EPSG:26918", _("Les coordonnées sont en mètres, avec des abscisses de 150 000 à 850 000 et des "
                               "ordonnées de 4,9 à 7 millions : elles ont été lues en NAD83 / UTM zone 18N "
                               "(EPSG:26918). Si la couche est dans une autre zone UTM (17N à 21N), indiquez-le "
                               "dans un fichier .prj ou un membre « crs ».")
    if -1_000_000 <= west and east <= 1_000_000 and 0 <= south and north <= 2_300_000:
        return "EPSG:32198", _("Les coordonnées sont en mètres, avec des abscisses de −1 à 1 million et des "
                               "ordonnées de 0 à 2,3 millions : elles ont été lues en NAD83 / Québec Lambert "
                               "(EPSG:32198).")
    return None, _("Les coordonnées (de %(w).0f, %(s).0f à %(e).0f, %(n).0f) ne correspondent ni à des longitudes "
                   "et latitudes, ni aux systèmes habituels au Québec (Québec Lambert, MTM, UTM).") % {
        "w": west, "s": south, "e": east, "n": north}


def _column_crs(kind: str) -> tuple[str | None, str | None]:
    """The CRS GDAL found in the source, from the geometry column's type (``GEOMETRY('EPSG:32188')``):
    a label (``EPSG:…`` or the CRS's name) and what ``ST_Transform`` takes."""
    match = re.match(r"^GEOMETRY\('(.*)'\)$", kind.strip(), re.DOTALL)
    if not match or not match.group(1).strip():
        return None, None
    crs = match.group(1).replace("''", "'").strip()
    if re.match(r"^[A-Za-z]+:[0-9A-Za-z]+$", crs):
        return crs, crs
    named = re.search(r'"name"\s*:\s*"([^"]+)"', crs) or re.search(r'^[A-Z]+\["([^"]+)"', crs)
    return (named.group(1) if named else "?")[:100], crs


def _gdal_layer(con, source: Source) -> None:
    """For a GeoPackage (or any GDAL source with several layers): the first layer with geometries."""
    rows = con.execute("SELECT layers FROM ST_Read_Meta(?)", [str(source.path)]).fetchall()
    layers = [layer for layer in (rows[0][0] if rows else []) or [] if layer.get("geometry_fields")]
    if not layers:
        raise ConvertError("no-geometry", _("Le fichier ne contient aucune couche avec des géométries."))
    source.layer = layers[0]["name"]
    if len(layers) > 1:
        source.warnings.append({"code": "several-layers", "message": _(
            "Le fichier contient %(n)s couches ; seule « %(name)s » est lue.") % {"n": len(layers),
                                                                                 "name": source.layer}})


# --- Conversion ---------------------------------------------------------------------------------

def _q(name: str) -> str:
    return duck.quote_identifier(name)


def _lit(value: str) -> str:
    return duck.quote_literal(value)


def _load(con, source: Source) -> list[str]:
    """Table ``src``: ``FID_COLUMN`` (1, 2, … in the source's order), the source's attributes and
    ``__geom``; returns the attribute names."""
    if source.format == "csv":
        reader = (f"read_csv({_lit(str(source.path))}, delim={_lit(source.delimiter)}, header=true, "
                  f"all_varchar=false, encoding={_lit(source.encoding)}, ignore_errors=false, null_padding=true)")
        names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]

        def number(column: str) -> str:
            return f"TRY_CAST(replace(trim(CAST({_q(column)} AS VARCHAR)), ',', '.') AS DOUBLE)"

        x, y = number(source.x_column), number(source.y_column)
        select = ", ".join(_q(name) for name in names)
        con.execute(f"CREATE TABLE src AS SELECT row_number() OVER () AS {FID_COLUMN}, {select}, "
                    f"CASE WHEN {x} IS NOT NULL AND {y} IS NOT NULL THEN ST_Point({x}, {y}) END AS __geom "
                    f"FROM {reader}")
        return names
    if source.format == "gpkg" and source.layer is None:
        _gdal_layer(con, source)
    layer = f", layer={_lit(source.layer)}" if source.layer else ""
    # Only the driver of the format detected: a file that GDAL would open otherwise (a VRT pointing at
    # other files, for instance) is not read.
    driver = _lit(GDAL_DRIVERS[source.format])
    reader = f"ST_Read({_lit(str(source.path))}{layer}, allowed_drivers := [{driver}])"
    columns = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    geometry = [name for name, kind, *_rest in columns if str(kind).upper().startswith("GEOMETRY")]
    if not geometry:
        raise ConvertError("no-geometry", _("Le fichier ne contient aucune colonne de géométrie."))
    source.column_crs = _column_crs(str(dict((row[0], row[1]) for row in columns)[geometry[0]]))
    names = [name for name, kind, *_rest in columns if name not in geometry and name != "OGC_FID"]
    select = ", ".join(_q(name) for name in names)
    con.execute(f"CREATE TABLE src AS SELECT row_number() OVER () AS {FID_COLUMN}, {select + ', ' if select else ''}"
                f"CAST({_q(geometry[0])} AS GEOMETRY) AS __geom FROM {reader}")
    return names


def _gdal_error(exc: Exception, filename: str) -> ConvertError:
    detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    return ConvertError("unreadable", _("Le fichier « %(name)s » n'a pas pu être lu comme couche géographique : "
                                        "%(detail)s") % {"name": filename[:200], "detail": detail})


def _profile(con, names: list[str], top: int = 5) -> list[dict]:
    """Type, nulls, distinct count, min/max and most frequent values of each attribute of ``layer``."""
    out = []
    kinds = dict((row[0], str(row[1])) for row in con.execute("DESCRIBE layer").fetchall())
    for name in names:
        column = _q(name)
        kind = kinds.get(name, "VARCHAR")
        comparable = not kind.upper().startswith(("STRUCT", "MAP", "BLOB", "GEOMETRY")) and "[]" not in kind
        numeric = kind.upper() in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                                   "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE") or kind.upper().startswith("DECIMAL")
        if comparable:
            low_sql, high_sql = (f"min({column})", f"max({column})") if numeric else (
                f"CAST(min({column}) AS VARCHAR)", f"CAST(max({column}) AS VARCHAR)")
            nulls, distinct, low, high = con.execute(
                f"SELECT count(*) - count({column}), count(DISTINCT {column}), {low_sql}, {high_sql} "
                "FROM layer").fetchone()
            tops = con.execute(
                f"SELECT CAST({column} AS VARCHAR) AS v, count(*) AS n FROM layer WHERE {column} IS NOT NULL "
                f"GROUP BY 1 ORDER BY n DESC, v LIMIT {int(top)}").fetchall()
        else:
            nulls = con.execute(f"SELECT count(*) - count({column}) FROM layer").fetchone()[0]
            distinct, low, high, tops = None, None, None, []
        out.append({"name": name, "type": kind, "nulls": int(nulls),
                    "distinct": None if distinct is None else int(distinct),
                    "min": _json(low), "max": _json(high),
                    "top": [{"value": value, "count": int(count)} for value, count in tops]})
    return out


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _rename_reserved(names: list[str]) -> tuple[dict[str, str], list[dict]]:
    """Output names of the attributes: a name the contract uses gets a suffix."""
    taken = set(names) | RESERVED
    mapping, warnings = {}, []
    for name in names:
        out = name
        if name.lower() in RESERVED:
            number = 1
            while f"{name}_{number}" in taken:
                number += 1
            out = f"{name}_{number}"
            taken.add(out)
            warnings.append({"code": "attribute-renamed", "message": _(
                "L'attribut « %(old)s » porte un nom réservé ; il est renommé « %(new)s ».") % {"old": name,
                                                                                           "new": out}})
        mapping[name] = out
    return mapping, warnings


def convert(path: str | os.PathLike, dest: str | os.PathLike, *, work_dir: str | os.PathLike,
            filename: str = "", con=None, progress=None, zip_limits: dict | None = None) -> LayerResult:
    """Convert the geographic file ``path`` into the layer's Parquet file ``dest`` (see the module's
    docstring). ``work_dir``: a folder of the platform's for extraction and temporary files;
    ``progress()`` is called between steps (the job's heartbeat). Raises ``ConvertError`` for input that cannot be converted."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    filename = filename or Path(path).name
    source = detect(path, work_dir=work_dir, filename=filename, zip_limits=zip_limits)
    own = con is None
    con = con or duck.connect(spatial=True)
    database = work_dir / f"conversion-{uuid.uuid4().hex}.duckdb"
    con.execute(f"ATTACH {_lit(str(database))} AS conversion (ROW_GROUP_SIZE {WORK_ROW_GROUP_SIZE})")
    try:
        con.execute("USE conversion")
        # A short-lived database: compressing what it stores would cost more than it saves.
        con.execute("SET force_compression = 'uncompressed'")
        return _convert(con, source, Path(dest), filename, progress or (lambda: None))
    finally:
        con.execute("RESET force_compression")
        con.execute("USE memory")
        con.execute("DETACH conversion")
        for leftover in (database, database.with_name(database.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if own:
            con.close()


def _convert(con, source: Source, dest: Path, filename: str, beat) -> LayerResult:
    import duckdb

    result = LayerResult(source_format=source.format, warnings=list(source.warnings))
    try:
        names = _load(con, source)
        declared_label, declared_spec = source.column_crs
    except ConvertError:
        raise
    except duckdb.Error as exc:
        raise _gdal_error(exc, filename) from None
    beat()
    total, fitting = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE ST_XMin(__geom) >= -180 AND ST_XMax(__geom) <= 180 "
        "AND ST_YMin(__geom) >= -90 AND ST_YMax(__geom) <= 90) "
        "FROM src WHERE __geom IS NOT NULL AND NOT ST_IsEmpty(__geom)").fetchone()
    if not con.execute("SELECT count(*) FROM src").fetchone()[0]:
        raise ConvertError("no-features", _("Le fichier « %(name)s » ne contient aucune entité.")
                           % {"name": filename[:200]})
    if not total:
        raise ConvertError("no-geometry", _("Aucune entité du fichier « %(name)s » n'a de géométrie.")
                           % {"name": filename[:200]})
    # The range of most coordinates (5th to 95th percentile): a few stray features do not decide.
    box = con.execute(
        "SELECT quantile_disc(ST_XMin(__geom), 0.05), quantile_disc(ST_YMin(__geom), 0.05), "
        "quantile_disc(ST_XMax(__geom), 0.95), quantile_disc(ST_YMax(__geom), 0.95) "
        "FROM src WHERE __geom IS NOT NULL AND NOT ST_IsEmpty(__geom)").fetchone()
    west, south, east, north = box
    mostly_wgs84 = fitting * 2 >= total

    # The coordinate system: declared, by definition, or guessed.
    if source.format == "geojson" and source.declared_crs:
        declared_label = _normalize_crs_name(source.declared_crs) or declared_label
        declared_spec = declared_label if declared_label and declared_label.startswith("EPSG:") else declared_spec
    if source.format == "geojson" and not source.declared_crs:
        declared_label = declared_spec = None  # GDAL says WGS84 for every GeoJSON without ``crs``
    if source.format == "csv" and source.wgs84_by_definition:
        declared_label = declared_spec = None
    if declared_label in ("OGC:CRS84", "EPSG:4326"):
        declared_label = declared_spec = "EPSG:4326"
    if declared_spec:
        result.source_crs, crs_spec = declared_label, declared_spec
        if declared_spec == "EPSG:4326" and not mostly_wgs84:
            raise ConvertError("crs-mismatch", _(
                "Le fichier se dit en WGS84 (longitudes et latitudes) mais ses coordonnées vont de %(w).0f, %(s).0f "
                "à %(e).0f, %(n).0f. Corrigez son système de coordonnées.") % {"w": west, "s": south, "e": east,
                                                                               "n": north})
    elif source.wgs84_by_definition and mostly_wgs84:
        result.source_crs, crs_spec = "EPSG:4326", "EPSG:4326"
    else:
        guessed, note = guess_crs(box)
        if guessed is None:
            raise ConvertError("crs-unknown", _("Le système de coordonnées est inconnu. %(note)s Ajoutez un fichier "
                                                ".prj ou un membre « crs ».") % {"note": note})
        result.source_crs, crs_spec = guessed, guessed
        result.crs_assumed, result.crs_note = True, note
        if source.wgs84_by_definition:
            result.crs_note = _("Une couche GeoJSON doit être en WGS84, mais ces coordonnées n'en sont pas. ") + note
        result.warnings.append({"code": "crs-assumed", "message": result.crs_note, "crs": guessed})

    beat()
    # One pass over the geometries, in the work database's small row groups (every core): validity in
    # the source's coordinates, repair, WGS84, the verdict, Web Mercator and its box. Each level of the
    # nested query is computed once.
    mapping, renamed = _rename_reserved(names)
    result.warnings.extend(renamed)
    attributes = "".join(f"{_q(name)} AS {_q(mapping[name])}, " for name in names)
    transform = "" if crs_spec == "EPSG:4326" else crs_spec
    to_wgs84 = f"ST_Transform(g, {_lit(transform)}, 'EPSG:4326', always_xy := true)" if transform else "g"
    clip = f"ST_MakeEnvelope(-180, {-MERCATOR_LAT}, 180, {MERCATOR_LAT})"
    out_of_range = ("ST_XMin(geometry) < -180 OR ST_XMax(geometry) > 180 OR ST_YMin(geometry) < -90 "
                    "OR ST_YMax(geometry) > 90 OR NOT isfinite(ST_XMin(geometry)) OR NOT isfinite(ST_YMax(geometry))")
    try:
        con.execute(f"""
            CREATE TABLE judged AS
            SELECT *, ST_XMin(geom_3857) AS minx, ST_YMin(geom_3857) AS miny,
                   ST_XMax(geom_3857) AS maxx, ST_YMax(geom_3857) AS maxy
            FROM (
                SELECT * EXCLUDE (geometry), geometry,
                       CASE WHEN __final IN ('valid', 'invalid') THEN ST_Transform(
                           CASE WHEN ST_YMin(geometry) < {-MERCATOR_LAT} OR ST_YMax(geometry) > {MERCATOR_LAT}
                                THEN ST_Intersection(geometry, {clip}) ELSE geometry END,
                           'EPSG:4326', 'EPSG:3857', always_xy := true) END AS geom_3857
                FROM (
                    SELECT * EXCLUDE (__state),
                           CASE WHEN __state IN ('valid', 'invalid') AND ({out_of_range}) THEN 'out-of-range'
                                ELSE __state END AS __final
                    FROM (
                        SELECT {FID_COLUMN} AS _fid, {attributes}
                               CASE WHEN __state = 'invalid' AND (g IS NULL OR ST_IsEmpty(g) OR NOT ST_IsValid(g))
                                    THEN 'unrepairable' ELSE __state END AS __state,
                               CASE WHEN g IS NOT NULL AND NOT ST_IsEmpty(g) THEN {to_wgs84} END AS geometry
                        FROM (
                            SELECT *, CASE WHEN __state = 'invalid' THEN ST_MakeValid(__geom) ELSE __geom END AS g
                            FROM (
                                SELECT *, CASE WHEN __geom IS NULL THEN 'missing'
                                               WHEN ST_IsEmpty(__geom) THEN 'empty'
                                               WHEN ST_IsValid(__geom) THEN 'valid' ELSE 'invalid' END AS __state
                                FROM src)))))""")
    except duckdb.Error as exc:
        raise _gdal_error(exc, filename) from None
    con.execute("DROP TABLE src")
    con.execute("CREATE VIEW layer AS SELECT * EXCLUDE (__final) FROM judged WHERE __final IN ('valid', 'invalid')")
    reasons = {
        "missing": _("géométrie absente"), "empty": _("géométrie vide"),
        "unrepairable": _("géométrie invalide que la réparation n'a pas pu corriger"),
        "out-of-range": _("coordonnées hors des limites (±180°, ±90°) une fois en WGS84"),
    }
    states = dict(con.execute("SELECT __final, count(*) FROM judged GROUP BY 1").fetchall())
    bad = {state: int(count) for state, count in states.items() if state not in ("valid", "invalid")}
    bad_count = sum(bad.values())
    examples = con.execute(f"SELECT _fid, __final FROM judged WHERE __final NOT IN ('valid', 'invalid') "
                           f"ORDER BY _fid LIMIT {MAX_EXAMPLES}").fetchall() if bad_count else []
    result.invalid = {"count": bad_count, "by_reason": bad,
                      "examples": [{"fid": int(fid), "reason": reasons[state], "code": state}
                                   for fid, state in examples]} if bad_count else {}
    result.repaired_count = int(states.get("invalid", 0))
    if bad_count:
        result.warnings.append({"code": "features-left-out", "count": bad_count, "message": _(
            "%(n)s entité(s) laissée(s) de côté (géométrie absente, vide, irréparable ou hors limites) ; voir le "
            "rapport des géométries invalides.") % {"n": bad_count}})
    if result.repaired_count:
        result.warnings.append({"code": "geometries-repaired", "count": result.repaired_count, "message": _(
            "%(n)s géométrie(s) invalide(s) réparée(s) automatiquement.") % {"n": result.repaired_count}})

    beat()
    count = int(states.get("valid", 0)) + result.repaired_count
    if not count:
        raise ConvertError("no-valid-geometry", _(
            "Aucune géométrie utilisable : toutes sont absentes, vides, irréparables ou hors limites."),
                           invalid=result.invalid)
    result.feature_count = count
    result.bbox = tuple(float(value) for value in con.execute(
        "SELECT min(ST_XMin(geometry)), min(ST_YMin(geometry)), max(ST_XMax(geometry)), max(ST_YMax(geometry)) "
        "FROM layer").fetchone())
    types = [row[0] for row in con.execute(
        "SELECT DISTINCT CAST(ST_GeometryType(geometry) AS VARCHAR) FROM layer ORDER BY 1").fetchall()]
    result.geometry_types = [GEOMETRY_NAMES.get(kind.upper(), kind.title()) for kind in types]
    if len(result.geometry_types) > 1:
        result.warnings.append({"code": "mixed-geometry-types", "message": _(
            "La couche mêle plusieurs types de géométrie : %(types)s.") % {
            "types": ", ".join(result.geometry_types)}})
    result.attributes = _profile(con, [mapping[name] for name in names])
    result.source_format = source.format
    beat()
    _write(con, dest)
    return result


def _write(con, dest: Path) -> None:
    """The view ``layer`` to ``dest`` in Hilbert order; written under a temporary name first."""
    west, south, east, north = con.execute("SELECT min(minx), min(miny), max(maxx), max(maxy) FROM layer").fetchone()
    if east <= west:
        east = west + 1
    if north <= south:
        north = south + 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    con.execute(f"""
        COPY (SELECT * REPLACE (CAST(geometry AS GEOMETRY('OGC:CRS84')) AS geometry,
                                CAST(geom_3857 AS GEOMETRY('EPSG:3857')) AS geom_3857)
              FROM layer
              ORDER BY ST_Hilbert(ST_Point((minx + maxx) / 2, (miny + maxy) / 2),
                                  {{'min_x': {west}, 'min_y': {south}, 'max_x': {east}, 'max_y': {north}}}::BOX_2D),
                       _fid)
        TO {_lit(str(partial))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {COMPRESSION_LEVEL},
                                 ROW_GROUP_SIZE {ROW_GROUP_SIZE})""")
    os.replace(partial, dest)


# --- Downloads ----------------------------------------------------------------------------------

#: Download format → (GDAL driver or None for CSV, file extension, media type).
EXPORTS = {
    "geojson": ("GeoJSON", ".geojson", "application/geo+json"),
    "shapefile": ("ESRI Shapefile", ".zip", "application/zip"),
    "gpkg": ("GPKG", ".gpkg", "application/geopackage+sqlite3"),
    "kml": ("KML", ".kml", "application/vnd.google-earth.kml+xml"),
    "csv": (None, ".csv", "text/csv"),
}


def export(parquet: str | os.PathLike, fmt: str, folder: str | os.PathLike, *, basename: str = "couche",
           con=None) -> Path:
    """Write the stored layer ``parquet`` in the download format ``fmt`` (``EXPORTS``) inside
    ``folder`` (a new folder of the platform's) and return the file. Raises ``ConvertError``."""
    if fmt not in EXPORTS:
        raise ConvertError("unknown-format", _("Format de téléchargement inconnu : %(fmt)s.") % {"fmt": fmt[:30]})
    driver, extension, _media = EXPORTS[fmt]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    basename = re.sub(r"[^A-Za-z0-9_.-]+", "_", basename).strip("._")[:80] or "couche"
    own = con is None
    con = con or duck.connect(spatial=True)
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(str(parquet))})")
                   .fetchall()]
        attributes = [name for name in columns if name not in RESERVED]
        select_attributes = ", ".join(_q(name) for name in attributes)
        source = f"read_parquet({_lit(str(parquet))})"
        if fmt == "csv":
            target = folder / f"{basename}.csv"
            con.execute(f"COPY (SELECT _fid, {select_attributes + ',' if select_attributes else ''} "
                        f"ST_AsText(geometry) AS wkt FROM {source} ORDER BY _fid) TO {_lit(str(target))} "
                        "(FORMAT csv, HEADER true)")
            return target
        select = f"SELECT _fid, {select_attributes + ',' if select_attributes else ''} geometry FROM {source} " \
                 "ORDER BY _fid"
        if fmt == "shapefile":
            types = {row[0] for row in con.execute(
                f"SELECT DISTINCT CAST(ST_GeometryType(geometry) AS VARCHAR) FROM {source}").fetchall()}
            families = {kind.upper().replace("MULTI", "") for kind in types}
            if len(families) > 1:
                raise ConvertError("shapefile-mixed-types", _(
                    "Un Shapefile ne peut contenir qu'un type de géométrie ; cette couche en mêle plusieurs. "
                    "Téléchargez-la en GeoJSON ou en GeoPackage."))
            shp_folder = folder / "shp"
            shp_folder.mkdir()
            target = shp_folder / f"{basename}.shp"
        else:
            target = folder / f"{basename}{extension}"
        options = f"FORMAT GDAL, DRIVER {_lit(driver)}, SRS 'EPSG:4326'"
        if fmt == "gpkg":
            options += f", LAYER_NAME {_lit(basename)}"
        con.execute(f"COPY ({select}) TO {_lit(str(target))} ({options})")
        if fmt == "shapefile":
            archive = folder / f"{basename}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
                for file in sorted(shp_folder.iterdir()):
                    out.write(file, file.name)
            return archive
        return target
    finally:
        if own:
            con.close()


def result_as_dict(result: LayerResult) -> dict:
    return json.loads(json.dumps(result.__dict__, default=str))
