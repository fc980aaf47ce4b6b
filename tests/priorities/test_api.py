"""``/api/v1/priorities/…``: requests and campaigns, with tokens; errors in French with the API's shape."""

import json

import pytest
from django.test import Client

from ouvert.core import services as core_services
from ouvert.priorities import services
from ouvert.priorities.models import Ballot, DataRequest

from .conftest import campaign_data

pytestmark = pytest.mark.django_db
BASE = "/api/v1/priorities"


def call(method, path, user=None, body=None):
    client = Client()
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = core_services.token_create(user=user)
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    response = getattr(client, method)(BASE + path, **kwargs, **headers)
    return response.status_code, (response.json() if response.content else None)


def test_requests_api_end_to_end(citizen, banq, banq_editor, dataset):
    status, body = call("post", "/requests", body={"title_fr": "x", "description_fr": "y"})
    assert status == 401
    requester = citizen(1)
    status, body = call("post", "/requests", requester, {"title_fr": "Fréquentation", "description_fr": "Par mois",
                                                         "organisation": "banq", "theme": "culture"})
    assert status == 201 and body["status"] == "submitted" and body["organisation"] == "banq"
    pk = body["id"]
    status, body = call("post", "/requests", requester, {"title_fr": "", "description_fr": "y"})
    assert status == 400 and body == {"detail": "Ce champ est obligatoire.", "errors": {"title_fr": [
        "Ce champ est obligatoire."]}}
    assert call("post", f"/requests/{pk}/support", citizen(2))[1] == {"supports": True, "support_count": 1}
    assert call("delete", f"/requests/{pk}/support", citizen(2))[1] == {"supports": False, "support_count": 0}
    assert call("post", f"/requests/{pk}/follow", citizen(3))[1] == {"follows": True}
    status, body = call("post", f"/requests/{pk}/comments", citizen(2), {"body": "Utile."})
    assert status == 201
    status, body = call("post", f"/requests/{pk}/status", citizen(2), {"status": "review"})
    assert status == 403 and body["detail"].startswith("Seuls les éditeurs et administrateurs")
    status, body = call("post", f"/requests/{pk}/status", banq_editor, {"status": "declined"})
    assert status == 400 and body["errors"] == {"reason": ["Un motif est obligatoire pour refuser une demande."]}
    status, body = call("post", f"/requests/{pk}/answer", banq_editor, {"text": "À l'étude."})
    assert status == 200
    status, body = call("post", f"/requests/{pk}/status", banq_editor, {"status": "published", "dataset": dataset.name})
    assert status == 200 and body["status"] == "published" and body["dataset"] == dataset.name
    assert [h["kind"] for h in body["history"]] == ["created", "answer", "status"]
    status, body = call("get", f"/requests/{pk}")
    assert status == 200 and body["comments"][0]["body"] == "Utile." and body["you"] == {"supports": False,
                                                                                        "follows": False}
    assert call("get", "/requests/999999")[0] == 404
    status, body = call("get", "/requests?status=published")
    assert body["count"] == 1 and body["counts"]["published"] == 1 and body["results"][0]["id"] == pk
    assert call("get", "/requests?status=autre")[0] == 400
    assert call("get", "/requests?limit=-1")[0] == 400


def test_requests_api_list_in_constant_queries(make_request, django_assert_max_num_queries, make_org):
    make_org(slug="ville")
    make_request()
    client = Client()
    with django_assert_max_num_queries(6) as few:
        client.get(BASE + "/requests")
    for n in range(15):
        make_request(organisation="ville" if n % 2 else "banq")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE + "/requests").json()["count"] == 16


