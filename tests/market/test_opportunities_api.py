"""``/api/v1/market/opportunities…``: list (filters, pages, no N+1), detail, create, change, transitions,
addenda, questions, follows, history, attachments and buyers' settings — with the services' rules and
refusals (400 with the field, 401, 403, 404, 413, 429), by token and by session with CSRF."""

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client
from opportunities_kit import *  # noqa: F403
from opportunities_kit import complete_data, reload

from ouvert.core import services as core_services
from ouvert.market import opportunities as svc
from ouvert.market.models import Attachment, BuyerSettings, Opportunity, Question

pytestmark = pytest.mark.django_db
S = Opportunity.Status
BASE = "/api/v1/market"


def _call(client, method, path, user=None, body=None, **extra):
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = core_services.token_create(user=user)
    kwargs = {"content_type": "application/json", **headers, **extra}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(BASE + path, **kwargs)


def test_the_list_filters_and_pages(client, clock, opportunity_factory, make_org, django_assert_max_num_queries):
    other = make_org(slug="ville", kind="municipality", name_fr="Ville de Québec")
    for n in range(25):
        opportunity_factory(price=Decimal(10000 + n), skills=["python", f"s{n}"])
    rust = opportunity_factory(price=Decimal("85000"), skills=["rust"], remote_ok=False, location="Québec", buyer=other)
    opportunity_factory(status=S.DRAFT, published_at=None)
    with django_assert_max_num_queries(5):
        response = _call(client, "get", "/opportunities")
    data = response.json()
    assert response.status_code == 200 and data["count"] == 26 and data["pages"] == 2 and len(data["results"]) == 20
    row = data["results"][0]
    assert set(row) >= {"reference", "ocid", "status", "title_fr", "buyer", "price", "deadline", "skills", "url"}
    assert row["currency"] == "CAD" and row["is_open"] is True
    assert len(_call(client, "get", "/opportunities?page=2").json()["results"]) == 6
    assert _call(client, "get", "/opportunities?page=3").json()["results"] == []
    only = _call(client, "get", "/opportunities?skill=rust&remote=false&buyer=ville&value_min=80000").json()
    assert [r["reference"] for r in only["results"]] == [rust.reference]
    assert _call(client, "get", "/opportunities?value_max=10002&per_page=2").json()["count"] == 3
    for bad, field in [("value_min=lots", "value_min"), ("status=draft", "status"), ("page=0", "page"),
                       ("per_page=500", "per_page"), ("remote=maybe", "remote")]:
        response = _call(client, "get", "/opportunities?" + bad)
        assert response.status_code == 400 and field in response.json()["errors"], bad


def test_the_detail(client, published, buyer, supplier_a, clock, django_assert_max_num_queries):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Faut-il du Python ?")
    svc.question_answer(actor=buyer, question=question, question_fr="Faut-il du Python ?", answer_fr="Oui.")
    with django_assert_max_num_queries(12):
        response = _call(client, "get", f"/opportunities/{published.reference}")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "published"
    assert [c["weight"] for c in data["criteria"]] == [40, 35, 25]
    assert data["addenda"][0]["kind"] == "answer" and data["answered_questions"][0]["number"] == 1
    assert "Faut-il du Python ?" in data["answered_questions"][0]["body_fr"]
    assert [e["action"] for e in data["history"]] == ["publish", "addendum"]
    assert "allowed_actions" not in data and supplier_a.owner.email not in json.dumps(data)
    mine = _call(client, "get", f"/opportunities/{published.reference}", user=buyer).json()
    assert mine["allowed_actions"] == ["addendum"]
    assert _call(client, "get", "/opportunities/DAN-2030-0001").status_code == 404


def test_drafts_are_404_for_others_and_show_their_problems_to_the_body(client, clock, buyer, mcn, stranger):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data={"title_fr": "Esquisse", "price": "1000"})
    assert _call(client, "get", f"/opportunities/{draft.reference}").status_code == 404
    assert _call(client, "get", f"/opportunities/{draft.reference}", user=stranger).status_code == 404
    data = _call(client, "get", f"/opportunities/{draft.reference}", user=buyer).json()
    assert "deadline" in data["problems"] and data["allowed_actions"] == ["edit", "submit", "cancel"]
    bad = Client().get(BASE + f"/opportunities/{draft.reference}", HTTP_AUTHORIZATION="jeton-bidon")
    assert bad.status_code == 403


