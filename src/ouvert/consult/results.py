"""The results part of the consult module (see ``services``): what a process produced and how people
felt taking part.

- ``process_dashboard``: unique participants, contributions by type and over time, surveys, most
  supported proposals, most commented items, satisfaction, socio-demographic aggregates (consented
  answers only, groups below ``OUVERT_CONSULT_MIN_GROUP_SIZE`` suppressed); aggregate queries only;
- the report « Ce que nous avons entendu » (``results_report``): ``report_generate``, ``report_update``,
  ``report_publish``, ``report_unpublish``, ``report_get``, ``report_html``, ``report_pdf``;
- exports and open data (``results_export``): ``export_table`` (CSV, JSON, XLSX; full for managers,
  anonymised for everyone), the open-data publisher ``consult-results``;
- continuous improvement: ``satisfaction_prompt`` / ``satisfaction_submit`` (one answer per person and
  process, a database constraint), ``satisfaction_dashboard``; the platform-wide suggestion box
  (``suggestion_create``, ``suggestion_answer``, ``suggestion_list_public``, ``suggestion_inbox``).

Hidden (moderated) content is left out of every public figure, list and export.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import services as core_services

from . import access
from .models import (
    Answer,
    Comment,
    Debate,
    Meeting,
    MeetingRegistration,
    Paragraph,
    Participation,
    Phase,
    Process,
    Proposal,
    Question,
    Response,
    SatisfactionResponse,
    Statement,
    StatementVote,
    Suggestion,
    Support,
    Survey,
    TargetKind,
)

__all__ = [
    "CONTRIBUTION_TYPES",
    "RESULTS_OPEN_DATA_KEY",
    "contribution_querysets",
    "min_group_size",
    "process_dashboard",
    "results_processes_in_report_phase",
    "satisfaction_dashboard",
    "satisfaction_prompt",
    "satisfaction_submit",
    "satisfaction_summary",
    "suggestion_answer",
    "suggestion_get",
    "suggestion_process_choices",
    "suggestion_can_answer",
    "suggestion_create",
    "suggestion_inbox",
    "suggestion_list_public",
    "visible_comments",
]

#: The open-data publisher of the anonymised results of processes in their report phase.
RESULTS_OPEN_DATA_KEY = "consult-results"

#: The contribution types of the dashboard: (key, French label).
CONTRIBUTION_TYPES = [
    ("proposals", gettext_lazy("Propositions")),
    ("supports", gettext_lazy("Appuis")),
    ("comments", gettext_lazy("Commentaires")),
    ("arguments", gettext_lazy("Arguments de débat")),
    ("paragraph_comments", gettext_lazy("Commentaires de paragraphes")),
    ("responses", gettext_lazy("Réponses aux questionnaires")),
    ("statements", gettext_lazy("Énoncés proposés")),
    ("statement_votes", gettext_lazy("Votes sur les énoncés")),
    ("registrations", gettext_lazy("Inscriptions aux rencontres")),
]

#: Above this many days between the first and the last contribution, the timeline counts per week.
TIMELINE_DAYS_MAX = 92


def min_group_size() -> int:
    """The smallest group shown in socio-demographic figures (``OUVERT_CONSULT_MIN_GROUP_SIZE``, 5)."""
    try:
        return max(1, int(getattr(settings, "OUVERT_CONSULT_MIN_GROUP_SIZE", 5)))
    except (TypeError, ValueError):
        return 5


def safe_reverse(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


# --- Contributions ---------------------------------------------------------------------------------

def contribution_querysets(process: Process, *, include_hidden: bool = False) -> dict:
    """One queryset per contribution type (``CONTRIBUTION_TYPES``), each row having ``created_at``.
    Hidden content (and comments on hidden items, deleted comments) is left out unless
    ``include_hidden``."""
    proposals = Proposal.objects.filter(process=process)
    supports = Support.objects.filter(process=process)
    comments = visible_comments(process, include_hidden=include_hidden)
    statements = Statement.objects.filter(conversation__process=process, is_seed=False,
                                          status=Statement.Status.ACCEPTED)
    votes = StatementVote.objects.filter(conversation__process=process)
    if not include_hidden:
        proposals = proposals.filter(is_hidden=False)
        supports = supports.filter(proposal__is_hidden=False)
        statements = statements.filter(is_hidden=False)
        votes = votes.filter(statement__is_hidden=False)
    return {
        "proposals": proposals,
        "supports": supports,
        "comments": comments.exclude(target_kind__in=[TargetKind.DEBATE, TargetKind.PARAGRAPH]),
        "arguments": comments.filter(target_kind=TargetKind.DEBATE),
        "paragraph_comments": comments.filter(target_kind=TargetKind.PARAGRAPH),
        "responses": Response.objects.filter(survey__process=process),
        "statements": statements,
        "statement_votes": votes,
        "registrations": MeetingRegistration.objects.filter(meeting__process=process),
    }


def visible_comments(process: Process, *, include_hidden: bool = False):
    """The process's comments of every kind, without deleted ones and, unless ``include_hidden``, without
    hidden ones nor those on a hidden proposal, debate or statement."""
    comments = Comment.objects.filter(process=process, deleted_at__isnull=True)
    if include_hidden:
        return comments
    hidden_proposals = Proposal.objects.filter(process=process, is_hidden=True).values("pk")
    hidden_debates = Debate.objects.filter(process=process, is_hidden=True).values("pk")
    hidden_statements = Statement.objects.filter(conversation__process=process, is_hidden=True).values("pk")
    return comments.filter(is_hidden=False).exclude(
        Q(target_kind=TargetKind.PROPOSAL, target_id__in=hidden_proposals)
        | Q(target_kind=TargetKind.DEBATE, target_id__in=hidden_debates)
        | Q(target_kind=TargetKind.STATEMENT, target_id__in=hidden_statements))


def _counts(querysets: dict) -> dict:
    return {key: qs.count() for key, qs in querysets.items()}


def _timeline(process: Process, querysets: dict) -> dict:
    """Contributions per day (or per week over a long process), with a Vega-Lite spec and table rows."""
    per_type: dict[str, Counter] = {}
    for key, qs in querysets.items():
        per_type[key] = Counter({
            _as_date(row["period"]): row["n"]
            for row in qs.order_by().annotate(period=TruncDate("created_at")).values("period").annotate(n=Count("pk"))
        })
    new_people = Counter({
        _as_date(row["period"]): row["n"]
        for row in Participation.objects.filter(process=process).order_by()
        .annotate(period=TruncDate("first_action_at")).values("period").annotate(n=Count("pk"))
    })
    days = {p for values in per_type.values() for p in values}
    if not days:
        return {"unit": "day", "rows": [], "spec": None, "types": [str(label) for _k, label in CONTRIBUTION_TYPES]}
    unit = "week" if (max(days) - min(days)).days > TIMELINE_DAYS_MAX else "day"
    if unit == "week":
        def monday(day):
            return day - datetime.timedelta(days=day.weekday())

        for key, values in list(per_type.items()):
            weekly: Counter = Counter()
            for day, n in values.items():
                weekly[monday(day)] += n
            per_type[key] = weekly
        weekly_people: Counter = Counter()
        for day, n in new_people.items():
            weekly_people[monday(day)] += n
        new_people = weekly_people
    periods = sorted({p for values in per_type.values() for p in values} | set(new_people))
    rows, values = [], []
    for period in periods:
        counts = [per_type[key].get(period, 0) for key, _label in CONTRIBUTION_TYPES]
        rows.append({"period": period, "counts": counts, "total": sum(counts),
                     "new_participants": new_people.get(period, 0)})
        for (_key, label), n in zip(CONTRIBUTION_TYPES, counts, strict=True):
            if n:
                values.append({"period": period.isoformat(), "type": str(label), "count": n})
    title = _("Contributions par semaine") if unit == "week" else _("Contributions par jour")
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container", "height": 260,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "title": _("Semaine") if unit == "week" else _("Jour"),
                  "timeUnit": "yearmonthdate"},
            "y": {"field": "count", "type": "quantitative", "aggregate": "sum", "title": _("Contributions")},
            "color": {"field": "type", "type": "nominal", "title": _("Type de contribution")},
        },
    }
    return {"unit": unit, "rows": rows, "spec": spec, "title": title,
            "types": [str(label) for _k, label in CONTRIBUTION_TYPES]}


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _top_proposals(process: Process, limit: int = 10) -> list[dict]:
    rows = (Proposal.objects.filter(process=process, is_hidden=False).exclude(status=Proposal.Status.WITHDRAWN)
            .select_related("category").order_by("-supports_count", "-pk")[:limit])
    return [{"number": p.number, "title": p.title, "supports": p.supports_count, "comments": p.comments_count,
             "status": p.status, "status_label": p.get_status_display(),
             "category": p.category.name if p.category_id else "",
             "url": safe_reverse("consult:proposal", slug=process.slug, number=p.number)} for p in rows]


def _most_commented(process: Process, comments_qs, limit: int = 10) -> list[dict]:
    """The items with the most visible comments (one grouped query, then one query per kind of item)."""
    top = list(comments_qs.order_by().values("target_kind", "target_id").annotate(n=Count("pk"))
               .order_by("-n", "target_kind", "target_id")[:limit])
    by_kind: dict[str, set] = {}
    for row in top:
        by_kind.setdefault(row["target_kind"], set()).add(row["target_id"])
    titles: dict[tuple, tuple[str, str]] = {}
    if TargetKind.PROPOSAL in by_kind:
        for p in Proposal.objects.filter(process=process, pk__in=by_kind[TargetKind.PROPOSAL]):
            titles[(TargetKind.PROPOSAL, p.pk)] = (
                f"n° {p.number} — {p.title}", safe_reverse("consult:proposal", slug=process.slug, number=p.number))
    if TargetKind.DEBATE in by_kind:
        for d in Debate.objects.filter(process=process, pk__in=by_kind[TargetKind.DEBATE]):
            titles[(TargetKind.DEBATE, d.pk)] = (str(d.title), safe_reverse("consult:debate", slug=process.slug,
                                                                             pk=d.pk))
    if TargetKind.PARAGRAPH in by_kind:
        for para in Paragraph.objects.filter(draft__process=process, pk__in=by_kind[TargetKind.PARAGRAPH]) \
                .select_related("draft"):
            text = str(para.text)
            titles[(TargetKind.PARAGRAPH, para.pk)] = (
                f"{para.draft.title} § {para.position} — {text[:80]}{'…' if len(text) > 80 else ''}",
                safe_reverse("consult:draft", slug=process.slug, draft=para.draft.slug))
    if TargetKind.MEETING in by_kind:
        for m in Meeting.objects.filter(process=process, pk__in=by_kind[TargetKind.MEETING]):
            titles[(TargetKind.MEETING, m.pk)] = (str(m.title), safe_reverse("consult:meeting", slug=process.slug,
                                                                              pk=m.pk))
    if TargetKind.STATEMENT in by_kind:
        for s in Statement.objects.filter(conversation__process=process, pk__in=by_kind[TargetKind.STATEMENT]):
            titles[(TargetKind.STATEMENT, s.pk)] = (s.text, "")
    labels = dict(TargetKind.choices)
    result = []
    for row in top:
        title, url = titles.get((row["target_kind"], row["target_id"]), ("", ""))
        if not title:
            continue  # an item that no longer exists
        result.append({"kind": row["target_kind"], "kind_label": labels.get(row["target_kind"], ""),
                       "title": title, "url": url, "count": row["n"]})
    return result


def _surveys(process: Process, *, user, manager: bool) -> list[dict]:
    """Each survey with its number of responses, and the charts of its choice and scale questions from
    the surveys part's ``survey_results`` (when ``user`` may see them)."""
    from .results_report import survey_results_for

    rows = Survey.objects.filter(process=process).annotate(n=Count("responses")).order_by("position", "pk")
    result = []
    for s in rows:
        charts = []
        if s.n and (s.results_public or manager):
            data = survey_results_for(s, user) or {}
            for item in data.get("questions", []):
                if not item.get("chart") or item.get("is_demographic"):
                    continue
                table = [{"label": r.get("label", ""), "count": r.get("count")} for r in item.get("rows") or []
                         if isinstance(r, dict) and "count" in r]
                if table:
                    charts.append({"id": f"results-survey-{s.pk}-{len(charts) + 1}",
                                   "text": str(item.get("text", "")), "spec": item["chart"], "rows": table,
                                   "mean": item.get("mean")})
        result.append({
            "title": str(s.title), "slug": s.slug, "responses": s.n, "results_public": s.results_public,
            "url": safe_reverse("consult:survey_results", slug=process.slug, survey=s.slug),
            "charts": charts,
        })
    return result


