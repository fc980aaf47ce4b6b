"""Outreach services: the public list, the calendar and its iCalendar feed, the Atom feed, the e-mail
subscription, meetings and registrations (capacity under concurrency), follows, digests and indicators."""

import datetime
import re
import threading
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from ouvert.consult import outreach
from ouvert.consult.models import (
    Follow,
    Meeting,
    MeetingRegistration,
    NotificationSetting,
    Participation,
    Process,
    ProcessReport,
    SatisfactionResponse,
    Subscription,
    TargetKind,
)
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def meeting_data(**overrides):
    start = timezone.now() + 10 * DAY
    data = {"title_fr": "Soirée d'échange à Lévis", "mode": "in_person", "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=2)).isoformat(), "place": "Centre des congrès de Lévis",
            "address": "5750, rue J.-B.-Michaud, Lévis", "latitude": "46.7795", "longitude": "-71.2090",
            "capacity": "2", "registration_open": True}
    data.update(overrides)
    return data


# --- The public list -------------------------------------------------------------------------------

def test_list_shows_published_public_processes_only(process_factory):
    shown = process_factory(title_fr="Avenir du transport collectif")
    process_factory(visibility=Process.Visibility.PRIVATE)
    process_factory(visibility=Process.Visibility.UNLISTED)
    process_factory(published_at=None)
    process_factory(published_at=timezone.now() + DAY)
    result = outreach.process_search()
    assert [p.slug for p in result["results"]] == [shown.slug]
    assert result["count"] == 1 and result["results"][0].status == "open"


def test_list_filters(process_factory, make_org):
    today = timezone.localdate()
    mtmd = make_org(slug="mtmd", name_fr="Ministère des Transports et de la Mobilité durable")
    a = process_factory(title_fr="Mobilité durable à Québec", organisation=mtmd, theme="transport",
                        territory="Capitale-Nationale", mode=Process.Mode.HYBRID)
    b = process_factory(title_fr="Logement abordable", summary_fr="Des loyers accessibles", theme="habitation",
                        territory="Montréal", mode=Process.Mode.IN_PERSON, starts_on=today + 5 * DAY,
                        ends_on=today + 50 * DAY)
    c = process_factory(title_fr="Parc régional", theme="environnement", territory="Chaudière-Appalaches",
                        starts_on=today - 100 * DAY, ends_on=today - 10 * DAY)

    def slugs(**filters):
        return {p.slug for p in outreach.process_search(**filters)["results"]}

    assert slugs(organisation="mtmd") == {a.slug}
    assert slugs(theme="HABITATION") == {b.slug}
    assert slugs(territory="Chaudière-Appalaches") == {c.slug}
    assert slugs(status="upcoming") == {b.slug}
    assert slugs(status="closed") == {c.slug}
    assert slugs(status="open") == {a.slug}
    assert slugs(mode="in_person") == {b.slug}
    assert slugs(q="loyers") == {b.slug}
    assert slugs(q="durable québec") == {a.slug}
    assert slugs(organisation="inconnu") == set()
    assert [p.slug for p in outreach.process_search(sort="title")["results"]] == [b.slug, a.slug, c.slug]
    assert [p.slug for p in outreach.process_search(sort="ending")["results"]][0] == c.slug


@pytest.mark.parametrize(("filters", "field"), [
    ({"status": "ouverte"}, "status"), ({"mode": "papier"}, "mode"), ({"sort": "hasard"}, "sort"),
    ({"page": "zéro"}, "page"), ({"page": 5}, "page"), ({"q": "x" * 201}, "q"),
])
def test_list_bad_values_are_refused(process, filters, field):
    with pytest.raises(ValidationError) as info:
        outreach.process_search(**filters)
    assert field in info.value.message_dict


def test_list_counts_participants_and_meetings_in_constant_queries(process_factory, citizens,
                                                                   django_assert_max_num_queries):
    for n in range(25):
        process = process_factory()
        for person in citizens[: n % 4]:
            Participation.objects.create(process=process, user=person)
        Meeting.objects.create(process=process, title_fr="Rencontre", starts_at=timezone.now() + DAY,
                               ends_at=timezone.now() + 2 * DAY, place="Salle")
    with django_assert_max_num_queries(3):
        result = outreach.process_search()
        rows = [(p.organisation.slug, p.participants_count, p.meetings_ahead) for p in result["results"]]
    assert len(rows) == outreach.PROCESS_PAGE_SIZE and result["num_pages"] == 2
    assert {r[2] for r in rows} == {1} and {r[1] for r in rows} == {0, 1, 2, 3}


