"""Ingestion jobs: the claim (one worker per table), the heartbeat, the periodic job that enqueues what a
dead worker left, the attempt limit — and, for real, a worker killed with ``kill -9`` in the middle of
ingesting a large file: the previous table stays served, no partial file is stored, and the periodic
job plus a new worker finish the ingestion.

The ``kill -9`` test runs ``ouvert worker`` / ``ouvert scheduler`` as child processes on a data folder of
their own: SQLite there, or, when the tests run on PostgreSQL (``DATABASE_URL``), a database of its own on
the same server (``<name>_kill``, dropped at the end)."""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pytest
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.datastore import selectors, services
from ouvert.datastore.models import DatastoreTable
from tests.core.conftest import OUVERT, ouvert_env, run_ouvert, run_python
from tests.datastore.kit import *  # noqa: F403  (fixtures)


def requested_not_run(new_version, resource, content: bytes) -> DatastoreTable:
    """A new version whose ingestion is requested but whose task never ran (a lost or killed worker)."""
    new_version(resource, "n.csv", content, ingest=False)
    return services.ingestion_request(resource=catalog_services.resource_get(id=resource.pk))


@pytest.mark.django_db
def test_the_periodic_job_is_registered():
    job = next(job for job in registry.periodic_jobs() if job.name == "datastore.stale_ingestions")
    assert job.every_seconds == 60 and job.func == services.stale_ingestions_requeue
    assert services.on_resource_changed in registry.resource_listeners()


@pytest.mark.django_db
def test_a_table_another_worker_runs_is_left_alone_and_a_silent_one_is_resumed(dataset_factory, upload, new_version,
                                                                               django_capture_on_commit_callbacks):
    resource = upload(dataset_factory(), "n.csv", b"n\n1\n")
    first = selectors.table_for_resource(resource)
    table = requested_not_run(new_version, resource, b"n\n1\n2\n")
    # Another worker has it and is alive (fresh heartbeat): nothing happens here.
    DatastoreTable.objects.filter(pk=table.pk).update(status="running", heartbeat_at=timezone.now(), attempts=1)
    assert services.ingestion_run(table_id=table.pk).status == "running"
    assert selectors.table_for_resource(resource).pk == first.pk
    # Silent for longer than OUVERT_DATASTORE_STALE_SECONDS: taken over, second attempt, done and served.
    DatastoreTable.objects.filter(pk=table.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    done = services.ingestion_run(table_id=table.pk)
    assert (done.status, done.attempts, done.rows) == ("done", 2, 2)
    assert selectors.table_for_resource(resource).pk == table.pk


@pytest.mark.django_db
def test_stale_and_lost_ingestions_are_enqueued_again(dataset_factory, upload, new_version, settings,
                                                      django_capture_on_commit_callbacks):
    a = upload(dataset_factory(), "a.csv", b"n\n1\n")
    b = upload(dataset_factory(), "b.csv", b"n\n1\n")
    c = upload(dataset_factory(), "c.csv", b"n\n1\n")
    for resource in (a, b, c):  # three ingestions whose tasks never ran
        requested_not_run(new_version, resource, b"n\n1\n2\n3\n")
    old = timezone.now() - datetime.timedelta(minutes=30)
    killed = selectors.latest_table(a)
    DatastoreTable.objects.filter(pk=killed.pk).update(status="running", heartbeat_at=old, attempts=1, stage="ingest")
    lost = selectors.latest_table(b)
    DatastoreTable.objects.filter(pk=lost.pk).update(created_at=old)
    alive = selectors.latest_table(c)
    DatastoreTable.objects.filter(pk=alive.pk).update(status="running", heartbeat_at=timezone.now(), attempts=1)
    # What a killed worker left in its work folder is removed; a running table's folder is kept.
    leftover = services.work_dir(999999)
    leftover.mkdir(parents=True)
    (leftover / ".table.parquet.tmp").write_bytes(b"PAR1 partial")
    running_folder = services.work_dir(alive.pk)
    running_folder.mkdir(parents=True)
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = services.stale_ingestions_requeue()
    assert enqueued == [killed.pk, lost.pk]
    assert not leftover.exists() and running_folder.exists()
    killed.refresh_from_db()
    lost.refresh_from_db()
    assert (killed.status, killed.attempts, killed.rows) == ("done", 2, 3)
    assert (lost.status, lost.attempts) == ("done", 1)
    assert selectors.table_for_resource(a).pk == killed.pk
    assert DatastoreTable.objects.get(pk=alive.pk).status == "running"


@pytest.mark.django_db
def test_after_too_many_attempts_the_ingestion_is_abandoned(dataset_factory, upload, new_version, settings,
                                                            django_capture_on_commit_callbacks):
    settings.OUVERT_DATASTORE_MAX_ATTEMPTS = 2
    resource = upload(dataset_factory(), "n.csv", b"n\n1\n")
    served = selectors.table_for_resource(resource)
    table = requested_not_run(new_version, resource, b"n\n1\n2\n")
    DatastoreTable.objects.filter(pk=table.pk).update(status="running", heartbeat_at=None, attempts=2)
    failed = services.ingestion_run(table_id=table.pk)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "too-many-attempts", 3)
    assert "interrompue 2 fois" in failed.error_message
    assert selectors.table_for_resource(resource).pk == served.pk


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_table_without_crashing_the_worker(dataset_factory, upload, new_version,
                                                                        monkeypatch, caplog):
    from ouvert.datastore import profile

    resource = upload(dataset_factory(), "n.csv", b"n\n1\n")
    served = selectors.table_for_resource(resource)

    def broken(path, **kwargs):
        raise RuntimeError("profil impossible")

    monkeypatch.setattr(profile, "profile", broken)
    new_version(resource, "n.csv", b"n\n1\n2\n")
    table = selectors.latest_table(resource)
    assert (table.status, table.error_code) == ("failed", "internal")
    assert "inattendue" in table.error_message and "profil impossible" not in table.error_message
    assert "profil impossible" in caplog.text
    assert selectors.table_for_resource(resource).pk == served.pk
    assert not services.work_dir(table.pk).exists()


