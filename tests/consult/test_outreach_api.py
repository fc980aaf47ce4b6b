"""Outreach API: ``GET /processes`` (filters, limit/offset, bad values → 400, constant queries),
``GET /indicators``, meetings and registrations, follows and preferences."""

import datetime
import json

import pytest
from django.utils import timezone

from ouvert.consult import outreach
from ouvert.consult.models import Follow, Meeting, MeetingRegistration, Participation, Process
from ouvert.core import services as core_services

from .test_outreach_services import meeting_data

pytestmark = pytest.mark.django_db

API = "/api/v1/consult"


def auth(user):
    return {"HTTP_AUTHORIZATION": core_services.token_create(user=user)}


def test_process_list_filters_and_pages(client, process_factory, citizens, django_assert_max_num_queries):
    for n in range(12):
        process = process_factory(theme="transport" if n % 3 == 0 else "habitation",
                                  mode=Process.Mode.HYBRID if n % 2 else Process.Mode.DIGITAL)
        for person in citizens[: n % 3]:
            Participation.objects.create(process=process, user=person)
    process_factory(visibility=Process.Visibility.PRIVATE)
    with django_assert_max_num_queries(3):
        body = client.get(f"{API}/processes", {"limit": 5, "offset": 10}).json()
    assert body["count"] == 12 and len(body["results"]) == 2 and body["limit"] == 5
    row = body["results"][0]
    assert {"slug", "title_fr", "organisation", "status", "mode", "participants", "meetings_ahead", "url"} <= set(row)
    body = client.get(f"{API}/processes", {"theme": "transport", "mode": "digital"}).json()
    assert body["count"] == 2 and all(r["theme"] == "transport" and r["mode"] == "digital" for r in body["results"])
    assert client.get(f"{API}/processes", {"status": "open"}).json()["count"] == 12


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "bientôt"}, "status"), ({"mode": "fax"}, "mode"), ({"sort": "x"}, "sort"),
    ({"limit": "0"}, "limit"), ({"limit": "1000"}, "limit"), ({"limit": "abc"}, "limit"), ({"offset": "-1"}, "offset"),
])
def test_process_list_bad_values(client, process, params, field):
    response = client.get(f"{API}/processes", params)
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"] and body["detail"]


def test_indicators_api(client, process_factory):
    process_factory(starts_on=datetime.date(2021, 4, 1))
    body = client.get(f"{API}/indicators", {"period": "calendar"}).json()
    assert body["period"] == "calendar" and body["periods"][0]["period"] == "2021"
    assert body["targets"]["digital_share"] == 75.0
    assert client.get(f"{API}/indicators", {"period": "x"}).status_code == 400
    assert client.get(f"{API}/indicators", {"organisation": "nope"}).status_code == 400


def test_meetings_api(client, process, organiser, citizen):
    payload = meeting_data(capacity=1)
    response = client.post(f"{API}/processes/{process.slug}/meetings", json.dumps(payload),
                           content_type="application/json", **auth(citizen(9)))
    assert response.status_code == 403
    response = client.post(f"{API}/processes/{process.slug}/meetings", json.dumps({**payload, "title_fr": ""}),
                           content_type="application/json", **auth(organiser))
    assert response.status_code == 400 and "title_fr" in response.json()["errors"]
    assert not Meeting.objects.exists()
    response = client.post(f"{API}/processes/{process.slug}/meetings", json.dumps(payload),
                           content_type="application/json", **auth(organiser))
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(f"{API}/processes/{process.slug}/meetings/{pk}/registration").status_code == 401
    person = citizen(1)
    response = client.post(f"{API}/processes/{process.slug}/meetings/{pk}/registration", **auth(person))
    assert response.status_code == 201 and response.json()["registrations"] == 1
    response = client.post(f"{API}/processes/{process.slug}/meetings/{pk}/registration", **auth(citizen(2)))
    assert response.status_code == 400 and "complète" in response.json()["detail"]
    body = client.get(f"{API}/processes/{process.slug}/meetings/{pk}", **auth(person)).json()
    assert body["registered"] is True and body["registration_code"]
    assert client.get(f"{API}/processes/{process.slug}/meetings").json()["upcoming"][0]["id"] == pk
    response = client.delete(f"{API}/processes/{process.slug}/meetings/{pk}/registration", **auth(person))
    assert response.json() == {"registered": False, "registrations": 0}
    assert not MeetingRegistration.objects.exists()
    assert client.get(f"{API}/processes/{process.slug}/meetings/424242").status_code == 404
    assert client.get(f"{API}/processes/inconnue/meetings").status_code == 404


def test_follow_and_preferences_api(client, process, organiser, citizen):
    person = citizen(1)
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(
        starts_at=(timezone.now() + datetime.timedelta(days=3)).isoformat(),
        ends_at=(timezone.now() + datetime.timedelta(days=3, hours=2)).isoformat()))
    url = f"{API}/processes/{process.slug}/follow"
    assert client.post(url, "{}", content_type="application/json").status_code == 401
    assert client.post(url, "{}", content_type="application/json", **auth(person)).json() == {"follows": True}
    response = client.post(url, json.dumps({"target_kind": "meeting", "target_id": meeting.pk}),
                           content_type="application/json", **auth(person))
    assert response.json() == {"follows": True}
    response = client.post(url, json.dumps({"target_kind": "meeting", "target_id": 0}),
                           content_type="application/json", **auth(person))
    assert response.status_code == 404
    body = client.get(f"{API}/follows", **auth(person)).json()
    assert body["frequency"] == "immediate" and len(body["follows"]) == 2
    response = client.delete(f"{url}?target_kind=meeting&target_id={meeting.pk}", **auth(person))
    assert response.json() == {"follows": False} and Follow.objects.filter(user=person).count() == 1
    response = client.put(f"{API}/preferences", json.dumps({"frequency": "daily"}), content_type="application/json",
                          **auth(person))
    assert response.json() == {"frequency": "daily"}
    response = client.put(f"{API}/preferences", json.dumps({"frequency": "souvent"}),
                          content_type="application/json", **auth(person))
    assert response.status_code == 400 and "frequency" in response.json()["errors"]


def test_cancelled_meeting_in_api(client, process, organiser, citizen):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    body = client.get(f"{API}/processes/{process.slug}/meetings/{meeting.pk}").json()
    assert body["cancelled_at"] is None and body["cancel_reason"] == ""
    outreach.meeting_cancel(actor=organiser, meeting=meeting, reason="Salle fermée")
    body = client.get(f"{API}/processes/{process.slug}/meetings/{meeting.pk}").json()
    assert body["cancelled_at"] and body["cancel_reason"] == "Salle fermée" and body["registration_open"] is False
    listed = client.get(f"{API}/processes/{process.slug}/meetings").json()["upcoming"]
    assert [(m["id"], m["cancel_reason"]) for m in listed] == [(meeting.pk, "Salle fermée")]
    response = client.post(f"{API}/processes/{process.slug}/meetings/{meeting.pk}/registration",
                           **auth(citizen(1)))
    assert response.status_code == 400 and "annulée" in response.json()["detail"]
    assert not MeetingRegistration.objects.exists()
    assert client.get(f"{API}/processes").json()["results"][0]["meetings_ahead"] == 0
