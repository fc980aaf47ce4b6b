"""Column profile on real files: exact figures checked against an independent reading."""

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from ouvert.datastore import profile as profile_module
from ouvert.datastore.ingest import to_parquet
from ouvert.datastore.profile import profile

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"
WEATHER = DATA / "montreal_weather_2012_hourly_envcanada.csv"
POWER = DATA / "statcan_18100204_electric_power_price_index.csv"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"


@pytest.fixture
def bikes(tmp_path):
    dest = tmp_path / "bikes.parquet"
    to_parquet(BIKES, dest)
    with open(BIKES, encoding="latin-1", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, data = rows[0], rows[1:]
    columns = {name: [row[position] if position < len(row) else "" for row in data]
               for position, name in enumerate(header)}
    return dest, columns


def by_name(profiles):
    return {item["name"]: item for item in profiles}


def test_bikes_profile(bikes):
    dest, raw = bikes
    profiles = profile(dest)
    assert [item["name"] for item in profiles] == list(raw)
    columns = by_name(profiles)

    date = columns["Date"]
    assert (date["type"], date["duckdb_type"]) == ("date", "DATE")
    assert (date["count"], date["nulls"], date["distinct"]) == (310, 0, 310)
    assert (date["min"], date["max"]) == ("2012-01-01", "2012-11-05")
    assert date["mean"] is None
    assert date["top"] == []  # every date once: no list
    assert date["histogram"]["edges"][0] == "2012-01-01" and date["histogram"]["edges"][-1] == "2012-11-05"
    assert sum(date["histogram"]["counts"]) == 310

    empty = columns["Brébeuf (données non disponibles)"]
    assert (empty["nulls"], empty["distinct"], empty["min"], empty["max"]) == (310, 0, None, None)
    assert empty["top"] == [] and empty["histogram"] is None

    for name in ("Berri 1", "Côte-Sainte-Catherine", "Pierre-Dupuy", "Rachel1"):
        values = [int(value) for value in raw[name]]
        item = columns[name]
        assert item["type"] == "integer"
        assert item["nulls"] == 0
        assert item["distinct"] == len(set(values))
        assert (item["min"], item["max"]) == (min(values), max(values))
        assert item["mean"] == pytest.approx(sum(values) / len(values))
        assert sum(item["histogram"]["counts"]) == len(values)
        assert len(item["histogram"]["edges"]) == len(item["histogram"]["counts"]) + 1 == 21

    # Top values, checked against Python's own count (ties ordered by value).
    item = columns["Côte-Sainte-Catherine"]
    counted = Counter(int(value) for value in raw["Côte-Sainte-Catherine"])
    expected = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))[:10]
    assert [(entry["value"], entry["count"]) for entry in item["top"]] == expected
    assert item["top"][0]["value"] == 0  # the winter days: no bike on Côte-Sainte-Catherine

    # Histogram bins hold what they say.
    item = columns["Berri 1"]
    edges, counts = item["histogram"]["edges"], item["histogram"]["counts"]
    values = [int(value) for value in raw["Berri 1"]]
    assert counts[0] == sum(1 for value in values if edges[0] <= value < edges[1])
    assert counts[-1] == sum(1 for value in values if edges[-2] <= value <= edges[-1])

    json.dumps(profiles)  # JSON-serialisable as is


def test_suppressed_values_and_top_text(tmp_path):
    dest = tmp_path / "power.parquet"
    to_parquet(POWER, dest)
    columns = by_name(profile(dest, top=3))
    value = columns["VALUE"]
    assert value["type"] == "number"
    assert (value["count"], value["nulls"]) == (11804, 32)
    status = columns["STATUS"]
    assert status["nulls"] == 11804 - 32
    assert status["top"] == [{"value": "x", "count": 32}]
    geo = columns["GEO"]
    with open(POWER, encoding="utf-8-sig", newline="") as handle:
        counted = Counter(row["GEO"] for row in csv.DictReader(handle))
    assert [(entry["value"], entry["count"]) for entry in geo["top"]] == \
        sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))[:3]
    assert geo["distinct"] == len(counted)
    assert columns["SCALAR_FACTOR"]["top"] == [{"value": "units ", "count": 11804}]


