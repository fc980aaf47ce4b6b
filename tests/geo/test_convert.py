"""``ouvert.geo.convert`` alone: real layers of the corpus and hostile input (no database)."""

import json
import zipfile
from pathlib import Path

import pytest

from ouvert.datastore import duck
from ouvert.geo import convert

from .conftest import GEO_DATA


@pytest.fixture
def con():
    connection = duck.connect(spatial=True)
    yield connection
    connection.close()


def _convert(tmp_path, source, name="layer", **kwargs):
    return convert.convert(source, tmp_path / f"{name}.parquet", work_dir=tmp_path / f"work-{name}", **kwargs)


def _write_geojson(path: Path, features, **extra) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}))
    return path


@pytest.mark.parametrize("name,count,types", [
    ("quebec_regions_administratives.geojson", 17, ["MultiPolygon"]),
    ("montreal_arrondissements.geojson", 19, ["MultiPolygon"]),
    ("quebec_city_reseau_cyclable_lines.geojson", 3466, ["LineString"]),
    ("quebec_city_lieux_publics_points.geojson", 1345, ["Point"]),
    ("quebec_city_arrondissements.geojson", 6, ["MultiPolygon", "Polygon"]),
])
def test_real_layers_follow_the_contract(tmp_path, con, name, count, types):
    result = _convert(tmp_path, GEO_DATA / name)
    assert result.source_format == "geojson"
    assert result.source_crs == "EPSG:4326" and not result.crs_assumed
    assert result.feature_count == count
    assert result.geometry_types == types
    west, south, east, north = result.bbox
    assert -80 < west < east < -56 and 44 < south < north < 63
    parquet = str(tmp_path / "layer.parquet")
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM '{parquet}'").fetchall()]
    assert columns[0] == "_fid"
    assert columns[-6:] == ["geometry", "geom_3857", "minx", "miny", "maxx", "maxy"]
    fids = con.execute(f"SELECT min(_fid), max(_fid), count(DISTINCT _fid) FROM '{parquet}'").fetchone()
    assert fids == (1, count, count)
    # geom_3857 is the Web Mercator copy; the boxes are its own.
    bad = con.execute(f"""SELECT count(*) FROM '{parquet}' WHERE abs(minx - ST_XMin(geom_3857)) > 1e-6
        OR abs(maxy - ST_YMax(geom_3857)) > 1e-6 OR abs(ST_X(ST_Centroid(ST_Transform(geometry, 'EPSG:4326',
        'EPSG:3857', always_xy := true))) - ST_X(ST_Centroid(geom_3857))) > 1e-3""").fetchone()[0]
    assert bad == 0
    if len(types) > 1:
        assert "mixed-geometry-types" in {w["code"] for w in result.warnings}
    if name.startswith("quebec_city_lieux"):
        profile = {column["name"]: column for column in result.attributes}
        assert profile["NO_CIVIQUE"]["nulls"] > 0
        assert profile["SUPERFICIE"]["type"] == "VARCHAR"


def test_hilbert_order_keeps_neighbours_together(tmp_path, con):
    _convert(tmp_path, GEO_DATA / "quebec_city_lieux_publics_points.geojson")
    parquet = str(tmp_path / "layer.parquet")
    ordered = con.execute(f"""SELECT avg(step) FROM (SELECT sqrt(power(minx - lag(minx) OVER w, 2)
        + power(miny - lag(miny) OVER w, 2)) AS step FROM (SELECT *, row_number() OVER () AS n FROM '{parquet}')
        WINDOW w AS (ORDER BY n))""").fetchone()[0]
    by_fid = con.execute(f"""SELECT avg(step) FROM (SELECT sqrt(power(minx - lag(minx) OVER w, 2)
        + power(miny - lag(miny) OVER w, 2)) AS step FROM '{parquet}' WINDOW w AS (ORDER BY _fid))""").fetchone()[0]
    assert ordered < by_fid / 3


