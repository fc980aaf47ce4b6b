"""Concurrent double submits and per-person limits, on PostgreSQL (real concurrency: threads, each with
its own database connection). SQLite serialises writers, so these tests are skipped there."""


import pytest
from django.db import connection

from ouvert.consult import services
from ouvert.consult.models import Participation, Proposal, Support
from tests.concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]

BODY = "Ouvrir les données des permis de construire, avec leur adresse et leur date."


def test_concurrent_double_submits_count_once(process, citizens):
    proposal = services.proposal_create(process=process, user=citizens[0], title="Permis de construire ouverts",
                                        body=BODY)
    people = citizens[1:4]
    calls = [(lambda person=person: services.proposal_support(proposal=Proposal.objects.get(pk=proposal.pk),
                                                              user=person)) for person in people for _ in range(4)]
    results = race(calls)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert sum(1 for r in results if r.created) == 3
    assert Support.objects.filter(proposal=proposal).count() == 3
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 3
    for person in people:
        assert Participation.objects.get(process=process, user=person).supports_used == 1


def test_support_limit_holds_under_concurrency(process_factory, citizens):
    process = process_factory(support_limit=3)
    proposals = [services.proposal_create(process=process, user=citizens[0], title=f"Proposition concurrente {n}",
                                          body=BODY) for n in range(8)]
    person = citizens[1]
    results = race([(lambda p=p: services.proposal_support(proposal=Proposal.objects.get(pk=p.pk), user=person))
                     for p in proposals])
    accepted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(accepted) == 3 and len(refused) == 5
    assert all("appuis" in str(r) for r in refused)
    assert Support.objects.filter(process=process, user=person).count() == 3
    assert Participation.objects.get(process=process, user=person).supports_used == 3
    assert sum(Proposal.objects.filter(process=process).values_list("supports_count", flat=True)) == 3


def test_concurrent_creations_take_distinct_numbers_and_respect_the_limit(process_factory, citizens, settings):
    settings.OUVERT_CONSULT_POSTS_PER_MINUTE = 100
    process = process_factory(proposal_limit=2)
    calls = [(lambda person=person, n=n: services.proposal_create(
        process=process, user=person, title=f"Proposition {person.pk}-{n}", body=BODY))
        for person in citizens for n in range(3)]
    results = race(calls)
    created = [r for r in results if isinstance(r, Proposal)]
    assert len(created) == 2 * len(citizens)
    numbers = sorted(Proposal.objects.filter(process=process).values_list("number", flat=True))
    assert numbers == list(range(1, 2 * len(citizens) + 1))


def test_supporting_and_taking_back_at_once_never_deadlock(process, citizens):
    """One person supports and takes back the same proposal from two tabs at once, many times: both paths
    lock the person's participation row first, so neither waits on the other in a cycle, and the counters
    end equal to the rows."""
    proposal = services.proposal_create(process=process, user=citizens[0], title="Permis de construire ouverts",
                                        body=BODY)
    person = citizens[1]
    services.proposal_support(proposal=Proposal.objects.get(pk=proposal.pk), user=person)  # their first action

    def toggle(action):
        def run():
            for _ in range(15):
                action(proposal=Proposal.objects.select_related("process").get(pk=proposal.pk), user=person)
        return run

    results = race([toggle(services.proposal_support), toggle(services.proposal_unsupport)] * 2)
    assert not [r for r in results if isinstance(r, Exception)]
    rows = Support.objects.filter(proposal=proposal, user=person).count()
    assert Proposal.objects.get(pk=proposal.pk).supports_count == rows
    assert Participation.objects.get(process=process, user=person).supports_used == rows
