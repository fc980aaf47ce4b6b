"""The link checker's pages in headless Chromium: the broken-link report (broken first, filtered by its
form), a resource's history reached from it, and the availability notes beside the resources on the
dataset page. axe finds no serious or critical violation on the report and the history. The links
point to a local HTTP server (never the network)."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.quality.linkserver import running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checked_links(transactional_db, settings):
    from django.utils import timezone

    from ouvert.catalog import services as catalog_services
    from ouvert.core import services as core_services
    from ouvert.core.models import Membership
    from ouvert.quality import services

    settings.OUVERT_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUVERT_LINKCHECK_HOST_DELAY = 0
    settings.OUVERT_DATASTORE_INGEST_LINKS = False
    with running() as server:
        org = core_services.organisation_upsert(slug="ville-de-laval", name_fr="Ville de Laval", kind="municipality")
        editor = core_services.user_upsert(email="editrice@laval.example.org", password="motdepasse-Tres-Solide-42")
        core_services.membership_set(user=editor, organisation=org, role=Membership.Role.EDITOR)
        catalog_services.dataset_create(actor=editor, organisation=org, data={
            "name": "collectes", "title_fr": "Collectes des matières résiduelles", "resources": [
                {"name_fr": "Calendrier", "url": server.url("/status/404"), "format": "CSV"},
                {"name_fr": "Secteurs", "url": server.url("/html"), "format": "CSV"},
                {"name_fr": "Points de dépôt", "url": server.url("/ok"), "format": "CSV"}]})
        start = timezone.now()  # the states were created due now (on commit of the dataset)
        services.links_check(now=start)
        services.links_check(now=start + datetime.timedelta(hours=1))
        yield server


def test_report_history_and_dataset_notes(live_server, page, assert_accessible, checked_links):
    page.goto(f"{live_server.url}/fr/catalogue/qualite/liens/ville-de-laval/")
    expect(page.locator("h1")).to_have_text("Disponibilité des liens : Ville de Laval")
    rows = page.locator("table:has(#liens-legende) tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("th")).to_contain_text("Calendrier")
    expect(rows.first).to_contain_text("brisé")
    expect(page.get_by_text("Type servi « text/html », annoncé « CSV ».")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Afficher").select_option("brises")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**etat=brises**")
    expect(page.locator("table:has(#liens-legende) tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Calendrier").click()
    expect(page.locator("h1")).to_have_text("Disponibilité : Calendrier")
    expect(page.locator("table:has(#verifications-legende) tbody tr")).to_have_count(2)
    assert_accessible(page)

    page.get_by_role("link", name="Retour au jeu de données").click()
    expect(page.locator("h1")).to_have_text("Collectes des matières résiduelles")
    expect(page.get_by_text("Lien brisé depuis le")).to_be_visible()
    expect(page.get_by_text("Avertissement : Type servi « text/html », annoncé « CSV ».")).to_be_visible()
    expect(page.get_by_role("link", name="Historique de disponibilité : Points de dépôt")).to_be_visible()
