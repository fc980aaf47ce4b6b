"""Outreach pages with Django's test client: the list (filters, bad values, constant queries), the calendar and
its feed, the Atom feed, the subscription pages, meetings (registration, organiser's forms), follows,
preferences and indicators (CSV)."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.utils import timezone

from ouvert.consult import outreach
from ouvert.consult.models import (
    Follow,
    Meeting,
    MeetingRegistration,
    NotificationSetting,
    Process,
    Subscription,
)

from .test_outreach_services import meeting_data

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def test_list_page_filters_and_escapes(client, process_factory):
    process_factory(title_fr="<b>Mobilité</b> & transport", theme="transport")
    process_factory(title_fr="Habitation", theme="habitation", mode=Process.Mode.IN_PERSON)
    response = client.get("/fr/consultations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;Mobilité&lt;/b&gt; &amp; transport" in html and "<b>Mobilité" not in html
    assert "2 consultations" in html
    response = client.get("/fr/consultations/", {"mode": "in_person"})
    assert "1 consultation" in response.content.decode() and "Habitation" in response.content.decode()
    response = client.get("/fr/consultations/", {"status": "n'importe"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_list_page_in_constant_queries(client, process_factory, django_assert_max_num_queries):
    for _n in range(25):
        process_factory()
    with django_assert_max_num_queries(14):
        response = client.get("/fr/consultations/")
    assert response.status_code == 200 and "Page 1 sur 2" in response.content.decode()
    assert client.get("/fr/consultations/", {"page": 2}).status_code == 200
    assert client.get("/fr/consultations/", {"page": 9}).status_code == 400


def test_calendar_page_and_ics(client, process, organiser):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(title_fr="Atelier ouvert"))
    when = timezone.localtime(meeting.starts_at)
    response = client.get("/fr/consultations/calendrier/", {"mois": when.strftime("%Y-%m")})
    assert response.status_code == 200 and "Atelier ouvert" in response.content.decode()
    assert "Mois suivant" in response.content.decode()
    assert client.get("/fr/consultations/calendrier/", {"mois": "2026-99"}).status_code == 400
    response = client.get("/fr/consultations/calendrier.ics", {"theme": "habitation"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"Atelier ouvert" in response.content
    assert client.get("/fr/consultations/calendrier.ics", {"mode": "x"}).status_code == 400
    response = client.get(f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/rencontre.ics")
    assert response.status_code == 200 and response.content.count(b"BEGIN:VEVENT") == 1


def test_atom_page(client, process):
    response = client.get("/fr/consultations/flux.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert ET.fromstring(response.content).tag.endswith("feed")


def test_subscription_pages(client, mamh):
    response = client.post("/fr/consultations/abonnement/", {"email": "nope"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Subscription.objects.exists()
    response = client.post("/fr/consultations/abonnement/", {"email": "lea@example.org", "organisation": "mamh"})
    assert response.status_code == 200 and "Vérifiez votre courriel" in response.content.decode()
    link = next(w for w in mail.outbox[0].body.split() if "/abonnement/confirmer/" in w)
    path = link.replace("http://127.0.0.1:8000", "")
    assert client.get(path).status_code == 200  # a button, nothing confirmed yet
    assert Subscription.objects.get().confirmed_at is None
    path_only, _sep, pending = path.partition("?f=")
    response = client.post(path_only, {"f": pending})
    assert response.status_code == 200 and Subscription.objects.get().confirmed_at is not None
    assert Subscription.objects.get().filters == {"organisation": "mamh"}
    assert client.post(path_only, {"f": pending}).status_code == 404
    for _n in range(2):
        client.post("/fr/consultations/abonnement/", {"email": "lea@example.org"})
    response = client.post("/fr/consultations/abonnement/", {"email": "lea@example.org"})
    assert response.status_code == 429 and response["Retry-After"]
    cancel = next(w for w in mail.outbox[0].body.split() if "/abonnement/desabonner/" in w)
    cancel = cancel.replace("http://127.0.0.1:8000", "")
    assert client.get(cancel).status_code == 200 and Subscription.objects.exists()
    assert client.post(cancel).status_code == 200 and not Subscription.objects.exists()
    assert client.post("/fr/consultations/abonnement/desabonner/faux/").status_code == 404


def test_meeting_pages_and_registration(client, process, organiser, citizen):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(
        capacity="1", description_fr="Venez **nombreux** <script>alert(1)</script>"))
    url = f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/"
    response = client.get(f"/fr/consultations/{process.slug}/rencontres/")
    assert response.status_code == 200 and "Soirée d" in response.content.decode()
    html = client.get(url).content.decode()
    assert "<strong>nombreux</strong>" in html and "<script>alert(1)" not in html
    assert 'data-geo-points="#rencontre-carte"' in html
    assert "Connectez-vous pour vous inscrire" in html
    response = client.post(url + "inscription/")
    assert response.status_code == 302 and "/login" in response["Location"] or "connexion" in response["Location"]
    person = citizen(1)
    client.force_login(person)
    response = client.post(url + "inscription/", {"action": "register"})
    assert response.status_code == 302
    assert "Votre code d’inscription" in client.get(url).content.decode()
    response = client.post(url + "inscription/", {"action": "register"})
    assert response.status_code == 400 and "déjà inscrit" in response.content.decode()
    client.force_login(citizen(2))
    response = client.post(url + "inscription/", {"action": "register"})
    assert response.status_code == 400 and "complète" in response.content.decode()
    assert MeetingRegistration.objects.count() == 1
    client.force_login(person)
    client.post(url + "inscription/", {"action": "unregister"})
    assert not MeetingRegistration.objects.exists()
    assert client.get(f"/fr/consultations/{process.slug}/rencontres/99999/").status_code == 404


def test_meeting_forms_for_organisers_only(client, process, organiser, citizen):
    client.force_login(citizen(1))
    assert client.get(f"/fr/consultations/{process.slug}/rencontres/nouvelle/").status_code == 403
    client.force_login(organiser)
    new = f"/fr/consultations/{process.slug}/rencontres/nouvelle/"
    assert client.get(new).status_code == 200
    data = meeting_data()
    data["starts_at"], data["ends_at"] = "2030-05-01T19:00", "2030-05-01T21:00"
    data["registration_open"] = "on"
    response = client.post(new, {**data, "title_fr": ""})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    assert not Meeting.objects.exists()
    response = client.post(new, data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.registration_open and timezone.localtime(meeting.starts_at).hour == 19
    edit = f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/modifier/"
    assert client.post(edit, {**data, "title_fr": "Atelier déplacé"}).status_code == 302
    assert Meeting.objects.get().title_fr == "Atelier déplacé"
    minutes = f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/compte-rendu/"
    assert client.post(minutes, {"minutes_fr": "", "attendees_count": "x"}).status_code == 400
    assert client.post(minutes, {"minutes_fr": "Résumé", "attendees_count": "12"}).status_code == 302
    assert "Résumé" in client.get(f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/").content.decode()
    client.force_login(citizen(2))
    assert client.post(f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/annuler/").status_code == 403
    client.force_login(organiser)
    response = client.post(f"/fr/consultations/{process.slug}/rencontres/{meeting.pk}/annuler/",
                           {"reason": "Salle indisponible"})
    assert response.status_code == 302 and response["Location"].endswith(f"/rencontres/{meeting.pk}/")
    meeting = Meeting.objects.get()  # kept, marked cancelled
    assert meeting.cancelled_at is not None and meeting.cancel_reason == "Salle indisponible"


def test_in_person_process_lists_its_meetings(client, process_factory, organiser):
    process = process_factory(mode=Process.Mode.IN_PERSON, title_fr="Audiences publiques")
    outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    html = client.get("/fr/consultations/", {"mode": "in_person"}).content.decode()
    assert "Audiences publiques" in html and "1 rencontre à venir" in html
    html = client.get(f"/fr/consultations/{process.slug}/rencontres/").content.decode()
    assert "se tient en personne" in html


def test_follow_and_preferences(client, process, citizen):
    url = f"/fr/consultations/{process.slug}/suivi/"
    response = client.post(url)
    assert response.status_code == 302 and not Follow.objects.exists()
    person = citizen(1)
    client.force_login(person)
    response = client.post(url, {"target_kind": "process", "next": "https://evil.example.org/"})
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert Follow.objects.filter(user=person).count() == 1
    assert client.post(url, {"target_kind": "meeting", "target_id": "999"}).status_code == 404
    assert client.post(url, {"target_kind": "spaceship"}).status_code == 400
    html = client.get("/fr/consultations/preferences/").content.decode()
    assert "Consultation n° 1 sur l" in html and 'value="immediate" checked' in html
    assert client.post("/fr/consultations/preferences/", {"frequency": "hourly"}).status_code == 400
    assert client.post("/fr/consultations/preferences/", {"frequency": "weekly"}).status_code == 302
    assert NotificationSetting.objects.get(user=person).frequency == "weekly"
    client.post("/fr/consultations/preferences/", {"unfollow": f"process:{process.pk}"})
    assert not Follow.objects.exists()
    client.logout()
    assert client.get("/fr/consultations/preferences/").status_code == 302


def test_indicators_page_and_csv(client, process_factory):
    process_factory(starts_on=datetime.date(2021, 5, 1), ends_on=datetime.date(2021, 6, 1))
    process_factory(starts_on=datetime.date(2022, 5, 1), ends_on=datetime.date(2022, 6, 1), mode="in_person")
    response = client.get("/fr/consultations/indicateurs/")
    html = response.content.decode()
    assert response.status_code == 200 and "2021-2022" in html and "data-vega-spec" in html
    assert "<table" in html
    assert client.get("/fr/consultations/indicateurs/", {"periode": "x"}).status_code == 400
    response = client.get("/fr/consultations/indicateurs.csv", {"periode": "calendar"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"calendar,2021," in response.content
    assert client.get("/fr/consultations/indicateurs.csv", {"organisation": "zzz"}).status_code == 400


def test_calendar_in_constant_queries(client, process_factory, organiser, django_assert_max_num_queries):
    for n in range(15):
        process = process_factory(title_fr=f"<i>Consultation</i> {n}")
        outreach.meeting_create(actor=organiser, process=process, data=meeting_data(
            starts_at=(timezone.now() + datetime.timedelta(hours=n + 1)).isoformat(),
            ends_at=(timezone.now() + datetime.timedelta(hours=n + 2)).isoformat()))
    month = timezone.localdate().strftime("%Y-%m")
    with django_assert_max_num_queries(10):
        response = client.get("/fr/consultations/calendrier/", {"mois": month})
    html = response.content.decode()
    assert "&lt;i&gt;Consultation&lt;/i&gt; 3" in html and "<i>Consultation" not in html


def test_cancelled_meeting_pages(client, process, organiser, citizen):
    from ouvert.core.models import Notification

    person = citizen(1)
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(title_fr="Atelier annulé"))
    outreach.meeting_register(user=person, meeting=meeting)
    outreach.meeting_create(actor=organiser, process=process, data=meeting_data(title_fr="Atelier maintenu"))
    Notification.objects.all().delete()
    base = f"/fr/consultations/{process.slug}/rencontres/"
    client.force_login(organiser)
    for _n in range(2):  # a double submit cancels once
        response = client.post(f"{base}{meeting.pk}/annuler/", {"reason": "Tempête <b>de neige</b>"})
        assert response.status_code == 302
    assert Notification.objects.filter(recipient=person).count() == 1
    meeting.refresh_from_db()
    first_cancelled_at = meeting.cancelled_at

    # Edits are refused, with a clear message, and change nothing.
    response = client.get(f"{base}{meeting.pk}/modifier/")
    assert response.status_code == 409 and "ne peut plus être modifiée" in response.content.decode()
    data = meeting_data(title_fr="Atelier renommé")
    data["starts_at"], data["ends_at"] = "2030-05-01T19:00", "2030-05-01T21:00"
    response = client.post(f"{base}{meeting.pk}/modifier/", data)
    assert response.status_code == 409 and 'role="alert"' in response.content.decode()
    response = client.post(f"{base}{meeting.pk}/compte-rendu/", {"minutes_fr": "Résumé"})
    assert response.status_code == 400 and "ne peut plus être modifiée" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title_fr == "Atelier annulé" and meeting.cancelled_at == first_cancelled_at
    assert meeting.minutes_fr == ""

    # The meeting page: a badge in words, the reason (escaped), no registration form, no management forms.
    html = client.get(f"{base}{meeting.pk}/").content.decode()
    assert "Annulée</span>" in html and "Cette rencontre est annulée" in html
    assert "Motif : Tempête &lt;b&gt;de neige&lt;/b&gt;" in html and "<b>de neige" not in html
    assert "M’inscrire" not in html and "Gestion de la rencontre" not in html

    # Registration is refused with a French message (400), even for a signed-in participant.
    client.force_login(citizen(2))
    html = client.get(f"{base}{meeting.pk}/").content.decode()
    assert "on ne peut plus s’y inscrire" in html and "M’inscrire" not in html
    response = client.post(f"{base}{meeting.pk}/inscription/", {"action": "register"})
    assert response.status_code == 400 and "annulée : on ne peut plus s&#x27;y inscrire" in response.content.decode()
    assert MeetingRegistration.objects.filter(meeting=meeting).count() == 1

    # Still listed on the meetings page, marked in words, with its reason.
    html = client.get(base).content.decode()
    assert "Atelier annulé" in html and "Atelier maintenu" in html
    assert html.count("Annulée</span>") == 1 and "Motif : Tempête &lt;b&gt;de neige&lt;/b&gt;" in html

    # The public list counts one meeting ahead and shows only the maintained one among upcoming meetings.
    html = client.get("/fr/consultations/").content.decode()
    assert "1 rencontre à venir" in html and "Atelier maintenu" in html and "Atelier annulé" not in html

    # The calendar shows it cancelled; the feeds keep it with STATUS:CANCELLED.
    when = timezone.localtime(meeting.starts_at)
    html = client.get("/fr/consultations/calendrier/", {"mois": when.strftime("%Y-%m")}).content.decode()
    assert "Atelier annulé" in html and "Rencontre annulée" in html and "Annulée</span>" in html
    feed = client.get("/fr/consultations/calendrier.ics").content.decode().replace("\r\n ", "")
    assert feed.count("BEGIN:VEVENT") >= 2 and feed.count("STATUS:CANCELLED") == 1
    assert "SUMMARY:Annulée : Atelier annulé" in feed
    single = client.get(f"{base}{meeting.pk}/rencontre.ics")
    assert single.status_code == 200 and b"STATUS:CANCELLED\r\n" in single.content
