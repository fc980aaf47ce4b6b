"""The webinars' pages through Django's client: the list (upcoming first with seats left or « complet, liste
d'attente », then past with recording and slides; no N+1), a webinar's page (times in Montreal with the
offset, register/cancel, my status and waiting position, the .ics files), the managers' pages (create with
``datetime-local`` in Montreal time, edit, cancel, registrants with CSV export, attendance, recording and
slides with 413 above the limit), permissions and bad input."""

import datetime
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from ouvert.science import services
from ouvert.science.models import Registration, Webinar
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)
from tests.science.webinars_kit import DAY, HOUR, JOIN_URL, pdf_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("with_funds")]


def login(client, user):
    client.force_login(user)
    return client


def url(webinar, suffix=""):
    return f"/fr/science-ouverte/webinaires/{webinar.slug}/{suffix}"


# --- The list ------------------------------------------------------------------------------------

def test_the_list_shows_upcoming_webinars_first_with_their_seats_then_past_ones_with_their_recording(
        client, webinar_factory, people, fund_staff):
    full = webinar_factory(capacity=1, starts_in=3 * DAY, title_fr="Atelier complet")
    open_ = webinar_factory(capacity=10, starts_in=10 * DAY, title_fr="Atelier ouvert")
    past = webinar_factory(starts_in=-10 * DAY, title_fr="Atelier passé")
    services.recording_set(actor=fund_staff, webinar=past, recording_url="https://video.example.org/passe",
                           slides=upload("d.pdf", pdf_bytes()))
    draft = webinar_factory(is_published=False, title_fr="Brouillon secret")
    services.registration_create(actor=people[0], webinar=full)
    html = client.get("/fr/science-ouverte/webinaires/").content.decode()
    upcoming, past_part = html.split('id="passes-titre"')
    assert upcoming.index("Atelier complet") < upcoming.index("Atelier ouvert")
    assert "complet, liste d’attente" in upcoming and "10 places restantes" in upcoming
    assert "Atelier passé" in past_part and 'href="https://video.example.org/passe"' in past_part
    assert f'href="{url(past, "presentation/")}"' in past_part
    assert draft.title_fr not in html
    assert 'href="/fr/science-ouverte/webinaires/calendrier.ics"' in html
    assert open_.pk


def test_the_list_costs_the_same_queries_whatever_the_number_of_webinars(client, webinar_factory, people,
                                                                         django_assert_max_num_queries):
    def add(n):
        for _i in range(n):
            webinar = webinar_factory(capacity=1, speakers=[{"name": "A"}, {"name": "B", "affiliation": "UdeM"}])
            services.registration_create(actor=people[0], webinar=webinar)
            services.registration_create(actor=people[1], webinar=webinar)
    add(2)
    with django_assert_max_num_queries(7):
        client.get("/fr/science-ouverte/webinaires/")
    add(15)
    with django_assert_max_num_queries(7):
        assert client.get("/fr/science-ouverte/webinaires/").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/science/webinars").status_code == 200


# --- A webinar's page ----------------------------------------------------------------------------

def test_the_page_gives_the_times_in_montreal_with_the_offset_and_the_ics(client, webinar_factory):
    webinar = webinar_factory(starts_at=datetime.datetime(2030, 1, 15, 13, 0, tzinfo=services.MONTREAL))
    html = client.get(url(webinar)).content.decode()
    assert "mardi 15 janvier 2030, de 13 h 00 à 14 h 30 (heure de Montréal, UTC−5)" in html
    assert f'href="{url(webinar, "calendrier.ics")}"' in html
    assert "Marie Lavoie" in html and "<strong>déposer</strong>" in html
    assert JOIN_URL not in html
    assert "Connectez-vous" in html


def test_a_person_registers_sees_her_status_and_cancels(client, webinar_factory, people):
    webinar = webinar_factory(capacity=1)
    login(client, people[0])
    answer = client.post(url(webinar, "inscription/"))
    assert answer.status_code == 302 and answer["Location"] == url(webinar) + "#inscription"
    html = client.get(url(webinar)).content.decode()
    registration = Registration.objects.get(user=people[0])
    assert "Vous êtes inscrite." in html
    assert f'href="/fr/science-ouverte/webinaires/inscription/{registration.token}.ics"' in html
    assert client.post(url(webinar, "inscription/")).status_code == 302  # double submit
    assert Registration.objects.filter(webinar=webinar).count() == 1
    login(client, people[1])
    client.post(url(webinar, "inscription/"))
    html = client.get(url(webinar)).content.decode()
    assert "Vous êtes en liste d’attente, en position 1." in html and "Quitter la liste d’attente" in html
    login(client, people[0])
    assert client.post(url(webinar, "desinscription/")).status_code == 302
    assert Registration.objects.get(user=people[1], webinar=webinar).status == "confirmed"
    assert "M’inscrire" in client.get(url(webinar)).content.decode()


