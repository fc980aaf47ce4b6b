import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.core.models import Organisation
from ouvert.plan import selectors, services
from ouvert.plan.models import Commitment, Milestone


def _overview_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/fr/plan/")
        assert response.status_code == 200
    return len(ctx.captured_queries)


def _api_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/plan/milestones").status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_overview_runs_a_constant_number_of_queries(respondent, client, milestone):
    sct = respondent("sct")
    client.get("/fr/plan/")  # warm up (sessions, content types)
    baseline = _overview_queries(client)
    api_baseline = _api_queries(client)

    plan = selectors.plan_current()
    commitment = Commitment.objects.get(plan=plan, number=5)
    orgs = list(Organisation.objects.all()[:4])
    for i in range(30):
        m = Milestone.objects.create(plan=plan, commitment=commitment, number=f"5.{10 + i}", position=10 + i,
                                     title_fr=f"Jalon ajouté {i}", due_date=datetime.date(2023, 3, 31),
                                     lead=orgs[i % 2])
        m.collaborators.set(orgs[2:])
    numbers = [m.number for m in Milestone.objects.filter(lead__slug="sct")]
    for i in range(100):
        services.progress_update_create(actor=sct, milestone=milestone(numbers[i % len(numbers)]),
                                        text_fr=f"Compte rendu {i}", status="limited",
                                        evidence=["https://example.org/preuve"])

    assert Milestone.objects.count() == 46
    after = _overview_queries(client)
    assert client.get("/fr/plan/").content.decode().count('<th scope="row">') == 46
    assert after == baseline, f"overview: {baseline} queries with 16 milestones, {after} with 46"
    assert _api_queries(client) == api_baseline


@pytest.mark.django_db
def test_plan_overview_selector_query_count(real_plan, django_assert_num_queries):
    with django_assert_num_queries(5):
        data = selectors.plan_overview(plan=real_plan)
        rows = [(m.number, m.lead.label, [c.label for c in m.collaborators.all()], m.commitment.strand_labels,
                 m.commitment.challenge.title, m.late) for m in data.milestones]
    assert len(rows) == 16
