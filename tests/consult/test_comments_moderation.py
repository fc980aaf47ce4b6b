"""Comments part: reports, auto-hide at the threshold, the moderators' queue and actions, blocks."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.consult import comments
from ouvert.consult.models import Block, Comment, Flag, Moderation, Proposal, Statement
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(process, citizen):
    return Proposal.objects.create(process=process, number=1, author=citizen(9), title="Des données ouvertes",
                                   body="Publier les horaires.")


@pytest.fixture
def comment(process, proposal, citizen):
    return comments.comment_post(user=citizen(8), process=process, target_kind="proposal", target_id=proposal.pk,
                                 body="Propos douteux")


def flag(user, process, kind, target_id, reason="offensive"):
    return comments.flag_create(user=user, process=process, target_kind=kind, target_id=target_id, reason=reason,
                                details="Injurieux")


@pytest.fixture
def other_editor(make_user, make_org):
    org = make_org(slug="mtmd", name_fr="Ministère des Transports", acronym="MTMD")
    user = make_user(email="editrice@mtmd.example.org", full_name="Éditrice MTMD")
    core_services.membership_set(user=user, organisation=org, role=Membership.Role.EDITOR)
    return user


def test_flag_once_per_person(process, comment, citizens):
    flag(citizens[0], process, "comment", comment.pk)
    with pytest.raises(ValidationError):
        flag(citizens[0], process, "comment", comment.pk, reason="spam")
    assert Flag.objects.count() == 1
    assert Moderation.objects.get().reports_count == 1


def test_flag_validation(process, comment, citizens, proposal):
    with pytest.raises(ValidationError):
        flag(citizens[0], process, "comment", comment.pk, reason="boring")
    with pytest.raises(ValidationError):
        flag(citizens[0], process, "meeting", 1)
    with pytest.raises(core_services.NotFound):
        flag(citizens[0], process, "comment", 999999)
    with pytest.raises(ValidationError):  # one's own content
        flag(comment.author, process, "comment", comment.pk)
    assert not Flag.objects.exists() and not Moderation.objects.exists()


def test_auto_hide_at_threshold(process, proposal, comment, citizens, organiser):
    process.auto_hide_threshold = 3
    process.save()
    proposal.refresh_from_db()
    assert proposal.comments_count == 1
    flag(citizens[0], process, "comment", comment.pk)
    flag(citizens[1], process, "comment", comment.pk, reason="spam")
    comment.refresh_from_db()
    assert not comment.is_hidden
    flag(citizens[2], process, "comment", comment.pk)
    comment.refresh_from_db()
    assert comment.is_hidden
    row = Moderation.objects.get()
    assert row.reports_count == 3 and row.hidden_automatically and row.hidden_at
    proposal.refresh_from_db()
    assert proposal.comments_count == 0
    assert AuditEntry.objects.filter(action="consult.comments.auto_hide").exists()
    # the public sees the placeholder, the manager the text
    public = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                     user=citizens[3])["comments"][0]
    assert public["state"] == "hidden" and public["body_html"] == ""
    assert str(public["placeholder"]) == "Contenu masqué par la modération"
    managed = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                      user=organiser)["comments"][0]
    assert "Propos douteux" in managed["body_html"] and managed["can_moderate"]
    assert comments.comment_count_by_target(process, "proposal", [proposal.pk]) == {proposal.pk: 0}
    # a hidden comment cannot be voted on or answered
    with pytest.raises(ValidationError):
        comments.comment_vote(user=citizens[3], comment=comment, value=1)
    with pytest.raises(ValidationError):
        comments.comment_post(user=citizens[3], process=process, target_kind="proposal", target_id=proposal.pk,
                              body="Réponse", parent=comment)


def test_auto_hide_proposal_and_statement(process_factory, citizens, citizen):
    process = process_factory(auto_hide_threshold=2)
    proposal = Proposal.objects.create(process=process, number=1, author=citizen(9), title="Pub", body="Achetez")
    flag(citizens[0], process, "proposal", proposal.pk, reason="spam")
    flag(citizens[1], process, "proposal", proposal.pk, reason="spam")
    proposal.refresh_from_db()
    assert proposal.is_hidden
    from ouvert.consult.models import Conversation

    conversation = Conversation.objects.create(process=process, slug="c", title_fr="Sujet")
    statement = Statement.objects.create(conversation=conversation, author=citizen(9), text="Énoncé injurieux")
    flag(citizens[0], process, "statement", statement.pk)
    flag(citizens[1], process, "statement", statement.pk)
    statement.refresh_from_db()
    assert statement.is_hidden


def test_reviewed_content_is_not_hidden_again(process_factory, citizens, citizen, organiser):
    process = process_factory(auto_hide_threshold=1)
    proposal = Proposal.objects.create(process=process, number=1, author=citizen(9), title="Idée", body="Texte")
    flag(citizens[0], process, "proposal", proposal.pk)
    proposal.refresh_from_db()
    assert proposal.is_hidden
    comments.moderation_unhide(user=organiser, moderation=Moderation.objects.get().pk)
    flag(citizens[1], process, "proposal", proposal.pk)
    proposal.refresh_from_db()
    assert not proposal.is_hidden


def test_queue_permissions(process, comment, citizens, organiser, mamh_member, moderator, other_editor):
    flag(citizens[0], process, "comment", comment.pk)
    row = Moderation.objects.get()
    for user in (organiser, moderator):
        queue = comments.moderation_queue(user=user)
        assert [i["id"] for i in queue["items"]] == [row.pk]
        item = queue["items"][0]
        assert item["text"] == "Propos douteux" and item["reasons"][0]["count"] == 1
        assert item["details"] == ["Injurieux"] and item["author"] == comment.author
    for user in (mamh_member, other_editor, citizens[1]):
        assert comments.moderation_queue(user=user)["items"] == []
        with pytest.raises(PermissionDenied):
            comments.moderation_hide(user=user, moderation=row.pk)
        with pytest.raises(PermissionDenied):
            comments.moderation_review(user=user, moderation=row.pk)
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_hide_unhide_review_audited(process, proposal, comment, organiser):
    comments.moderation_hide(user=organiser, process=process, target_kind="comment", target_id=comment.pk)
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.is_hidden and proposal.comments_count == 0
    row = Moderation.objects.get()
    assert row.hidden_at and not row.hidden_automatically and row.reviewed_by == organiser
    assert comments.moderation_queue(user=organiser, status="hidden")["total"] == 1
    assert comments.moderation_queue(user=organiser, status="open")["total"] == 0
    comments.moderation_unhide(user=organiser, moderation=row.pk)
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert not comment.is_hidden and proposal.comments_count == 1
    comments.moderation_review(user=organiser, moderation=row.pk)
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["consult.comments.hide", "consult.comments.unhide", "consult.comments.review"]
    with pytest.raises(ValidationError):
        comments.moderation_queue(user=organiser, status="weird")


def test_hide_twice_keeps_counters(process, proposal, comment, organiser):
    for _ in range(2):
        comments.moderation_hide(user=organiser, process=process, target_kind="comment", target_id=comment.pk)
    proposal.refresh_from_db()
    assert proposal.comments_count == 0
    comments.moderation_unhide(user=organiser, process=process, target_kind="comment", target_id=comment.pk)
    comments.moderation_unhide(user=organiser, process=process, target_kind="comment", target_id=comment.pk)
    proposal.refresh_from_db()
    assert proposal.comments_count == 1


def test_blocks(process, proposal, citizens, organiser, moderator):
    with pytest.raises(PermissionDenied):
        comments.block_create(actor=organiser, user=citizens[0], reason="Insultes")
    with pytest.raises(ValidationError):
        comments.block_create(actor=moderator, user=citizens[0], reason="  ")
    comments.block_create(actor=moderator, user=citizens[0].pk, reason="Insultes répétées")
    with pytest.raises(ValidationError):
        comments.block_create(actor=moderator, user=citizens[0], reason="Encore")
    assert Block.objects.filter(user=citizens[0], lifted_at__isnull=True).count() == 1
    with pytest.raises(PermissionDenied):
        comments.comment_post(user=citizens[0], process=process, target_kind="proposal", target_id=proposal.pk,
                              body="Je reviens")
    thread = comments.comment_thread(process=process, target_kind="proposal", target_id=proposal.pk,
                                     user=citizens[0])
    assert not thread["can_post"] and "bloqué" in thread["denied"]
    with pytest.raises(PermissionDenied):
        comments.block_lift(actor=organiser, user=citizens[0])
    assert comments.block_lift(actor=moderator, user=citizens[0]) == 1
    with pytest.raises(core_services.NotFound):
        comments.block_lift(actor=moderator, user=citizens[0])
    comments.comment_post(user=citizens[0], process=process, target_kind="proposal", target_id=proposal.pk,
                          body="Je reviens, poliment")
    assert Comment.objects.count() == 1
    assert AuditEntry.objects.filter(action="consult.comments.block").exists()
    assert AuditEntry.objects.filter(action="consult.comments.unblock").exists()
