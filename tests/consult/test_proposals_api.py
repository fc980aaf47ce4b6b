"""The proposals API (``/api/v1/consult/processes/{slug}/proposals…``): reads, writes with a token,
the error shape (400/401/403/404/429) and stored data unchanged on errors; query counts of the list."""

import pytest
from django.test import override_settings

from ouvert.consult import services
from ouvert.consult.models import Amendment, Proposal, Support
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

BODY = "Publier la liste des terrains municipaux disponibles pour du logement abordable."
API = "/api/v1/consult/processes"


def auth(user):
    return {"Authorization": core_services.token_create(user=user, name="tests")}


def make(process, user, title="Terrains municipaux pour le logement", **kwargs):
    return services.proposal_create(process=process, user=user, title=title, body=BODY, **kwargs)


def test_list_and_detail(client, process, citizens, django_assert_max_num_queries):
    for n in range(12):
        p = make(process, citizens[n % 4], title=f"Proposition de l’API {n}")
        if n % 2:
            services.proposal_support(proposal=p, user=citizens[(n + 1) % 4])
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/{process.slug}/proposals", {"limit": 5, "sort": "supports"})
    data = response.json()
    assert response.status_code == 200 and data["count"] == 12 and len(data["results"]) == 5
    assert data["results"][0]["supports_count"] == 1
    response = client.get(f"{API}/{process.slug}/proposals", {"limit": 5, "offset": 10, "sort": "recent"})
    assert [r["number"] for r in response.json()["results"]] == [2, 1]
    detail = client.get(f"{API}/{process.slug}/proposals/1").json()
    assert detail["body"] == BODY and detail["supported"] is False


def test_errors(client, process, citizens):
    make(process, citizens[0])
    assert client.get(f"{API}/{process.slug}/proposals", {"sort": "n'importe"}).status_code == 400
    assert client.get(f"{API}/{process.slug}/proposals", {"limit": 0}).status_code == 400
    assert client.get(f"{API}/inconnue/proposals").status_code == 404
    response = client.get(f"{API}/{process.slug}/proposals/99")
    assert response.status_code == 404 and "detail" in response.json()
    assert client.post(f"{API}/{process.slug}/proposals/1/support").status_code == 401
    response = client.post(f"{API}/{process.slug}/proposals", {"title": "x", "body": "y"},
                           content_type="application/json", headers=auth(citizens[1]))
    assert response.status_code == 400 and set(response.json()["errors"]) >= {"title", "body"}
    assert Proposal.objects.count() == 1


def test_create_support_unsupport(client, process, citizens):
    response = client.post(f"{API}/{process.slug}/proposals",
                           {"title": "Terrains municipaux", "body": BODY, "latitude": 46.8, "longitude": -71.2},
                           content_type="application/json", headers=auth(citizens[0]))
    assert response.status_code == 201 and response.json()["number"] == 1
    headers = auth(citizens[1])
    url = f"{API}/{process.slug}/proposals/1/support"
    first = client.post(url, headers=headers).json()
    again = client.post(url, headers=headers).json()
    assert (first["created"], first["supports_count"]) == (True, 1)
    assert (again["created"], again["supports_count"]) == (False, 1)
    assert Support.objects.count() == 1
    assert client.delete(url, headers=headers).json()["supports_count"] == 0


def test_support_refused_when_closed(client, process, citizens, phase_move):
    make(process, citizens[0])
    phase_move(process, "analysis")
    response = client.post(f"{API}/{process.slug}/proposals/1/support", headers=auth(citizens[1]))
    assert response.status_code == 403 and "pas ouverte" in response.json()["detail"]
    assert Proposal.objects.get().supports_count == 0


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=1)
def test_rate_limited_is_429(client, process, citizens):
    headers = auth(citizens[0])
    for expected in (201, 429):
        response = client.post(f"{API}/{process.slug}/proposals", {"title": "Terrains municipaux", "body": BODY},
                               content_type="application/json", headers=headers)
        assert response.status_code == expected
    assert Proposal.objects.count() == 1


def test_answer(client, process, citizens, organiser):
    make(process, citizens[0])
    url = f"{API}/{process.slug}/proposals/1/answer"
    payload = {"status": "accepted", "answer_fr": "Nous publierons la liste cet automne."}
    assert client.post(url, payload, content_type="application/json",
                       headers=auth(citizens[1])).status_code == 403
    response = client.post(url, {"status": "rejected"}, content_type="application/json", headers=auth(organiser))
    assert response.status_code == 400 and "answer_fr" in response.json()["errors"]
    response = client.post(url, payload, content_type="application/json", headers=auth(organiser))
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_amendments(client, process_factory, citizens):
    process = process_factory(amendments_enabled=True)
    make(process, citizens[0])
    base = f"{API}/{process.slug}/proposals/1/amendments"
    response = client.post(base, {"title": "Terrains publics pour le logement", "body": BODY + " Et provinciaux."},
                           content_type="application/json", headers=auth(citizens[1]))
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(f"{base}/{pk}/accept", headers=auth(citizens[1])).status_code == 403
    assert client.post(f"{base}/{pk}/peut-etre", headers=auth(citizens[0])).status_code == 400
    assert client.post(f"{base}/{pk}/accept", headers=auth(citizens[0])).json()["status"] == "accepted"
    assert Amendment.objects.get().status == "accepted"
    assert client.get(base).json()["results"][0]["status"] == "accepted"
    assert Proposal.objects.get().title == "Terrains publics pour le logement"
