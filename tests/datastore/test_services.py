"""Ingestion through the catalogue (``datastore.services``): a tabular resource uploaded or linked gets a
Parquet table, served only once complete; a failed ingestion leaves the previous table served and says
why; links are fetched with harvest's client; what is not tabular or did not change is left alone;
old files are removed, a purge removes the rest. Runs on SQLite and on PostgreSQL (``DATABASE_URL``)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from ouvert.catalog import services as catalog_services
from ouvert.core.services import NotFound
from ouvert.datastore import selectors, services
from ouvert.datastore.models import Datastore, DatastoreTable
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import BIKES, csv_bytes
from tests.harvest.conftest import static_server  # noqa: F401

pytestmark = pytest.mark.django_db


def rows_of(resource, **params):
    return services.search(user=None, params={"resource_id": str(resource.pk), **params})


def test_an_uploaded_csv_is_ingested_profiled_stored_and_served(dataset_factory, upload):
    resource = upload(dataset_factory(), "velos.csv", BIKES.read_bytes(), format="CSV")
    table = selectors.table_for_resource(resource)
    assert table is not None and table.status == DatastoreTable.Status.DONE
    assert (table.origin, table.version_id, table.attempts) == ("upload", resource.current_version_id, 1)
    assert table.rows == 310 and len(table.columns) == 10
    assert table.columns[0] == {"name": "Date", "type": "date", "duckdb_type": "DATE"}
    # The real file's quirks are reported: Latin-1, semicolons, 295 rows one value short.
    assert table.info["encoding"].lower() in ("latin-1", "iso-8859-1", "windows-1252", "cp1252")
    assert table.info["delimiter"] == ";"
    assert table.ragged["rows"] == 295 and any(w["code"] == "ragged-rows" for w in table.warnings)
    berri = next(item for item in table.profile if item["name"] == "Berri 1")
    assert berri["max"] == 7077 and berri["nulls"] == 0
    assert table.parquet == f"datastore/{resource.pk}/{table.pk}.parquet"
    assert default_storage.exists(table.parquet) and table.parquet_size > 0
    status = services.job_status(resource)
    assert status["state"] == "done" and status["serving"]["id"] == table.pk and not status["previous_served"]
    answer = rows_of(resource, sort="Berri 1 desc", limit=1)
    assert answer["total"] == 310 and answer["records"][0]["Date"] == "2012-06-15"


def test_a_new_version_is_served_only_once_complete_and_a_failed_one_leaves_the_previous(dataset_factory, upload,
                                                                                          new_version):
    header = ["ville", "population"]
    resource = upload(dataset_factory(), "villes.csv",
                      csv_bytes([["Montréal", 1762949], ["Québec", 549459]], header=header))
    first = selectors.table_for_resource(resource)
    assert rows_of(resource)["total"] == 2

    new_version(resource, "villes.csv", csv_bytes([["Montréal", 1762949], ["Québec", 549459], ["Laval", 438366]],
                                                  header=header))
    second = selectors.table_for_resource(resource)
    assert second.pk > first.pk and rows_of(resource)["total"] == 3

    # A binary file named .csv: the ingestion fails with a reason, the previous table stays served.
    new_version(resource, "villes.csv", bytes(range(256)) * 64)
    failed = selectors.latest_table(resource)
    assert failed.status == DatastoreTable.Status.FAILED and failed.error_code == "binary-file"
    assert "binaire" in failed.error_message
    assert failed.parquet == "" and not default_storage.exists(f"datastore/{resource.pk}/{failed.pk}.parquet")
    assert selectors.table_for_resource(resource).pk == second.pk
    status = services.job_status(resource)
    assert status["state"] == "failed" and status["previous_served"]
    assert status["latest"]["error"] == {"code": "binary-file", "message": failed.error_message}
    assert rows_of(resource)["total"] == 3

    # An empty file and a truncated XLSX: clear reasons, never the previous table lost.
    new_version(resource, "vide.csv", b"")
    assert selectors.latest_table(resource).error_code == "empty-file"
    new_version(resource, "classeur.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    assert selectors.latest_table(resource).error_code == "corrupt-file"
    assert selectors.table_for_resource(resource).pk == second.pk

    # A header-only file is a table with no rows: served as such.
    new_version(resource, "villes.csv", b"ville,population\n")
    assert selectors.table_for_resource(resource).rows == 0 and rows_of(resource)["total"] == 0


def test_a_linked_table_is_fetched_and_ingested(dataset_factory, editor, static_server, settings,  # noqa: F811
                                                django_capture_on_commit_callbacks):
    static_server.put("/villes.csv", csv_bytes([["Montréal", 1762949], ["Gatineau", 291041]],
                                               header=["ville", "population"]), "text/csv")
    static_server.put("/gros.csv", b"a,b\n" + b"1,2\n" * 5000, "text/csv")
    dataset = dataset_factory()
    with django_capture_on_commit_callbacks(execute=True):
        resource = catalog_services.resource_create(actor=editor, dataset=dataset,
                                                    data={"name_fr": "Villes", "url": f"{static_server.url}/villes.csv"})
    table = selectors.table_for_resource(resource)
    assert table.origin == "link" and table.source_url.endswith("/villes.csv") and table.rows == 2
    assert table.source_size > 0 and len(table.source_sha256) == 64
    assert rows_of(resource, filters={"ville": "Gatineau"})["records"][0]["population"] == 291041

    # A missing file, then a file over the size limit: failed, the first table still served.
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=resource,
                                         data={"url": f"{static_server.url}/absent.csv"}, partial=True)
    latest = selectors.latest_table(resource)
    assert latest.error_code == "fetch-error" and "404" in latest.error_message
    settings.OUVERT_DATASTORE_MAX_BYTES = 1000
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=resource,
                                         data={"url": f"{static_server.url}/gros.csv"}, partial=True)
    latest = selectors.latest_table(resource)
    assert latest.error_code == "fetch-error" and "volumineuse" in latest.error_message
    assert selectors.table_for_resource(resource).pk == table.pk


def test_what_is_not_tabular_or_did_not_change_is_left_alone(dataset_factory, editor, upload, settings,
                                                             django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    settings.OUVERT_DATASTORE_INGEST_LINKS = False  # links are not fetched; uploads still ingested
    with django_capture_on_commit_callbacks(execute=True):
        link = catalog_services.resource_create(actor=editor, dataset=dataset,
                                                data={"name_fr": "Lien", "url": "https://example.org/lien.csv"})
    assert services.job_status(link)["state"] == "none"
    settings.OUVERT_DATASTORE_INGEST_LINKS = True
    with django_capture_on_commit_callbacks(execute=True):
        pdf = catalog_services.resource_create(actor=editor, dataset=dataset,
                                               data={"name_fr": "Rapport", "url": "https://example.org/rapport.pdf"})
        geo = catalog_services.resource_create(actor=editor, dataset=dataset,
                                               data={"name_fr": "Carte", "url": "https://example.org/carte.json",
                                                     "format": "GeoJSON"})
    assert services.job_status(pdf)["state"] == "none" and services.job_status(geo)["state"] == "none"
    assert not Datastore.objects.filter(pk__in=[pdf.pk, geo.pk]).exists()

    resource = upload(dataset, "villes.csv", b"ville\nLaval\n")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=resource,
                                         data={"description_fr": "Les villes du Québec."}, partial=True)
    assert DatastoreTable.objects.filter(datastore_id=resource.pk).count() == 1


def test_older_pending_ingestions_are_superseded_and_the_swap_never_goes_back(dataset_factory, upload, new_version,
                                                                              django_capture_on_commit_callbacks):
    resource = upload(dataset_factory(), "a.csv", b"n\n1\n")
    with django_capture_on_commit_callbacks(execute=False):  # requested, not run
        older = services.ingestion_request(resource=resource, force=True)
        newer = services.ingestion_request(resource=resource, force=True)
    older.refresh_from_db()
    assert older.status == DatastoreTable.Status.FAILED and older.error_code == "superseded"
    assert services.ingestion_run(table_id=older.pk).status == DatastoreTable.Status.FAILED

    # A slow ingestion (running, its worker gone) finishing after a newer one never replaces it.
    DatastoreTable.objects.filter(pk=newer.pk).update(status=DatastoreTable.Status.RUNNING, heartbeat_at=None)
    new_version(resource, "a.csv", b"n\n1\n2\n3\n")
    latest = selectors.table_for_resource(resource)
    assert latest.pk > newer.pk and latest.rows == 3
    done = services.ingestion_run(table_id=newer.pk)
    assert done.status == DatastoreTable.Status.DONE and done.attempts == 1
    assert selectors.table_for_resource(resource).pk == latest.pk


def test_old_files_are_removed_and_a_purge_removes_the_rest(dataset_factory, upload, new_version, admin_user,
                                                            django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    resource = upload(dataset, "n.csv", b"n\n1\n")
    for count in (2, 3, 4):
        new_version(resource, "n.csv", ("n\n" + "".join(f"{i}\n" for i in range(count))).encode())
    tables = list(DatastoreTable.objects.filter(datastore_id=resource.pk).order_by("id"))
    assert [t.rows for t in tables] == [1, 2, 3, 4]
    kept = [t for t in tables if t.parquet]
    assert [t.rows for t in kept] == [3, 4]  # the served table and the one it replaced
    assert not any(default_storage.exists(f"datastore/{resource.pk}/{t.pk}.parquet") for t in tables[:2])
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=admin_user, dataset=dataset)
        catalog_services.dataset_purge(actor=admin_user, dataset=dataset)
    assert not DatastoreTable.objects.exists() and not Datastore.objects.exists()
    assert not any(default_storage.exists(t.parquet) for t in kept)


def test_deleted_resources_and_unreadable_datasets_are_not_served(dataset_factory, upload, editor, member,
                                                                  other_org_editor,
                                                                  django_capture_on_commit_callbacks):
    private = dataset_factory(private=True)
    resource = upload(private, "n.csv", b"n\n1\n2\n")
    params = {"resource_id": str(resource.pk)}
    for reader in (None, other_org_editor):
        with pytest.raises(NotFound):
            services.search(user=reader, params=params)
        with pytest.raises(NotFound):
            services.info(user=reader, params=params)
    assert services.search(user=member, params=params)["total"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_delete(actor=editor, resource=resource)
    with pytest.raises(NotFound):
        services.search(user=member, params=params)
    with pytest.raises(NotFound):
        services.search(user=None, params={"resource_id": "00000000-0000-0000-0000-000000000000"})


def test_job_status_of_a_resource_never_ingested_and_of_one_in_progress(dataset_factory, editor,
                                                                        django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    with django_capture_on_commit_callbacks(execute=False):
        resource = catalog_services.resource_create(actor=editor, dataset=dataset,
                                                    data={"name_fr": "Villes", "url": "https://example.org/v.csv"})
    assert services.job_status(resource)["state"] == "none"
    table = services.ingestion_request(resource=resource)
    status = services.job_status(resource)
    assert status["state"] == "pending" and status["serving"] is None and status["latest"]["id"] == table.pk
    info = services.info(user=None, params={"resource_id": str(resource.pk)})
    assert info["meta"]["count"] == 0 and info["ingestion"]["state"] == "pending" and info["fields"] == []


def test_the_schema_is_for_editors_and_checked(dataset_factory, upload, member, editor):
    resource = upload(dataset_factory(), "n.csv", b"n\n1\n")
    good = {"fields": [{"name": "n", "type": "integer", "description_fr": "Un nombre", "description_en": "A number"}]}
    with pytest.raises(PermissionDenied):
        services.schema_set(actor=member, resource=resource, schema=good)
    with pytest.raises(ValidationError) as refused:
        services.schema_set(actor=editor, resource=resource, schema={"fields": [{"name": "n", "type": "entier"}]})
    assert "fields[0].type" in str(refused.value)
    services.schema_set(actor=editor, resource=resource, schema=good)
    info = services.info(user=None, params={"resource_id": str(resource.pk)})
    assert info["fields"][0]["info"]["notes_fr"] == "Un nombre" and info["fields"][0]["info"]["notes"] == "Un nombre"
    assert info["schema"] == good


def test_a_lost_parquet_file_is_a_clear_404_never_a_500(dataset_factory, upload, client):
    from ouvert.datastore import query

    resource = upload(dataset_factory(), "n.csv", b"n\n1\n2\n")
    table = selectors.table_for_resource(resource)
    assert rows_of(resource)["total"] == 2
    default_storage.delete(table.parquet)
    query.clear()
    for action, params in (("datastore_search", {"resource_id": str(resource.pk)}),
                           ("datastore_info", {"resource_id": str(resource.pk)}),
                           ("datastore_search_sql", {"sql": f'SELECT * FROM "{resource.pk}"'})):
        response = client.get(f"/api/3/action/{action}", params)
        assert response.status_code == 404, response.content
        assert "introuvable" in response.json()["error"]["message"]


def test_with_object_storage_files_go_through_the_storage_and_a_local_copy(dataset_factory, upload, new_version,
                                                                           settings):
    """Storage without local paths (S3 in production; an in-memory storage here): the source is
    copied into the work folder, the Parquet file saved through the storage, read from a local copy."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.datastore.kit.NoPathStorage"}}
    with pytest.raises(NotImplementedError):
        default_storage.path("x")
    resource = upload(dataset_factory(), "villes.csv", b"ville,population\nLaval,438366\nLevis,149683\n")
    table = selectors.table_for_resource(resource)
    assert table.status == "done" and default_storage.exists(table.parquet)
    assert rows_of(resource, sort="population desc")["records"][0]["ville"] == "Laval"
    copy = settings.DATA_DIR / "cache" / table.parquet
    assert copy.exists() and copy.read_bytes() == default_storage.open(table.parquet).read()
    new_version(resource, "villes.csv", b"ville,population\nGatineau,291041\n")
    assert rows_of(resource)["records"][0]["ville"] == "Gatineau"