def test_montreal_limits_in_mtm8_land_within_metres_of_the_wgs84_twin(tmp_path, con):
    projected = _convert(tmp_path, GEO_DATA / "montreal_limites_administratives_agglomeration_EPSG32188.geojson",
                         name="mtm")
    twin = _convert(tmp_path, GEO_DATA / "montreal_limites_administratives_agglomeration_WGS84.geojson", name="wgs")
    assert projected.source_crs == "EPSG:32188" and not projected.crs_assumed
    assert projected.feature_count == twin.feature_count == 34
    worst = con.execute(f"""
        SELECT max(ST_Distance_Sphere(ST_PointOnSurface(a.geometry), ST_PointOnSurface(b.geometry))),
               max(abs(ST_XMin(a.geom_3857) - ST_XMin(b.geom_3857)) + abs(ST_YMax(a.geom_3857) - ST_YMax(b.geom_3857)))
        FROM '{tmp_path / "mtm.parquet"}' a JOIN '{tmp_path / "wgs.parquet"}' b ON a._fid = b._fid""").fetchone()
    assert worst[0] < 5 and worst[1] < 5
    names = {column["name"] for column in projected.attributes}
    assert {"NOM", "NOM_OFFICIEL", "CODEID"} <= names


def test_null_geometry_left_out_and_reported(tmp_path):
    result = _convert(tmp_path, GEO_DATA / "montreal_bixi_stations_usage_points.geojson")
    assert result.feature_count == 734
    assert result.invalid["count"] == 1
    assert result.invalid["examples"][0]["fid"] == 735
    assert result.invalid["examples"][0]["code"] == "missing"


def test_source_order_numbers_features_whatever_the_attributes_are_called(tmp_path, con):
    # An attribute named like DuckDB's row pseudo-column does not change the numbering, and the
    # conversion's work database is gone afterwards.
    source = _write_geojson(tmp_path / "rowid.geojson", [
        ({"rowid": 40 - number, "ordinality": "x", "nom": f"Lieu {number}"},
         {"type": "Point", "coordinates": [-71.2 + number / 100, 46.8]}) for number in range(30)])
    result = _convert(tmp_path, source)
    assert result.feature_count == 30
    rows = con.execute(f"SELECT _fid, rowid, ordinality, nom FROM '{tmp_path / 'layer.parquet'}' "
                       "ORDER BY _fid").fetchall()
    assert [row[0] for row in rows] == list(range(1, 31))
    assert [row[1] for row in rows] == [40 - number for number in range(30)]
    assert rows[7][2:] == ("x", "Lieu 7")
    assert not list((tmp_path / "work-layer").glob("conversion-*"))


def test_self_intersecting_polygon_repaired_and_out_of_range_left_out(tmp_path, con):
    bowtie = {"type": "Polygon", "coordinates": [[[-73.6, 45.5], [-73.5, 45.6], [-73.5, 45.5], [-73.6, 45.6],
                                                  [-73.6, 45.5]]]}
    good = {"type": "Point", "coordinates": [-73.55, 45.5]}
    line = {"type": "LineString", "coordinates": [[-73.5, 45.5], [-73.4, 45.6]]}
    source = _write_geojson(tmp_path / "hostile.geojson", [
        ({"nom": "noeud papillon"}, bowtie), ({"nom": "point"}, good), ({"nom": "ligne"}, line),
        ({"nom": "vide"}, {"type": "Polygon", "coordinates": []}),
    ], crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    result = _convert(tmp_path, source)
    assert result.repaired_count == 1
    assert result.feature_count == 3
    assert set(result.geometry_types) == {"MultiPolygon", "Point", "LineString"}
    assert result.invalid["count"] == 1 and result.invalid["examples"][0]["fid"] == 4
    valid = con.execute(f"SELECT bool_and(ST_IsValid(geometry)) FROM '{tmp_path / 'layer.parquet'}'").fetchone()[0]
    assert valid

    far = _write_geojson(tmp_path / "far.geojson", [
        ({"n": 1}, {"type": "Point", "coordinates": [-73.5, 45.5]}),
        ({"n": 2}, {"type": "Point", "coordinates": [-73.5, 95.0]}),
    ], crs={"type": "name", "properties": {"name": "EPSG:4326"}})
    result = _convert(tmp_path, far, name="far")
    assert result.feature_count == 1 and result.invalid["examples"][0]["code"] == "out-of-range"
    wrong = _write_geojson(tmp_path / "wrong.geojson", [
        ({"n": 1}, {"type": "Point", "coordinates": [296755, 5052363]}),
    ], crs={"type": "name", "properties": {"name": "EPSG:4326"}})
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, wrong, name="wrong")
    assert caught.value.code == "crs-mismatch"

    # Projected coordinates with no CRS: the guess lands one far point outside WGS84's range.
    reprojected = _write_geojson(tmp_path / "mixed.geojson", [
        ({"n": 1}, {"type": "Point", "coordinates": [296755, 5052363]}),
        ({"n": 2}, {"type": "Point", "coordinates": [300000, 5060000]}),
    ])
    result = _convert(tmp_path, reprojected, name="mixed")
    assert result.crs_assumed and result.source_crs == "EPSG:32188"