# --- Socio-demographic aggregates ------------------------------------------------------------------

def _choice_labels(question: Question) -> dict:
    english = _english()
    labels = {}
    for choice in (question.options or {}).get("choices", []) or []:
        if isinstance(choice, dict) and "key" in choice:
            label = (choice.get("label_en") if english else "") or choice.get("label_fr") or str(choice["key"])
            labels[str(choice["key"])] = label
    return labels


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "fr").startswith("en")


def demographics(process: Process) -> dict:
    """Consented answers to the socio-demographic questions of the process's surveys, counted per
    answer; a count below the minimum group size is suppressed (with a second one when only one would
    be, so that it cannot be worked out from the total). Free-text answers are never shown."""
    size = min_group_size()
    questions = list(Question.objects.filter(survey__process=process, is_demographic=True)
                     .exclude(kind__in=[Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT, Question.Kind.FILE,
                                        Question.Kind.MATRIX])
                     .select_related("survey").order_by("survey__position", "survey_id", "position"))
    if not questions:
        return {"questions": [], "min_group_size": size, "enabled": process.demographics_enabled}
    counts: dict[int, Counter] = {q.pk: Counter() for q in questions}
    respondents: Counter = Counter()
    answers = Answer.objects.filter(question__in=questions, response__demographics_consent=True) \
        .values_list("question_id", "value")
    for question_id, value in answers:
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values if v not in (None, "")]
        if not values:
            continue
        respondents[question_id] += 1
        for v in values:
            counts[question_id][v] += 1
    result = []
    for q in questions:
        total = respondents[q.pk]
        entry = {"text": str(q.text), "survey": str(q.survey.title), "respondents": total, "rows": [],
                 "suppressed": total < size}
        if total >= size:
            labels = _choice_labels(q)
            keys = list(labels) + sorted(k for k in counts[q.pk] if k not in labels)
            if q.kind in (Question.Kind.SCALE_5, Question.Kind.SCALE_10):
                top = 5 if q.kind == Question.Kind.SCALE_5 else 10
                keys = [str(n) for n in range(1, top + 1)]
            rows = [{"key": k, "label": labels.get(k, k), "count": counts[q.pk].get(k, 0), "suppressed": False}
                    for k in keys]
            small = [r for r in rows if 0 < r["count"] < size]
            for r in small:
                r["suppressed"] = True
            if len(small) == 1:
                others = sorted((r for r in rows if not r["suppressed"] and r["count"] > 0), key=lambda r: r["count"])
                if others:
                    others[0]["suppressed"] = True
            for r in rows:
                if r["suppressed"]:
                    r["count"] = None
            entry["rows"] = rows
        result.append(entry)
    return {"questions": result, "min_group_size": size, "enabled": process.demographics_enabled}


