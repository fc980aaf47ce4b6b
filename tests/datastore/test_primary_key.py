"""Primary keys of tabular resources and the datastore's facts for the quality module
(``services.table_facts_for_datasets``): the declared key, whether the served table respects it (from
the validation report, only while that report is the schema's), the data dictionary's completeness.
Runs on SQLite and on PostgreSQL (``DATABASE_URL``)."""

import pytest

from ouvert.datastore import services
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import csv_bytes

pytestmark = pytest.mark.django_db

REGIONS = csv_bytes([["01", "Bas-Saint-Laurent"], ["02", "Saguenay–Lac-Saint-Jean"], ["03", "Capitale-Nationale"]],
                    header=["code", "nom"])
REGIONS_DUPLICATED = csv_bytes([["01", "Bas-Saint-Laurent"], ["01", "Bas-Saint-Laurent (bis)"],
                                ["03", "Capitale-Nationale"], ["03", "Capitale"], ["03", "Québec"]],
                               header=["code", "nom"])


def _schema(*, key=("code",), described=True):
    fields = [{"name": "code", "type": "string"}, {"name": "nom", "type": "string"}]
    if described:
        fields[0].update(description_fr="Code de la région", description_en="Region code")
        fields[1].update(description_fr="Nom de la région")  # no English: not fully described
    schema = {"fields": fields}
    if key:
        schema["primaryKey"] = list(key)
    return schema


def _set_schema(editor, resource, schema, capture, *, run=True):
    with capture(execute=run):
        services.schema_set(actor=editor, resource=resource, schema=schema)


def test_facts_without_schema_list_every_column_as_undescribed(dataset_factory, upload):
    dataset = dataset_factory()
    resource = upload(dataset, "regions.csv", REGIONS)
    facts = services.table_facts_for_datasets([dataset.pk])
    assert list(facts) == [dataset.pk]
    (fact,) = facts[dataset.pk]
    assert fact == {
        "resource_id": str(resource.pk), "has_schema": False, "primary_key": [], "primary_key_unique": None,
        "primary_key_duplicates": None, "validation_valid": None, "validation_errors": 0,
        "validation_current": False, "fields": 2, "undescribed_fields": ["code", "nom"], "rows": 3,
        "status": "done",
    }


def test_facts_with_a_unique_key_and_a_partial_dictionary(dataset_factory, upload, editor,
                                                          django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    resource = upload(dataset, "regions.csv", REGIONS)
    _set_schema(editor, resource, _schema(), django_capture_on_commit_callbacks)
    (fact,) = services.table_facts_for_datasets([str(dataset.pk)])[str(dataset.pk)]
    assert fact["has_schema"] is True and fact["primary_key"] == ["code"]
    assert fact["primary_key_unique"] is True and fact["primary_key_duplicates"] == 0
    assert fact["validation_valid"] is True and fact["validation_errors"] == 0 and fact["validation_current"]
    assert fact["fields"] == 2 and fact["undescribed_fields"] == ["nom"]


def test_facts_count_the_rows_breaking_the_key(dataset_factory, upload, new_version, editor,
                                               django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    resource = upload(dataset, "regions.csv", REGIONS)
    _set_schema(editor, resource, _schema(), django_capture_on_commit_callbacks)
    new_version(resource, "regions.csv", REGIONS_DUPLICATED)
    (fact,) = services.table_facts_for_datasets([dataset.pk])[dataset.pk]
    assert fact["primary_key_unique"] is False and fact["primary_key_duplicates"] == 3
    assert fact["validation_valid"] is False and fact["validation_errors"] == 3
    assert fact["rows"] == 5


def test_a_report_made_with_other_rules_is_not_taken_for_the_new_key(dataset_factory, upload, editor,
                                                                     django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    resource = upload(dataset, "regions.csv", REGIONS_DUPLICATED)
    _set_schema(editor, resource, _schema(key=("nom",)), django_capture_on_commit_callbacks)
    (fact,) = services.table_facts_for_datasets([dataset.pk])[dataset.pk]
    assert fact["primary_key_unique"] is True
    # The key changes; its check is still to be made (the task has not run): nothing is claimed.
    _set_schema(editor, resource, _schema(key=("code",)), django_capture_on_commit_callbacks, run=False)
    (fact,) = services.table_facts_for_datasets([dataset.pk])[dataset.pk]
    assert fact["primary_key"] == ["code"] and fact["primary_key_unique"] is None
    assert fact["validation_valid"] is None and fact["validation_current"] is False
    # Descriptions are no rule: describing a field keeps the report (and its answer) valid.
    _set_schema(editor, resource, _schema(key=("nom",)), django_capture_on_commit_callbacks)
    described = _schema(key=("nom",))
    described["fields"][1]["description_en"] = "Region name"
    _set_schema(editor, resource, described, django_capture_on_commit_callbacks, run=False)
    (fact,) = services.table_facts_for_datasets([dataset.pk])[dataset.pk]
    assert fact["primary_key_unique"] is True and fact["validation_current"] is True
    assert fact["undescribed_fields"] == []


def test_a_description_in_no_named_language_leaves_the_field_undescribed(dataset_factory, upload, editor,
                                                             django_capture_on_commit_callbacks):
    dataset = dataset_factory()
    resource = upload(dataset, "regions.csv", REGIONS)
    schema = {"fields": [{"name": "code", "type": "string", "description_fr": "Code",
                          "description_en": "Code"},
                         {"name": "nom", "type": "string", "description": "Nom (langue inconnue)"}]}
    _set_schema(editor, resource, schema, django_capture_on_commit_callbacks)
    (fact,) = services.table_facts_for_datasets([dataset.pk])[dataset.pk]
    assert fact["undescribed_fields"] == ["nom"] and fact["primary_key"] == []
    assert fact["primary_key_unique"] is None and fact["validation_valid"] is True


def test_facts_skip_bad_ids_deleted_resources_and_datasets_without_tables(dataset_factory, upload, editor):
    from ouvert.catalog import services as catalog_services

    empty = dataset_factory()
    dataset = dataset_factory()
    kept = upload(dataset, "regions.csv", REGIONS, name_fr="Régions")
    removed = upload(dataset, "autres.csv", REGIONS, name_fr="Autres")
    catalog_services.resource_delete(actor=editor, resource=removed)
    facts = services.table_facts_for_datasets([empty.pk, dataset.pk, "pas-un-uuid", None, 42])
    assert facts == {empty.pk: [], dataset.pk: facts[dataset.pk]}
    assert [fact["resource_id"] for fact in facts[dataset.pk]] == [str(kept.pk)]
    assert services.table_facts_for_datasets([]) == {}


def test_facts_take_a_constant_number_of_queries(dataset_factory, upload, editor, django_assert_num_queries,
                                                 django_capture_on_commit_callbacks):
    datasets = []
    for _n in range(4):
        dataset = dataset_factory()
        for m in range(2):
            resource = upload(dataset, f"regions-{m}.csv", REGIONS, name_fr=f"Régions {m}")
            if m:
                _set_schema(editor, resource, _schema(), django_capture_on_commit_callbacks)
        datasets.append(dataset)
    with django_assert_num_queries(1):
        one = services.table_facts_for_datasets([datasets[0].pk])
    with django_assert_num_queries(1):
        every = services.table_facts_for_datasets([d.pk for d in datasets])
    assert len(one[datasets[0].pk]) == 2 and all(len(items) == 2 for items in every.values())
    assert [fact["has_schema"] for fact in every[datasets[2].pk]] == [False, True]
