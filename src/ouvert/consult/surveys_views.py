"""Pages of the surveys (``/<lang>/consultations/<slug>/questionnaires/…``): the list with the person's state,
the answer form, the thank-you page, the results, and the organisers' builder. Thin: the rules are in
``surveys``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import access, surveys
from .models import Phase, Question
from .surveys_forms import (
    answers_from_post,
    question_data_from_post,
    question_display,
    question_values,
    survey_data_from_post,
)
from .views_common import process_or_404 as _process

KIND_HELP = {
    Question.Kind.SHORT_TEXT: gettext_lazy("une ligne; longueur maximale au choix (500 au plus)"),
    Question.Kind.LONG_TEXT: gettext_lazy("plusieurs paragraphes; longueur maximale au choix (10 000 au plus)"),
    Question.Kind.SINGLE: gettext_lazy("un choix parmi la liste"),
    Question.Kind.MULTIPLE: gettext_lazy("plusieurs choix, avec un maximum facultatif"),
    Question.Kind.RANKING: gettext_lazy("classer tous les choix du premier au dernier"),
    Question.Kind.MATRIX: gettext_lazy("une colonne par ligne"),
    Question.Kind.SCALE_5: gettext_lazy("une note de 1 à 5"),
    Question.Kind.SCALE_10: gettext_lazy("une note de 1 à 10"),
    Question.Kind.FILE: gettext_lazy("un fichier, de types et de taille choisis"),
}


def _error_lines(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for messages_ in exc.message_dict.values() for m in messages_]
    return [str(m) for m in exc.messages]




def _survey(request, slug, survey_slug):
    process = _process(request, slug)
    try:
        return surveys.survey_get(process=process, slug=survey_slug)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _manager(request, process):
    if not request.user.is_authenticated:
        return False
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les organisateurs de cette consultation gèrent ses questionnaires."))
    return True


def _survey_url(survey, name="survey", **extra):
    return reverse(f"consult:{name}", kwargs={"slug": survey.process.slug, "survey": survey.slug, **extra})


# --- Public pages ----------------------------------------------------------------------------------

@require_GET
def survey_list(request, slug):
    process = _process(request, slug)
    rows = surveys.survey_list(process=process, user=request.user)
    manager = access.can_manage(request.user, process)
    for row in rows:
        row["results_visible"] = manager or row["survey"].results_public
    return render(request, "consult/surveys/list.html", {
        "process": process, "tab": "surveys", "rows": rows, "manager": manager,
        "open": access.component_open(process, Phase.Component.SURVEYS),
    })


def _why_not(request, process) -> str:
    try:
        access.participation_check(user=request.user, process=process, component=Phase.Component.SURVEYS)
    except (PermissionDenied, core_services.NotFound) as exc:
        return str(exc)
    return ""


def _form_context(request, survey, *, posted=None, errors=None, preview=False):
    questions = surveys.survey_questions(survey)
    by_position = {q.position: q for q in questions}
    shown = [question_display(q, posted=posted, errors=errors, questions_by_position=by_position) for q in questions]
    process = survey.process
    return {
        "process": process, "tab": "surveys", "survey": survey,
        "description": render_markdown(survey.description),
        "questions": [q for q in shown if not q["q"].is_demographic],
        "demographic": [q for q in shown if q["q"].is_demographic] if process.demographics_enabled else [],
        "consent": bool(posted and posted.get("demographics_consent") == "on"),
        "field_errors": [(q["id"], q["text"], m) for q in shown for m in q["errors"]],
        "answered": surveys.survey_has_responded(survey=survey, user=request.user),
        "why_not": _why_not(request, process), "manager": access.can_manage(request.user, process),
        "results_visible": surveys.survey_can_see_results(survey=survey, user=request.user),
        "preview": preview, "min_group_size": surveys.survey_min_group_size(),
        "has_files": any(q.kind == Question.Kind.FILE for q in questions),
    }


@require_http_methods(["GET", "POST"])
def survey_detail(request, slug, survey):
    survey = _survey(request, slug, survey)
    if request.method == "GET":
        return render(request, "consult/surveys/answer.html", _form_context(request, survey))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    questions = surveys.survey_questions(survey)
    answers, files = answers_from_post(questions, request.POST, request.FILES)
    try:
        surveys.survey_respond(survey=survey, user=request.user, answers=answers, files=files,
                               demographics_consent=request.POST.get("demographics_consent") == "on")
    except surveys.SurveyAlreadyAnswered as exc:
        context = _form_context(request, survey)
        context["errors"] = _error_lines(exc)
        return render(request, "consult/surveys/answer.html", context, status=409)
    except ValidationError as exc:
        field_errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        context = _form_context(request, survey, posted=request.POST, errors=field_errors)
        context["errors"] = [str(m) for key, lines in field_errors.items() if not key.startswith("q")
                             for m in lines]
        return render(request, "consult/surveys/answer.html", context, status=400)
    except PermissionDenied as exc:
        context = _form_context(request, survey)
        context["errors"] = [str(exc)]
        return render(request, "consult/surveys/answer.html", context, status=403)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return HttpResponseRedirect(_survey_url(survey, "survey_thanks"))


def _satisfaction(process, user) -> dict | None:
    """The results part's satisfaction prompt (``None`` unless the person took part and has not answered)."""
    from . import results

    return results.satisfaction_prompt(process=process, user=user)


