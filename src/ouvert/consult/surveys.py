"""The surveys part of the consult module (see ``services``): questionnaires, responses, results.

- Builder (managers of the process): ``survey_create`` / ``survey_update``, ``question_add`` /
  ``question_update`` / ``question_remove`` / ``question_move``. Every ``Question.Kind`` with its options
  (choices, matrix rows, maximum choices, maximum length, file types and size), display conditions on an
  earlier single or multiple choice question (backward references only: no cycle can exist), and
  socio-demographic questions when the process asks for them. Once a survey has responses its questions
  are frozen, except their wording (text and help). Every change is audited.
- Answering: ``survey_respond`` validates every answer server-side (hidden questions are ignored, required
  only when shown), stores one response per person under the unique ``(survey, respondent)`` constraint
  (``respondent`` is a keyed hash of the survey and the person, also for anonymous surveys, which keep no
  ``user``), and the demographic answers only with the person's consent.
- Results: ``survey_results`` — counts and percentages, matrix cells, ranking mean positions and Borda
  scores, scale distribution, mean and median, text answers (managers; the public only when results are
  public, never for an anonymous survey with fewer responses than the minimum group size), demographic
  answers only in aggregates of at least ``OUVERT_CONSULT_MIN_GROUP_SIZE`` (default 5) people.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import statistics
import uuid
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.i18n import pick

from . import access
from .models import Answer, Phase, Process, Question, Response, Survey

__all__ = [
    "SurveyAlreadyAnswered", "question_add", "question_move", "question_remove", "question_update",
    "survey_answer_file", "survey_can_see_results", "survey_create", "survey_delete", "survey_get",
    "survey_has_responded", "survey_list", "survey_min_group_size", "survey_question_visible", "survey_questions",
    "survey_respond", "survey_respondent_key", "survey_response_count", "survey_results", "survey_update",
]

Kind = Question.Kind
CHOICE_KINDS = {Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING, Kind.MATRIX}
TEXT_KINDS = {Kind.SHORT_TEXT, Kind.LONG_TEXT}
SCALE_MAX = {Kind.SCALE_5: 5, Kind.SCALE_10: 10}
#: Demographic questions are reported in aggregates only: closed questions.
DEMOGRAPHIC_KINDS = {Kind.SINGLE, Kind.MULTIPLE}
#: Default and largest maximum lengths of text answers (characters).
TEXT_LIMITS = {Kind.SHORT_TEXT: (200, 500), Kind.LONG_TEXT: (3000, 10000)}
#: File types a question may accept, with the first bytes each must start with (None: checked otherwise).
FILE_TYPES = {
    "pdf": [b"%PDF-"], "png": [b"\x89PNG\r\n\x1a\n"], "jpg": [b"\xff\xd8\xff"], "jpeg": [b"\xff\xd8\xff"],
    "odt": [b"PK\x03\x04"], "docx": [b"PK\x03\x04"], "txt": None, "csv": None,
}
DEFAULT_FILE_TYPES = ["pdf", "png", "jpg", "jpeg"]
DEFAULT_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CHOICES = 50
MAX_ROWS = 30
MAX_QUESTIONS = 100
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Slugs the survey pages use for themselves (``questionnaires/nouveau/``).
RESERVED_SLUGS = {"nouveau"}
#: Characters refused in text answers: control characters other than tab and line breaks.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OTHER_KEY = "_autre"


class SurveyAlreadyAnswered(ValidationError):
    """The person already answered this survey (HTTP 409 in the API)."""


def register() -> None:
    """What this part plugs into the platform: its demo content."""
    from ouvert.core import registry

    from . import surveys_demo

    registry.register_demo_loader("consult_surveys", surveys_demo.load, order=240)


def survey_min_group_size() -> int:
    return max(1, int(getattr(settings, "OUVERT_CONSULT_MIN_GROUP_SIZE", 5)))


# --- Reading ---------------------------------------------------------------------------------------

def survey_list(*, process: Process, user=None) -> list[dict]:
    """The process's surveys with their response counts and, for ``user``, whether they answered."""
    surveys = list(process.surveys.annotate(n_responses=Count("responses", distinct=True),
                                           n_questions=Count("questions", distinct=True)))
    answered = set()
    if user is not None and user.is_authenticated and surveys:
        keys = {survey_respondent_key(survey=s, user=user): s.pk for s in surveys}
        answered = {keys[k] for k in Response.objects.filter(survey__in=surveys, respondent__in=list(keys))
                    .values_list("respondent", flat=True)}
    return [{"survey": s, "responses": s.n_responses, "questions": s.n_questions, "answered": s.pk in answered}
            for s in surveys]


def survey_get(*, process: Process, slug: str) -> Survey:
    survey = Survey.objects.filter(process=process, slug=slug).first()
    if survey is None:
        raise core_services.NotFound(_("Questionnaire « %(slug)s » introuvable.") % {"slug": slug})
    survey.process = process
    return survey


