"""The evaluation and delivery parts in Django's admin: read only (changes go through the audited services), and
no score of an opportunity whose deadline has not come (nothing told of a sealed opportunity's proposals)."""

import pytest
from django.test import Client
from evaluation_kit import *  # noqa: F403  (fixtures: clock, market)
from evaluation_kit import accepted_contract, past_deadline

from ouvert.market.models import Score

pytestmark = pytest.mark.django_db


def admin_client(platform_admin) -> Client:
    client = Client()
    client.force_login(platform_admin)
    return client


def test_scores_only_past_the_deadline(market, platform_admin):
    client = admin_client(platform_admin)
    # a score row that should never exist before the deadline, made directly: the admin still does not show it
    Score.objects.create(proposal=market.a, criterion=market.criteria[0], evaluator=None, score=5)
    page = client.get("/fr/admin/market/score/").content.decode()
    assert "Logilibre" not in page and "DAN-TEST-0001" not in page
    past_deadline(market)
    client = admin_client(platform_admin)  # a new session: the clock moved past the first one's life
    page = client.get("/fr/admin/market/score/").content.decode()
    assert "DAN-TEST-0001 — Logilibre coop" in page


def test_read_only_pages(market, platform_admin):
    accepted_contract(market)
    client = admin_client(platform_admin)
    for model in ("evaluator", "score", "contract", "delivery"):
        assert client.get(f"/fr/admin/market/{model}/").status_code == 200, model
        assert client.get(f"/fr/admin/market/{model}/add/").status_code == 403, model
    page = client.get("/fr/admin/market/contract/").content.decode()
    assert "Logilibre coop" in page and "45" in page
