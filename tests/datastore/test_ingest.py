"""Ingestion: detection and conversion to Parquet, on real files and generated hostile ones."""

import csv
import datetime as dt
import json
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pytest
from openpyxl import Workbook

from ouvert.datastore import ingest
from ouvert.datastore.ingest import IngestError, detect, to_parquet

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"
WEATHER = DATA / "montreal_weather_2012_hourly_envcanada.csv"
POWER = DATA / "statcan_18100204_electric_power_price_index.csv"
RAILWAY = DATA / "statcan_23100216_railway_carloadings_TRUNCATED_50000lines.csv"
COUNTRIES = DATA / "country-codes.csv"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"


def rows_of(path, sql="SELECT * FROM t"):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
    return con.execute(sql).fetchall()


def types_of(result):
    return {column["name"]: column["duckdb_type"] for column in result.columns}


def codes(result):
    return [warning["code"] for warning in result.warnings]


# --- real files -------------------------------------------------------------------------------------------

def test_bikes_detection():
    info = detect(BIKES)
    assert info.format == "csv"
    assert info.encoding == "latin-1"
    assert info.delimiter == ";"
    assert info.newline == "\r\n"
    assert info.has_header and info.skip_lines == 0
    assert info.header[2] == "Brébeuf (données non disponibles)"
    assert info.fields[0] == {"label": "Date", "type": "DATE", "format": "%d/%m/%Y"}
    assert info.ragged_rows == 295
    assert info.sample_complete
    assert json.loads(json.dumps(info.as_dict()))["encoding"] == "latin-1"


def test_bikes_to_parquet(tmp_path):
    dest = tmp_path / "bikes.parquet"
    result = to_parquet(BIKES, dest)
    assert dest.is_file() and result.path == str(dest)
    assert result.rows == 310
    names = [column["name"] for column in result.columns]
    assert names == ["Date", "Berri 1", "Brébeuf (données non disponibles)", "Côte-Sainte-Catherine",
                     "Maisonneuve 1", "Maisonneuve 2", "du Parc", "Pierre-Dupuy", "Rachel1",
                     "St-Urbain (données non disponibles)"]
    types = {column["name"]: (column["type"], column["duckdb_type"]) for column in result.columns}
    assert types["Date"] == ("date", "DATE")
    assert types["Berri 1"] == ("integer", "BIGINT")
    assert types["Rachel1"] == ("integer", "BIGINT")
    assert types["Brébeuf (données non disponibles)"] == ("string", "VARCHAR")
    first, last = rows_of(dest, 'SELECT min("Date"), max("Date") FROM t')[0]
    assert first == dt.date(2012, 1, 1) and last == dt.date(2012, 11, 5)
    assert rows_of(dest, 'SELECT "Date", "Berri 1", "Côte-Sainte-Catherine", "Rachel1" FROM t LIMIT 1')[0] == \
        (dt.date(2012, 1, 1), 35, 0, 16)
    # Same numbers as an independent reading of the file.
    with open(BIKES, encoding="latin-1", newline="") as handle:
        raw = list(csv.reader(handle, delimiter=";"))[1:]
    assert rows_of(dest, 'SELECT sum("Berri 1") FROM t')[0][0] == sum(int(row[1]) for row in raw)
    assert result.ragged["rows"] == 295 == sum(1 for row in raw if len(row) == 9)
    assert result.ragged["examples"][:3] == [17, 18, 19]  # line numbers: the header is line 1
    assert "ragged-rows" in codes(result)
    assert result.info["encoding"] == "latin-1"


def test_bikes_ragged_rows_counted_over_the_whole_file_when_the_sample_is_short(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "SAMPLE_BYTES", 700)
    result = to_parquet(BIKES, tmp_path / "bikes.parquet")
    assert result.info["sample_complete"] is False
    assert result.rows == 310
    assert result.ragged["rows"] == 295
    assert result.ragged["examples"][:3] == [17, 18, 19]


def test_weather_utf8_timestamps(tmp_path):
    result = to_parquet(WEATHER, tmp_path / "weather.parquet")
    assert result.info["encoding"] == "utf-8"
    assert result.rows == 8784
    assert types_of(result) == {"Date/Time": "TIMESTAMP", "Temp (C)": "DOUBLE", "Dew Point Temp (C)": "DOUBLE",
                                "Rel Hum (%)": "BIGINT", "Wind Spd (km/h)": "BIGINT", "Visibility (km)": "DOUBLE",
                                "Stn Press (kPa)": "DOUBLE", "Weather": "VARCHAR"}
    assert rows_of(tmp_path / "weather.parquet", 'SELECT min("Temp (C)"), max("Temp (C)"), '
                                                 'min("Date/Time") FROM t')[0] == \
        (-23.3, 33.0, dt.datetime(2012, 1, 1, 0, 0))
    assert result.warnings == []


