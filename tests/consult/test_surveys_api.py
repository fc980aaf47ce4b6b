"""Surveys, API: list, one survey with its questions, answering (validation, 401/403/404/409), results."""

import json

import pytest

from ouvert.consult import services
from ouvert.consult.models import Response
from ouvert.core import services as core_services

from . import test_surveys_services as kit
from .test_surveys_services import good_answers

full_survey = kit.full_survey  # the fixture: one question of every kind, a condition, demographics

pytestmark = pytest.mark.django_db


def base(survey):
    return f"/api/v1/consult/processes/{survey.process.slug}/surveys"


def post(client, address, payload, token=None):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(address, data=json.dumps(payload), content_type="application/json", **headers)


def test_list_and_detail(client, full_survey, citizen, django_assert_max_num_queries):
    services.survey_create(actor=full_survey.process.created_by, process=full_survey.process,
                           data={"title_fr": "Deuxième"})
    with django_assert_max_num_queries(6):
        listing = client.get(base(full_survey)).json()
    assert listing["count"] == 2 and listing["results"][0]["slug"] == "mobilite"
    assert "answered" not in listing["results"][0]
    detail = client.get(f"{base(full_survey)}/mobilite").json()
    assert len(detail["questions"]) == 10 and detail["questions"][2]["condition"] == {"question": 1, "in": ["auto"]}
    assert detail["questions"][0]["options"]["choices"][0]["key"] == "auto"
    assert client.get(f"{base(full_survey)}/inconnu").status_code == 404
    assert client.get("/api/v1/consult/processes/inconnue/surveys").status_code == 404


def test_respond(client, full_survey, citizen):
    person = citizen(1)
    token = core_services.token_create(user=person)
    address = f"{base(full_survey)}/mobilite/responses"
    answers = {str(k): v for k, v in good_answers().items()}
    assert post(client, address, {"answers": answers}).status_code == 401
    bad = post(client, address, {"answers": {**answers, "7": 12}}, token)
    assert bad.status_code == 400 and bad.json()["errors"]["q7"] == ["Choisissez une valeur de 1 à 5."]
    bad = post(client, address, {"answers": ["auto"]}, token)
    assert bad.status_code == 400
    bad = client.post(address, data="{pas du json", content_type="application/json", HTTP_AUTHORIZATION=token)
    assert bad.status_code == 400
    assert not Response.objects.exists()
    created = post(client, address, {"answers": {**answers, "10": "jeune"}, "demographics_consent": True}, token)
    assert created.status_code == 201 and created.json()["answers"] == 9
    again = post(client, address, {"answers": answers}, token)
    assert again.status_code == 409 and "déjà répondu" in again.json()["detail"]
    assert Response.objects.count() == 1
    assert client.get(f"{base(full_survey)}/mobilite", HTTP_AUTHORIZATION=token).json()["answered"] is True


def test_respond_when_closed(client, full_survey, citizen, phase_move):
    token = core_services.token_create(user=citizen(1))
    phase_move(full_survey.process, "analysis")
    response = post(client, f"{base(full_survey)}/mobilite/responses", {"answers": {"1": "auto"}}, token)
    assert response.status_code == 403 and "pas ouverte" in response.json()["detail"]


def test_results(client, full_survey, citizen, organiser):
    for n in range(1, 3):
        services.survey_respond(survey=full_survey, user=citizen(n), answers=good_answers())
    results = client.get(f"{base(full_survey)}/mobilite/results").json()
    assert results["responses"] == 2 and results["questions"][0]["rows"][0] == {
        "key": "auto", "label": "Auto", "count": 2, "percent": 100.0}
    assert results["questions"][6]["mean"] == 4.0
    services.survey_update(actor=organiser, survey=full_survey, data={"results_public": False})
    assert client.get(f"{base(full_survey)}/mobilite/results").status_code == 403
