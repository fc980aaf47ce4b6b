"""``/api/v1/consult/…``: the results part.

- ``GET /processes/{slug}/dashboard``: the results' figures (managers also get the hidden counts);
- ``GET /processes/{slug}/report`` (published, or in preparation for managers);
  ``POST /processes/{slug}/report/generate`` (``{"replace_edits": false}``), ``PUT /processes/{slug}/report``
  (``{"body_fr", "body_en"}``), ``POST /processes/{slug}/report/publish`` (managers);
- ``GET /processes/{slug}/exports`` (the tables) and ``GET /processes/{slug}/exports/{component}`` (JSON rows;
  ``?format=csv`` or ``xlsx`` for a file; ``anonymised=true`` for managers who want the public version);
- ``POST /processes/{slug}/satisfaction`` (``{"score": 1-5, "comment"}``);
- ``GET /suggestions`` (answered public ones; ``?inbox=true`` for the ones the caller answers),
  ``POST /suggestions``, ``POST /suggestions/{id}/answer``.

Errors: 400 bad input, 403 not allowed, 404 unknown process, table or suggestion, 429 too fast.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as HttpStatus

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services

from . import access
from . import results as services
from .api_common import iso as _iso
from .api_common import process_for as _process
from .models import Suggestion

router = Router(tags=["consult"])






@router.get("/processes/{slug}/dashboard", summary="Tableau de bord des résultats / Results dashboard")
def dashboard(request: HttpRequest, slug: str):
    user = reader(request)
    process = _process(request, slug, user)
    d = services.process_dashboard(process=process, user=user)
    data = {
        "process": process.slug, "participants": d["participants"],
        "contributions": {row["key"]: row["count"] for row in d["contributions"]},
        "contributions_total": d["contributions_total"],
        "timeline": {"unit": d["timeline"]["unit"], "types": [k for k, _l in services.CONTRIBUTION_TYPES],
                     "rows": [{"period": row["period"].isoformat(), "counts": row["counts"], "total": row["total"],
                               "new_participants": row["new_participants"]} for row in d["timeline"]["rows"]]},
        "surveys": [{k: s[k] for k in ("slug", "title", "responses", "results_public")} for s in d["surveys"]],
        "top_proposals": [{k: p[k] for k in ("number", "title", "supports", "comments", "status", "category")}
                          for p in d["top_proposals"]],
        "most_commented": [{k: c[k] for k in ("kind", "title", "count")} for c in d["most_commented"]],
        "satisfaction": d["satisfaction"],
        "demographics": {"min_group_size": d["demographics"]["min_group_size"],
                         "questions": [{"text": q["text"], "respondents": q["respondents"],
                                        "suppressed": q["suppressed"],
                                        "rows": [{"key": r["key"], "label": r["label"], "count": r["count"],
                                                  "suppressed": r["suppressed"]} for r in q["rows"]]}
                                       for q in d["demographics"]["questions"]]},
    }
    if d["can_manage"]:
        data["hidden"] = {h["key"]: h["count"] for h in d.get("hidden", [])}
    return data


# --- Report ----------------------------------------------------------------------------------------

def _report(report) -> dict:
    return {"process": report.process.slug, "body_fr": report.body_fr, "body_en": report.body_en,
            "figures": report.figures, "generated_at": _iso(report.generated_at), "edited_at": _iso(report.edited_at),
            "published_at": _iso(report.published_at)}


@router.get("/processes/{slug}/report", summary="Rapport « Ce que nous avons entendu » / Report")
def report_get(request: HttpRequest, slug: str):
    user = reader(request)
    process = _process(request, slug, user)
    report = services.report_get(process=process, user=user)
    if report is None:
        raise core_services.NotFound(_("Le rapport de cette consultation n'est pas encore publié."))
    return _report(report)


class GenerateIn(Schema):
    replace_edits: bool = False


@router.post("/processes/{slug}/report/generate", auth=AUTH, summary="Générer le rapport / Generate the report")
def report_generate(request: HttpRequest, slug: str, payload: GenerateIn | None = None):
    process = _process(request, slug, request.auth)
    report = services.report_generate(process=process, user=request.auth,
                                      replace_edits=bool(payload and payload.replace_edits))
    return {**_report(report), "kept_edits": report.kept_edits}


class ReportIn(Schema):
    body_fr: str
    body_en: str = ""


@router.put("/processes/{slug}/report", auth=AUTH, summary="Modifier le rapport / Edit the report")
def report_update(request: HttpRequest, slug: str, payload: ReportIn):
    process = _process(request, slug, request.auth)
    return _report(services.report_update(process=process, user=request.auth, **payload.dict()))


@router.post("/processes/{slug}/report/publish", auth=AUTH, summary="Publier le rapport / Publish the report")
def report_publish(request: HttpRequest, slug: str):
    process = _process(request, slug, request.auth)
    return _report(services.report_publish(process=process, user=request.auth))


# --- Exports ---------------------------------------------------------------------------------------

@router.get("/processes/{slug}/exports", summary="Exports disponibles / Available exports")
def export_list(request: HttpRequest, slug: str):
    user = reader(request)
    process = _process(request, slug, user)
    return {"full": access.can_manage(user, process),
            "results": [{"component": e["component"], "label": str(e["label"])}
                        for e in services.export_components(process, user=user)]}


@router.get("/processes/{slug}/exports/{component}", summary="Exporter une composante / Export a component")
def export_get(request: HttpRequest, slug: str, component: str, format: str = "json",  # noqa: A002
               anonymised: bool = False):
    from .results_views import export_response

    if format not in services.EXPORT_FORMATS:
        raise ValidationError({"format": [_("Format inconnu : choisissez csv, json ou xlsx.")]})
    user = reader(request)
    process = _process(request, slug, user)
    table = services.export_table(process=process, user=user, component=component,
                                  public=True if anonymised else None)
    return export_response(table, format)


# --- Satisfaction ----------------------------------------------------------------------------------

class SatisfactionIn(Schema):
    score: int
    comment: str = ""


@router.post("/processes/{slug}/satisfaction", auth=AUTH, response={201: dict},
             summary="Sondage de satisfaction / Satisfaction survey")
def satisfaction(request: HttpRequest, slug: str, payload: SatisfactionIn):
    process = _process(request, slug, request.auth)
    answer = services.satisfaction_submit(process=process, user=request.auth, score=payload.score,
                                          comment=payload.comment)
    return HttpStatus(201, {"process": process.slug, "score": answer.score, "comment": answer.comment,
                 "created_at": _iso(answer.created_at)})


# --- Suggestions -----------------------------------------------------------------------------------

def _suggestion(s: Suggestion, *, private: bool) -> dict:
    data = {"id": s.pk, "body": s.body, "process": s.process.slug if s.process_id else None, "status": s.status,
            "answer": s.answer, "answered_at": _iso(s.answered_at), "created_at": _iso(s.created_at)}
    if private:
        data.update({"is_public": s.is_public,
                     "author": (s.author.full_name or s.author.email) if s.author_id else None,
                     "email": s.email or (s.author.email if s.author_id else "")})
    return data


@router.get("/suggestions", summary="Suggestions")
def suggestion_list(request: HttpRequest, inbox: bool = False, limit: int = 50, offset: int = 0):
    if limit < 1 or offset < 0:
        raise ValidationError({"limit": [_("limit (≥ 1) et offset (≥ 0) sont des nombres entiers.")]})
    limit = min(limit, 200)
    user = reader(request)
    qs = services.suggestion_inbox(user=user) if inbox else services.suggestion_list_public()
    return {"count": qs.count(), "results": [_suggestion(s, private=inbox) for s in qs[offset:offset + limit]]}


class SuggestionIn(Schema):
    body: str
    process: str = ""
    is_public: bool = True


@router.post("/suggestions", auth=AUTH, response={201: dict}, summary="Faire une suggestion / Suggest")
def suggestion_create(request: HttpRequest, payload: SuggestionIn):
    process = _process(request, payload.process, request.auth) if payload.process else None
    s = services.suggestion_create(user=request.auth, body=payload.body, process=process,
                                   is_public=payload.is_public)
    return HttpStatus(201, _suggestion(s, private=True))


class SuggestionAnswerIn(Schema):
    answer: str
    close: bool = False


@router.post("/suggestions/{pk}/answer", auth=AUTH, summary="Répondre à une suggestion / Answer a suggestion")
def suggestion_answer(request: HttpRequest, pk: int, payload: SuggestionAnswerIn):
    s = services.suggestion_answer(user=request.auth, suggestion=services.suggestion_get(pk=pk),
                                   answer=payload.answer, close=payload.close)
    return _suggestion(s, private=True)
