"""What the plan module does: report progress on milestones, update them, load plan data.

Services take keyword-only arguments, check permissions (through ``policy``), validate, write,
and record sensitive changes in the audit log. Reads live in ``selectors`` (re-exported here,
since other modules reach the plan only through this file).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ouvert.core import services as core_services

from . import policy
from .models import TEXT_MAX_LENGTH, EvidenceLink, Milestone, MilestoneMeasure, ProgressUpdate, Status
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
    progress_update_export,
    progress_update_list,
    respondent_directory,
)

#: The key of the plan's open-data publication (``core.registry``).
OPEN_DATA_KEY = "plan"
#: The organisation that publishes the plan's dataset: the SCT, which owns the plan.

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
        core_services.open_data_changed(OPEN_DATA_KEY)
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
        core_services.open_data_changed(OPEN_DATA_KEY)
    for f, v in changed.items():
        setattr(milestone, f, v)
    milestone.updated_at = locked.updated_at
    return milestone


# --- Measures fed by the platform's modules ---------------------------------------------

#: The author of the progress updates the platform writes when a measure reaches its target.
PLATFORM_AUTHOR_LABEL = "Plateforme Ouvert"
_MEASURE_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def _measure_number(errors: dict, field: str, value, *, required: bool) -> Decimal | None:
    if value is None and not required:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= Decimal("1e10"):
        errors[field] = [_("« %(value)s » n'est pas une valeur de mesure (un nombre positif ou nul).")
                         % {"value": str(value)[:40]}]
        return None
    return number.quantize(Decimal("0.01"))


def milestone_measure_set(*, number: str, key: str, value, target=None, label_fr: str,
                          label_en: str = "") -> MilestoneMeasure | None:
    """Set the measure ``key`` of milestone ``number`` of the current plan (created on first call), fed by a
    module of the platform (``software.accompaniments_completed``…). No current plan, or no such milestone
    in it: nothing happens (``None``), so a module calls it without knowing which plan is loaded.

    The first time the value reaches the target (``reached_at`` still empty), the platform writes a progress
    update (author « Plateforme Ouvert ») moving the milestone to ``completed`` — unless it is already
    completed. This happens once per measure: if the value falls below the target later (a request
    reopened), the platform writes nothing and never lowers the status (respondents report that by hand, and
    a manual update always wins: a milestone they moved back is not completed again by the same measure).
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(key, str) or not _MEASURE_KEY.match(key) or len(key) > 100:
        errors["key"] = [_("Clé de mesure invalide : « module.mesure » en minuscules.")]
    value = _measure_number(errors, "value", value, required=True)
    target = _measure_number(errors, "target", target, required=False)
    if target is not None and target <= 0 and "target" not in errors:
        errors["target"] = [_("La cible d'une mesure est un nombre positif.")]
    label_fr = _check_text(errors, "label_fr", label_fr, required=True)[:300]
    label_en = _check_text(errors, "label_en", label_en)[:300]
    if errors:
        raise ValidationError(errors)
    try:
        plan = plan_current()
    except core_services.NotFound:
        return None
    if not Milestone.objects.filter(plan=plan, number=number).exists():
        return None
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().select_related("plan").get(plan=plan, number=number)
        now = timezone.now()
        measure = MilestoneMeasure.objects.filter(milestone=locked, key=key).first()
        if measure is None:
            measure = MilestoneMeasure(milestone=locked, key=key)
        before = measure.value
        if measure.pk is not None and (measure.value, measure.target, measure.label_fr, measure.label_en) == (
                value, target, label_fr, label_en):
            return measure  # nothing new: the milestone and its open data stay as they are
        measure.value, measure.target, measure.label_fr, measure.label_en = value, target, label_fr, label_en
        measure.updated_at = now
        reached_now = target is not None and value >= target and measure.reached_at is None
        if reached_now:
            measure.reached_at = now
        measure.save()
        if reached_now and locked.status != Status.COMPLETED:
            update = ProgressUpdate.objects.create(
                milestone=locked, author=None, author_label=PLATFORM_AUTHOR_LABEL, created_at=now,
                text_fr=_measure_text(measure, "fr"), text_en=_measure_text(measure, "en"),
                status_before=locked.status, status_after=Status.COMPLETED)
            core_services.audit_append(actor=None, action="plan.milestone.status", target=locked, data={
                "plan": locked.plan.slug, "milestone": locked.number, "update": update.pk,
                "before": locked.status, "after": Status.COMPLETED, "measure": key,
                "value": str(value), "target": str(target)})
            locked.status = Status.COMPLETED
            locked.is_demo_status = False
            locked.completed_at = now
            locked.updated_at = now
            locked.save(update_fields=["status", "is_demo_status", "completed_at", "updated_at"])
        if before != value or reached_now:
            core_services.open_data_changed(OPEN_DATA_KEY)
    return measure


def _measure_text(measure: MilestoneMeasure, language: str) -> str:
    if language == "en":
        return (f"Target reached: {measure.value_text} {measure.label_en or measure.label_fr} out of "
                f"{measure.target_text} (measured automatically by the platform).")
    return (f"Cible atteinte : {measure.value_text} {measure.label_fr} sur {measure.target_text} "
            "(mesure automatique de la plateforme).")