# --- The dashboard ---------------------------------------------------------------------------------

def satisfaction_summary(process: Process) -> dict:
    """Mean score, number of answers and distribution (1 to 5) of a process's satisfaction survey."""
    qs = SatisfactionResponse.objects.filter(process=process)
    agg = qs.aggregate(mean=Avg("score"), n=Count("pk"))
    by_score = dict(qs.order_by().values_list("score").annotate(n=Count("pk")).values_list("score", "n"))
    return {"count": agg["n"] or 0, "mean": round(agg["mean"], 2) if agg["mean"] is not None else None,
            "distribution": [{"score": s, "count": by_score.get(s, 0)} for s in range(1, 6)]}


def process_dashboard(*, process: Process, user) -> dict:
    """Everything the results page shows (see the module's docstring). ``user`` must be able to see the
    process; managers also get the hidden content's counts, satisfaction comments and full exports."""
    if not access.can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
    manager = access.can_manage(user, process)
    querysets = contribution_querysets(process)
    counts = _counts(querysets)
    contributions = [{"key": key, "label": str(label), "count": counts[key]} for key, label in CONTRIBUTION_TYPES]
    dashboard = {
        "process": process,
        "can_manage": manager,
        "participants": Participation.objects.filter(process=process).count(),
        "contributions": contributions,
        "contributions_total": sum(counts.values()),
        "timeline": _timeline(process, querysets),
        "surveys": _surveys(process, user=user, manager=manager),
        "top_proposals": _top_proposals(process),
        "most_commented": _most_commented(process, visible_comments(process)),
        "satisfaction": satisfaction_summary(process),
        "demographics": demographics(process),
    }
    if manager:
        all_counts = _counts(contribution_querysets(process, include_hidden=True))
        dashboard["hidden"] = [{"key": key, "label": str(label), "count": all_counts[key] - counts[key]}
                               for key, label in CONTRIBUTION_TYPES if all_counts[key] - counts[key]]
        dashboard["satisfaction_comments"] = list(
            SatisfactionResponse.objects.filter(process=process).exclude(comment="")
            .order_by("-created_at", "-pk").values("score", "comment", "created_at")[:20])
    return dashboard


