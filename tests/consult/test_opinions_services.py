"""Opinion statements: conversations, votes (counters, changes, double submits), statements (duplicates,
premoderation, hostile strings), the next statement, and the opinion groups service."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from ouvert.consult import services
from ouvert.consult.models import (
    Block,
    Conversation,
    OpinionAnalysis,
    Participation,
    Statement,
    StatementVote,
)
from ouvert.consult.opinions_analysis import synthetic_votes
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SEEDS = ["Les contrats publics devraient être publiés en données ouvertes.",
         "Les horaires des autobus en temps réel devraient être ouverts.",
         "Les données de santé ne devraient jamais être publiées."]


@pytest.fixture
def conversation(process, organiser):
    conv = services.conversation_create(actor=organiser, process=process, data={
        "title_fr": "Quelles données ouvrir en priorité?", "seeds": SEEDS})
    conv.process = process
    return conv


def _statement(conversation, n=0):
    statement = conversation.statements.order_by("pk")[n]
    statement.conversation = conversation
    return statement


def _counts(statement):
    statement.refresh_from_db()
    return statement.agree_count, statement.disagree_count, statement.pass_count


def test_create_with_seeds_audited(conversation, organiser):
    assert conversation.slug == "quelles-donnees-ouvrir-en-priorite"
    assert list(conversation.statements.values_list("text", "is_seed", "status")) == [
        (t, True, "accepted") for t in SEEDS]
    assert AuditEntry.objects.filter(action="consult.opinions.create").count() == 1


def test_create_refused(process, organiser, citizen):
    with pytest.raises(PermissionDenied):
        services.conversation_create(actor=citizen(1), process=process, data={"title_fr": "Sujet"})
    with pytest.raises(ValidationError) as info:
        services.conversation_create(actor=organiser, process=process, data={
            "title_fr": "", "seeds": ["Court", "Un énoncé valable ici.", "un énoncé valable ici", "x" * 401]})
    errors = info.value.message_dict
    assert "title_fr" in errors and len(errors["seeds"]) == 2  # the repeat and the too long one ("Court" is 5)
    with pytest.raises(ValidationError):
        services.conversation_create(actor=organiser, process=process, data={"title_fr": "Nouvelle"})
    assert not Conversation.objects.exists()


def test_vote_counts_and_change(conversation, citizen):
    person, statement = citizen(1), _statement(conversation)
    assert services.statement_vote(user=person, statement=statement, value=1)["created"]
    assert _counts(statement) == (1, 0, 0)
    # A double submit changes nothing.
    assert not services.statement_vote(user=person, statement=statement, value="1")["changed"]
    assert _counts(statement) == (1, 0, 0)
    # Changing one's mind moves the counters.
    assert services.statement_vote(user=person, statement=statement, value=-1)["changed"]
    assert _counts(statement) == (0, 1, 0)
    services.statement_vote(user=person, statement=statement, value=0)
    assert _counts(statement) == (0, 0, 1)
    assert StatementVote.objects.get().value == 0
    conversation.refresh_from_db()
    assert conversation.votes_count == 1
    participation = Participation.objects.get(user=person)
    assert participation.actions == 3  # the vote and two changes, not the repeat


@pytest.mark.parametrize("value", [2, "abc", None, "", True, 1.5, "--1"])
def test_bad_vote_refused(conversation, citizen, value):
    statement = _statement(conversation)
    with pytest.raises(ValidationError):
        services.statement_vote(user=citizen(1), statement=statement, value=value)
    assert not StatementVote.objects.exists() and _counts(statement) == (0, 0, 0)


def test_vote_refused_closed_blocked_anonymous(conversation, citizen, phase_move, organiser):
    statement = _statement(conversation)
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        services.statement_vote(user=None, statement=statement, value=1)
    blocked = citizen(2)
    Block.objects.create(user=blocked, reason="Harcèlement", blocked_by=organiser)
    with pytest.raises(PermissionDenied, match="bloqué"):
        services.statement_vote(user=blocked, statement=statement, value=1)
    phase_move(conversation.process, "analysis")
    with pytest.raises(PermissionDenied, match="pas ouverte"):
        services.statement_vote(user=citizen(1), statement=statement, value=1)
    assert not StatementVote.objects.exists()


def test_vote_on_pending_or_hidden_statement_refused(conversation, citizen):
    statement = _statement(conversation)
    Statement.objects.filter(pk=statement.pk).update(is_hidden=True)
    statement.refresh_from_db()
    with pytest.raises(ValidationError):
        services.statement_vote(user=citizen(1), statement=statement, value=1)


def test_next_statement_seeds_first_then_fewest_votes(conversation, citizen, organiser):
    a, b = citizen(1), citizen(2)
    extra = services.statement_add(user=a, conversation=conversation, text="Les budgets détaillés par ministère.")
    first = services.statement_next(conversation=conversation, user=b)
    assert first.is_seed and first.pk == _statement(conversation).pk
    # Seeds first, whatever their votes; then the others.
    for n in range(3):
        services.statement_vote(user=b, statement=_statement(conversation, n), value=1)
    assert services.statement_next(conversation=conversation, user=b).pk == extra.pk
    services.statement_vote(user=b, statement=extra, value=0)
    assert services.statement_next(conversation=conversation, user=b) is None
    assert services.conversation_progress(conversation=conversation, user=b) == {"voted": 4, "total": 4,
                                                                                 "percent": 100}
    # Among seeds, the one with the fewest votes comes first.
    services.statement_vote(user=a, statement=_statement(conversation, 0), value=1)
    assert services.statement_next(conversation=conversation, user=citizen(3)).pk == _statement(conversation, 1).pk


def test_statement_add_duplicates_and_hostile(conversation, citizen):
    person = citizen(1)
    with pytest.raises(ValidationError, match="existe déjà"):
        services.statement_add(user=person, conversation=conversation,
                               text="  LES CONTRATS publics devraient être publies en données ouvertes !  ")
    hostile = '<script>alert("x")</script> **gras** [lien](javascript:alert(1))'
    statement = services.statement_add(user=person, conversation=conversation, text=hostile)
    assert statement.text == hostile  # stored as written; escaped when shown (see the pages' tests)
    for bad in ["", "   ", "abc", "x" * 401, None, 42]:
        with pytest.raises(ValidationError):
            services.statement_add(user=person, conversation=conversation, text=bad)
    assert conversation.statements.count() == 4


def test_statement_add_closed_to_participants(conversation, citizen, organiser):
    services.conversation_update(actor=organiser, conversation=conversation, data={"participants_can_add": False})
    with pytest.raises(PermissionDenied):
        services.statement_add(user=citizen(1), conversation=conversation, text="Un énoncé de citoyen.")
    seed = services.statement_add(user=organiser, conversation=conversation, text="Un énoncé de départ.", seed=True)
    assert seed.is_seed and AuditEntry.objects.filter(action="consult.opinions.seed").exists()
    with pytest.raises(PermissionDenied):
        services.statement_add(user=citizen(1), conversation=conversation, text="Un autre énoncé.", seed=True)


def test_premoderation_queue(conversation, citizen, organiser):
    services.conversation_update(actor=organiser, conversation=conversation, data={"premoderated": True})
    person = citizen(1)
    pending = services.statement_add(user=person, conversation=conversation, text="Publier les permis de bâtir.")
    assert pending.status == "pending"
    assert services.statement_pending_list(actor=organiser, conversation=conversation) == [pending]
    with pytest.raises(PermissionDenied):
        services.statement_pending_list(actor=person, conversation=conversation)
    with pytest.raises(PermissionDenied):
        services.statement_moderate(actor=person, statement=pending, accept=True)
    # Not voted on, not in the next statements, while pending.
    for n in range(3):
        services.statement_vote(user=citizen(2), statement=_statement(conversation, n), value=1)
    assert services.statement_next(conversation=conversation, user=citizen(2)) is None
    # The same text again is a duplicate, even pending.
    with pytest.raises(ValidationError):
        services.statement_add(user=citizen(3), conversation=conversation, text="Publier les permis de bâtir")
    services.statement_moderate(actor=organiser, statement=pending, accept=True)
    assert services.statement_next(conversation=conversation, user=citizen(2)).pk == pending.pk
    rejected = services.statement_add(user=person, conversation=conversation, text="Hors sujet complètement.")
    services.statement_moderate(actor=organiser, statement=rejected, accept=False)
    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    assert set(AuditEntry.objects.filter(action__startswith="consult.opinions.").values_list("action", flat=True)) >= {
        "consult.opinions.accept", "consult.opinions.reject"}


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=2)
def test_statement_rate_limit(conversation, citizen):
    person = citizen(1)
    services.statement_add(user=person, conversation=conversation, text="Premier énoncé ajouté.")
    services.statement_add(user=person, conversation=conversation, text="Deuxième énoncé ajouté.")
    with pytest.raises(core_services.RateLimited):
        services.statement_add(user=person, conversation=conversation, text="Troisième énoncé ajouté.")
    assert conversation.statements.count() == 5


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_votes_count_once(process_factory, organiser, citizen):
    process = process_factory()
    conv = services.conversation_create(actor=organiser, process=process, data={"title_fr": "Sujet", "seeds": SEEDS})
    statement = conv.statements.order_by("pk").first()
    person = citizen(1)
    barrier = threading.Barrier(4)
    errors = []

    def vote(value):
        try:
            barrier.wait()
            fresh = Statement.objects.select_related("conversation__process").get(pk=statement.pk)
            services.statement_vote(user=person, statement=fresh, value=value)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(v,)) for v in (1, 1, -1, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statement.refresh_from_db()
    vote_row = StatementVote.objects.get(statement=statement, user=person)
    assert statement.agree_count + statement.disagree_count + statement.pass_count == 1
    assert (statement.agree_count, statement.disagree_count) == ((1, 0) if vote_row.value == 1 else (0, 1))
    conv.refresh_from_db()
    assert conv.votes_count == 1


def _fill(conversation, people, matrix):
    statements = list(conversation.statements.order_by("pk"))
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if matrix[i, j] == matrix[i, j]:  # not NaN
                statement.conversation = conversation
                services.statement_vote(user=person, statement=statement, value=int(matrix[i, j]))


def test_opinion_groups_not_enough_votes(conversation, citizen):
    services.statement_vote(user=citizen(1), statement=_statement(conversation), value=1)
    groups = services.opinion_groups(conversation=conversation)
    assert groups["status"] == "not_enough_votes" and groups["groups"] == [] and groups["voters"] == 1


def test_opinion_groups_computed_cached_and_refreshed(process, organiser, citizen, django_assert_max_num_queries):
    matrix, truth, agreed = synthetic_votes(groups=2, participants=24, statements=10, seed=3, missing_rate=0.1,
                                            agreement=0.95, pass_rate=0.05)
    conv = services.conversation_create(actor=organiser, process=process, data={
        "title_fr": "Groupes", "seeds": [f"Énoncé numéro {n} sur les données." for n in range(10)]})
    conv.process = process
    people = [citizen(n) for n in range(24)]
    _fill(conv, people, matrix)
    groups = services.opinion_groups(conversation=conv, user=people[0])
    assert groups["status"] == "ok" and groups["k"] == 2
    assert sum(g["size"] for g in groups["groups"]) == groups["participants"] == 24
    assert groups["me"] is not None and sum(p["me"] for p in groups["points"]) == 1
    assert all(r["text"].startswith("Énoncé numéro") for g in groups["groups"] for r in g["representative"])
    assert "participant_ids" not in groups and all(set(p) == {"x", "y", "group", "me"} for p in groups["points"])
    analysis = OpinionAnalysis.objects.get(conversation=conv)
    # Cached: nothing recomputed while the votes stay the same.
    with django_assert_max_num_queries(6):
        services.opinion_groups(conversation=conv)
    assert OpinionAnalysis.objects.get(conversation=conv).computed_at == analysis.computed_at
    # A changed vote makes it stale: recomputed (the minimum interval set to nothing here).
    statement = _statement(conv, 0)
    services.statement_vote(user=people[0], statement=statement, value=-int(matrix[0, 0] or 1))
    with override_settings(OUVERT_CONSULT_OPINION_REFRESH_SECONDS=0):
        services.opinion_groups(conversation=conv)
    assert OpinionAnalysis.objects.get(conversation=conv).computed_at > analysis.computed_at
    # The periodic job finds nothing to do now, and recomputes after a new vote.
    assert services.opinion_groups_refresh_active() == 0
    services.statement_vote(user=citizen(99), statement=statement, value=1)
    assert services.opinion_groups_refresh_active() == 1


def test_opinion_groups_all_pass(conversation, citizen):
    people = [citizen(n) for n in range(6)]
    for person in people:
        for n in range(3):
            services.statement_vote(user=person, statement=_statement(conversation, n), value=0)
    groups = services.opinion_groups(conversation=conversation)
    assert groups["status"] == "no_divergence" and groups["consensus"] == []
