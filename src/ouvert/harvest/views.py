"""Pages of harvesting, under the catalogue (``/fr/catalogue/moissonnage/``): the sources a person
manages, a source (its jobs, « Lancer maintenant »), creating and editing a source, a job's report.

For platform admins and for editors and admins of the source's organisation (the services'
``can_manage``); anyone else signed in gets a 403, anonymous visitors the login page. Thin, as
everywhere: parse, call ``services``, hand prepared rows to a template. A service's
``ValidationError`` is shown next to the form's fields (400); ``NotFound`` is a 404.

A job started here runs in the background (``services.job_start`` → ``tasks.harvest_job_run_task``,
run by ``ouvert worker``); its page shows its status and, while it is unfinished, refreshes it
(htmx) until it ends.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core.forms import add_service_errors, describe_fields

from . import services
from .forms import RunForm, SourceForm, object_status_choices
from .models import HarvestJob, HarvestObject, HarvestSource

JOBS_PER_PAGE = 20
OBJECTS_PER_PAGE = 50
UNFINISHED = (HarvestJob.Status.PENDING, HarvestJob.Status.RUNNING)


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


def _managed_source(request, name) -> HarvestSource:
    try:
        return services.source_get_managed(actor=request.user, name=name)
    except services.NotFound as exc:
        raise Http404(exc.message) from None


def _organisations_or_403(user) -> list:
    organisations = list(services.manageable_organisations(user))
    if not organisations:
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur d’un organisme public pour moissonner "
                                 "des catalogues."))
    return organisations


def _next_run_label(source: HarvestSource, when) -> str:
    if not source.active:
        return _("Aucune (source inactive)")
    if when is None:
        return _("Aucune (moisson manuelle)")
    if when <= timezone.now():
        return _("Au prochain passage du planificateur")
    return ""


def _job_row(job: HarvestJob | None) -> dict | None:
    if job is None:
        return None
    return {"job": job, "status": job.status, "status_label": job.get_status_display(),
            "unfinished": job.status in UNFINISHED}


# --- Sources ------------------------------------------------------------------------------------

@login_required
@require_GET
def source_list(request):
    _organisations_or_403(request.user)
    rows = []
    for source in services.source_overview(actor=request.user):
        rows.append({"source": source, "organisation": source.organisation.name,
                     "last": _job_row(source.last_job), "next_run": source.next_run,
                     "next_run_label": _next_run_label(source, source.next_run)})
    return render(request, "harvest/sources.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def source_new(request):
    organisations = _organisations_or_403(request.user)
    initial = {"frequency": HarvestSource.Frequency.MANUAL, "active": True, "type": HarvestSource.Type.CKAN}
    wanted = request.GET.get("organisation")
    if wanted and any(org.slug == wanted for org in organisations):
        initial["organisation"] = wanted
    form = SourceForm(request.POST if request.method == "POST" else None, initial=initial,
                      organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                source = services.source_create(actor=request.user, **form.to_changes())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Source « %(title)s » créée.") % {"title": source.title})
                return redirect("harvest:source", name=source.name)
        status = 400
    return render(request, "harvest/source_form.html", {"form": describe_fields(form), "source": None},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request, name):
    source = _managed_source(request, name)
    organisations = list(services.manageable_organisations(request.user))
    if source.organisation not in organisations:
        organisations.insert(0, source.organisation)
    form = SourceForm(request.POST if request.method == "POST" else None, initial=SourceForm.initial_from(source),
                      organisations=organisations, source=source)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                source = services.source_update(actor=request.user, source=source, **form.to_changes())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("harvest:source", name=source.name)
        status = 400
    return render(request, "harvest/source_form.html", {"form": describe_fields(form), "source": source},
                  status=status)


@login_required
@require_GET
def source(request, name):
    obj = _managed_source(request, name)
    page = _page_number(request)
    jobs, more = services.job_page(source=obj, page=page, per_page=JOBS_PER_PAGE)
    unfinished = services.job_unfinished(source=obj)
    latest = jobs[0] if page == 1 and jobs else next(iter(services.job_list(source=obj, limit=1)), None)
    next_run = services.next_run(obj, latest)
    return render(request, "harvest/source.html", {
        "source": obj, "organisation": obj.organisation.name,
        "config": json.dumps(obj.config, ensure_ascii=False, indent=2) if obj.config else "",
        "jobs": [_job_row(job) for job in jobs], "unfinished": unfinished,
        "next_run": next_run, "next_run_label": _next_run_label(obj, next_run),
        "run_form": RunForm(), "page": page,
        "previous_url": f"?page={page - 1}" if page > 1 else "", "next_url": f"?page={page + 1}" if more else "",
    })


@login_required
@require_POST
def source_run(request, name):
    """« Lancer maintenant »: one job at a time per source; a second click says so instead of starting one."""
    obj = _managed_source(request, name)
    form = RunForm(request.POST)
    full = form.is_valid() and form.cleaned_data["full"]
    job, created = services.job_start(actor=request.user, source=obj, full=full)
    if created:
        messages.success(request, _("Moisson n° %(id)s lancée : elle s’exécute en arrière-plan; cette page montre "
                                    "son état.") % {"id": job.pk})
    else:
        messages.warning(request, _("Aucune nouvelle moisson n’a été lancée : la moisson n° %(id)s de cette source "
                                    "n’est pas finie (%(status)s). Attendez qu’elle se termine pour en lancer une "
                                    "autre.") % {"id": job.pk, "status": job.get_status_display().lower()})
    return redirect("harvest:job", name=obj.name, job_id=job.pk)


# --- Job report ---------------------------------------------------------------------------------

def _object_messages(error) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a harvested object, as lines a person reads."""
    if not error:
        return [], []
    if not isinstance(error, dict):
        return [str(error)], []
    errors, warnings = [], []
    for key, value in error.items():
        for item in value if isinstance(value, list) else [value]:
            text = json.dumps(item, ensure_ascii=False) if isinstance(item, dict | list) else str(item)
            if key == "warnings":
                warnings.append(text)
            else:
                errors.append(text if key == "__all__" else f"{key} : {text}")
    return errors, warnings