# --- Report phase ----------------------------------------------------------------------------------

def results_processes_in_report_phase(*, on: datetime.date | None = None):
    """Published public processes whose report phase has begun (or whose report is published): the
    ones whose anonymised results are open data."""
    on = on or timezone.localdate()
    started = Phase.objects.filter(kind=Phase.Kind.REPORT, starts_on__lte=on).values("process_id")
    return (Process.objects.filter(published_at__isnull=False, visibility=Process.Visibility.PUBLIC)
            .filter(Q(pk__in=started) | Q(report__published_at__isnull=False))
            .select_related("organisation").order_by("pk"))


def results_open_data_check() -> bool:
    """Periodic job: refresh the open dataset when a process is in its report phase (publishing an
    unchanged dataset records nothing)."""
    if results_processes_in_report_phase().exists():
        return core_services.open_data_changed(RESULTS_OPEN_DATA_KEY)
    return False


# --- Satisfaction ----------------------------------------------------------------------------------

def satisfaction_prompt(*, process: Process, user) -> dict | None:
    """The short satisfaction survey to offer ``user`` in ``process``: ``None`` unless they took part
    (at least one contribution) and have not answered yet."""
    if user is None or not user.is_authenticated:
        return None
    if not Participation.objects.filter(process=process, user=user).exists():
        return None
    if SatisfactionResponse.objects.filter(process=process, user=user).exists():
        return None
    return {"process": process, "scores": list(range(1, 6)),
            "action": safe_reverse("consult:satisfaction_submit", slug=process.slug)}


