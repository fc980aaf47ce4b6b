"""The market's accepted components enter the catalogue (a real accepted contract made through the market's
services), idempotently, from the team's page and from the periodic job."""

import pytest
from django.core.exceptions import PermissionDenied

from ouvert.core import registry
from ouvert.software import services
from ouvert.software.models import Software
from tests.market.conftest import (  # noqa: F401  (fixtures)
    buyer,
    buyer_admin,
    evaluators,
    mcn,
    opportunity_factory,
    sealed_submission,
    supplier_a,
    supplier_b,
    supplier_factory,
)
from tests.market.evaluation_kit import accepted_contract, clock, market  # noqa: F401

pytestmark = pytest.mark.django_db


def test_components_sync(market, team, stranger, sct, client):  # noqa: F811
    assert services.components_sync(actor=team) == {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    accepted_contract(market)
    with pytest.raises(PermissionDenied):
        services.components_sync(actor=stranger)
    assert services.components_sync(actor=team)["created"] == 1
    software = Software.objects.get()
    assert software.name == market.opportunity.title_fr
    assert software.repository_url == "https://git.example.org/logilibre/reservation"
    assert software.licence == "LiLiQ-R-1.1" and software.from_quebec_public_body
    assert software.publisher.slug == "mcn" and software.status == "listed"
    job = {j.name: j for j in registry.periodic_jobs()}["software.market_components"]
    assert job.func()["unchanged"] == 1  # idempotent, also as the periodic job
    assert Software.objects.count() == 1
    client.force_login(team)
    page = client.get("/fr/logiciel-libre/equipe/").content.decode()
    assert market.opportunity.title_fr in page and f"/catalogue/{software.slug}/" in page
    assert client.post("/fr/logiciel-libre/equipe/").status_code == 302
    assert Software.objects.count() == 1