# --- Calendar and iCalendar ------------------------------------------------------------------------

def test_calendar_month_has_phases_and_meetings(process, organiser):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    when = timezone.localtime(meeting.starts_at)
    cal = outreach.calendar_month(year=when.year, month=when.month)
    kinds = [e["kind"] for day in cal["days"] for e in day["events"]]
    assert "meeting" in kinds
    today = timezone.localdate()
    cal = outreach.calendar_month(year=today.year, month=today.month)
    starts = [e for day in cal["days"] for e in day["events"] if e["kind"] == "phase_start"]
    assert any(e["date"] == today and e["title"] == process.title_fr for e in starts)
    assert cal["previous"] < cal["first"] < cal["next"]
    with pytest.raises(ValidationError):
        outreach.calendar_month(year="2026", month="13")
    assert outreach.calendar_month(year=today.year, month=today.month, theme="rien")["days"] == []


def unfold(text: str) -> list[str]:
    assert "\r\n" in text and not re.search(r"[^\r]\n", text)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_feed_escapes_folds_and_identifies(process_factory, organiser):
    process = process_factory(title_fr="Consultation; avec, des \\ caractères spéciaux et un titre très long " * 2)
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(
        title_fr="Rencontre, partie 1; « accueil »", description_fr="Ligne 1\nLigne 2"))
    text = outreach.calendar_ics()
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert lines.count("BEGIN:VEVENT") == 5  # four phases and one meeting
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 5 and f"UID:consult-meeting-{meeting.pk}@127.0.0.1" in uids
    assert all(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines if line.startswith("DTSTAMP"))
    assert "SUMMARY:Rencontre\\, partie 1\\; « accueil »" in lines
    assert any(line.startswith("DESCRIPTION:Ligne 1\\nLigne 2\\n\\n") for line in lines)
    assert any(line.startswith("SUMMARY:Consultation\\; avec\\, des \\\\ caractères") for line in lines)
    assert "GEO:46.779500;-71.209000" in lines
    assert outreach.calendar_ics(theme="aucun").count("BEGIN:VEVENT") == 0
    single = unfold(outreach.meeting_ics(meeting))
    assert single.count("BEGIN:VEVENT") == 1
    online = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(
        mode="online", place="", address="", latitude="", longitude="", online_url="https://visio.example.org/s3cr3t"))
    text = outreach.meeting_ics(online)
    assert "s3cr3t" not in text and "LOCATION:En ligne" in unfold(text)


