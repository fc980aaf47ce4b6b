"""``datastore_search_sql``: the guard (``datastore.sql.check``) refuses, before anything runs, every
statement but one SELECT, every table but resources named by id, every table function and every
function that reaches the process; the run is sandboxed (only the referenced Parquet files), time-limited
and row-capped. Then over HTTP: CKAN's errors, who may read, and nothing executed when refused."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.datastore import sql
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import write_parquet

R = "6f1c3a52-8d0e-4b8a-9a41-0c5f4f2b7c11"
S = "0b7e2f7a-1c1d-4e0a-8f43-5d2a6c3b9e10"

ACCEPTED = [
    (f'SELECT * FROM "{R}"', [R]),
    (f'SELECT ville, count(*), avg(n) FROM "{R}" GROUP BY ville ORDER BY 2 DESC LIMIT 5', [R]),
    (f'WITH a AS (SELECT * FROM "{R}") SELECT * FROM a JOIN "{S}" USING (_id)', [R, S]),
    (f'SELECT row_number() OVER (PARTITION BY ville ORDER BY n), sum(n) OVER () FROM "{R}"', [R]),
    (f"SELECT n + 1, ville || 'x', ville LIKE 'M%', [1, 2], {{'k': 1}}, n::INT, n IN (1, 2), "
     f"CASE WHEN n > 1 THEN 1 END, coalesce(n, 0), list_transform([1], y -> y + 1) FROM \"{R}\"", [R]),
    (f'SELECT 1 FROM "{R}" UNION ALL SELECT 2 FROM "{S}"', [R, S]),
    (f'FROM "{R}" SELECT ville', [R]),
    (f'SELECT * FROM "{R}" WHERE n > (SELECT avg(n) FROM "{R}")', [R]),
    (f'SELECT * FROM "{R.upper()}"', [R]),
    (f'WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 5) SELECT * FROM r, "{R}"', [R]),
    (f"SELECT strftime(jour, '%Y'), date_trunc('month', jour), regexp_matches(ville, '^M') FROM \"{R}\" -- fin", [R]),
]

REFUSED = [
    # Not one SELECT: Validation Error.
    ("COPY (SELECT 1) TO '/tmp/x.csv'", ValidationError, "SELECT"),
    ("ATTACH '/tmp/x.db'", ValidationError, "SELECT"),
    ("PRAGMA version", ValidationError, "SELECT"),
    ("SET enable_external_access = true", ValidationError, "SELECT"),
    ("INSTALL httpfs", ValidationError, "SELECT"),
    ("LOAD httpfs", ValidationError, "SELECT"),
    ("EXPORT DATABASE '/tmp/x'", ValidationError, "SELECT"),
    ("CALL pragma_version()", ValidationError, "SELECT"),
    ("CREATE TABLE z AS SELECT 1", ValidationError, "SELECT"),
    (f'DELETE FROM "{R}"', ValidationError, "SELECT"),
    (f'EXPLAIN SELECT * FROM "{R}"', ValidationError, "SELECT"),
    (f'PIVOT "{R}" ON ville USING sum(n)', ValidationError, "SELECT"),
    (f'SELECT 1 FROM "{R}"; SELECT 2 FROM "{R}"', ValidationError, "seule instruction"),
    (f"SELECT * FROM \"{R}\"; COPY (SELECT 1) TO '/tmp/x.csv'", ValidationError, "SELECT"),
    ("SELECT 1", ValidationError, "au moins une ressource"),
    ("SELEC * FROM x", ValidationError, "syntax error"),
    ("", ValidationError, "manquante"),
    ("SELECT '\x00'", ValidationError, "nul"),
    ("SELECT * FROM (" * 3000 + "SELECT 1" + ")" * 3000, ValidationError, ""),
    (f'SELECT * FROM "{R}" WHERE n = ?', PermissionDenied, "PARAMETER"),
    # Files, table functions, other tables, functions that reach the process: Authorization Error.
    ("SELECT * FROM read_csv('/etc/passwd')", PermissionDenied, "read_csv"),
    ("SELECT * FROM read_parquet('/tmp/*.parquet')", PermissionDenied, "read_parquet"),
    ("SELECT * FROM read_text('/etc/passwd')", PermissionDenied, "read_text"),
    ("SELECT * FROM glob('/*')", PermissionDenied, "glob"),
    ("SELECT * FROM query('SELECT 1')", PermissionDenied, "query"),
    ("SELECT * FROM duckdb_settings()", PermissionDenied, "duckdb_settings"),
    ("SELECT * FROM '/etc/passwd'", PermissionDenied, "/etc/passwd"),
    ('SELECT * FROM "x.csv"', PermissionDenied, "x.csv"),
    ("SELECT * FROM information_schema.tables", PermissionDenied, "tables"),
    ("SELECT * FROM system.main.duckdb_tables", PermissionDenied, "duckdb_tables"),
    ("SELECT * FROM t", PermissionDenied, "« t »"),
    (f'SELECT 1 FROM "{R.replace("-", "")}"', PermissionDenied, "Table non permise"),
    ("SHOW TABLES", PermissionDenied, "SHOW_REF"),
    (f'DESCRIBE "{R}"', PermissionDenied, "SHOW_REF"),
    (f'SUMMARIZE "{R}"', PermissionDenied, "SHOW_REF"),
    (f"SELECT current_setting('allowed_paths') FROM \"{R}\"", PermissionDenied, "current_setting"),
    (f"SELECT getvariable('x') FROM \"{R}\"", PermissionDenied, "getvariable"),
    (f'SELECT pg_sleep(100) FROM "{R}"', PermissionDenied, "pg_sleep"),
    (f"SELECT json_serialize_sql('SELECT 1') FROM \"{R}\"", PermissionDenied, "json_serialize_sql"),
    (f'SELECT version() FROM "{R}"', PermissionDenied, "version"),
    (f'SELECT other.main.abs(1) FROM "{R}"', PermissionDenied, "qualifiée"),
    (f'WITH "/etc/passwd" AS (SELECT 1) SELECT * FROM "{R}"', PermissionDenied, "WITH"),
    # A WITH name is in scope only where it is defined: elsewhere it is a table, refused.
    (f'SELECT * FROM (WITH q AS (SELECT 1) SELECT 1 FROM "{R}"), q', PermissionDenied, "« q »"),
]


@pytest.mark.parametrize("query,ids", ACCEPTED)
def test_the_guard_accepts_selects_over_resources(query, ids):
    assert sql.check(query).resource_ids == ids


@pytest.mark.parametrize("query,error,words", REFUSED, ids=[str(i) for i in range(len(REFUSED))])
def test_the_guard_refuses_before_anything_runs(query, error, words):
    with pytest.raises(error) as refused:
        sql.check(query)
    message = " ".join(refused.value.messages) if isinstance(refused.value, ValidationError) else str(refused.value)
    assert words in message


@pytest.fixture
def tables(tmp_path):
    r = write_parquet(tmp_path / "r.parquet", "SELECT range AS n, ['Montréal', 'Laval', 'Québec'][range % 3 + 1] AS ville, "
                                              "DATE '2024-01-01' + (range % 40)::INT AS jour FROM range(1000)")
    s = write_parquet(tmp_path / "s.parquet", "SELECT range AS n, range * 2 AS double FROM range(10)")
    return {R: str(r), S: str(s)}


def test_run_answers_as_ckan(tables):
    result = sql.run(sql.check(f'SELECT ville, count(*) AS n, min(jour) AS premier FROM "{R}" '
                               f"GROUP BY ville ORDER BY ville"), tables)
    assert result["records"] == [{"ville": "Laval", "n": 333, "premier": "2024-01-01"},
                                 {"ville": "Montréal", "n": 334, "premier": "2024-01-01"},
                                 {"ville": "Québec", "n": 333, "premier": "2024-01-01"}]
    assert result["fields"] == [{"id": "ville", "type": "text"}, {"id": "n", "type": "int"},
                                {"id": "premier", "type": "date"}]
    assert "records_truncated" not in result and result["sql"].startswith("SELECT ville")
    joined = sql.run(sql.check(f'SELECT r._id, s.double FROM "{R}" r JOIN "{S}" s USING (n) ORDER BY 1 DESC LIMIT 2'),
                     tables)
    assert joined["records"] == [{"_id": 10, "double": 18}, {"_id": 9, "double": 16}]


def test_rows_are_capped_and_slow_queries_stopped(tables):
    capped = sql.run(sql.check(f'SELECT n FROM "{R}" ORDER BY n DESC'), tables, max_rows=5)
    assert capped["records_truncated"] is True and [r["n"] for r in capped["records"]] == [999, 998, 997, 996, 995]
    with pytest.raises(ValidationError) as slow:
        sql.run(sql.check(f'SELECT count(*) FROM "{R}" a, "{R}" b, "{R}" c, "{R}" d WHERE a.n + b.n + c.n + d.n = -1'),
                tables, seconds=0.5)
    assert "trop de temps" in slow.value.message_dict["query"][0]


def test_the_sandbox_holds_even_without_the_guard(tables, tmp_path):
    """Defence in depth: a query that skipped the guard still reads only its tables' files, writes nothing."""
    secret = write_parquet(tmp_path / "secret.parquet", "SELECT 42 AS answer")
    forged = sql.Checked(sql=f"SELECT * FROM read_parquet('{secret}')", resource_ids=[R])
    with pytest.raises(PermissionDenied):
        sql.run(forged, tables)
    target = tmp_path / "pwned.csv"
    for statement in (f"COPY (SELECT 1) TO '{target}'", f"COPY (SELECT 1) TO '{tables[R]}' (FORMAT parquet)",
                      f"ATTACH '{tmp_path / 'x.db'}'", "SET enable_external_access = true"):
        with pytest.raises(ValidationError):
            sql.run(sql.Checked(sql=statement, resource_ids=[R]), tables)
    assert not target.exists() and not (tmp_path / "x.db").exists()
    assert sql.run(sql.check(f'SELECT count(*) AS n FROM "{R}"'), tables)["records"] == [{"n": 1000}]