def test_statcan_bom_quoted_suppressed_values_stay_numeric(tmp_path):
    info = detect(POWER)
    assert info.encoding == "utf-8-sig"
    assert info.header[0] == "REF_DATE"  # no BOM in the name
    dest = tmp_path / "power.parquet"
    result = to_parquet(POWER, dest, info=info)
    assert result.rows == 11804
    assert types_of(result)["VALUE"] == "DOUBLE"
    assert result.columns[0]["name"] == "REF_DATE"
    total, values, suppressed, suppressed_values = rows_of(
        dest, "SELECT count(*), count(VALUE), count(*) FILTER (STATUS = 'x'), "
              "count(VALUE) FILTER (STATUS = 'x') FROM t")[0]
    assert (total, values, suppressed, suppressed_values) == (11804, 11772, 32, 0)
    assert rows_of(dest, "SELECT DISTINCT SCALAR_FACTOR FROM t") == [("units ",)]  # trailing space kept


def test_statcan_railway_large_file_sample_is_partial(tmp_path):
    info = detect(RAILWAY)
    assert info.sample_complete is False
    dest = tmp_path / "railway.parquet"
    result = to_parquet(RAILWAY, dest, info=info)
    assert result.rows == 49999
    assert len(result.columns) == 16
    assert types_of(result)["VALUE"] == "BIGINT"
    assert types_of(result)["REF_DATE"] == "VARCHAR"  # "1999-01" is a month, not a date
    assert result.ragged == {"rows": 0, "examples": []}


def test_country_codes_multilingual(tmp_path):
    dest = tmp_path / "countries.parquet"
    result = to_parquet(COUNTRIES, dest)
    assert result.rows == 253
    assert len(result.columns) == 56
    names = [column["name"] for column in result.columns]
    assert "official_name_fr" in names and "UNTERM Russian Formal" in names
    assert types_of(result)["ISO3166-1-numeric"] == "BIGINT"
    with open(COUNTRIES, encoding="utf-8", newline="") as handle:
        expected = {row["ISO3166-1-Alpha-2"]: row["official_name_fr"] for row in csv.DictReader(handle)}
    found = dict(rows_of(dest, 'SELECT "ISO3166-1-Alpha-2", official_name_fr FROM t'))
    assert found["CI"] == expected["CI"] == "Côte d’Ivoire"
    assert {key: value or "" for key, value in found.items() if key} == \
        {key: value for key, value in expected.items() if key}


# --- encodings, delimiters, numbers and dates -------------------------------------------------------------

def test_windows_1252_with_curly_apostrophe_and_euro(tmp_path):
    source = tmp_path / "prix.csv"
    source.write_bytes("nom;prix;note\nL’été;12,50 €;« bien »\nŒuvre;3,5;—\n".encode("cp1252"))
    info = detect(source)
    assert info.encoding == "windows-1252"
    result = to_parquet(source, tmp_path / "prix.parquet", info=info)
    assert rows_of(tmp_path / "prix.parquet") == [("L’été", "12,50 €", "« bien »"), ("Œuvre", "3,5", "—")]
    assert result.info["encoding"] == "windows-1252"


def test_latin1_file_with_windows_1252_bytes_after_the_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "SAMPLE_BYTES", 4096)
    source = tmp_path / "late.csv"
    body = "ville;n\n" + "".join(f"Montréal;{n}\n" for n in range(2000)) + "L’Assomption;7\n"
    source.write_bytes(body.encode("cp1252"))
    assert detect(source).encoding == "latin-1"  # the sample has no byte 0x80–0x9F
    result = to_parquet(source, tmp_path / "late.parquet")
    assert result.rows == 2001
    assert rows_of(tmp_path / "late.parquet", "SELECT ville, n FROM t OFFSET 2000") == [("L’Assomption", 7)]
    assert rows_of(tmp_path / "late.parquet", "SELECT DISTINCT ville FROM t ORDER BY 1") == \
        [("L’Assomption",), ("Montréal",)]


def test_utf8_file_with_stray_windows_1252_bytes_after_the_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "SAMPLE_BYTES", 4096)
    source = tmp_path / "mixed.csv"
    head = ("ville;n\n" + "".join(f"Québec;{n}\n" for n in range(2000))).encode("utf-8")
    source.write_bytes(head + "Lévis €;1\n".encode("cp1252"))
    assert detect(source).encoding == "utf-8"
    result = to_parquet(source, tmp_path / "mixed.parquet")
    assert "encoding-fallback" in codes(result)
    assert rows_of(tmp_path / "mixed.parquet", "SELECT DISTINCT ville FROM t ORDER BY 1") == \
        [("Lévis €",), ("Québec",)]


