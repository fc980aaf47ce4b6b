"""Webinars through their services: capacity and waiting list, promotion order, double submits, the rules of
registration and cancellation, the e-mails, reminders once, Montreal time across daylight saving time,
permissions, managers' changes, attendance and the registrants' CSV."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Registration, Webinar
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)
from tests.science.webinars_kit import DAY, HOUR, JOIN_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("with_funds")]

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"


def statuses(webinar):
    return [(r.user.email, r.status) for r in Registration.objects.filter(webinar=webinar)
            .select_related("user").order_by("created_at", "pk")]


# --- Capacity, waiting list, promotion -----------------------------------------------------------

def test_seats_go_to_the_first_ones_then_the_waiting_list_keeps_its_order(webinar_factory, people):
    webinar = webinar_factory(capacity=2)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:4]]
    assert [r.status for r in regs] == [CONFIRMED, CONFIRMED, WAITING, WAITING]
    assert [services.waiting_position(r) for r in regs] == [None, None, 1, 2]
    seats = services.seats(Webinar.objects.get(pk=webinar.pk))
    assert seats == {"capacity": 2, "confirmed": 2, "waiting": 2, "left": 0, "full": True}


def test_a_freed_seat_goes_to_the_first_person_waiting_who_is_told(webinar_factory, people):
    webinar = webinar_factory(capacity=2)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:4]]
    mail.outbox.clear()
    services.registration_cancel(actor=people[0], registration=regs[0])
    assert statuses(webinar) == [(people[0].email, CANCELLED), (people[1].email, CONFIRMED),
                                 (people[2].email, CONFIRMED), (people[3].email, WAITING)]
    promoted = Registration.objects.get(pk=regs[2].pk)
    assert promoted.promoted_at is not None
    assert services.waiting_position(Registration.objects.get(pk=regs[3].pk)) == 1
    to = {m.to[0]: m for m in mail.outbox}
    assert set(to) == {people[0].email, people[2].email}
    assert "Une place s'est libérée" in to[people[2].email].subject
    assert JOIN_URL in to[people[2].email].body
    assert f"/science-ouverte/webinaires/inscription/{promoted.token}.ics" in to[people[2].email].body
    assert "annulée" in to[people[0].email].subject
    # a waiting person who leaves frees nothing and promotes nobody
    services.registration_cancel(actor=people[3], registration=regs[3])
    assert statuses(webinar)[-1] == (people[3].email, CANCELLED)
    assert Registration.objects.filter(webinar=webinar, status=CONFIRMED).count() == 2


def test_no_limit_when_the_capacity_is_zero(webinar_factory, people):
    webinar = webinar_factory(capacity=0)
    assert {services.registration_create(actor=p, webinar=webinar).status for p in people} == {CONFIRMED}
    assert services.seats(webinar)["left"] is None and not services.seats(webinar)["full"]


def test_a_larger_capacity_promotes_the_people_waiting_a_smaller_one_removes_nobody(webinar_factory, people,
                                                                                     fund_staff):
    webinar = webinar_factory(capacity=1)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:4]]
    services.webinar_update(actor=fund_staff, webinar=webinar, data={"capacity": "3"})
    assert [s for _e, s in statuses(webinar)] == [CONFIRMED, CONFIRMED, CONFIRMED, WAITING]
    services.webinar_update(actor=fund_staff, webinar=webinar, data={"capacity": "1"})
    assert [s for _e, s in statuses(webinar)] == [CONFIRMED, CONFIRMED, CONFIRMED, WAITING]
    # over capacity: a cancellation frees no seat for the person waiting
    services.registration_cancel(actor=people[0], registration=regs[0])
    assert [s for _e, s in statuses(webinar)] == [CANCELLED, CONFIRMED, CONFIRMED, WAITING]


def test_registering_twice_returns_the_same_registration_and_again_after_cancelling_makes_a_new_one(
        webinar_factory, people):
    webinar = webinar_factory(capacity=5)
    first = services.registration_create(actor=people[0], webinar=webinar)
    again = services.registration_create(actor=people[0], webinar=webinar)
    assert again.pk == first.pk and again.was_existing and not first.was_existing
    assert Registration.objects.filter(webinar=webinar).count() == 1
    assert len(mail.outbox) == 1  # one confirmation, not two
    services.registration_cancel(actor=people[0], registration=first)
    services.registration_cancel(actor=people[0], registration=first)  # a double submit: nothing more
    assert Registration.objects.get(pk=first.pk).status == CANCELLED
    back = services.registration_create(actor=people[0], webinar=webinar)
    assert back.pk != first.pk and back.status == CONFIRMED
    assert Registration.objects.filter(webinar=webinar, user=people[0]).count() == 2


def test_the_database_refuses_two_active_registrations_of_one_person(webinar_factory, people):
    from django.db import IntegrityError, transaction

    webinar = webinar_factory()
    services.registration_create(actor=people[0], webinar=webinar)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(webinar=webinar, user=people[0], status=WAITING)


# --- When registration is closed -----------------------------------------------------------------

def test_registration_is_closed_once_started_when_closed_or_cancelled(webinar_factory, people, fund_staff):
    started = webinar_factory(starts_in=-HOUR / 2)
    with pytest.raises(ValidationError, match="a commencé"):
        services.registration_create(actor=people[0], webinar=started)
    closed = webinar_factory(registration_open=False)
    with pytest.raises(ValidationError, match="fermées"):
        services.registration_create(actor=people[0], webinar=closed)
    cancelled = webinar_factory()
    services.webinar_cancel(actor=fund_staff, webinar=cancelled, reason="Conférencière malade.")
    with pytest.raises(ValidationError, match="annulé"):
        services.registration_create(actor=people[0], webinar=cancelled)
    assert not Registration.objects.exists()


def test_an_unpublished_webinar_is_not_found_and_anonymous_people_cannot_register(webinar_factory, people,
                                                                                   fund_staff):
    from django.contrib.auth.models import AnonymousUser

    draft = webinar_factory(is_published=False)
    with pytest.raises(core_services.NotFound):
        services.webinar_get(slug=draft.slug, user=people[0])
    with pytest.raises(core_services.NotFound):
        services.registration_create(actor=people[0], webinar=draft)
    assert services.webinar_get(slug=draft.slug, user=fund_staff).pk == draft.pk
    with pytest.raises(ValidationError, match="pas encore publié"):
        services.registration_create(actor=fund_staff, webinar=draft)
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        services.registration_create(actor=AnonymousUser(), webinar=webinar_factory())


def test_cancelling_after_the_start_is_refused_and_only_the_person_or_a_manager_cancels(
        webinar_factory, people, fund_staff, stranger, time_machine):
    webinar = webinar_factory(capacity=1)
    first = services.registration_create(actor=people[0], webinar=webinar)
    waiting = services.registration_create(actor=people[1], webinar=webinar)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(actor=stranger, registration=first)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(actor=people[1], registration=first)
    mail.outbox.clear()
    services.registration_cancel(actor=fund_staff, registration=first)
    entry = AuditEntry.objects.filter(action="science.webinar.registration_cancel").get()
    assert entry.data["registration"] == first.pk and entry.data["promoted"] == [waiting.pk]
    assert {m.to[0] for m in mail.outbox} == {people[0].email, people[1].email}
    assert "a annulé votre inscription" in next(m for m in mail.outbox if m.to[0] == people[0].email).body
    time_machine.move_to(webinar.starts_at + datetime.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="a commencé"):
        services.registration_cancel(actor=people[1], registration=waiting)
    assert Registration.objects.get(pk=waiting.pk).status == CONFIRMED


# --- E-mails -------------------------------------------------------------------------------------

def test_the_confirmation_gives_the_time_in_montreal_the_join_link_and_the_personal_ics(webinar_factory, people,
                                                                                       settings):
    start = datetime.datetime(2030, 3, 14, 13, 0, tzinfo=services.MONTREAL)
    webinar = webinar_factory(capacity=1, starts_at=start)
    registration = services.registration_create(actor=people[0], webinar=webinar)
    services.registration_create(actor=people[1], webinar=webinar)
    confirmation, waiting = mail.outbox
    assert confirmation.to == [people[0].email]
    assert confirmation.subject == f"Inscription confirmée : {webinar.title_fr}"
    assert "jeudi 14 mars 2030, de 13 h 00 à 14 h 30 (heure de Montréal, UTC−4)" in confirmation.body
    assert f"Lien de connexion : {JOIN_URL}" in confirmation.body
    assert f"{settings.OUVERT_BASE_URL}/fr/science-ouverte/webinaires/inscription/{registration.token}.ics" in \
        confirmation.body
    assert waiting.to == [people[1].email]
    assert "en liste d'attente, en position 1" in waiting.body
    assert JOIN_URL not in waiting.body


def test_cancelling_a_webinar_needs_a_reason_tells_everyone_registered_and_is_audited(webinar_factory, people,
                                                                                       fund_staff):
    webinar = webinar_factory(capacity=1)
    for person in people[:3]:
        services.registration_create(actor=person, webinar=webinar)
    services.registration_cancel(actor=people[2], registration=services.registration_get(user=people[2],
                                                                                         webinar=webinar))
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="motif"):
        services.webinar_cancel(actor=fund_staff, webinar=webinar, reason="  ")
    assert not mail.outbox and Webinar.objects.get(pk=webinar.pk).cancelled_at is None
    with pytest.raises(PermissionDenied):
        services.webinar_cancel(actor=people[0], webinar=webinar, reason="Je ne peux pas.")
    services.webinar_cancel(actor=fund_staff, webinar=webinar, reason="La conférencière est malade.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[0].email, people[1].email])
    assert all("Webinaire annulé" in m.subject and "La conférencière est malade." in m.body for m in mail.outbox)
    stored = Webinar.objects.get(pk=webinar.pk)
    assert stored.cancelled_at is not None and not stored.registration_open
    assert AuditEntry.objects.filter(action="science.webinar.cancel").get().data["notified"] == 2
    with pytest.raises(ValidationError, match="déjà annulé"):
        services.webinar_cancel(actor=fund_staff, webinar=webinar, reason="Encore.")
    with pytest.raises(ValidationError, match="annulé"):
        services.webinar_update(actor=fund_staff, webinar=webinar, data={"capacity": "10"})


# --- Reminders -----------------------------------------------------------------------------------

def test_the_reminder_goes_once_to_each_confirmed_person_within_the_window(webinar_factory, people, settings,
                                                                           time_machine, fund_staff):
    settings.OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS = 24
    soon = webinar_factory(capacity=2, starts_in=3 * DAY)
    later = webinar_factory(capacity=5, starts_in=10 * DAY)
    cancelled = webinar_factory(capacity=5, starts_in=3 * DAY)
    for person in people[:3]:
        services.registration_create(actor=person, webinar=soon)  # two confirmed, one waiting
    services.registration_create(actor=people[3], webinar=later)
    services.registration_create(actor=people[4], webinar=cancelled)
    services.webinar_cancel(actor=fund_staff, webinar=cancelled, reason="Reporté.")
    mail.outbox.clear()
    assert services.webinar_reminders_send() == 0  # three days before: not yet
    time_machine.move_to(soon.starts_at - 23 * HOUR)
    assert services.webinar_reminders_send() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [people[0].email, people[1].email]
    assert all(m.subject.startswith("Rappel :") and JOIN_URL in m.body for m in mail.outbox)
    assert services.webinar_reminders_send() == 0  # once
    assert AuditEntry.objects.filter(action="science.webinar.reminders").get().data == {"sent": 2}
    time_machine.move_to(soon.starts_at + HOUR)
    assert services.webinar_reminders_send() == 0  # never after the start
    assert len(mail.outbox) == 2
    assert Registration.objects.filter(webinar=soon, reminder_sent_at__isnull=False).count() == 2


def test_the_reminder_job_is_registered_every_five_minutes():
    from ouvert.core import registry

    job = next(j for j in registry.periodic_jobs() if j.name == "science.webinar_reminders")
    assert job.every_seconds == 300 and job.func is services.webinar_reminders_send


# --- Montreal time -------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "utc"), [
    ("2026-03-08T01:30", "2026-03-08T06:30"),  # still EST (UTC−5)
    ("2026-03-08T03:30", "2026-03-08T07:30"),  # already EDT (UTC−4)
    ("2026-07-01T13:00", "2026-07-01T17:00"),
    ("2026-11-01T00:30", "2026-11-01T04:30"),
    ("2026-11-01T01:30", "2026-11-01T05:30"),  # the repeated hour: the first one (EDT)
    ("2026-11-01T02:30", "2026-11-01T07:30"),  # EST again
    ("2026-12-15 09:00", "2026-12-15T14:00"),
])
def test_times_typed_in_montreal_are_stored_in_utc_across_daylight_saving_time(typed, utc):
    stored = services.parse_montreal(typed, "starts_at")
    assert stored.tzinfo is datetime.UTC
    assert stored.strftime("%Y-%m-%dT%H:%M") == utc
    assert services.montreal_input(stored) == typed.replace(" ", "T")


@pytest.mark.parametrize("typed", ["2026-03-08T02:30", "2026-03-08T02:00"])
def test_a_time_that_does_not_exist_in_montreal_is_refused(typed):
    with pytest.raises(ValidationError, match="n'existe pas à Montréal"):
        services.parse_montreal(typed, "starts_at")


@pytest.mark.parametrize("typed", ["", "demain", "2026-13-01T10:00", "2026-03-08T25:00", "2026-03-08T10:00\x00",
                                   "'; DROP TABLE science_webinar; --"])
def test_malformed_times_are_refused_with_the_field_named(typed):
    with pytest.raises(ValidationError) as caught:
        services.parse_montreal(typed, "ends_at")
    assert list(caught.value.message_dict) == ["ends_at"]


def test_a_webinar_over_the_change_of_time_is_shown_with_each_offset(fund_staff):
    webinar = services.webinar_create(actor=fund_staff, data={
        "title_fr": "Nuit du changement d'heure", "starts_at": "2026-11-01T00:30", "ends_at": "2026-11-01T02:30"})
    assert webinar.ends_at - webinar.starts_at == datetime.timedelta(hours=3)
    assert services.montreal_text(webinar.starts_at) == "1 novembre 2026 à 0 h 30 (heure de Montréal, UTC−4)"
    assert services.montreal_text(webinar.ends_at) == "1 novembre 2026 à 2 h 30 (heure de Montréal, UTC−5)"
    summer = services.webinar_create(actor=fund_staff, data={
        "title_fr": "Été", "starts_at": "2026-07-02T13:00", "ends_at": "2026-07-02T14:00"})
    assert services.webinar_when(summer) == "jeudi 2 juillet 2026, de 13 h 00 à 14 h 00 (heure de Montréal, UTC−4)"


# --- Managers ------------------------------------------------------------------------------------

def test_only_science_managers_create_change_and_see_the_registrants(webinar_factory, researcher, institution_staff,
                                                                     platform_admin, fund_staff):
    webinar = webinar_factory()
    data = {"title_fr": "Atelier", "starts_at": "2030-01-10T10:00", "ends_at": "2030-01-10T11:00"}
    for person in (researcher, institution_staff):
        with pytest.raises(PermissionDenied):
            services.webinar_create(actor=person, data=data)
        with pytest.raises(PermissionDenied):
            services.webinar_update(actor=person, webinar=webinar, data={"capacity": "9"})
        with pytest.raises(PermissionDenied):
            services.registrants(actor=person, webinar=webinar)
        with pytest.raises(PermissionDenied):
            services.attendance_set(actor=person, webinar=webinar, marks={})
        with pytest.raises(PermissionDenied):
            services.recording_set(actor=person, webinar=webinar, recording_url="https://video.example.org/1")
    created = services.webinar_create(actor=platform_admin, data=data)
    assert created.slug == "atelier-2030-01-10" and not created.is_published
    assert AuditEntry.objects.filter(action="science.webinar.create").count() == 2
    with pytest.raises(ValidationError, match="premier envoi"):  # a double submit
        services.webinar_create(actor=platform_admin, data=data)
    afternoon = dict(data, starts_at="2030-01-10T14:00", ends_at="2030-01-10T15:00")
    assert services.webinar_create(actor=fund_staff, data=afternoon).slug == "atelier-2030-01-10-2"
    assert webinar.organiser.slug == "frq"


def test_bad_webinar_data_is_refused_field_by_field_and_nothing_is_written(fund_staff):
    with pytest.raises(ValidationError) as caught:
        services.webinar_create(actor=fund_staff, data={
            "title_fr": "Titre\x07", "starts_at": "2030-01-10T11:00", "ends_at": "2030-01-10T10:00", "capacity": "-3",
            "join_url": "javascript:alert(1)", "language": "de", "slug": "Pas Un Slug"}, speakers=[{"affiliation": "X"}])
    assert set(caught.value.message_dict) >= {"title_fr", "ends_at", "capacity", "join_url", "language", "slug"}
    with pytest.raises(ValidationError) as caught:
        services.webinar_create(actor=fund_staff, data={"title_fr": "Sans date"})
    assert set(caught.value.message_dict) == {"starts_at", "ends_at"}
    with pytest.raises(ValidationError, match="nom"):
        services.webinar_create(actor=fund_staff, data={"title_fr": "T", "starts_at": "2030-01-10T10:00",
                                                         "ends_at": "2030-01-10T11:00"}, speakers=[{"affiliation": "X"}])
    with pytest.raises(ValidationError, match="réservé"):
        services.webinar_create(actor=fund_staff, data={"title_fr": "T", "slug": "nouveau",
                                                        "starts_at": "2030-01-10T10:00", "ends_at": "2030-01-10T11:00"})
    assert not Webinar.objects.exists()


def test_hostile_text_is_kept_as_text(fund_staff):
    webinar = services.webinar_create(actor=fund_staff, data={
        "title_fr": "<script>alert('x')</script> L'accès « ouvert »; DROP TABLE", "starts_at": "2030-01-10T10:00",
        "ends_at": "2030-01-10T11:00", "description_fr": "<img src=x onerror=alert(1)> **gras**"})
    assert Webinar.objects.get(pk=webinar.pk).title_fr.startswith("<script>")


# --- Attendance and the registrants' list --------------------------------------------------------

def test_attendance_is_marked_after_the_start_for_confirmed_people_with_counts(webinar_factory, people, fund_staff,
                                                                               time_machine):
    webinar = webinar_factory(capacity=3)
    regs = [services.registration_create(actor=p, webinar=webinar) for p in people[:4]]
    with pytest.raises(ValidationError, match="une fois le webinaire commencé"):
        services.attendance_set(actor=fund_staff, webinar=webinar, marks={regs[0].pk: True})
    time_machine.move_to(webinar.starts_at + HOUR)
    with pytest.raises(ValidationError, match="non confirmées"):
        services.attendance_set(actor=fund_staff, webinar=webinar, marks={regs[3].pk: True})  # waiting
    with pytest.raises(ValidationError, match="présente, absente"):
        services.attendance_set(actor=fund_staff, webinar=webinar, marks={regs[0].pk: "oui"})
    counts = services.attendance_set(actor=fund_staff, webinar=webinar,
                                     marks={regs[0].pk: True, regs[1].pk: False, str(regs[2].pk): True})
    assert counts == {"present": 2, "absent": 1, "unknown": 0, "total": 3}
    counts = services.attendance_set(actor=fund_staff, webinar=webinar, marks={regs[2].pk: None})
    assert counts == {"present": 1, "absent": 1, "unknown": 1, "total": 3}
    assert AuditEntry.objects.filter(action="science.webinar.attendance").count() == 2


def test_the_registrants_csv_lists_everyone_in_order_and_neutralises_formulas(webinar_factory, make_user, people,
                                                                               fund_staff):
    import csv
    import io

    webinar = webinar_factory(capacity=1)
    hostile = make_user(email="formule@example.org", full_name="=HYPERLINK(\"http://evil\")")
    services.registration_create(actor=people[0], webinar=webinar)
    services.registration_create(actor=hostile, webinar=webinar)
    text = services.registrants_csv(actor=fund_staff, webinar=webinar)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["nom", "courriel", "état", "position d'attente"]
    assert rows[1][:4] == ["Participante 1", people[0].email, "Inscrite", ""]
    assert rows[2][:4] == ["'=HYPERLINK(\"http://evil\")", "formule@example.org", "En liste d'attente", "1"]


def test_my_registrations_and_the_personal_ics_token(webinar_factory, people):
    webinar = webinar_factory()
    registration = services.registration_create(actor=people[0], webinar=webinar)
    assert [r.pk for r in services.my_registrations(user=people[0])] == [registration.pk]
    assert services.registration_by_token(registration.token).pk == registration.pk
    services.registration_cancel(actor=people[0], registration=registration)
    with pytest.raises(core_services.NotFound):
        services.registration_by_token(registration.token)
    assert timezone.now() < webinar.starts_at


def test_month_and_day_names_follow_the_language():
    from django.utils import translation

    moment = datetime.datetime(2030, 3, 14, 17, 0, tzinfo=datetime.UTC)
    assert "14 mars 2030" in services.montreal_text(moment)
    with translation.override("en"):
        assert "March" in services.montreal_text(moment) and "mars" not in services.montreal_text(moment)