def test_closed_registration_answers_400_with_the_reason_and_anonymous_people_sign_in(client, webinar_factory,
                                                                                       people):
    started = webinar_factory(starts_in=-HOUR / 4)
    assert client.post(url(started, "inscription/")).status_code == 302  # to the sign-in page
    login(client, people[0])
    page = client.post(url(started, "inscription/"))
    assert page.status_code == 400 and "a commencé" in page.content.decode()
    assert not Registration.objects.exists()
    assert client.get("/fr/science-ouverte/webinaires/inexistant/").status_code == 404


def test_the_personal_ics_holds_the_join_link_and_the_public_one_does_not(client, webinar_factory, people):
    webinar = webinar_factory()
    registration = services.registration_create(actor=people[0], webinar=webinar)
    own = client.get(f"/fr/science-ouverte/webinaires/inscription/{registration.token}.ics")
    assert own.status_code == 200 and own["Content-Type"] == "text/calendar; charset=utf-8"
    assert JOIN_URL in own.content.decode() and "no-store" in own["Cache-Control"]
    public = client.get(url(webinar, "calendrier.ics")).content.decode()
    assert f"UID:science-webinar-{webinar.pk}@" in public and JOIN_URL not in public
    assert JOIN_URL not in client.get("/fr/science-ouverte/webinaires/calendrier.ics").content.decode()
    assert client.get("/fr/science-ouverte/webinaires/inscription/00000000-0000-0000-0000-000000000000.ics"
                      ).status_code == 404


def test_my_registrations_page(client, webinar_factory, people):
    webinar = webinar_factory(capacity=0)
    services.registration_create(actor=people[0], webinar=webinar)
    assert client.get("/fr/science-ouverte/webinaires/mes-inscriptions/").status_code == 302
    login(client, people[0])
    html = client.get("/fr/science-ouverte/webinaires/mes-inscriptions/").content.decode()
    assert webinar.title_fr in html and "Inscrite" in html


# --- Managers ------------------------------------------------------------------------------------

def test_a_manager_creates_a_webinar_in_montreal_time_and_edits_it(client, fund_staff):
    login(client, fund_staff)
    assert client.get("/fr/science-ouverte/webinaires/nouveau/").status_code == 200
    answer = client.post("/fr/science-ouverte/webinaires/nouveau/", {
        "title_fr": "Retenir ses droits", "title_en": "Rights retention", "description_fr": "Atelier.",
        "language": "fr", "starts_at": "2030-03-10T13:00", "ends_at": "2030-03-10T14:30", "capacity": "50",
        "join_url": JOIN_URL, "registration_open": "on", "is_published": "on", "slug": "",
        "speaker-0-name": "Alex Roy", "speaker-0-affiliation": "FRQ", "speaker-0-bio_fr": "", "speaker-0-bio_en": "",
        "speaker-1-name": "", "speaker-1-affiliation": "", "speaker-1-bio_fr": "", "speaker-1-bio_en": ""})
    webinar = Webinar.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url(webinar)
    assert webinar.starts_at == datetime.datetime(2030, 3, 10, 17, 0, tzinfo=datetime.UTC)  # EDT, UTC−4
    assert [s.name for s in webinar.speakers.all()] == ["Alex Roy"]
    form = client.get(url(webinar, "modifier/")).content.decode()
    assert 'value="2030-03-10T13:00"' in form and 'value="Alex Roy"' in form
    client.post(url(webinar, "modifier/"), {
        "title_fr": "Retenir ses droits", "language": "fr", "starts_at": "2030-03-07T13:00",
        "ends_at": "2030-03-07T14:30", "capacity": "50", "slug": webinar.slug, "is_published": "on",
        "registration_open": "on"})
    webinar.refresh_from_db()
    assert webinar.starts_at == datetime.datetime(2030, 3, 7, 18, 0, tzinfo=datetime.UTC)  # EST, UTC−5
    assert not webinar.speakers.exists()


