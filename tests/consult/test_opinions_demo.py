"""The opinions demo: two conversations with visible groups, loaded once (a second run changes nothing)."""

import pytest

from ouvert.consult import opinions_demo, processes_demo, services
from ouvert.consult.models import Conversation, OpinionAnalysis, Participation, Statement, StatementVote
from ouvert.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def snapshot():
    return (Conversation.objects.count(), Statement.objects.count(), StatementVote.objects.count(),
            Participation.objects.count(), AuditEntry.objects.count(),
            sorted(Statement.objects.values_list("text", "agree_count", "disagree_count", "pass_count", "status")),
            list(OpinionAnalysis.objects.order_by("pk").values_list("computed_at", flat=True)))


def test_demo_loads_once():
    processes_demo.load()
    report = opinions_demo.load()
    assert report["strategie"]["created"] and report["habitation"]["created"]
    first = snapshot()
    strategy = Conversation.objects.get(process__slug="strategie-donnees-ouvertes")
    assert strategy.title_fr == "Quelles données devraient être ouvertes en priorité?" and strategy.is_demo
    assert strategy.statements.filter(is_seed=True).count() == 30
    assert strategy.statements.filter(status="pending").count() == 1
    strategy.process = strategy.process
    groups = services.opinion_groups(conversation=strategy)
    assert groups["status"] == "ok" and groups["k"] == 3 and groups["voters"] == 150
    assert all(g["representative"] for g in groups["groups"])
    housing = Conversation.objects.get(process__slug="politique-habitation")
    assert services.opinion_groups(conversation=housing)["participants"] > 350
    # Counters agree with the votes.
    for statement in Statement.objects.all()[:10]:
        votes = list(StatementVote.objects.filter(statement=statement).values_list("value", flat=True))
        assert (statement.agree_count, statement.disagree_count, statement.pass_count) == (
            votes.count(1), votes.count(-1), votes.count(0))
    opinions_demo.load()
    assert snapshot() == first
