"""The market's demo content in headless Chromium: the public list and an opportunity's page show the « donnée de
démonstration » badge, a demo supplier's page too; the demo evaluator picks up where the demo stops (his scores of
the appointment-booking module) and submits one evaluation. axe finds no serious or critical violation on any of
these pages."""

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    """The plan's public bodies, then the market's demo, in the live server's database."""
    from ouvert.market import demo as market_demo
    from ouvert.plan.demo import load_plan_data

    load_plan_data()
    assert market_demo.load() == 6
    return market_demo


def _login(page, live_server, email):
    from ouvert.core import services as core_services

    page.context.clear_cookies()
    client = Client()
    client.force_login(core_services.user_get_by_email(email=email))
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_badges_and_the_demo_evaluator_carries_on(live_server, page, assert_accessible, demo):
    from ouvert.market.models import Opportunity, Score, Supplier

    page.goto(f"{live_server.url}/fr/marches/")
    expect(page.locator(".market-card .badge--demo")).to_have_count(5)
    assert_accessible(page)
    ckan = Opportunity.objects.get(is_demo=True, title_fr=demo.TITLES[0])
    page.get_by_role("link", name=ckan.title_fr).click()
    expect(page.locator("h1")).to_have_text(ckan.title_fr)
    expect(page.locator(".meta .badge--demo")).to_have_text("donnée de démonstration")
    assert_accessible(page)

    boreal = Supplier.objects.select_related("organisation").get(neq=demo.SUPPLIERS["boreal"]["neq"])
    _login(page, live_server, demo.SUPPLIERS["boreal"]["email"])
    page.goto(f"{live_server.url}/fr/marches/fournisseurs/{boreal.organisation.slug}/")
    expect(page.get_by_role("note")).to_contain_text("donnée de démonstration")
    assert_accessible(page)

    rdv = Opportunity.objects.get(is_demo=True, title_fr=demo.TITLES[1])
    _login(page, live_server, demo.EVALUATEUR)
    page.goto(f"{live_server.url}/fr/marches/evaluation/")
    assert_accessible(page)
    page.get_by_role("link", name=f"{rdv.reference} — {rdv.title_fr}").click()
    assert_accessible(page)
    page.get_by_role("link", name="Logilibre, coopérative de travail", exact=True).click()
    expect(page.locator("h1")).to_have_text("Proposition de Logilibre, coopérative de travail")
    assert_accessible(page)
    criteria = list(rdv.criteria.all())
    expect(page.locator(f"#score-{criteria[0].pk}")).to_have_value("8.00")  # the score the demo began
    for criterion, value in zip(criteria[1:], ("7,5", "8"), strict=True):
        page.locator(f"#score-{criterion.pk}").fill(value)
        page.locator(f"#comment-{criterion.pk}").fill(f"Commentaire sur « {criterion.name_fr} ».")
    page.get_by_role("button", name="Soumettre mon évaluation").click()
    expect(page.get_by_text("Votre évaluation est soumise ; vous voyez maintenant")).to_be_visible()
    assert Score.objects.filter(evaluator__user__email=demo.EVALUATEUR, proposal__opportunity=rdv,
                                submitted_at__isnull=False).count() == 3
