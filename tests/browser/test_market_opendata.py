"""The market's open data and statistics in headless Chromium: the statistics page draws its two charts
(vega-embed, beside their tables), the open-data page lists the latest releases and leads to an
opportunity's OCDS package, the publication policy reads in order. axe finds no serious or critical
violation on any of them."""

import datetime
import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def market(transactional_db):
    """One opportunity awarded to an SME start-up (releases tender, tenderUpdate, award), one still open."""
    from django.utils import timezone

    from ouvert.core import services as core_services
    from ouvert.market import ocds
    from ouvert.market.models import Contract, Criterion, Opportunity, Proposal, Submission, Supplier

    now = timezone.now()
    mcn = core_services.organisation_upsert(slug="mcn", name_fr="Ministère de la Cybersécurité et du Numérique",
                                            kind="public_body")
    org = core_services.organisation_upsert(slug="pousse", name_fr="Pousse numérique inc.", kind="supplier")
    supplier = Supplier.objects.create(organisation=org, legal_name="Pousse numérique inc.", neq="3345678901",
                                       is_sme=True, is_startup=True)
    done = Opportunity.objects.create(reference="DAN-2026-0100", buyer=mcn, status=Opportunity.Status.PUBLISHED,
                                      title_fr="Module de réservation de salles", price=Decimal("45000"),
                                      published_at=now - datetime.timedelta(days=40),
                                      deadline=now - datetime.timedelta(days=20))
    Criterion.objects.create(opportunity=done, name_fr="Démarche", weight=100)
    ocds.release_add(done, ["tender"])
    proposal = Proposal.objects.create(opportunity=done, supplier=supplier, status=Proposal.Status.SUBMITTED)
    Submission.objects.create(proposal=proposal, version=1, draft_revision=1, sealed=b"-", wrapped_key=b"-",
                              key_id="test", receipt="a" * 64, sealed_sha256="b" * 64,
                              submitted_at=now - datetime.timedelta(days=25))  # stands for a sealed one
    done.status = Opportunity.Status.EVALUATION
    done.save()
    ocds.release_add(done, ["tenderUpdate"])
    Contract.objects.create(opportunity=done, proposal=proposal, value=Decimal("45000"),
                            awarded_at=now - datetime.timedelta(days=10))
    done.status = Opportunity.Status.AWARDED
    done.save()
    ocds.release_add(done, ["award", "contract"])
    open_one = Opportunity.objects.create(reference="DAN-2026-0101", buyer=mcn, status=Opportunity.Status.PUBLISHED,
                                          title_fr="Tableau de bord des délais", price=Decimal("30000"),
                                          published_at=now - datetime.timedelta(days=2),
                                          deadline=now + datetime.timedelta(days=20))
    ocds.release_add(open_one, ["tender"])
    return done


def test_statistics_charts(live_server, page, assert_accessible, market):
    page.goto(f"{live_server.url}/fr/marches/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques des micro-acquisitions")
    for spec in ("#market-chart-per-year", "#market-chart-shares"):
        chart = page.locator(f'[data-vega-spec="{spec}"]')
        expect(chart).to_have_attribute("data-vega-rendered", "ok")
        expect(chart.locator("svg")).to_be_visible()
        expect(chart).to_have_attribute("role", "img")
    expect(page.get_by_role("table", name="Contrats adjugés aux PME et aux jeunes pousses")).to_contain_text("100 %")
    # One proposal to the awarded opportunity; the open one's are never counted.
    expect(page.get_by_text("1 / 1", exact=False)).to_be_visible()
    assert_accessible(page)


def test_open_data_page_and_a_package(live_server, page, assert_accessible, market):
    page.goto(f"{live_server.url}/fr/marches/donnees-ouvertes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes des micro-acquisitions (OCDS)")
    table = page.get_by_role("table", name="Les publications OCDS les plus récentes")
    expect(table.locator("tbody tr")).to_have_count(4)
    assert_accessible(page)
    page.get_by_role("link", name="Politique de publication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Politique de publication des données de contrats (OCDS)")
    assert_accessible(page)

    response = page.request.get(f"{live_server.url}/api/v1/market/ocds/{market.reference}/releases.json")
    assert response.status == 200 and response.headers["content-type"] == "application/json"
    package = json.loads(response.body())
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["award", "contract"]]
