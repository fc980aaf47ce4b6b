"""Opinion statements pages and API: voting without and with JavaScript, adding statements, the organisers'
queue, the groups section, errors, hostile strings and query counts."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from ouvert.consult import services
from ouvert.consult.models import Conversation, Statement, StatementVote
from ouvert.consult.opinions_analysis import synthetic_votes
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db

SEEDS = ["Les contrats publics devraient être publiés en données ouvertes.",
         "Les horaires des autobus en temps réel devraient être ouverts.",
         "Les données de santé ne devraient jamais être publiées."]


@pytest.fixture
def conversation(process, organiser):
    conv = services.conversation_create(actor=organiser, process=process, data={
        "title_fr": "Quelles données ouvrir en priorité?", "slug": "donnees", "seeds": SEEDS})
    conv.process = process
    return conv


def url(conversation, name="consult:conversation", **extra):
    return reverse(name, kwargs={"slug": conversation.process.slug, "conversation": conversation.slug, **extra})


def api(conversation, tail=""):
    return f"/api/v1/consult/processes/{conversation.process.slug}/conversations/{conversation.slug}{tail}"


def first(conversation):
    return conversation.statements.order_by("pk").first()


def test_list_page(client, conversation, django_assert_max_num_queries):
    for n in range(3):
        services.conversation_create(actor=None or conversation.process.created_by, process=conversation.process,
                                     data={"title_fr": f"Autre sujet {n}", "seeds": SEEDS})
    with django_assert_max_num_queries(12):
        response = client.get(reverse("consult:conversations", kwargs={"slug": conversation.process.slug}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Quelles données ouvrir en priorité?" in body and "3 énoncés" in body


def test_anonymous_sees_the_card_and_a_login_link(client, conversation):
    response = client.get(url(conversation))
    body = response.content.decode()
    assert response.status_code == 200
    assert SEEDS[0] in body and "Connectez-vous pour voter" in body and "0 énoncés sur 3" in body
    assert "Pas encore assez de votes" in body
    response = client.post(url(conversation, "consult:conversation_vote"), {"statement": first(conversation).pk,
                                                                            "value": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"] or "connexion" in response["Location"]
    assert not StatementVote.objects.exists()


def test_vote_without_javascript(client, conversation, citizen):
    client.force_login(citizen(1))
    statement = first(conversation)
    response = client.post(url(conversation, "consult:conversation_vote"), {"statement": statement.pk, "value": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#vote")
    page = client.get(url(conversation)).content.decode()
    assert "1 énoncés sur 3" in page and SEEDS[1] in page
    assert "Vos votes" in page
    # A double submit changes nothing; changing one's vote from the table works.
    client.post(url(conversation, "consult:conversation_vote"), {"statement": statement.pk, "value": "1"})
    statement.refresh_from_db()
    assert statement.agree_count == 1
    client.post(url(conversation, "consult:conversation_vote"), {"statement": statement.pk, "value": "-1"})
    statement.refresh_from_db()
    assert (statement.agree_count, statement.disagree_count) == (0, 1)


def test_vote_with_javascript_returns_the_next_card(client, conversation, citizen):
    client.force_login(citizen(1))
    response = client.post(url(conversation, "consult:conversation_vote"),
                           {"statement": first(conversation).pk, "value": "0"}, HTTP_X_REQUESTED_WITH="fetch")
    data = response.json()
    assert response.status_code == 200 and data["progress"]["voted"] == 1
    assert SEEDS[1] in data["html"] and 'id="carte"' in data["html"]


@pytest.mark.parametrize(("post", "status"), [({"statement": "abc", "value": "1"}, 400),
                                              ({"statement": "999999", "value": "1"}, 400),
                                              ({"value": "5"}, 400)])
def test_bad_votes(client, conversation, citizen, post, status):
    client.force_login(citizen(1))
    post = {"statement": first(conversation).pk, **post}
    response = client.post(url(conversation, "consult:conversation_vote"), post)
    assert response.status_code == status and 'role="alert"' in response.content.decode()
    assert not StatementVote.objects.exists()


def test_vote_when_closed(client, conversation, citizen, phase_move):
    phase_move(conversation.process, "analysis")
    client.force_login(citizen(1))
    response = client.post(url(conversation, "consult:conversation_vote"),
                           {"statement": first(conversation).pk, "value": "1"})
    assert response.status_code == 403 and "pas ouverte" in response.content.decode()
    page = client.get(url(conversation)).content.decode()
    assert "pas ouverte" in page and 'name="value"' not in page


def test_add_statement_hostile_escaped(client, conversation, citizen):
    client.force_login(citizen(1))
    hostile = '<script>alert("x")</script> <img src=x onerror=alert(1)> énoncé'
    response = client.post(url(conversation, "consult:conversation_statement"), {"text": hostile})
    assert response.status_code == 302
    for statement in conversation.statements.filter(is_seed=True):
        client.post(url(conversation, "consult:conversation_vote"), {"statement": statement.pk, "value": "0"})
    body = client.get(url(conversation)).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;img src=x" in body
    # A duplicate: 400 with the message, and the text kept in the form.
    response = client.post(url(conversation, "consult:conversation_statement"), {"text": SEEDS[0].upper()})
    assert response.status_code == 400 and "existe déjà" in response.content.decode()
    assert conversation.statements.count() == 4


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=1)
def test_add_statement_rate_limited(client, conversation, citizen):
    client.force_login(citizen(1))
    client.post(url(conversation, "consult:conversation_statement"), {"text": "Un premier énoncé ajouté."})
    response = client.post(url(conversation, "consult:conversation_statement"), {"text": "Un second énoncé ajouté."})
    assert response.status_code == 429 and "Retry-After" in response and "trop vite" in response.content.decode()


def test_premoderation_queue_page(client, conversation, citizen, organiser):
    services.conversation_update(actor=organiser, conversation=conversation, data={"premoderated": True})
    client.force_login(citizen(1))
    client.post(url(conversation, "consult:conversation_statement"), {"text": "Publier les permis de bâtir."})
    statement = Statement.objects.get(status="pending")
    assert "Publier les permis" not in client.get(url(conversation)).content.decode()
    response = client.post(url(conversation, "consult:conversation_moderate", pk=statement.pk), {"decision": "accept"})
    assert response.status_code == 403
    client.force_login(organiser)
    page = client.get(url(conversation)).content.decode()
    assert "Énoncés à examiner" in page and "Publier les permis" in page
    response = client.post(url(conversation, "consult:conversation_moderate", pk=statement.pk), {"decision": "accept"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == "accepted"


def test_settings_form(client, conversation, citizen, organiser):
    settings_url = url(conversation, "consult:conversation_settings")
    client.force_login(citizen(1))
    assert client.post(settings_url, {"premoderated": "on"}).status_code == 403
    client.force_login(organiser)
    assert "Réglages de la conversation" in client.get(url(conversation)).content.decode()
    response = client.post(settings_url, {"premoderated": "on"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.premoderated and not conversation.participants_can_add


def test_new_conversation_form(client, process, organiser, citizen):
    new = reverse("consult:conversation_new", kwargs={"slug": process.slug})
    client.force_login(citizen(1))
    assert client.get(new).status_code == 403
    client.force_login(organiser)
    assert client.get(new).status_code == 200
    response = client.post(new, {"title_fr": "", "seeds": "Court"})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    assert not Conversation.objects.exists()
    response = client.post(new, {"title_fr": "Le logement", "seeds": "Premier énoncé ici.\nSecond énoncé ici.\n",
                                 "participants_can_add": "on"})
    assert response.status_code == 302
    conv = Conversation.objects.get()
    assert conv.participants_can_add and not conv.premoderated and conv.statements.count() == 2


def test_groups_section_and_chart(client, conversation, citizen):
    matrix, _truth, _agreed = synthetic_votes(groups=2, participants=12, statements=3, seed=1, missing_rate=0,
                                              agreement=1, pass_rate=0, consensus_every=0)
    people = [citizen(n) for n in range(12)]
    statements = list(conversation.statements.order_by("pk"))
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            statement.conversation = conversation
            services.statement_vote(user=person, statement=statement, value=int(matrix[i, j]))
    client.force_login(people[0])
    body = client.get(url(conversation)).content.decode()
    assert "Vous êtes dans le groupe" in body and 'data-vega-spec="#opinions-chart"' in body
    assert "Taille des groupes d’opinion" in body and "vega-lite.min.js" in body
    spec = json.loads(body.split('id="opinions-chart" type="application/json">')[1].split("</script>")[0])
    assert len(spec["data"]["values"]) == 12 and sum(1 for p in spec["data"]["values"] if p["vous"]) == 1


def test_unknown_conversation_and_private_process(client, conversation, process_factory, citizen):
    assert client.get(reverse("consult:conversation", kwargs={"slug": conversation.process.slug,
                                                              "conversation": "inconnue"})).status_code == 404
    private = process_factory(visibility="private")
    assert client.get(reverse("consult:conversations", kwargs={"slug": private.slug})).status_code == 404


# --- API -------------------------------------------------------------------------------------------

def test_api_read(client, conversation, citizen, django_assert_max_num_queries):
    response = client.get(f"/api/v1/consult/processes/{conversation.process.slug}/conversations")
    assert response.status_code == 200 and response.json()["results"][0]["slug"] == "donnees"
    with django_assert_max_num_queries(10):
        data = client.get(api(conversation)).json()
    assert [s["text"] for s in data["statements"]] == SEEDS and data["my_votes"] == {}
    assert client.get(api(conversation, "/next")).json()["statement"]["text"] == SEEDS[0]
    assert client.get(api(conversation, "/groups")).json()["status"] == "not_enough_votes"
    assert client.get(api(conversation, "-x")).status_code == 404


def test_api_vote_and_add(client, conversation, citizen):
    person = citizen(1)
    token = core_services.token_create(user=person)
    statement = first(conversation)
    vote = api(conversation, f"/statements/{statement.pk}/vote")
    assert client.post(vote, {"value": 1}, content_type="application/json").status_code in (401, 403)
    response = client.post(vote, {"value": 1}, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json()["statement"]["agree_count"] == 1
    response = client.post(vote, {"value": 7}, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "errors" in response.json()
    response = client.post(vote, "{pas du json", content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400
    assert client.post(api(conversation, "/statements/999999/vote"), {"value": 1}, content_type="application/json",
                       HTTP_AUTHORIZATION=token).status_code == 404
    nxt = client.get(api(conversation, "/next"), HTTP_AUTHORIZATION=token).json()
    assert nxt["statement"]["text"] == SEEDS[1] and nxt["progress"]["voted"] == 1
    response = client.post(api(conversation, "/statements"), {"text": "Les budgets des municipalités."},
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 201 and response.json()["status"] == "accepted"
    response = client.post(api(conversation, "/statements"), {"text": "x" * 401},
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "text" in response.json()["errors"]
    statement.refresh_from_db()
    assert statement.agree_count == 1


def test_api_vote_when_closed(client, conversation, citizen, phase_move):
    phase_move(conversation.process, "report")
    token = core_services.token_create(user=citizen(1))
    response = client.post(api(conversation, f"/statements/{first(conversation).pk}/vote"), {"value": 1},
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 403 and "pas ouverte" in response.json()["detail"]
