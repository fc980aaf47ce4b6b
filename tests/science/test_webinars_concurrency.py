"""Webinar registrations at the same instant, for real (threads, each with its own PostgreSQL connection, released
together by ``tests.concurrency.race``): the race for the last seat never confirms more people than the
capacity, one person's double submit makes one registration, a cancellation racing registrations gives the
freed seat once, and two reminder workers at once send one e-mail per person. (pytest-django's SQLite test
database is in memory with a shared cache, where a second writer is refused at once instead of waiting; the
transactions of an installed SQLite are IMMEDIATE, one writer at a time.)"""

import pytest
from django.core import mail
from django.db import connection

from ouvert.science import services
from ouvert.science.models import Registration, Webinar
from tests.concurrency import race
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)
from tests.science.webinars_kit import DAY, HOUR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("with_funds"),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="in-process threads need PostgreSQL")]


@pytest.fixture
def crowd(make_user):
    return [make_user(email=f"foule{n}@example.org") for n in range(8)]


def register(webinar_id, user):
    def call():
        return services.registration_create(actor=user, webinar=Webinar.objects.get(pk=webinar_id))
    return call


def test_eight_people_racing_for_two_seats_two_are_confirmed_the_others_wait_in_order(webinar_factory, crowd):
    webinar = webinar_factory(capacity=2)
    results = race([register(webinar.pk, user) for user in crowd])
    assert not [r for r in results if isinstance(r, Exception)], results
    regs = list(Registration.objects.filter(webinar=webinar).order_by("created_at", "pk"))
    assert len(regs) == 8
    assert sum(r.status == "confirmed" for r in regs) == 2
    waiting = [r for r in regs if r.status == "waiting"]
    assert [services.waiting_position(r) for r in waiting] == list(range(1, 7))
    assert len(mail.outbox) == 8


def test_the_last_seat_goes_to_exactly_one(webinar_factory, crowd, make_user):
    webinar = webinar_factory(capacity=3)
    for user in crowd[:2]:
        services.registration_create(actor=user, webinar=webinar)
    results = race([register(webinar.pk, user) for user in crowd[2:]])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status for r in results) == ["confirmed"] + ["waiting"] * 5
    assert Registration.objects.filter(webinar=webinar, status="confirmed").count() == 3


def test_one_persons_double_submit_makes_one_registration(webinar_factory, crowd):
    webinar = webinar_factory(capacity=5)
    results = race([register(webinar.pk, crowd[0]) for _i in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert Registration.objects.filter(webinar=webinar).count() == 1
    assert sorted(r.was_existing for r in results) == [False, True, True, True]
    assert len(mail.outbox) == 1


def test_a_seat_freed_while_others_register_is_given_once(webinar_factory, crowd):
    webinar = webinar_factory(capacity=1)
    first = services.registration_create(actor=crowd[0], webinar=webinar)
    services.registration_create(actor=crowd[1], webinar=webinar)  # waiting, first in line

    def cancel():
        return services.registration_cancel(actor=crowd[0], registration=Registration.objects.get(pk=first.pk))

    results = race([cancel] + [register(webinar.pk, user) for user in crowd[2:6]])
    assert not [r for r in results if isinstance(r, Exception)], results
    confirmed = list(Registration.objects.filter(webinar=webinar, status="confirmed"))
    assert [r.user_id for r in confirmed] == [crowd[1].pk]


def test_two_reminder_workers_at_once_send_one_email_each(webinar_factory, crowd, time_machine):
    webinar = webinar_factory(capacity=0, starts_in=2 * DAY)
    for user in crowd:
        services.registration_create(actor=user, webinar=webinar)
    mail.outbox.clear()
    time_machine.move_to(webinar.starts_at - HOUR, tick=False)
    results = race([services.webinar_reminders_send, services.webinar_reminders_send,
                    services.webinar_reminders_send])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 8
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in crowd)