def test_utf16_with_bom(tmp_path):
    source = tmp_path / "u16.csv"
    source.write_text("nom;âge\nÉlise;31\nNoé;4\n", encoding="utf-16")
    assert detect(source).encoding == "utf-16"
    result = to_parquet(source, tmp_path / "u16.parquet")
    assert types_of(result) == {"nom": "VARCHAR", "âge": "BIGINT"}
    assert rows_of(tmp_path / "u16.parquet") == [("Élise", 31), ("Noé", 4)]


def test_decimal_commas(tmp_path):
    source = tmp_path / "mesures.csv"
    source.write_text("station;température;pluie;pression\nA;-12,5;0;101.2\nB;3,25;1,5;99.8\nC;;2;100\n",
                      encoding="utf-8")
    info = detect(source)
    assert info.delimiter == ";" and info.decimal_separator == ","
    result = to_parquet(source, tmp_path / "mesures.parquet", info=info)
    assert types_of(result) == {"station": "VARCHAR", "température": "DOUBLE", "pluie": "DOUBLE",
                                "pression": "DOUBLE"}
    assert rows_of(tmp_path / "mesures.parquet") == [("A", -12.5, 0.0, 101.2), ("B", 3.25, 1.5, 99.8),
                                                     ("C", None, 2.0, 100.0)]


@pytest.mark.parametrize(("delimiter", "name", "form"), [("|", "pipe.csv", "csv"), ("\t", "tab.tsv", "tsv"),
                                                         ("\t", "tab.txt", "tsv"), (",", "comma.csv", "csv")])
