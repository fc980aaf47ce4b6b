"""The chart builder (``datastore.charts``): parameters checked against the columns, aggregation by
DuckDB (bounded whatever the table's size), Vega-Lite specifications, the data-table alternative.

Runs on real data (Montréal's 2012 bike counts, read by DuckDB) and on generated tables."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from ouvert.datastore import charts, duck

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"


@pytest.fixture(scope="module")
def con():
    connection = duck.connect(threads=1)
    connection.execute(
        "CREATE TABLE bikes AS SELECT * FROM read_csv(?, encoding='latin-1', delim=';', dateformat='%d/%m/%Y', "
        "null_padding=true)", [str(BIKES)])
    connection.execute(
        "CREATE TABLE places AS SELECT i AS id, 'Arrondissement ' || (i % 700) AS \"Nom.arrondissement [officiel]\", "
        "45.40 + (i % 100) / 500 AS \"Latitude\", -73.90 + (i % 97) / 300 AS \"Longitude\", "
        "CASE WHEN i % 3 = 0 THEN 'parc' WHEN i % 3 = 1 THEN 'école' ELSE NULL END AS genre, "
        "(i * 1.25)::DOUBLE AS montant, DATE '2020-01-01' + (i % 1500)::INTEGER AS jour "
        "FROM range(200000) t(i)")
    yield connection
    connection.close()


def columns_of(con, table):
    kinds = {"BIGINT": "integer", "INTEGER": "integer", "DOUBLE": "number", "DATE": "date", "VARCHAR": "string",
             "TIMESTAMP": "datetime", "BOOLEAN": "boolean"}
    return [{"name": name, "type": kinds.get(kind, "string"), "duckdb_type": kind}
            for name, kind, *_rest in con.execute(f"DESCRIBE {table}").fetchall()]


def run(con, table, data, where="", where_params=()):
    columns = columns_of(con, table)
    params = charts.parse_params(data, columns)
    query = charts.chart_sql(params, columns, source=table, where=where, where_params=where_params)
    result = charts.chart_data(con, query, params, columns)
    spec = charts.build_spec(params, columns, result)
    json.dumps(spec)  # embeddable as it is
    return params, result, spec, columns


def test_chart_types_offer_a_map_only_with_latitude_and_longitude(con):
    assert "map" not in charts.chart_types(columns_of(con, "bikes"))
    assert charts.chart_types(columns_of(con, "places")) == ["bar", "line", "area", "scatter", "histogram", "map"]
    assert charts.lat_lon_columns(columns_of(con, "places")) == ("Latitude", "Longitude")
    # Text columns named latitude are not coordinates.
    assert charts.lat_lon_columns([{"name": "lat", "type": "string"}, {"name": "lon", "type": "number"}]) is None
    assert charts.lat_lon_columns([{"name": "LATITUDE", "type": "number"},
                                   {"name": "Longitude", "type": "number"}]) == ("LATITUDE", "Longitude")


def test_bad_parameters_get_french_messages_by_field(con):
    columns = columns_of(con, "bikes")
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "camembert"}, columns)
    assert "Type de graphique inconnu « camembert »" in error.value.message_dict["type"][0]
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "bar", "x": "Nope", "aggregate": "sum", "y": "Date"}, columns)
    assert error.value.message_dict["x"] == ["Colonne inconnue « Nope »."]
    assert error.value.message_dict["y"] == ["La colonne « Date » doit contenir des nombres."]
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "histogram", "x": "Berri 1", "bins": "1000"}, columns)
    assert "entre 2 et 100" in error.value.message_dict["bins"][0]
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "map"}, columns)
    assert "latitude" in error.value.message_dict["type"][0]
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "bar"}, columns)
    assert error.value.message_dict["x"] == ["Choisissez une colonne."]
    with pytest.raises(ValidationError) as error:
        charts.parse_params({"type": "bar", "x": "Date", "aggregate": "median"}, columns)
    assert "Agrégat inconnu" in error.value.message_dict["aggregate"][0]


def test_line_of_monthly_sums_on_the_real_bike_counts(con):
    params, result, spec, _columns = run(con, "bikes", {"type": "line", "x": "Date", "aggregate": "sum",
                                                        "y": "Berri 1", "time_unit": "month"})
    assert params.time_unit == "month"
    assert [v["x"] for v in result.values][:3] == ["2012-01-01", "2012-02-01", "2012-03-01"]
    expected = con.execute("SELECT sum(\"Berri 1\") FROM bikes WHERE month(\"Date\") = 1").fetchone()[0]
    assert result.values[0]["y"] == expected
    assert len(result.values) == 11  # January to November 2012 (the file stops on 5 November)
    assert not result.truncated
    assert spec["$schema"] == charts.VEGA_LITE_SCHEMA
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"] == {"field": "x", "type": "temporal", "title": "Date (mois)"}
    assert spec["encoding"]["y"]["title"] == "Somme (Berri 1)"
    assert spec["data"]["values"] == result.values
    assert spec["description"] == "Courbe : somme (Berri 1) selon « Date »."


def test_bar_counts_categories_with_odd_names_and_caps_them(con):
    params, result, spec, _columns = run(con, "places", {"type": "bar", "x": "Nom.arrondissement [officiel]"})
    # 700 categories: the 500 most frequent are drawn, and the chart says some were left out.
    assert len(result.values) == charts.MAX_GROUPS
    assert result.truncated
    # Fixed keys: the column's dots and brackets never reach a Vega-Lite field name.
    assert spec["encoding"]["x"]["field"] == "x"
    assert spec["encoding"]["x"]["title"] == "Nom.arrondissement [officiel]"
    assert spec["encoding"]["x"]["sort"] == "-y"
    counts = [v["y"] for v in result.values]
    assert counts == sorted(counts, reverse=True)


def test_filters_of_the_table_apply_and_colour_groups(con):
    _p, result, spec, _c = run(con, "places", {"type": "bar", "x": "genre", "aggregate": "mean", "y": "montant",
                                              "color": "genre"}, where='"id" < ?', where_params=[30])
    assert {(v["x"], v["c"]) for v in result.values} == {("parc", "parc"), ("école", "école")}
    parc = next(v for v in result.values if v["x"] == "parc")
    assert parc["y"] == pytest.approx(sum(i * 1.25 for i in range(0, 30, 3)) / 10)
    assert spec["encoding"]["color"] == {"field": "c", "type": "nominal", "title": "genre"}


def test_histogram_of_numbers_and_dates_is_binned_by_duckdb(con):
    _p, result, spec, _c = run(con, "bikes", {"type": "histogram", "x": "Berri 1", "bins": "10"})
    assert len(result.values) <= 10
    assert sum(v["y"] for v in result.values) == 310 == result.total
    low, high = con.execute('SELECT min("Berri 1"), max("Berri 1") FROM bikes').fetchone()
    assert result.values[0]["x0"] == low and result.values[-1]["x1"] == pytest.approx(high)
    assert spec["encoding"]["x"]["bin"] == {"binned": True} and spec["encoding"]["x2"] == {"field": "x1"}
    _p, dated, spec, _c = run(con, "bikes", {"type": "histogram", "x": "Date"})
    assert dated.values[0]["x0"].startswith("2012-01-01")
    assert spec["encoding"]["x"]["type"] == "temporal"
    table = charts.data_table(_p, _c, dated)
    assert table["headers"] == ["De (inclus)", "À", "Nombre de lignes"]
    assert sum(row[2] for row in table["rows"]) == 310


def test_scatter_and_map_send_a_bounded_repeatable_sample(con):
    params, result, spec, columns = run(con, "places", {"type": "scatter", "x": "id", "y": "montant"})
    assert len(result.values) == charts.MAX_POINTS and result.total == 200_000 and result.truncated
    again = charts.chart_data(con, charts.chart_sql(params, columns, source="places"), params, columns)
    assert again.values == result.values  # the same sample each time: a saved chart does not flicker
    _p, points, spec, _c = run(con, "places", {"type": "map", "color": "genre"}, where='"id" < ?',
                               where_params=[100])
    assert len(points.values) == 100 and not points.truncated
    assert spec["projection"] == {"type": "mercator"}
    assert spec["encoding"]["longitude"]["field"] == "x" and spec["encoding"]["latitude"]["field"] == "y"
    assert all(-74 < v["x"] < -73 and 45 < v["y"] < 46 for v in points.values)


def test_values_are_plain_json(con):
    _p, result, _s, _c = run(con, "places", {"type": "line", "x": "jour", "aggregate": "max", "y": "montant",
                                             "time_unit": "year"})
    assert result.values[0] == {"x": "2020-01-01", "y": max(i * 1.25 for i in range(200000)
                                                            if (datetime.date(2020, 1, 1)
                                                                + datetime.timedelta(days=i % 1500)).year == 2020)}


def test_data_table_is_the_same_figures(con):
    params, result, _spec, columns = run(con, "bikes", {"type": "bar", "x": "Date", "aggregate": "sum",
                                                        "y": "Rachel1", "time_unit": "month"})
    table = charts.data_table(params, columns, result)
    assert table["headers"] == ["Date", "Somme (Rachel1)"]
    assert table["rows"] == [[v["x"], v["y"]] for v in result.values]


def test_hostile_column_names_are_quoted(con):
    con.execute('CREATE OR REPLACE TABLE hostile AS SELECT 1 AS "a""; DROP TABLE bikes; --", 2 AS b')
    _p, result, _s, _c = run(con, "hostile", {"type": "bar", "x": 'a"; DROP TABLE bikes; --'})
    assert result.values == [{"x": 1, "y": 1}]
    assert con.execute("SELECT count(*) FROM bikes").fetchone()[0] == 310
