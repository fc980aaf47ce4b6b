"""The evaluation's pages with Django's client: the workspace, an opportunity's panel (naming, declaring), a
proposal's sheet (opened content, sanitised; attachments; scoring), consensus, ranking and award, debrief — each
refusing clearly whoever may not see it, and bad input redisplayed with its message (400, nothing stored)."""

import pytest
from django.test import Client
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import agree, declare_all, evaluate_and_award, past_deadline, score, sheet

from ouvert.market import evaluation
from ouvert.market.models import Contract, Evaluator, Opportunity, Score

pytestmark = pytest.mark.django_db

BASE = "/fr/marches/evaluation"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_workspace_lists_panels_and_managed_evaluations(market, opportunity_factory, django_assert_max_num_queries):
    assert client_for(None).get(f"{BASE}/").status_code == 302
    client = client_for(market.chair)
    for _ in range(4):
        other = opportunity_factory()
        evaluation.evaluator_name(actor=market.buyer, opportunity=other, email=market.chair.email)
    with django_assert_max_num_queries(12):
        response = client.get(f"{BASE}/")
    page = response.content.decode()
    assert response.status_code == 200 and page.count("/fr/marches/evaluation/DAN-TEST-") == 5
    assert "présidence" in page and "À signer après la date limite" in page
    client = client_for(market.buyer)
    with django_assert_max_num_queries(12):
        response = client.get(f"{BASE}/")
    page = response.content.decode()
    assert "Évaluations de mes organismes" in page and "Évaluatrice 1 (présidence), Évaluatrice 2" in page


def test_buyer_names_a_member_from_the_panel_page(market, make_user, stranger):
    url = f"{BASE}/{market.opportunity.reference}/"
    assert client_for(stranger).get(url).status_code == 403
    assert "Seuls le comité" in client_for(stranger).get(url).content.decode()
    client = client_for(market.buyer)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and "Nommer un membre" in page
    assert "restent scellées" in page and "Logilibre" not in page  # nothing of the proposals before the deadline
    response = client.post(url, {"action": "name", "email": "inconnue@example.org"})
    assert response.status_code == 400 and "Aucun compte avec l’adresse" in response.content.decode().replace("&#x27;", "’")
    assert Evaluator.objects.count() == 2
    make_user(email="trois@example.org", full_name="Troisième")
    response = client.post(url, {"action": "name", "email": "trois@example.org", "is_chair": "on"})
    assert response.status_code == 302
    assert Evaluator.objects.get(is_chair=True).user.email == "trois@example.org"
    seat = Evaluator.objects.get(user__email="trois@example.org")
    assert client.post(url, {"action": "remove", "evaluator": seat.pk}).status_code == 302
    assert Evaluator.objects.count() == 2
    # an evaluator sees the panel, not the buyer's forms
    page = client_for(market.second).get(url).content.decode()
    assert "Nommer un membre" not in page and "Vous signerez votre déclaration après la date limite" in page
    assert client_for(market.second).post(url, {"action": "name", "email": "x@example.org"}).status_code == 403


