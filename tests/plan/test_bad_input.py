import json

import pytest
from django.core.exceptions import ValidationError

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.plan import services
from ouvert.plan.models import TEXT_MAX_LENGTH, Milestone, ProgressUpdate

UPDATES = "/api/v1/plan/milestones/2021-2023/4.1/updates"
MILESTONE = "/api/v1/plan/milestones/2021-2023/4.1"


def _snapshot():
    m = Milestone.objects.get(number="4.1")
    return (m.status, m.due_date, m.description_fr, ProgressUpdate.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def sct(respondent):
    return respondent("sct")


@pytest.fixture
def token(sct):
    return core_services.token_create(user=sct)


@pytest.mark.django_db
def test_unknown_status_is_refused(sct, milestone, client, token):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.progress_update_create(actor=sct, milestone=milestone("4.1"), text_fr="x", status="done")
    assert "status" in exc.value.message_dict
    response = client.post(UPDATES, json.dumps({"text_fr": "x", "status": "done"}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400
    body = response.json()
    assert "status" in body["errors"] and "done" in body["detail"]
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_date_that_is_not_a_date_is_refused(sct, milestone, client, token):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.milestone_update(actor=sct, milestone=milestone("4.1"), due_date="2022-02-30")
    assert "due_date" in exc.value.message_dict
    for value in ("pas une date", "2022-13-01", 12):
        response = client.patch(MILESTONE, json.dumps({"due_date": value}), content_type="application/json",
                                HTTP_AUTHORIZATION=token)
        assert response.status_code == 422, value
        assert "due_date" in json.dumps(response.json())
    assert _snapshot() == before


@pytest.mark.django_db
def test_text_longer_than_the_limit_is_refused(sct, milestone, client, token):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.progress_update_create(actor=sct, milestone=milestone("4.1"),
                                        text_fr="x" * (TEXT_MAX_LENGTH + 1), status="limited")
    assert "text_fr" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.milestone_update(actor=sct, milestone=milestone("4.1"),
                                  description_fr="x" * (TEXT_MAX_LENGTH + 1))
    response = client.post(UPDATES, json.dumps({"text_fr": "x" * (TEXT_MAX_LENGTH + 1), "status": "limited"}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 422 and "text_fr" in json.dumps(response.json())
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_10_mb_text_field_gets_a_4xx_and_changes_nothing(sct, client, token):
    before = _snapshot()
    body = json.dumps({"text_fr": "x" * (10 * 1024 * 1024), "status": "limited"})
    response = client.post(UPDATES, body, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 413
    assert "volumineuse" in response.json()["detail"]
    client.force_login(sct)
    response = client.post("/fr/plan/2021-2023/jalons/4.1/", {"status": "limited", "text_fr": "x" * (10 * 1024 * 1024)})
    assert 400 <= response.status_code < 500
    assert _snapshot() == before


@pytest.mark.django_db
def test_evidence_must_be_http_urls(sct, milestone, client, token):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.progress_update_create(actor=sct, milestone=milestone("4.1"), text_fr="x", status="limited",
                                        evidence=["javascript:alert(1)", "ftp://example.org/f"])
    assert len(exc.value.message_dict["evidence"]) == 2
    response = client.post(UPDATES, json.dumps({"text_fr": "x", "status": "limited",
                                                "evidence": [{"url": "file:///etc/passwd"}]}),
                           content_type="application/json", HTTP_AUTHORIZATION=token)
    assert response.status_code == 400 and "evidence" in response.json()["errors"]
    assert _snapshot() == before


@pytest.mark.django_db
def test_wrong_types_and_bad_filters_get_4xx(sct, client, token):
    before = _snapshot()
    response = client.post(UPDATES, json.dumps({"text_fr": ["a"], "status": 3}), content_type="application/json",
                           HTTP_AUTHORIZATION=token)
    assert response.status_code == 422
    response = client.post(UPDATES, "{not json", content_type="application/json", HTTP_AUTHORIZATION=token)
    assert 400 <= response.status_code < 500
    assert client.get("/api/v1/plan/milestones?status=finished").status_code == 400
    assert client.get("/api/v1/plan/milestones?late=peut-etre").status_code == 400
    page = client.get("/fr/plan/?status=finished")
    assert page.status_code == 400 and "finished" in page.content.decode()
    assert client.get("/api/v1/plan/milestones/2021-2023/9.9").status_code == 404
    assert client.get("/fr/plan/2021-2023/jalons/9.9/").status_code == 404
    assert client.get("/fr/plan/2021-2023/export.xml").status_code == 404
    assert _snapshot() == before
