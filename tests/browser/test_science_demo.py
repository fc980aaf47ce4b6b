"""The science module's demo content in headless Chromium: the support page (the FAQ's questions and the
webinars to come), the assistant for PLOS ONE and the FRQS, the registry's search, a publication's page with
its harvested copy and its verdict, and the webinars (a full one with its waiting list, past ones with their
recording) render what the demo loaded; axe finds no serious or critical violation on any of them."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, make_org):
    from ouvert.science import demo as science_demo

    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")
    assert science_demo.load() == 40
    return science_demo


def test_the_demo_pages(live_server, page, assert_accessible, demo):
    from ouvert.science.models import Publication

    base = f"{live_server.url}/fr/science-ouverte"
    page.goto(f"{base}/")
    expect(page.locator("h1")).to_have_text("Libre accès immédiat : ce qu’il faut savoir")
    expect(page.locator("main")).to_contain_text("La rétention des droits en pratique")
    assert_accessible(page)

    page.goto(f"{base}/comment-me-conformer/")
    page.get_by_label("Revue (ISSN ou titre)").fill("1932-6203")
    page.get_by_label("Fonds de recherche").select_option("frqs")
    page.get_by_role("button", name="Voir les voies possibles").click()
    expect(page.locator("h2#resultat")).to_have_text("PLOS ONE et le FRQS")
    expect(page.locator("[data-route=journal] .assistant-status")).to_have_text("fonctionne")
    assert_accessible(page)

    page.goto(f"{base}/publications/")
    page.get_by_label("Titre, auteurs, revue ou DOI").fill("Saint-Laurent")
    page.get_by_role("button", name="Chercher").click()
    title = "Microplastiques dans les eaux de surface du fleuve Saint-Laurent : distribution et sources"
    expect(page.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(page)

    harvested = Publication.objects.get(doi=demo.doi(29))
    page.goto(f"{base}/publications/{harvested.pk}/")
    expect(page.locator("h1")).to_have_text(harvested.title)
    expect(page.locator("main")).to_contain_text("Papyrus — Université de Montréal (démo)")
    expect(page.locator("main")).to_contain_text("Conforme")
    assert_accessible(page)

    page.goto(f"{base}/webinaires/")
    expect(page.locator("h1")).to_have_text("Webinaires de formation")
    expect(page.locator(".support-badge--full")).to_have_text("complet, liste d’attente")
    expect(page.get_by_role("link", name="Enregistrement : La politique de libre accès révisée des FRQ : ce qui change")
           ).to_be_visible()
    assert_accessible(page)
