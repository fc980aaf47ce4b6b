"""Primary keys of tabular resources and the datastore's facts for the quality module
(``services.table_facts_for_datasets``): the declared key, whether the served table respects it (from
the validation report, only while that report is the schema's), the data dictionary's completeness.
Runs on SQLite and on PostgreSQL (``DATABASE_URL``)."""

import re

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


# --- Proposing a key ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "rank"), [
    ("id", 0), ("ID", 0), ("Identifiant", 0), ("code", 0), ("Numéro", 0), ("N°", 0), ("uuid", 0),
    ("code_region", 1), ("CodeMunicipalite", 1), ("no_dossier", 1), ("N° de dossier", 1), ("region_id", 1),
    ("ID_SITE", 1), ("nom", None), ("Date", None), ("Nombre", None), ("codex", None), ("noeud", None), ("", None),
])
def test_names_that_look_like_identifiers(name, rank):
    from ouvert.datastore.schema import identifier_rank

    assert identifier_rank(name) == rank


def _profile(name, *, count=10, nulls=0, distinct=10, approximate=False, kind="string"):
    return {"name": name, "type": kind, "count": count, "nulls": nulls, "distinct": distinct,
            "distinct_approximate": approximate}


def test_a_complete_unique_identifier_column_is_proposed_and_nothing_else():
    from ouvert.datastore.schema import propose_primary_key

    fields = [{"name": "nom", "type": "string"}, {"name": "code_region", "type": "string"},
              {"name": "id", "type": "integer"}, {"name": "valeur", "type": "number"}]
    profile = [_profile("nom"), _profile("code_region"), _profile("id", kind="integer"),
               _profile("valeur", kind="number")]
    assert propose_primary_key(fields, profile) == ["id"]  # the plain name beats code_region
    profile[2]["nulls"] = 1
    assert propose_primary_key(fields, profile) == ["code_region"]  # an empty id: not a key
    profile[1]["distinct"] = 9
    assert propose_primary_key(fields, profile) == []  # a duplicated code: not a key either
    # A number with decimals, an estimated distinct count, an empty table: never proposed.
    assert propose_primary_key([{"name": "id", "type": "number"}], [_profile("id", kind="number")]) == []
    assert propose_primary_key([{"name": "id", "type": "string"}], [_profile("id", approximate=True)]) == []
    assert propose_primary_key([{"name": "id", "type": "string"}], [_profile("id", count=0, distinct=0)]) == []
    assert propose_primary_key([{"name": "id", "type": "string"}], None) == []
    # Matched by name when the profile and the fields differ in number.
    assert propose_primary_key([{"name": "code", "type": "string"}], [_profile("x"), _profile("code")]) == ["code"]


def test_inference_proposes_the_key_from_the_ingested_profile(dataset_factory, upload):
    from ouvert.datastore import schema as schema_module
    from ouvert.datastore import selectors

    resource = upload(dataset_factory(), "regions.csv", REGIONS)
    table = selectors.table_for_resource(resource)
    inferred = schema_module.infer(table.columns, info=table.info, profile=table.profile)
    assert inferred["primaryKey"] == ["code"]
    assert "primaryKey" not in schema_module.infer(table.columns, info=table.info)
    duplicated = upload(dataset_factory(), "regions.csv", REGIONS_DUPLICATED)
    table = selectors.table_for_resource(duplicated)
    assert "primaryKey" not in schema_module.infer(table.columns, info=table.info, profile=table.profile)
    assert schema_module.with_primary_key(inferred, ["nom", "code"])["primaryKey"] == ["code", "nom"]
    assert "primaryKey" not in schema_module.with_primary_key(inferred, [])


# --- Pages and datastore_info ------------------------------------------------------------------------

def _url(resource, page="apercu/"):
    return f"/fr/catalogue/jeux/{resource.dataset.name}/ressources/{resource.pk}/{page}"


