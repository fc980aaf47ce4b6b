"""Validation of each new table against the resource's Table Schema, during the ingestion and again when
the schema changes (``datastore.services`` with ``validation.validate_parquet``): counts as Frictionless
gives them on the same data, foreign keys to another resource, invalid data still served with its report.
Runs on SQLite and on PostgreSQL (``DATABASE_URL``)."""

import pytest

from ouvert.datastore import selectors, services
from tests.datastore.kit import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def test_new_tables_are_validated_against_the_schema_and_a_new_schema_revalidates(
        dataset_factory, upload, new_version, editor, django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    regions = upload(dataset, "regions.csv", b"code,nom\n06,Montr\xc3\xa9al\n03,Capitale-Nationale\n",
                     name_fr="Régions")
    resource = upload(dataset, "villes.csv", b"ville,population,region\nLaval,438366,13\nLevis,,03\n")
    assert selectors.table_for_resource(resource).validation is None  # no schema yet
    schema = {
        "fields": [{"name": "ville", "type": "string", "constraints": {"required": True}},
                   {"name": "population", "type": "integer", "constraints": {"required": True, "minimum": 0}},
                   {"name": "region", "type": "string"}],
        "primaryKey": ["ville"],
        "foreignKeys": [{"fields": ["region"], "reference": {"resource": str(regions.pk), "fields": ["code"]}}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.schema_set(actor=editor, resource=resource, schema=schema)
    table = selectors.table_for_resource(resource)
    assert table.validation_valid is False and table.validation_errors == 2
    assert table.validation["counts"] == {"constraint-error": 1, "foreign-key": 1}

    # A new version is validated as it is ingested; invalid data is still served, with its report.
    new_version(resource, "villes.csv", b"ville,population,region\nLaval,438366,abc\nLaval,-5,06\n")
    table = selectors.table_for_resource(resource)
    assert table.rows == 2 and table.validation_valid is False
    assert table.validation["counts"] == {"constraint-error": 1, "primary-key": 1, "foreign-key": 1}
    info = services.info(user=None, params={"resource_id": str(resource.pk)})
    assert info["validation"]["valid"] is False and info["validation"]["errors"] == 3
    new_version(resource, "villes.csv", b"ville,population,region\nLaval,438366,06\nLevis,149683,03\n")
    table = selectors.table_for_resource(resource)
    assert table.validation_valid is True and table.validation_errors == 0
    assert services.job_status(resource)["serving"]["validation"] == {"valid": True, "errors": 0}



def test_the_error_count_is_every_error_found_not_the_errors_listed(dataset_factory, upload, editor,
                                                                    django_capture_on_commit_callbacks):
    """More errors than a report lists (1000): the table, ``datastore_info``, the job status and the stored
    report all give the total found."""
    from ouvert.datastore import validation

    rows = "".join(f"{n},{-n - 1}\n" for n in range(1500))
    resource = upload(dataset_factory(), "mesures.csv", ("n,valeur\n" + rows).encode())
    schema = {"fields": [{"name": "n", "type": "integer"},
                         {"name": "valeur", "type": "integer", "constraints": {"minimum": 0}}]}
    with django_capture_on_commit_callbacks(execute=True):
        services.schema_set(actor=editor, resource=resource, schema=schema)
    table = selectors.table_for_resource(resource)
    task = table.validation["tasks"][0]
    assert len(task["errors"]) == validation.DEFAULT_LIMIT_ERRORS < 1500
    assert table.validation["errors"] == []  # Frictionless' shape: errors are the task's
    assert table.validation_valid is False
    assert table.validation_errors == table.validation["stats"]["errors"] == task["stats"]["errors"] == 1500
    assert table.validation["counts"] == {"constraint-error": 1500}
    assert services.info(user=None, params={"resource_id": str(resource.pk)})["validation"]["errors"] == 1500
    assert services.job_status(resource)["serving"]["validation"] == {"valid": False, "errors": 1500}


def test_counts_stored_as_zero_before_are_taken_again_from_their_report(dataset_factory, upload, editor,
                                                                        django_capture_on_commit_callbacks):
    import importlib

    from django.apps import apps

    from ouvert.datastore.models import DatastoreTable

    resource = upload(dataset_factory(), "villes.csv", b"ville,population\nLaval,-1\nLevis,-2\n")
    with django_capture_on_commit_callbacks(execute=True):
        services.schema_set(actor=editor, resource=resource, schema={
            "fields": [{"name": "ville", "type": "string"},
                       {"name": "population", "type": "integer", "constraints": {"minimum": 0}}]})
    table = selectors.table_for_resource(resource)
    assert table.validation_errors == 2
    DatastoreTable.objects.filter(pk=table.pk).update(validation_errors=0)  # what the earlier count stored
    migration = importlib.import_module("ouvert.datastore.migrations.0003_validation_errors_from_report")
    migration.recount(apps, None)
    table.refresh_from_db()
    assert table.validation_errors == 2
    assert services.validation_errors_total(None) is None
    assert services.validation_errors_total({"counts": {"type-error": 3, "foreign-key": 1}}) == 4