@require_GET
def survey_thanks(request, slug, survey):
    survey = _survey(request, slug, survey)
    if not surveys.survey_has_responded(survey=survey, user=request.user):
        return HttpResponseRedirect(_survey_url(survey))
    satisfaction = _satisfaction(survey.process, request.user)
    return render(request, "consult/surveys/thanks.html", {
        "process": survey.process, "tab": "surveys", "survey": survey,
        "results_visible": surveys.survey_can_see_results(survey=survey, user=request.user),
        "satisfaction": satisfaction, "show_satisfaction": bool(satisfaction),
    })


@require_GET
def survey_results(request, slug, survey):
    survey = _survey(request, slug, survey)
    try:
        results = surveys.survey_results(survey=survey, user=request.user)
    except PermissionDenied:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    charts = [q for q in results["questions"] if q["chart"]]
    return render(request, "consult/surveys/results.html", {
        "process": survey.process, "tab": "surveys", "survey": survey, "results": results,
        "has_charts": bool(charts),
    })


@require_GET
def survey_file(request, slug, survey, answer):
    survey = _survey(request, slug, survey)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        stored = surveys.survey_answer_file(survey=survey, user=request.user, answer_id=answer)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return FileResponse(stored.file.open("rb"), as_attachment=True,
                        filename=f"{survey.slug}-q{stored.question.position}-{stored.pk}."
                                 f"{stored.file.name.rsplit('.', 1)[-1]}")