def test_out_of_range_after_reprojection_reported(tmp_path):
    source = _write_geojson(tmp_path / "oor.geojson", [
        ({"n": 1}, {"type": "Point", "coordinates": [-73.5, 45.5]}),
        ({"n": 2}, {"type": "Point", "coordinates": [500.0, 45.5]}),
        ({"n": 3}, {"type": "Point", "coordinates": [-73.4, 45.6]}),
    ])
    result = _convert(tmp_path, source)
    assert result.feature_count == 2 and not result.crs_assumed
    assert result.invalid["examples"] == [{"fid": 2, "code": "out-of-range", "reason": result.invalid["examples"][0]
                                           ["reason"]}]


def test_unknown_crs_is_guessed_and_said(tmp_path, con):
    raw = json.loads((GEO_DATA / "montreal_limites_administratives_agglomeration_EPSG32188.geojson").read_text())
    raw.pop("crs")
    source = tmp_path / "sans_crs.geojson"
    source.write_text(json.dumps(raw))
    result = _convert(tmp_path, source)
    assert result.crs_assumed and result.source_crs == "EPSG:32188"
    assert "MTM zone 8" in result.crs_note
    assert "crs-assumed" in {w["code"] for w in result.warnings}
    west, south, east, north = result.bbox
    assert -74.1 < west < east < -73.4 and 45.3 < south < north < 45.8

    assert convert.guess_crs((-200000, 150000, 300000, 900000))[0] == "EPSG:32198"
    assert convert.guess_crs((600000, 5100000, 700000, 5200000))[0] == "EPSG:26918"
    assert convert.guess_crs((1e9, 1e9, 2e9, 2e9))[0] is None


def _zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_bomb_refused_before_extraction(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"a.geojson": b"0" * (50 * 1024 * 1024)})
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, bomb)
    assert caught.value.code == "zip-bomb"
    assert not (tmp_path / "work-layer" / "unzipped").exists()
    with pytest.raises(convert.ConvertError) as caught:
        convert.zip_check(_zip(tmp_path / "many.zip", {f"f{n}.txt": b"x" for n in range(20)}), max_members=10)
    assert caught.value.code == "zip-too-many-members"
    with pytest.raises(convert.ConvertError) as caught:
        convert.zip_check(_zip(tmp_path / "big.zip", {"a.txt": b"x" * 5000}), max_bytes=1000)
    assert caught.value.code == "zip-too-large"


@pytest.mark.parametrize("member", ["../evil.geojson", "a/../../evil.geojson", "/tmp/evil.geojson",
                                    "C:/evil.geojson", "..\\evil.geojson"])
def test_zip_traversal_and_absolute_names_refused(tmp_path, member):
    work = tmp_path / "deep" / "work"
    archive = _zip(tmp_path / "evil.zip", {"ok.geojson": b"{}", member: b"pwned"})
    before = {path for path in tmp_path.rglob("*")}
    with pytest.raises(convert.ConvertError) as caught:
        convert.convert(archive, tmp_path / "out.parquet", work_dir=work)
    assert caught.value.code == "zip-unsafe-name"
    after = {path for path in tmp_path.rglob("*")}
    assert {path for path in after - before if not path.is_dir()} == set()
    assert not Path("/tmp/evil.geojson").exists()


def test_zip_symlink_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as out:
        info = zipfile.ZipInfo("lien.geojson")
        info.external_attr = (0o120777 << 16)
        out.writestr(info, "/etc/passwd")
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, archive)
    assert caught.value.code == "zip-symlink"


def _shapefile_zip(tmp_path, con, *, drop=()) -> Path:
    _convert(tmp_path, GEO_DATA / "montreal_arrondissements.geojson", name="src")
    out = convert.export(tmp_path / "src.parquet", "shapefile", tmp_path / "export", basename="arrondissements")
    if not drop:
        return out
    kept = tmp_path / "partial.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(kept, "w") as target:
        for info in source.infolist():
            if Path(info.filename).suffix.lower() not in drop:
                target.writestr(info, source.read(info))
    return kept


