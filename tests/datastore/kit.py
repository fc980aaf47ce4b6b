"""Test kit of the datastore's Django side (imported by test_services, test_jobs, test_datastore_api,
test_sql_guard, test_cli_load):

- the catalogue's fixtures (``publisher_org``, ``editor``, ``member``, ``other_org_editor``,
  ``admin_user``, ``dataset_factory``);
- ``upload(dataset, filename, content, actor=…)``: a resource made by ``catalog.services.resource_create``
  with an uploaded file, its on-commit callbacks run (so the listener enqueues the ingestion, which
  tests run at once), or not (``ingest=False``: the upload is stored, nothing is requested);
- ``new_version(resource, filename, content, ingest=…)``: the same for a new version of a resource;
- ``write_parquet(path, sql)``: a Parquet file written by DuckDB from a SELECT;
- ``NoPathStorage``: a storage without local paths (as S3's), for ``STORAGES``.
"""

import os
from pathlib import Path

import duckdb
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.utils._os import safe_join

from ouvert.catalog import services as catalog_services
from ouvert.datastore import query
from tests.catalog.conftest import (  # noqa: F401
    admin_user,
    dataset_factory,
    editor,
    member,
    other_org,
    other_org_editor,
    publisher_org,
)

DATA = Path(__file__).parent / "data"
BIKES = DATA / "montreal_velos_comptage_2012_latin1_semicolon.csv"


@pytest.fixture(autouse=True)
def fresh_datastore(settings, tmp_path):
    """Each test reads its own files: the process's relations of earlier tests are forgotten, and
    work folders go to the test's own data folder."""
    settings.DATA_DIR = tmp_path / "data"
    query.clear()
    yield
    query.clear()


@pytest.fixture
def upload(editor, django_capture_on_commit_callbacks):  # noqa: F811  (the catalogue's fixture)
    def make(dataset, filename, content: bytes, *, actor=None, ingest=True, **data):
        data.setdefault("name_fr", filename)
        with django_capture_on_commit_callbacks(execute=ingest):
            return catalog_services.resource_create(actor=actor or editor, dataset=dataset, data=data,
                                                    upload=ContentFile(content, name=filename))

    return make


@pytest.fixture
def new_version(editor, django_capture_on_commit_callbacks):  # noqa: F811
    def make(resource, filename, content: bytes, *, actor=None, ingest=True):
        with django_capture_on_commit_callbacks(execute=ingest):
            return catalog_services.resource_update(actor=actor or editor, resource=resource, data={},
                                                    upload=ContentFile(content, name=filename), partial=True)

    return make


class NoPathStorage(InMemoryStorage):
    """Files kept in memory, and no local path for them: what S3's storage is to the datastore."""

    def path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    def _relative_path(self, name):  # the in-memory storage's own bookkeeping used ``path``
        return os.path.relpath(safe_join(self.location, name), self.location)


def write_parquet(path, sql: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def csv_bytes(rows: list[list], *, header: list[str], sep: str = ",") -> bytes:
    lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