def test_the_form_shows_errors_with_status_400_and_keeps_what_was_typed(client, fund_staff):
    login(client, fund_staff)
    page = client.post("/fr/science-ouverte/webinaires/nouveau/", {
        "title_fr": "Heure inexistante", "starts_at": "2030-03-10T02:30", "ends_at": "2030-03-10T04:00",
        "capacity": "beaucoup", "language": "fr", "speaker-0-name": "Alex Roy"})
    html = unescape(page.content.decode())
    assert page.status_code == 400
    assert "n'existe pas à Montréal" in html and "Places : un nombre entier" in html
    assert 'value="Heure inexistante"' in html and 'value="Alex Roy"' in html and 'aria-invalid="true"' in html
    assert not Webinar.objects.exists()


def test_a_manager_cancels_a_webinar_with_a_reason(client, webinar_factory, people, fund_staff):
    webinar = webinar_factory()
    services.registration_create(actor=people[0], webinar=webinar)
    login(client, fund_staff)
    assert client.get(url(webinar, "annuler/")).status_code == 200
    assert client.post(url(webinar, "annuler/"), {"reason": ""}).status_code == 400
    mail.outbox.clear()
    assert client.post(url(webinar, "annuler/"), {"reason": "Conférencière malade."}).status_code == 302
    html = client.get(url(webinar)).content.decode()
    assert "Ce webinaire est annulé." in html and "Conférencière malade." in html
    assert [m.to for m in mail.outbox] == [[people[0].email]]


