"""Rebuild ``quebec.geojson`` (the offline base map) from the corpus's real boundaries.

Usage: ``.venv/bin/python src/ouvert/geo/basemap/build_basemap.py [corpus/geo folder]``
(default ``/work/shared/corpus/geo``). Simplified with DuckDB's spatial extension
(``ST_SimplifyPreserveTopology``), coordinates rounded to 4 decimals (about 10 m), small islands
dropped. See ``SOURCES.md`` for the sources and their licences.
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (kind, file, simplification tolerance in degrees, smallest polygon kept in square degrees)
SOURCES = (("province", "canada_provinces.geojson", 0.04, 0.3),
           ("region", "quebec_regions_administratives.geojson", 0.01, 0.002))


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [_round(part) for part in coords]


def _area(ring) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))) / 2


def build(folder: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    django.setup()
    from ouvert.datastore import duck

    con = duck.connect(spatial=True)
    features = []
    for kind, name, tolerance, smallest in SOURCES:
        path = str(folder / name).replace("'", "''")
        rows = con.execute(f"""
            SELECT name, ST_AsGeoJSON(ST_MakeValid(ST_SimplifyPreserveTopology(ST_MakeValid(geom), {tolerance})))
            FROM ST_Read('{path}') ORDER BY name""").fetchall()
        for label, text in rows:
            geometry = json.loads(text)
            geometry["coordinates"] = _round(geometry["coordinates"])
            if geometry["type"] == "MultiPolygon":
                kept = [part for part in geometry["coordinates"] if _area(part[0]) >= smallest]
                geometry["coordinates"] = kept or geometry["coordinates"][:1]
            features.append({"type": "Feature", "properties": {"kind": kind, "name": label}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/corpus/geo")
    text = json.dumps(build(source), separators=(",", ":"), ensure_ascii=False)
    (HERE / "quebec.geojson").write_text(text, encoding="utf-8")
    print(f"quebec.geojson: {len(text)} characters")
