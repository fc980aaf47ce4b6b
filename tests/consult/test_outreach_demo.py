"""The outreach demo: meetings of the demo consultations, registrations, follows and past consultations for
the indicators; loading it twice changes nothing."""

import pytest

from ouvert.consult import outreach, outreach_demo, processes_demo
from ouvert.consult.models import (
    Follow,
    Meeting,
    MeetingRegistration,
    Participation,
    Process,
    SatisfactionResponse,
)

pytestmark = pytest.mark.django_db


def counts():
    return {model.__name__: model.objects.count() for model in (Process, Meeting, MeetingRegistration, Follow,
                                                                 Participation, SatisfactionResponse)}


def test_demo_is_realistic_and_idempotent():
    processes_demo.load()
    outreach_demo.load()
    first = counts()
    outreach_demo.load()
    assert counts() == first
    park = Process.objects.get(slug="audiences-parc-regional")
    meetings = outreach.meeting_list(process=park)
    assert len(meetings["upcoming"]) == 2 and len(meetings["past"]) == 2
    assert all(m.minutes_published_at and m.attendees_count for m in meetings["past"])
    assert Meeting.objects.get(process__slug="strategie-donnees-ouvertes").mode == "hybrid"
    assert Meeting.objects.filter(process__slug="mobilite-durable-capitale").count() == 2
    assert MeetingRegistration.objects.filter(user__email="citoyenne@demo.ouvert.local").exists()
    data = outreach.indicators(period="fiscal")
    rows = {p["period"]: p for p in data["periods"]}
    assert rows["2021-2022"]["growth"] >= 50 and rows["2019-2020"]["consultations"] >= 4
    assert rows["2024-2025"]["digital_share"] > rows["2019-2020"]["digital_share"]
    assert rows["2023-2024"]["participants"] > 0 and rows["2023-2024"]["satisfaction"] is not None
    assert Process.objects.filter(mode="in_person", is_demo=True, ends_on__lt=park.starts_on).exists()