def test_zipped_shapefile_round_trip(tmp_path, con):
    archive = _shapefile_zip(tmp_path, con)
    result = _convert(tmp_path, archive, name="shp")
    assert result.source_format == "shapefile"
    assert result.source_crs == "EPSG:4326" and not result.crs_assumed
    assert result.feature_count == 19


def test_shapefile_without_dbf_is_a_clear_error(tmp_path, con):
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, _shapefile_zip(tmp_path, con, drop={".dbf"}), name="nodbf")
    assert caught.value.code == "shapefile-incomplete" and ".dbf" in caught.value.message


def test_shapefile_without_prj_warns_and_assumes(tmp_path, con):
    result = _convert(tmp_path, _shapefile_zip(tmp_path, con, drop={".prj"}), name="noprj")
    codes = {w["code"] for w in result.warnings}
    assert {"prj-missing", "crs-assumed"} <= codes
    assert result.crs_assumed and result.source_crs == "EPSG:4326" and result.feature_count == 19


@pytest.mark.parametrize("fmt,detected", [("gpkg", "gpkg"), ("kml", "kml"), ("geojson", "geojson")])
def test_other_formats_round_trip(tmp_path, con, fmt, detected):
    _convert(tmp_path, GEO_DATA / "quebec_city_arrondissements.geojson", name="src")
    out = convert.export(tmp_path / "src.parquet", fmt, tmp_path / "export", basename="arr")
    result = _convert(tmp_path, out, name="back")
    assert result.source_format == detected
    assert result.feature_count == 6
    assert result.source_crs == "EPSG:4326"


def test_flatgeobuf_detected(tmp_path, con):
    _convert(tmp_path, GEO_DATA / "montreal_arrondissements.geojson", name="src")
    target = tmp_path / "arr.fgb"
    con.execute(f"COPY (SELECT name, geometry FROM '{tmp_path / 'src.parquet'}') TO '{target}' "
                "(FORMAT GDAL, DRIVER 'FlatGeobuf', SRS 'EPSG:4326')")
    result = _convert(tmp_path, target, name="fgb")
    assert result.source_format == "fgb" and result.feature_count == 19


def test_csv_download_and_csv_sources(tmp_path):
    _convert(tmp_path, GEO_DATA / "quebec_city_lieux_publics_points.geojson", name="src")
    out = convert.export(tmp_path / "src.parquet", "csv", tmp_path / "export")
    assert out.read_text().splitlines()[1].rstrip().endswith(")")
    french = tmp_path / "lieux.csv"
    french.write_text("nom;Latitude;Longitude\nParc Lafontaine;45,5272;-73,5696\nMont-Royal;45,5048;-73,5874\n"
                      "Sans coordonnées;;\n", encoding="latin-1")
    result = _convert(tmp_path, french, name="fr")
    assert result.source_format == "csv" and result.feature_count == 2 and result.source_crs == "EPSG:4326"
    assert result.invalid["count"] == 1
    english = tmp_path / "xy.csv"
    english.write_text("id\tx\ty\n1\t296755\t5052363\n2\t300000\t5060000\n")
    result = _convert(tmp_path, english, name="xy")
    assert result.crs_assumed and result.source_crs == "EPSG:32188"


def test_shapefile_download_refuses_mixed_types(tmp_path):
    source = _write_geojson(tmp_path / "mixed.geojson", [
        ({"n": 1}, {"type": "Point", "coordinates": [-73.5, 45.5]}),
        ({"n": 2}, {"type": "LineString", "coordinates": [[-73.5, 45.5], [-73.4, 45.6]]}),
    ])
    _convert(tmp_path, source)
    with pytest.raises(convert.ConvertError) as caught:
        convert.export(tmp_path / "layer.parquet", "shapefile", tmp_path / "export")
    assert caught.value.code == "shapefile-mixed-types"


@pytest.mark.parametrize("content,code", [
    (b"", "empty"),
    (bytes(range(256)) * 40, "unrecognised"),
    (b'{"name": "pas une couche"}', "unrecognised"),
    (b"a,b\n1,2\n", "unrecognised"),
    (b'{"type": "FeatureCollection", "features": []}', "no-features"),
    (b'{"type": "FeatureCollection", "features": [', "unreadable"),
])
def test_bad_files_named_geojson(tmp_path, content, code):
    source = tmp_path / "couche.geojson"
    source.write_bytes(content)
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, source)
    assert caught.value.code == code
    assert caught.value.message
    assert not (tmp_path / "layer.parquet").exists()