def test_registrants_csv_attendance_and_cancelling_someone(client, webinar_factory, people, fund_staff,
                                                           time_machine):
    webinar = webinar_factory(capacity=2)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:3]]
    login(client, fund_staff)
    html = client.get(url(webinar, "inscrits/")).content.decode()
    assert people[2].email in html and "position 1" in html
    export = client.get(f"/fr/science-ouverte/webinaires/{webinar.slug}/inscrits.csv")
    assert export["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in export["Content-Disposition"]
    assert people[0].email in export.content.decode("utf-8-sig")
    assert client.post(url(webinar, f"inscrits/{regs[0].pk}/annuler/")).status_code == 302
    assert Registration.objects.get(pk=regs[2].pk).status == "confirmed"
    time_machine.move_to(webinar.starts_at + HOUR)
    answer = client.post(url(webinar, "presences/"), {f"attended-{regs[1].pk}": "present",
                                                      f"attended-{regs[2].pk}": "absent"})
    assert answer.status_code == 302
    assert Registration.objects.get(pk=regs[1].pk).attended is True
    assert Registration.objects.get(pk=regs[2].pk).attended is False
    html = client.get(url(webinar, "inscrits/")).content.decode()
    assert "<dt>Présentes</dt><dd>1</dd>" in html and "<dt>Absentes</dt><dd>1</dd>" in html
    bad = client.post(url(webinar, "presences/"), {f"attended-{regs[1].pk}": "peut-être"})
    assert bad.status_code == 400 and Registration.objects.get(pk=regs[1].pk).attended is True


def test_the_recording_page_takes_slides_and_refuses_impostors_and_oversized_files(client, webinar_factory,
                                                                                    fund_staff, settings):
    webinar = webinar_factory(starts_in=-2 * DAY)
    login(client, fund_staff)
    assert client.get(url(webinar, "enregistrement/")).status_code == 200
    answer = client.post(url(webinar, "enregistrement/"), {
        "recording_url": "https://video.example.org/1", "slides_url": "", "slides": upload("d.pdf", pdf_bytes())})
    assert answer.status_code == 302
    download = client.get(url(webinar, "presentation/"))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["X-Content-Type-Options"] == "nosniff"
    impostor = client.post(url(webinar, "enregistrement/"), {
        "recording_url": "https://video.example.org/2", "slides": upload("virus.pdf", b"MZ\x90\x00 not a pdf")})
    assert impostor.status_code == 400 and "ce fichier n'en est pas un" in unescape(impostor.content.decode())
    settings.OUVERT_SCIENCE_SLIDES_MAX_BYTES = 200
    big = client.post(url(webinar, "enregistrement/"), {
        "recording_url": "https://video.example.org/3", "slides": upload("big.pdf", pdf_bytes())})
    assert big.status_code == 413 and "taille maximale" in big.content.decode()
    stored = Webinar.objects.get(pk=webinar.pk)
    assert stored.recording_url == "https://video.example.org/1" and stored.slides.name.endswith(".pdf")
    html = client.get(url(webinar)).content.decode()
    assert 'href="https://video.example.org/1"' in html and "Télécharger la présentation" in html


def test_managers_pages_are_403_for_others_and_unpublished_webinars_404(client, webinar_factory, researcher):
    webinar = webinar_factory()
    draft = webinar_factory(is_published=False)
    login(client, researcher)
    for suffix in ("modifier/", "annuler/", "inscrits/", "enregistrement/"):
        assert client.get(url(webinar, suffix)).status_code == 403
    assert client.get(f"/fr/science-ouverte/webinaires/{webinar.slug}/inscrits.csv").status_code == 403
    assert client.post(url(webinar, "presences/")).status_code == 403
    assert client.get("/fr/science-ouverte/webinaires/nouveau/").status_code == 403
    assert client.get(url(draft)).status_code == 404
    assert client.get(url(draft, "calendrier.ics")).status_code == 404


def test_hostile_titles_are_escaped_on_the_pages(client, fund_staff):
    webinar = services.webinar_create(actor=fund_staff, data={
        "title_fr": "<script>alert('x')</script>", "starts_at": timezone.now() + DAY, "ends_at": timezone.now() + 2 * DAY,
        "is_published": True, "description_fr": "<img src=x onerror=alert(1)>"})
    for page in (url(webinar), "/fr/science-ouverte/webinaires/", "/fr/science-ouverte/"):
        html = client.get(page).content.decode()
        assert "<script>alert('x')</script>" not in html and "onerror" not in html


def test_the_english_page(client, webinar_factory):
    webinar = webinar_factory()
    html = client.get(f"/en/science-ouverte/webinaires/{webinar.slug}/").content.decode()
    assert webinar.title_en in html and 'lang="en-CA"' in html


# --- API -----------------------------------------------------------------------------------------

def test_the_api_lists_registers_cancels_and_lists_mine(client, webinar_factory, people):
    webinar = webinar_factory(capacity=1)
    past = webinar_factory(starts_in=-3 * DAY)
    data = client.get("/api/v1/science/webinars").json()
    assert [w["slug"] for w in data["upcoming"]] == [webinar.slug] and [w["slug"] for w in data["past"]] == [past.slug]
    assert data["upcoming"][0]["seats_left"] == 1 and data["upcoming"][0]["registration_open"]
    assert client.get("/api/v1/science/webinars", {"when": "demain"}).status_code == 400
    assert client.post(f"/api/v1/science/webinars/{webinar.slug}/registration").status_code == 401
    login(client, people[0])
    first = client.post(f"/api/v1/science/webinars/{webinar.slug}/registration")
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    again = client.post(f"/api/v1/science/webinars/{webinar.slug}/registration")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    detail = client.get(f"/api/v1/science/webinars/{webinar.slug}").json()
    assert detail["my_registration"]["status"] == "confirmed" and detail["full"]
    assert client.get("/api/v1/science/webinar-registrations").json()["results"][0]["webinar"] == webinar.slug
    login(client, people[1])
    waiting = client.post(f"/api/v1/science/webinars/{webinar.slug}/registration").json()
    assert waiting["status"] == "waiting" and waiting["waiting_position"] == 1
    login(client, people[0])
    assert client.delete(f"/api/v1/science/webinars/{webinar.slug}/registration").json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/science/webinars/{webinar.slug}/registration").status_code == 404
    closed = client.post(f"/api/v1/science/webinars/{past.slug}/registration")
    assert closed.status_code == 400 and "a commencé" in closed.json()["detail"]
    assert Registration.objects.get(user=people[1]).status == "confirmed"


def test_the_api_registrants_and_attendance_are_for_managers(client, webinar_factory, people, fund_staff,
                                                             time_machine):
    webinar = webinar_factory(capacity=1)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:2]]
    login(client, people[0])
    refused = client.get(f"/api/v1/science/webinars/{webinar.slug}/registrants")
    assert refused.status_code == 403 and "webinaires" in refused.json()["detail"]
    assert client.delete(f"/api/v1/science/webinars/{webinar.slug}/registrants/{regs[1].pk}").status_code == 404
    login(client, fund_staff)
    data = client.get(f"/api/v1/science/webinars/{webinar.slug}/registrants").json()
    assert [(r["email"], r["status"], r["waiting_position"]) for r in data["results"]] == [
        (people[0].email, "confirmed", None), (people[1].email, "waiting", 1)]
    early = client.put(f"/api/v1/science/webinars/{webinar.slug}/attendance",
                       {"attendance": {str(regs[0].pk): True}}, content_type="application/json")
    assert early.status_code == 400
    time_machine.move_to(webinar.starts_at + HOUR)
    done = client.put(f"/api/v1/science/webinars/{webinar.slug}/attendance",
                      {"attendance": {str(regs[0].pk): True}}, content_type="application/json")
    assert done.status_code == 200 and done.json()["present"] == 1
    bad = client.put(f"/api/v1/science/webinars/{webinar.slug}/attendance", {"attendance": []},
                     content_type="application/json")
    assert bad.status_code == 400


