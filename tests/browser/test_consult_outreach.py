"""Consultations outreach in headless Chromium: the public list is filtered with the form (mode, status,
text), the calendar goes from month to month, a signed-in person registers to a meeting and cancels; the
preferences and indicators pages; axe finds no serious or critical violation on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.session import login
from tests.consult.conftest import *  # noqa: F403  (fixtures: mamh, organiser, citizen, process_factory…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_list_filters_and_calendar(live_server, page, assert_accessible, process_factory, organiser):
    from ouvert.consult import outreach

    today = timezone.localdate()
    process_factory(title_fr="Plan de mobilité durable", theme="transport", mode="hybrid")
    hearings = process_factory(title_fr="Audiences sur le parc régional", theme="environnement", mode="in_person",
                               territory="Chaudière-Appalaches")
    process_factory(title_fr="Politique culturelle 2020", theme="culture", starts_on=today - datetime.timedelta(400),
                    ends_on=today - datetime.timedelta(300))
    start = timezone.localtime() + datetime.timedelta(days=35)
    outreach.meeting_create(actor=organiser, process=hearings, data={
        "title_fr": "Séance publique à Saint-Philémon", "mode": "in_person", "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(), "place": "Salle communautaire"})

    page.goto(f"{live_server.url}/fr/consultations/")
    expect(page.locator("h1")).to_have_text("Consultations publiques")
    expect(page.get_by_role("heading", name="3 consultations")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Façon d’y prendre part").select_option("in_person")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="1 consultation", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Audiences sur le parc régional")).to_be_visible()
    page.get_by_role("link", name="Effacer les filtres").click()
    page.get_by_label("État").select_option("closed")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("link", name="Politique culturelle 2020")).to_be_visible()
    expect(page.get_by_role("link", name="Plan de mobilité durable")).to_have_count(0)
    page.get_by_role("link", name="Effacer les filtres").click()
    page.get_by_label("Texte (titre, résumé)").fill("mobilité")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 consultation", exact=True)).to_be_visible()

    page.goto(f"{live_server.url}/fr/consultations/calendrier/")
    expect(page.locator("h1")).to_contain_text("Calendrier des consultations")
    expect(page.get_by_text("Début", exact=True).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Mois suivant").click()
    page.get_by_role("link", name="Mois suivant").click()
    if not page.get_by_text("Séance publique à Saint-Philémon").count():
        page.get_by_role("link", name="Mois précédent").click()
    expect(page.get_by_role("link", name="Séance publique à Saint-Philémon")).to_be_visible()
    assert_accessible(page)


def test_register_to_a_meeting(live_server, page, assert_accessible, process_factory, organiser, citizen):
    from ouvert.consult import outreach
    from ouvert.consult.models import MeetingRegistration

    process = process_factory(title_fr="Plan de mobilité durable de la Capitale-Nationale", mode="hybrid")
    start = timezone.localtime() + datetime.timedelta(days=12)
    meeting = outreach.meeting_create(actor=organiser, process=process, data={
        "title_fr": "Soirée d'information à Lévis", "mode": "in_person", "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
        "place": "Centre de congrès et d'expositions de Lévis", "address": "5750, rue J.-B.-Michaud, Lévis",
        "latitude": "46.7915", "longitude": "-71.1855", "capacity": "2"})
    person = citizen(1)
    login(page, live_server, person)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/rencontres/")
    expect(page.locator("h1")).to_have_text("Rencontres")
    assert_accessible(page)
    page.get_by_role("link", name="Soirée d'information à Lévis").click()
    expect(page.locator("h1")).to_have_text("Soirée d'information à Lévis")
    expect(page.get_by_text("Il reste 2 places.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="M’inscrire").click()
    expect(page.get_by_role("status").filter(has_text="Vous êtes inscrit")).to_be_visible()
    expect(page.get_by_text("Votre code d’inscription")).to_be_visible()
    assert MeetingRegistration.objects.filter(meeting=meeting, user=person).exists()
    assert_accessible(page)
    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status").filter(has_text="Votre inscription est annulée")).to_be_visible()
    assert not MeetingRegistration.objects.filter(meeting=meeting).exists()

    page.get_by_role("button", name="Suivre").click()
    page.goto(f"{live_server.url}/fr/consultations/preferences/")
    expect(page.get_by_role("heading", name="Ce que je suis")).to_be_visible()
    page.get_by_label("Résumé hebdomadaire").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Vos préférences sont enregistrées")).to_be_visible()
    expect(page.get_by_label("Résumé hebdomadaire")).to_be_checked()
    assert_accessible(page)


def test_indicators_page(live_server, page, assert_accessible, process_factory):
    for year, mode in ((2020, "in_person"), (2021, "digital"), (2021, "hybrid"), (2022, "digital")):
        process_factory(starts_on=datetime.date(year, 6, 1), ends_on=datetime.date(year, 7, 1), mode=mode)
    page.goto(f"{live_server.url}/fr/consultations/indicateurs/")
    expect(page.locator("h1")).to_have_text("Indicateurs des consultations publiques")
    table = page.get_by_role("table", name="Indicateurs par période — tous les organismes")
    expect(table).to_contain_text("2021-2022")
    expect(table).to_contain_text("+100,0 %")
    assert_accessible(page)
    page.get_by_label("Période", exact=True).select_option("calendar")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("table", name="Indicateurs par période — tous les organismes")).to_contain_text("2022")
    assert_accessible(page)


def test_cancelled_meeting_stays_listed(live_server, page, assert_accessible, process_factory, organiser, citizen):
    from ouvert.consult import outreach

    process = process_factory(title_fr="Audiences sur le parc régional", mode="in_person")
    start = timezone.localtime() + datetime.timedelta(days=9)
    meeting = outreach.meeting_create(actor=organiser, process=process, data={
        "title_fr": "Séance publique à Saint-Philémon", "mode": "in_person", "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(), "place": "Salle communautaire"})
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/rencontres/{meeting.pk}/")
    page.get_by_label("Raison (envoyée aux personnes inscrites)").fill("Tempête de neige annoncée")
    page.get_by_role("button", name="Annuler la rencontre").click()
    expect(page.locator("h1")).to_contain_text("Annulée")
    expect(page.get_by_text("Motif : Tempête de neige annoncée")).to_be_visible()
    expect(page.get_by_role("button", name="Annuler la rencontre")).to_have_count(0)
    assert_accessible(page)
    login(page, live_server, citizen(1))
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/rencontres/")
    item = page.locator(".outreach-meeting").filter(has_text="Séance publique à Saint-Philémon")
    expect(item).to_contain_text("Annulée")
    expect(item).to_contain_text("Motif : Tempête de neige annoncée")
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/consultations/{process.slug}/rencontres/{meeting.pk}/")
    expect(page.get_by_text("on ne peut plus s’y inscrire")).to_be_visible()
    expect(page.get_by_role("button", name="M’inscrire")).to_have_count(0)
    assert_accessible(page)
