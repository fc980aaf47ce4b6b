import json

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.plan.models import Milestone


@pytest.mark.django_db
def test_plans_and_plan_detail(real_plan, client):
    body = client.get("/api/v1/plan/plans").json()
    assert [p["slug"] for p in body] == ["2021-2023"]
    detail = client.get("/api/v1/plan/plans/2021-2023").json()
    assert detail["title_en"].startswith("Action Plan") and detail["period_end"] == "2023-03-31"
    assert client.get("/api/v1/plan/plans/1999").status_code == 404


@pytest.mark.django_db
def test_sixteen_real_milestones_in_both_languages(real_plan, client):
    rows = client.get("/api/v1/plan/milestones").json()
    assert len(rows) == 16
    assert [r["number"] for r in rows][:6] == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1"]
    for row in rows:
        assert row["title_fr"] and row["title_en"] and row["title_fr"] != row["title_en"]
    by_number = {r["number"]: r for r in rows}
    assert by_number["1.4"]["lead"]["acronym"] == "BAnQ" and by_number["1.4"]["due_date"] == "2022-10-31"
    assert [c["acronym"] for c in by_number["4.1"]["collaborators"]] == ["ITQ"]
    assert by_number["4.1"]["status_label_fr"] == "Non commencé"
    assert by_number["3.1"]["strands"] == ["participation", "innovation"]


@pytest.mark.django_db
def test_milestone_list_filters(real_plan, client):
    def numbers(query):
        response = client.get(f"/api/v1/plan/milestones?{query}")
        assert response.status_code == 200, response.content
        return [r["number"] for r in response.json()]

    assert numbers("lead=BAnQ") == ["1.4"]
    assert numbers("lead=frq&plan=2021-2023") == ["2.1", "2.2", "2.3"]
    assert numbers("strand=collaboration") == ["5.1", "5.2", "5.3"]
    assert numbers("status=completed") == []
    assert len(numbers("late=true")) == 16  # the plan ended in 2023 and nothing is completed yet
    assert numbers("late=false") == []
    assert numbers("q=Consultation%20Qu%C3%A9bec") == ["3.1", "3.2", "3.3"]
    assert numbers("plan=1999") == []


@pytest.mark.django_db
def test_commitments_and_committee(real_plan, client):
    commitments = client.get("/api/v1/plan/commitments").json()
    assert [c["number"] for c in commitments] == [1, 2, 3, 4, 5]
    assert commitments[1]["why_fr"] and commitments[1]["why_en"]
    assert commitments[4]["challenge"]["number"] == 3
    committee = client.get("/api/v1/plan/committee").json()
    assert len(committee["members"]) == 11
    assert sum(m["seat"] == "civil_society" for m in committee["members"]) == 8


@pytest.mark.django_db
def test_post_update_with_token_then_detail_shows_history(respondent, client):
    token = core_services.token_create(user=respondent("banq"))
    response = client.post("/api/v1/plan/milestones/2021-2023/1.4/updates",
                           json.dumps({"text_fr": "Consultation lancée.", "text_en": "Consultation launched.",
                                       "status": "substantial",
                                       "evidence": [{"url": "https://example.org/c", "label": "Page"}]}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status_before"] == "not_started" and created["status_after"] == "substantial"
    assert created["organisation"]["acronym"] == "BAnQ"
    detail = client.get("/api/v1/plan/milestones/2021-2023/1.4").json()
    assert detail["status"] == "substantial"
    assert [u["text_en"] for u in detail["updates"]] == ["Consultation launched."]
    assert detail["updates"][0]["evidence"] == [{"url": "https://example.org/c", "label": "Page"}]
    assert AuditEntry.objects.filter(action="plan.milestone.status").count() == 1


@pytest.mark.django_db
def test_patch_milestone_as_platform_admin_with_bearer_token(platform_admin, real_plan, client):
    token = core_services.token_create(user=platform_admin)
    response = client.patch("/api/v1/plan/milestones/2021-2023/5.3",
                            json.dumps({"due_date": "2023-06-30", "description_en": "Updated."}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == "2023-06-30"
    m = Milestone.objects.get(number="5.3")
    assert str(m.due_date) == "2023-06-30" and m.description_en == "Updated."
    assert AuditEntry.objects.filter(action="plan.milestone.update").count() == 1


@pytest.mark.django_db
def test_openapi_lists_the_plan_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/plan/milestones" in paths
    assert "/api/v1/plan/milestones/{plan_slug}/{number}/updates" in paths
