import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from ouvert.core.models import AuditEntry, Notification
from ouvert.plan import selectors, services
from ouvert.plan.models import Milestone, ProgressUpdate, Status


@pytest.mark.django_db
def test_status_change_is_recorded_with_history_and_audit_entry(respondent, milestone,
                                                                django_capture_on_commit_callbacks):
    author = respondent("sct")
    m = milestone("4.1")
    with django_capture_on_commit_callbacks(execute=True):
        update = services.progress_update_create(
            actor=author, milestone=m, text_fr="Plateforme en essai.", text_en="Platform in trial.",
            status="substantial", evidence=[{"url": "https://example.org/rapport", "label": "Rapport"},
                                            "https://example.org/annexe"])
    m.refresh_from_db()
    assert m.status == Status.SUBSTANTIAL and m.completed_at is None
    assert (update.status_before, update.status_after) == ("not_started", "substantial")
    assert update.organisation.slug == "sct"
    assert [e.url for e in update.evidence.order_by("id")] == ["https://example.org/rapport",
                                                               "https://example.org/annexe"]
    entry = AuditEntry.objects.get(action="plan.milestone.status")
    assert entry.actor == author and entry.target_id == str(m.pk)
    assert entry.data["before"] == "not_started" and entry.data["after"] == "substantial"

    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_create(actor=author, milestone=m, text_fr="Lancée.", status="completed")
    m.refresh_from_db()
    assert m.status == Status.COMPLETED and m.completed_at is not None
    history = list(m.updates.values_list("status_before", "status_after"))
    assert history == [("substantial", "completed"), ("not_started", "substantial")]
    assert AuditEntry.objects.filter(action="plan.milestone.status").count() == 2


@pytest.mark.django_db
def test_progress_updates_cannot_be_edited(respondent, milestone):
    update = services.progress_update_create(actor=respondent("banq"), milestone=milestone("1.4"),
                                             text_fr="Début.", status="limited")
    update.text_fr = "Réécrit"
    with pytest.raises(PermissionError):
        update.save()


@pytest.mark.django_db
def test_collaborator_respondents_are_notified(respondent, milestone, django_capture_on_commit_callbacks):
    itq_person = respondent("itq")
    banq_person = respondent("banq")
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_create(actor=respondent("sct"), milestone=milestone("4.1"),
                                        text_fr="Avance.", status="limited")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [itq_person.pk]
    assert not Notification.objects.filter(recipient=banq_person).exists()
    assert [m.to for m in mail.outbox] == [[itq_person.email]]
    assert "4.1" in mail.outbox[0].subject


@pytest.mark.django_db
def test_platform_admin_may_report_on_any_milestone(platform_admin, milestone):
    services.progress_update_create(actor=platform_admin, milestone=milestone("2.2"), text_fr="Fait.",
                                    status="completed")
    assert Milestone.objects.get(number="2.2").status == "completed"
    assert ProgressUpdate.objects.get().organisation is None


@pytest.mark.django_db
def test_late_flag_is_computed_in_sql(real_plan, respondent, milestone):
    today = datetime.date(2022, 9, 1)  # after 1.4 (31 Oct 2022)? no: before it; after 4.1 and 4.2 (31 Aug 2022)
    late = set(Milestone.objects.filter(plan=real_plan).late(today).values_list("number", flat=True))
    assert late == {"2.1", "2.2", "2.3", "3.2", "4.1", "4.2"}
    services.progress_update_create(actor=respondent("sct"), milestone=milestone("4.1"), text_fr="Fait.",
                                    status="completed")
    late = set(Milestone.objects.filter(plan=real_plan).late(today).values_list("number", flat=True))
    assert "4.1" not in late and "4.2" in late
    on_time = selectors.milestone_list(filters=selectors.MilestoneFilters(late=False), plan=real_plan,
                                       today=today)
    assert len(on_time) == 11 and all(not m.late for m in on_time)
    assert selectors.milestone_get(plan_slug="2021-2023", number="4.2").late  # today is after 2022


@pytest.mark.django_db
def test_milestone_filters(real_plan, respondent, milestone):
    def numbers(**raw):
        filters = selectors.MilestoneFilters.parse(**raw)
        return [m.number for m in selectors.milestone_list(filters=filters, plan=real_plan)]

    assert len(numbers()) == 16
    assert numbers(strand="collaboration") == ["5.1", "5.2", "5.3"]
    assert numbers(strand="transparence") == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3"]
    assert numbers(lead="BAnQ") == ["1.4"] == numbers(lead="banq") == numbers(lead="banq".upper())
    assert numbers(lead="frq") == ["2.1", "2.2", "2.3"]
    assert numbers(q="webinaires") == ["2.3"] == numbers(q="webinars")
    services.progress_update_create(actor=respondent("banq"), milestone=milestone("1.4"), text_fr="x",
                                    status="substantial")
    assert numbers(status="substantial") == ["1.4"]
    assert numbers(status="not_started", lead="banq") == []
    with pytest.raises(ValidationError) as exc:
        selectors.MilestoneFilters.parse(status="finished", strand="nope", late="maybe")
    assert set(exc.value.message_dict) == {"status", "strand", "late"}


@pytest.mark.django_db
def test_milestone_update_changes_due_date_and_is_audited(respondent, milestone):
    m = milestone("1.4")
    services.milestone_update(actor=respondent("banq"), milestone=m, due_date="2022-12-15",
                              description_fr="Nouvelle description.")
    m.refresh_from_db()
    assert m.due_date == datetime.date(2022, 12, 15) and m.description_fr == "Nouvelle description."
    entry = AuditEntry.objects.get(action="plan.milestone.update")
    assert entry.data["before"]["due_date"] == "2022-10-31" and entry.data["after"]["due_date"] == "2022-12-15"


@pytest.mark.django_db
def test_dashboard_stats_count_by_status_per_commitment(real_plan, respondent, milestone):
    sct = respondent("sct")
    services.progress_update_create(actor=sct, milestone=milestone("5.1"), text_fr="x", status="completed")
    services.progress_update_create(actor=sct, milestone=milestone("5.2"), text_fr="x", status="limited")
    stats = selectors.dashboard_stats(plan=real_plan, today=datetime.date(2023, 1, 1))
    assert stats["overall"]["total"] == 16
    assert stats["overall"]["by_status"] == {"not_started": 14, "limited": 1, "substantial": 0, "completed": 1}
    assert stats["overall"]["percent_completed"] == 6.2
    five = stats["commitments"][4]
    assert five["number"] == 5 and five["total"] == 3 and five["percent_completed"] == 33.3
    assert five["late"] == 0
    # before 2023-01-01: 1.4 (Oct 2022), 1.5 (Nov 2022), 2.x (Mar 2022), 3.2 (Jun 2022), 4.x (Aug 2022)
    assert stats["overall"]["late"] == 8
    spec = selectors.dashboard_chart_spec(stats)
    assert spec["mark"]["type"] == "bar"
    assert sum(v["Jalons"] for v in spec["data"]["values"]) == 16