# --- Over HTTP ------------------------------------------------------------------------------------


@pytest.fixture
def action(client):
    def call(sql_text, token=None):
        headers = {"HTTP_AUTHORIZATION": token} if token else {}
        response = client.post("/api/3/action/datastore_search_sql", json.dumps({"sql": sql_text}),
                               content_type="application/json", **headers)
        body = response.json()
        return response.status_code, body["result"] if body["success"] else body["error"]

    return call


@pytest.mark.django_db
def test_over_http_as_ckan(action, dataset_factory, upload, member, tmp_path):
    from ouvert.core import services as core_services

    public = upload(dataset_factory(), "villes.csv", b"ville,n\nLaval,3\nQuebec,5\n")
    private = upload(dataset_factory(private=True), "secret.csv", b"code\nA\nB\n")
    status, result = action(f'SELECT sum(n) AS total FROM "{public.pk}"')
    assert status == 200 and result["records"] == [{"total": 8}] and result["fields"] == [{"id": "total", "type": "int"}]
    # A private resource: not found for others, readable by members; a join needs every table readable.
    join = f'SELECT * FROM "{public.pk}", "{private.pk}"'
    status, error = action(join)
    assert status == 404 and error["__type"] == "Not Found Error"
    status, result = action(join, token=core_services.token_create(user=member))
    assert status == 200 and len(result["records"]) == 4
    target = Path(tmp_path) / "sortie.csv"
    status, error = action(f"SELECT * FROM \"{public.pk}\"; COPY (SELECT 1) TO '{target}'")
    assert status == 409 and error["__type"] == "Validation Error" and error["sql"]
    status, error = action(f"SELECT * FROM read_csv('{target}')")
    assert status == 403 and error["__type"] == "Authorization Error" and "read_csv" in error["message"]
    assert not target.exists()
    status, error = action(f'SELECT nope FROM "{public.pk}"')
    assert status == 409 and "nope" in error["query"][0]
    status, error = action("")
    assert status == 409