# --- kill -9, for real ------------------------------------------------------------------------------

SETUP = """
from django.core.files import File
from ouvert.core import services as core
from ouvert.core.models import Membership
from ouvert.catalog import services as catalog
org = core.organisation_upsert(slug="mtmd", kind="public_body", name_fr="Ministère des Transports")
user = core.user_upsert(email="editrice@mtmd.example.org", password="motdepasse-Tres-Solide-42")
core.membership_set(user=user, organisation=org, role=Membership.Role.EDITOR)
dataset = catalog.dataset_create(actor=user, organisation=org, data={"name": "comptages", "title_fr": "Comptages"})
with open(%(path)r, "rb") as handle:
    resource = catalog.resource_create(actor=user, dataset=dataset, data={"name_fr": "Comptages", "format": "CSV"},
                                       upload=File(handle, name="comptages.csv"))
print(resource.pk)
"""

NEW_VERSION = """
from django.core.files import File
from ouvert.catalog import services as catalog
resource = catalog.resource_get(id=%(id)r)
with open(%(path)r, "rb") as handle:
    catalog.resource_update(actor=None, resource=resource, data={}, upload=File(handle, name="comptages.csv"),
                            partial=True)
"""

SEARCH = """
from ouvert.datastore import services
print(json.dumps(services.search(user=None, params={"resource_id": %(id)r, "limit": 1})["total"]))
"""