def survey_questions(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


def survey_response_count(survey: Survey) -> int:
    return survey.responses.count()


def survey_respondent_key(*, survey: Survey, user) -> str:
    """HMAC(SECRET_KEY, survey id + user id): the same for one person and survey, unguessable otherwise."""
    message = f"consult.survey:{survey.pk}:{user.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def survey_has_responded(*, survey: Survey, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Response.objects.filter(survey=survey, respondent=survey_respondent_key(survey=survey, user=user)).exists()


def survey_can_see_results(*, survey: Survey, user) -> bool:
    process = survey.process
    if access.can_manage(user, process):
        return True
    return survey.results_public and access.can_view(user, process)


# --- Builder ---------------------------------------------------------------------------------------

def _manage_check(user, process: Process) -> None:
    if not access.can_manage(user, process):
        raise PermissionDenied(_("Seuls les organisateurs de cette consultation peuvent modifier ses "
                                 "questionnaires."))


def _str(data: dict, key: str, max_length: int, errors: dict, *, required=False, label="") -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = [_("Ce champ attend du texte.")]
        return ""
    value = value.strip()
    if CONTROL_RE.search(value):
        errors[key] = [_("Ce texte contient des caractères de contrôle interdits.")]
    elif required and not value:
        errors[key] = [_("%(label)s est obligatoire.") % {"label": label}]
    elif len(value) > max_length:
        errors[key] = [_("%(max)s caractères au plus (ici : %(n)s).") % {"max": max_length, "n": len(value)}]
    return value


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "oui", "yes"}
    return bool(value)


def _survey_fields(data: dict, errors: dict) -> dict:
    fields = {
        "title_fr": _str(data, "title_fr", 300, errors, required=True, label=_("Le titre en français")),
        "title_en": _str(data, "title_en", 300, errors),
        "description_fr": _str(data, "description_fr", 10000, errors),
        "description_en": _str(data, "description_en", 10000, errors),
    }
    for key in ("anonymous", "results_public"):
        if key in data:
            fields[key] = _bool(data[key])
    return fields


