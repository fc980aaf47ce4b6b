"""``/api/v1/consult/processes/<slug>/debates`` and ``…/drafts``: reads for everyone who may see the
process, writes for its organisers (token), errors in the API's shape, lists without N+1."""

import json

import pytest
from django.test import Client

from ouvert.consult import comments, debates
from ouvert.consult.models import Debate, DraftText
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

BASE = "/api/v1/consult/processes"


def _call(method, url, user=None, payload=None):
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = core_services.token_create(user=user)
    client = Client()
    if payload is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_debates_list_and_detail_with_counts(process, organiser, citizens):
    debate = debates.debate_create(actor=organiser, process=process, data={"title_fr": "Question?",
                                                                           "description_fr": "Contexte."})
    debates.debate_argument_post(user=citizens[0], debate=debate, body="Pour.", stance="for")
    debates.debate_argument_post(user=citizens[1], debate=debate, body="Contre.", stance="against")
    arg = debates.debate_argument_post(user=citizens[2], debate=debate, body="Contre aussi.", stance="against")
    debates.debate_argument_post(user=citizens[3], debate=debate, body="Réponse.", parent=arg)
    body = _call("get", f"{BASE}/{process.slug}/debates").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["state"], row["arguments_for"], row["arguments_against"], row["replies"]) == \
        (debate.pk, "open", 1, 2, 1)
    detail = _call("get", f"{BASE}/{process.slug}/debates/{debate.pk}").json()
    assert detail["description_fr"] == "Contexte." and detail["arguments_against"] == 2


def test_debates_list_is_not_n_plus_one(process, organiser, citizens, django_assert_max_num_queries):
    for n in range(20):
        d = debates.debate_create(actor=organiser, process=process, data={"title_fr": f"Question {n}?"})
        if n < 4:
            debates.debate_argument_post(user=citizens[n], debate=d, body="Pour.", stance="for")
    with django_assert_max_num_queries(6):
        body = _call("get", f"{BASE}/{process.slug}/debates").json()
    assert body["count"] == 20


def test_organiser_creates_updates_and_closes(process, organiser):
    response = _call("post", f"{BASE}/{process.slug}/debates", organiser, {"title_fr": "Question?",
                                                                           "title_en": "Question?"})
    assert response.status_code == 201
    pk = response.json()["id"]
    response = _call("patch", f"{BASE}/{process.slug}/debates/{pk}", organiser, {"description_fr": "Contexte."})
    assert response.status_code == 200 and response.json()["description_fr"] == "Contexte."
    response = _call("post", f"{BASE}/{process.slug}/debates/{pk}/close", organiser, {"conclusions_fr": "Fin."})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["conclusions_fr"]) == ("closed", "Fin.")


def test_debate_write_errors(process, organiser, citizen):
    url = f"{BASE}/{process.slug}/debates"
    assert _call("post", url, None, {"title_fr": "Q?"}).status_code == 401
    response = _call("post", url, citizen(1), {"title_fr": "Q?"})
    assert response.status_code == 403 and response.json()["detail"]
    response = _call("post", url, organiser, {"title_fr": ""})
    assert response.status_code == 400 and "title_fr" in response.json()["errors"]
    response = _call("post", url, organiser, {"title_fr": {"objet": 1}})
    assert response.status_code == 400
    assert _call("post", f"{BASE}/inconnue/debates", organiser, {"title_fr": "Q?"}).status_code == 404
    assert not Debate.objects.exists()
    assert _call("get", f"{BASE}/{process.slug}/debates/999").status_code == 404


def test_drafts_list_and_detail(process, organiser, citizen):
    draft = debates.draft_create(actor=organiser, process=process, data={
        "title_fr": "Projet", "source_fr": "# Titre\n\nUn.\n\nDeux.", "source_en": "# Title\n\nOne.\n\nTwo."})
    second = draft.paragraphs.get(position=2)
    comments.comment_post(user=citizen(1), process=process, target_kind="paragraph", target_id=second.pk,
                          body="Avis.")
    body = _call("get", f"{BASE}/{process.slug}/drafts").json()
    assert body["count"] == 1
    assert (body["results"][0]["slug"], body["results"][0]["paragraphs"], body["results"][0]["comments"]) == \
        ("projet", 2, 1)
    detail = _call("get", f"{BASE}/{process.slug}/drafts/projet").json()
    assert [(p["position"], p["is_heading"], p["text_en"], p["comments"]) for p in detail["paragraph_list"]] == [
        (1, True, "# Title", 0), (2, False, "One.", 1), (3, False, "Two.", 0)]
    assert _call("get", f"{BASE}/{process.slug}/drafts/inconnu").status_code == 404


def test_draft_detail_with_100_paragraphs_in_constant_queries(process, organiser, django_assert_max_num_queries):
    source = "\n\n".join(f"Paragraphe {i}." for i in range(100))
    debates.draft_create(actor=organiser, process=process, data={"title_fr": "Long", "source_fr": source})
    with django_assert_max_num_queries(6):
        body = _call("get", f"{BASE}/{process.slug}/drafts/long").json()
    assert len(body["paragraph_list"]) == 100


def test_organiser_publishes_a_draft_and_a_version(process, organiser, citizen):
    url = f"{BASE}/{process.slug}/drafts"
    response = _call("post", url, organiser, {"title_fr": "Directive", "source_fr": "Un.\n\nDeux."})
    assert response.status_code == 201 and response.json()["paragraphs"] == 2
    response = _call("post", f"{url}/directive/versions", organiser, {"source_fr": "Un.\n\nDeux.\n\nTrois."})
    assert response.status_code == 200 and (response.json()["version"], response.json()["paragraphs"]) == (2, 3)
    response = _call("post", url, organiser, {"title_fr": "Autre", "source_fr": "Un.", "source_en": "One.\n\nTwo."})
    assert response.status_code == 400 and "source_en" in response.json()["errors"]
    assert _call("post", url, citizen(1), {"title_fr": "X", "source_fr": "Un."}).status_code == 403
    assert DraftText.objects.count() == 1