def _dictionary_post(client, resource, capture, **data):
    payload = {"fr_0": "Code de la région", "en_0": "Region code", "fr_1": "Nom", "en_1": "Name"}
    payload.update(data)
    with capture(execute=True):
        return client.post(_url(resource, "dictionnaire/"), payload)


def test_the_publisher_declares_the_key_and_the_pages_show_its_uniqueness(
        client, dataset_factory, upload, new_version, editor, django_capture_on_commit_callbacks):
    from ouvert.datastore import selectors

    resource = upload(dataset_factory(), "regions.csv", REGIONS)
    page = client.get(_url(resource)).content.decode()
    assert "Aucune clé primaire n’est déclarée." in page and "<code>code</code>" in page  # proposed
    client.force_login(editor)
    form = client.get(_url(resource, "dictionnaire/")).content.decode()
    # The proposed key is ticked; each field says whether it could be one.
    assert 'name="primary_key" value="code"' in form and "code (valeurs toutes remplies et uniques)" in form
    checked = re.search(r'<input[^>]*value="code"[^>]*>', form).group(0)
    assert "checked" in checked
    response = _dictionary_post(client, resource, django_capture_on_commit_callbacks, primary_key=["code"])
    assert response.status_code == 302
    assert selectors.datastore_for(resource).schema["primaryKey"] == ["code"]
    page = client.get(_url(resource)).content.decode()
    assert "Champ qui identifie chaque ligne :" in page and "clé unique" in page
    info = services.info(user=None, params={"resource_id": str(resource.pk)})
    assert info["primary_key"] == {"fields": ["code"], "unique": True, "duplicates": 0, "proposed": []}
    assert next(f for f in info["fields"] if f["id"] == "code")["schema"]["uniquekey"] is True

    # A new version with duplicated codes: the page counts the rows breaking the key, with the report.
    new_version(resource, "regions.csv", REGIONS_DUPLICATED)
    page = client.get(_url(resource)).content.decode()
    assert "3 lignes enfreignent la clé" in page and "validation/?code=primary-key" in page
    report = client.get(_url(resource, "validation/"), {"code": "primary-key"}).content.decode()
    assert "enfreint la clé primaire (code)" in report
    info = services.info(user=None, params={"resource_id": str(resource.pk)})
    assert info["primary_key"]["unique"] is False and info["primary_key"]["duplicates"] == 3
    assert next(f for f in info["fields"] if f["id"] == "code")["schema"]["uniquekey"] is False

    # The key changed to two fields, then removed.
    _dictionary_post(client, resource, django_capture_on_commit_callbacks, primary_key=["nom", "code"])
    assert selectors.datastore_for(resource).schema["primaryKey"] == ["code", "nom"]
    assert "Champs qui identifient ensemble chaque ligne" in client.get(_url(resource)).content.decode()
    _dictionary_post(client, resource, django_capture_on_commit_callbacks)
    schema = selectors.datastore_for(resource).schema
    assert "primaryKey" not in schema and schema["fields"][0]["description_en"] == "Region code"


def test_a_key_naming_no_field_is_refused_and_others_may_not_set_one(
        client, dataset_factory, upload, editor, member, other_org_editor, django_capture_on_commit_callbacks):
    from ouvert.datastore import selectors

    resource = upload(dataset_factory(), "regions.csv", REGIONS)
    client.force_login(editor)
    response = _dictionary_post(client, resource, django_capture_on_commit_callbacks, primary_key=["inconnu"])
    assert response.status_code == 400 and "inconnu" in response.content.decode()
    assert selectors.datastore_for(resource).schema == {}
    for user in (member, other_org_editor):
        client.force_login(user)
        response = _dictionary_post(client, resource, django_capture_on_commit_callbacks, primary_key=["code"])
        assert response.status_code == 403
    assert selectors.datastore_for(resource).schema == {}
    private = upload(dataset_factory(private=True), "regions.csv", REGIONS)
    client.force_login(other_org_editor)
    assert client.get(_url(private)).status_code == 404
    assert client.get(_url(private, "dictionnaire/")).status_code == 404
    client.logout()
    assert client.get(_url(private)).status_code == 404