def test_delimiters(tmp_path, delimiter, name, form):
    source = tmp_path / name
    rows = [["code", "nom", "texte"], ["1", "Île d'Orléans", "a;b,c|d"], ["2", "Gaspé", "x"]]
    with open(source, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    info = detect(source)
    assert info.delimiter == delimiter and info.format == form
    to_parquet(source, tmp_path / "out.parquet", info=info)
    assert rows_of(tmp_path / "out.parquet") == [(1, "Île d'Orléans", "a;b,c|d"), (2, "Gaspé", "x")]


def test_quoted_values_with_newlines_and_delimiters(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text('id,texte,n\n1,"ligne un\nligne deux, avec virgule",3\n2,"dit ""bonjour""",5\n')
    to_parquet(source, tmp_path / "q.parquet")
    assert rows_of(tmp_path / "q.parquet") == [(1, "ligne un\nligne deux, avec virgule", 3),
                                                (2, 'dit "bonjour"', 5)]


def test_date_forms(tmp_path):
    source = tmp_path / "dates.csv"
    source.write_text("iso;jma;amj;mja;longue;horodatage\n"
                      "2012-01-03;03/01/2012;2012/01/03;01/03/2012;3 janvier 2012;2012-01-03 10:30:00\n"
                      "2012-12-25;25/12/2012;2012/12/25;12/25/2012;1er mars 2013;2012-12-25T08:00:00\n"
                      "2013-08-15;15/08/2013;2013/08/15;08/15/2013;15 août 2013;2013-08-15 00:00\n",
                      encoding="utf-8")
    info = detect(source)
    assert info.date_formats == {"jma": "%d/%m/%Y", "amj": "%Y/%m/%d", "mja": "%m/%d/%Y", "longue": "fr-long"}
    result = to_parquet(source, tmp_path / "dates.parquet", info=info)
    assert set(types_of(result).values()) == {"DATE", "TIMESTAMP"}
    assert types_of(result)["horodatage"] == "TIMESTAMP"
    rows = rows_of(tmp_path / "dates.parquet", "SELECT iso, jma, amj, mja FROM t")
    assert all(len(set(row)) == 1 for row in rows)
    assert rows_of(tmp_path / "dates.parquet", "SELECT longue FROM t") == \
        [(dt.date(2012, 1, 3),), (dt.date(2013, 3, 1),), (dt.date(2013, 8, 15),)]
    assert result.warnings == []


def test_french_long_date_column_with_an_unreadable_value_stays_text(tmp_path):
    source = tmp_path / "fr.csv"
    source.write_text("quand,n\n3 janvier 2012,1\n31 février 2012,2\n", encoding="utf-8")
    result = to_parquet(source, tmp_path / "fr.parquet")
    assert types_of(result)["quand"] == "VARCHAR"
    assert rows_of(tmp_path / "fr.parquet") == [("3 janvier 2012", 1), ("31 février 2012", 2)]
    warning = next(w for w in result.warnings if w["code"] == "type-fallback")
    assert warning["field"] == "quand" and warning["value"] == "31 février 2012"
    assert "reste du texte" in warning["message"]


def test_late_value_that_does_not_cast_keeps_the_column_as_text(tmp_path):
    source = tmp_path / "late.csv"
    lines = ["id,mesure,jour"] + [f"{n},{n}.5,2020-01-{n % 28 + 1:02d}" for n in range(40000)] + \
        ["n/d,beaucoup,hier"]
    source.write_text("\n".join(lines) + "\n")
    info = detect(source)
    assert [field["type"] for field in info.fields] == ["BIGINT", "DOUBLE", "DATE"]
    result = to_parquet(source, tmp_path / "late.parquet", info=info)
    assert result.rows == 40001
    assert types_of(result) == {"id": "VARCHAR", "mesure": "VARCHAR", "jour": "VARCHAR"}
    fallbacks = {w["field"]: w for w in result.warnings if w["code"] == "type-fallback"}
    assert set(fallbacks) == {"id", "mesure", "jour"}
    assert fallbacks["id"]["line"] == 40002 and fallbacks["id"]["value"] == "n/d"
    # No value lost or changed.
    assert rows_of(tmp_path / "late.parquet", "SELECT * FROM t OFFSET 39999") == \
        [("39999", "39999.5", "2020-01-16"), ("n/d", "beaucoup", "hier")]


def test_codes_with_leading_zeros_and_long_numbers_stay_text(tmp_path):
    source = tmp_path / "codes.csv"
    source.write_text("code,siren,n\n007,123456789012345678901,1\n012,98765432109876543210,2\n")
    result = to_parquet(source, tmp_path / "codes.parquet")
    assert types_of(result) == {"code": "VARCHAR", "siren": "VARCHAR", "n": "BIGINT"}
    assert rows_of(tmp_path / "codes.parquet", "SELECT code, siren FROM t") == \
        [("007", "123456789012345678901"), ("012", "98765432109876543210")]


def test_booleans(tmp_path):
    source = tmp_path / "b.csv"
    source.write_text("actif,nom\ntrue,a\nFALSE,b\n,c\n")
    result = to_parquet(source, tmp_path / "b.parquet")
    assert result.columns[0] == {"name": "actif", "type": "boolean", "duckdb_type": "BOOLEAN"}
    assert rows_of(tmp_path / "b.parquet", "SELECT actif FROM t") == [(True,), (False,), (None,)]


# --- header, names, ragged rows ---------------------------------------------------------------------------

def test_title_lines_before_the_header_are_skipped(tmp_path):
    source = tmp_path / "titre.csv"
    source.write_text("Tableau 3 : population des villes\n\nville;population;région\n"
                      "Québec;549459;Capitale-Nationale\nLévis;149683;Chaudière-Appalaches\n")
    info = detect(source)
    assert info.skip_lines == 2 and info.header == ["ville", "population", "région"]
    result = to_parquet(source, tmp_path / "t.parquet", info=info)
    assert result.rows == 2
    assert rows_of(tmp_path / "t.parquet")[0] == ("Québec", 549459, "Capitale-Nationale")


def test_file_without_header(tmp_path):
    source = tmp_path / "nohdr.csv"
    source.write_text("1,2.5,2020-01-01\n2,3.5,2020-01-02\n")
    info = detect(source)
    assert info.has_header is False
    result = to_parquet(source, tmp_path / "n.parquet", info=info)
    assert [column["name"] for column in result.columns] == ["column_1", "column_2", "column_3"]
    assert result.rows == 2


def test_blank_and_duplicate_names(tmp_path):
    source = tmp_path / "noms.csv"
    source.write_text(" Nom ,,nom,NOM, Ville\na,b,c,d,e\n")
    result = to_parquet(source, tmp_path / "noms.parquet")
    assert [column["name"] for column in result.columns] == ["Nom", "column_2", "nom_2", "NOM_3", "Ville"]
    assert codes(result).count("duplicate-label") == 2 and codes(result).count("blank-label") == 1
    assert rows_of(tmp_path / "noms.parquet") == [("a", "b", "c", "d", "e")]


def test_names_normalisation():
    names, warnings = ingest.normalize_names(["a", "", "A", None, "column_2", "  x  y "])
    assert names == ["a", "column_2", "A_2", "column_4", "column_2_2", "x y"]
    assert [warning["code"] for warning in warnings] == ["blank-label", "duplicate-label", "blank-label",
                                                         "duplicate-label"]


def test_rows_longer_than_the_header_after_the_sample_get_extra_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "SAMPLE_BYTES", 4096)
    source = tmp_path / "wide.csv"
    source.write_text("a,b\n" + "".join(f"{n},{n}\n" for n in range(3000)) + "1,2,3,4\n5\n")
    result = to_parquet(source, tmp_path / "wide.parquet")
    assert [column["name"] for column in result.columns] == ["a", "b", "column_3", "column_4"]
    assert result.rows == 3002
    assert result.ragged == {"rows": 2, "examples": [3002, 3003]}
    assert rows_of(tmp_path / "wide.parquet", "SELECT * FROM t OFFSET 3000") == [(1, 2, "3", "4"), (5, None, None, None)]


def test_header_only_gives_an_empty_table_with_its_columns(tmp_path):
    source = tmp_path / "entete.csv"
    source.write_text("nom;âge;ville\r\n")
    result = to_parquet(source, tmp_path / "e.parquet")
    assert result.rows == 0
    assert result.columns == [{"name": "nom", "type": "string", "duckdb_type": "VARCHAR"},
                              {"name": "âge", "type": "string", "duckdb_type": "VARCHAR"},
                              {"name": "ville", "type": "string", "duckdb_type": "VARCHAR"}]
    assert rows_of(tmp_path / "e.parquet") == []


def test_malformed_quotes_are_read_leniently_with_a_warning(tmp_path):
    source = tmp_path / "mq.csv"
    source.write_text('a,b\n1,"x"y"\n2,"ok"\n')
    result = to_parquet(source, tmp_path / "mq.parquet")
    assert "malformed-quotes" in codes(result)
    text = " ".join(str(value) for row in rows_of(tmp_path / "mq.parquet") for value in row)
    assert "x" in text and "ok" in text  # nothing dropped


# --- hostile files ----------------------------------------------------------------------------------------

def test_binary_file_named_csv(tmp_path):
    source = tmp_path / "donnees.csv"
    source.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError) as caught:
        detect(source)
    assert caught.value.code == "binary-file"
    assert "binaires" in caught.value.message and "donnees.csv" in caught.value.message
    with pytest.raises(IngestError):
        to_parquet(source, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_control_characters_without_nul_are_binary(tmp_path):
    source = tmp_path / "ctrl.csv"
    source.write_bytes(bytes(b % 31 + 1 for b in range(5000)))
    with pytest.raises(IngestError) as caught:
        detect(source)
    assert caught.value.code in {"binary-file", "encoding"}


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    source = tmp_path / "vide.csv"
    source.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "x.parquet")
    assert caught.value.code == "empty-file"
    assert caught.value.message.startswith("Le fichier est vide")


