"""``rows.update_many``: many rows' fields in one statement, values prepared as ``save()`` prepares them."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.core import rows
from ouvert.core.models import Notification


def test_update_many_writes_the_fields_of_every_row_and_nothing_else(make_user):
    person = make_user(email="lectrice@example.org")
    notes = [Notification.objects.create(recipient=person, subject=f"Objet {i}", body="avant") for i in range(5)]
    when = datetime.datetime(2026, 3, 8, 7, 30, tzinfo=datetime.UTC)  # the day clocks move in Montréal
    for i, note in enumerate(notes[:4]):
        note.subject = f"« Objet » n° {i} ; '); DROP TABLE core_notification; --"
        note.read_at = when if i % 2 else None
        note.body = "changé sans être écrit"
    with CaptureQueriesContext(connection) as ctx:
        assert rows.update_many(notes[:4], ["subject", "read_at"]) == 4
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]) <= 4  # one statement, run per row
    fresh = {n.pk: n for n in Notification.objects.all()}
    for i, note in enumerate(notes[:4]):
        assert fresh[note.pk].subject == note.subject
        assert fresh[note.pk].read_at == (when if i % 2 else None)
        assert fresh[note.pk].body == "avant"
    assert fresh[notes[4].pk].subject == "Objet 4"
    assert rows.update_many([], ["subject"]) == 0


def test_update_many_prepares_json_and_dates(db):
    from ouvert.science.models import Fund, Funding, Publication

    fund = Fund.objects.create(slug="frqnt", acronym="FRQNT", name_fr="Nature et technologies")
    funding = Funding.objects.create(publication=Publication.objects.create(title="Un article"), fund=fund)
    funding.reasons = [{"code": "journal.not_in_registry", "params": {"issn": "1932-6203", "texte": "« é »"}}]
    funding.competition_date = datetime.date(2023, 7, 1)
    rows.update_many([funding], ["reasons", "competition_date"])
    fresh = Funding.objects.get(pk=funding.pk)
    assert fresh.reasons == funding.reasons and fresh.competition_date == datetime.date(2023, 7, 1)
