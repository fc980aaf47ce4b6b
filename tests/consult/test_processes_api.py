"""``/api/v1/consult/processes…``: detail, create, change, phases, publish, invitations."""

import datetime
import json

import pytest
from django.utils import timezone

from ouvert.consult import processes
from ouvert.consult.models import Invitation, Process
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
BASE = "/api/v1/consult"


def _call(client, method, path, user=None, body=None):
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = core_services.token_create(user=user)
    kwargs = {"content_type": "application/json", **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(BASE + path, **kwargs)


def _phases():
    today = timezone.localdate()
    return [{"kind": "information", "starts_on": today.isoformat(), "ends_on": (today + 9 * DAY).isoformat()},
            {"kind": "contribution", "starts_on": (today + 10 * DAY).isoformat(),
             "ends_on": (today + 50 * DAY).isoformat(), "components": ["proposals", "supports"]}]


def test_detail(client, process, organiser, citizen, django_assert_max_num_queries):
    for n in range(5):
        processes.document_add(actor=organiser, process=process, title_fr=f"Document {n}",
                               url=f"https://example.org/{n}")
    with django_assert_max_num_queries(8):
        response = _call(client, "get", f"/processes/{process.slug}")
    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == process.slug and data["organisation"] == "mamh"
    assert [p["kind"] for p in data["phases"]] == ["information", "contribution", "analysis", "report"]
    assert data["current_phase"] == "contribution" and "principles" not in data
    data = _call(client, "get", f"/processes/{process.slug}", user=organiser).json()
    assert len(data["principles"]) == 7 and data["principles"][0]["key"] == "engagement"


def test_private_and_unknown_are_404(client, process_factory, citizen):
    private = process_factory(visibility=Process.Visibility.PRIVATE)
    assert _call(client, "get", f"/processes/{private.slug}", user=citizen(1)).status_code == 404
    response = _call(client, "get", "/processes/inconnue")
    assert response.status_code == 404 and "introuvable" in response.json()["detail"]


def test_create_change_phases_publish(client, organiser, mamh):
    today = timezone.localdate()
    body = {"organisation": "mamh", "title_fr": "Logement des aînés", "summary_fr": "Votre avis sur le logement.",
            "starts_on": today.isoformat(), "ends_on": (today + 100 * DAY).isoformat(),
            "categories": ["Résidences", "Maintien à domicile"], "principles": {"participants": "Modération."}}
    response = _call(client, "post", "/processes", organiser, body)
    assert response.status_code == 201, response.json()
    slug = response.json()["slug"]
    assert slug == "logement-des-aines" and response.json()["published_at"] is None
    assert [c["name_fr"] for c in response.json()["categories"]] == ["Résidences", "Maintien à domicile"]

    response = _call(client, "patch", f"/processes/{slug}", organiser, {"theme": "habitation", "mode": "hybrid"})
    assert response.status_code == 200 and response.json()["mode"] == "hybrid"
    response = _call(client, "patch", f"/processes/{slug}", organiser, {"published_at": "2020-01-01"})
    assert response.status_code == 400 and "published_at" in response.json()["errors"]

    response = _call(client, "put", f"/processes/{slug}/phases", organiser, {"phases": _phases()})
    assert response.status_code == 200 and len(response.json()["phases"]) == 2
    bad = _phases()
    bad[1]["starts_on"] = bad[0]["starts_on"]
    response = _call(client, "put", f"/processes/{slug}/phases", organiser, {"phases": bad})
    assert response.status_code == 400 and "chevauchent" in response.json()["detail"]
    assert Process.objects.get(slug=slug).phases.count() == 2

    response = _call(client, "post", f"/processes/{slug}/publish", organiser, {})
    assert response.status_code == 400 and "confirm" in response.json()["errors"]
    response = _call(client, "post", f"/processes/{slug}/publish", organiser, {"confirm": True})
    assert response.status_code == 200 and response.json()["published_at"]
    response = _call(client, "post", f"/processes/{slug}/unpublish", organiser)
    assert response.status_code == 200 and response.json()["published_at"] is None


def test_writes_need_auth_and_rights(client, process, mamh_member, citizen):
    assert _call(client, "post", "/processes", None, {"organisation": "mamh", "title_fr": "X"}).status_code == 401
    response = _call(client, "post", "/processes", mamh_member, {"organisation": "mamh", "title_fr": "X"})
    assert response.status_code == 403
    response = _call(client, "post", "/processes", mamh_member, {"organisation": "inconnu", "title_fr": "X"})
    assert response.status_code == 400
    assert _call(client, "patch", f"/processes/{process.slug}", citizen(1), {"theme": "x"}).status_code == 403
    assert _call(client, "put", f"/processes/{process.slug}/phases", citizen(1),
                 {"phases": _phases()}).status_code == 403
    assert _call(client, "post", f"/processes/{process.slug}/publish", citizen(1), {}).status_code == 403
    assert Process.objects.get(pk=process.pk).theme == "habitation"


def test_invitations(client, process_factory, organiser, citizen):
    process = process_factory(visibility=Process.Visibility.PRIVATE)
    guest = citizen(1)
    response = _call(client, "post", f"/processes/{process.slug}/invitations", organiser, {"email": guest.email})
    assert response.status_code == 201 and "token" not in response.json()
    assert _call(client, "post", f"/processes/{process.slug}/invitations", organiser,
                 {"email": "nul"}).status_code == 400
    rows = _call(client, "get", f"/processes/{process.slug}/invitations", organiser).json()
    assert [r["email"] for r in rows] == [guest.email]
    assert _call(client, "get", f"/processes/{process.slug}/invitations", guest).status_code == 404
    token = processes.invitation_create(actor=organiser, process=process, email=guest.email).token
    response = _call(client, "post", f"/invitations/{token}/accept", guest)
    assert response.status_code == 200 and response.json()["process"] == process.slug
    assert _call(client, "get", f"/processes/{process.slug}", guest).status_code == 200
    invitation = Invitation.objects.get()
    response = _call(client, "delete", f"/processes/{process.slug}/invitations/{invitation.pk}", organiser)
    assert response.status_code == 204 and not Invitation.objects.exists()


def test_create_and_patch_are_all_or_nothing(client, organiser, process):
    response = _call(client, "post", "/processes", organiser, {"organisation": "mamh", "title_fr": "Politique neuve",
                                                               "categories": ["Loyers", "loyers"]})
    assert response.status_code == 400 and "double" in response.json()["detail"]
    assert not Process.objects.filter(slug="politique-neuve").exists()
    response = _call(client, "patch", f"/processes/{process.slug}", organiser,
                     {"theme": "transport", "principles": {"inconnu": "x"}})
    assert response.status_code == 400
    assert Process.objects.get(pk=process.pk).theme == "habitation"