def test_ten_thousand_columns_is_refused(tmp_path):
    source = tmp_path / "large.csv"
    source.write_text(",".join(f"c{n}" for n in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n")
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "x.parquet")
    assert caught.value.code == "too-many-columns"
    assert caught.value.message == "Le tableau compte 10000 colonnes ; la limite est de 1000."
    assert caught.value.details == {"columns": 10_000, "limit": 1000}
    assert not (tmp_path / "x.parquet").exists()


def test_column_limit_setting(tmp_path, settings):
    settings.OUVERT_DATASTORE_MAX_COLUMNS = 5
    with pytest.raises(IngestError, match="la limite est de 5"):
        to_parquet(BIKES, tmp_path / "x.parquet")
    assert to_parquet(BIKES, tmp_path / "x.parquet", max_columns=10).rows == 310


def test_size_limit(tmp_path, settings):
    settings.OUVERT_DATASTORE_MAX_BYTES = 10_000
    with pytest.raises(IngestError) as caught:
        to_parquet(BIKES, tmp_path / "x.parquet")
    assert caught.value.code == "too-large"
    assert "la limite est de 9,8 Ko" in caught.value.message
    assert to_parquet(BIKES, tmp_path / "x.parquet", max_bytes=20_000).rows == 310


def test_legacy_xls_and_compressed_files_are_refused_clearly(tmp_path):
    xls = tmp_path / "vieux.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError, match="XLS"):
        detect(xls)
    gz = tmp_path / "donnees.csv.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 100)
    with pytest.raises(IngestError, match="compressé"):
        detect(gz)


def test_failed_ingestion_keeps_the_previous_file_and_leaves_no_temporary_file(tmp_path):
    dest = tmp_path / "out" / "resource.parquet"
    to_parquet(BIKES, dest)
    before = dest.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(IngestError):
        to_parquet(bad, dest)
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(_xlsx_bytes(tmp_path)[:900])
    with pytest.raises(IngestError):
        to_parquet(truncated, dest)
    assert dest.read_bytes() == before
    assert sorted(path.name for path in dest.parent.iterdir()) == ["resource.parquet"]


def test_success_replaces_the_previous_file(tmp_path):
    dest = tmp_path / "resource.parquet"
    to_parquet(BIKES, dest)
    to_parquet(WEATHER, dest)
    assert rows_of(dest, "SELECT count(*) FROM t")[0][0] == 8784
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == ["resource.parquet"]


def test_progress_is_reported_up_to_the_total(tmp_path):
    calls = []
    to_parquet(RAILWAY, tmp_path / "r.parquet", progress=lambda done, total: calls.append((done, total)))
    size = RAILWAY.stat().st_size
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert all(total == size for _done, total in calls)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_progress_during_transcoding(tmp_path):
    source = tmp_path / "cp.csv"
    source.write_bytes(("nom;n\n" + "".join(f"L’été {n};{n}\n" for n in range(50_000))).encode("cp1252"))
    calls = []
    result = to_parquet(source, tmp_path / "cp.parquet", progress=lambda done, total: calls.append(done))
    assert result.rows == 50_000
    assert len(calls) >= 3 and calls[-1] == source.stat().st_size


# --- spreadsheets -----------------------------------------------------------------------------------------

def _xlsx_bytes(tmp_path):
    path = tmp_path / "modele.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Données"
    sheet.append(["Rapport annuel"])
    sheet.append([])
    sheet.append(["Nom", "Âge", "Né le", "Score", None, "Nom", "Actif", "Rendez-vous"])
    sheet.append(["Élise", 31, dt.datetime(1990, 1, 3), 12.5, None, "x", True, dt.datetime(2024, 5, 1, 9, 30)])
    sheet.append(["Noé", None, dt.datetime(1991, 2, 4), 3, None, "y", False, dt.datetime(2024, 5, 2)])
    sheet.append(["Zoé", 7, None, None, None, None, None, None])
    sheet.append([None] * 8)
    workbook.save(path)
    return path.read_bytes()


def test_xlsx(tmp_path):
    source = tmp_path / "classeur.xlsx"
    source.write_bytes(_xlsx_bytes(tmp_path))
    info = detect(source, filename="classeur.xlsx")
    assert info.format == "xlsx" and info.sheet == "Données"
    result = to_parquet(source, tmp_path / "x.parquet", info=info)
    assert result.rows == 3
    assert [(c["name"], c["duckdb_type"]) for c in result.columns] == [
        ("Nom", "VARCHAR"), ("Âge", "BIGINT"), ("Né le", "DATE"), ("Score", "DOUBLE"), ("column_5", "VARCHAR"),
        ("Nom_2", "VARCHAR"), ("Actif", "BOOLEAN"), ("Rendez-vous", "TIMESTAMP")]
    assert rows_of(tmp_path / "x.parquet")[0] == \
        ("Élise", 31, dt.date(1990, 1, 3), 12.5, None, "x", True, dt.datetime(2024, 5, 1, 9, 30))
    assert result.info["skip_lines"] == 1  # the title row; the empty row is not counted
    assert {"blank-label", "duplicate-label"} <= set(codes(result))


def test_xlsx_detected_by_content_whatever_its_name(tmp_path):
    source = tmp_path / "upload.bin"
    source.write_bytes(_xlsx_bytes(tmp_path))
    assert detect(source).format == "xlsx"


def test_truncated_xlsx(tmp_path):
    data = _xlsx_bytes(tmp_path)
    for cut in (len(data) // 2, len(data) - 30, 200):
        source = tmp_path / "tronque.xlsx"
        source.write_bytes(data[:cut])
        with pytest.raises(IngestError) as caught:
            to_parquet(source, tmp_path / "x.parquet")
        assert caught.value.code == "corrupt-file"
        assert "tronqué ou endommagé" in caught.value.message
    assert not (tmp_path / "x.parquet").exists()


def test_xlsx_with_too_many_columns(tmp_path):
    source = tmp_path / "large.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("f")
    sheet.append([f"c{n}" for n in range(30)])
    sheet.append(list(range(30)))
    workbook.save(source)
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "x.parquet", max_columns=20)
    assert caught.value.code == "too-many-columns"


def make_ods(path, rows, sheet="Feuille1"):
    """A minimal OpenDocument spreadsheet, written by hand (no library)."""
    def cell(value):
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, bool):
            return (f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        if isinstance(value, int | float):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        if isinstance(value, dt.date):
            return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)


