"""Ecosystems, declarations and conformity computed with the datastore's validation on real CSV files."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.learn import ecosystems as eco
from ouvert.learn.models import Conformity, EcosystemDataset


def _conformity(resource, version):
    return Conformity.objects.get(resource=resource, standard_version=version)


def test_declaration_checks_every_version_of_the_standard(eco_declared):
    w = eco_declared
    bikes_v1 = _conformity(w["bikes_resource"], w["v1"])
    bikes_v2 = _conformity(w["bikes_resource"], w["v2"])
    weather = _conformity(w["weather_resource"], w["w1"])
    assert bikes_v1.status == Conformity.Status.CONFORMS and bikes_v1.error_count == 0
    assert weather.status == Conformity.Status.CONFORMS, weather.first_errors
    assert bikes_v2.status == Conformity.Status.FAILS
    # The two counters « données non disponibles » are empty on every one of the 310 days.
    assert bikes_v2.error_count == 620
    first = bikes_v2.first_errors[0]
    assert first["field"] == "Brébeuf (données non disponibles)" and first["row"] == 2
    assert first["type"] == "constraint-error" and first["message"]
    assert len(bikes_v2.first_errors) == eco.FIRST_ERRORS
    assert bikes_v2.report["counts"] == {"constraint-error": 620}
    assert not Conformity.objects.filter(resource=w["weather_resource"], standard_version=w["v1"]).exists()


def test_declaring_outside_the_ecosystem_or_without_permission(eco_world, other_org_editor, make_user, editor):
    w = eco_world
    with pytest.raises(ValidationError) as exc:
        eco.dataset_declare(actor=editor, ecosystem=w["ecosystem"], dataset=w["outside"], version=w["v1"])
    assert "ne fait pas partie" in exc.value.message_dict["dataset"][0]
    stranger = make_user(email="quelquun@example.org")
    with pytest.raises(PermissionDenied):
        eco.dataset_declare(actor=stranger, ecosystem=w["ecosystem"], dataset=w["bikes"], version=w["v1"])
    # an editor of the coordinating organisation is not an admin of it: not a coordinator
    with pytest.raises(PermissionDenied):
        eco.dataset_declare(actor=other_org_editor, ecosystem=w["ecosystem"], dataset=w["bikes"], version=w["v1"])
    assert not EcosystemDataset.objects.filter(standard_version__isnull=False).exists()
    assert not Conformity.objects.exists()


def test_coordinator_admin_manages_and_declares(eco_world, make_user, other_org, django_capture_on_commit_callbacks):
    from ouvert.core import services as core_services

    w = eco_world
    coordinator = make_user(email="coordo@ville.example.org")
    core_services.membership_set(user=coordinator, organisation=other_org, role="admin")
    assert eco.ecosystem_can_manage(coordinator, w["ecosystem"])
    with django_capture_on_commit_callbacks(execute=True):
        eco.dataset_declare(actor=coordinator, ecosystem=w["ecosystem"], dataset=w["bikes"], version=w["v1"])
    assert _conformity(w["bikes_resource"], w["v1"]).status == Conformity.Status.CONFORMS
    with pytest.raises(PermissionDenied):  # designating coordinators is the platform admins' decision
        eco.ecosystem_organisation_set(actor=coordinator, ecosystem=w["ecosystem"], organisation=other_org,
                                       is_coordinator=True)


def test_new_resource_version_is_checked_again(eco_declared, editor, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from ouvert.catalog import services as catalog_services
    from ouvert.datastore import services as datastore_services

    w = eco_declared
    before = _conformity(w["bikes_resource"], w["v1"]).table_id
    # A new version of the file with the two counters without data dropped: their columns are missing now.
    raw = w["bikes_resource"].current_version.file.read().decode("latin-1")
    lines = [";".join(c for i, c in enumerate(line.split(";")) if i not in (2, 9)) for line in raw.splitlines()]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.resource_update(actor=editor, resource=w["bikes_resource"], data={}, partial=True,
                                         upload=ContentFile("\n".join(lines).encode("latin-1"), name="velos.csv"))
    eco.conformity_refresh()  # the periodic job: whatever the order of the listeners, the served table is checked
    served = datastore_services.table_for_resource(w["bikes_resource"])
    assert served.pk != before
    v1 = _conformity(w["bikes_resource"], w["v1"])
    assert v1.table_id == served.pk and v1.status == Conformity.Status.FAILS
    assert "missing-label" in v1.report["counts"], v1.report["counts"]
    assert eco.conformity_refresh() == 0  # nothing left to redo


def test_new_version_of_the_standard_is_checked(eco_declared, admin_user, django_capture_on_commit_callbacks):
    w = eco_declared
    with django_capture_on_commit_callbacks(execute=True):
        v3 = eco.version_create(actor=admin_user, standard=w["bikes_standard"],
                                data={"version": "1.1.0", "status": "published", "schema": w["v1"].schema})
    assert _conformity(w["bikes_resource"], v3).status == Conformity.Status.CONFORMS
    assert not Conformity.objects.filter(resource=w["weather_resource"], standard_version=v3).exists()


def test_draft_version_cannot_be_declared(eco_world, admin_user, editor):
    w = eco_world
    draft = eco.version_create(actor=admin_user, standard=w["bikes_standard"],
                               data={"version": "3.0.0-rc.1", "schema": w["v1"].schema})
    with pytest.raises(ValidationError):
        eco.dataset_declare(actor=editor, ecosystem=w["ecosystem"], dataset=w["bikes"], version=draft)


def test_unserved_resource_is_not_checked(eco_world, editor, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from ouvert.catalog import services as catalog_services

    w = eco_world
    with django_capture_on_commit_callbacks(execute=False):  # stored, never ingested
        extra = catalog_services.resource_create(actor=editor, dataset=w["bikes"], data={"name_fr": "x.csv"},
                                                 upload=ContentFile(b"a;b\n1;2\n", name="x.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        eco.dataset_declare(actor=editor, ecosystem=w["ecosystem"], dataset=w["bikes"], version=w["v1"])
    pending = _conformity(extra, w["v1"])
    assert pending.status == Conformity.Status.UNCHECKED and pending.reason


def test_matrix_cells_and_filters(eco_declared):
    w = eco_declared
    matrix = eco.conformity_matrix(ecosystem=w["ecosystem"])
    assert [str(c) for c in matrix["columns"]] == ["comptages-velos-quotidiens 1.0.0",
                                                     "comptages-velos-quotidiens 2.0.0", "releves-meteo-horaires 1.0.0"]
    by_name = {row["dataset"].name: row for row in matrix["rows"]}
    assert [c["state"] for c in by_name["velos"]["resources"][0]["cells"]] == ["conforms", "fails", "not_declared"]
    assert [c["state"] for c in by_name["meteo"]["resources"][0]["cells"]] == ["not_declared", "not_declared",
                                                                               "conforms"]
    failing = eco.conformity_matrix(ecosystem=w["ecosystem"], state="fails")
    assert [row["dataset"].name for row in failing["rows"]] == ["velos"]
    assert eco.conformity_matrix(ecosystem=w["ecosystem"], organisation="autre")["rows"] == []
    per_standard = eco.conformity_matrix(standard=w["weather_standard"])
    assert [row["dataset"].name for row in per_standard["rows"]] == ["meteo"]
    csv_text = eco.conformity_matrix_csv(matrix)
    lines = csv_text.splitlines()
    assert lines[0].startswith("jeu_de_donnees,ressource")
    assert any(line.startswith("velos,") and ",2.0.0,oui,fails,620," in line for line in lines), lines


def test_matrix_in_constant_queries(eco_declared, dataset_factory, admin_user, django_assert_max_num_queries):
    w = eco_declared
    with django_assert_max_num_queries(8):
        eco.conformity_matrix(ecosystem=w["ecosystem"])
    for i in range(5):
        eco.ecosystem_dataset_add(actor=admin_user, ecosystem=w["ecosystem"],
                                  dataset=dataset_factory(name=f"autre-{i}"))
    with django_assert_max_num_queries(8):
        matrix = eco.conformity_matrix(ecosystem=w["ecosystem"])
    assert len(matrix["rows"]) == 7


def test_detail_shows_only_published_reuses_and_consenting_people(eco_world, admin_user):
    from ouvert.catalog.models import Reuse

    w = eco_world
    shown = Reuse.objects.create(name="carte-velo", title_fr="Carte vélo", url="https://example.org/a",
                                 status="published")
    hidden = Reuse.objects.create(name="en-attente", title_fr="En attente", url="https://example.org/b")
    for reuse in (shown, hidden):
        eco.ecosystem_reuse_add(actor=admin_user, ecosystem=w["ecosystem"], reuse=reuse)
    eco.ecosystem_contact_add(actor=admin_user, ecosystem=w["ecosystem"], name="Alice", role_fr="Analyste",
                              consented=True, email="alice@example.org")
    eco.ecosystem_contact_add(actor=admin_user, ecosystem=w["ecosystem"], name="Bob", consented=False)
    with pytest.raises(ValidationError):
        eco.ecosystem_contact_add(actor=admin_user, ecosystem=w["ecosystem"], name="Carl", email="pas-un-courriel")
    detail = eco.ecosystem_detail(w["ecosystem"])
    assert [r.name for r in detail["reuses"]] == ["carte-velo"]
    assert [c.name for c in detail["contacts"]] == ["Alice"]


def test_open_data_publication(eco_declared, make_org):
    import csv
    import io
    import json

    from ouvert.catalog import services as catalog_services

    assert eco.open_data_export() is None  # no publishing organisation yet
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    dataset = catalog_services.open_data_refresh(eco.OPEN_DATA_KEY)
    assert dataset.name == "standards-donnees-conformite"
    export = eco.open_data_export()
    rows = list(csv.DictReader(io.StringIO(export["resources"][0]["content"].decode("utf-8-sig"))))
    assert {(r["jeu_de_donnees"], r["version"], r["etat"]) for r in rows} == {
        ("velos", "1.0.0", "conforms"), ("velos", "2.0.0", "fails"), ("meteo", "1.0.0", "conforms")}
    assert all(r["ecosysteme"] == "urbanisme" for r in rows)
    registry = json.loads(export["resources"][1]["content"])
    assert [s["name"] for s in registry["standards"]] == ["comptages-velos-quotidiens", "releves-meteo-horaires"]
    assert registry["standards"][0]["versions"][1]["schema"] == eco_declared["v2"].schema


def test_withdrawn_declaration_drops_its_checks(eco_declared, editor, django_capture_on_commit_callbacks):
    w = eco_declared
    with django_capture_on_commit_callbacks(execute=True):
        eco.dataset_declare(actor=editor, ecosystem=w["ecosystem"], dataset=w["bikes"], version=None)
    assert not Conformity.objects.filter(resource=w["bikes_resource"]).exists()
    assert Conformity.objects.filter(resource=w["weather_resource"]).count() == 1
    row = next(r for r in eco.conformity_matrix(ecosystem=w["ecosystem"])["rows"] if r["dataset"].name == "velos")
    assert {c["state"] for c in row["resources"][0]["cells"]} == {"not_declared"}
