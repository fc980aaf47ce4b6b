"""Proposals in headless Chromium: a citizen supports a proposal from its page (the count updates in
place, without reloading) and takes the support back, then submits a proposal of her own through the
form (its refusals are tested with Django's client); axe finds no serious or critical violation on the list, the proposal page and the form."""

import pytest
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "Créer un registre public des logements vacants, mis à jour chaque trimestre, par municipalité."


def test_citizen_supports_then_submits_a_proposal(live_server, page, assert_accessible, process_factory, citizen):
    from ouvert.consult import services
    from ouvert.consult.models import Proposal, Support

    process = process_factory(support_limit=3, support_threshold=4)
    author, supporter = citizen(1), citizen(2)
    services.proposal_create(process=process, user=author, title="Registre des logements vacants", body=BODY,
                             latitude="46.81", longitude="-71.21", address="Québec")
    login(page, live_server, supporter)

    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/propositions/")
    expect(page.locator("h1")).to_have_text("Propositions")
    expect(page.get_by_text("Il vous reste 3 appui(s) sur 3.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Registre des logements vacants").click()
    expect(page.locator("h1")).to_have_text("Registre des logements vacants")
    count = page.locator("[data-count]")
    expect(count).to_have_text("0")
    assert_accessible(page)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_role("button", name="Appuyer").click()
    expect(count).to_have_text("1")
    expect(page.get_by_role("status").filter(has_text="votre appui est enregistré")).to_be_visible()
    expect(page.locator("[data-remaining]")).to_have_text("2")
    assert not navigations  # updated in place, no reload
    assert Support.objects.filter(user=supporter).count() == 1
    page.get_by_role("button", name="Retirer mon appui").click()
    expect(count).to_have_text("0")
    assert not Support.objects.filter(user=supporter).exists()

    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/propositions/nouvelle/")
    assert_accessible(page)
    page.get_by_label("Titre").fill("Des toits verts sur les édifices publics")
    page.get_by_label("Votre proposition").fill("Végétaliser les toits des édifices publics pour réduire les "
                                                "îlots de chaleur et retenir l’eau de pluie.")
    page.get_by_label("Latitude").fill("45.5019")
    page.get_by_label("Longitude").fill("-73.5674")
    page.get_by_role("button", name="Publier ma proposition").click()
    expect(page.locator("h1")).to_have_text("Des toits verts sur les édifices publics")
    assert Proposal.objects.get(number=2).author == supporter
    assert_accessible(page)
