"""Downloads (``datastore.export``): CSV and JSON streamed in batches while DuckDB reads, Parquet and
XLSX through a temporary file that is gone once served; French headers exactly as stored; filters
and order applied; Excel's row limit with a note; memory that does not grow with the table."""

import csv
import io
import json
import os
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from ouvert.datastore import duck, export

# Closing a response sends Django's ``request_finished``, which tidies the database connections.
pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"


@pytest.fixture(scope="module")
def bikes_parquet(tmp_path_factory):
    """Montréal's 2012 bike counts (Latin-1, ``;``, accented headers) as a typed Parquet file."""
    path = tmp_path_factory.mktemp("bikes") / "velos.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{BIKES}', encoding='latin-1', delim=';', dateformat='%d/%m/%Y', "
                f"null_padding=true)) TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def query_of(path, *, where="", params=(), order="", columns=None, whole=False):
    con = duckdb.connect()
    described = columns or [(name, kind) for name, kind, *_r in
                            con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    con.close()
    return export.ExportQuery(connect=lambda: duck.connect(threads=1), source=f"read_parquet({duck.quote_literal(str(path))})",
                              columns=described, where=where, params=list(params), order=order,
                              stored_file=path, whole_table=whole)


def body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_csv_keeps_the_french_headers_and_the_values(bikes_parquet):
    text = b"".join(export.iter_csv(query_of(bikes_parquet))).decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Date", "Berri 1", "Brébeuf (données non disponibles)", "Côte-Sainte-Catherine",
                       "Maisonneuve 1", "Maisonneuve 2", "du Parc", "Pierre-Dupuy", "Rachel1",
                       "St-Urbain (données non disponibles)"]
    assert len(rows) == 311
    assert rows[1] == ["2012-01-01", "35", "", "0", "38", "51", "26", "10", "16", ""]
    assert text.endswith("\r\n")


def test_csv_applies_filters_and_order(bikes_parquet):
    query = query_of(bikes_parquet, where='"Berri 1" > ? AND "Date" >= ?', params=[5000, "2012-07-01"],
                     order='"Berri 1" DESC', columns=[("Date", "DATE"), ("Berri 1", "BIGINT")])
    rows = list(csv.reader(io.StringIO(b"".join(export.iter_csv(query)).decode())))
    con = duckdb.connect()
    expected = con.execute(f"SELECT strftime(\"Date\", '%Y-%m-%d'), CAST(\"Berri 1\" AS VARCHAR) FROM "
                           f"read_parquet('{bikes_parquet}') WHERE \"Berri 1\" > 5000 AND \"Date\" >= DATE '2012-07-01' "
                           f"ORDER BY \"Berri 1\" DESC").fetchall()
    assert rows[0] == ["Date", "Berri 1"]
    assert [tuple(r) for r in rows[1:]] == expected and expected


def test_json_is_an_array_of_objects_in_column_order(bikes_parquet):
    query = query_of(bikes_parquet, where='"Date" < ?', params=["2012-01-03"])
    records = json.loads(b"".join(export.iter_json(query)))
    assert len(records) == 2
    assert list(records[0]) == ["Date", "Berri 1", "Brébeuf (données non disponibles)", "Côte-Sainte-Catherine",
                                "Maisonneuve 1", "Maisonneuve 2", "du Parc", "Pierre-Dupuy", "Rachel1",
                                "St-Urbain (données non disponibles)"]
    assert records[0]["Date"] == "2012-01-01" and records[0]["Berri 1"] == 35
    assert records[0]["Brébeuf (données non disponibles)"] is None
    empty = json.loads(b"".join(export.iter_json(query_of(bikes_parquet, where="false"))))
    assert empty == []


