"""Open by default: the plan tracker's milestones and updates as a dataset of the catalogue,
refreshed (through ``core.services.open_data_changed`` → the catalogue's task) when they change."""

import csv
import io
import json

import pytest
from django.db import transaction

from ouvert.catalog import services
from ouvert.catalog.models import Activity, Dataset, ResourceVersion
from ouvert.core import registry
from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_plan(db):
    from ouvert.plan.demo import load_plan_data

    return load_plan_data()


@pytest.fixture
def sct_respondent(real_plan, make_user):
    user = make_user(email="repondante@sct.example.org", full_name="Répondante SCT")
    core_services.membership_set(user=user, organisation=Organisation.objects.get(slug="sct"),
                                 role=Membership.Role.EDITOR, is_respondent=True)
    return user


def _plan_dataset():
    return Dataset.objects.get(extras__source_module="plan")


def _file(resource) -> bytes:
    resource.refresh_from_db()
    with resource.current_version.file.open("rb") as handle:
        return handle.read()


def _milestones_csv(dataset):
    resource = next(r for r in services.resource_list(dataset=dataset) if r.name_fr == "Jalons (CSV)")
    text = _file(resource).decode("utf-8-sig")
    return resource, {row["number"]: row for row in csv.DictReader(io.StringIO(text))}


def test_plan_is_registered_as_a_publisher_and_the_catalogue_as_refresher():
    assert "plan" in [p.key for p in registry.open_data_publishers()]
    assert registry.open_data_refresher() is not None


def test_refresh_publishes_the_plan_with_three_bilingual_files(real_plan):
    dataset = services.open_data_refresh("plan")
    assert dataset.organisation.slug == "sct" and dataset.name == "suivi-plan-action-gouvernement-ouvert"
    assert dataset.title_en == "Open government action plan tracking" and dataset.created_by is None
    names = [(r.name_fr, r.format, r.kind) for r in services.resource_list(dataset=dataset)]
    assert names == [("Jalons (CSV)", "CSV", "upload"), ("Jalons et comptes rendus (JSON)", "JSON", "upload"),
                     ("Comptes rendus d'avancement (CSV)", "CSV", "upload")]
    _, rows = _milestones_csv(dataset)
    assert len(rows) == real_plan.milestones.count()
    row = rows["1.1"]
    assert row["title_fr"] and row["title_en"] and row["status"] == "not_started" and row["lead"]
    document = json.loads(_file(services.resource_list(dataset=dataset)[1]))
    assert {m["number"] for m in document["milestones"]} == set(rows)
    assert document["plans"][0]["slug"] == "2021-2023"
    # The dataset is public and found by the catalogue's search.
    assert services.dataset_get(name_or_id=dataset.name, user=None).pk == dataset.pk


def test_progress_update_creates_a_new_version_with_the_new_status(sct_respondent, real_plan,
                                                                   django_capture_on_commit_callbacks):
    from ouvert.plan import services as plan_services

    services.open_data_refresh("plan")
    milestone = real_plan.milestones.filter(lead__slug="sct").order_by("number").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan_services.progress_update_create(actor=sct_respondent, milestone=milestone, text_fr="Travaux lancés.",
                                             text_en="Work started.", status="substantial")
    refreshes = [c for c in callbacks if "open_data_changed" in c.__qualname__]
    assert len(refreshes) == 1  # one refresh enqueued, run immediately by the test task backend
    resource, rows = _milestones_csv(_plan_dataset())
    assert resource.current_version.number == 2
    assert rows[milestone.number]["status"] == "substantial"
    assert rows[milestone.number]["status_label_fr"] == "Substantiel"
    updates = next(r for r in services.resource_list(dataset=_plan_dataset()) if r.name_fr.startswith("Comptes"))
    text = _file(updates).decode("utf-8-sig")
    assert "Travaux lancés." in text and "Work started." in text and updates.current_version.number == 2


def test_no_new_version_when_nothing_changed(sct_respondent, real_plan, django_capture_on_commit_callbacks):
    from ouvert.plan import services as plan_services

    dataset = services.open_data_refresh("plan")
    versions, activities = ResourceVersion.objects.count(), Activity.objects.filter(dataset=dataset).count()
    assert services.open_data_refresh("plan").pk == dataset.pk
    milestone = real_plan.milestones.filter(lead__slug="sct").order_by("number").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # Same description: milestone_update changes nothing, so nothing is enqueued.
        plan_services.milestone_update(actor=sct_respondent, milestone=milestone,
                                       description_fr=milestone.description_fr)
    assert callbacks == []
    assert (ResourceVersion.objects.count(), Activity.objects.filter(dataset=dataset).count()) == (versions, activities)
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.milestone_update(actor=sct_respondent, milestone=milestone, due_date_note_fr="deuxième itération")
    resource, rows = _milestones_csv(_plan_dataset())
    assert rows[milestone.number]["due_date_note_fr"] == "deuxième itération"
    assert ResourceVersion.objects.count() == versions + 2  # both milestone files, not the updates file


def test_changes_in_one_transaction_enqueue_one_refresh_and_none_on_rollback(sct_respondent, real_plan,
                                                                            django_capture_on_commit_callbacks):
    from ouvert.plan import services as plan_services

    milestones = list(real_plan.milestones.filter(lead__slug="sct").order_by("number")[:2])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            for milestone in milestones:
                plan_services.progress_update_create(actor=sct_respondent, milestone=milestone,
                                                     text_fr="Avancement.", status="limited")
    assert len([c for c in callbacks if getattr(c, "open_data_key", None) == "plan"]) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            plan_services.progress_update_create(actor=sct_respondent, milestone=milestones[0],
                                                 text_fr="Annulé.", status="completed")
            raise RuntimeError
    assert callbacks == [] and not Dataset.objects.filter(extras__source_module="plan").exists()


def test_open_data_changed_without_a_publisher_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert core_services.open_data_changed("inconnu") is False
    assert callbacks == []
    with pytest.raises(services.NotFound):
        services.open_data_refresh("inconnu")
