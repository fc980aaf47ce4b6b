"""Sorted pages of ``datastore_search`` (``query.sorted_page``: the page's ``_id`` first, then its rows
through the index; with a filter, the total counted from the same materialised pass) give exactly what
one plain ``SELECT … ORDER BY … LIMIT … OFFSET`` and ``count(*)`` give: ties, NULLs, several sort
columns, pages past the end, nothing matching, ``include_total`` off; pages of words without a sort
(matching rows counted and paged from one pass over the folded text); the preview's sorted pages too.
The table is an in-memory copy (compressed, in a database of its own)."""

import json

import duckdb
import pytest

from ouvert.datastore import preview, query
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import write_parquet


@pytest.fixture
def table(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", """
        SELECT range AS n,
               CASE WHEN range % 11 = 0 THEN NULL ELSE ['Montréal', 'Laval', 'Québec', 'Lévis'][range % 4 + 1] END AS ville,
               CASE WHEN range % 13 = 0 THEN NULL ELSE (range * 7919) % 50 END AS score,
               DATE '2024-01-01' + (range % 90)::INT AS jour,
               'ligne ' || range AS texte
        FROM range(5000)""")
    rel = query.relation(str(path))
    assert rel.in_memory and rel.database and rel.name == f"{rel.database}.main.data"
    return str(path), rel


def served(row):
    """A row as the search gives it (``_id``, n, ville, score, jour as ISO text, texte)."""
    return [*row[:4], row[4].isoformat(), row[5]]


def expected(path, where="", args=(), order="", limit=100, offset=0):
    con = duckdb.connect()
    source = (f"(SELECT file_row_number + 1 AS _id, * EXCLUDE (file_row_number) "
              f"FROM read_parquet('{path}', file_row_number = true))")
    rows = con.execute(f"SELECT * FROM {source}{where}{order} LIMIT {limit} OFFSET {offset}", list(args)).fetchall()
    total = con.execute(f"SELECT count(*) FROM {source}{where}", list(args)).fetchone()[0]
    con.close()
    return [served(row) for row in rows], total


CASES = [
    ({"filters": {"ville": "Laval"}, "sort": "score desc"}, " WHERE ville = 'Laval'", " ORDER BY score DESC, _id"),
    ({"filters": {"ville": "Laval"}, "sort": "score desc", "offset": 1200}, " WHERE ville = 'Laval'",
     " ORDER BY score DESC, _id"),
    ({"filters": {"ville": ["Laval", None]}, "sort": "score asc nulls first, jour desc"},
     " WHERE ville = 'Laval' OR ville IS NULL", " ORDER BY score ASC NULLS FIRST, jour DESC, _id"),
    ({"filters": {"ville": "Lévis"}, "sort": "_id desc", "limit": 7, "offset": 3}, " WHERE ville = 'Lévis'",
     " ORDER BY _id DESC"),
    ({"filters": {"score": 7}, "sort": "ville, jour desc"}, " WHERE score = 7", " ORDER BY ville, jour DESC, _id"),
    ({"q": "ligne 12", "sort": "score desc"}, " WHERE contains(texte, 'ligne') AND contains(texte, '12')",
     " ORDER BY score DESC, _id"),
    ({"sort": "score desc", "offset": 4950}, "", " ORDER BY score DESC, _id"),
    # Words without a sort: the matching rows in file order, counted from the same pass.
    ({"q": "ligne 12"}, " WHERE contains(texte, 'ligne') AND contains(texte, '12')", " ORDER BY _id"),
    ({"q": "LIGNE 12", "offset": 50, "limit": 20}, " WHERE contains(texte, 'ligne') AND contains(texte, '12')",
     " ORDER BY _id"),
    ({"q": "ligne 12", "offset": 500}, " WHERE contains(texte, 'ligne') AND contains(texte, '12')", " ORDER BY _id"),
    ({"q": "lévis", "filters": {"score": 7}}, " WHERE ville = 'Lévis' AND score = 7", " ORDER BY _id"),
    ({"q": "gatineau"}, " WHERE ville = 'Gatineau'", " ORDER BY _id"),
    ({"filters": {"ville": "Gatineau"}, "sort": "score desc"}, " WHERE ville = 'Gatineau'", " ORDER BY score DESC, _id"),
    ({"filters": {"ville": "Laval"}, "sort": "score desc", "offset": 5000}, " WHERE ville = 'Laval'",
     " ORDER BY score DESC, _id"),
]


@pytest.mark.parametrize("params,where,order", CASES)
def test_sorted_pages_and_totals_are_those_of_a_plain_query(table, params, where, order):
    path, rel = table
    request = {key: json.dumps(value) if key == "filters" else value for key, value in params.items()}
    result = query.search(path, {**request, "records_format": "lists"}, resource_id="r")
    rows, total = expected(path, where, order=order, limit=params.get("limit", 100), offset=params.get("offset", 0))
    assert result["records"] == rows
    assert result["total"] == total
    unsorted = query.search(path, {**request, "records_format": "lists", "include_total": "false"}, resource_id="r")
    assert unsorted["records"] == rows and "total" not in unsorted


def test_some_columns_and_the_total(table):
    path, rel = table
    result = query.search(path, {"filters": json.dumps({"ville": "Québec"}), "sort": "score desc",
                                 "fields": "n,score,ville", "limit": 3}, resource_id="r")
    rows, total = expected(path, " WHERE ville = 'Québec'", order=" ORDER BY score DESC, _id", limit=3)
    assert result["records"] == [{"n": row[1], "score": row[3], "ville": row[2]} for row in rows]
    assert result["total"] == total == 1136


def test_the_preview_sorts_its_pages_the_same_way(table):
    path, rel = table
    view = preview.TableView.from_params(rel, {"f.ville": "Laval", "m.ville": "egal", "tri": "-score", "page": "3",
                                               "par": "50"})
    rows, total = expected(path, " WHERE ville = 'Laval'", order=" ORDER BY score DESC, _id", limit=50, offset=100)
    assert [served(row) for row in view.rows()] == rows
    assert view.count() == total
    beyond = preview.TableView.from_params(rel, {"tri": "jour", "page": "1000", "par": "100"})
    assert beyond.rows() == []


def databases():
    return {row[0] for row in query.engine().con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}


def test_copies_are_compressed_databases_of_their_own_detached_when_dropped(table, monkeypatch):
    path, rel = table
    assert rel.database in databases()
    kinds = {row[0] for row in query.engine().con.execute(
        f"SELECT DISTINCT compression FROM pragma_storage_info('{rel.name}') WHERE column_name = 'ville'").fetchall()}
    assert kinds and kinds != {"Uncompressed"}
    assert 0 < rel.size
    # Words: the folded text lives in the same database, compressed too.
    assert query.search(path, {"q": "québec ligne"}, resource_id="r")["total"] > 0
    assert rel.folded == f"{rel.name}_q"
    query.forget(path)
    assert rel.database not in databases()
    # A copy dropped by another thread between the lookup and the query: read afresh, once.
    parse = query.parse

    def parse_then_evicted(params, found):
        parsed = parse(params, found)
        query.forget(path)
        return parsed

    monkeypatch.setattr(query, "parse", parse_then_evicted)
    result = query.search(path, {"filters": json.dumps({"ville": "Laval"}), "sort": "score desc"}, resource_id="r")
    assert result["total"] == expected(path, " WHERE ville = 'Laval'")[1]
