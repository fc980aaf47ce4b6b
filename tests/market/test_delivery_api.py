"""The delivery through ``/api/v1/market/…`` and its pages: delivering, the decisions, the payment, the contract as
each side sees it, refusals (401, 403, 400 with nothing changed), and the public reusable components (page and API,
with bounded queries)."""

import json

import pytest
from django.test import Client
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import accepted_contract, api_headers, evaluate_and_award

from ouvert.market.models import Contract, Delivery

pytestmark = pytest.mark.django_db

API = "/api/v1/market"
REPO = "https://git.example.org/logilibre/reservation"


def post(client, url, user, body):
    headers = api_headers(user) if user is not None else {}
    return client.post(f"{API}{url}", data=json.dumps(body), content_type="application/json", **headers)


def test_delivery_path_through_the_api(market, stranger, buyer_member):
    evaluate_and_award(market)
    client = Client()
    ref = market.opportunity.reference
    supplier = market.supplier_a.owner
    assert client.get(f"{API}/opportunities/{ref}/contract").status_code == 401
    assert client.get(f"{API}/opportunities/{ref}/contract", **api_headers(stranger)).status_code == 403
    contract = client.get(f"{API}/opportunities/{ref}/contract", **api_headers(buyer_member)).json()
    assert contract["status"] == "active" and contract["acceptance_criteria"] == [
        "Tests automatisés", "Documentation en français"]
    assert post(client, f"/opportunities/{ref}/deliveries", None, {"repository_url": REPO}).status_code == 401
    assert post(client, f"/opportunities/{ref}/deliveries", market.buyer, {"repository_url": REPO}).status_code == 403
    response = post(client, f"/opportunities/{ref}/deliveries", supplier, {"repository_url": "ftp:/mal"})
    assert response.status_code == 400 and "repository_url" in response.json()["errors"]
    assert not Delivery.objects.exists()
    response = post(client, f"/opportunities/{ref}/deliveries", supplier,
                    {"repository_url": REPO, "note": "Première version."})
    assert response.status_code == 201 and response.json()["status"] == "delivered"
    delivery_id = response.json()["deliveries"][0]["id"]
    url = f"/opportunities/{ref}/deliveries/{delivery_id}/decision"
    assert post(client, url, supplier, {"decision": "accepted", "checklist": [0, 1]}).status_code == 403
    response = post(client, url, market.buyer, {"decision": "accepted", "checklist": [0]})
    assert response.status_code == 400 and "checklist" in response.json()["errors"]
    response = post(client, url, market.buyer, {"decision": "corrections", "note": "Ajoutez la documentation."})
    assert response.status_code == 200 and response.json()["status"] == "corrections"
    response = post(client, f"/opportunities/{ref}/deliveries", supplier, {"repository_url": REPO})
    second = response.json()["deliveries"][1]["id"]
    response = post(client, f"/opportunities/{ref}/payment", market.buyer, {"status": "approved"})
    assert response.status_code == 400  # not accepted yet
    response = post(client, f"/opportunities/{ref}/deliveries/{second}/decision", market.buyer,
                    {"decision": "accepted", "checklist": [True, True], "note": "Merci."})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert response.json()["deliveries"][1]["checklist"][1] == {"item": "Documentation en français", "met": True}
    assert post(client, f"/opportunities/{ref}/payment", market.buyer, {"status": "paid"}).status_code == 400
    assert post(client, f"/opportunities/{ref}/payment", supplier, {"status": "approved"}).status_code == 403
    assert post(client, f"/opportunities/{ref}/payment", market.buyer, {"status": "approved"}).status_code == 200
    response = post(client, f"/opportunities/{ref}/payment", market.buyer, {"status": "paid"})
    assert response.status_code == 200 and response.json()["payment_status"] == "paid"
    assert post(client, f"/opportunities/{ref}/deliveries/999999/decision", market.buyer,
                {"decision": "accepted"}).status_code == 404
    assert client.get(f"{API}/opportunities/DAN-RIEN/contract", **api_headers(market.buyer)).status_code == 404


def test_components_api_and_page(market, django_assert_max_num_queries):
    client = Client()
    assert client.get(f"{API}/components").json() == []
    assert "Aucun livrable accepté" in client.get("/fr/marches/composants/").content.decode()
    accepted_contract(market)
    [component] = client.get(f"{API}/components").json()
    assert component["supplier"] == "Logilibre coop" and component["licence"] == "LiLiQ-R-1.1"
    assert component["repository_url"] == REPO
    with django_assert_max_num_queries(6):
        page = client.get("/fr/marches/composants/").content.decode()
    assert market.opportunity.title_fr in page and REPO in page and "LiLiQ-R-1.1" in page


def test_components_list_without_n_plus_one(market, opportunity_factory, sealed_submission, django_assert_max_num_queries):
    from ouvert.market.models import Delivery as D
    from ouvert.market.models import Proposal

    accepted_contract(market)
    for n in range(5):  # more accepted contracts, made directly
        opportunity = opportunity_factory(status="awarded")
        proposal = Proposal.objects.create(opportunity=opportunity, supplier=market.supplier_b, status="submitted")
        contract = Contract.objects.create(opportunity=opportunity, proposal=proposal, value=opportunity.price,
                                           awarded_at=opportunity.deadline, status="accepted",
                                           accepted_at=opportunity.deadline)
        D.objects.create(contract=contract, repository_url=f"https://git.example.org/c{n}", decision="accepted")
    with django_assert_max_num_queries(3):
        response = Client().get(f"{API}/components")
    assert len(response.json()) == 6


def test_contract_page_for_each_side(market, stranger):
    evaluate_and_award(market)
    url = f"/fr/marches/contrats/{market.opportunity.reference}/"
    assert Client().get(url).status_code == 302
    outsider = Client()
    outsider.force_login(stranger)
    assert outsider.get(url).status_code == 403
    supplier = Client()
    supplier.force_login(market.supplier_a.owner)
    page = supplier.get(url).content.decode()
    assert "Livrer le travail" in page and "Vérifier la dernière livraison" not in page
    response = supplier.post(url, {"action": "deliver", "repository_url": "pas-une-adresse"})
    assert response.status_code == 400 and "Adresse invalide" in response.content.decode()
    assert 'value="pas-une-adresse"' in response.content.decode()
    assert supplier.post(url, {"action": "deliver", "repository_url": REPO, "note": "v1"}).status_code == 302
    buyer = Client()
    buyer.force_login(market.buyer)
    page = buyer.get(url).content.decode()
    assert "Vérifier la dernière livraison" in page and "Livrer le travail" not in page
    response = buyer.post(url, {"action": "accept", "checklist": ["0"]})
    assert response.status_code == 400 and "Documentation en français" in response.content.decode()
    assert buyer.post(url, {"action": "accept", "checklist": ["0", "1"]}).status_code == 302
    assert Contract.objects.get().status == Contract.Status.ACCEPTED
    page = buyer.get(url).content.decode()
    assert "Consigner : Approuvé" in page
    assert buyer.post(url, {"action": "payment", "status": "approved"}).status_code == 302
    assert buyer.post(url, {"action": "payment", "status": "paid"}).status_code == 302
    page = buyer.get(url).content.decode()
    assert "Payé" in page and "Consigner :" not in page
    assert supplier.post(url, {"action": "payment", "status": "paid"}).status_code == 403