# --- Builder ---------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def survey_new(request, slug):
    process = _process(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _manager(request, process)
    values = {"results_public": True}
    errors: list[str] = []
    if request.method == "POST":
        data = survey_data_from_post(request.POST)
        values = data
        try:
            created = surveys.survey_create(actor=request.user, process=process, data=data)
        except ValidationError as exc:
            errors = _error_lines(exc)
        else:
            messages.success(request, _("Le questionnaire est créé : ajoutez-lui des questions."))
            return HttpResponseRedirect(_survey_url(created, "survey_edit"))
    return render(request, "consult/surveys/new.html", {"process": process, "tab": "surveys", "values": values,
                                                        "errors": errors}, status=400 if errors else 200)


def _builder(request, survey, *, errors=None, status=200, failed=None, posted=None, settings_values=None):
    questions = surveys.survey_questions(survey)
    responses = surveys.survey_response_count(survey)
    sources = [q for q in questions if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
               and not q.is_demographic]
    rows = []
    for q in questions:
        rows.append({"q": q, "values": question_values(q, posted if failed == q.position else None),
                     "open": failed == q.position,
                     "sources": [s for s in sources if s.position < q.position],
                     "choices": (q.options or {}).get("choices", []), "matrix_rows": (q.options or {}).get("rows", [])})
    return render(request, "consult/surveys/builder.html", {
        "process": survey.process, "tab": "surveys", "survey": survey, "rows": rows, "responses": responses,
        "locked": responses > 0, "errors": errors or [],
        "new_values": question_values(None, posted if failed == "new" else None),
        "settings_values": settings_values or {
            "title_fr": survey.title_fr, "title_en": survey.title_en, "description_fr": survey.description_fr,
            "description_en": survey.description_en, "anonymous": survey.anonymous,
            "results_public": survey.results_public},
        "kinds": [(value, label, KIND_HELP[value]) for value, label in Question.Kind.choices],
        "sources": sources, "demographics_enabled": survey.process.demographics_enabled,
    }, status=status)


def _builder_survey(request, slug, survey_slug):
    survey = _survey(request, slug, survey_slug)
    if not request.user.is_authenticated:
        return None
    _manager(request, survey.process)
    return survey


@require_http_methods(["GET", "POST"])
def survey_edit(request, slug, survey):
    found = _builder_survey(request, slug, survey)
    if found is None:
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        return _builder(request, found)
    data = survey_data_from_post(request.POST)
    data.pop("slug")
    try:
        surveys.survey_update(actor=request.user, survey=found, data=data)
    except ValidationError as exc:
        return _builder(request, found, errors=_error_lines(exc), status=400, settings_values=data)
    messages.success(request, _("Le questionnaire est enregistré."))
    return HttpResponseRedirect(_survey_url(found, "survey_edit"))


def _question(survey, position) -> Question:
    question = survey.questions.filter(position=position).first()
    if question is None:
        raise Http404(_("Question introuvable."))
    question.survey = survey
    return question


def _builder_post(request, slug, survey_slug, action, *, failed, anchor):
    found = _builder_survey(request, slug, survey_slug)
    if found is None:
        return redirect_to_login(reverse("consult:survey_edit", kwargs={"slug": slug, "survey": survey_slug}))
    try:
        message = action(found)
    except ValidationError as exc:
        return _builder(request, found, errors=_error_lines(exc), status=400, failed=failed, posted=request.POST)
    messages.success(request, message)
    return HttpResponseRedirect(_survey_url(found, "survey_edit") + anchor)


@require_POST
def survey_question_add(request, slug, survey):
    def action(found):
        question = surveys.question_add(actor=request.user, survey=found, data=question_data_from_post(request.POST))
        return _("La question %(n)s est ajoutée.") % {"n": question.position}

    return _builder_post(request, slug, survey, action, failed="new", anchor="#questions")


@require_POST
def survey_question_update(request, slug, survey, position):
    def action(found):
        question = _question(found, position)
        surveys.question_update(actor=request.user, question=question,
                                data=question_data_from_post(request.POST, question))
        return _("La question %(n)s est enregistrée.") % {"n": position}

    return _builder_post(request, slug, survey, action, failed=position, anchor=f"#question-{position}")


@require_POST
def survey_question_remove(request, slug, survey, position):
    def action(found):
        surveys.question_remove(actor=request.user, question=_question(found, position))
        return _("La question %(n)s est supprimée.") % {"n": position}

    return _builder_post(request, slug, survey, action, failed=None, anchor="#questions")


@require_POST
def survey_question_move(request, slug, survey, position):
    direction = request.POST.get("direction", "")

    def action(found):
        moved = surveys.question_move(actor=request.user, question=_question(found, position), direction=direction)
        return _("La question est maintenant la question %(n)s.") % {"n": moved.position}

    return _builder_post(request, slug, survey, action, failed=None, anchor="#questions")


@require_POST
def survey_delete(request, slug, survey):
    found = _builder_survey(request, slug, survey)
    if found is None:
        return redirect_to_login(reverse("consult:survey_edit", kwargs={"slug": slug, "survey": survey}))
    try:
        surveys.survey_delete(actor=request.user, survey=found)
    except ValidationError as exc:
        return _builder(request, found, errors=_error_lines(exc), status=400)
    messages.success(request, _("Le questionnaire est supprimé."))
    return HttpResponseRedirect(reverse("consult:surveys", kwargs={"slug": slug}))


@require_GET
def survey_preview(request, slug, survey):
    found = _builder_survey(request, slug, survey)
    if found is None:
        return redirect_to_login(request.get_full_path())
    return render(request, "consult/surveys/answer.html", _form_context(request, found, preview=True))