def satisfaction_submit(*, process: Process, user, score, comment: str = "") -> SatisfactionResponse:
    """Record ``user``'s satisfaction (1 to 5, optional comment) about ``process``; once per person and
    process (a database constraint: a second answer is refused)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour répondre au sondage de satisfaction."))
    if not access.can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
    errors: dict[str, list] = {}
    try:
        score = int(str(score).strip())
    except (TypeError, ValueError):
        score = None
    if score is None or not 1 <= score <= 5:
        errors["score"] = [_("Choisissez une note de 1 (pas du tout satisfait) à 5 (très satisfait).")]
    comment = (comment or "").strip()
    if len(comment) > 3000:
        errors["comment"] = [_("Le commentaire dépasse 3000 caractères.")]
    if not Participation.objects.filter(process=process, user=user).exists():
        errors["__all__"] = [_("Le sondage de satisfaction s'adresse aux personnes qui ont pris part à la "
                               "consultation.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return SatisfactionResponse.objects.create(process=process, user=user, score=score, comment=comment)
    except IntegrityError:
        raise ValidationError({"__all__": [_("Vous avez déjà répondu au sondage de satisfaction de cette "
                                             "consultation. Merci !")]}) from None


def _managed_organisation_ids(user) -> list[int] | None:
    """The bodies whose processes ``user`` manages (``None``: all, for a superuser)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    from ouvert.core.models import Membership

    return list(Membership.objects.filter(user=user, role__in=access.MANAGER_ROLES)
                .values_list("organisation_id", flat=True))


