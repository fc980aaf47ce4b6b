"""Reminders to the corresponding authors of non-compliant publications: who receives what (one e-mail per
address, in French then English, each publication with its reason and what to do), nobody twice within
``OUVERT_SCIENCE_REMINDER_DAYS``, who may send, double submits, the audit log, the page and the API."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Reminder
from tests.concurrency import race
from tests.science.test_dashboard_figures import make_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(researcher, journal_factory, udem, policies):
    return make_set(researcher=researcher, journal_factory=journal_factory, udem=udem)


def test_a_manager_reminds_every_corresponding_author_once(known, fund_staff):
    report = services.reminders_send(actor=fund_staff, filters={})
    assert report == {"sent": 3, "publications": 3, "skipped": 0, "without_address": 0}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"b.roy@example.org", "c.gagnon@example.org", "chloe.gagnon@example.org"}
    body = by_address["b.roy@example.org"].body
    assert "Santé des aînés en région" in body and "Pêcheries" not in body
    assert "Motif : FRQS" in body and "Reason: FRQS" in body  # French, then English
    assert "CC BY" in body and f"/publications/{known['b'].pk}/" in body
    assert "/fr/science-ouverte/comment-me-conformer/" in body and "/en/" in body  # the assistant, in each language
    assert " / Open access: 1 publication(s) to make compliant" in by_address["b.roy@example.org"].subject
    assert "emilie.cote@example.org" not in by_address  # compliant: never reminded
    assert Reminder.objects.count() == 3 and all(r.sent_by == fund_staff and r.reasons for r in Reminder.objects.all())
    entry = AuditEntry.objects.get(action="science.reminder.send")
    assert entry.data["sent"] == 3


def test_nobody_is_reminded_twice_within_the_delay(known, fund_staff, settings):
    settings.OUVERT_SCIENCE_REMINDER_DAYS = 30
    services.reminders_send(actor=fund_staff, publication_ids=[known["b"].pk])
    again = services.reminders_send(actor=fund_staff, filters={})
    assert again == {"sent": 2, "publications": 2, "skipped": 1, "without_address": 0}
    assert len(mail.outbox) == 3
    Reminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=31))
    later = services.reminders_send(actor=fund_staff, filters={"fund": "frqs"})
    assert later["sent"] == 3 and later["skipped"] == 0


def test_institution_staff_remind_only_their_institutions_publications(known, institution_staff):
    report = services.reminders_send(actor=institution_staff, filters={})
    assert report["sent"] == 1 and [m.to for m in mail.outbox] == [["b.roy@example.org"]]
    with pytest.raises(ValidationError):
        services.reminders_send(actor=institution_staff, publication_ids=[known["c"].pk])
    with pytest.raises(ValidationError):
        services.reminders_send(actor=institution_staff, publication_ids=[known["a"].pk])  # compliant


def test_others_may_not_send_reminders(known, researcher, stranger, client):
    for person in (None, researcher, stranger):
        with pytest.raises(PermissionDenied):
            services.reminders_send(actor=person, filters={})
    client.force_login(stranger)
    assert client.post(reverse("science:reminders_send"), {"scope": "all"}).status_code == 403
    assert client.post("/api/v1/science/reminders", {"all": True}, content_type="application/json").status_code == 403
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_a_double_submit_sends_once(known, fund_staff, client):
    client.force_login(fund_staff)
    url = reverse("science:reminders_send")
    first = client.post(url, {"publication": [known["b"].pk, known["c"].pk]})
    second = client.post(url, {"publication": [known["b"].pk, known["c"].pk]})
    assert first.status_code == second.status_code == 302
    assert len(mail.outbox) == 3 and Reminder.objects.count() == 3
    page = client.get(second["Location"]).content.decode()
    assert "3 rappel(s) non renvoyé(s)" in page


def test_the_page_asks_for_a_choice_and_the_api_sends(known, fund_staff, client):
    client.force_login(fund_staff)
    nothing = client.post(reverse("science:reminders_send"), {})
    assert nothing.status_code == 400 and "Cochez au moins une publication" in nothing.content.decode()
    assert client.post("/api/v1/science/reminders", {}, content_type="application/json").status_code == 400
    sent = client.post("/api/v1/science/reminders", {"all": True, "institution": "udem"},
                       content_type="application/json")
    assert sent.status_code == 200 and sent.json()["sent"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_simultaneous_sends_remind_once(researcher, journal_factory, udem, policies, fund_staff):
    make_set(researcher=researcher, journal_factory=journal_factory, udem=udem)
    results = race([lambda: services.reminders_send(actor=fund_staff, filters={}) for _n in range(2)])
    assert sorted(r["sent"] for r in results) == [0, 3], results
    assert sorted(r["skipped"] for r in results) == [0, 3]
    assert len(mail.outbox) == 3 and Reminder.objects.count() == 3


def test_a_chosen_fund_reminds_what_its_own_policy_judges_not_compliant(known, fund_staff):
    # A is compliant under FRQNT, C not: with FRQNT chosen, only C's authors are reminded.
    report = services.reminders_send(actor=fund_staff, filters={"fund": "frqnt"})
    assert report["publications"] == 2 and sorted(m.to[0] for m in mail.outbox) == [
        "c.gagnon@example.org", "chloe.gagnon@example.org"]
