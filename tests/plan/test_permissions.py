import json

import pytest
from django.core.exceptions import PermissionDenied

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.plan import services
from ouvert.plan.models import Milestone, ProgressUpdate

URL = "/api/v1/plan/milestones/2021-2023/4.1/updates"


def _snapshot():
    m = Milestone.objects.get(number="4.1")
    return (m.status, m.due_date, m.description_fr, ProgressUpdate.objects.count(),
            AuditEntry.objects.filter(action__startswith="plan.").count())


@pytest.mark.django_db
def test_banq_respondent_cannot_update_an_sct_milestone(respondent, milestone, client):
    banq = respondent("banq")
    before = _snapshot()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.progress_update_create(actor=banq, milestone=milestone("4.1"), text_fr="x", status="completed")
    with pytest.raises(PermissionDenied):
        services.milestone_update(actor=banq, milestone=milestone("4.1"), due_date="2030-01-01")
    assert _snapshot() == before

    token = core_services.token_create(user=banq)
    audit_before = AuditEntry.objects.count()
    response = client.post(URL, json.dumps({"text_fr": "x", "status": "completed"}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 403 and response.json()["detail"]
    response = client.patch("/api/v1/plan/milestones/2021-2023/4.1", json.dumps({"due_date": "2030-01-01"}),
                            content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 403
    assert _snapshot() == before
    assert AuditEntry.objects.count() == audit_before, "no audit entry for a refused change"

    # The milestone page shows no form to the BAnQ respondent, and refuses a forged POST.
    client.force_login(banq)
    page = client.get("/fr/plan/2021-2023/jalons/4.1/")
    assert page.status_code == 200 and b'name="text_fr"' not in page.content
    response = client.post("/fr/plan/2021-2023/jalons/4.1/", {"status": "completed", "text_fr": "x"})
    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.django_db
def test_anonymous_and_plain_members_cannot_write(real_plan, make_user, client, milestone):
    before = _snapshot()
    response = client.post(URL, json.dumps({"text_fr": "x", "status": "completed"}),
                           content_type="application/json")
    assert response.status_code == 401
    member = make_user()
    with pytest.raises(PermissionDenied):
        services.progress_update_create(actor=member, milestone=milestone("4.1"), text_fr="x", status="limited")
    assert _snapshot() == before


@pytest.mark.django_db
def test_lead_respondent_sees_the_form_and_posts_through_it(respondent, client):
    client.force_login(respondent("sct"))
    page = client.get("/fr/plan/2021-2023/jalons/4.1/")
    assert b'name="text_fr"' in page.content
    response = client.post("/fr/plan/2021-2023/jalons/4.1/", {
        "status": "limited", "text_fr": "Premiers travaux.", "text_en": "First work.",
        "evidence": "https://example.org/preuve Preuve"})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.status_after == "limited" and update.evidence.get().label == "Preuve"
    assert AuditEntry.objects.filter(action="plan.milestone.status").count() == 1
