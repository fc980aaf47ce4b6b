"""Measures of milestones fed by the platform's modules (``milestone_measure_set``): value and target, the
platform's progress update written once, its interaction with respondents' updates, display and API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ouvert.core.models import AuditEntry
from ouvert.plan import services
from ouvert.plan.models import MilestoneMeasure, ProgressUpdate

pytestmark = pytest.mark.django_db

KEY = "software.accompaniments_completed"


def _set(value, target=3):
    return services.milestone_measure_set(number="5.3", key=KEY, value=value, target=target,
                                          label_fr="accompagnements terminés", label_en="accompaniments completed")


def test_no_plan_or_no_milestone_does_nothing(db):
    assert _set(1) is None
    assert not MilestoneMeasure.objects.exists()


def test_unknown_milestone_does_nothing(real_plan):
    assert services.milestone_measure_set(number="9.9", key=KEY, value=1, target=3, label_fr="x") is None
    assert not MilestoneMeasure.objects.exists()


def test_value_and_target_then_the_platform_update_once(real_plan, milestone):
    measure = _set(1)
    assert (measure.value, measure.target, measure.reached_at) == (Decimal("1.00"), Decimal("3.00"), None)
    assert milestone("5.3").status == "not_started" and not ProgressUpdate.objects.exists()
    measure = _set(2)
    assert MilestoneMeasure.objects.count() == 1 and measure.value == Decimal("2.00")
    measure = _set(3)
    assert measure.reached_at is not None
    m = milestone("5.3")
    assert m.status == "completed" and m.completed_at is not None
    update = ProgressUpdate.objects.get()
    assert update.author is None and update.author_label == "Plateforme Ouvert"
    assert (update.status_before, update.status_after) == ("not_started", "completed")
    assert "3 accompagnements terminés sur 3" in update.text_fr
    assert "3 accompaniments completed out of 3" in update.text_en
    audit = AuditEntry.objects.get(action="plan.milestone.status")
    assert audit.actor_label == "system" and audit.data["measure"] == KEY
    # reopened, then completed again: no second update
    _set(2)
    assert milestone("5.3").status == "completed"  # the platform never lowers a status
    _set(3)
    _set(4)
    assert ProgressUpdate.objects.count() == 1


def test_the_same_measure_again_changes_nothing(real_plan, milestone, django_capture_on_commit_callbacks):
    first = _set(1)
    with django_capture_on_commit_callbacks() as callbacks:
        again = _set(1)
    assert again.updated_at == first.updated_at
    assert MilestoneMeasure.objects.get().updated_at == first.updated_at
    assert callbacks == []  # no open-data refresh either


def test_manual_update_wins(real_plan, milestone, respondent):
    sct = respondent("sct")
    _set(3)
    services.progress_update_create(actor=sct, milestone=milestone("5.3"), text_fr="Pas encore : bilan à faire.",
                                    status="substantial")
    _set(3)
    _set(4)
    assert milestone("5.3").status == "substantial"
    assert ProgressUpdate.objects.filter(author_label="Plateforme Ouvert").count() == 1


def test_already_completed_by_a_respondent_gets_no_platform_update(real_plan, milestone, respondent):
    services.progress_update_create(actor=respondent("sct"), milestone=milestone("5.3"), text_fr="Terminé.",
                                    status="completed")
    measure = _set(3)
    assert measure.reached_at is not None
    assert not ProgressUpdate.objects.filter(author_label="Plateforme Ouvert").exists()


@pytest.mark.parametrize("kwargs,field", [
    ({"value": -1}, "value"), ({"value": "abc"}, "value"), ({"value": float("nan")}, "value"),
    ({"value": 1, "target": 0}, "target"), ({"value": 1, "key": "Pas une clé"}, "key"),
    ({"value": 1, "label_fr": ""}, "label_fr"),
])
def test_bad_measures_refused(real_plan, kwargs, field):
    values = {"number": "5.3", "key": KEY, "target": 3, "label_fr": "accompagnements terminés", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.milestone_measure_set(**values)
    assert field in exc.value.message_dict
    assert not MilestoneMeasure.objects.exists()


def test_shown_on_the_milestone_page_and_in_the_api(real_plan, client):
    _set(2)
    url = reverse("plan:milestone", kwargs={"plan_slug": "2021-2023", "number": "5.3"})
    html = client.get(url).content.decode()
    assert "2 accompagnements terminés sur 3" in html
    data = client.get("/api/v1/plan/milestones/2021-2023/5.3").json()
    assert data["measures"] == [{"key": KEY, "label_fr": "accompagnements terminés",
                                 "label_en": "accompaniments completed", "value": 2.0, "target": 3.0,
                                 "reached_at": None, "updated_at": data["measures"][0]["updated_at"]}]
    other = client.get("/api/v1/plan/milestones/2021-2023/5.1").json()
    assert other["measures"] == []


def test_in_the_open_data_json(real_plan):
    import json

    _set(2)
    document = json.loads(services.open_data_export()["resources"][1]["content"])
    rows = {m["number"]: m for m in document["milestones"]}
    assert rows["5.3"]["measures"] == [{"key": KEY, "label_fr": "accompagnements terminés",
                                        "label_en": "accompaniments completed", "value": 2.0, "target": 3.0,
                                        "reached_at": None}]
    assert rows["5.1"]["measures"] == []


def test_admin_lists_measures_read_only(real_plan, client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x-Tres-Solide-42")
    _set(1)
    client.force_login(admin)
    response = client.get(reverse("admin:plan_milestonemeasure_changelist"))
    assert response.status_code == 200 and KEY in response.content.decode()
    measure = MilestoneMeasure.objects.get()
    assert client.post(reverse("admin:plan_milestonemeasure_change", args=[measure.pk]),
                       {"value": "3"}).status_code == 403