def test_values_of_every_type(tmp_path):
    path = tmp_path / "types.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT true AS "vrai", 1.5::DECIMAL(10, 2) AS "décimal", 'x"y,z' AS texte,
        TIMESTAMP '2024-03-01 12:30:00' AS moment, 'nan'::DOUBLE AS pasnombre, [1, 2] AS liste,
        NULL::VARCHAR AS vide, 'a' || chr(1) || 'b' AS controle) TO '{path}' (FORMAT parquet)""")
    con.close()
    rows = list(csv.reader(io.StringIO(b"".join(export.iter_csv(query_of(path))).decode())))
    assert rows[1] == ["true", "1.50", 'x"y,z', "2024-03-01 12:30:00", "nan", "[1, 2]", "", "a\x01b"]
    record = json.loads(b"".join(export.iter_json(query_of(path))))[0]
    assert record == {"vrai": True, "décimal": 1.5, "texte": 'x"y,z', "moment": "2024-03-01T12:30:00",
                      "pasnombre": None, "liste": "[1, 2]", "vide": None, "controle": "a\x01b"}
    xlsx = tmp_path / "types.xlsx"
    export.write_xlsx(query_of(path), xlsx)
    sheet = load_workbook(xlsx).active
    values = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert values[0] is True and float(values[1]) == 1.5 and values[2] == 'x"y,z'
    assert values[3].isoformat() == "2024-03-01T12:30:00" and values[4] is None and values[7] == "ab"


def test_parquet_whole_table_is_the_stored_file(bikes_parquet):
    response = export.export_response(query_of(bikes_parquet, whole=True), "parquet", name="Comptages vélos 2012")
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    assert response["Content-Disposition"] == 'attachment; filename="comptages-velos-2012.parquet"'
    assert body(response) == bikes_parquet.read_bytes()


def test_parquet_of_a_filtered_view_keeps_types_and_leaves_no_file(bikes_parquet, tmp_path):
    before = set(os.listdir(export.exports_directory()))
    response = export.export_response(query_of(bikes_parquet, where='"Berri 1" > ?', params=[6000],
                                               order='"Date" DESC'), "parquet", name="vélos")
    assert set(os.listdir(export.exports_directory())) == before  # unlinked once open
    out = tmp_path / "out.parquet"
    out.write_bytes(body(response))
    con = duckdb.connect()
    assert con.execute(f"SELECT typeof(\"Date\"), typeof(\"Berri 1\") FROM '{out}' LIMIT 1").fetchone() == (
        "DATE", "BIGINT")
    got = con.execute(f"SELECT \"Berri 1\" FROM '{out}'").fetchall()
    expected = con.execute(f"SELECT \"Berri 1\" FROM '{bikes_parquet}' WHERE \"Berri 1\" > 6000 ORDER BY \"Date\" DESC"
                           ).fetchall()
    assert got == expected and expected


def test_xlsx_with_a_header_and_typed_cells(bikes_parquet, tmp_path):
    response = export.export_response(query_of(bikes_parquet), "xlsx", name="Vélos")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="velos.xlsx"'
    assert response["X-Ouvert-Rows"] == "310" and "X-Ouvert-Truncated" not in response
    out = tmp_path / "v.xlsx"
    out.write_bytes(body(response))
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Données"]
    rows = list(book["Données"].iter_rows(values_only=True))
    assert rows[0][2] == "Brébeuf (données non disponibles)" and len(rows) == 311
    assert rows[1][0].date().isoformat() == "2012-01-01" and rows[1][1] == 35


def test_xlsx_stops_at_the_row_limit_with_a_note(bikes_parquet, tmp_path):
    out = tmp_path / "cap.xlsx"
    result = export.write_xlsx(query_of(bikes_parquet), out, max_rows=100, batch_rows=64)
    assert result.rows == 100 and result.truncated
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Données", "Remarque"]
    assert len(list(book["Données"].iter_rows())) == 101
    note = next(book["Remarque"].iter_rows(values_only=True))[0]
    assert "1 048 576 lignes" in note and "100 premières lignes sur 310" in note
    exact = export.write_xlsx(query_of(bikes_parquet), tmp_path / "exact.xlsx", max_rows=310)
    assert exact.rows == 310 and not exact.truncated
    assert export.XLSX_MAX_ROWS == 1_048_576


def test_csv_and_json_responses_stream(bikes_parquet):
    response = export.export_response(query_of(bikes_parquet), "csv", name="Comptages — vélos")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="comptages-velos.csv"'
    assert body(response).startswith("Date,Berri 1,Brébeuf".encode())
    response = export.export_response(query_of(bikes_parquet), "json", name="")
    assert response["Content-Disposition"] == 'attachment; filename="donnees.json"'
    assert len(json.loads(body(response))) == 310


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def test_a_million_rows_stream_in_batches_without_growing_memory(tmp_path):
    """1,000,000 rows (about 110 MB of CSV): the first chunk comes before DuckDB has read the rest,
    every chunk holds at most one batch, and the process's memory grows by far less than the file."""
    path = tmp_path / "million.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT i AS identifiant, 'Arrondissement de Montréal-Nord numéro ' || (i % 997) AS "Libellé",
        (i * 1.5)::DOUBLE AS montant, DATE '2020-01-01' + (i % 1000)::INTEGER AS "Date de début",
        CASE WHEN i % 7 = 0 THEN NULL ELSE i % 13 END AS "catégorie", md5(i::VARCHAR) AS empreinte
        FROM range(1000000) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 100000)""")
    con.close()
    query = query_of(path)
    chunks = export.iter_csv(query, batch_rows=10_000)
    header = next(chunks)
    assert header == "identifiant,Libellé,montant,Date de début,catégorie,empreinte\r\n".encode()
    first = next(chunks)
    assert first.count(b"\r\n") == 10_000
    start = _rss_mb()
    peak, size, lines = start, len(header) + len(first), 10_001
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
        peak = max(peak, _rss_mb())
    assert lines == 1_000_001
    assert size > 100 * 1024 * 1024
    growth = peak - start
    print(f"streamed {size / 1e6:.0f} MB, memory grew by {growth:.1f} MB")
    assert growth < 60, f"memory grew by {growth:.0f} MB while streaming {size / 1e6:.0f} MB"