def satisfaction_dashboard(*, user) -> dict:
    """Satisfaction per process (mean, distribution, count) and per month: public processes for
    everyone; managers also see their bodies' other processes and the comments."""
    orgs = _managed_organisation_ids(user)
    public = Q(process__published_at__isnull=False, process__visibility=Process.Visibility.PUBLIC)
    if orgs is None:
        scope = Q()
    elif orgs:
        scope = public | Q(process__organisation_id__in=orgs)
    else:
        scope = public
    qs = SatisfactionResponse.objects.filter(scope)
    per_process = list(qs.order_by().values("process_id", "process__slug", "process__title_fr",
                                            "process__title_en", "process__organisation_id")
                       .annotate(mean=Avg("score"), n=Count("pk")).order_by("-n", "process__slug"))
    dist: dict[int, dict] = {}
    for process_id, score, n in qs.order_by().values_list("process_id", "score").annotate(n=Count("pk")) \
            .values_list("process_id", "score", "n"):
        dist.setdefault(process_id, {})[score] = n
    english = _english()
    processes = []
    for row in per_process:
        managed = orgs is None or row["process__organisation_id"] in (orgs or [])
        processes.append({
            "slug": row["process__slug"],
            "title": (row["process__title_en"] if english else "") or row["process__title_fr"],
            "mean": round(row["mean"], 2), "count": row["n"], "managed": managed,
            "distribution": [{"score": s, "count": dist.get(row["process_id"], {}).get(s, 0)} for s in range(1, 6)],
            "url": safe_reverse("consult:results", slug=row["process__slug"]),
        })
    months = [{"month": _as_date(r["month"]), "mean": round(r["mean"], 2), "count": r["n"]}
              for r in qs.order_by().annotate(month=TruncMonth("created_at")).values("month")
              .annotate(mean=Avg("score"), n=Count("pk")).order_by("month")]
    overall = qs.aggregate(mean=Avg("score"), n=Count("pk"))
    comments = []
    if orgs is None or orgs:
        managed_scope = Q() if orgs is None else Q(process__organisation_id__in=orgs)
        comments = list(SatisfactionResponse.objects.filter(managed_scope).exclude(comment="")
                        .select_related("process").order_by("-created_at", "-pk")[:50])
    spec = None
    if months:
        spec = {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("Satisfaction moyenne par mois"),
            "width": "container", "height": 220,
            "data": {"values": [{"month": m["month"].isoformat(), "mean": m["mean"], "count": m["count"]}
                                for m in months]},
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": _("Mois")},
                "y": {"field": "mean", "type": "quantitative", "title": _("Note moyenne (1 à 5)"),
                      "scale": {"domain": [1, 5]}},
            },
        }
    return {"processes": processes, "months": months, "spec": spec,
            "overall": {"count": overall["n"] or 0,
                        "mean": round(overall["mean"], 2) if overall["mean"] is not None else None},
            "comments": comments, "is_manager": orgs is None or bool(orgs)}


# --- Suggestion box --------------------------------------------------------------------------------

LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
#: A suggestion with more links than this is refused as spam.
SUGGESTION_MAX_LINKS = 2


def suggestion_create(*, user=None, email: str = "", body: str, process: Process | None = None,
                      is_public: bool = True, honeypot: str = "", client_key: str = "") -> Suggestion:
    """A suggestion for the platform (optionally about a process) from a signed-in person or from an
    e-mail address. Spam-safe: a hidden field that people leave empty, a cap on links, a rate limit
    (per person, else per e-mail and per ``client_key``, e.g. the IP address)."""
    from django.core.validators import validate_email

    signed_in = user is not None and user.is_authenticated
    errors: dict[str, list] = {}
    body = (body or "").strip()
    email = (email or "").strip().lower()
    if honeypot:
        errors["__all__"] = [_("Votre suggestion n'a pas été acceptée (elle ressemble à un pourriel).")]
    if not body:
        errors["body"] = [_("Écrivez votre suggestion.")]
    elif len(body) > 5000:
        errors["body"] = [_("La suggestion dépasse 5000 caractères.")]
    elif len(body) < 10:
        errors["body"] = [_("Votre suggestion est trop courte : précisez-la en quelques mots (10 caractères au "
                            "moins).")]
    elif len(LINK_RE.findall(body)) > SUGGESTION_MAX_LINKS:
        errors["body"] = [_("Une suggestion peut contenir au plus %(n)s liens.") % {"n": SUGGESTION_MAX_LINKS}]
    if not signed_in:
        if not email:
            errors["email"] = [_("Connectez-vous ou indiquez un courriel pour recevoir la réponse.")]
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = [_("Ce courriel n'est pas valide.")]
    if process is not None and not access.can_view(user, process):
        errors["process"] = [_("Consultation introuvable.")]
    if errors:
        raise ValidationError(errors)
    limit = getattr(settings, "OUVERT_CONSULT_SUGGESTIONS_PER_HOUR", 5)
    if signed_in:
        core_services.rate_limit_hit(key=f"consult:suggestion:{user.pk}", limit=limit, per_seconds=3600)
    else:
        core_services.rate_limit_hit(key=f"consult:suggestion:{email}", limit=limit, per_seconds=3600)
        if client_key:
            core_services.rate_limit_hit(key=f"consult:suggestion-client:{client_key}", limit=limit,
                                         per_seconds=3600)
    with transaction.atomic():
        return Suggestion.objects.create(author=user if signed_in else None,
                                         email="" if signed_in else email, process=process, body=body,
                                         is_public=bool(is_public))