def test_ods(tmp_path):
    source = tmp_path / "classeur.ods"
    make_ods(source, [["Nom", "Âge", "Date", "Prix", "Nom"],
                      ["Élise", 31, dt.date(2012, 1, 3), 12.5, "a"],
                      ["Noé", None, dt.date(2013, 2, 4), 3, "b"]])
    info = detect(source)
    assert info.format == "ods"
    result = to_parquet(source, tmp_path / "o.parquet", info=info)
    assert result.rows == 2
    assert [(c["name"], c["type"]) for c in result.columns] == [
        ("Nom", "string"), ("Âge", "integer"), ("Date", "date"), ("Prix", "number"), ("Nom_2", "string")]
    assert rows_of(tmp_path / "o.parquet") == [("Élise", 31, dt.date(2012, 1, 3), 12.5, "a"),
                                                ("Noé", None, dt.date(2013, 2, 4), 3.0, "b")]
    assert result.info["sheet"] == "Feuille1"


def test_truncated_ods(tmp_path):
    source = tmp_path / "classeur.ods"
    make_ods(source, [["a"], [1]])
    source.write_bytes(source.read_bytes()[:-40])
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "o.parquet")
    assert caught.value.code == "corrupt-file" and "ODS" in caught.value.message


# --- JSON and Parquet -------------------------------------------------------------------------------------