def test_ics_parses_with_a_reader(process, organiser):
    """Parse the feed back with a small RFC 5545 reader: property names, parameters and values."""
    outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    events, current = [], None
    for line in unfold(outreach.calendar_ics()):
        if not line:
            continue
        name, _sep, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name.split(";")[0]] = value
    assert all({"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(e) for e in events)
    phase = next(e for e in events if e["UID"].startswith("consult-phase"))
    assert re.fullmatch(r"\d{8}", phase["DTSTART"]) and phase["DTEND"] > phase["DTSTART"]


# --- Atom ------------------------------------------------------------------------------------------

def test_atom_feed_is_valid_and_escaped(process_factory):
    hostile = process_factory(title_fr="<script>alert('x')</script> & « Titre »")
    reported = process_factory(title_fr="Budget participatif")
    ProcessReport.objects.create(process=reported, body_fr="# Rapport", published_at=timezone.now())
    process_factory(visibility=Process.Visibility.PRIVATE, title_fr="Secrète")
    data = outreach.feed_atom()
    root = ET.fromstring(data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.find("a:id", ns).text and root.find("a:updated", ns).text
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert hostile.title_fr in titles and "Rapport : Budget participatif" in titles
    assert "Secrète" not in titles
    assert b"<script>" not in data
    for entry in root.findall("a:entry", ns):
        assert entry.find("a:id", ns).text.startswith("tag:") and entry.find("a:updated", ns).text
        assert entry.find("a:link", ns).get("href").startswith("http://")


# --- E-mail subscription ---------------------------------------------------------------------------

def _link(body: str, marker: str) -> str:
    return next(word for word in body.split() if marker in word)


def test_subscription_confirm_send_once_and_unsubscribe(client, process_factory, mamh):
    sub = outreach.subscription_request(email="Lecteur@Example.org", filters={"theme": "habitation"})
    assert sub.email == "lecteur@example.org" and sub.confirmed_at is None
    assert len(mail.outbox) == 1 and "confirmer" in mail.outbox[0].body
    link = _link(mail.outbox[0].body, "/abonnement/confirmer/")
    token = link.split("/abonnement/confirmer/")[1].split("/")[0]
    pending = link.split("?f=")[1]
    assert Subscription.objects.get().token_hash != token  # stored hashed
    # Nothing sent before confirmation.
    process_factory(theme="habitation")
    assert outreach.subscriptions_send() == 0
    confirmed = outreach.subscription_confirm(token=token, pending=pending)
    assert confirmed.confirmed_at is not None and confirmed.filters == {"theme": "habitation"}
    with pytest.raises(core_services.NotFound):
        outreach.subscription_confirm(token=token, pending=pending)  # single use
    mail.outbox.clear()
    later = timezone.now() + datetime.timedelta(seconds=1)
    process_factory(title_fr="Nouvelle politique du logement", theme="habitation", published_at=later)
    process_factory(title_fr="Transport", theme="transport", published_at=later)
    assert outreach.subscriptions_send(now=later + datetime.timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Nouvelle politique du logement" in body and "Transport" not in body
    assert outreach.subscriptions_send(now=later + datetime.timedelta(seconds=2)) == 0  # once each
    cancel = _link(body, "/abonnement/desabonner/").split("/abonnement/desabonner/")[1].rstrip("/")
    assert outreach.subscription_cancel(token=cancel) is True
    assert not Subscription.objects.exists()
    with pytest.raises(core_services.NotFound):
        outreach.subscription_cancel(token="faux")


def test_subscription_bad_input_and_rate_limit(mamh):
    for email, filters, field in (("pas-une-adresse", {}, "email"), ("a@example.org", {"organisation": "zzz"},
                                                                       "organisation"),
                                  ("a@example.org", {"theme": "t" * 101}, "theme")):
        with pytest.raises(ValidationError) as info:
            outreach.subscription_request(email=email, filters=filters)
        assert field in info.value.message_dict
    assert not Subscription.objects.exists() and not mail.outbox
    for _n in range(3):
        outreach.subscription_request(email="b@example.org")
    with pytest.raises(core_services.RateLimited):
        outreach.subscription_request(email="b@example.org")
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 3


def test_resubscribing_changes_filters_only_when_confirmed(process):
    outreach.subscription_request(email="c@example.org", filters={"theme": "habitation"})
    first = mail.outbox[-1].body
    link = _link(first, "/abonnement/confirmer/")
    outreach.subscription_confirm(token=link.split("/abonnement/confirmer/")[1].split("/")[0],
                                  pending=link.split("?f=")[1])
    outreach.subscription_request(email="c@example.org", filters={"theme": "transport"})
    assert Subscription.objects.get().filters == {"theme": "habitation"}
    # A tampered pending value is ignored: the filters stay.
    link = _link(mail.outbox[-1].body, "/abonnement/confirmer/")
    outreach.subscription_confirm(token=link.split("/abonnement/confirmer/")[1].split("/")[0], pending="x:y")
    assert Subscription.objects.get().filters == {"theme": "habitation"}


# --- Meetings --------------------------------------------------------------------------------------

def test_meeting_create_checks_and_validates(process, organiser, mamh_member, citizen):
    for person in (mamh_member, citizen(1)):
        with pytest.raises(PermissionDenied):
            outreach.meeting_create(actor=person, process=process, data=meeting_data())
    bad = [({"title_fr": ""}, "title_fr"), ({"starts_at": "demain"}, "starts_at"),
           ({"ends_at": (timezone.now()).isoformat()}, "ends_at"), ({"mode": "papier"}, "mode"),
           ({"latitude": "95"}, "latitude"), ({"longitude": ""}, "longitude"),
           ({"mode": "online", "online_url": ""}, "online_url"), ({"online_url": "javascript:alert(1)"}, "online_url"),
           ({"capacity": "-3"}, "capacity"), ({"place": "", "address": ""}, "place")]
    for overrides, field in bad:
        with pytest.raises(ValidationError) as info:
            outreach.meeting_create(actor=organiser, process=process, data=meeting_data(**overrides))
        assert field in info.value.message_dict, overrides
    assert not Meeting.objects.exists()
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    assert meeting.capacity == 2 and meeting.latitude == pytest.approx(46.7795)
    assert AuditEntry.objects.filter(action="consult.outreach.meeting_create").count() == 1


def test_register_once_within_capacity(process, organiser, citizens):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    registration = outreach.meeting_register(user=citizens[0], meeting=meeting)
    assert len(registration.code) == 8 and meeting.registrations_count == 1
    with pytest.raises(ValidationError, match="déjà inscrit"):
        outreach.meeting_register(user=citizens[0], meeting=meeting)
    outreach.meeting_register(user=citizens[1], meeting=meeting)
    with pytest.raises(ValidationError, match="complète"):
        outreach.meeting_register(user=citizens[2], meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.registrations_count == 2 == MeetingRegistration.objects.count()
    assert Participation.objects.filter(process=process, user=citizens[0]).exists()
    note = Notification.objects.get(recipient=citizens[0])
    assert note.subject.startswith("Inscription confirmée") and registration.code in note.body
    assert outreach.is_following(user=citizens[0], target_kind=TargetKind.MEETING, target_id=meeting.pk)
    assert outreach.meeting_unregister(user=citizens[0], meeting=meeting) is True
    assert meeting.registrations_count == 1
    outreach.meeting_register(user=citizens[2], meeting=meeting)
    assert meeting.registrations_count == 2


def test_register_refused_when_closed_past_or_not_signed_in(process, organiser, citizen):
    from django.contrib.auth.models import AnonymousUser

    closed = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(registration_open=False))
    with pytest.raises(ValidationError, match="fermées"):
        outreach.meeting_register(user=citizen(1), meeting=closed)
    past = Meeting.objects.create(process=process, title_fr="Passée", starts_at=timezone.now() - DAY,
                                  ends_at=timezone.now() - DAY, place="Salle")
    with pytest.raises(ValidationError, match="commencé"):
        outreach.meeting_register(user=citizen(1), meeting=past)
    with pytest.raises(PermissionDenied):
        outreach.meeting_register(user=AnonymousUser(), meeting=closed)
    assert not MeetingRegistration.objects.exists()


def test_capacity_cannot_go_below_registrations(process, organiser, citizens):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(capacity="3"))
    for person in citizens[:2]:
        outreach.meeting_register(user=person, meeting=meeting)
    with pytest.raises(ValidationError) as info:
        outreach.meeting_update(actor=organiser, meeting=meeting, data={"capacity": "1"})
    assert "capacity" in info.value.message_dict
    Notification.objects.all().delete()
    outreach.meeting_update(actor=organiser, meeting=meeting, data={"place": "Bibliothèque Pierre-Georges-Roy"})
    assert set(Notification.objects.values_list("recipient", flat=True)) == {c.pk for c in citizens[:2]}


def test_cancel_tells_registrants_and_minutes(process, organiser, citizens):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    outreach.meeting_register(user=citizens[0], meeting=meeting)
    Notification.objects.all().delete()
    outreach.meeting_cancel(actor=organiser, meeting=meeting, reason="Tempête de neige")
    note = Notification.objects.get(recipient=citizens[0])
    assert "annulée" in note.subject and "Tempête de neige" in note.body
    kept = Meeting.objects.get()  # the row stays, marked cancelled
    assert kept.cancelled_at is not None and kept.cancel_reason == "Tempête de neige"
    assert not kept.registration_open and MeetingRegistration.objects.filter(meeting=kept).exists()
    assert AuditEntry.objects.filter(action="consult.outreach.meeting_cancel").get().data["reason"] == \
        "Tempête de neige"

    past = Meeting.objects.create(process=process, title_fr="Passée", starts_at=timezone.now() - DAY,
                                  ends_at=timezone.now() - DAY, place="Salle")
    with pytest.raises(PermissionDenied):
        outreach.meeting_minutes_set(actor=citizens[1], meeting=past, minutes_fr="x")
    with pytest.raises(ValidationError):
        outreach.meeting_minutes_set(actor=organiser, meeting=past, minutes_fr="", attendees_count="-1")
    outreach.meeting_minutes_set(actor=organiser, meeting=past, minutes_fr="## Ce qui a été dit",
                                 attendees_count="42")
    past.refresh_from_db()
    assert past.attendees_count == 42 and past.minutes_published_at is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity(process_factory, organiser, citizen):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises every write: registrations never run at once (the sequential test above "
                    "covers the capacity)")
    process = process_factory()
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(capacity="3"))
    people = [citizen(n) for n in range(10)]
    barrier = threading.Barrier(len(people))
    outcomes = []

    def register(person):
        from django.db import connections

        try:
            barrier.wait()
            outreach.meeting_register(user=person, meeting=Meeting.objects.get(pk=meeting.pk))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        except Exception as exc:  # reported below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full"] * 7 + ["ok"] * 3
    meeting.refresh_from_db()
    assert meeting.registrations_count == 3 == MeetingRegistration.objects.filter(meeting=meeting).count()


# --- Follows and digests ---------------------------------------------------------------------------

def test_follow_set_checks_the_target(process_factory, organiser, citizen):
    process = process_factory()
    other = process_factory()
    person = citizen(1)
    meeting = outreach.meeting_create(actor=organiser, process=other, data=meeting_data())
    with pytest.raises(core_services.NotFound):
        outreach.follow_set(user=person, process=process, target_kind=TargetKind.MEETING, target_id=meeting.pk)
    with pytest.raises(ValidationError):
        outreach.follow_set(user=person, process=process, target_kind="comment", target_id=1)
    with pytest.raises(ValidationError):
        outreach.follow_set(user=person, process=process, target_kind="meeting", target_id="abc")
    assert outreach.follow_set(user=person, process=other, target_kind=TargetKind.MEETING, target_id=meeting.pk)
    assert outreach.follow_set(user=person, process=process) is True
    assert outreach.follow_set(user=person, process=process) is True  # twice: one row
    assert Follow.objects.filter(user=person).count() == 2
    assert outreach.follow_set(user=person, process=process, on=False) is False
    private = process_factory(visibility=Process.Visibility.PRIVATE)
    with pytest.raises(core_services.NotFound):
        outreach.follow_set(user=person, process=private)


def test_digest_end_to_end(process, citizens, organiser):
    daily, weekly, immediate, never = citizens
    outreach.notification_setting_set(user=daily, frequency="daily")
    outreach.notification_setting_set(user=weekly, frequency="weekly")
    outreach.notification_setting_set(user=never, frequency="none")
    with pytest.raises(ValidationError):
        outreach.notification_setting_set(user=daily, frequency="hourly")
    for person in citizens:
        outreach.follow(user=person, process=process)
    mail.outbox.clear()
    outreach.followers_notify(process=process, target_kind=TargetKind.PROCESS, target_id=process.pk,
                              subject="Nouvelle étape : analyse", body="L'analyse commence.", url="/fr/x/")
    outreach.followers_notify(process=process, target_kind=TargetKind.PROCESS, target_id=process.pk,
                              subject="Réponse officielle publiée", url="/fr/y/")
    assert [m.to for m in mail.outbox] == [[immediate.email], [immediate.email]]
    mail.outbox.clear()
    now = timezone.now()
    assert outreach.digests_send(now=now) == 0  # the period has not elapsed yet
    assert outreach.digests_send(now=now + DAY) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [daily.email]
    body = mail.outbox[0].body
    assert "Nouvelle étape : analyse" in body and "Réponse officielle publiée" in body
    assert "http://127.0.0.1:8000/fr/x/" in body and "/consultations/preferences/" in body
    assert "2" in mail.outbox[0].subject
    assert not Notification.objects.filter(recipient=daily, emailed_at__isnull=True).exists()
    mail.outbox.clear()
    assert outreach.digests_send(now=now + 2 * DAY + datetime.timedelta(hours=1)) == 0  # nothing new: nothing sent
    assert outreach.digests_send(now=now + 8 * DAY) == 1 and mail.outbox[0].to == [weekly.email]
    assert Notification.objects.filter(recipient=never, emailed_at__isnull=True).count() == 2


# --- Indicators ------------------------------------------------------------------------------------

def _past(process_factory, org, day, mode, n):
    return process_factory(organisation=org, slug=f"passee-{org.slug}-{day:%Y%m%d}-{mode}-{n}", starts_on=day,
                           ends_on=day + 30 * DAY, mode=mode, published_at=timezone.now() - 365 * DAY)


def test_indicators_per_fiscal_and_calendar_year(process_factory, mamh, make_org, citizens):
    sct = make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    # 2020-2021: 2 consultations (1 digital); 2021-2022: 3 (3 digital or hybrid), one of them in March 2022.
    a = _past(process_factory, mamh, datetime.date(2020, 6, 1), "in_person", 1)
    _past(process_factory, sct, datetime.date(2021, 2, 1), "digital", 2)
    b = _past(process_factory, mamh, datetime.date(2021, 5, 1), "digital", 3)
    _past(process_factory, sct, datetime.date(2021, 11, 1), "hybrid", 4)
    _past(process_factory, sct, datetime.date(2022, 3, 15), "digital", 5)
    process_factory(starts_on=datetime.date(2021, 9, 1), visibility=Process.Visibility.PRIVATE)
    for person in citizens[:3]:
        Participation.objects.create(process=b, user=person)
    Participation.objects.create(process=a, user=citizens[0])
    SatisfactionResponse.objects.create(process=b, user=citizens[0], score=5)
    SatisfactionResponse.objects.create(process=b, user=citizens[1], score=2)

    data = outreach.indicators(period="fiscal")
    rows = {p["period"]: p for p in data["periods"]}
    assert rows["2020-2021"]["consultations"] == 2 and rows["2020-2021"]["digital_share"] == 50.0
    fy = rows["2021-2022"]
    assert fy["consultations"] == 3 and fy["growth"] == 50.0 and fy["growth_target"] == 50.0
    assert fy["growth_gap"] == 0.0 and fy["digital_share"] == 100.0 and fy["digital_gap"] == 25.0
    assert fy["participants"] == 3 and fy["satisfaction"] == 3.5 and fy["satisfaction_answers"] == 2
    assert rows["2020-2021"]["growth"] is None

    calendar = {p["period"]: p for p in outreach.indicators(period="calendar")["periods"]}
    assert calendar["2021"]["consultations"] == 3 and calendar["2022"]["consultations"] == 1

    only = outreach.indicators(period="fiscal", organisation="sct")
    assert [(p["period"], p["consultations"]) for p in only["periods"]] == [("2020-2021", 1), ("2021-2022", 2)]
    assert [b["organisation"] for b in only["bodies"]] == ["sct"]
    bodies = {b["organisation"]: b for b in data["bodies"]}
    assert bodies["sct"]["consultations"] == 3 and bodies["mamh"]["consultations"] == 3 - 1

    for bad in ({"period": "lunaire"}, {"organisation": "inconnu"}):
        with pytest.raises(ValidationError):
            outreach.indicators(**bad)

    csv_text = outreach.indicators_csv(period="fiscal").decode()
    assert csv_text.splitlines()[0].startswith("period_kind,period,organisation,consultations,growth_percent")
    assert "fiscal,2021-2022,,3,50.0,50.0,0.0,3,100.0,75.0,25.0,3,3.5,2" in csv_text

    published = outreach.indicators_open_data()
    assert published["organisation"] == "sct" and len(published["resources"]) == 2
    assert published["resources"][0]["content"] == outreach.indicators_csv(period="fiscal")


def test_indicators_open_data_needs_the_publishing_body(process):
    assert outreach.indicators_open_data() is None  # no "sct" organisation


def test_registration_is_a_participation(process, organiser, citizen):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    person = citizen(1)
    outreach.meeting_register(user=person, meeting=meeting)
    assert outreach.indicators()["periods"][-1]["participants"] == 1


def test_setting_frequency_keeps_one_row(citizen):
    person = citizen(1)
    outreach.notification_setting_set(user=person, frequency="weekly")
    outreach.notification_setting_set(user=person, frequency="daily")
    assert NotificationSetting.objects.get(user=person).frequency == "daily"


# --- Cancelled meetings keep their row -------------------------------------------------------------

def test_cancel_is_idempotent_and_tells_followers_once(process, organiser, citizens):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data())
    outreach.meeting_register(user=citizens[0], meeting=meeting)
    outreach.follow(user=citizens[1], process=process)
    Notification.objects.all().delete()
    with pytest.raises(PermissionDenied):
        outreach.meeting_cancel(actor=citizens[2], meeting=meeting, reason="non")
    assert Meeting.objects.get().cancelled_at is None
    returned = outreach.meeting_cancel(actor=organiser, meeting=meeting, reason="  Salle inondée  ")
    assert returned.pk == meeting.pk and meeting.cancel_reason == "Salle inondée"
    first = Meeting.objects.get()
    assert set(Notification.objects.values_list("recipient", flat=True)) == {citizens[0].pk, citizens[1].pk}
    # Cancelling again (a double submit, another organiser) changes nothing and tells no one again.
    again = Meeting.objects.get()
    outreach.meeting_cancel(actor=organiser, meeting=again, reason="Autre motif")
    assert again.cancel_reason == "Salle inondée"
    second = Meeting.objects.get()
    assert (second.cancelled_at, second.cancel_reason) == (first.cancelled_at, "Salle inondée")
    assert Notification.objects.count() == 2
    assert AuditEntry.objects.filter(action="consult.outreach.meeting_cancel").count() == 1


def test_cancelled_meeting_refuses_registration_and_edits(process, organiser, citizens):
    meeting = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(capacity="0"))
    outreach.meeting_cancel(actor=organiser, meeting=meeting, reason="Grève")
    with pytest.raises(ValidationError, match="annulée : on ne peut plus s'y inscrire"):
        outreach.meeting_register(user=citizens[0], meeting=meeting)
    stale = Meeting.objects.get()
    stale.cancelled_at, stale.registration_open = None, True  # a copy read before the cancellation
    with pytest.raises(ValidationError, match="complète"):  # the conditional update still refuses the seat
        outreach.meeting_register(user=citizens[0], meeting=stale)
    assert not MeetingRegistration.objects.exists()
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        outreach.meeting_update(actor=organiser, meeting=Meeting.objects.get(), data={"title_fr": "Nouveau titre"})
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        outreach.meeting_update(actor=organiser, meeting=stale, data={"title_fr": "Nouveau titre"})
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        outreach.meeting_minutes_set(actor=organiser, meeting=Meeting.objects.get(), minutes_fr="Compte rendu")
    kept = Meeting.objects.get()
    assert kept.title_fr == "Soirée d'échange à Lévis" and kept.minutes_fr == "" and kept.registrations_count == 0


