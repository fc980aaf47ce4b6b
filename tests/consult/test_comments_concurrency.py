"""Comments part on PostgreSQL with real concurrency (threads, each with its own connection): double
votes count once, counters stay exact, concurrent reports count each once and hide once. SQLite
serialises writers, so these tests are skipped there."""


import pytest
from django.db import connection

from ouvert.consult import comments
from ouvert.consult.models import Comment, CommentVote, Flag, Moderation, Proposal
from tests.concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


@pytest.fixture
def comment(process, citizen):
    proposal = Proposal.objects.create(process=process, number=1, author=citizen(9), title="Idée", body="Texte")
    return comments.comment_post(user=citizen(8), process=process, target_kind="proposal", target_id=proposal.pk,
                                 body="À voter")


def test_concurrent_double_votes_count_once(comment, citizens):
    calls = [(lambda person=person, value=value: comments.comment_vote(user=person, comment=comment.pk, value=value))
             for person in citizens for value in (1, 1, 1)]
    results = race(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    comment.refresh_from_db()
    assert comment.upvotes == len(citizens) and comment.downvotes == 0
    assert CommentVote.objects.filter(comment=comment).count() == len(citizens)


def test_concurrent_vote_changes_keep_counters_exact(comment, citizens):
    for person in citizens:
        comments.comment_vote(user=person, comment=comment.pk, value=1)
    calls = [(lambda person=person, value=value: comments.comment_vote(user=person, comment=comment.pk, value=value))
             for person in citizens for value in (-1, 0, 1)]
    results = race(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    comment.refresh_from_db()
    votes = list(CommentVote.objects.filter(comment=comment).values_list("value", flat=True))
    assert comment.upvotes == votes.count(1) and comment.downvotes == votes.count(-1)


def test_concurrent_reports_hide_once(process, comment, citizen):
    process.auto_hide_threshold = 3
    process.save()
    people = [citizen(n) for n in range(20, 26)]
    calls = [(lambda person=person: comments.flag_create(user=person, process=process, target_kind="comment",
                                                         target_id=comment.pk, reason="spam"))
             for person in people for _ in range(2)]
    results = race(calls)
    assert sum(1 for r in results if isinstance(r, Flag)) == len(people)
    row = Moderation.objects.get()
    assert row.reports_count == len(people) and row.hidden_automatically
    assert Comment.objects.get(pk=comment.pk).is_hidden
    from ouvert.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="consult.comments.auto_hide").count() == 1