def test_json_array_of_records(tmp_path):
    source = tmp_path / "d.json"
    source.write_text(json.dumps([{"id": 1, "nom": "Élise", "jour": "2020-01-03", "détails": {"x": 1}},
                                  {"id": 2, "nom": None, "jour": "2021-02-04", "détails": {"x": 2}}],
                                 ensure_ascii=False), encoding="utf-8")
    assert detect(source).format == "json"
    result = to_parquet(source, tmp_path / "j.parquet")
    assert [(c["name"], c["duckdb_type"]) for c in result.columns] == [
        ("id", "BIGINT"), ("nom", "VARCHAR"), ("jour", "DATE"), ("détails", "VARCHAR")]
    assert rows_of(tmp_path / "j.parquet") == [(1, "Élise", dt.date(2020, 1, 3), '{"x":1}'),
                                                (2, None, dt.date(2021, 2, 4), '{"x":2}')]


def test_ndjson(tmp_path):
    source = tmp_path / "d.jsonl"
    source.write_text('{"a": 1, "b": "é"}\n{"a": 2.5, "b": null}\n\n{"a": 3, "b": "x", "c": true}\n')
    assert detect(source).format == "ndjson"
    result = to_parquet(source, tmp_path / "n.parquet")
    assert result.rows == 3
    assert types_of(result) == {"a": "DOUBLE", "b": "VARCHAR", "c": "BOOLEAN"}


def test_ndjson_detected_by_content(tmp_path):
    source = tmp_path / "export.txt"
    source.write_text('{"a": 1}\n{"a": 2}\n')
    assert detect(source).format == "ndjson"


@pytest.mark.parametrize("content", ['[{"a": 1, "b": "é"}, {"a": 2.5, "b": ', '[{"a": 1}, oops]',
                                     '{"a": 1}\n{"a": \n'])
def test_invalid_json(tmp_path, content):
    source = tmp_path / "bad.json"
    source.write_text(content)
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "x.parquet")
    assert caught.value.code == "invalid-json"
    assert caught.value.message.startswith("Le fichier JSON est invalide")
    assert "detail" in caught.value.details


def test_json_name_with_other_content(tmp_path):
    source = tmp_path / "faux.json"
    source.write_text("a,b\n1,2\n")
    with pytest.raises(IngestError) as caught:
        detect(source)
    assert caught.value.code == "invalid-json"