@login_required
@require_GET
def job(request, name, job_id):
    obj = _managed_source(request, name)
    try:
        report_job = services.source_job_get(source=obj, job_id=job_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from None
    wanted = request.GET.get("etat") or ""
    status = 200
    filter_error = ""
    if wanted and wanted not in HarvestObject.Status.values:
        filter_error = _("État « %(value)s » inconnu : choisissez dans la liste.") % {"value": wanted[:50]}
        wanted, status = "", 400
    page = _page_number(request)
    offset = (page - 1) * OBJECTS_PER_PAGE
    objects = list(services.object_list(job=report_job, status=wanted or None)[offset:offset + OBJECTS_PER_PAGE + 1])
    more = len(objects) > OBJECTS_PER_PAGE
    rows = []
    for item in objects[:OBJECTS_PER_PAGE]:
        errors, warnings = _object_messages(item.error)
        dataset = item.dataset
        rows.append({
            "object": item, "name": item.remote_name or item.guid, "status_label": item.get_status_display(),
            "action_label": item.get_action_display(), "errors": errors, "warnings": warnings,
            "dataset_url": reverse("catalog:dataset", kwargs={"name": dataset.name}) if dataset is not None else "",
            "dataset_title": dataset.title if dataset is not None else "",
        })
    counts = services.object_counts(job=report_job)
    base = f"?etat={wanted}&" if wanted else "?"
    report = report_job.report or {}
    return render(request, "harvest/job.html", {
        "source": obj, "job": report_job, "unfinished": report_job.status in UNFINISHED,
        "counts": [(_("Créés"), report_job.created), (_("Modifiés"), report_job.updated),
                   (_("Supprimés"), report_job.deleted), (_("Inchangés"), report_job.unchanged),
                   (_("Erreurs"), report_job.errors)],
        "pending": counts.get(HarvestObject.Status.PENDING, 0), "total": sum(counts.values()),
        "report_error": report.get("error") or "", "warnings": report.get("warnings") or [],
        "notes": report.get("notes") or [],
        "status_choices": [(value, label, counts.get(value, 0) if value else sum(counts.values()))
                           for value, label in object_status_choices()],
        "wanted": wanted, "filter_error": filter_error, "rows": rows, "page": page,
        "previous_url": f"{base}page={page - 1}" if page > 1 else "",
        "next_url": f"{base}page={page + 1}" if more else "",
    }, status=status)
