"""Two tabs at once, for real: threads, each with its own database connection, submitting the same draft
revision at the same instant give exactly one submission and the same receipt; a save racing a submit leaves
either the submission of the old revision or a 409, never a submission of a revision nobody submitted. On
PostgreSQL the proposal's row lock orders them, in this process. On SQLite the transactions are IMMEDIATE
(one writer at a time, the others wait up to the busy timeout) — but pytest-django's SQLite test database is
in memory with a shared cache, where a second writer is refused at once (« database table is locked »)
instead of waiting: there, the race runs in a subprocess against a SQLite file, as installed
(``proposals_race.py``)."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from proposals_kit import content_for, owner, save
from tests.concurrency import race

from ouvert.market import proposals
from ouvert.market.models import Proposal, Submission

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture
def draft(opportunity_factory, supplier_a, time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=3), tick=False)
    opportunity = opportunity_factory(deadline=DEADLINE)
    return save(opportunity, supplier_a)


ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="in-process threads need PostgreSQL (see the SQLite file test below)")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the PostgreSQL test runs in process")
def test_on_a_sqlite_file_tabs_submitting_at_once_make_one_submission(tmp_path):
    script = Path(__file__).with_name("proposals_race.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "race.sqlite3")], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert not [r for r in report["results"] if "error" in r], report
    assert report["submissions"] == 1
    assert len({r["receipt"] for r in report["results"]}) == 1
    assert sorted(r["created"] for r in report["results"]) == [False, False, False, True]


@ON_POSTGRESQL
def test_tabs_submitting_one_revision_at_once_make_one_submission_with_one_receipt(draft):
    user = owner(draft.supplier)

    def submit():
        proposal = Proposal.objects.select_related("opportunity", "supplier").get(pk=draft.pk)
        return proposals.proposal_submit(proposal=proposal, user=user, draft_revision=1,
                                         no_conflict_of_interest=True, terms_accepted=True)

    results = race([submit for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Submission.objects.filter(proposal=draft).count() == 1
    assert len({r.submission.receipt for r in results}) == 1
    assert sorted(r.created for r in results) == [False, False, False, True]


@ON_POSTGRESQL
def test_a_save_racing_a_submit_never_seals_an_unsubmitted_revision(draft):
    user = owner(draft.supplier)
    opportunity = draft.opportunity

    def submit():
        proposal = Proposal.objects.select_related("opportunity", "supplier").get(pk=draft.pk)
        return proposals.proposal_submit(proposal=proposal, user=user, draft_revision=1,
                                         no_conflict_of_interest=True, terms_accepted=True)

    def edit():
        return proposals.proposal_draft_save(opportunity=opportunity, supplier=draft.supplier, user=user,
                                             content=content_for(opportunity, summary="Nouvelle version."))

    results = race([submit, edit])
    submitted, saved = results
    assert isinstance(saved, Proposal) and saved.draft_revision == 2
    subs = list(Submission.objects.filter(proposal=draft))
    if isinstance(submitted, proposals.DraftChanged):  # the save came first
        assert subs == []
    else:
        assert submitted.created and [s.draft_revision for s in subs] == [1]