def test_campaigns_api_end_to_end(banq, banq_editor, citizen, close):
    data = campaign_data()
    data = {**data, "opens_at": data["opens_at"].isoformat(), "closes_at": data["closes_at"].isoformat(),
            "organisation": "banq"}
    assert call("post", "/campaigns", citizen(1), data)[0] == 403
    status, body = call("post", "/campaigns", banq_editor, {**data, "criteria": [{"name_fr": "", "weight": 0}]})
    assert status == 400 and set(body["errors"]) == {"criteria.0.name_fr", "criteria.0.weight"}
    status, body = call("post", "/campaigns", banq_editor, data)
    assert status == 201 and body["participants"] == 0
    slug = body["slug"]
    candidates = [c["id"] for c in body["candidates"]]
    criteria = [k["id"] for k in body["criteria"]]
    status, body = call("get", "/campaigns")
    assert body["results"][0]["slug"] == slug and body["results"][0]["state"] == "open"
    assert call("get", f"/campaigns/{slug}")[1]["participants"] is None
    voter = citizen(1)
    assert call("get", f"/campaigns/{slug}/ballot", voter)[1] == {"campaign": slug, "ballot": None}
    status, body = call("put", f"/campaigns/{slug}/ballot", voter,
                        {"ratings": {str(candidates[0]): {str(criteria[0]): 7}}})
    assert status == 400 and body["detail"] == "La note 7 est hors de l'échelle : de 0 à 5."
    status, body = call("put", f"/campaigns/{slug}/ballot", citizen(9),
                        {"ratings": {str(candidates[0]): {str(criteria[0]): 3}}})
    assert status == 403
    status, body = call("put", f"/campaigns/{slug}/ballot", voter,
                        {"ratings": {str(candidates[0]): {str(criteria[0]): 5, str(criteria[1]): 4}}})
    assert status == 200 and body["ballot"]["ratings"] == {str(candidates[0]): {str(criteria[0]): 5,
                                                                                  str(criteria[1]): 4}}
    status, body = call("put", f"/campaigns/{slug}/ballot", voter,
                        {"ratings": {str(candidates[1]): {str(criteria[0]): 2}}})
    assert Ballot.objects.count() == 1
    status, body = call("get", f"/campaigns/{slug}/results")
    assert status == 409 and body["detail"] == "Les résultats seront publiés après la clôture de la campagne."
    assert call("get", f"/campaigns/{slug}", banq_editor)[1]["participants"] == 1
    close(services.campaign_get(slug=slug))
    assert call("put", f"/campaigns/{slug}/ballot", voter, {"ratings": {}})[0] == 403
    assert call("get", f"/campaigns/{slug}/results")[0] == 409
    assert call("post", f"/campaigns/{slug}/finalise", voter)[0] == 403
    status, body = call("post", f"/campaigns/{slug}/finalise", banq_editor)
    assert status == 200
    status, body = call("get", f"/campaigns/{slug}/results")
    assert status == 200 and body["ballots"] == 1
    assert body["candidates"][0]["id"] == candidates[1] and body["candidates"][0]["selected"]
    assert DataRequest.objects.get(campaign__slug=slug).status == "planned"
    assert call("get", "/campaigns/inconnue")[0] == 404


def test_ranking_ballot_api(campaign_factory, citizen):
    campaign = campaign_factory(method="ranking", criteria=[], audience="everyone")
    ids = list(campaign.candidates.order_by("position").values_list("pk", flat=True))
    voter = citizen(1)
    status, body = call("put", f"/campaigns/{campaign.slug}/ballot", voter, {"ranking": [ids[0], ids[0], ids[1]]})
    assert status == 400 and body["detail"] == "Un candidat apparaît plusieurs fois dans le classement."
    status, body = call("put", f"/campaigns/{campaign.slug}/ballot", voter, {"ranking": list(reversed(ids))})
    assert status == 200 and body["ballot"]["ranking"] == list(reversed(ids))


def test_malformed_json_and_campaign_lists_in_constant_queries(campaign_factory, citizen,
                                                              django_assert_max_num_queries):
    campaign = campaign_factory()
    client = Client()
    token = core_services.token_create(user=citizen(1))
    response = client.put(f"{BASE}/campaigns/{campaign.slug}/ballot", data="{pas du json",
                          content_type="application/json", HTTP_AUTHORIZATION=token)
    assert 400 <= response.status_code < 500
    assert Ballot.objects.count() == 0
    with django_assert_max_num_queries(4) as few:
        client.get(BASE + "/campaigns")
    with django_assert_max_num_queries(8) as page_few:
        Client().get("/fr/priorites/campagnes/")
    for n in range(6):
        campaign_factory(slug=f"campagne-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE + "/campaigns").json()["count"] == 7
    with django_assert_max_num_queries(len(page_few.captured_queries)):
        assert Client().get("/fr/priorites/campagnes/").status_code == 200
