"""Comments part: the services (posting, threading, editing, deleting, votes, counters, Markdown)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ouvert.consult import comments
from ouvert.consult.models import Block, Comment, CommentVote, Follow, Participation, Proposal, TargetKind
from ouvert.core import services as core_services
from ouvert.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(process, citizen):
    return Proposal.objects.create(process=process, number=1, author=citizen(9), title="Des données ouvertes",
                                   body="Publier les horaires.")


def post(user, process, proposal, body="Bonne idée.", **kw):
    return comments.comment_post(user=user, process=process, target_kind="proposal", target_id=proposal.pk,
                                 body=body, **kw)


def test_post_counts_records_and_notifies(process, proposal, citizens):
    Follow.objects.create(process=process, user=citizens[2], target_kind="proposal", target_id=proposal.pk)
    comment = post(citizens[0], process, proposal, body="  J’appuie **fortement**.  ")
    assert comment.body == "J’appuie **fortement**."
    assert comment.depth == 0 and comment.author == citizens[0]
    proposal.refresh_from_db()
    assert proposal.comments_count == 1
    assert Participation.objects.filter(process=process, user=citizens[0]).exists()
    # the proposal's author and the follower hear about it, not the commenter
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {citizens[2].pk, proposal.author_id}


def test_reply_threading_and_depth(process, proposal, citizens):
    parent = post(citizens[0], process, proposal)
    chain = [parent]
    for _ in range(7):
        chain.append(post(citizens[1], process, proposal, parent=chain[-1]))
    depths = [c.depth for c in chain]
    assert max(depths) == comments.COMMENT_MAX_DEPTH
    deepest = chain[-1]
    assert deepest.depth == comments.COMMENT_MAX_DEPTH
    assert deepest.parent.depth == comments.COMMENT_MAX_DEPTH - 1
    # the parent's author is told of the reply
    assert Notification.objects.filter(recipient=citizens[0]).exists()


def test_reply_must_be_on_same_target(process, proposal, citizens, citizen):
    other = Proposal.objects.create(process=process, number=2, author=citizen(8), title="Autre", body="x")
    parent = post(citizens[0], process, other)
    with pytest.raises(ValidationError) as exc:
        post(citizens[1], process, proposal, parent=parent.pk)
    assert "parent" in exc.value.message_dict
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_body_length(process, proposal, citizens, body):
    with pytest.raises(ValidationError):
        post(citizens[0], process, proposal, body=body)
    assert Comment.objects.count() == 0
    proposal.refresh_from_db()
    assert proposal.comments_count == 0


def test_component_by_target_kind(process_factory, citizens):
    process = process_factory(components=["debates"])
    from ouvert.consult.models import Debate

    debate = Debate.objects.create(process=process, title_fr="Faut-il ouvrir les données ?")
    comment = comments.comment_post(user=citizens[0], process=process, target_kind="debate", target_id=debate.pk,
                                    body="Oui, pour la transparence.", stance="for")
    assert comment.stance == "for"
    debate.refresh_from_db()
    assert debate.comments_count == 1
    proposal = Proposal.objects.create(process=process, number=1, author=citizens[1], title="t", body="b")
    with pytest.raises(PermissionDenied):
        post(citizens[0], process, proposal)


def test_unknown_target_and_other_process(process, process_factory, proposal, citizens):
    with pytest.raises(ValidationError):
        comments.comment_post(user=citizens[0], process=process, target_kind="dataset", target_id=1, body="x")
    other = process_factory()
    with pytest.raises(core_services.NotFound):
        post(citizens[0], other, proposal)


def test_hidden_target_refused(process, proposal, citizens):
    Proposal.objects.filter(pk=proposal.pk).update(is_hidden=True)
    with pytest.raises(core_services.NotFound):
        post(citizens[0], process, proposal)


def test_anonymous_and_blocked(process, proposal, citizens, moderator):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        post(AnonymousUser(), process, proposal)
    Block.objects.create(user=citizens[0], reason="Propos haineux", blocked_by=moderator)
    with pytest.raises(PermissionDenied):
        post(citizens[0], process, proposal)


def test_rate_limit(process, proposal, citizens, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 2
    post(citizens[0], process, proposal)
    post(citizens[0], process, proposal)
    with pytest.raises(core_services.RateLimited):
        post(citizens[0], process, proposal)
    assert Comment.objects.count() == 2


def test_hostile_markdown():
    html = str(comments.comment_render(
        "<script>alert(1)</script> [x](javascript:alert(1)) <a href='http://e.org' onclick='x()'>l</a> "
        "![img](http://e.org/a.png) <img src=x onerror=alert(1)> [ok](https://exemple.org)"))
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "onerror" not in html and "<img" not in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html
    assert 'href="https://exemple.org"' in html


def test_edit_window_and_author(process, proposal, citizens):
    comment = post(citizens[0], process, proposal)
    with pytest.raises(PermissionDenied):
        comments.comment_edit(user=citizens[1], comment=comment, body="Piraté")
    edited = comments.comment_edit(user=citizens[0], comment=comment, body="Bonne idée, vraiment.")
    assert edited.edited_at is not None and edited.body == "Bonne idée, vraiment."
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    with pytest.raises(PermissionDenied):
        comments.comment_edit(user=citizens[0], comment=comment, body="Trop tard")
    comment.refresh_from_db()
    assert comment.body == "Bonne idée, vraiment."


def test_soft_delete(process, proposal, citizens):
    comment = post(citizens[0], process, proposal)
    reply = post(citizens[1], process, proposal, parent=comment)
    with pytest.raises(PermissionDenied):
        comments.comment_delete(user=citizens[1], comment=comment)
    comments.comment_delete(user=citizens[0], comment=comment)
    comment.refresh_from_db()
    assert comment.deleted_at is not None
    proposal.refresh_from_db()
    assert proposal.comments_count == 1
    thread = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                     user=citizens[2])
    node = thread["comments"][0]
    assert node["state"] == "deleted" and node["body_html"] == "" and str(node["placeholder"]) == "Commentaire supprimé"
    assert node["replies"][0]["id"] == reply.pk
    with pytest.raises(ValidationError):
        comments.comment_delete(user=citizens[0], comment=comment)


def test_votes(process, proposal, citizens):
    comment = post(citizens[0], process, proposal)
    with pytest.raises(PermissionDenied):
        comments.comment_vote(user=citizens[0], comment=comment, value=1)
    comments.comment_vote(user=citizens[1], comment=comment, value=1)
    comments.comment_vote(user=citizens[1], comment=comment, value=1)
    comments.comment_vote(user=citizens[2], comment=comment, value=-1)
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (1, 1)
    comments.comment_vote(user=citizens[1], comment=comment, value=-1)
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (0, 2)
    comments.comment_vote(user=citizens[2], comment=comment, value=0)
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (0, 1)
    assert CommentVote.objects.count() == 1
    with pytest.raises(ValidationError):
        comments.comment_vote(user=citizens[2], comment=comment, value=2)


def test_thread_sorts_and_permissions(process, proposal, citizens):
    a = post(citizens[0], process, proposal, body="A")
    b = post(citizens[1], process, proposal, body="B")
    c = post(citizens[2], process, proposal, body="C")
    comments.comment_vote(user=citizens[1], comment=a, value=1)
    comments.comment_vote(user=citizens[2], comment=a, value=1)
    comments.comment_vote(user=citizens[0], comment=c, value=-1)
    ids = lambda t: [n["id"] for n in t["comments"]]  # noqa: E731
    kwargs = {"process": process, "target_kind": "proposal", "target_id": proposal.pk, "user": citizens[1]}
    assert ids(comments.comment_thread(**kwargs)) == [c.pk, b.pk, a.pk]
    assert ids(comments.comment_thread(**kwargs, sort="oldest")) == [a.pk, b.pk, c.pk]
    assert ids(comments.comment_thread(**kwargs, sort="supported")) == [a.pk, b.pk, c.pk]
    thread = comments.comment_thread(**kwargs, sort="oldest")
    first, second = thread["comments"][0], thread["comments"][1]
    assert first["my_vote"] == 1 and first["can_vote"] and not first["can_edit"]
    assert second["mine"] and second["can_edit"] and not second["can_vote"]
    with pytest.raises(ValidationError):
        comments.comment_thread(**kwargs, sort="random")


def test_count_by_target(process, proposal, citizens, citizen):
    other = Proposal.objects.create(process=process, number=2, author=citizen(8), title="Autre", body="x")
    post(citizens[0], process, proposal)
    deleted = post(citizens[0], process, proposal)
    comments.comment_delete(user=citizens[0], comment=deleted)
    assert comments.comment_count_by_target(process, TargetKind.PROPOSAL, [proposal.pk, other.pk]) == {
        proposal.pk: 1, other.pk: 0}


def test_thread_constant_queries(process, proposal, citizens, citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n):
        start = Comment.objects.count()
        Comment.objects.bulk_create([Comment(process=process, target_kind="proposal", target_id=proposal.pk,
                                             author=citizens[i % 4], body=f"Commentaire **{start + i}**")
                                     for i in range(n)])
        parents = list(Comment.objects.filter(parent__isnull=True).order_by("-pk")[:n // 3])
        for depth in range(1, 4):
            Comment.objects.bulk_create([Comment(process=process, target_kind="proposal", target_id=proposal.pk,
                                                 author=citizens[(depth + k) % 4], parent=p, depth=depth,
                                                 body="Réponse") for k, p in enumerate(parents)])
            parents = list(Comment.objects.filter(depth=depth).order_by("-pk")[:len(parents)])

    def count(sort):
        with CaptureQueriesContext(connection) as ctx:
            thread = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                             user=citizens[0], sort=sort)
        return len(ctx.captured_queries), thread

    grow(6)
    small, _thread = count("supported")
    grow(180)
    for sort in ("newest", "oldest", "supported"):
        large, thread = count(sort)
        assert large == small, sort
    assert thread["total"] > 150 and len(thread["comments"]) == comments.COMMENT_PAGE_SIZE
    assert any(node["replies"] for node in thread["comments"])


def test_comment_on_process_and_meeting(process, process_factory, citizens):
    from ouvert.consult.models import Meeting

    comment = comments.comment_post(user=citizens[0], process=process, target_kind="process",
                                    target_id=process.pk, body="Merci pour cette consultation.")
    assert comment.target_id == process.pk
    other = process_factory()
    with pytest.raises(core_services.NotFound):
        comments.comment_post(user=citizens[0], process=process, target_kind="process", target_id=other.pk,
                              body="Mauvais endroit")
    now = timezone.now()
    meeting = Meeting.objects.create(process=process, title_fr="Séance publique", starts_at=now,
                                     ends_at=now + datetime.timedelta(hours=2))
    comments.comment_post(user=citizens[0], process=process, target_kind="meeting", target_id=meeting.pk,
                          body="Y aura-t-il un service de garde ?")
    thread = comments.comment_thread(process=process, target_kind="meeting", target_id=meeting.pk, user=None)
    assert thread["total"] == 1 and not thread["can_post"] and not thread["signed_in"]
    with pytest.raises(ValidationError):
        comments.comment_post(user=citizens[0], process=process, target_kind="comment", target_id=comment.pk,
                              body="x")


def test_reply_notifies_parent_author_once(process, proposal, citizens):
    Follow.objects.create(process=process, user=citizens[0], target_kind="proposal", target_id=proposal.pk)
    parent = post(citizens[0], process, proposal)
    Notification.objects.all().delete()
    post(citizens[1], process, proposal, parent=parent)
    assert Notification.objects.filter(recipient=citizens[0]).count() == 1
    assert not Notification.objects.filter(recipient=citizens[1]).exists()


def test_blocked_author_cannot_edit(process, proposal, citizens, moderator):
    comment = post(citizens[0], process, proposal)
    comments.block_create(actor=moderator, user=citizens[0], reason="Harcèlement")
    with pytest.raises(PermissionDenied):
        comments.comment_edit(user=citizens[0], comment=comment, body="Modifié")
    comments.comment_delete(user=citizens[0], comment=comment)  # one may still remove one's words


@pytest.mark.parametrize("body", ["> " * 2400, "*" * 5000, "[" * 2500 + "]" * 2500, "<div>" * 1000,
                                  "`" * 5000, "1. " * 1600, "<a " * 1600, "a\n=\n" * 1600, "[a](" * 1000,
                                  "".join("  " * i + "1. x\n" for i in range(300))])
def test_hostile_huge_markdown_is_fast_and_safe(process, proposal, citizens, body):
    import time

    comment = post(citizens[0], process, proposal, body=body[:5000])
    started = time.monotonic()
    html = str(comments.comment_render(comment.body))
    assert time.monotonic() - started < 1.5
    assert "<div" not in html and "<script" not in html


def test_event_handlers_and_data_urls_stripped():
    html = str(comments.comment_render('<p onmouseover="alert(1)">x</p> [a](data:text/html,<b>x</b>) '
                                       '<a href="vbscript:msgbox(1)">v</a> <iframe src="https://e.org"></iframe>'))
    assert "onmouseover" not in html and "data:" not in html and "vbscript" not in html and "<iframe" not in html


def test_debate_arguments_by_stance(process, citizens):
    from ouvert.consult.models import Debate

    debate = Debate.objects.create(process=process, title_fr="Faut-il des données en temps réel ?")
    kwargs = {"process": process, "target_kind": "debate", "target_id": debate.pk}
    pro = comments.comment_post(user=citizens[0], body="Oui, pour planifier.", stance="for", **kwargs)
    con = comments.comment_post(user=citizens[1], body="Non, trop coûteux.", stance="against", **kwargs)
    reply = comments.comment_post(user=citizens[2], body="Pas si cher.", parent=con, stance="for", **kwargs)
    assert reply.stance == ""  # replies take no side
    assert [n["id"] for n in comments.comment_thread(**kwargs, stance="for")["comments"]] == [pro.pk]
    thread = comments.comment_thread(**kwargs, stance="against", user=citizens[0])
    assert [n["id"] for n in thread["comments"]] == [con.pk] and thread["stances"]
    assert thread["count"] == 3
    with pytest.raises(ValidationError):
        comments.comment_post(user=citizens[0], body="?", stance="maybe", **kwargs)


def test_plain_text_fast_path_renders_exactly_as_markdown():
    """One line of words skips building a Markdown parser; what it gives is what Markdown gives."""
    import random

    from ouvert.core.markdown import render_markdown

    rng = random.Random(8)
    alphabet = list("abcdeéèàçôABCÉ0123456789 .,;:!?’'«»…—–-") + ["  ", "données", "http", "www", "1.", " - "]
    checked = 0
    for _ in range(3000):
        text = rng.choice("aLé") + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if comments._PLAIN_TEXT.match(text):
            checked += 1
            assert str(comments.comment_render(text)) == str(render_markdown(text, participant=True)), text
    assert checked > 2000
    for text in ["1. une liste", "- une liste", "a *b*", "a_b_", "voir http://exemple.org", "a\nb", "a <b>x</b>",
                 "a & b", "# titre", "a [lien](https://e.org)", "a `code`", "a | b", "a\n=", "    code", "a\\*b"]:
        assert not comments._PLAIN_TEXT.match(text), text
        assert str(comments.comment_render(text)) == str(render_markdown(text, participant=True))


def test_rendered_bodies_come_from_memory_then_from_one_shared_entry(process, proposal, citizens):
    from django.core.cache import cache

    for n in range(3):
        post(citizens[0], process, proposal, body=f"Commentaire **{n}** avec du *Markdown*")
    comments._HTML_MEMO.clear()
    cache.clear()
    first = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk, user=None)
    html = [str(node["body_html"]) for node in first["comments"]]
    assert all("<strong>" in h for h in html)
    comments._HTML_MEMO.clear()  # another process: the shared cache holds the whole set in one entry
    again = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk, user=None)
    assert [str(node["body_html"]) for node in again["comments"]] == html
    cache.clear()  # this process's memory alone
    assert [str(node["body_html"]) for node in comments.comment_thread(
        process=process, target_kind="proposal", target_id=proposal.pk, user=None)["comments"]] == html


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_followers_are_told_by_the_worker_not_during_the_post(process, proposal, citizens, settings):
    """With the database task queue of a deployment, the comment only queues the telling; the worker
    (``ouvert worker``: django-tasks' db_worker) tells the follower and the proposal's author."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    Follow.objects.create(process=process, user=citizens[2], target_kind="proposal", target_id=proposal.pk)
    post(citizens[0], process, proposal)
    assert not Notification.objects.exists()
    assert DBTaskResult.objects.filter(task_path="ouvert.consult.tasks.followers_notify").count() == 1
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {citizens[2].pk, proposal.author_id}
