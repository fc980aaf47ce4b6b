"""Debates and draft texts, through the services: permissions, validation (nothing written on error),
audit, counts per stance, closed debates refusing arguments, drafts and their versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.consult import comments, debates
from ouvert.consult.models import Comment, Debate, DraftText, Paragraph, Participation, Phase, TargetKind
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry

pytestmark = pytest.mark.django_db

QUESTION = "Faut-il rendre obligatoire la publication des données de toutes les municipalités?"
SOURCE = "# Préambule\n\nPremier paragraphe.\n\nDeuxième paragraphe :\n\n- un\n- deux\n\n## Article 1\n\nTroisième."


def _debate(process, organiser, **data):
    return debates.debate_create(actor=organiser, process=process,
                                 data={"title_fr": QUESTION, "description_fr": "Le **contexte**.", **data})


def _draft(process, organiser, source=SOURCE, **data):
    return debates.draft_create(actor=organiser, process=process,
                                data={"title_fr": "Projet de directive", "source_fr": source, **data})


# --- Debates ---------------------------------------------------------------------------------------

def test_organiser_creates_a_debate_audited(process, organiser):
    debate = _debate(process, organiser, title_en="Should it be mandatory?")
    assert debate.pk and debate.title_fr == QUESTION and debate.closed_at is None
    entry = AuditEntry.objects.filter(action="consult.debates.create").get()
    assert entry.target_id == str(debate.pk) and entry.actor == organiser


@pytest.mark.parametrize("who", ["citizen", "member", "anonymous"])
def test_only_managers_create_debates(process, citizen, mamh_member, who):
    from django.contrib.auth.models import AnonymousUser

    actor = {"citizen": citizen(1), "member": mamh_member, "anonymous": AnonymousUser()}[who]
    with pytest.raises(PermissionDenied):
        debates.debate_create(actor=actor, process=process, data={"title_fr": QUESTION})
    assert not Debate.objects.exists()


def test_superuser_manages_any_process(process, moderator):
    assert debates.debate_create(actor=moderator, process=process, data={"title_fr": "Question?"}).pk


@pytest.mark.parametrize("data, field", [
    ({"title_fr": ""}, "title_fr"),
    ({"title_fr": "   "}, "title_fr"),
    ({"title_fr": "x" * 301}, "title_fr"),
    ({"title_fr": "Question\x00?"}, "title_fr"),
    ({"title_fr": ["liste"]}, "title_fr"),
    ({"title_fr": "Question?", "description_fr": "x" * 20001}, "description_fr"),
])
def test_debate_bad_input_writes_nothing(process, organiser, data, field):
    with pytest.raises(ValidationError) as caught:
        debates.debate_create(actor=organiser, process=process, data=data)
    assert field in caught.value.message_dict
    assert not Debate.objects.exists() and not AuditEntry.objects.filter(action__startswith="consult.debates").exists()


def test_update_changes_only_given_fields(process, organiser):
    debate = _debate(process, organiser)
    debates.debate_update(actor=organiser, debate=debate, data={"title_en": "Mandatory?"})
    debate.refresh_from_db()
    assert debate.title_en == "Mandatory?" and debate.title_fr == QUESTION
    assert AuditEntry.objects.filter(action="consult.debates.update").get().data == {"fields": ["title_en"]}
    # Nothing changed: no audit entry.
    debates.debate_update(actor=organiser, debate=debate, data={"title_en": "Mandatory?"})
    assert AuditEntry.objects.filter(action="consult.debates.update").count() == 1


def test_update_refused_to_citizens(process, organiser, citizen):
    debate = _debate(process, organiser)
    with pytest.raises(PermissionDenied):
        debates.debate_update(actor=citizen(1), debate=debate, data={"title_fr": "Piraté"})
    debate.refresh_from_db()
    assert debate.title_fr == QUESTION


def _argue(debate, user, stance, body="Un argument sérieux."):
    return debates.debate_argument_post(user=user, debate=debate, body=body, stance=stance)


def test_arguments_are_comments_with_a_stance_counted(process, organiser, citizens):
    debate = _debate(process, organiser)
    first = _argue(debate, citizens[0], "for")
    _argue(debate, citizens[1], "for")
    _argue(debate, citizens[2], "against")
    reply = debates.debate_argument_post(user=citizens[3], debate=debate, body="Je réponds.", parent=first,
                                         stance="against")
    assert first.stance == "for" and first.target_kind == TargetKind.DEBATE and first.target_id == debate.pk
    assert reply.stance == "" and reply.parent_id == first.pk
    assert debates.debate_summary(debate) == {"for": 2, "against": 1, "replies": 1, "arguments": 3, "total": 4}
    debate.refresh_from_db()
    assert debate.comments_count == 4
    assert Participation.objects.filter(process=process).count() == 4


def test_hidden_and_deleted_arguments_are_not_counted(process, organiser, citizens):
    debate = _debate(process, organiser)
    one = _argue(debate, citizens[0], "for")
    two = _argue(debate, citizens[1], "against")
    _argue(debate, citizens[2], "against")
    Comment.objects.filter(pk=one.pk).update(is_hidden=True)
    comments.comment_delete(user=citizens[1], comment=two.pk)
    assert debates.debate_summary(debate)["for"] == 0
    assert debates.debate_summary(debate)["against"] == 1


def test_argument_needs_a_stance(process, organiser, citizen):
    debate = _debate(process, organiser)
    for stance in ("", "neutral", "peut-être"):
        with pytest.raises(ValidationError) as caught:
            _argue(debate, citizen(1), stance)
        assert "stance" in caught.value.message_dict
    assert not Comment.objects.exists()


def test_closed_debate_refuses_arguments_and_replies(process, organiser, citizens):
    debate = _debate(process, organiser)
    first = _argue(debate, citizens[0], "for")
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Merci : nous retenons **l'obligation**.")
    debate.refresh_from_db()
    assert debate.closed_at is not None and debate.conclusions_fr.startswith("Merci")
    with pytest.raises(PermissionDenied, match="fermé"):
        _argue(debate, citizens[1], "against")
    with pytest.raises(PermissionDenied, match="fermé"):
        debates.debate_argument_post(user=citizens[1], debate=debate, body="Réponse", parent=first)
    assert Comment.objects.count() == 1
    assert AuditEntry.objects.filter(action="consult.debates.close").exists()


def test_closing_tells_the_followers_once(process, organiser, citizens):
    from ouvert.consult import outreach
    from ouvert.core.models import Notification

    debate = _debate(process, organiser)
    outreach.follow(user=citizens[0], process=process, target_kind=TargetKind.DEBATE, target_id=debate.pk)
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Nous retenons une obligation graduelle.")
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Conclusions précisées.")
    notes = Notification.objects.filter(recipient=citizens[0])
    assert notes.count() == 1 and QUESTION in notes.get().subject and "graduelle" in notes.get().body
    assert not Notification.objects.filter(recipient=organiser).exists()


def test_close_twice_keeps_the_first_date_and_reopen(process, organiser, citizen):
    debate = _debate(process, organiser)
    debates.debate_close(actor=organiser, debate=debate)
    closed_at = Debate.objects.get().closed_at
    debates.debate_close(actor=organiser, debate=debate, conclusions_fr="Conclusions ajoutées.")
    debate.refresh_from_db()
    assert debate.closed_at == closed_at and debate.conclusions_fr == "Conclusions ajoutées."
    debates.debate_reopen(actor=organiser, debate=debate)
    debate.refresh_from_db()
    assert debate.closed_at is None and debate.conclusions_fr == "Conclusions ajoutées."
    assert _argue(debate, citizen(1), "for").pk


def test_close_refused_to_citizens(process, organiser, citizen):
    debate = _debate(process, organiser)
    with pytest.raises(PermissionDenied):
        debates.debate_close(actor=citizen(1), debate=debate)
    debate.refresh_from_db()
    assert debate.closed_at is None


def test_arguments_only_while_debates_are_open_in_the_phase(process_factory, organiser, citizen, phase_move):
    process = process_factory(components=[Phase.Component.PROPOSALS])
    debate = _debate(process, organiser)
    with pytest.raises(PermissionDenied):
        _argue(debate, citizen(1), "for")
    process = process_factory()
    debate = _debate(process, organiser)
    phase_move(process, Phase.Kind.ANALYSIS)
    with pytest.raises(PermissionDenied):
        _argue(debate, citizen(1), "for")
    assert not Comment.objects.exists()


def test_anonymous_and_blocked_people_cannot_argue(process, organiser, citizen, moderator):
    from django.contrib.auth.models import AnonymousUser

    debate = _debate(process, organiser)
    with pytest.raises(PermissionDenied):
        _argue(debate, AnonymousUser(), "for")
    blocked = citizen(1)
    comments.block_create(actor=moderator, user=blocked, reason="Propos haineux répétés.")
    with pytest.raises(PermissionDenied):
        _argue(debate, blocked, "for")


def test_hidden_debate_is_not_listed_but_managers_see_it(process, organiser, citizen):
    shown = _debate(process, organiser)
    hidden = _debate(process, organiser, title_fr="Question masquée?")
    Debate.objects.filter(pk=hidden.pk).update(is_hidden=True)
    assert [r["debate"].pk for r in debates.debate_list(process=process, user=citizen(1))] == [shown.pk]
    assert {r["debate"].pk for r in debates.debate_list(process=process, user=organiser)} == {shown.pk, hidden.pk}
    with pytest.raises(core_services.NotFound):
        debates.debate_get(process=process, pk=hidden.pk, user=citizen(2))
    assert debates.debate_get(process=process, pk=hidden.pk, user=organiser).pk == hidden.pk


def test_debate_of_another_process_is_not_found(process_factory, organiser):
    one, other = process_factory(), process_factory()
    debate = _debate(one, organiser)
    for pk in (debate.pk, "abc", -1, None):
        with pytest.raises(core_services.NotFound):
            debates.debate_get(process=other, pk=pk)


def test_debate_list_counts_in_two_queries(process, organiser, citizens, django_assert_max_num_queries):
    for n in range(5):
        debate = _debate(process, organiser, title_fr=f"Question {n}?")
        _argue(debate, citizens[n % 4], "for")
        _argue(debate, citizens[(n + 1) % 4], "against")
    from django.contrib.auth.models import AnonymousUser

    with django_assert_max_num_queries(2):
        rows = debates.debate_list(process=process, user=AnonymousUser())
    assert len(rows) == 5 and all(r["counts"]["for"] == 1 and r["counts"]["against"] == 1 for r in rows)


# --- Drafts ----------------------------------------------------------------------------------------

def test_draft_create_splits_into_paragraphs(process, organiser):
    draft = _draft(process, organiser, title_en="Draft directive")
    rows = list(Paragraph.objects.filter(draft=draft).values_list("position", "is_heading", "text_fr"))
    assert rows == [
        (1, True, "# Préambule"),
        (2, False, "Premier paragraphe."),
        (3, False, "Deuxième paragraphe :\n\n- un\n- deux"),
        (4, True, "## Article 1"),
        (5, False, "Troisième."),
    ]
    assert draft.slug == "projet-de-directive" and draft.version == 1
    assert AuditEntry.objects.filter(action="consult.debates.draft_create").get().data["paragraphs"] == 5


def test_draft_with_english_version(process, organiser):
    en = "# Preamble\n\nFirst paragraph.\n\nSecond paragraph:\n\n- one\n- two\n\n## Section 1\n\nThird."
    draft = _draft(process, organiser, source_en=en)
    assert list(draft.paragraphs.order_by("position").values_list("text_en", flat=True))[2] == \
        "Second paragraph:\n\n- one\n- two"


@pytest.mark.parametrize("en, message", [
    ("# Preamble\n\nFirst.\n\nSecond.", "compte 3 paragraphes"),
    ("Preamble\n\nFirst.\n\nSecond:\n\n- one\n\n## Section 1\n\nThird.", "titre dans une version"),
])
def test_english_must_split_the_same_way(process, organiser, en, message):
    with pytest.raises(ValidationError) as caught:
        _draft(process, organiser, source_en=en)
    assert message in caught.value.message_dict["source_en"][0]
    assert not DraftText.objects.exists() and not Paragraph.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"title_fr": ""}, "title_fr"),
    ({"source_fr": ""}, "source_fr"),
    ({"source_fr": "\n\n   \n\n"}, "source_fr"),
    ({"source_fr": "x" * 20001}, "source_fr"),
    ({"source_fr": "Texte\x07"}, "source_fr"),
    ({"slug": "nouveau"}, "slug"),
    ({"slug": "!!!"}, "slug"),
])
def test_draft_bad_input_writes_nothing(process, organiser, data, field):
    with pytest.raises(ValidationError) as caught:
        _draft(process, organiser, **data)
    assert field in caught.value.message_dict
    assert not DraftText.objects.exists()


def test_draft_slug_is_unique_in_a_process(process_factory, organiser):
    process = process_factory()
    _draft(process, organiser)
    with pytest.raises(ValidationError) as caught:
        _draft(process, organiser)
    assert "déjà pris" in caught.value.message_dict["slug"][0]
    assert _draft(process_factory(), organiser).slug == "projet-de-directive"


def test_draft_refused_to_citizens(process, citizen):
    with pytest.raises(PermissionDenied):
        _draft(process, citizen(1))
    assert not DraftText.objects.exists()


def test_plain_text_format_keeps_hashes_as_text(process, organiser):
    draft = _draft(process, organiser, source="#1 sur la liste\n\nSuite", format="text")
    assert list(draft.paragraphs.values_list("is_heading", flat=True)) == [False, False]


def test_new_version_before_any_comment(process, organiser):
    draft = _draft(process, organiser)
    debates.draft_new_version(actor=organiser, draft=draft, source_fr="Un.\n\nDeux.")
    draft.refresh_from_db()
    assert draft.version == 2
    assert list(draft.paragraphs.values_list("position", "text_fr")) == [(1, "Un."), (2, "Deux.")]
    assert AuditEntry.objects.filter(action="consult.debates.draft_version").get().data["version"] == 2


def test_new_version_refused_once_commented(process, organiser, citizen):
    draft = _draft(process, organiser)
    paragraph = draft.paragraphs.get(position=2)
    comments.comment_post(user=citizen(1), process=process, target_kind=TargetKind.PARAGRAPH,
                          target_id=paragraph.pk, body="Ce paragraphe est flou.")
    with pytest.raises(ValidationError) as caught:
        debates.draft_new_version(actor=organiser, draft=draft, source_fr="Un.\n\nDeux.")
    assert "nouveau texte" in caught.value.message_dict["source_fr"][0]
    draft.refresh_from_db()
    assert draft.version == 1 and draft.paragraphs.count() == 5
    assert Paragraph.objects.get(pk=paragraph.pk).comments_count == 1


def test_new_version_bad_source_keeps_the_old(process, organiser, citizen):
    draft = _draft(process, organiser)
    with pytest.raises(ValidationError):
        debates.draft_new_version(actor=organiser, draft=draft, source_fr="Un.", source_en="One.\n\nTwo.")
    with pytest.raises(PermissionDenied):
        debates.draft_new_version(actor=citizen(1), draft=draft, source_fr="Un.")
    assert draft.paragraphs.count() == 5 and DraftText.objects.get().version == 1


def test_paragraph_comments_counted_and_heat(process, organiser, citizens):
    draft = _draft(process, organiser)
    second, third, fifth = (draft.paragraphs.get(position=n) for n in (2, 3, 5))
    for user in citizens[:3]:
        comments.comment_post(user=user, process=process, target_kind=TargetKind.PARAGRAPH, target_id=third.pk,
                              body="Trop vague.")
    comments.comment_post(user=citizens[3], process=process, target_kind=TargetKind.PARAGRAPH,
                          target_id=fifth.pk, body="D'accord.")
    paragraphs = debates.draft_paragraphs(draft)
    heat = debates.draft_heat(paragraphs)
    assert heat["max"] == 3 and heat["total"] == 4
    by_position = {row["paragraph"].position: row for row in heat["rows"]}
    assert set(by_position) == {2, 3, 5}  # headings are not commented
    assert (by_position[3]["share"], by_position[3]["rank"]) == (100, 1)
    assert (by_position[5]["share"], by_position[5]["rank"]) == (33, 2)
    assert (by_position[2]["count"], by_position[2]["rank"]) == (0, None)
    assert second.pk == by_position[2]["paragraph"].pk
    listed = debates.draft_list(process=process)[0]
    assert (listed["paragraphs"], listed["comments"]) == (3, 4)


def test_heading_levels_never_skip(process, organiser):
    draft = _draft(process, organiser, source="### Profond\n\nTexte.\n\n# Haut\n\n#### Plus bas\n\nFin.")
    levels = [(p.heading, p.level) for p in debates.draft_paragraphs(draft) if p.is_heading]
    assert levels == [("Profond", 2), ("Haut", 2), ("Plus bas", 3)]


def test_paragraph_get(process, organiser):
    draft = _draft(process, organiser)
    third = debates.draft_paragraph_get(draft=draft, position="3")
    assert third.text_fr.startswith("Deuxième") and third.number == 2  # headings are not numbered
    assert [p.number for p in debates.draft_paragraphs(draft) if not p.is_heading] == [1, 2, 3]
    for bad in (0, 99, "x", None):
        with pytest.raises(core_services.NotFound):
            debates.draft_paragraph_get(draft=draft, position=bad)
