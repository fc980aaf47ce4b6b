import datetime

import pytest

from ouvert.core.models import AuditEntry, Membership, Notification, Organisation, User
from ouvert.plan import demo
from ouvert.plan.models import (
    ActionPlan,
    Challenge,
    Commitment,
    CommitmentStrand,
    Committee,
    CommitteeMembership,
    Milestone,
    ProgressUpdate,
)

MODELS = [ActionPlan, Challenge, Commitment, CommitmentStrand, Milestone, ProgressUpdate, Committee,
          CommitteeMembership, Organisation, User, Membership, AuditEntry, Notification]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_load_plan_data_loads_the_real_plan_from_the_synoptic_table():
    plan = demo.load_plan_data()
    assert plan.slug == "2021-2023" and plan.is_current
    assert Challenge.objects.filter(plan=plan).count() == 3
    assert Commitment.objects.filter(plan=plan).count() == 5
    assert Milestone.objects.filter(plan=plan).count() == 16
    assert not User.objects.exists(), "the real plan creates no account"
    assert not Milestone.objects.filter(is_demo_status=True).exists()

    m = Milestone.objects.get(number="1.4")
    assert m.lead.acronym == "BAnQ" and m.due_date == datetime.date(2022, 10, 31)
    m = Milestone.objects.get(number="1.5")
    assert m.lead.acronym == "SCT" and m.due_date == datetime.date(2022, 11, 30)
    assert [o.acronym for o in m.collaborators.all()] == ["CeRTIA"]
    assert m.collaborators.get().parent.name_fr == "Université Laval"
    m = Milestone.objects.get(number="4.1")
    assert (m.lead.acronym, m.due_date) == ("SCT", datetime.date(2022, 8, 31))
    assert [o.acronym for o in m.collaborators.all()] == ["ITQ"]
    for number in ("3.1", "3.2", "3.3"):
        m = Milestone.objects.get(number=number)
        assert m.lead.acronym == "SCT"
        assert [o.acronym for o in m.collaborators.all()] == ["MCE-SCG"]
    # 3.3: the synoptic table (31 March 2023) wins over the detailed text, and the gap is recorded.
    m = Milestone.objects.get(number="3.3")
    assert m.due_date == datetime.date(2023, 3, 31)
    assert "31 mars 2022" in m.data_notes_fr and "March 31, 2022" in m.data_notes_en
    for number in ("2.1", "2.2", "2.3"):
        assert Milestone.objects.get(number=number).lead.acronym == "FRQ"
    frq = Organisation.objects.get(acronym="FRQ")
    assert sorted(frq.children.values_list("acronym", flat=True)) == ["FRQNT", "FRQS", "FRQSC"]
    assert not Organisation.objects.filter(is_demo=True).exists(), "real bodies are not demo data"
    assert all(m.title_en for m in Milestone.objects.all())

    committee = Committee.objects.get()
    seats = list(committee.memberships.values_list("seat", flat=True))
    assert seats.count("civil_society") == 8 and seats.count("public_body") == 3
    assert committee.memberships.filter(mandate_start=datetime.date(2021, 4, 1),
                                        mandate_end=datetime.date(2023, 3, 31)).count() == 11
    assert set(Commitment.objects.get(number=3).strand_links.values_list("strand", flat=True)) == {
        "participation", "innovation"}


@pytest.mark.django_db
def test_demo_loader_is_idempotent_and_flags_demo_data(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    first = _counts()
    assert first["Milestone"] == 16 and first["ProgressUpdate"] > 0
    assert Milestone.objects.filter(is_demo_status=True).count() == 16
    assert not ProgressUpdate.objects.filter(is_demo=False).exists()
    admin = User.objects.get(email=demo.DEMO_ADMIN_EMAIL)
    assert admin.is_superuser and admin.check_password(demo.DEMO_PASSWORD)
    for slug in ("sct", "banq", "frq"):
        assert Membership.objects.filter(organisation__slug=slug, is_respondent=True).exists()
    assert AuditEntry.objects.filter(action="plan.milestone.status").count() == first["ProgressUpdate"]

    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    assert _counts() == first
