"""``datastore_search_sql`` keeps its sandboxes (``datastore.sql``): one per exact set of tables, reused by
later queries, each query in a cursor of its own. Shown here: a query cannot leave anything for the next
(no statement but one SELECT runs, even past the guard; variables, seeds, interruptions die with the
cursor), the sandbox stays locked once reused, a table's new file gets a new sandbox, threads do not
disturb each other, a sandbox dropped while a query runs closes after it."""

import threading

import duckdb
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.datastore import query, sql
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import write_parquet

R = "6f1c3a52-8d0e-4b8a-9a41-0c5f4f2b7c11"
S = "0b7e2f7a-1c1d-4e0a-8f43-5d2a6c3b9e10"


@pytest.fixture
def tables(tmp_path):
    r = write_parquet(tmp_path / "r.parquet", "SELECT range AS n, ['Montréal', 'Laval', 'Québec'][range % 3 + 1] AS ville "
                                              "FROM range(1000)")
    s = write_parquet(tmp_path / "s.parquet", "SELECT range AS n, range * 2 AS double FROM range(10)")
    return {R: str(r), S: str(s)}


def run(text, tables, **kwargs):
    return sql.run(sql.check(text), tables, **kwargs)


def forged(text, tables, ids=(R,), **kwargs):
    """A query that skipped the guard (defence in depth: what the sandbox alone does with it)."""
    return sql.run(sql.Checked(sql=text, resource_ids=list(ids)), tables, **kwargs)


def count_r(tables):
    return run(f'SELECT count(*) AS n, sum(n) AS total FROM "{R}"', {R: tables[R]})["records"]


def test_a_sandbox_is_opened_once_per_set_of_tables_and_reused(tables):
    assert sql.sandboxes() == []
    for _ in range(3):
        assert count_r(tables) == [{"n": 1000, "total": 499500}]
    assert sql.sandboxes() == [((R, tables[R]),)]
    joined = run(f'SELECT count(*) AS n FROM "{R}" JOIN "{S}" USING (n)', tables)
    assert joined["records"] == [{"n": 10}]
    assert sql.sandboxes() == [((R, tables[R]),), tuple(sorted(tables.items()))]
    # A query naming R alone runs where S has no view: S is nowhere but in its own sets.
    with pytest.raises(ValidationError) as refused:
        forged(f'SELECT * FROM "{S}"', {R: tables[R]})
    assert S in refused.value.message_dict["query"][0]