def _child_database():
    """(extra environment, SQL reader, cleanup) for the children's database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {}, None, lambda: None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_kill"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    child_url = urlunsplit(parts._replace(path="/" + name))

    def read(sql):
        with psycopg.connect(child_url, autocommit=True) as con:
            return con.execute(sql).fetchall()

    def drop():
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {"DATABASE_URL": child_url}, read, drop


def test_a_worker_killed_mid_ingestion_leaves_the_previous_table_served_and_the_job_is_finished(tmp_path):
    data = tmp_path / "data"
    extra, pg_read, drop = _child_database()
    extra = {**extra, "OUVERT_DUCKDB_THREADS": "1"}

    def read(sql):
        if pg_read is not None:
            return pg_read(sql)
        con = sqlite3.connect(data / "ouvert.sqlite3", timeout=10)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def tables():
        return read("SELECT id, status, stage, attempts, parquet FROM datastore_datastoretable ORDER BY id")

    def served():
        return read("SELECT current_table_id FROM datastore_datastore")[0][0]

    try:
        migrated = run_ouvert(data, "manage", "migrate", "-v", "0", env_extra=extra, timeout=300)
        assert migrated.returncode == 0, migrated.stderr
        small = tmp_path / "petit.csv"
        small.write_text("id,ville\n1,Montréal\n2,Québec\n3,Laval\n", encoding="utf-8")
        resource_id = run_python(data, SETUP % {"path": str(small)}, env_extra=extra).strip().splitlines()[-1]
        first = run_ouvert(data, "worker", "--batch", env_extra=extra, timeout=300)
        assert first.returncode == 0, first.stderr
        [(first_id, status, _stage, _attempts, first_parquet)] = tables()
        assert status == "done" and served() == first_id

        big = tmp_path / "gros.csv"
        rows = 4_000_000
        con = duckdb.connect()
        con.execute(f"COPY (SELECT range AS id, 'Ville ' || (range % 1000) AS ville, (range % 997) * 1.25 AS montant, "
                    f"DATE '2020-01-01' + (range % 1500)::INT AS jour, 'texte libre numéro ' || range AS note "
                    f"FROM range({rows})) TO '{big}' (HEADER, DELIMITER ',')")
        con.close()
        run_python(data, NEW_VERSION % {"id": resource_id, "path": str(big)}, env_extra=extra, timeout=300)
        second_id = tables()[-1][0]

        # (Its scheduler thread off, so that the periodic jobs are due when ``ouvert scheduler`` runs below.)
        worker = subprocess.Popen([str(OUVERT), "worker", "--no-scheduler"], env=ouvert_env(data, **extra), start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                row = tables()[-1]
                if row[1] == "running" and row[2] == "ingest":
                    break
                assert row[1] in ("pending", "running"), row
                time.sleep(0.1)
            else:
                pytest.fail("the ingestion never started")
            time.sleep(1.0)
            assert tables()[-1][1] == "running", "the ingestion ended before the kill: make the file bigger"
            os.killpg(worker.pid, signal.SIGKILL)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL

        # Killed mid-ingestion: still "running", the previous table served, nothing stored for the new one.
        _id, status, stage, attempts, parquet = tables()[-1]
        assert (status, stage, attempts, parquet) == ("running", "ingest", 1, "")
        assert served() == first_id
        media = data / "media" / "datastore" / resource_id
        assert sorted(p.name for p in media.iterdir()) == [Path(first_parquet).name]
        assert json.loads(run_python(data, SEARCH % {"id": resource_id}, env_extra=extra).strip()) == 3

        # The periodic job (run by any worker or `ouvert scheduler`) enqueues it again once its heartbeat is
        # stale; a new worker takes it over, starts from scratch in a clean folder, and swaps.
        stale = {**extra, "OUVERT_DATASTORE_STALE_SECONDS": "2"}
        time.sleep(2.5)
        scheduled = run_ouvert(data, "scheduler", "--once", env_extra=stale)
        assert scheduled.returncode == 0 and "datastore.stale_ingestions" in scheduled.stdout, scheduled.stderr
        resumed = run_ouvert(data, "worker", "--batch", env_extra=stale, timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        _id, status, stage, attempts, parquet = tables()[-1]
        assert (status, attempts) == ("done", 2) and parquet.endswith(f"/{second_id}.parquet")
        assert served() == second_id
        assert not (data / "tmp" / "datastore" / str(second_id)).exists()
        assert (data / "media" / parquet).exists()
        assert json.loads(run_python(data, SEARCH % {"id": resource_id}, env_extra=extra).strip()) == rows
    finally:
        drop()