def milestone_measures(milestone: Milestone) -> list[MilestoneMeasure]:
    return list(milestone.measures.all())


# --- Open by default --------------------------------------------------------------------

def _csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet software reads UTF-8
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def open_data_export() -> dict | None:
    """What the plan publishes in the catalogue (registered as open-data publisher ``"plan"``).

    Three files, both languages in each: the milestones (CSV and JSON, the JSON with each
    milestone's progress updates) and the progress updates (CSV). Nothing in them depends on
    the day they are built, so an unchanged plan gives the same bytes (and no new version).
    ``None`` while no plan is loaded.
    """
    from .schemas import (
        OPEN_DATA_MILESTONE_COLUMNS,
        OPEN_DATA_UPDATE_COLUMNS,
        milestone_flat_row,
        milestone_rows,
        progress_update_flat_row,
        progress_update_rows,
    )

    plans = list(plan_list().order_by("period_start", "slug"))
    if not plans:
        return None
    milestones = [{k: v for k, v in row.items() if k != "is_late"} for row in milestone_rows(milestone_list())]
    updates = progress_update_rows(progress_update_export())
    by_milestone: dict = {}
    for row in updates:
        by_milestone.setdefault((row["plan"], row["milestone"]), []).append(
            {k: v for k, v in row.items() if k not in ("plan", "milestone")})
    measures: dict = {}
    for m in MilestoneMeasure.objects.select_related("milestone__plan").order_by("milestone_id", "key"):
        measures.setdefault((m.milestone.plan.slug, m.milestone.number), []).append({
            "key": m.key, "label_fr": m.label_fr, "label_en": m.label_en, "value": float(m.value),
            "target": float(m.target) if m.target is not None else None,
            "reached_at": m.reached_at.isoformat() if m.reached_at else None})
    document = {
        "plans": [{"slug": p.slug, "title_fr": p.title_fr, "title_en": p.title_en,
                   "period_start": p.period_start.isoformat(), "period_end": p.period_end.isoformat(),
                   "source_url": p.source_url} for p in plans],
        "milestones": [{**row, "updates": by_milestone.get((row["plan"], row["number"]), []),
                        "measures": measures.get((row["plan"], row["number"]), [])}
                       for row in milestones],
    }
    first, last = min(p.period_start for p in plans), max(p.period_end for p in plans)
    return {
        "organisation": core_services.open_data_organisation(),
        "metadata": {
            "name": "suivi-plan-action-gouvernement-ouvert",
            "title_fr": "Suivi du plan d'action en gouvernement ouvert",
            "title_en": "Open government action plan tracking",
            "notes_fr": (
                "Les jalons du plan d'action en gouvernement ouvert (échéance, organisme responsable, "
                "collaborateurs, état d'avancement sur l'échelle du Partenariat pour un gouvernement ouvert) "
                "et les comptes rendus d'avancement publiés par les répondants.\n\n"
                "Ce jeu de données est produit par la plateforme à partir du suivi du plan et mis à jour "
                "automatiquement à chaque changement. Les colonnes portent les deux langues (`_fr`, `_en`). "
                "Un état marqué `is_demo_status` (ou un compte rendu `is_demo`) est illustratif : il vient "
                "du contenu de démonstration, pas d'un compte rendu réel."),
            "notes_en": (
                "The milestones of the open government action plan (due date, lead body, collaborators, "
                "progress on the Open Government Partnership scale) and the progress updates published by "
                "the respondents.\n\n"
                "This dataset is produced by the platform from the plan tracker and refreshed automatically "
                "on every change. Columns carry both languages (`_fr`, `_en`). A status flagged "
                "`is_demo_status` (or an update flagged `is_demo`) is illustrative: it comes from the demo "
                "content, not from a real report."),
            "tags": ["gouvernement ouvert", "open government", "plan d'action", "transparence"],
            "themes": ["gouvernement"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
            "temporal_start": first.isoformat(),
            "temporal_end": last.isoformat(),
            "spatial_name": "Québec",
            "url": plans[-1].source_url,
        },
        "resources": [
            {"name_fr": "Jalons (CSV)", "name_en": "Milestones (CSV)", "format": "CSV",
             "filename": "jalons.csv",
             "content": _csv_bytes(OPEN_DATA_MILESTONE_COLUMNS, [milestone_flat_row(r) for r in milestones])},
            {"name_fr": "Jalons et comptes rendus (JSON)", "name_en": "Milestones and updates (JSON)",
             "format": "JSON", "filename": "jalons.json",
             "content": json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")},
            {"name_fr": "Comptes rendus d'avancement (CSV)", "name_en": "Progress updates (CSV)", "format": "CSV",
             "filename": "comptes-rendus.csv",
             "content": _csv_bytes(OPEN_DATA_UPDATE_COLUMNS, [progress_update_flat_row(r) for r in updates])},
        ],
    }
