"""The evaluation through ``/api/v1/market/…``: the whole path (panel → declarations → scores → consensus → ranking →
award → debrief), bad input (400, nothing changed), before the deadline (403, nothing told), and the permission
matrix of every role against every action."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import api_headers, declare_all, evaluate_and_award, past_deadline, sheet

from ouvert.market import evaluation
from ouvert.market.models import Contract, Evaluator, Opportunity, Proposal, Score

pytestmark = pytest.mark.django_db

API = "/api/v1/market"


def call(client, method, url, user=None, body=None):
    headers = api_headers(user) if user is not None and user.is_authenticated else {}
    kwargs = {"content_type": "application/json", **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(f"{API}{url}", **kwargs)


def scores_body(m, values, comment="Bien argumenté."):
    return {"scores": [{"criterion": c.pk, "score": str(v), "comment": comment}
                       for c, v in zip(m.criteria, values, strict=True)]}


def test_the_whole_path_through_the_api(market, make_user):
    client = Client()
    ref = market.opportunity.reference
    third = make_user(email="trois@example.org", full_name="Troisième")
    response = call(client, "post", f"/opportunities/{ref}/panel", market.buyer, {"email": third.email})
    assert response.status_code == 201 and response.json()["email"] == "trois@example.org"
    response = call(client, "delete", f"/opportunities/{ref}/panel/{response.json()['id']}", market.buyer)
    assert response.status_code == 204
    response = call(client, "get", f"/opportunities/{ref}/panel", market.chair)
    body = response.json()
    assert [m["name"] for m in body["members"]] == ["Évaluatrice 1", "Évaluatrice 2"]
    assert "email" not in body["members"][0]  # the members' addresses are the buyer's to see
    assert "Logilibre" not in response.content.decode()

    past_deadline(market)
    response = call(client, "get", f"/opportunities/{ref}/coi", market.chair)
    assert response.json()["bidders"] == ["Logilibre coop", "Pousse numérique inc."]
    for person in (market.chair, market.second):
        response = call(client, "post", f"/opportunities/{ref}/coi", person, {"has_conflict": False, "confirm": True})
        assert response.status_code == 201 and "Logilibre coop" in response.json()["statement"]
    response = call(client, "get", f"/opportunities/{ref}/evaluation/proposals", market.second)
    assert [r["supplier"] for r in response.json()] == ["Logilibre coop", "Pousse numérique inc."]

    for proposal, values in ((market.a, (8, 7, 9)), (market.b, (6, 6, 6))):
        url = f"/opportunities/{ref}/evaluation/proposals/{proposal.pk}"
        detail = call(client, "get", url, market.chair).json()
        assert detail["document"]["content"]["team"] == "Deux développeuses."
        for attachment in detail["document"]["attachments"]:
            response = call(client, "get", f"{url}/attachments/{attachment['index']}", market.chair)
            assert response.status_code == 200 and response.content == b"%PDF-1.4 plan de travail"
            assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
            assert call(client, "get", f"{url}/attachments/0", market.supplier_b.owner).status_code == 403
        assert detail["others"] is None and detail["consensus"] is None
        assert call(client, "put", f"{url}/scores", market.chair, scores_body(market, values)).status_code == 200
        response = call(client, "post", f"{url}/scores/submit", market.chair)
        assert response.status_code == 200 and response.json()["my_evaluation_submitted"]
        response = call(client, "post", f"{url}/scores/submit", market.second, scores_body(market, values))
        assert response.status_code == 200
        assert [o["evaluator"] for o in response.json()["others"]] == ["Évaluatrice 1"]
        sheet_ = call(client, "get", f"{url}/consensus", market.chair).json()
        assert sheet_["ready"] and len(sheet_["members"]) == 2
        response = call(client, "put", f"{url}/consensus", market.chair, scores_body(market, values, "Consensus."))
        assert response.status_code == 200

    ranking = call(client, "get", f"/opportunities/{ref}/ranking", market.buyer_admin).json()
    assert [r["supplier"] for r in ranking["ranking"]] == ["Logilibre coop", "Pousse numérique inc."]
    assert ranking["ranking"][0]["total_score"] == "79.00" and ranking["can_award"]
    assert ranking["tie_rule"].startswith("À égalité")
    response = call(client, "post", f"/opportunities/{ref}/award", market.buyer_admin, {"proposal": market.b.pk})
    assert response.status_code == 400 and "classée première" in response.json()["detail"]
    response = call(client, "post", f"/opportunities/{ref}/award", market.buyer_admin, {"proposal": market.a.pk})
    assert response.status_code == 201
    assert response.json()["supplier"] == "Logilibre coop" and response.json()["value"] == "45000.00"

    debrief = call(client, "get", f"/opportunities/{ref}/debrief", market.supplier_b.owner).json()
    assert len(debrief) == 1 and debrief[0]["supplier"] == "Pousse numérique inc."
    assert (debrief[0]["rank"], debrief[0]["out_of"], debrief[0]["winning_total_score"]) == (2, 2, "79.00")
    assert [s["score"] for s in debrief[0]["scores"]] == ["6.00", "6.00", "6.00"]
    assert "Logilibre" not in json.dumps(debrief)


def test_bad_input_is_refused_and_nothing_changes(market):
    client = Client()
    ref = market.opportunity.reference
    response = call(client, "post", f"/opportunities/{ref}/panel", market.buyer, {"email": "inconnu@example.org"})
    assert response.status_code == 400 and "email" in response.json()["errors"]
    response = client.post(f"{API}/opportunities/{ref}/panel", data="{pas du json", content_type="application/json",
                           **api_headers(market.buyer))
    assert response.status_code in (400, 422)
    past_deadline(market)
    response = call(client, "post", f"/opportunities/{ref}/coi", market.chair, {"has_conflict": False})
    assert response.status_code == 400 and "confirm" in response.json()["errors"]
    declare_all(market)
    url = f"/opportunities/{ref}/evaluation/proposals/{market.a.pk}"
    body = scores_body(market, (8, 7, 9))
    body["scores"][0]["score"] = "12"
    response = call(client, "put", f"{url}/scores", market.chair, body)
    assert response.status_code == 400 and "de 0 à 10" in response.json()["detail"]
    response = call(client, "put", f"{url}/scores", market.chair, {"scores": "tout bon"})
    assert response.status_code == 400
    response = call(client, "put", f"{url}/scores", market.chair, {"scores": [{"score": "5"}]})
    assert response.status_code == 400
    response = call(client, "put", f"{url}/consensus", market.chair, scores_body(market, (8, 7, 9)))
    assert response.status_code == 400 and "non soumise" in response.json()["detail"]
    response = call(client, "post", f"{url}/disqualify", market.chair, {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = call(client, "get", f"/opportunities/{ref}/evaluation/proposals/999999", market.chair)
    assert response.status_code == 404
    response = call(client, "get", "/opportunities/DAN-INCONNUE/panel", market.chair)
    assert response.status_code == 404
    response = call(client, "post", f"/opportunities/{ref}/award", market.buyer_admin, {"proposal": market.a.pk})
    assert response.status_code == 400
    assert not Score.objects.exists() and not Contract.objects.exists()
    assert Proposal.objects.filter(disqualified_at__isnull=False).count() == 0


def test_before_the_deadline_nothing_is_told(market):
    client = Client()
    ref = market.opportunity.reference
    for person, url in ((market.chair, f"/opportunities/{ref}/coi"),
                        (market.chair, f"/opportunities/{ref}/evaluation/proposals"),
                        (market.buyer, f"/opportunities/{ref}/evaluation/proposals"),
                        (market.buyer_admin, f"/opportunities/{ref}/ranking"),
                        (market.buyer, f"/opportunities/{ref}/evaluation/proposals/{market.a.pk}")):
        response = call(client, "get", url, person)
        assert response.status_code == 403, url
        assert "scellées" in response.json()["detail"]
        assert "Logilibre" not in response.content.decode() and "Pousse" not in response.content.decode()
    response = call(client, "post", f"/opportunities/{ref}/coi", market.chair, {"has_conflict": False, "confirm": True})
    assert response.status_code == 403
    response = call(client, "post", f"/opportunities/{ref}/award", market.buyer_admin, {"proposal": market.a.pk})
    assert response.status_code == 403
    assert not Evaluator.objects.filter(coi_declared_at__isnull=False).exists()


# --- The permission matrix --------------------------------------------------------------------------------

ROLES = ["anonymous", "stranger", "bidder", "other_supplier", "buyer_member", "buyer", "buyer_admin", "pending",
         "chair", "reader", "conflicted", "platform_admin"]


@pytest.fixture
def people(market, make_user, supplier_factory, buyer_member, platform_admin, stranger):
    """After the deadline: the chair and a third member declared no conflict, the second member a conflict, a fourth
    member has not declared yet."""
    third = make_user(email="trois@example.org", full_name="Troisième")
    fourth = make_user(email="quatre@example.org", full_name="Quatrième")
    for person in (third, fourth):
        evaluation.evaluator_name(actor=market.buyer, opportunity=market.opportunity, email=person.email)
    past_deadline(market)
    for person in (market.chair, third):
        evaluation.coi_declare(user=person, opportunity=market.opportunity, has_conflict=False, confirm=True)
    evaluation.coi_declare(user=market.second, opportunity=market.opportunity, has_conflict=True, confirm=True,
                           details="Ancienne employée de Logilibre.")
    return {"anonymous": AnonymousUser(), "stranger": stranger, "bidder": market.supplier_a.owner,
            "other_supplier": supplier_factory("autre", "2234567890").owner, "buyer_member": buyer_member,
            "buyer": market.buyer, "buyer_admin": market.buyer_admin, "pending": fourth, "chair": market.chair,
            "reader": third, "conflicted": market.second, "platform_admin": platform_admin}


READS = {
    "panel": ("/opportunities/{ref}/panel", {"buyer", "buyer_admin", "pending", "chair", "reader", "conflicted"}),
    "coi": ("/opportunities/{ref}/coi", {"pending", "chair", "reader", "conflicted"}),
    "proposals": ("/opportunities/{ref}/evaluation/proposals", {"buyer", "buyer_admin", "chair", "reader"}),
    "proposal": ("/opportunities/{ref}/evaluation/proposals/{a}", {"buyer", "buyer_admin", "chair", "reader"}),
    "attachment": ("/opportunities/{ref}/evaluation/proposals/{a}/attachments/0",
                   {"buyer", "buyer_admin", "chair", "reader"}),
    "consensus": ("/opportunities/{ref}/evaluation/proposals/{a}/consensus", {"buyer", "buyer_admin", "chair"}),
    "ranking": ("/opportunities/{ref}/ranking", {"buyer", "buyer_admin", "chair"}),
}


@pytest.mark.parametrize("action", sorted(READS))
def test_read_matrix(action, market, people):
    client = Client()
    template, allowed = READS[action]
    url = template.format(ref=market.opportunity.reference, a=market.a.pk)
    for role in ROLES:
        response = call(client, "get", url, people[role])
        expected = 401 if role == "anonymous" else (200 if role in allowed else 403)
        assert response.status_code == expected, (action, role, response.content)
        if expected == 403:
            assert "Itérations" not in response.content.decode() and "Logilibre" not in response.content.decode()


WRITES = {
    "name": ("post", "/opportunities/{ref}/panel", {"email": "cinq@example.org"}, {"buyer", "buyer_admin"}),
    "remove": ("delete", "/opportunities/{ref}/panel/{pending}", None, {"buyer", "buyer_admin"}),
    "chair": ("post", "/opportunities/{ref}/panel/{reader_seat}/chair", None, {"buyer", "buyer_admin"}),
    "coi": ("post", "/opportunities/{ref}/coi", {"has_conflict": False, "confirm": True},
            {"pending", "chair", "reader", "conflicted"}),  # the declared ones: 400, signed already
    "scores": ("put", "/opportunities/{ref}/evaluation/proposals/{a}/scores", "SCORES", {"chair", "reader"}),
    "submit": ("post", "/opportunities/{ref}/evaluation/proposals/{a}/scores/submit", "SCORES", {"chair", "reader"}),
    "consensus": ("put", "/opportunities/{ref}/evaluation/proposals/{a}/consensus", "SCORES",
                  {"buyer", "buyer_admin", "chair"}),
    "disqualify": ("post", "/opportunities/{ref}/evaluation/proposals/{a}/disqualify", {"reason": "Hors sujet."},
                   {"buyer", "buyer_admin", "chair"}),
    "award": ("post", "/opportunities/{ref}/award", {"proposal": "{a}"}, {"buyer_admin"}),
}


@pytest.mark.parametrize("action", sorted(WRITES))
def test_write_matrix_refusals(action, market, people, make_user):
    """Every role that may not do ``action`` is refused (401 anonymous, 403 others) and nothing changes; the
    allowed roles get past the permission check (their outcome is tested in the path above)."""
    make_user(email="cinq@example.org")
    client = Client()
    method, template, body, allowed = WRITES[action]
    pending_seat = Evaluator.objects.get(user=people["pending"]).pk
    reader_seat = Evaluator.objects.get(user=people["reader"]).pk
    fmt = {"ref": market.opportunity.reference, "a": market.a.pk, "pending": pending_seat, "reader_seat": reader_seat}
    url = template.format(**fmt)
    if body == "SCORES":
        body = scores_body(market, (5, 5, 5))
    elif isinstance(body, dict):
        body = {k: (int(v.format(**fmt)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}

    def snapshot():
        return (list(Evaluator.objects.order_by("pk").values_list("pk", "is_chair", "coi_declared_at")),
                Score.objects.count(), list(Proposal.objects.values_list("disqualified_at", "total_score")),
                Contract.objects.count(), Opportunity.objects.get(pk=market.opportunity.pk).status)

    before = snapshot()
    for role in ROLES:
        if role in allowed:
            continue
        response = call(client, method, url, people[role], body)
        expected = 401 if role == "anonymous" else 403
        assert response.status_code == expected, (action, role, response.content)
    assert snapshot() == before
    for role in sorted(allowed):
        response = call(client, method, url, people[role], body)
        assert response.status_code not in (401, 403), (action, role, response.content)
        break  # one allowed role is enough: the others' success would change the state under test


def test_debrief_matrix(market, make_user, supplier_factory, buyer_member, platform_admin, stranger):
    evaluate_and_award(market)
    client = Client()
    url = f"/opportunities/{market.opportunity.reference}/debrief"
    assert call(client, "get", url, None).status_code == 401
    for person in (market.supplier_a.owner, market.supplier_b.owner):
        assert call(client, "get", url, person).status_code == 200
    other = supplier_factory("autre", "2234567890").owner
    for person in (other, market.buyer, market.buyer_admin, buyer_member, platform_admin, stranger, market.chair):
        assert call(client, "get", url, person).status_code == 403


def test_list_endpoints_query_counts(market, make_user, sealed_submission, supplier_factory,
                                     django_assert_max_num_queries):
    for n in range(6):
        sealed_submission(market.opportunity, supplier_factory(f"s{n}", f"55{n}0000000"))
    past_deadline(market)
    declare_all(market)
    evaluation.scores_submit(user=market.chair, proposal=market.a, scores=sheet(market, (5, 5, 5)))
    client = Client()
    ref = market.opportunity.reference
    headers = api_headers(market.chair)
    with django_assert_max_num_queries(16):
        response = client.get(f"{API}/opportunities/{ref}/evaluation/proposals", **headers)
    assert len(response.json()) == 8
    headers = api_headers(market.buyer)
    with django_assert_max_num_queries(16):
        response = client.get(f"{API}/opportunities/{ref}/ranking", **headers)
    assert len(response.json()["missing_consensus"]) == 8
