"""The registry of data standards: schemas checked when saved, versions, permissions, nothing half-stored."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.learn import ecosystems as eco
from ouvert.learn.models import Standard, StandardVersion

GOOD = {"fields": [{"name": "code", "type": "string", "constraints": {"required": True}},
                   {"name": "population", "type": "integer", "constraints": {"minimum": 0}}]}


@pytest.fixture
def standard(admin_user):
    return eco.standard_upsert(actor=admin_user, data={"name": "municipalites", "title_fr": "Municipalités"})


def test_version_created_with_its_schema_and_sorted(admin_user, standard):
    eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0", "schema": GOOD,
                                                                  "status": "published"})
    eco.version_create(actor=admin_user, standard=standard, data={"version": "1.10.0", "schema": GOOD,
                                                                  "status": "published"})
    eco.version_create(actor=admin_user, standard=standard, data={"version": "1.2.0", "schema": json.dumps(GOOD)})
    assert [v.version for v in eco.versions_of(standard)] == ["1.10.0", "1.2.0", "1.0.0"]
    assert eco.version_get(standard=standard, version="latest").version == "1.10.0"
    assert eco.version_get(standard=standard, version="1.2.0").schema == GOOD
    assert eco.version_get(standard=standard, version="1.0.0").released_on is not None


def test_invalid_schema_refused_with_the_path_of_the_problem(admin_user, standard):
    bad = {"fields": [{"name": "code", "type": "string"}, {"name": "n", "type": "entier"}]}
    with pytest.raises(ValidationError) as exc:
        eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0", "schema": bad})
    messages = exc.value.message_dict["schema"]
    assert any(m.startswith("fields[1].type") for m in messages), messages
    assert not StandardVersion.objects.exists()


def test_malformed_json_refused_with_line_and_column(admin_user, standard):
    with pytest.raises(ValidationError) as exc:
        eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0",
                                                                      "schema": '{"fields": [\n{"name": }]}'})
    assert "ligne 2" in exc.value.message_dict["schema"][0]
    assert not StandardVersion.objects.exists()


def test_huge_schema_refused(admin_user, standard):
    huge = {"fields": [{"name": f"champ_{i}", "type": "string", "description": "x" * 600} for i in range(1000)]}
    with pytest.raises(ValidationError) as exc:
        eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0", "schema": huge})
    assert "Kio" in exc.value.message_dict["schema"][0]
    assert not StandardVersion.objects.exists()


def test_existing_version_and_bad_semver_refused(admin_user, standard):
    eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0", "schema": GOOD})
    with pytest.raises(eco.VersionExists):
        eco.version_create(actor=admin_user, standard=standard, data={"version": "1.0.0", "schema": GOOD})
    with pytest.raises(ValidationError) as exc:
        eco.version_create(actor=admin_user, standard=standard, data={"version": "v1", "schema": GOOD})
    assert "version" in exc.value.message_dict
    assert StandardVersion.objects.count() == 1


def test_published_schema_frozen_draft_schema_editable(admin_user, standard):
    draft = eco.version_create(actor=admin_user, standard=standard, data={"version": "0.1.0", "schema": GOOD})
    changed = {"fields": GOOD["fields"][:1]}
    eco.version_update(actor=admin_user, version=draft, data={"schema": changed})
    draft.refresh_from_db()
    assert draft.schema == changed
    eco.version_update(actor=admin_user, version=draft, data={"status": "published"})
    with pytest.raises(ValidationError):
        eco.version_update(actor=admin_user, version=draft, data={"schema": GOOD})
    draft.refresh_from_db()
    assert draft.schema == changed and draft.released_on is not None


def test_permissions(make_user, admin_user, publisher_org, editor):
    from ouvert.core import services as core_services

    with pytest.raises(PermissionDenied):
        eco.standard_upsert(actor=editor, data={"name": "x", "title_fr": "X"})
    standard = eco.standard_upsert(actor=admin_user, organisation=publisher_org,
                                   data={"name": "x", "title_fr": "X"})
    with pytest.raises(PermissionDenied):  # an editor is not an admin of the maintainer
        eco.version_create(actor=editor, standard=standard, data={"version": "1.0.0", "schema": GOOD})
    boss = make_user(email="admin@mtmd.example.org")
    core_services.membership_set(user=boss, organisation=publisher_org, role="admin")
    eco.version_create(actor=boss, standard=standard, data={"version": "1.0.0", "schema": GOOD})
    assert Standard.objects.get(name="x").versions.count() == 1


def test_documentation_rows():
    rows = eco.schema_documentation({"fields": [
        {"name": "Date", "type": "date", "format": "%d/%m/%Y", "constraints": {"required": True, "unique": True},
         "description_fr": "Jour", "example": "01/01/2012"},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "enum": [1, 2]}}], "primaryKey": "n"})
    assert rows[0]["required"] and rows[0]["format"] == "%d/%m/%Y" and rows[0]["example"] == "01/01/2012"
    assert rows[0]["description"] == "Jour" and rows[0]["constraints"] == ["unique : True"]
    assert rows[1]["required"] and "minimum : 0" in rows[1]["constraints"] and "valeurs permises : 1, 2" in rows[1]["constraints"]