def test_shapefile_prj_in_mtm8_is_read(tmp_path, con):
    _convert(tmp_path, GEO_DATA / "montreal_arrondissements.geojson", name="src")
    folder = tmp_path / "shp"
    folder.mkdir()
    con.execute(f"""COPY (SELECT name, ST_Transform(geometry, 'EPSG:4326', 'EPSG:32188', always_xy := true) AS geom
        FROM '{tmp_path / 'src.parquet'}') TO '{folder / 'arr.shp'}' (FORMAT GDAL, DRIVER 'ESRI Shapefile',
        SRS 'EPSG:32188')""")
    archive = tmp_path / "arr.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            out.write(file, f"dossier/{file.name.upper() if file.suffix == '.dbf' else file.name}")
    result = _convert(tmp_path, archive, name="mtm")
    assert result.source_crs == "EPSG:32188" and not result.crs_assumed and result.feature_count == 19
    west, south, east, north = result.bbox
    assert -74.0 < west < east < -73.4 and 45.4 < south < north < 45.8


def test_geopackage_with_two_layers_and_kmz(tmp_path, con):
    _convert(tmp_path, GEO_DATA / "quebec_city_arrondissements.geojson", name="src")
    gpkg = tmp_path / "deux.gpkg"
    parquet = tmp_path / "src.parquet"
    con.execute(f"COPY (SELECT NOM, geometry FROM '{parquet}') TO '{gpkg}' (FORMAT GDAL, DRIVER 'GPKG', "
                "SRS 'EPSG:4326', LAYER_NAME 'arrondissements')")
    result = _convert(tmp_path, gpkg, name="gpkg")
    assert result.source_format == "gpkg" and result.feature_count == 6
    kml = convert.export(parquet, "kml", tmp_path / "kml")
    kmz = tmp_path / "couche.kmz"
    with zipfile.ZipFile(kmz, "w") as out:
        out.write(kml, "doc.kml")
    result = _convert(tmp_path, kmz, name="kmz")
    assert result.source_format == "kml" and result.feature_count == 6


def test_a_vrt_disguised_as_kml_is_not_followed(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("nom,x,y\nsecret,-73.5,45.5\n")
    disguised = tmp_path / "couche.kml"
    disguised.write_text(f"""<OGRVRTDataSource><!-- <kml> --><OGRVRTLayer name="s">
        <SrcDataSource>{secret}</SrcDataSource><GeometryType>wkbPoint</GeometryType>
        <GeometryField encoding="PointFromColumns" x="x" y="y"/></OGRVRTLayer></OGRVRTDataSource>""")
    with pytest.raises(convert.ConvertError) as caught:
        _convert(tmp_path, disguised)
    assert caught.value.code in ("unreadable", "no-geometry")
    assert not (tmp_path / "layer.parquet").exists()


def test_shapefile_prj_without_authority_is_identified(tmp_path, con):
    _convert(tmp_path, GEO_DATA / "montreal_arrondissements.geojson", name="src")
    folder = tmp_path / "shp"
    folder.mkdir()
    con.execute(f"""COPY (SELECT name, ST_Transform(geometry, 'EPSG:4326', 'EPSG:32188', always_xy := true) AS geom
        FROM '{tmp_path / 'src.parquet'}') TO '{folder / 'arr.shp'}' (FORMAT GDAL, DRIVER 'ESRI Shapefile')""")
    (folder / "arr.prj").write_text(
        'PROJCS["MTM_8_maison",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",'
        '6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION['
        '"Transverse_Mercator"],PARAMETER["False_Easting",304800.0],PARAMETER["False_Northing",0.0],PARAMETER['
        '"Central_Meridian",-73.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],'
        'UNIT["Meter",1.0]]')
    archive = tmp_path / "arr.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            out.write(file, file.name)
    result = _convert(tmp_path, archive, name="custom")
    assert not result.crs_assumed and result.feature_count == 19
    west, south, east, north = result.bbox
    assert -74.0 < west < east < -73.4 and 45.4 < south < north < 45.8
