"""``/api/v1/consult/…``: the surveys part.

- ``GET /processes/{slug}/surveys``: the process's surveys (and, for the reader, whether they answered);
- ``GET /processes/{slug}/surveys/{survey}``: one survey with its questions, options and display conditions;
- ``POST /processes/{slug}/surveys/{survey}/responses``: answer (``{"answers": {"<position>": value},
  "demographics_consent": bool}``; same validation as the form; 409 for a second response; file questions
  are answered on the site only);
- ``GET /processes/{slug}/surveys/{survey}/results``: the results as the reader may see them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ouvert.api import AUTH, api, reader

from . import access, surveys
from .models import Survey

router = Router(tags=["consult"])


def _survey_row(survey: Survey, *, responses: int | None = None, answered: bool | None = None) -> dict:
    row = {"slug": survey.slug, "title_fr": survey.title_fr, "title_en": survey.title_en,
           "description_fr": survey.description_fr, "description_en": survey.description_en,
           "anonymous": survey.anonymous, "results_public": survey.results_public, "position": survey.position,
           "is_demo": survey.is_demo}
    if responses is not None:
        row["responses"] = responses
    if answered is not None:
        row["answered"] = answered
    return row


def _question_row(q) -> dict:
    return {"position": q.position, "kind": q.kind, "text_fr": q.text_fr, "text_en": q.text_en,
            "help_fr": q.help_fr, "help_en": q.help_en, "required": q.required, "options": q.options or {},
            "condition": q.condition or None, "is_demographic": q.is_demographic}


def _survey(request, slug: str, survey: str):
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    return surveys.survey_get(process=process, slug=survey), user


@router.get("/processes/{slug}/surveys", summary="Questionnaires d'une consultation / A process's surveys")
def survey_list(request: HttpRequest, slug: str):
    user = reader(request)
    process = access.process_get(slug=slug, user=user)
    rows = surveys.survey_list(process=process, user=user)
    signed_in = user.is_authenticated
    return {"count": len(rows), "results": [
        _survey_row(r["survey"], responses=r["responses"], answered=r["answered"] if signed_in else None)
        for r in rows]}


@router.get("/processes/{slug}/surveys/{survey}", summary="Un questionnaire et ses questions / One survey")
def survey_detail(request: HttpRequest, slug: str, survey: str):
    found, user = _survey(request, slug, survey)
    row = _survey_row(found, answered=surveys.survey_has_responded(survey=found, user=user)
                      if user.is_authenticated else None)
    row["demographics_enabled"] = found.process.demographics_enabled
    row["questions"] = [_question_row(q) for q in surveys.survey_questions(found)]
    return row


class ResponseIn(Schema):
    answers: Any = None
    demographics_consent: Any = False


@router.post("/processes/{slug}/surveys/{survey}/responses", auth=AUTH,
             summary="Répondre à un questionnaire / Answer a survey")
def survey_respond(request: HttpRequest, slug: str, survey: str, payload: ResponseIn):
    found, _user = _survey(request, slug, survey)
    answers = payload.answers if payload.answers is not None else {}
    try:
        response = surveys.survey_respond(survey=found, user=request.user, answers=answers,
                                          demographics_consent=payload.demographics_consent is True)
    except surveys.SurveyAlreadyAnswered as exc:
        message = exc.message_dict["__all__"][0]
        return api.create_response(request, {"detail": message, "errors": exc.message_dict}, status=409)
    return api.create_response(request, {"survey": found.slug, "received_at": response.created_at.isoformat(),
                                         "anonymous": found.anonymous,
                                         "answers": response.answers.count()}, status=201)


def _result_row(item: dict) -> dict:
    row = {"position": item["position"], "kind": item["kind"], "text": item["text"], "answered": item["answered"],
           "percent_answered": item["percent_answered"], "is_demographic": item["is_demographic"],
           "suppressed": item["suppressed"]}
    for key in ("rows", "mean", "median", "columns", "matrix", "borda_max"):
        if key in item:
            row[key] = item[key]
    if "texts" in item:
        row["texts"] = item["texts"]
    if "files" in item:
        row["files"] = len(item["files"]) if item["files"] is not None else None
    return row


@router.get("/processes/{slug}/surveys/{survey}/results", summary="Résultats d'un questionnaire / Survey results")
def survey_results(request: HttpRequest, slug: str, survey: str):
    found, user = _survey(request, slug, survey)
    results = surveys.survey_results(survey=found, user=user)
    return {"survey": found.slug, "responses": results["responses"], "min_group_size": results["min_group_size"],
            "questions": [_result_row(item) for item in results["questions"]]}