def test_timestamps_and_text(tmp_path):
    dest = tmp_path / "weather.parquet"
    to_parquet(WEATHER, dest)
    columns = by_name(profile(dest))
    stamp = columns["Date/Time"]
    assert stamp["type"] == "datetime"
    assert (stamp["min"], stamp["max"]) == ("2012-01-01T00:00:00", "2012-12-31T23:00:00")
    assert stamp["histogram"]["edges"][0] == "2012-01-01T00:00:00"
    assert sum(stamp["histogram"]["counts"]) == 8784
    weather = columns["Weather"]
    assert weather["histogram"] is None and weather["mean"] is None
    assert weather["top"][0]["value"] == "Mainly Clear"
    temperature = columns["Temp (C)"]
    assert (temperature["min"], temperature["max"]) == (-23.3, 33.0)


def test_edge_cases(tmp_path):
    source = tmp_path / "edge.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * FROM (VALUES
        (1, 'inf'::DOUBLE, 5, true, DATE '2020-01-01', NULL::VARCHAR),
        (2, 1.5, 5, NULL, DATE '2020-01-01', NULL),
        (3, 'nan'::DOUBLE, 5, false, NULL, NULL)) t(id, mesure, constante, drapeau, jour, vide))
        TO '{source}' (FORMAT parquet)""")
    columns = by_name(profile(source))
    assert (columns["mesure"]["min"], columns["mesure"]["max"]) == (1.5, 1.5)  # inf and NaN left out
    constant = columns["constante"]
    assert constant["histogram"] == {"edges": [5, 6], "counts": [3]}
    assert constant["top"] == [{"value": 5, "count": 3}]
    assert columns["drapeau"]["top"] == [{"value": False, "count": 1}, {"value": True, "count": 1}]
    assert columns["jour"]["histogram"] == {"edges": ["2020-01-01", "2020-01-02"], "counts": [2]}
    assert columns["vide"]["nulls"] == 3 and columns["vide"]["top"] == []
    json.dumps(list(columns.values()))


def test_empty_table(tmp_path):
    source = tmp_path / "entete.csv"
    source.write_text("a,b\n")
    dest = tmp_path / "e.parquet"
    to_parquet(source, dest)
    assert [(item["name"], item["count"], item["nulls"], item["top"], item["histogram"])
            for item in profile(dest)] == [("a", 0, 0, [], None), ("b", 0, 0, [], None)]


def test_large_tables_use_an_approximate_distinct_count(tmp_path, monkeypatch):
    source = tmp_path / "big.parquet"
    duckdb.connect().execute(f"COPY (SELECT range AS n, range % 7 AS k, DATE '2020-01-01' + (range % 300)::INTEGER "
                             f"AS jour FROM range(20000)) TO '{source}' (FORMAT parquet)")
    monkeypatch.setattr(profile_module, "EXACT_DISTINCT_ROWS", 1000)
    columns = by_name(profile(source, top=3, bins=10))
    assert all(item["distinct_approximate"] for item in columns.values())
    assert columns["k"]["distinct"] == 7
    assert abs(columns["n"]["distinct"] - 20000) < 20000 * 0.15
    assert columns["n"]["top"] == []
    assert [entry["count"] for entry in columns["k"]["top"]] == [2858, 2857, 2857]
    assert len(columns["jour"]["histogram"]["counts"]) == 10
    assert columns["jour"]["histogram"]["edges"][-1] == (dt.date(2020, 1, 1) + dt.timedelta(days=299)).isoformat()


def test_uses_a_given_connection(tmp_path, bikes):
    dest, _raw = bikes
    con = duckdb.connect()
    assert len(profile(dest, con=con)) == 10
    assert con.execute("SELECT 1").fetchone() == (1,)  # still open