def test_evaluator_declares_then_sees_the_proposals(market):
    url = f"{BASE}/{market.opportunity.reference}/"
    past_deadline(market)
    client = client_for(market.chair)
    page = client.get(url).content.decode()
    assert "Logilibre coop" in page and "Signer ma déclaration" in page
    assert f"/propositions/{market.a.pk}/" not in page
    response = client.post(url, {"action": "coi", "has_conflict": "no"})
    assert response.status_code == 400 and "Cochez la case" in response.content.decode()
    response = client.post(url, {"action": "coi", "has_conflict": "no", "confirm": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Signée le" in page and f"/propositions/{market.a.pk}/" in page
    # before declaring, the proposal page is refused with the reason
    response = client_for(market.second).get(f"{url}propositions/{market.a.pk}/")
    assert response.status_code == 403 and "Déclarez d’abord" in response.content.decode().replace("&#x27;", "’")


def test_proposal_page_renders_the_content_safely_and_scores(market, sealed_submission, supplier_factory):
    hostile, _ = sealed_submission(market.opportunity, supplier_factory("ruse", "6678901234"),
                                   content={"summary": "**Gras** <script>alert('x')</script>",
                                            "approach": "[lien](javascript:alert(1))"})
    past_deadline(market)
    declare_all(market)
    client = client_for(market.chair)
    url = f"{BASE}/{market.opportunity.reference}/propositions/{hostile.pk}/"
    page = client.get(url).content.decode()
    assert "<strong>Gras</strong>" in page and "<script>alert" not in page and "javascript:alert" not in page
    url = f"{BASE}/{market.opportunity.reference}/propositions/{market.a.pk}/"
    page = client.get(url).content.decode()
    assert "Itérations de deux semaines." in page and "plan.pdf" in page
    c1, c2, c3 = market.criteria
    response = client.post(url, {"action": "save", f"score-{c1.pk}": "12", f"comment-{c1.pk}": "Très clair."})
    assert response.status_code == 400 and "La note va de 0 à 10." in response.content.decode()
    assert 'value="12"' in response.content.decode()  # what was typed is shown again
    assert not Score.objects.exists()
    response = client.post(url, {"action": "save", f"score-{c1.pk}": "8,5", f"comment-{c1.pk}": "Très clair."})
    assert response.status_code == 302 and Score.objects.get().score == 8.5
    response = client.post(url, {"action": "submit", f"score-{c1.pk}": "8,5", f"comment-{c1.pk}": "Très clair."})
    assert response.status_code == 400 and Score.objects.filter(submitted_at__isnull=False).count() == 0
    data = {"action": "submit"}
    for c in market.criteria:
        data[f"score-{c.pk}"], data[f"comment-{c.pk}"] = "7", "Solide."
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "Votre évaluation est soumise" in page and "Notes du comité" in page and "Soumettre" not in page


def test_attachments_are_served_only_to_readers(market, stranger):
    past_deadline(market)
    url = f"{BASE}/{market.opportunity.reference}/propositions/{market.a.pk}/pieces/0/"
    assert client_for(market.chair).get(url).status_code == 403  # not declared yet
    declare_all(market)
    response = client_for(market.chair).get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.4 plan de travail"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    assert client_for(market.chair).get(url.replace("/0/", "/5/")).status_code == 404
    assert client_for(stranger).get(url).status_code == 403
    assert client_for(market.supplier_b.owner).get(url).status_code == 403


def test_consensus_ranking_award_and_debrief_pages(market, buyer_member):
    past_deadline(market)
    declare_all(market)
    for proposal, values in ((market.a, (8, 7, 9)), (market.b, (6, 6, 6))):
        score(market, market.chair, proposal, values)
        score(market, market.second, proposal, values)
    chair = client_for(market.chair)
    url = f"{BASE}/{market.opportunity.reference}/propositions/{market.a.pk}/consensus/"
    assert client_for(market.second).get(url).status_code == 403
    page = chair.get(url).content.decode()
    assert "Consigner le consensus" in page and "Évaluatrice 2" in page and "Moyenne" in page
    data = {"action": "consensus"}
    for c in market.criteria:
        data[f"score-{c.pk}"], data[f"comment-{c.pk}"] = "8", ""
    response = chair.post(url, data)
    assert response.status_code == 400 and "Commentez la note" in response.content.decode()
    for c in market.criteria:
        data[f"comment-{c.pk}"] = "Consensus du comité."
    assert chair.post(url, data).status_code == 302
    evaluation.consensus_record(actor=market.chair, proposal=market.b, scores=sheet(market, (6, 6, 6)))
    ranking_url = f"{BASE}/{market.opportunity.reference}/classement/"
    assert client_for(buyer_member).get(ranking_url).status_code == 403
    page = client_for(market.buyer).get(ranking_url).content.decode()
    assert "À égalité, l’emporte" in page.replace("&#x27;", "’") and "Adjuger à" not in page
    admin = client_for(market.buyer_admin)
    page = admin.get(ranking_url).content.decode()
    assert "Adjuger à Logilibre coop" in page
    response = admin.post(ranking_url, {"proposal": market.b.pk})
    assert response.status_code == 400 and not Contract.objects.exists()
    assert admin.post(ranking_url, {"proposal": market.a.pk}).status_code == 302
    assert Opportunity.objects.get(pk=market.opportunity.pk).status == Opportunity.Status.AWARDED
    page = admin.get(ranking_url).content.decode()
    assert "Adjugée à Logilibre coop" in page
    debrief_url = f"{BASE}/{market.opportunity.reference}/bilan/"
    page = client_for(market.supplier_b.owner).get(debrief_url).content.decode()
    assert "Rang 2 sur 2" in page and "Logilibre" not in page and "Bien argumenté." in page
    assert client_for(market.buyer).get(debrief_url).status_code == 403


def test_result_on_the_opportunity_page(market, stranger):
    evaluate_and_award(market)
    response = client_for(stranger).get(f"/fr/marches/{market.opportunity.reference}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Adjugée à" in page and "Logilibre coop" in page and "45" in page


def test_before_the_deadline_pages_refuse_clearly(market):
    for person, path in ((market.buyer, f"propositions/{market.a.pk}/"),
                         (market.chair, f"propositions/{market.a.pk}/"),
                         (market.buyer, "classement/"),
                         (market.buyer, f"propositions/{market.a.pk}/consensus/")):
        response = client_for(person).get(f"{BASE}/{market.opportunity.reference}/{path}")
        assert response.status_code == 403, path
        assert "scellées jusqu" in response.content.decode() and "Logilibre" not in response.content.decode()


def test_agreed_helper_pages_for_disqualification(market):
    past_deadline(market)
    declare_all(market)
    agree(market, market.a, (5, 5, 5))
    url = f"{BASE}/{market.opportunity.reference}/propositions/{market.b.pk}/consensus/"
    client = client_for(market.buyer)
    response = client.post(url, {"action": "disqualify", "reason": ""})
    assert response.status_code == 400 and "motif" in response.content.decode()
    assert client.post(url, {"action": "disqualify", "reason": "Hors du champ de l’appel."}).status_code == 302
    page = client.get(url).content.decode()
    assert "Proposition écartée : Hors du champ de l’appel." in page


def test_panel_and_ranking_pages_query_counts(market, sealed_submission, supplier_factory,
                                              django_assert_max_num_queries):
    for n in range(6):
        sealed_submission(market.opportunity, supplier_factory(f"s{n}", f"55{n}0000000"))
    past_deadline(market)
    declare_all(market)
    client = client_for(market.buyer)
    client.get(f"{BASE}/{market.opportunity.reference}/")  # closes the opportunity once (its own writes)
    with django_assert_max_num_queries(18):  # as many as with two proposals
        page = client.get(f"{BASE}/{market.opportunity.reference}/").content.decode()
    assert page.count("/consensus/") == 8
    with django_assert_max_num_queries(13):
        page = client.get(f"{BASE}/{market.opportunity.reference}/classement/").content.decode()
    assert page.count("/consensus/") == 8