def test_cancelled_meeting_listed_marked_and_left_out_of_upcoming_counts(process, organiser):
    kept = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(title_fr="Atelier maintenu"))
    gone = outreach.meeting_create(actor=organiser, process=process, data=meeting_data(title_fr="Atelier annulé"))
    outreach.meeting_cancel(actor=organiser, meeting=gone, reason="Tempête, verglas; routes fermées")
    assert {m.pk for m in outreach.meeting_list(process=process)["upcoming"]} == {kept.pk, gone.pk}
    assert [m.pk for m in outreach.meetings_upcoming()] == [kept.pk]
    assert outreach.process_search()["results"][0].meetings_ahead == 1

    when = timezone.localtime(gone.starts_at)
    events = [e for day in outreach.calendar_month(year=when.year, month=when.month)["days"] for e in day["events"]
              if e["kind"] == "meeting"]
    flags = {e["meeting"].pk: (e["cancelled"], e["cancel_reason"]) for e in events}
    assert flags == {kept.pk: (False, ""), gone.pk: (True, "Tempête, verglas; routes fermées")}

    feed = outreach.calendar_ics()
    events = {int(re.search(r"UID:consult-meeting-(\d+)@", block).group(1)): block
              for block in feed.split("BEGIN:VEVENT")[1:] if "UID:consult-meeting-" in block}
    assert set(events) == {kept.pk, gone.pk}  # the cancelled one stays in the feed
    assert "STATUS:CANCELLED\r\n" in events[gone.pk] and "SEQUENCE:1\r\n" in events[gone.pk]
    assert "STATUS:CONFIRMED\r\n" in events[kept.pk] and "STATUS:CANCELLED" not in events[kept.pk]
    unfolded = events[gone.pk].replace("\r\n ", "")
    assert "SUMMARY:Annulée : Atelier annulé" in unfolded
    assert "Motif : Tempête\\, verglas\\; routes fermées" in unfolded
    single = outreach.meeting_ics(Meeting.objects.get(pk=gone.pk))
    assert single.count("BEGIN:VEVENT") == 1 and "STATUS:CANCELLED\r\n" in single
