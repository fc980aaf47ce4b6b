"""What the plan module does: report progress on milestones, update them, load plan data.

Services take keyword-only arguments, check permissions (through ``policy``), validate, write,
and record sensitive changes in the audit log. Reads live in ``selectors`` (re-exported here,
since other modules reach the plan only through this file).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ouvert.core import services as core_services

from . import policy
from .models import TEXT_MAX_LENGTH, EvidenceLink, Milestone, ProgressUpdate, Status
from .selectors import (  # noqa: F401  (public read API of the module)
    MilestoneFilters,
    commitment_get,
    commitment_list,
    committee_get,
    dashboard_chart_spec,
    dashboard_stats,
    milestone_get,
    milestone_list,
    plan_current,
    plan_get,
    plan_list,
    plan_overview,
    progress_update_list,
    respondent_directory,
)

#: At most this many evidence links per progress update.
MAX_EVIDENCE_LINKS = 20


def _check_text(errors: dict, field: str, value, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("Ce champ est obligatoire.")]
    elif len(value) > TEXT_MAX_LENGTH:
        errors[field] = [_("Ce texte est trop long : %(length)s caractères, au plus %(max)s.")
                         % {"length": len(value), "max": TEXT_MAX_LENGTH}]
    return value


def _check_status(errors: dict, value) -> str:
    if value not in Status.values:
        errors["status"] = [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                            % {"value": value, "choices": ", ".join(Status.values)}]
    return value


def _check_date(errors: dict, field: str, value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field] = [_("« %(value)s » n'est pas une date valide (format attendu : AAAA-MM-JJ).")
                     % {"value": str(value)[:50]}]
    return None


def _check_evidence(errors: dict, evidence) -> list[dict]:
    """Evidence is a list of URLs or of ``{"url", "label"}``; only http(s) URLs are accepted."""
    evidence = list(evidence or [])
    if len(evidence) > MAX_EVIDENCE_LINKS:
        errors["evidence"] = [_("Au plus %(max)s liens de preuve.") % {"max": MAX_EVIDENCE_LINKS}]
        return []
    validate = URLValidator(schemes=["http", "https"])
    links, messages = [], []
    for item in evidence:
        if isinstance(item, str):
            url, label = item, ""
        elif isinstance(item, dict):
            url, label = item.get("url", ""), item.get("label", "") or ""
        else:
            url, label = getattr(item, "url", ""), getattr(item, "label", "") or ""
        url = (url or "").strip() if isinstance(url, str) else ""
        label = label.strip() if isinstance(label, str) else ""
        try:
            if len(url) > 500:
                raise ValidationError("too long")
            validate(url)
        except ValidationError:
            messages.append(_("« %(url)s » n'est pas une adresse http(s) valide.") % {"url": url[:100]})
            continue
        links.append({"url": url, "label": label[:300]})
    if messages:
        errors["evidence"] = messages
    return links


def _milestone_url(milestone: Milestone) -> str:
    with override("fr"):
        return reverse("plan:milestone", kwargs={"plan_slug": milestone.plan.slug, "number": milestone.number})


def progress_update_create(*, actor, milestone: Milestone, text_fr: str, text_en: str = "",
                           status: str, evidence: Iterable = (), is_demo: bool = False) -> ProgressUpdate:
    """Report progress on ``milestone``: a dated entry in its history, and its new status.

    Only respondents of the lead body and platform admins may write. The status change is
    recorded in the audit log, and the respondents of the collaborating bodies are notified.
    """
    if not policy.can_report_progress(actor, milestone):
        raise PermissionDenied(_("Seuls les répondants de l'organisme responsable du jalon et les "
                                 "administrateurs de la plateforme peuvent en rendre compte."))
    errors: dict[str, list[str]] = {}
    text_fr = _check_text(errors, "text_fr", text_fr, required=True)
    text_en = _check_text(errors, "text_en", text_en)
    status = _check_status(errors, status)
    links = _check_evidence(errors, evidence)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        before = locked.status
        now = timezone.now()
        update = ProgressUpdate(
            milestone=locked, author=actor, author_label=actor.display_name,
            organisation=locked.lead if policy.is_lead_respondent(actor, locked) else None,
            created_at=now, text_fr=text_fr, text_en=text_en, status_before=before, status_after=status,
            is_demo=is_demo,
        )
        update.full_clean()
        update.save()
        for link in links:
            EvidenceLink.objects.create(update=update, **link)
        locked.status = status
        locked.is_demo_status = is_demo
        locked.completed_at = (locked.completed_at or now) if status == Status.COMPLETED else None
        locked.updated_at = now
        locked.save(update_fields=["status", "is_demo_status", "completed_at", "updated_at"])
        core_services.audit_append(actor=actor, action="plan.milestone.status", target=locked, data={
            "plan": locked.plan.slug, "milestone": locked.number, "update": update.pk,
            "before": before, "after": status, "evidence": [link["url"] for link in links],
            "is_demo": is_demo,
        })
        recipients = policy.collaborator_respondents(locked)
        if recipients:
            url = _milestone_url(locked)
            transaction.on_commit(lambda: core_services.notify(
                recipients=recipients,
                subject=_("Jalon %(number)s : nouveau compte rendu d'avancement") % {"number": locked.number},
                body=_("%(author)s a rendu compte de l'avancement du jalon %(number)s « %(title)s » : "
                       "%(before)s → %(after)s.") % {
                    "author": actor.display_name, "number": locked.number, "title": locked.title_fr,
                    "before": Status(before).label, "after": Status(status).label},
                url=url,
            ))
    milestone.status, milestone.completed_at = locked.status, locked.completed_at
    milestone.is_demo_status, milestone.updated_at = locked.is_demo_status, locked.updated_at
    return update


def milestone_update(*, actor, milestone: Milestone, due_date=None, description_fr: str | None = None,
                     description_en: str | None = None, due_date_note_fr: str | None = None,
                     due_date_note_en: str | None = None) -> Milestone:
    """Change a milestone's due date or description (respondents of the lead body, platform admins)."""
    if not policy.can_report_progress(actor, milestone):
        raise PermissionDenied(_("Seuls les répondants de l'organisme responsable du jalon et les "
                                 "administrateurs de la plateforme peuvent le modifier."))
    errors: dict[str, list[str]] = {}
    changes: dict = {}
    if due_date is not None:
        changes["due_date"] = _check_date(errors, "due_date", due_date)
    for field, value in (("description_fr", description_fr), ("description_en", description_en),
                         ("due_date_note_fr", due_date_note_fr), ("due_date_note_en", due_date_note_en)):
        if value is not None:
            changes[field] = _check_text(errors, field, value)
            if field.startswith("due_date_note") and len(changes[field]) > 200:
                errors[field] = [_("Au plus 200 caractères.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        before = {f: getattr(locked, f) for f in changes}
        changed = {f: v for f, v in changes.items() if before[f] != v}
        if not changed:
            return milestone
        for f, v in changed.items():
            setattr(locked, f, v)
        locked.updated_at = timezone.now()
        locked.full_clean(validate_unique=False, validate_constraints=False)
        locked.save(update_fields=[*changed, "updated_at"])
        core_services.audit_append(actor=actor, action="plan.milestone.update", target=locked, data={
            "plan": locked.plan.slug, "milestone": locked.number,
            "before": {f: before[f] for f in changed}, "after": changed,
        })
    for f, v in changed.items():
        setattr(milestone, f, v)
    milestone.updated_at = locked.updated_at
    return milestone
