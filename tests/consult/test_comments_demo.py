"""Comments part: the demo (threads, votes, reports, one comment hidden automatically), idempotent."""

import pytest

from ouvert.consult import comments_demo
from ouvert.consult.models import Comment, CommentVote, Flag, Moderation, Process

pytestmark = pytest.mark.django_db


def _snapshot():
    return (Comment.objects.count(), CommentVote.objects.count(), Flag.objects.count(),
            Moderation.objects.count(), sorted(Comment.objects.values_list("pk", "upvotes", "downvotes",
                                                                           "is_hidden")))


def test_demo_loads_and_is_idempotent():
    from ouvert.consult import debates_demo, outreach_demo, processes_demo, proposals_demo

    processes_demo.load()
    outreach_demo.load()
    proposals_demo.load()
    debates_demo.load()  # its debate arguments are demo comments too: they must not stop this part's demo
    comments_demo.load()
    assert Comment.objects.filter(target_kind="proposal").exists()
    assert Comment.objects.filter(target_kind="meeting").exists()
    for slug in ("strategie-donnees-ouvertes", "politique-habitation"):
        process = Process.objects.get(slug=slug)
        rows = Comment.objects.filter(process=process)
        assert rows.filter(parent__isnull=False).exists() and rows.filter(is_demo=True).count() == rows.count()
        assert rows.filter(is_hidden=True).count() == 1
        assert Moderation.objects.filter(process=process, hidden_automatically=True).count() == 1
        assert Moderation.objects.filter(process=process, hidden_at__isnull=True).count() == 1
    for comment in Comment.objects.all():
        votes = list(CommentVote.objects.filter(comment=comment).values_list("value", flat=True))
        assert (comment.upvotes, comment.downvotes) == (votes.count(1), votes.count(-1))
    before = _snapshot()
    comments_demo.load()
    assert _snapshot() == before


def test_demo_without_processes_does_nothing():
    comments_demo.load()
    assert not Comment.objects.exists()
