"""Pages of the evaluation grids: the list (my bodies', shared, templates), creating and editing a grid, its
criteria and candidates (forms that work without JavaScript), the scores form, the matrix and the ranking (an
accessible table and a Vega-Lite bar chart), copying, deleting and the CSV and XLSX exports. Thin: the rules
are in ``grids``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.software import services

from . import grids_forms as forms
from .models import Grid

GRID_FORM_FIELDS = ("title", "needs", "visibility", "scale_max")


def _get(request, pk) -> Grid:
    try:
        return services.grid_get(pk=pk, user=request.user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _url(grid, anchor: str = "") -> str:
    return reverse("software:grid_detail", kwargs={"pk": grid.pk}) + (f"#{anchor}" if anchor else "")


@require_safe
def grid_list(request):
    lists = services.grid_lists(user=request.user)
    return render(request, "software/grids/list.html", {
        **lists, "bodies": list(services.member_bodies(request.user))})


def _grid_data(post) -> dict:
    data = {f: post.get(f, "") for f in GRID_FORM_FIELDS}
    data["is_template"] = post.get("is_template") == "on"
    return data


@require_http_methods(["GET", "POST"])
def grid_new(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    bodies = list(services.member_bodies(request.user))
    values = {"visibility": "private", "scale_max": 5}
    errors, invalid, status = [], {}, 200
    if request.method == "POST":
        values = {**_grid_data(request.POST), "organisation": request.POST.get("organisation", "")}
        organisation = next((b for b in bodies if b.slug == values["organisation"]), None)
        try:
            if organisation is None:
                raise ValidationError({"organisation": [_("Choisissez l'organisme public à qui la grille "
                                                          "appartient.")]})
            grid = services.grid_create(actor=request.user, organisation=organisation, data=_grid_data(request.POST))
        except ValidationError as exc:
            errors, invalid, status = forms.error_items(exc, "grid"), forms.field_errors(exc), 400
        else:
            messages.success(request, _("Grille créée : ajoutez ses critères et les solutions à comparer."))
            return HttpResponseRedirect(_url(grid, "criteres"))
    return render(request, "software/grids/form.html", {
        "grid": None, "bodies": bodies, "values": values, "form_errors": errors, "field_errors": invalid,
        "visibilities": Grid.Visibility.choices}, status=status)


@require_http_methods(["GET", "POST"])
def grid_edit(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    grid = _get(request, pk)
    errors, invalid, status = [], {}, 200
    values = {f: getattr(grid, f) for f in GRID_FORM_FIELDS} | {"is_template": grid.is_template}
    if request.method == "POST":
        values = _grid_data(request.POST)
        try:
            services.grid_update(actor=request.user, grid=grid, data=values)
        except ValidationError as exc:
            errors, invalid, status = forms.error_items(exc, "grid"), forms.field_errors(exc), 400
        else:
            messages.success(request, _("Grille enregistrée."))
            return HttpResponseRedirect(_url(grid))
    elif not services.grid_can_edit(request.user, grid):
        raise PermissionDenied(_("Seuls les membres de l'organisme « %(body)s » modifient cette grille.")
                               % {"body": grid.organisation.name_fr})
    return render(request, "software/grids/form.html", {
        "grid": grid, "values": values, "form_errors": errors, "field_errors": invalid,
        "visibilities": Grid.Visibility.choices}, status=status)


def _chart_spec(matrix) -> dict:
    """A Vega-Lite bar chart of the weighted scores (the table above it holds the same figures)."""
    values = [{"solution": c["name"], "score": float(c["percent"] or 0)} for c in matrix["ranking"]]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Score pondéré de chaque solution, en pourcentage"),
        "width": "container", "height": {"step": 28},
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "solution", "type": "nominal", "sort": None, "title": _("Solution")},
            "x": {"field": "score", "type": "quantitative", "title": _("Score pondéré (%)"),
                  "scale": {"domain": [0, 100]}},
        },
    }


def _detail_context(request, grid, **extra) -> dict:
    matrix = services.grid_matrix(grid)
    can_edit = services.grid_can_edit(request.user, grid)
    bodies = list(services.member_bodies(request.user)) if request.user.is_authenticated else []
    return {
        "grid": grid, "matrix": matrix, "can_edit": can_edit, "copy_bodies": bodies,
        "chart_spec": _chart_spec(matrix) if matrix["candidates"] and matrix["criteria"] else None,
        "has_charts": bool(matrix["candidates"] and matrix["criteria"]),
        "software_choices": services.software_choices() if can_edit else [],
        "form_errors": [], "field_errors": {}, "values": {}, "error_form": "", **extra,
    }


@require_safe
def grid_detail(request, pk):
    grid = _get(request, pk)
    return render(request, "software/grids/detail.html", _detail_context(request, grid))


def _post(request, pk, work, done: str, form: str, anchor: str):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("software:grids"))
    grid = _get(request, pk)
    try:
        work(grid)
    except ValidationError as exc:
        return render(request, "software/grids/detail.html", _detail_context(
            request, grid, form_errors=forms.error_items(exc, form), field_errors=forms.field_errors(exc),
            values=request.POST, error_form=form), status=400)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    messages.success(request, done)
    return HttpResponseRedirect(_url(grid, anchor))


CRITERION_FIELDS = ("name", "description", "weight")
CANDIDATE_FIELDS = ("name", "software", "licence", "notes")


@require_POST
def criterion_add(request, pk):
    data = {f: request.POST.get(f, "") for f in CRITERION_FIELDS}
    return _post(request, pk, lambda g: services.criterion_add(actor=request.user, grid=g, data=data),
                 _("Critère ajouté."), "crit", "criteres")


@require_POST
def criterion_change(request, pk, item):
    def work(grid):
        criterion = services.criterion_get(grid=grid, pk=item)
        if request.POST.get("action") == "delete":
            services.criterion_delete(actor=request.user, criterion=criterion)
        else:
            services.criterion_update(actor=request.user, criterion=criterion,
                                      data={f: request.POST.get(f, "") for f in CRITERION_FIELDS})
    done = _("Critère supprimé.") if request.POST.get("action") == "delete" else _("Critère enregistré.")
    return _post(request, pk, work, done, f"crit-{item}", "criteres")


@require_POST
def candidate_add(request, pk):
    data = {f: request.POST.get(f, "") for f in CANDIDATE_FIELDS}
    data["is_free"] = request.POST.get("is_free") == "on"
    return _post(request, pk, lambda g: services.candidate_add(actor=request.user, grid=g, data=data),
                 _("Solution ajoutée."), "cand", "solutions")


@require_POST
def candidate_change(request, pk, item):
    def work(grid):
        candidate = services.candidate_get(grid=grid, pk=item)
        if request.POST.get("action") == "delete":
            services.candidate_delete(actor=request.user, candidate=candidate)
        else:
            data = {f: request.POST.get(f, "") for f in ("name", "licence", "notes")}
            data["is_free"] = request.POST.get("is_free") == "on"
            services.candidate_update(actor=request.user, candidate=candidate, data=data)
    done = _("Solution supprimée.") if request.POST.get("action") == "delete" else _("Solution enregistrée.")
    return _post(request, pk, work, done, f"cand-{item}", "solutions")


@require_http_methods(["GET", "POST"])
def grid_scores(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    grid = _get(request, pk)
    if not services.grid_can_edit(request.user, grid):
        raise PermissionDenied(_("Seuls les membres de l'organisme « %(body)s » notent cette grille.")
                               % {"body": grid.organisation.name_fr})
    matrix = services.grid_matrix(grid)
    errors, invalid, status = [], {}, 200
    posted = None
    if request.method == "POST":
        rows = forms.score_rows(request.POST, matrix["candidates"], matrix["criteria"])
        try:
            services.scores_set(actor=request.user, grid=grid, rows=rows)
        except ValidationError as exc:
            errors, invalid, status = forms.error_items(exc, "f"), forms.field_errors(exc), 400
            posted = request.POST
        else:
            messages.success(request, _("Notes enregistrées."))
            return HttpResponseRedirect(_url(grid, "classement"))
    cells = []
    for candidate in matrix["candidates"]:
        row = []
        for cell in candidate["scores"]:
            key = f"score-{cell['candidate_id']}-{cell['criterion_id']}"
            row.append({
                **cell, "key": key,
                "criterion": next(c for c in matrix["criteria"] if c["id"] == cell["criterion_id"]),
                "shown_value": posted.get(key + "-value", "") if posted is not None else
                ("" if cell["value"] is None else str(cell["value"]).rstrip("0").rstrip(".")),
                "shown_note": posted.get(key + "-note", "") if posted is not None else cell["note"],
                "shown_evidence": posted.get(key + "-evidence_url", "") if posted is not None else cell["evidence_url"],
                "errors": {f: invalid.get(f"{key}-{f}") for f in ("value", "note", "evidence_url")},
            })
        cells.append({"candidate": candidate, "cells": row})
    return render(request, "software/grids/scores.html", {
        "grid": grid, "matrix": matrix, "rows": cells, "form_errors": errors}, status=status)


@require_http_methods(["GET", "POST"])
def grid_copy(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    grid = _get(request, pk)
    bodies = list(services.member_bodies(request.user))
    errors, status = [], 200
    values = {"title": _("%(title)s (copie)") % {"title": grid.title}, "with_candidates": False}
    if request.method == "POST":
        values = {"title": request.POST.get("title", ""), "organisation": request.POST.get("organisation", ""),
                  "with_candidates": request.POST.get("with_candidates") == "on"}
        organisation = next((b for b in bodies if b.slug == values["organisation"]), None)
        try:
            if organisation is None:
                raise ValidationError({"organisation": [_("Choisissez l'organisme public qui reçoit la copie.")]})
            copy = services.grid_copy(request.user, grid, organisation, with_candidates=values["with_candidates"],
                                      title=values["title"])
        except ValidationError as exc:
            errors, status = forms.error_items(exc, "copy"), 400
        else:
            messages.success(request, _("Grille copiée : ses critères et leurs poids sont repris, sans les notes."))
            return HttpResponseRedirect(_url(copy))
    return render(request, "software/grids/copy.html", {
        "grid": grid, "bodies": bodies, "values": values, "form_errors": errors}, status=status)


@require_http_methods(["GET", "POST"])
def grid_delete(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    grid = _get(request, pk)
    if request.method == "POST":
        services.grid_delete(actor=request.user, grid=grid)
        messages.success(request, _("Grille supprimée."))
        return HttpResponseRedirect(reverse("software:grids"))
    if not services.grid_can_edit(request.user, grid):
        raise PermissionDenied(_("Seuls les membres de l'organisme « %(body)s » suppriment cette grille.")
                               % {"body": grid.organisation.name_fr})
    return render(request, "software/grids/delete.html", {"grid": grid})


@require_safe
def grid_export(request, pk, fmt):
    grid = _get(request, pk)
    try:
        content, media_type, file_name = services.grid_export(grid, fmt)
    except ValidationError:
        raise Http404(_("Format d'export inconnu : csv ou xlsx.")) from None
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
