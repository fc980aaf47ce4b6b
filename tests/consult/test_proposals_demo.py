"""The proposals demo: realistic proposals in three demo processes, supports within each process's
limit, answers; loading it twice changes nothing."""

import pytest
from django.db.models import Count

from ouvert.consult import processes_demo, proposals_demo
from ouvert.consult.models import Participation, Process, Proposal, Support

pytestmark = pytest.mark.django_db


def _snapshot():
    return (list(Proposal.objects.order_by("pk").values_list("pk", "number", "status", "supports_count")),
            Support.objects.count(),
            list(Participation.objects.order_by("pk").values_list("pk", "supports_used", "proposals_made")))


def test_demo_is_realistic_consistent_and_idempotent():
    processes_demo.load()
    done = proposals_demo.load()
    assert done == {"strategie-donnees-ouvertes": 25, "politique-habitation": 60, "plan-gouvernement-ouvert-2021": 10}
    housing = Process.objects.get(slug="politique-habitation")
    statuses = dict(Proposal.objects.filter(process=housing).values_list("status").annotate(n=Count("pk")))
    assert statuses["accepted"] and statuses["rejected"] and statuses["evaluating"]
    assert all(p.answer_fr for p in Proposal.objects.filter(process=housing, status="rejected"))
    plan = Process.objects.get(slug="plan-gouvernement-ouvert-2021")
    assert Proposal.objects.filter(process=plan, status="implemented").count() >= 3
    assert not Proposal.objects.filter(process=plan, answered_at=None).exists()
    strategy = Process.objects.get(slug="strategie-donnees-ouvertes")
    assert Proposal.objects.filter(process=strategy, latitude__isnull=False).count() >= 5
    assert all(p.is_demo for p in Proposal.objects.all())
    for proposal in Proposal.objects.all():  # the counts match the rows
        assert proposal.supports_count == Support.objects.filter(proposal=proposal).count()
    for process in (strategy, housing, plan):
        used = Support.objects.filter(process=process).values("user").annotate(n=Count("pk"))
        if process.support_limit:
            assert max(row["n"] for row in used) <= process.support_limit
    before = _snapshot()
    assert proposals_demo.load() == {}
    assert _snapshot() == before