def test_ten_thousand_columns_and_a_file_over_the_limit_are_refused_with_a_reason(dataset_factory, upload,
                                                                                  new_version, settings):
    resource = upload(dataset_factory(), "n.csv", b"n\n1\n")
    served = selectors.table_for_resource(resource)
    wide = (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" for _i in range(10_000)) + "\n").encode()
    new_version(resource, "large.csv", wide)
    failed = selectors.latest_table(resource)
    assert failed.error_code == "too-many-columns" and "10000" in failed.error_message.replace("\u202f", "")
    settings.OUVERT_DATASTORE_MAX_BYTES = 1000
    new_version(resource, "gros.csv", b"n\n" + b"123456789\n" * 200)
    failed = selectors.latest_table(resource)
    assert failed.error_code == "too-large" and "limite" in failed.error_message
    assert selectors.table_for_resource(resource).pk == served.pk and rows_of(resource)["total"] == 1


def test_searches_read_the_served_table_without_its_reports(dataset_factory, upload):
    resource = upload(dataset_factory(), "n.csv", b"n\n1\n2\n")
    served = selectors.served_table(resource)
    assert {"profile", "validation", "columns", "info", "warnings", "ragged"} <= served.get_deferred_fields()
    assert served.pk == selectors.table_for_resource(resource).pk and served.parquet
    assert rows_of(resource)["total"] == 2