STATEMENTS = [
    "SET VARIABLE secret = 42",
    "CREATE TEMP TABLE leftover AS SELECT 1 AS n",
    "CREATE TABLE leftover AS SELECT 1 AS n",
    "CREATE MACRO leftover() AS 1",
    f'CREATE OR REPLACE VIEW "{R}" AS SELECT 1 AS n',
    "CREATE SCHEMA leftover",
    "CREATE SEQUENCE leftover",
    "PREPARE leftover AS SELECT 1",
    "EXECUTE leftover",
    "DEALLOCATE leftover",
    "SET threads = 1",
    "SET allowed_paths = ['/']",
    "RESET enable_external_access",
    "PRAGMA disable_optimizer",
    "USE system",
    "BEGIN TRANSACTION",
    "DETACH memory",
    "ATTACH ':memory:' AS other",
    f'INSERT INTO "{R}" VALUES (1, \'x\')',
    f'DROP VIEW "{R}"',
    "CHECKPOINT",
    "LOAD spatial",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_no_statement_but_a_select_runs_even_past_the_guard(tables, statement):
    assert count_r(tables) == [{"n": 1000, "total": 499500}]
    with pytest.raises(ValidationError):
        sql.check(statement)
    with pytest.raises(ValidationError):
        forged(statement, {R: tables[R]})
    # The same sandbox, unchanged.
    assert count_r(tables) == [{"n": 1000, "total": 499500}]
    assert len(sql.sandboxes()) == 1


def test_what_a_select_may_change_in_its_connection_dies_with_its_cursor(tables):
    one = {R: tables[R]}
    # The guard refuses what reads variables or settings; past it, a variable set nowhere is NULL.
    for text in (f"SELECT getvariable('secret') FROM \"{R}\"", f"SELECT current_setting('threads') FROM \"{R}\"",
                 f"SELECT write_log('x') FROM \"{R}\""):
        with pytest.raises(PermissionDenied):
            sql.check(text)
    assert forged(f"SELECT getvariable('secret') AS v FROM \"{R}\" LIMIT 1", one)["records"] == [{"v": None}]
    # ``setseed`` is allowed: it seeds this query's own connection only.
    seeded = duckdb.connect()
    seeded.execute("SELECT setseed(0.25)").fetchall()
    after_seed = seeded.execute("SELECT random()").fetchone()[0]
    seeded.close()
    run(f'SELECT setseed(0.25) AS s FROM "{R}" LIMIT 1', one)
    following = [run(f'SELECT random() AS x FROM "{R}" LIMIT 1', one)["records"][0]["x"] for _ in range(3)]
    assert after_seed not in following and len(set(following)) == 3
    # A query stopped by its time limit leaves no interruption behind.
    with pytest.raises(ValidationError) as slow:
        run(f'SELECT count(*) FROM "{R}" a, "{R}" b, "{R}" c, "{R}" d WHERE a.n + b.n + c.n + d.n = -1', one,
            seconds=0.3)
    assert "trop de temps" in slow.value.message_dict["query"][0]
    assert count_r(tables) == [{"n": 1000, "total": 499500}]
    assert len(sql.sandboxes()) == 1


def test_a_reused_sandbox_is_still_locked(tables, tmp_path):
    secret = write_parquet(tmp_path / "secret.parquet", "SELECT 42 AS answer")
    one = {R: tables[R]}
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            forged(f"SELECT * FROM read_parquet('{secret}')", one)
        with pytest.raises(PermissionDenied):
            forged(f"SELECT * FROM read_parquet('{tables[S]}')", one)
        with pytest.raises(PermissionDenied):
            forged("SELECT * FROM read_csv('/etc/passwd')", one)
    # Even its own connection, given statements directly, cannot unlock it.
    with sql.sandbox_cursor(one) as cur:
        for statement in ("SET enable_external_access = true", "SET lock_configuration = false",
                          "SET allowed_paths = ['/']", "RESET allowed_directories"):
            with pytest.raises(duckdb.Error):
                cur.execute(statement)
        with pytest.raises(duckdb.PermissionException):
            cur.execute(f"SELECT * FROM read_parquet('{secret}')").fetchall()
        with pytest.raises(duckdb.PermissionException):
            cur.execute(f"COPY (SELECT 1) TO '{tmp_path / 'pwned.csv'}'")
    assert not (tmp_path / "pwned.csv").exists()
    assert len(sql.sandboxes()) == 1


def test_a_new_file_for_a_resource_gets_a_new_sandbox_and_deleted_files_are_forgotten(tables, tmp_path):
    assert count_r(tables) == [{"n": 1000, "total": 499500}]
    newer = str(write_parquet(tmp_path / "r2.parquet", "SELECT range AS n, 'Gatineau' AS ville FROM range(5)"))
    both = {R: newer, S: tables[S]}
    assert run(f'SELECT count(*) AS n FROM "{R}" JOIN "{S}" USING (n)', both)["records"] == [{"n": 5}]
    # The sandbox over R's former file is gone: R is now served from the new one only.
    assert sql.sandboxes() == [tuple(sorted(both.items()))]
    assert run(f'SELECT DISTINCT ville FROM "{R}"', {R: newer})["records"] == [{"ville": "Gatineau"}]
    assert len(sql.sandboxes()) == 2
    # A deleted file (``query.forget``, as the services do) takes its sandboxes with it.
    query.forget(newer)
    assert sql.sandboxes() == []


def test_the_least_recently_used_sandboxes_go_beyond_the_setting(tables, tmp_path, settings):
    settings.OUVERT_DATASTORE_SQL_SANDBOXES = 2
    third = str(write_parquet(tmp_path / "t.parquet", "SELECT 1 AS n"))
    count_r(tables)
    run(f'SELECT count(*) FROM "{S}"', {S: tables[S]})
    count_r(tables)  # R used again: S is now the least recent
    run(f'SELECT count(*) FROM "{S}"', {S: third})  # S's new file: the old one goes at once
    assert sql.sandboxes() == [((R, tables[R]),), ((S, third),)]
    run(f'SELECT count(*) FROM "{R}" JOIN "{S}" USING (n)', {R: tables[R], S: third})
    assert sql.sandboxes() == [((S, third),), tuple(sorted({R: tables[R], S: third}.items()))]


def test_a_missing_file_is_file_not_found(tables, tmp_path):
    with pytest.raises(FileNotFoundError):
        run(f'SELECT * FROM "{R}"', {R: str(tmp_path / "nowhere.parquet")})
    assert sql.sandboxes() == []


def test_threads_share_a_sandbox_and_a_time_limit_stops_only_its_own_query(tables):
    one = {R: tables[R]}
    count_r(tables)
    errors, results = [], []

    def slow():
        try:
            run(f'SELECT count(*) FROM "{R}" a, "{R}" b, "{R}" c, "{R}" d WHERE a.n + b.n + c.n + d.n = -1', one,
                seconds=1.0)
        except ValidationError as exc:
            errors.append(exc.message_dict["query"][0])

    def quick():
        for _ in range(15):
            results.append(run(f'SELECT ville, count(*) AS n FROM "{R}" GROUP BY ville ORDER BY ville', one)["records"])

    threads = [threading.Thread(target=slow)] + [threading.Thread(target=quick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 1 and "trop de temps" in errors[0]
    assert len(results) == 60
    assert all(records == [{"ville": "Laval", "n": 333}, {"ville": "Montréal", "n": 334}, {"ville": "Québec", "n": 333}]
               for records in results)
    assert len(sql.sandboxes()) == 1


def test_a_sandbox_dropped_while_a_query_runs_closes_after_it(tables):
    with sql.sandbox_cursor({R: tables[R]}) as cur:
        sql.clear()
        assert sql.sandboxes() == []
        assert cur.execute(f'SELECT count(*) FROM "{R}"').fetchone() == (1000,)
    # Closed now: the next query opens a new one.
    assert count_r(tables) == [{"n": 1000, "total": 499500}]
    assert len(sql.sandboxes()) == 1


@pytest.mark.django_db
def test_a_new_version_of_a_resource_is_what_the_next_query_reads(dataset_factory, upload, new_version):
    from ouvert.datastore import selectors, services

    resource = upload(dataset_factory(), "villes.csv", b"ville,population\nLaval,438366\nLevis,149683\n")
    text = f'SELECT count(*) AS n, sum(population) AS total FROM "{resource.pk}"'
    assert services.search_sql(user=None, sql=text)["records"] == [{"n": 2, "total": 588049}]
    assert services.search_sql(user=None, sql=text)["records"] == [{"n": 2, "total": 588049}]
    first = services.local_parquet(selectors.table_for_resource(resource))
    assert [dict(key) for key in sql.sandboxes()] == [{str(resource.pk): first}]
    new_version(resource, "villes.csv", b"ville,population\nGatineau,291041\n")
    second = services.local_parquet(selectors.table_for_resource(resource))
    assert second != first
    assert services.search_sql(user=None, sql=text)["records"] == [{"n": 1, "total": 291041}]
    assert [dict(key) for key in sql.sandboxes()] == [{str(resource.pk): second}]