def suggestion_can_answer(user, suggestion: Suggestion) -> bool:
    """Superusers answer every suggestion; managers of a process's body answer those about it."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return suggestion.process_id is not None and access.can_manage(user, suggestion.process)


def suggestion_inbox(*, user, status: str | None = None):
    """The suggestions ``user`` may answer (all for a superuser, their bodies' processes' for managers)."""
    orgs = _managed_organisation_ids(user)
    qs = Suggestion.objects.select_related("process", "author", "answered_by").order_by("-created_at", "-pk")
    if orgs is not None:
        if not orgs:
            return qs.none()
        qs = qs.filter(process__organisation_id__in=orgs)
    if status:
        qs = qs.filter(status=status)
    return qs


def suggestion_get(*, pk) -> Suggestion:
    """The suggestion ``pk`` (who may answer it is checked by ``suggestion_answer``), or ``NotFound``."""
    suggestion = Suggestion.objects.select_related("process", "author").filter(pk=pk).first()
    if suggestion is None:
        raise core_services.NotFound(_("Suggestion introuvable."))
    return suggestion


def suggestion_process_choices():
    """The consultations a suggestion may be about: the published public ones, by title."""
    return Process.objects.filter(published_at__isnull=False, visibility=Process.Visibility.PUBLIC) \
        .order_by("title_fr").only("slug", "title_fr", "title_en")


def suggestion_list_public():
    """Answered suggestions that their authors allowed to show (no name, no e-mail)."""
    return (Suggestion.objects.filter(is_public=True, status=Suggestion.Status.ANSWERED)
            .filter(Q(process__isnull=True) | Q(process__published_at__isnull=False,
                                                 process__visibility=Process.Visibility.PUBLIC))
            .select_related("process").order_by("-answered_at", "-pk"))


def suggestion_answer(*, user, suggestion: Suggestion, answer: str, close: bool = False) -> Suggestion:
    """Answer a suggestion (audited); its author is told, in the site or by e-mail."""
    if not suggestion_can_answer(user, suggestion):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation visée et l'équipe de la plateforme "
                                 "répondent aux suggestions."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Écrivez la réponse.")]})
    if len(answer) > 5000:
        raise ValidationError({"answer": [_("La réponse dépasse 5000 caractères.")]})
    with transaction.atomic():
        suggestion.answer = answer
        suggestion.status = Suggestion.Status.CLOSED if close else Suggestion.Status.ANSWERED
        suggestion.answered_at = timezone.now()
        suggestion.answered_by = user
        suggestion.save(update_fields=["answer", "status", "answered_at", "answered_by"])
        core_services.audit_append(actor=user, action="consult.results.suggestion_answer", target=suggestion,
                                   data={"status": suggestion.status})
        subject = _("Réponse à votre suggestion")
        body = _("Votre suggestion :\n%(body)s\n\nNotre réponse :\n%(answer)s") % {
            "body": suggestion.body[:1000], "answer": answer}
        url = safe_reverse("consult:suggestions")
        if suggestion.author_id and suggestion.author.is_active:
            core_services.notify(recipients=[suggestion.author], subject=subject, body=body, url=url)
        elif suggestion.email:
            from django.core.mail import send_mail

            link = f"\n\n{settings.OUVERT_BASE_URL}{url}" if url else ""
            transaction.on_commit(lambda: send_mail(subject, body + link, None, [suggestion.email],
                                                    fail_silently=True))
    return suggestion


# --- Registration ----------------------------------------------------------------------------------

#: The report phase is looked for, and the open dataset refreshed, this often.
OPEN_DATA_CHECK_SECONDS = 3600


def register() -> None:
    """What this part plugs into the platform: the open-data publisher of the anonymised results, the
    periodic check of processes entering their report phase, the demo."""
    from ouvert.core import registry

    from . import results_demo, results_export

    registry.register_open_data_publisher(RESULTS_OPEN_DATA_KEY, results_export.open_data_export)
    registry.register_periodic("consult.results_open_data", results_open_data_check,
                               every_seconds=OPEN_DATA_CHECK_SECONDS)
    registry.register_demo_loader("consult_results", results_demo.load, order=280)


from .results_export import *  # noqa: E402,F401,F403
from .results_export import __all__ as _export_all  # noqa: E402
from .results_report import *  # noqa: E402,F401,F403
from .results_report import __all__ as _report_all  # noqa: E402

__all__ += _export_all + _report_all