def test_create_change_submit_publish(client, clock, buyer, buyer_admin, stranger, mcn):
    body = {"buyer": "mcn", **complete_data()}
    assert _call(client, "post", "/opportunities", body=body).status_code == 401
    assert _call(client, "post", "/opportunities", user=stranger, body=body).status_code == 403
    refused = _call(client, "post", "/opportunities", user=buyer, body={**body, "price": "90000.01"})
    assert refused.status_code == 400 and refused.json()["errors"]["price"][0].startswith("Le prix fixe (90 000,01 $)")
    assert _call(client, "post", "/opportunities", user=buyer, body={**body, "buyer": "inconnu"}).status_code == 400
    assert not Opportunity.objects.exists()
    created = _call(client, "post", "/opportunities", user=buyer, body={**body, "price": 90000})
    assert created.status_code == 201
    ref = created.json()["reference"]
    assert ref == "DAN-2026-0001" and created.json()["price"] == "90000.00"
    assert created.json()["deadline"] == "2026-03-22T21:00:00+00:00"
    changed = _call(client, "patch", f"/opportunities/{ref}", user=buyer, body={"title_fr": "Titre revu",
                                                                               "criteria": [{"name_fr": "Tout",
                                                                                             "weight": 100}]})
    assert changed.status_code == 200 and changed.json()["title_fr"] == "Titre revu"
    assert [c["weight"] for c in changed.json()["criteria"]] == [100]
    unknown = _call(client, "patch", f"/opportunities/{ref}", user=buyer, body={"status": "published"})
    assert unknown.status_code == 400 and "status" in unknown.json()["errors"]
    assert _call(client, "patch", f"/opportunities/{ref}", user=buyer, body={"price": "abc"}).status_code == 400
    transitions = f"/opportunities/{ref}/transitions"
    assert _call(client, "post", transitions, user=buyer, body={"action": "submit"}).json()["status"] == "review"
    assert _call(client, "post", transitions, user=buyer, body={"action": "publish"}).status_code == 403
    assert _call(client, "post", transitions, user=buyer_admin, body={"action": "fly"}).status_code == 400
    published = _call(client, "post", transitions, user=buyer_admin, body={"action": "publish"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    frozen = _call(client, "patch", f"/opportunities/{ref}", user=buyer, body={"title_fr": "Après"})
    assert frozen.status_code == 400 and "Seul un brouillon" in frozen.json()["detail"]
    assert Opportunity.objects.get().title_fr == "Titre revu"


def test_suspend_resume_cancel(client, published, buyer, buyer_admin, platform_admin):
    path = f"/opportunities/{published.reference}/transitions"
    assert _call(client, "post", path, user=buyer, body={"action": "suspend", "reason": "x"}).status_code == 403
    assert _call(client, "post", path, user=buyer_admin, body={"action": "suspend"}).status_code == 400
    assert _call(client, "post", path, user=platform_admin,
                 body={"action": "suspend", "reason": "Vérification"}).json()["status"] == "suspended"
    too_soon = _call(client, "post", path, user=buyer_admin,
                     body={"action": "resume", "new_deadline": "2026-03-20T17:00"})
    assert too_soon.status_code == 400 and "new_deadline" in too_soon.json()["errors"]
    resumed = _call(client, "post", path, user=buyer_admin,
                    body={"action": "resume", "new_deadline": "2026-03-27T17:00", "reason": "Annexe corrigée."})
    assert resumed.json()["status"] == "published" and resumed.json()["deadline"] == "2026-03-27T21:00:00+00:00"
    cancelled = _call(client, "post", path, user=buyer_admin, body={"action": "cancel", "reason": "Budget retiré"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["status_reason"] == "Budget retiré"
    assert [a["kind"] for a in cancelled.json()["addenda"]] == ["status", "status", "status"]


def test_addenda(client, published, buyer, stranger):
    path = f"/opportunities/{published.reference}/addenda"
    assert _call(client, "post", path, user=stranger, body={"body_fr": "Intrus"}).status_code == 403
    earlier = _call(client, "post", path, user=buyer, body={"kind": "deadline", "body_fr": "Avancée",
                                                             "new_deadline": "2026-03-21T17:00"})
    assert earlier.status_code == 400 and "ne peut qu'être reportée" in earlier.json()["detail"]
    assert _call(client, "post", path, user=buyer, body={"kind": "status", "body_fr": "x"}).status_code == 400
    created = _call(client, "post", path, user=buyer, body={"kind": "deadline", "body_fr": "Reportée",
                                                             "new_deadline": "2026-03-29T17:00-04:00"})
    assert created.status_code == 201 and created.json()["number"] == 1
    assert created.json()["previous_deadline"] == "2026-03-22T21:00:00+00:00"
    assert reload(published).deadline == datetime.datetime(2026, 3, 29, 21, tzinfo=datetime.UTC)
    assert _call(client, "post", path, user=buyer, body={"body_fr": "Avis."}).json()["number"] == 2


def test_questions(client, published, buyer, supplier_a, supplier_b, stranger, buyer_member):
    path = f"/opportunities/{published.reference}/questions"
    assert _call(client, "post", path, body={"body": "?"}).status_code == 401
    assert _call(client, "post", path, user=stranger, body={"body": "Question ?"}).status_code == 403
    assert _call(client, "post", path, user=supplier_a.owner, body={"body": ""}).status_code == 400
    asked = _call(client, "post", path, user=supplier_a.owner, body={"body": "Quel hébergement ?"})
    assert asked.status_code == 201 and asked.json()["status"] == "open"
    qid = asked.json()["id"]
    assert _call(client, "get", path, user=supplier_b.owner).json()["count"] == 0
    assert _call(client, "get", path, user=supplier_a.owner).json()["count"] == 1
    assert _call(client, "get", path, user=buyer_member).json()["results"][0]["body"] == "Quel hébergement ?"
    answer = f"{path}/{qid}/answer"
    assert _call(client, "post", answer, user=supplier_b.owner,
                 body={"question_fr": "Q", "answer_fr": "R"}).status_code == 404
    assert _call(client, "post", answer, user=buyer_member,
                 body={"question_fr": "Q", "answer_fr": "R"}).status_code == 403
    answered = _call(client, "post", answer, user=buyer, body={"question_fr": "Quel hébergement ?",
                                                                "answer_fr": "Infonuagique québécoise."})
    assert answered.status_code == 201 and answered.json()["kind"] == "answer"
    assert _call(client, "post", answer, user=buyer, body={"question_fr": "Q", "answer_fr": "R"}).status_code == 400
    second = _call(client, "post", path, user=supplier_a.owner, body={"body": "Budget ?"}).json()["id"]
    declined = _call(client, "post", f"{path}/{second}/decline", user=buyer, body={"reason": "Le prix est publié."})
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "Le prix est publié."
    assert Question.objects.filter(status="declined").count() == 1


def test_questions_rate_limit_is_a_429(client, published, supplier_a):
    path = f"/opportunities/{published.reference}/questions"
    token = core_services.token_create(user=supplier_a.owner)
    for n in range(svc.QUESTIONS_PER_HOUR):
        client.post(BASE + path, data=json.dumps({"body": f"Q{n} ?"}), content_type="application/json",
                    HTTP_AUTHORIZATION=token)
    response = client.post(BASE + path, data=json.dumps({"body": "Encore ?"}), content_type="application/json",
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_follow_and_history(client, published, stranger, buyer_admin):
    path = f"/opportunities/{published.reference}/follow"
    assert _call(client, "put", path, body={"follow": True}).status_code == 401
    assert _call(client, "put", path, user=stranger, body={"follow": True}).json() == {"following": True}
    assert svc.is_following(stranger, published)
    assert _call(client, "put", path, user=stranger, body={"follow": False}).json() == {"following": False}
    svc.opportunity_suspend(actor=buyer_admin, opportunity=published, reason="Pause")
    history = _call(client, "get", f"/opportunities/{published.reference}/history").json()["results"]
    assert [e["action"] for e in history] == ["publish", "suspend"] and history[1]["detail"] == "Motif : Pause"


def test_session_writes_need_the_csrf_token(published, stranger):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(stranger)
    path = BASE + f"/opportunities/{published.reference}/follow"
    refused = browser.put(path, data=json.dumps({"follow": True}), content_type="application/json")
    assert refused.status_code == 403 and not published.follows.exists()
    browser.get("/fr/marches/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    done = browser.put(path, data=json.dumps({"follow": True}), content_type="application/json",
                       HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 200 and published.follows.count() == 1


def test_attachments(client, draft, buyer, stranger, settings):
    settings.OUVERT_MARKET_ATTACHMENT_MAX_BYTES = 100
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = BASE + f"/opportunities/{draft.reference}/attachments"
    token = core_services.token_create(user=buyer)
    empty = client.post(path, {"file": SimpleUploadedFile("vide.txt", b""), "title": "Vide"}, HTTP_AUTHORIZATION=token)
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
    big = client.post(path, {"file": SimpleUploadedFile("gros.txt", b"x" * 101)}, HTTP_AUTHORIZATION=token)
    assert big.status_code == 413 and "100 octets" in big.json()["detail"]
    other = core_services.token_create(user=stranger)
    assert client.post(path, {"file": SimpleUploadedFile("a.txt", b"a")}, HTTP_AUTHORIZATION=other).status_code == 404
    done = client.post(path, {"file": SimpleUploadedFile("cahier.txt", b"cahier des charges"), "title": "Cahier"},
                       HTTP_AUTHORIZATION=token)
    assert done.status_code == 201 and done.json()["size"] == 18 and len(done.json()["sha256"]) == 64
    assert done.json()["url"].endswith(f"/fr/marches/{draft.reference}/pieces/{done.json()['id']}/")
    removed = client.delete(path + f"/{done.json()['id']}", HTTP_AUTHORIZATION=token)
    assert removed.status_code == 204 and not Attachment.objects.exists()


def test_buyer_settings(client, buyer, buyer_admin, mcn, supplier_a):
    path = "/buyers/mcn/settings"
    assert _call(client, "put", path, user=buyer, body={"default_licence": "MIT"}).status_code == 403
    assert _call(client, "put", path, user=buyer_admin, body={"default_licence": "X"}).status_code == 400
    assert _call(client, "put", path, user=buyer_admin, body={"default_licence": "MIT",
                                                               "contact_email": "pas-un-courriel"}).status_code == 400
    done = _call(client, "put", path, user=buyer_admin, body={"default_licence": "MPL-2.0"})
    assert done.json()["default_licence"] == "MPL-2.0" and BuyerSettings.objects.get().default_licence == "MPL-2.0"
    assert _call(client, "put", "/buyers/inconnu/settings", user=buyer_admin,
                 body={"default_licence": "MIT"}).status_code == 404
    slug = supplier_a.organisation.slug
    assert _call(client, "put", f"/buyers/{slug}/settings", user=supplier_a.owner,
                 body={"default_licence": "MIT"}).status_code == 403


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/market/opportunities", "/api/v1/market/opportunities/{reference}",
                 "/api/v1/market/opportunities/{reference}/transitions",
                 "/api/v1/market/opportunities/{reference}/attachments", "/api/v1/market/buyers/{slug}/settings"):
        assert path in paths, path


@pytest.mark.parametrize("body", [{"skills": 5}, {"skills": [{"a": 1}]}, {"criteria": "x"}, {"criteria": [5]},
                                  {"price": [1]}, {"price": True}, {"deadline": 12345}, {"assignment_date": 5},
                                  {"title_fr": None}, {"criteria": [{"name_fr": "A", "weight": "cent"}]},
                                  {"deadline": "2026-03-22T17:00:00+99:00"}, {"repository_url": "ftp://x"}])
def test_hostile_input_is_a_400_and_changes_nothing(client, draft, buyer, body):
    before = (reload(draft).title_fr, reload(draft).price, list(draft.criteria.values_list("weight", flat=True)))
    response = _call(client, "patch", f"/opportunities/{draft.reference}", user=buyer, body=body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    after = (reload(draft).title_fr, reload(draft).price, list(draft.criteria.values_list("weight", flat=True)))
    assert after == before