def test_my_registrations_cost_the_same_queries_whatever_their_number(client, webinar_factory, people,
                                                                      django_assert_max_num_queries):
    def add(n):
        for _i in range(n):
            webinar = webinar_factory(capacity=1)
            services.registration_create(actor=people[1], webinar=webinar)
            services.registration_create(actor=people[2], webinar=webinar)
            services.registration_create(actor=people[0], webinar=webinar)  # second in line
    login(client, people[0])
    add(2)
    with django_assert_max_num_queries(8):
        html = client.get("/fr/science-ouverte/webinaires/mes-inscriptions/").content.decode()
    assert html.count("(position 2)") == 2
    add(10)
    with django_assert_max_num_queries(8):
        html = client.get("/fr/science-ouverte/webinaires/mes-inscriptions/").content.decode()
    assert html.count("(position 2)") == 12
    with django_assert_max_num_queries(8):
        data = client.get("/api/v1/science/webinar-registrations").json()
    assert {r["waiting_position"] for r in data["results"]} == {2}


def test_a_capacity_raised_in_the_admin_promotes_the_people_waiting(client, webinar_factory, people, platform_admin):
    webinar = webinar_factory(capacity=1)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:3]]
    login(client, platform_admin)
    page = client.get(f"/fr/admin/science/webinar/{webinar.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for name in ("starts_at", "ends_at"):
        value = webinar.starts_at if name == "starts_at" else webinar.ends_at
        local = value.astimezone(services.MONTREAL)
        data.pop(name)
        data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
    data.update({"capacity": "2", "is_published": "on", "registration_open": "on", "slides": "",
                 "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "1", "speakers-MIN_NUM_FORMS": "0",
                 "speakers-MAX_NUM_FORMS": "1000", "speakers-0-id": str(webinar.speakers.get().pk),
                 "speakers-0-webinar": str(webinar.pk), "speakers-0-position": "0", "speakers-0-name": "Marie Lavoie",
                 "registrations-TOTAL_FORMS": "3", "registrations-INITIAL_FORMS": "3",
                 "registrations-MIN_NUM_FORMS": "0", "registrations-MAX_NUM_FORMS": "1000"})
    for i, r in enumerate(regs):
        data[f"registrations-{i}-id"] = str(r.pk)
        data[f"registrations-{i}-webinar"] = str(webinar.pk)
    answer = client.post(f"/fr/admin/science/webinar/{webinar.pk}/change/", data)
    assert answer.status_code == 302, [str(e) for e in answer.context["errors"]] if answer.context else answer
    assert [Registration.objects.get(pk=r.pk).status for r in regs] == ["confirmed", "confirmed", "waiting"]


def test_a_double_submitted_webinar_form_creates_one_webinar(client, fund_staff):
    login(client, fund_staff)
    data = {"title_fr": "Atelier de dépôt", "language": "fr", "starts_at": "2030-05-10T13:00",
            "ends_at": "2030-05-10T14:00", "capacity": "20", "is_published": "on", "registration_open": "on"}
    assert client.post("/fr/science-ouverte/webinaires/nouveau/", data).status_code == 302
    again = client.post("/fr/science-ouverte/webinaires/nouveau/", data)
    assert again.status_code == 400 and "premier envoi" in again.content.decode()
    assert Webinar.objects.count() == 1
