"""Test kit of the maps part: stored layers written to the contract of ``ouvert.geo.models`` (with
DuckDB, from the real corpus) and a minimal Mapbox Vector Tile decoder (protobuf wire format)."""

from __future__ import annotations

import struct

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ouvert.datastore import duck
from ouvert.geo.models import GeoLayer, GeoResource, layer_parquet_name

from .conftest import GEO_DATA


def write_layer(resource, source: str = "quebec_city_arrondissements.geojson") -> GeoLayer:
    """A done layer of ``resource`` from a corpus file, made current (the stored layer's contract)."""
    geo, _ = GeoResource.objects.get_or_create(resource=resource)
    layer = GeoLayer.objects.create(geo=geo, status=GeoLayer.Status.RUNNING, source_name=source,
                                    source_format="GeoJSON")
    name = layer_parquet_name(resource.pk, layer.pk)
    con = duck.connect(spatial=True)
    path = str(GEO_DATA / source)
    con.execute(f"""
        CREATE TABLE src AS SELECT * EXCLUDE (geom), ST_MakeValid(geom) AS geometry FROM ST_Read('{path}')
        WHERE geom IS NOT NULL""")
    attrs = [row[0] for row in con.execute("DESCRIBE src").fetchall() if row[0] != "geometry"]
    select = ", ".join(f'"{a}"' for a in attrs)
    con.execute(f"""
        CREATE TABLE layer AS
        WITH n AS (SELECT row_number() OVER () AS _fid, {select}, geometry,
                          ST_Transform(geometry, 'EPSG:4326', 'EPSG:3857', always_xy := true) AS geom_3857 FROM src)
        SELECT _fid::BIGINT AS _fid, {select}, geometry, geom_3857,
               ST_XMin(geom_3857) AS minx, ST_YMin(geom_3857) AS miny,
               ST_XMax(geom_3857) AS maxx, ST_YMax(geom_3857) AS maxy
        FROM n ORDER BY ST_Hilbert(ST_Centroid(geometry))""")
    box = con.execute("SELECT min(ST_XMin(geometry)), min(ST_YMin(geometry)), max(ST_XMax(geometry)), "
                      "max(ST_YMax(geometry)), count(*) FROM layer").fetchone()
    kinds = [row[0] for row in con.execute(
        "SELECT DISTINCT ST_GeometryType(geometry)::VARCHAR FROM layer ORDER BY 1").fetchall()]
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT {select} FROM src)").fetchall())
    local = GEO_DATA.parent / f".maps_{layer.pk}.parquet"
    try:
        con.execute(f"COPY layer TO '{local}' (FORMAT parquet)")
        default_storage.save(name, ContentFile(local.read_bytes()))
    finally:
        local.unlink(missing_ok=True)
        con.close()
    layer.parquet_name = name
    layer.status = GeoLayer.Status.DONE
    layer.finished_at = timezone.now()
    layer.bbox_west, layer.bbox_south, layer.bbox_east, layer.bbox_north, layer.feature_count = box
    layer.geometry_types = kinds
    layer.attributes = [{"name": a, "type": types[a]} for a in attrs]
    layer.source_crs = "EPSG:4326"
    layer.save()
    geo.current_layer = layer
    geo.save(update_fields=["current_layer"])
    return layer


# --- Mapbox Vector Tile decoding ---------------------------------------------------------------

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes):
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def _packed(data: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        out.append(value)
    return out


def _value(data: bytes):
    for number, _wire, raw in _fields(data):
        if number == 1:
            return raw.decode()
        if number == 2:
            return struct.unpack("<f", raw)[0]
        if number == 3:
            return struct.unpack("<d", raw)[0]
        if number in (4, 5):
            return raw if number == 5 or raw < 1 << 63 else raw - (1 << 64)
        if number == 6:
            return (raw >> 1) ^ -(raw & 1)
        if number == 7:
            return bool(raw)
    return None


GEOM_TYPES = {1: "Point", 2: "LineString", 3: "Polygon"}


def decode_tile(data: bytes) -> dict:
    """``{layer name: {"extent", "features": [{"id", "type", "properties", "commands"}]}}``."""
    layers = {}
    for number, _wire, raw in _fields(data):
        if number != 3:
            continue
        name, keys, values, features, extent = None, [], [], [], 4096
        raw_features = []
        for n, _w, v in _fields(raw):
            if n == 1:
                name = v.decode()
            elif n == 2:
                raw_features.append(v)
            elif n == 3:
                keys.append(v.decode())
            elif n == 4:
                values.append(_value(v))
            elif n == 5:
                extent = v
        for raw_feature in raw_features:
            feature = {"id": None, "type": None, "properties": {}, "commands": 0}
            for n, _w, v in _fields(raw_feature):
                if n == 1:
                    feature["id"] = v
                elif n == 2:
                    tags = _packed(v)
                    feature["properties"] = {keys[k]: values[i] for k, i in zip(tags[::2], tags[1::2], strict=True)}
                elif n == 3:
                    feature["type"] = GEOM_TYPES.get(v)
                elif n == 4:
                    feature["commands"] = len(_packed(v))
            features.append(feature)
        layers[name] = {"extent": extent, "features": features}
    return layers