def test_parquet_rewritten_with_types_kept(tmp_path):
    source = tmp_path / "in.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 1::INTEGER AS "n", 2.5::FLOAT AS "f", 12.34::DECIMAL(10,2) AS "d",
                     DATE '2020-01-02' AS "jour", TIMESTAMP '2020-01-02 03:04:05' AS "t", 'é' AS "s",
                     true AS "b", [1, 2] AS "liste", {{'x': 1}} AS "objet")
                    TO '{source}' (FORMAT parquet)""")
    info = detect(source, filename="data")
    assert info.format == "parquet"
    result = to_parquet(source, tmp_path / "out.parquet", info=info)
    assert [(c["name"], c["type"], c["duckdb_type"]) for c in result.columns] == [
        ("n", "integer", "BIGINT"), ("f", "number", "DOUBLE"), ("d", "number", "DECIMAL(10,2)"),
        ("jour", "date", "DATE"), ("t", "datetime", "TIMESTAMP"), ("s", "string", "VARCHAR"),
        ("b", "boolean", "BOOLEAN"), ("liste", "string", "VARCHAR"), ("objet", "string", "VARCHAR")]
    row = rows_of(tmp_path / "out.parquet")[0]
    assert row[0] == 1 and row[5] == "é" and row[7] == "[1,2]" and row[8] == '{"x":1}'


def test_truncated_parquet(tmp_path):
    source = tmp_path / "in.parquet"
    duckdb.connect().execute(f"COPY (SELECT range AS n FROM range(1000)) TO '{source}' (FORMAT parquet)")
    source.write_bytes(source.read_bytes()[:-100])
    with pytest.raises(IngestError) as caught:
        to_parquet(source, tmp_path / "x.parquet")
    assert caught.value.code == "corrupt-file"


def test_error_messages_are_french_and_never_raw_duckdb(tmp_path):
    cases = [b"", b"\x00\x00", b"PK\x03\x04garbage"]
    for number, content in enumerate(cases):
        source = tmp_path / f"f{number}.xlsx"
        source.write_bytes(content)
        with pytest.raises(IngestError) as caught:
            to_parquet(source, tmp_path / "x.parquet")
        assert "Error" not in caught.value.message and "Traceback" not in caught.value.message
        assert caught.value.as_dict()["code"] == caught.value.code


def test_table_schema_types():
    assert [ingest.table_schema_type(t) for t in ("BIGINT", "INTEGER", "DOUBLE", "DECIMAL(18,3)", "BOOLEAN",
                                                  "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "VARCHAR",
                                                  "STRUCT(a INTEGER)")] == \
        ["integer", "integer", "number", "number", "boolean", "date", "datetime", "datetime", "string", "string"]


def test_guess_column_type():
    guess = ingest.guess_column_type
    assert guess(["1", "-2", " 3 "]) == {"type": "BIGINT"}
    assert guess(["1", "2.5", "1e3"]) == {"type": "DOUBLE"}
    assert guess(["1", "2,5"], comma_decimals=True) == {"type": "DOUBLE", "decimal": ","}
    assert guess(["1", "2,5"]) == {"type": "VARCHAR"}
    assert guess(["007"]) == {"type": "VARCHAR"}
    assert guess(["", None]) == {"type": "VARCHAR"}
    assert guess(["13/01/2020", "01/02/2020"]) == {"type": "DATE", "format": "%d/%m/%Y"}
    assert guess(["01/13/2020", "02/01/2020"]) == {"type": "DATE", "format": "%m/%d/%Y"}
    assert guess(["01.02.2020"]) == {"type": "DATE", "format": "%d.%m.%Y"}
    assert guess(["1er janvier 2020", "lundi 3 février 2020", "15 AOÛT 1999"]) == {"type": "DATE",
                                                                                    "format": "fr-long"}
    assert guess(["32/13/2020"]) == {"type": "VARCHAR"}


def test_not_enough_memory_is_a_clear_error(tmp_path):
    from ouvert.datastore import duck

    dest = tmp_path / "out" / "r.parquet"
    with pytest.raises(IngestError) as caught:
        to_parquet(RAILWAY, dest, con=duck.connect(memory_limit="4MB"))
    assert caught.value.code == "out-of-memory"
    assert "OUVERT_DUCKDB_MEMORY_LIMIT" in caught.value.message
    assert list(dest.parent.iterdir()) == []


def test_single_quotes_as_quote_character(tmp_path):
    source = tmp_path / "apostrophes.csv"
    source.write_text("id;nom;note\n1;'Dupont; Jean';'a'\n2;'Roy';'b'\n3;'Tremblay';'c'\n4;'Côté';'d'\n")
    info = detect(source)
    assert (info.delimiter, info.quotechar) == (";", "'")
    to_parquet(source, tmp_path / "a.parquet", info=info)
    assert rows_of(tmp_path / "a.parquet")[0] == (1, "Dupont; Jean", "a")


def test_ragged_count_twice_on_the_same_connection(tmp_path, monkeypatch):
    from ouvert.datastore import duck

    monkeypatch.setattr(ingest, "SAMPLE_BYTES", 700)
    con = duck.connect()
    first = to_parquet(BIKES, tmp_path / "a.parquet", con=con)
    second = to_parquet(BIKES, tmp_path / "b.parquet", con=con)
    assert first.ragged["rows"] == second.ragged["rows"] == 295