def survey_create(*, actor, process: Process, data: dict) -> Survey:
    """A new survey of ``process`` (``title_fr`` required; ``slug`` from the title when not given)."""
    _manage_check(actor, process)
    errors: dict = {}
    fields = _survey_fields(data, errors)
    slug = _str(data, "slug", 100, errors) or slugify(fields["title_fr"])[:80]
    if slug and (slug != slugify(slug) or slug in RESERVED_SLUGS):
        errors["slug"] = [_("Identifiant invalide : lettres minuscules, chiffres et traits d'union, sauf "
                            "« nouveau ».")]
    elif "title_fr" not in errors and not slug:
        errors["slug"] = [_("Donnez un identifiant (lettres et chiffres).")]
    elif Survey.objects.filter(process=process, slug=slug).exists():
        errors["slug"] = [_("Un autre questionnaire de cette consultation a déjà l'identifiant « %(slug)s ».")
                          % {"slug": slug}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        position = (process.surveys.aggregate(m=Max("position"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                survey = Survey.objects.create(process=process, slug=slug, position=position, **fields)
        except IntegrityError:
            raise ValidationError({"slug": [_("Un autre questionnaire de cette consultation a déjà "
                                              "l'identifiant « %(slug)s ».") % {"slug": slug}]}) from None
        core_services.audit_append(actor=actor, action="consult.surveys.create", target=survey,
                                   data={"process": process.slug, "slug": slug, "anonymous": survey.anonymous})
    return survey


def survey_update(*, actor, survey: Survey, data: dict) -> Survey:
    """Change a survey's titles, descriptions, results visibility; anonymity only before any response."""
    process = survey.process
    _manage_check(actor, process)
    errors: dict = {}
    fields = _survey_fields({**{k: getattr(survey, k) for k in ("title_fr", "title_en", "description_fr",
                                                                 "description_en")}, **data}, errors)
    if "anonymous" in fields and fields["anonymous"] != survey.anonymous and survey.responses.exists():
        errors["anonymous"] = [_("Ce questionnaire a déjà reçu des réponses : on ne peut plus changer son "
                                 "anonymat (les personnes ont répondu en le sachant).")]
    if errors:
        raise ValidationError(errors)
    changed = {k: v for k, v in fields.items() if getattr(survey, k) != v}
    with transaction.atomic():
        for key, value in changed.items():
            setattr(survey, key, value)
        if changed:
            survey.save(update_fields=list(changed))
            core_services.audit_append(actor=actor, action="consult.surveys.update", target=survey,
                                       data={"fields": sorted(changed)})
    return survey


def survey_delete(*, actor, survey: Survey) -> None:
    """Delete a survey that has no response yet."""
    _manage_check(actor, survey.process)
    if survey.responses.exists():
        raise ValidationError({"survey": [_("Ce questionnaire a déjà reçu des réponses : il ne peut plus être "
                                            "supprimé.")]})
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="consult.surveys.delete", target=survey,
                                   data={"slug": survey.slug})
        survey.delete()


def _frozen_check(survey: Survey) -> None:
    if survey.responses.exists():
        raise ValidationError({"questions": [_("Ce questionnaire a déjà reçu des réponses : ses questions ne "
                                               "peuvent plus changer. Seuls le libellé et l'aide d'une question "
                                               "peuvent encore être corrigés (coquilles).")]})


def _items(raw, key: str, errors: dict, *, minimum: int, maximum: int, what: str) -> list[dict]:
    """Choices or rows: ``[{"key", "label_fr", "label_en"}]`` (strings are taken as French labels; keys
    come from the labels when not given)."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors[key] = [_("La liste des %(what)s est mal formée.") % {"what": what}]
        return []
    items, seen = [], set()
    for index, item in enumerate(raw, start=1):
        if isinstance(item, str):
            item = {"label_fr": item}
        if not isinstance(item, dict) or not isinstance(item.get("label_fr", ""), str) \
                or not isinstance(item.get("label_en", "") or "", str) or not isinstance(item.get("key", "") or "", str):
            errors[key] = [_("La liste des %(what)s est mal formée (élément %(n)s).") % {"what": what, "n": index}]
            return []
        label_fr = item.get("label_fr", "").strip()
        label_en = (item.get("label_en") or "").strip()
        if not label_fr:
            errors[key] = [_("Élément %(n)s : le libellé en français est obligatoire.") % {"n": index}]
            return []
        if len(label_fr) > 300 or len(label_en) > 300:
            errors[key] = [_("Élément %(n)s : 300 caractères au plus par libellé.") % {"n": index}]
            return []
        if CONTROL_RE.search(label_fr + label_en):
            errors[key] = [_("Élément %(n)s : caractères de contrôle interdits.") % {"n": index}]
            return []
        item_key = (item.get("key") or "").strip()
        if item_key:
            if not KEY_RE.match(item_key):
                errors[key] = [_("Élément %(n)s : la clé « %(key)s » ne doit contenir que des lettres minuscules "
                                 "non accentuées, des chiffres, « - » et « _ » (40 au plus).")
                               % {"n": index, "key": item_key[:60]}]
                return []
        else:
            base = slugify(label_fr)[:36].strip("-") or f"choix-{index}"
            item_key, suffix = base, 2
            while item_key in seen:
                item_key, suffix = f"{base}-{suffix}", suffix + 1
        if item_key in seen:
            errors[key] = [_("La clé « %(key)s » est en double.") % {"key": item_key}]
            return []
        seen.add(item_key)
        items.append({"key": item_key, "label_fr": label_fr, "label_en": label_en})
    if not minimum <= len(items) <= maximum:
        errors[key] = [_("Donnez de %(min)s à %(max)s %(what)s.") % {"min": minimum, "max": maximum, "what": what}]
    return items


def _int(value, key: str, errors: dict, *, minimum: int, maximum: int, default: int | None) -> int | None:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        errors[key] = [_("Un nombre entier est attendu.")]
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[key] = [_("Un nombre entier est attendu.")]
        return default
    if not minimum <= number <= maximum:
        errors[key] = [_("Un nombre de %(min)s à %(max)s est attendu.") % {"min": minimum, "max": maximum}]
    return number


def _options_clean(kind: str, raw, errors: dict) -> dict:
    raw = raw or {}
    if not isinstance(raw, dict):
        errors["options"] = [_("Les options sont mal formées.")]
        return {}
    options: dict = {}
    if kind in TEXT_KINDS:
        default, ceiling = TEXT_LIMITS[kind]
        options["max_length"] = _int(raw.get("max_length"), "max_length", errors, minimum=1, maximum=ceiling,
                                     default=default)
    elif kind in CHOICE_KINDS:
        maximum = 20 if kind == Kind.RANKING else MAX_CHOICES
        what = _("colonnes") if kind == Kind.MATRIX else _("choix")
        options["choices"] = _items(raw.get("choices"), "choices", errors, minimum=2, maximum=maximum, what=what)
        if kind == Kind.MATRIX:
            options["rows"] = _items(raw.get("rows"), "rows", errors, minimum=1, maximum=MAX_ROWS, what=_("lignes"))
        if kind == Kind.MULTIPLE:
            limit = _int(raw.get("max_choices"), "max_choices", errors, minimum=0, maximum=MAX_CHOICES, default=0)
            if limit and options["choices"] and limit > len(options["choices"]):
                errors["max_choices"] = [_("Le nombre maximal de choix dépasse le nombre de choix offerts.")]
            options["max_choices"] = limit or 0
    elif kind == Kind.FILE:
        types = raw.get("types") or DEFAULT_FILE_TYPES
        if isinstance(types, str):
            types = [t for t in re.split(r"[\s,;]+", types) if t]
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            errors["types"] = [_("Les types de fichiers sont mal formés.")]
            types = []
        types = sorted({t.strip().lower().lstrip(".") for t in types})
        unknown = [t for t in types if t not in FILE_TYPES]
        if unknown:
            errors["types"] = [_("Types de fichiers non pris en charge : %(types)s (permis : %(allowed)s).")
                               % {"types": ", ".join(unknown)[:200], "allowed": ", ".join(sorted(FILE_TYPES))}]
        options["types"] = types
        options["max_bytes"] = _int(raw.get("max_bytes"), "max_bytes", errors, minimum=1024, maximum=MAX_FILE_BYTES,
                                    default=DEFAULT_FILE_BYTES)
    return options


def _condition_clean(raw, *, position: int, questions: dict[int, Question], errors: dict) -> dict:
    """``{"question": <earlier position>, "in": [choice keys]}`` or ``{}``."""
    if not raw:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"question", "in"}:
        errors["condition"] = [_("La condition d'affichage est mal formée.")]
        return {}
    source_position = _int(raw.get("question"), "condition", errors, minimum=1, maximum=32000, default=None)
    if source_position is None or "condition" in errors:
        errors.setdefault("condition", [_("Choisissez la question dont dépend l'affichage.")])
        return {}
    if source_position >= position:
        errors["condition"] = [_("Une question ne peut dépendre que d'une question placée avant elle (question "
                                 "%(n)s ici) : pas de référence vers l'avant ni de boucle.") % {"n": source_position}]
        return {}
    source = questions.get(source_position)
    if source is None:
        errors["condition"] = [_("La question %(n)s n'existe pas.") % {"n": source_position}]
        return {}
    if source.kind not in (Kind.SINGLE, Kind.MULTIPLE) or source.is_demographic:
        errors["condition"] = [_("Une condition porte sur une question à choix unique ou multiples, non "
                                 "sociodémographique (la question %(n)s ne l'est pas).") % {"n": source_position}]
        return {}
    values = raw.get("in")
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,;]+", values) if v]
    keys = [c["key"] for c in source.options.get("choices", [])]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        errors["condition"] = [_("Indiquez au moins un choix de la question %(n)s qui fait afficher celle-ci.")
                               % {"n": source_position}]
        return {}
    unknown = [v for v in values if v not in keys]
    if unknown:
        errors["condition"] = [_("Choix inconnus de la question %(n)s : %(keys)s (clés permises : %(allowed)s).")
                               % {"n": source_position, "keys": ", ".join(unknown)[:200],
                                  "allowed": ", ".join(keys)}]
        return {}
    return {"question": source_position, "in": list(dict.fromkeys(values))}


def _question_fields(*, survey: Survey, data: dict, position: int, existing: Question | None) -> dict:
    errors: dict = {}
    kind = data.get("kind", existing.kind if existing else "")
    if kind not in Kind.values:
        errors["kind"] = [_("Choisissez un type de question.")]
    merged = {k: getattr(existing, k) for k in ("text_fr", "text_en", "help_fr", "help_en")} if existing else {}
    merged.update(data)
    fields = {
        "kind": kind,
        "text_fr": _str(merged, "text_fr", 1000, errors, required=True, label=_("La question en français")),
        "text_en": _str(merged, "text_en", 1000, errors),
        "help_fr": _str(merged, "help_fr", 1000, errors),
        "help_en": _str(merged, "help_en", 1000, errors),
        "required": _bool(data.get("required", existing.required if existing else False)),
        "is_demographic": _bool(data.get("is_demographic", existing.is_demographic if existing else False)),
    }
    if "kind" not in errors:
        fields["options"] = _options_clean(kind, data.get("options", existing.options if existing else {}), errors)
    if fields["is_demographic"]:
        if not survey.process.demographics_enabled:
            errors["is_demographic"] = [_("Cette consultation ne pose pas de questions sociodémographiques : "
                                          "activez-les d'abord dans ses paramètres.")]
        elif kind not in DEMOGRAPHIC_KINDS:
            errors["is_demographic"] = [_("Une question sociodémographique est à choix unique ou multiples (elle "
                                          "n'est montrée qu'en regroupements).")]
    questions = {q.position: q for q in survey.questions.all() if existing is None or q.pk != existing.pk}
    condition = data.get("condition", existing.condition if existing else {})
    fields["condition"] = _condition_clean(condition, position=position, questions=questions, errors=errors)
    if fields["condition"] and fields["is_demographic"]:
        errors["condition"] = [_("Une question sociodémographique ne peut pas avoir de condition d'affichage.")]
    if existing is not None and "options" in fields:
        # Questions that depend on this one must still find their choices.
        keys = {c["key"] for c in fields["options"].get("choices", [])}
        for other in questions.values():
            cond = other.condition or {}
            if cond.get("question") == existing.position:
                if kind not in (Kind.SINGLE, Kind.MULTIPLE) or fields["is_demographic"] \
                        or not set(cond.get("in", [])) <= keys:
                    errors["choices"] = [_("La question %(n)s dépend des choix de celle-ci : changez d'abord sa "
                                           "condition d'affichage.") % {"n": other.position}]
    if errors:
        raise ValidationError(errors)
    return fields


def question_add(*, actor, survey: Survey, data: dict) -> Question:
    """Add a question at the end of ``survey`` (refused once the survey has responses)."""
    _manage_check(actor, survey.process)
    _frozen_check(survey)
    with transaction.atomic():
        count = survey.questions.count()
        if count >= MAX_QUESTIONS:
            raise ValidationError({"questions": [_("%(n)s questions au plus par questionnaire.")
                                                 % {"n": MAX_QUESTIONS}]})
        position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
        fields = _question_fields(survey=survey, data=data, position=position, existing=None)
        question = Question.objects.create(survey=survey, position=position, **fields)
        core_services.audit_append(actor=actor, action="consult.surveys.question_add", target=question,
                                   data={"survey": survey.slug, "position": position, "kind": question.kind})
    return question


def question_update(*, actor, question: Question, data: dict) -> Question:
    """Change a question. Once the survey has responses only the wording (``text_*``, ``help_*``) may change."""
    survey = question.survey
    _manage_check(actor, survey.process)
    wording = {"text_fr", "text_en", "help_fr", "help_en"}
    if survey.responses.exists():
        current = {"kind": question.kind, "required": question.required, "is_demographic": question.is_demographic,
                   "options": question.options, "condition": question.condition or {}}
        fields = _question_fields(survey=survey, data=data, position=question.position, existing=question)
        if any(fields[k] != v for k, v in current.items()):
            _frozen_check(survey)
        fields = {k: v for k, v in fields.items() if k in wording}
    else:
        fields = _question_fields(survey=survey, data=data, position=question.position, existing=question)
    changed = {k: v for k, v in fields.items() if getattr(question, k) != v}
    with transaction.atomic():
        for key, value in changed.items():
            setattr(question, key, value)
        if changed:
            question.save(update_fields=list(changed))
            core_services.audit_append(actor=actor, action="consult.surveys.question_update", target=question,
                                       data={"survey": survey.slug, "position": question.position,
                                             "fields": sorted(changed)})
    return question


def _renumber(survey: Survey, mapping: dict[int, int]) -> None:
    """Give questions new positions (``old → new``) under the unique constraint, and follow the conditions."""
    if not mapping:
        return
    questions = list(survey.questions.select_for_update().order_by("position"))
    offset = 30000
    for q in questions:
        if q.position in mapping:
            Question.objects.filter(pk=q.pk).update(position=offset + q.position)
    for q in questions:
        new_position = mapping.get(q.position, q.position)
        cond = dict(q.condition or {})
        if cond.get("question") in mapping:
            cond["question"] = mapping[cond["question"]]
        Question.objects.filter(pk=q.pk).update(position=new_position, condition=cond)


def question_remove(*, actor, question: Question) -> None:
    """Remove a question (refused once the survey has responses, or when another one depends on it)."""
    survey = question.survey
    _manage_check(actor, survey.process)
    _frozen_check(survey)
    dependants = [q.position for q in survey.questions.all() if (q.condition or {}).get("question") == question.position]
    if dependants:
        raise ValidationError({"condition": [_("La question %(n)s dépend de celle-ci : changez d'abord sa condition "
                                               "d'affichage.") % {"n": dependants[0]}]})
    with transaction.atomic():
        position = question.position
        core_services.audit_append(actor=actor, action="consult.surveys.question_remove", target=question,
                                   data={"survey": survey.slug, "position": position, "text_fr": question.text_fr})
        question.delete()
        later = survey.questions.filter(position__gt=position).values_list("position", flat=True)
        _renumber(survey, {p: p - 1 for p in later})


def question_move(*, actor, question: Question, direction: str) -> Question:
    """Move a question one place ``up`` or ``down`` (swapping with its neighbour); refused when a display
    condition would then point forward."""
    survey = question.survey
    _manage_check(actor, survey.process)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Direction inconnue : « up » ou « down ».")]})
    _frozen_check(survey)
    questions = survey_questions(survey)
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(questions):
        raise ValidationError({"direction": [_("Cette question est déjà à l'extrémité du questionnaire.")]})
    first, second = sorted([questions[index], questions[other_index]], key=lambda q: q.position)
    if (second.condition or {}).get("question") == first.position:
        raise ValidationError({"condition": [_("La question %(b)s dépend de la question %(a)s : elle doit rester "
                                               "après elle.") % {"a": first.position, "b": second.position}]})
    with transaction.atomic():
        _renumber(survey, {first.position: second.position, second.position: first.position})
        question.refresh_from_db()
        core_services.audit_append(actor=actor, action="consult.surveys.question_move", target=question,
                                   data={"survey": survey.slug, "direction": direction,
                                         "position": question.position})
    return question


# --- Answering -------------------------------------------------------------------------------------

def _choice_keys(question: Question, name: str = "choices") -> list[str]:
    return [c["key"] for c in (question.options or {}).get(name, [])]


def _text_clean(question: Question, raw) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("Ce texte n'est pas dans un encodage valide (UTF-8).")) from None
    if not isinstance(raw, str):
        raise ValidationError(_("Une réponse en texte est attendue."))
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_("Ce texte contient des caractères invalides (encodage).")) from None
    if "\ufffd" in raw:
        raise ValidationError(_("Ce texte contient des caractères mal encodés (�) : recopiez-le."))
    value = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if CONTROL_RE.search(value):
        raise ValidationError(_("Ce texte contient des caractères de contrôle interdits."))
    if question.kind == Kind.SHORT_TEXT and "\n" in value:
        value = " ".join(value.split())
    limit = (question.options or {}).get("max_length") or TEXT_LIMITS[question.kind][0]
    if len(value) > limit:
        raise ValidationError(_("%(max)s caractères au plus (votre réponse en a %(n)s).")
                              % {"max": limit, "n": len(value)})
    return value or None


def _key_list(raw) -> list:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list | tuple):
        raise ValidationError(_("Une liste de choix est attendue."))
    return list(raw)


def _answer_clean(question: Question, raw):
    """The value to store for ``raw`` (form or JSON), ``None`` when unanswered, else ``ValidationError``."""
    kind = question.kind
    if kind in TEXT_KINDS:
        return _text_clean(question, raw)
    if kind == Kind.SINGLE:
        if raw in (None, "", []):
            return None
        if not isinstance(raw, str):
            raise ValidationError(_("Un seul choix est attendu."))
        if raw not in _choice_keys(question):
            raise ValidationError(_("Ce choix n'existe pas pour cette question."))
        return raw
    if kind == Kind.MULTIPLE:
        values = _key_list(raw)
        if not values:
            return None
        keys = _choice_keys(question)
        if not all(isinstance(v, str) for v in values) or any(v not in keys for v in values):
            raise ValidationError(_("Un de ces choix n'existe pas pour cette question."))
        if len(set(values)) != len(values):
            raise ValidationError(_("Un même choix est donné deux fois."))
        limit = (question.options or {}).get("max_choices") or 0
        if limit and len(values) > limit:
            raise ValidationError(_("Cochez au plus %(n)s choix.") % {"n": limit})
        return [k for k in keys if k in values]
    if kind == Kind.RANKING:
        values = _key_list(raw)
        if not values:
            return None
        keys = _choice_keys(question)
        if not all(isinstance(v, str) for v in values) or sorted(values) != sorted(keys):
            raise ValidationError(_("Classez chacun des choix une seule fois, du premier au dernier."))
        return values
    if kind == Kind.MATRIX:
        if raw in (None, "", {}):
            return None
        if not isinstance(raw, dict):
            raise ValidationError(_("Une réponse par ligne est attendue."))
        rows, cols = _choice_keys(question, "rows"), _choice_keys(question)
        value = {}
        for row, col in raw.items():
            if row not in rows:
                raise ValidationError(_("Cette ligne n'existe pas pour cette question."))
            if col in (None, ""):
                continue
            if not isinstance(col, str) or col not in cols:
                raise ValidationError(_("Ce choix n'existe pas pour la ligne « %(row)s ».") % {"row": row[:40]})
            value[row] = col
        if not value:
            return None
        if question.required and len(value) != len(rows):
            raise ValidationError(_("Répondez à chaque ligne."))
        return {row: value[row] for row in rows if row in value}
    if kind in SCALE_MAX:
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
            raise ValidationError(_("Un nombre entier est attendu."))
        try:
            number = int(raw) if isinstance(raw, int | float) else int(str(raw).strip())
        except (TypeError, ValueError):
            raise ValidationError(_("Un nombre entier est attendu.")) from None
        if not 1 <= number <= SCALE_MAX[kind]:
            raise ValidationError(_("Choisissez une valeur de 1 à %(n)s.") % {"n": SCALE_MAX[kind]})
        return number
    raise ValidationError(_("Type de question inconnu."))


def _file_clean(question: Question, upload):
    if upload is None:
        return None
    if not hasattr(upload, "read") or not hasattr(upload, "size"):
        raise ValidationError(_("Les fichiers se déposent avec le formulaire du site (pas en JSON)."))
    options = question.options or {}
    types = options.get("types") or DEFAULT_FILE_TYPES
    limit = options.get("max_bytes") or DEFAULT_FILE_BYTES
    name = os.path.basename(getattr(upload, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in types:
        raise ValidationError(_("Type de fichier refusé : déposez un fichier %(types)s.")
                              % {"types": ", ".join(t.upper() for t in types)})
    if upload.size > limit:
        raise ValidationError(_("Fichier trop volumineux : %(max)s Mo au plus.")
                              % {"max": round(limit / 1024 / 1024, 1)})
    if upload.size == 0:
        raise ValidationError(_("Ce fichier est vide."))
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = FILE_TYPES.get(extension)
    if signatures is not None and not any(head.startswith(s) for s in signatures):
        raise ValidationError(_("Le contenu de ce fichier ne correspond pas à son extension (.%(ext)s).")
                              % {"ext": extension})
    if signatures is None:
        try:
            upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("Ce fichier texte n'est pas encodé en UTF-8.")) from None
        finally:
            upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}.{extension}"
    return upload


def survey_question_visible(question: Question, answers: dict[int, object], visible: set[int]) -> bool:
    """Whether ``question`` is shown, given the cleaned ``answers`` of earlier questions (by position) and
    the positions of the earlier questions that are shown."""
    cond = question.condition or {}
    if not cond:
        return True
    source = cond.get("question")
    if source not in visible:
        return False
    value = answers.get(source)
    chosen = value if isinstance(value, list) else [value] if value is not None else []
    return bool(set(chosen) & set(cond.get("in", [])))


def survey_respond(*, survey: Survey, user, answers: dict, files: dict | None = None,
                   demographics_consent: bool = False) -> Response:
    """Store ``user``'s response. ``answers`` maps question positions (int or str) to raw values, ``files``
    positions to uploaded files. Errors come back keyed ``q<position>`` (``SurveyAlreadyAnswered`` when the
    person already answered). Answers to hidden questions are dropped; demographic answers are kept only
    with ``demographics_consent``."""
    access.participation_check(user=user, process=survey.process, component=Phase.Component.SURVEYS)
    return _respond(survey=survey, user=user, answers=answers, files=files,
                    demographics_consent=demographics_consent)


def _respond(*, survey: Survey, user, answers, files=None, demographics_consent=False, is_demo=False,
             created_at=None) -> Response:
    """``survey_respond`` without the participation check (the demo loads responses to closed surveys)."""
    process = survey.process
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("Les réponses sont un objet dont les clés sont les numéros des "
                                             "questions.")]})
    respondent = survey_respondent_key(survey=survey, user=user)
    already = _("Vous avez déjà répondu à ce questionnaire : une seule réponse par personne est enregistrée.")
    if Response.objects.filter(survey=survey, respondent=respondent).exists():
        raise SurveyAlreadyAnswered({"__all__": [already]})
    questions = survey_questions(survey)
    if not questions:
        raise ValidationError({"__all__": [_("Ce questionnaire n'a pas encore de questions.")]})
    by_position = {q.position: q for q in questions}
    raw_answers: dict[int, object] = {}
    errors: dict = {}
    for key, value in answers.items():
        try:
            position = int(key)
        except (TypeError, ValueError):
            position = None
        if position not in by_position:
            errors[f"q{key}"[:40]] = [_("Il n'y a pas de question n° %(n)s dans ce questionnaire.") % {"n": str(key)[:20]}]
            continue
        raw_answers[position] = value
    files = files or {}
    consent = bool(demographics_consent) and process.demographics_enabled
    cleaned: dict[int, object] = {}
    visible: set[int] = set()
    for question in questions:
        if question.is_demographic and not consent:
            continue
        if not survey_question_visible(question, cleaned, visible):
            continue
        visible.add(question.position)
        field = f"q{question.position}"
        try:
            if question.kind == Kind.FILE:
                value = _file_clean(question, files.get(question.position) or files.get(str(question.position))
                                    or raw_answers.get(question.position))
            else:
                value = _answer_clean(question, raw_answers.get(question.position))
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        if value is None:
            if question.required:
                errors[field] = [_("Cette question est obligatoire.")]
            continue
        cleaned[question.position] = value
    if errors:
        raise ValidationError(errors)
    now = created_at or timezone.now()
    if survey.anonymous:
        # No time that could be matched with the participation record: the day only.
        now = now.replace(hour=12, minute=0, second=0, microsecond=0)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey, respondent=respondent, user=None if survey.anonymous else user,
                demographics_consent=consent, created_at=now, is_demo=is_demo)
            rows = []
            for position, value in cleaned.items():
                question = by_position[position]
                if question.kind == Kind.FILE:
                    rows.append(Answer(response=response, question=question, value=None, file=value))
                else:
                    rows.append(Answer(response=response, question=question, value=value))
            for row in rows:
                if row.file:
                    row.save()
            Answer.objects.bulk_create([row for row in rows if not row.file])
            access.participation_record(process=process, user=user)
    except IntegrityError:
        raise SurveyAlreadyAnswered({"__all__": [already]}) from None
    return response


def survey_answer_file(*, survey: Survey, user, answer_id: int) -> Answer:
    """A file answered to ``survey`` (its managers only)."""
    if not access.can_manage(user, survey.process):
        raise PermissionDenied(_("Seuls les organisateurs voient les fichiers déposés."))
    answer = Answer.objects.filter(pk=answer_id, response__survey=survey).exclude(file="").first()
    if answer is None:
        raise core_services.NotFound(_("Fichier introuvable."))
    return answer


# --- Results ---------------------------------------------------------------------------------------

def _pct(n: int, total: int) -> float:
    return round(100 * n / total, 1) if total else 0.0


def _label(item: dict) -> str:
    return pick(item.get("label_fr", ""), item.get("label_en", ""))


def _rows_for_choices(question: Question, counts: Counter, base: int) -> list[dict]:
    return [{"key": c["key"], "label": _label(c), "count": counts.get(c["key"], 0),
             "percent": _pct(counts.get(c["key"], 0), base)} for c in question.options.get("choices", [])]


def _suppress_small(rows: list[dict], base: int, minimum: int) -> tuple[list[dict], bool]:
    """Merge the categories under ``minimum`` people into « Autre / non divulgué » (and, while that group
    is itself too small, the next smallest ones)."""
    small = sorted([r for r in rows if r["count"] < minimum], key=lambda r: r["count"])
    if not any(r["count"] for r in small):
        return [r for r in rows if r["count"] >= minimum or r["count"] == 0], False
    merged = {r["key"] for r in small}
    total = sum(r["count"] for r in small)
    rest = sorted([r for r in rows if r["key"] not in merged], key=lambda r: r["count"])
    while 0 < total < minimum and rest:
        extra = rest.pop(0)
        merged.add(extra["key"])
        total += extra["count"]
    kept = [r for r in rows if r["key"] not in merged]
    if 0 < total < minimum:
        return [], True
    if total:
        kept.append({"key": OTHER_KEY, "label": _("Autre / non divulgué"), "count": total,
                     "percent": _pct(total, base)})
    return kept, True


def _chart(title: str, rows: list[dict], *, x: str = "count", y: str = "label", x_title: str = "") -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": title,
        "width": "container", "height": {"step": 28},
        "data": {"values": [{"label": r[y], "value": r[x]} for r in rows]},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 260}},
            "x": {"field": "value", "type": "quantitative", "title": x_title or _("Réponses")},
        },
    }


def survey_results(*, survey: Survey, user) -> dict:
    """The survey's results as ``user`` may see them (``PermissionDenied`` when they may not): one entry per
    question, in order, with figures, a table and a Vega-Lite chart. Reads every answer in one query."""
    if not survey_can_see_results(survey=survey, user=user):
        raise PermissionDenied(_("Les résultats de ce questionnaire ne sont visibles que de ses organisateurs."))
    manager = access.can_manage(user, survey.process)
    minimum = survey_min_group_size()
    questions = survey_questions(survey)
    responses = survey.responses.count()
    values: dict[int, list] = defaultdict(list)
    files: dict[int, list] = defaultdict(list)
    for question_id, value, file, answer_id in Answer.objects.filter(response__survey=survey).order_by(
            "response_id").values_list("question_id", "value", "file", "pk"):
        values[question_id].append(value)
        if file:
            files[question_id].append(answer_id)
    show_texts = manager or (survey.results_public and not (survey.anonymous and responses < minimum))
    results = []
    for question in questions:
        answered = len(values[question.pk]) if question.kind != Kind.FILE else len(files[question.pk])
        item = {"question": question, "position": question.position, "kind": question.kind,
                "text": question.text, "answered": answered, "percent_answered": _pct(answered, responses),
                "is_demographic": question.is_demographic, "rows": [], "chart": None, "suppressed": False,
                "chart_id": f"survey-chart-{question.position}"}
        vals = values[question.pk]
        if question.kind in TEXT_KINDS:
            item["texts"] = [v for v in vals if isinstance(v, str)] if show_texts else None
        elif question.kind == Kind.FILE:
            item["files"] = files[question.pk] if manager else None
        elif question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            counts = Counter()
            for v in vals:
                counts.update(v if isinstance(v, list) else [v])
            rows = _rows_for_choices(question, counts, answered)
            if question.is_demographic:
                if answered < minimum:
                    rows, item["suppressed"] = [], True
                else:
                    rows, item["merged"] = _suppress_small(rows, answered, minimum)
            item["rows"] = rows
            if rows:
                item["chart"] = _chart(question.text_fr, rows)
        elif question.kind == Kind.RANKING:
            choices = question.options.get("choices", [])
            n = len(choices)
            positions: dict[str, list[int]] = defaultdict(list)
            for v in vals:
                if isinstance(v, list):
                    for index, key in enumerate(v, start=1):
                        positions[key].append(index)
            rows = []
            for c in choices:
                ranks = positions.get(c["key"], [])
                rows.append({"key": c["key"], "label": _label(c), "count": len(ranks),
                             "mean_position": round(sum(ranks) / len(ranks), 2) if ranks else None,
                             "first": sum(1 for r in ranks if r == 1),
                             "borda": sum(n - r for r in ranks)})
            rows.sort(key=lambda r: (-r["borda"], r["mean_position"] or n + 1, r["label"]))
            for rank, row in enumerate(rows, start=1):
                row["rank"] = rank
            item["rows"] = rows
            item["borda_max"] = (n - 1) * answered
            if answered:
                item["chart"] = _chart(question.text_fr, rows, x="borda", x_title=_("Score de Borda"))
        elif question.kind == Kind.MATRIX:
            columns = question.options.get("choices", [])
            cells: dict[str, Counter] = defaultdict(Counter)
            for v in vals:
                if isinstance(v, dict):
                    for row_key, col_key in v.items():
                        cells[row_key][col_key] += 1
            matrix = []
            chart_values = []
            for r in question.options.get("rows", []):
                row_total = sum(cells[r["key"]].values())
                row_cells = [{"key": c["key"], "label": _label(c), "count": cells[r["key"]].get(c["key"], 0),
                              "percent": _pct(cells[r["key"]].get(c["key"], 0), row_total)} for c in columns]
                matrix.append({"key": r["key"], "label": _label(r), "total": row_total, "cells": row_cells})
                chart_values += [{"row": _label(r), "column": c["label"], "count": c["count"]} for c in row_cells]
            item["columns"] = [{"key": c["key"], "label": _label(c)} for c in columns]
            item["matrix"] = matrix
            if answered:
                item["chart"] = {
                    "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": question.text_fr,
                    "width": "container", "height": {"step": 28}, "data": {"values": chart_values},
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "y": {"field": "row", "type": "nominal", "sort": None, "title": None},
                        "x": {"field": "count", "type": "quantitative", "stack": "normalize",
                              "title": _("Part des réponses")},
                        "color": {"field": "column", "type": "nominal", "sort": None, "title": None,
                                  "scale": {"domain": [_label(c) for c in columns]}},
                    },
                }
        elif question.kind in SCALE_MAX:
            top = SCALE_MAX[question.kind]
            numbers = [v for v in vals if isinstance(v, int) and not isinstance(v, bool)]
            counts = Counter(numbers)
            rows = [{"key": str(i), "label": str(i), "count": counts.get(i, 0), "percent": _pct(counts.get(i, 0),
                                                                                                 len(numbers))}
                    for i in range(1, top + 1)]
            item["rows"] = rows
            item["mean"] = round(statistics.fmean(numbers), 2) if numbers else None
            item["median"] = statistics.median(numbers) if numbers else None
            if numbers:
                item["chart"] = _chart(question.text_fr, rows)
                item["chart"]["encoding"]["y"]["title"] = _("Valeur")
        results.append(item)
    return {"survey": survey, "responses": responses, "questions": results, "manager": manager,
            "show_texts": show_texts, "min_group_size": minimum}
