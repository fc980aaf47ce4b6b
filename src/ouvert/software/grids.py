"""Evaluation grids (5.2): a public body compares candidate solutions, free and proprietary, against its needs
written as weighted criteria.

- A grid belongs to one body; only those who speak for it (``access.can_speak_for``) edit it: its criteria
  (name, description, weight > 0), its candidates (name, optionally a catalogue entry, free or not, licence,
  notes) and the scores (0 to the grid's ``scale_max``, a note, an evidence link in http(s)).
- A private grid is read by the body's members only; a shared one (``visibility = public``) by everyone, and
  other bodies copy it (``grid_copy``: criteria and weights, candidates if asked, never scores). A grid marked
  ``is_template`` is offered as a starting point.
- ``grid_matrix`` computes the comparison: each candidate's weighted score is
  ``Σ(weight × score) / (Σ weights × scale_max)`` as a percentage, a ``Decimal`` rounded half-up to one
  decimal; a missing score counts 0 and is flagged. The ranking orders by the exact weighted points (not the
  rounded percentage), highest first; candidates with equal points share a rank (« 1, 1, 3 ») and are listed
  by name, then by creation.
- Exports: CSV (UTF-8 with BOM, commas, cells starting with ``=``, ``+``, ``-`` or ``@`` prefixed with ``'``)
  and XLSX (sheets « Matrice » and « Classement »).
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import services as core_services
from ouvert.core import text_checks

from . import access
from .models import Candidate, Criterion, Grid, Score, Software

__all__ = ["GRID_FIELDS", "MAX_CANDIDATES", "MAX_CRITERIA", "candidate_add", "candidate_delete", "candidate_get",
           "candidate_update", "criterion_add", "criterion_delete", "criterion_get", "criterion_update",
           "csv_cell", "grid_can_edit", "grid_copy", "grid_create", "grid_delete", "grid_export", "grid_export_csv",
           "grid_export_xlsx", "grid_get", "grid_lists", "grid_matrix", "grid_update", "score_set", "scores_set",
           "software_choices"]

GRID_FIELDS = ("title", "needs", "visibility", "is_template", "scale_max")
CRITERION_FIELDS = ("name", "description", "weight")
CANDIDATE_FIELDS = ("name", "software", "is_free", "licence", "notes")
#: At most this many criteria and candidates in one grid.
MAX_CRITERIA = 100
MAX_CANDIDATES = 50
WEIGHT_MAX = Decimal("99999.99")
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
_TRUE = (True, "on", "true", "1", 1, "yes")


def register() -> None:
    """Nothing to register: the grids are reached from the free-software pages."""


# --- Reading -----------------------------------------------------------------------------------------

def _can_read(user, grid: Grid) -> bool:
    return grid.visibility == Grid.Visibility.PUBLIC or access.can_speak_for(user, grid.organisation)


def grid_can_edit(user, grid: Grid) -> bool:
    """Whether ``user`` may change ``grid``: they speak for its body."""
    return access.can_speak_for(user, grid.organisation)


def grid_get(*, pk, user) -> Grid:
    """One grid ``user`` may read (``NotFound`` otherwise: a private grid of another body is not shown)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise core_services.NotFound(_("Grille n° %(id)s introuvable.") % {"id": str(pk)[:20]}) from None
    grid = Grid.objects.select_related("organisation", "copied_from", "created_by").filter(pk=pk).first()
    if grid is None or not _can_read(user, grid):
        raise core_services.NotFound(_("Grille n° %(id)s introuvable.") % {"id": pk})
    return grid


def _annotated(qs):
    return (qs.select_related("organisation")
            .annotate(criteria_count=Count("criteria", distinct=True),
                      candidates_count=Count("candidates", distinct=True))
            .order_by("-updated_at", "pk"))


def grid_lists(*, user) -> dict:
    """What the grids page lists: ``mine`` (the grids of ``user``'s bodies), ``shared`` (other bodies' shared
    grids that are not templates) and ``templates`` (the templates ``user`` may read: shared ones, and their
    own bodies'). Three queries, whatever the number of grids."""
    bodies = list(access.member_bodies(user).values_list("pk", flat=True)) if access.is_signed_in(user) else []
    public = Q(visibility=Grid.Visibility.PUBLIC)
    return {
        "mine": list(_annotated(Grid.objects.filter(organisation__in=bodies, is_template=False))) if bodies else [],
        "shared": list(_annotated(Grid.objects.filter(public, is_template=False).exclude(organisation__in=bodies))),
        "templates": list(_annotated(Grid.objects.filter(Q(is_template=True) & (public | Q(organisation__in=bodies))))),
    }


def software_choices(limit: int = 1000) -> list[tuple[str, str]]:
    """``[(slug, name)]`` of the catalogue's entries, by name: what the forms offer to pick a software from."""
    return list(Software.objects.order_by("name", "pk").values_list("slug", "name")[:limit])


def criterion_get(*, grid: Grid, pk) -> Criterion:
    criterion = Criterion.objects.filter(grid=grid, pk=_int(pk)).first()
    if criterion is None:
        raise core_services.NotFound(_("Critère n° %(id)s introuvable dans cette grille.") % {"id": str(pk)[:20]})
    return criterion


def candidate_get(*, grid: Grid, pk) -> Candidate:
    candidate = Candidate.objects.filter(grid=grid, pk=_int(pk)).first()
    if candidate is None:
        raise core_services.NotFound(_("Solution n° %(id)s introuvable dans cette grille.") % {"id": str(pk)[:20]})
    return candidate


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# --- Checks ------------------------------------------------------------------------------------------

def _require_editor(actor, grid: Grid) -> None:
    if not grid_can_edit(actor, grid):
        raise PermissionDenied(_("Seuls les membres de l'organisme « %(body)s » modifient cette grille.")
                               % {"body": grid.organisation.name_fr})


def _decimal(errors: dict, field: str, value, *, label: str, minimum: Decimal, maximum: Decimal,
             exclusive_min: bool = False) -> Decimal | None:
    if isinstance(value, float):
        value = repr(value)
    text = str(value if value is not None else "").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if not text:
        errors[field] = [_("%(label)s : indiquez un nombre.") % {"label": label}]
        return None
    try:
        number = Decimal(text[:30])
    except InvalidOperation:
        errors[field] = [_("%(label)s : « %(value)s » n'est pas un nombre.") % {"label": label,
                                                                               "value": text[:30]}]
        return None
    if not number.is_finite():
        errors[field] = [_("%(label)s : « %(value)s » n'est pas un nombre.") % {"label": label, "value": text[:30]}]
        return None
    if number != number.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP):
        errors[field] = [_("%(label)s : au plus deux décimales.") % {"label": label}]
        return None
    if (number <= minimum if exclusive_min else number < minimum) or number > maximum:
        if exclusive_min:
            errors[field] = [_("%(label)s : un nombre plus grand que %(min)s et au plus %(max)s.")
                             % {"label": label, "min": minimum, "max": maximum}]
        else:
            errors[field] = [_("%(label)s : un nombre de %(min)s à %(max)s.")
                             % {"label": label, "min": minimum, "max": maximum}]
        return None
    return number.quantize(TWO_DECIMALS)


def _evidence(errors: dict, value) -> str:
    url = text_checks.line(errors, "evidence_url", value, max_length=500)
    if url and "evidence_url" not in errors:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["evidence_url"] = [_("Preuve : « %(url)s » n'est pas une adresse http(s) valide.")
                                      % {"url": url[:100]}]
    return url


def _grid_values(data: dict, grid: Grid | None) -> dict:
    errors: dict = {}
    values: dict = {}
    if "title" in data or grid is None:
        values["title"] = text_checks.line(errors, "title", data.get("title"), max_length=300, required=True)
    if "needs" in data:
        values["needs"] = text_checks.text(errors, "needs", data.get("needs"), max_length=20_000)
    if "visibility" in data:
        visibility = data.get("visibility") or Grid.Visibility.PRIVATE
        if visibility not in Grid.Visibility.values:
            errors["visibility"] = [_("Visibilité : « privée » (private) ou « partagée » (public).")]
        values["visibility"] = visibility
    if "is_template" in data:
        values["is_template"] = data.get("is_template") in _TRUE
    if "scale_max" in data and data.get("scale_max") not in (None, ""):
        scale = _int(data.get("scale_max"))
        if not 1 <= scale <= 100:
            errors["scale_max"] = [_("Note maximale : un nombre entier de 1 à 100.")]
        elif grid is not None and grid.pk:
            top = Score.objects.filter(criterion__grid=grid).aggregate(m=Max("value"))["m"]
            if top is not None and top > scale:
                errors["scale_max"] = [_("Note maximale : des notes atteignent déjà %(top)s ; baissez-les avant "
                                         "de ramener la note maximale à %(scale)s.") % {"top": top, "scale": scale}]
        values["scale_max"] = scale
    text_checks.raise_if(errors)
    return values


def _touch(grid: Grid) -> None:
    grid.updated_at = timezone.now()
    Grid.objects.filter(pk=grid.pk).update(updated_at=grid.updated_at)


def _locked(grid: Grid) -> Grid:
    """The grid's row locked until the transaction ends (two submits at once are applied one after the
    other, each seeing the other's result)."""
    return Grid.objects.select_for_update().get(pk=grid.pk)


# --- Grids -------------------------------------------------------------------------------------------

@transaction.atomic
def grid_create(*, actor, organisation, data: dict, is_demo: bool = False) -> Grid:
    """A new grid of ``organisation`` (``actor`` speaks for it)."""
    if not access.can_speak_for(actor, organisation):
        raise PermissionDenied(_("Seuls les membres d'un organisme public créent les grilles de cet organisme."))
    values = _grid_values(data, None)
    grid = Grid.objects.create(organisation=organisation, created_by=actor if access.is_signed_in(actor) else None,
                               is_demo=is_demo, **values)
    core_services.audit_append(actor=actor, action="software.grid.create", target=grid,
                               data={"organisation": organisation.slug, "title": grid.title})
    return grid


@transaction.atomic
def grid_update(*, actor, grid: Grid, data: dict) -> Grid:
    """Change the grid's title, needs, visibility, template flag or maximum score."""
    _require_editor(actor, grid)
    locked = _locked(grid)
    values = _grid_values(data, locked)
    before = {f: getattr(locked, f) for f in values}
    for field, value in values.items():
        setattr(locked, field, value)
    locked.updated_at = timezone.now()
    locked.save()
    changed = {f: v for f, v in values.items() if before[f] != v}
    if "visibility" in changed or "is_template" in changed:
        core_services.audit_append(actor=actor, action="software.grid.visibility", target=locked,
                                   data={"before": {f: before[f] for f in changed}, "after": changed})
    for field in values:
        setattr(grid, field, getattr(locked, field))
    grid.updated_at = locked.updated_at
    return grid


@transaction.atomic
def grid_delete(*, actor, grid: Grid) -> None:
    _require_editor(actor, grid)
    core_services.audit_append(actor=actor, action="software.grid.delete", target=grid,
                               data={"title": grid.title, "organisation": grid.organisation.slug})
    grid.delete()


@transaction.atomic
def grid_copy(actor, grid: Grid, organisation, with_candidates: bool = False, *, title: str = "") -> Grid:
    """A copy of ``grid`` for ``organisation``: its needs, maximum score, criteria and weights, and its
    candidates when ``with_candidates`` (never its scores). The copy is private, not a template, and
    remembers where it comes from (``copied_from``)."""
    if not _can_read(actor, grid):
        raise core_services.NotFound(_("Grille n° %(id)s introuvable.") % {"id": grid.pk})
    if not access.can_speak_for(actor, organisation):
        raise PermissionDenied(_("Vous ne pouvez copier une grille que pour un organisme dont vous êtes membre."))
    errors: dict = {}
    title = text_checks.line(errors, "title", title, max_length=300)
    text_checks.raise_if(errors)
    copy = Grid.objects.create(
        title=title or (_("%(title)s (copie)") % {"title": grid.title})[:300], needs=grid.needs,
        organisation=organisation, created_by=actor if access.is_signed_in(actor) else None,
        visibility=Grid.Visibility.PRIVATE, is_template=False, copied_from=grid, scale_max=grid.scale_max)
    Criterion.objects.bulk_create([
        Criterion(grid=copy, name=c.name, description=c.description, weight=c.weight, position=c.position)
        for c in grid.criteria.all()])
    if with_candidates:
        Candidate.objects.bulk_create([
            Candidate(grid=copy, name=c.name, software_id=c.software_id, is_free=c.is_free, licence=c.licence,
                      notes=c.notes, position=c.position)
            for c in grid.candidates.all()])
    core_services.audit_append(actor=actor, action="software.grid.copy", target=copy,
                               data={"from": grid.pk, "organisation": organisation.slug,
                                     "with_candidates": bool(with_candidates)})
    return copy


# --- Criteria ----------------------------------------------------------------------------------------

def _criterion_values(data: dict, criterion: Criterion | None) -> dict:
    errors: dict = {}
    values: dict = {}
    if "name" in data or criterion is None:
        values["name"] = text_checks.line(errors, "name", data.get("name"), max_length=200, required=True)
    if "description" in data:
        values["description"] = text_checks.text(errors, "description", data.get("description"), max_length=5000)
    if "weight" in data or criterion is None:
        raw = data.get("weight")
        values["weight"] = _decimal(errors, "weight", "1" if raw in (None, "") and criterion is None else raw,
                                    label=str(_("Poids")), minimum=Decimal("0"), maximum=WEIGHT_MAX,
                                    exclusive_min=True)
    text_checks.raise_if(errors)
    return values


def _unique_name(model, grid: Grid, name: str, exclude: int | None, field: str, message: str) -> None:
    others = model.objects.filter(grid=grid, name__iexact=name)
    if exclude:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({field: [message % {"name": name}]})


# --- Criteria and candidates: rows of a grid, added at its end, renamed only to a free name -------------

def _row_add(model, grid, locked, values: dict, limit: int, taken: str, too_many: str):
    _unique_name(model, locked, values["name"], None, "name", taken)
    if model.objects.filter(grid=locked).count() >= limit:
        raise ValidationError({"name": [too_many % {"n": limit}]})
    position = (model.objects.filter(grid=locked).aggregate(m=Max("position"))["m"] or 0) + 1
    row = model.objects.create(grid=locked, position=position, **values)
    _touch(grid)
    return row


def _row_update(row, grid, values: dict, taken: str):
    if "name" in values:
        _unique_name(type(row), grid, values["name"], row.pk, "name", taken)
    for field, value in values.items():
        setattr(row, field, value)
    row.save()
    _touch(grid)
    return row


@transaction.atomic
def criterion_add(*, actor, grid: Grid, data: dict) -> Criterion:
    """A criterion at the end of the grid (weight 1 when none is given)."""
    _require_editor(actor, grid)
    locked = _locked(grid)
    values = _criterion_values(data, None)
    return _row_add(Criterion, grid, locked, values, MAX_CRITERIA,
                    _("Le critère « %(name)s » figure déjà dans cette grille."),
                    _("Une grille compte au plus %(n)s critères."))


@transaction.atomic
def criterion_update(*, actor, criterion: Criterion, data: dict) -> Criterion:
    grid = criterion.grid
    _require_editor(actor, grid)
    _locked(grid)
    values = _criterion_values(data, criterion)
    return _row_update(criterion, grid, values, _("Le critère « %(name)s » figure déjà dans cette grille."))


@transaction.atomic
def criterion_delete(*, actor, criterion: Criterion) -> None:
    grid = criterion.grid
    _require_editor(actor, grid)
    _locked(grid)
    criterion.delete()
    _touch(grid)


# --- Candidates --------------------------------------------------------------------------------------

def _candidate_values(data: dict, candidate: Candidate | None) -> dict:
    errors: dict = {}
    values: dict = {}
    if "name" in data or candidate is None:
        values["name"] = text_checks.line(errors, "name", data.get("name"), max_length=200)
    if "licence" in data:
        values["licence"] = text_checks.line(errors, "licence", data.get("licence"), max_length=200)
    if "notes" in data:
        values["notes"] = text_checks.text(errors, "notes", data.get("notes"), max_length=5000)
    if "is_free" in data:
        values["is_free"] = data.get("is_free") in _TRUE
    if "software" in data:
        raw = data.get("software")
        software = None
        if isinstance(raw, Software):
            software = raw
        elif raw not in (None, ""):
            software = Software.objects.filter(
                Q(slug=str(raw)[:100]) | Q(pk=_int(raw))).first()
            if software is None:
                errors["software"] = [_("Logiciel « %(value)s » introuvable dans le catalogue.")
                                      % {"value": str(raw)[:100]}]
        values["software"] = software
        if software is not None:
            if not values.get("name"):
                values["name"] = software.name[:200]
            if "is_free" not in data:
                values["is_free"] = not software.is_proprietary
            if not values.get("licence") and software.licence:
                values["licence"] = software.licence[:200]
    if "name" in values and not values["name"] and "name" not in errors:
        errors["name"] = [_("Nommez la solution (ou choisissez-la dans le catalogue).")]
    text_checks.raise_if(errors)
    return values


@transaction.atomic
def candidate_add(*, actor, grid: Grid, data: dict) -> Candidate:
    """A candidate solution at the end of the grid: a name, or a catalogue entry (``software``: its slug or
    id; its name, licence and whether it is free are taken from it when not given)."""
    _require_editor(actor, grid)
    locked = _locked(grid)
    values = _candidate_values(data, None)
    return _row_add(Candidate, grid, locked, values, MAX_CANDIDATES,
                    _("La solution « %(name)s » figure déjà dans cette grille."),
                    _("Une grille compte au plus %(n)s solutions."))


@transaction.atomic
def candidate_update(*, actor, candidate: Candidate, data: dict) -> Candidate:
    grid = candidate.grid
    _require_editor(actor, grid)
    _locked(grid)
    values = _candidate_values(data, candidate)
    return _row_update(candidate, grid, values, _("La solution « %(name)s » figure déjà dans cette grille."))


@transaction.atomic
def candidate_delete(*, actor, candidate: Candidate) -> None:
    grid = candidate.grid
    _require_editor(actor, grid)
    _locked(grid)
    candidate.delete()
    _touch(grid)


# --- Scores ------------------------------------------------------------------------------------------

def _score_values(errors: dict, prefix: str, grid: Grid, row: dict) -> dict | None:
    """``None`` for an empty value (the score is removed), else the checked values."""
    raw = row.get("value")
    local: dict = {}
    value = None
    if raw not in (None, "") and str(raw).strip():
        value = _decimal(local, "value", raw, label=str(_("Note")), minimum=Decimal("0"),
                         maximum=Decimal(grid.scale_max))
    note = text_checks.text(local, "note", row.get("note"), max_length=5000)
    evidence = _evidence(local, row.get("evidence_url"))
    if value is None and "value" not in local and (note or evidence):
        local["value"] = [_("Note : indiquez une note pour garder la justification et la preuve.")]
    for field, messages in local.items():
        errors.setdefault(f"{prefix}{field}", []).extend(messages)
    if local or value is None:
        return None
    return {"value": value, "note": note, "evidence_url": evidence}


@transaction.atomic
def scores_set(*, actor, grid: Grid, rows: dict) -> int:
    """Record several scores at once: ``{(candidate id, criterion id): {"value", "note", "evidence_url"}}``;
    an empty value removes the score. All or nothing: one bad cell and nothing is written (the errors are
    keyed ``score-<candidate>-<criterion>-<field>``). Returns how many scores the grid now holds."""
    _require_editor(actor, grid)
    locked = _locked(grid)
    criteria = set(Criterion.objects.filter(grid=locked).values_list("pk", flat=True))
    candidates = set(Candidate.objects.filter(grid=locked).values_list("pk", flat=True))
    errors: dict = {}
    writes: dict = {}
    removes: list = []
    for key, row in rows.items():
        try:
            candidate_id, criterion_id = (int(k) for k in key)
        except (TypeError, ValueError):
            raise ValidationError({"scores": [_("Cellule de note illisible.")]}) from None
        prefix = f"score-{candidate_id}-{criterion_id}-"
        if candidate_id not in candidates or criterion_id not in criteria:
            errors.setdefault(prefix + "value", []).append(
                _("Cette note ne porte pas sur une solution et un critère de cette grille."))
            continue
        if not isinstance(row, dict):
            row = {"value": row}
        values = _score_values(errors, prefix, locked, row)
        if values is None:
            if prefix + "value" not in errors and prefix + "note" not in errors \
                    and prefix + "evidence_url" not in errors:
                removes.append((candidate_id, criterion_id))
        else:
            writes[(candidate_id, criterion_id)] = values
    text_checks.raise_if(errors)
    existing = {(s.candidate_id, s.criterion_id): s for s in
                Score.objects.filter(criterion__grid=locked)}
    for pair in removes:
        if pair in existing:
            existing.pop(pair).delete()
    new = []
    for pair, values in writes.items():
        score = existing.get(pair)
        if score is None:
            new.append(Score(candidate_id=pair[0], criterion_id=pair[1], **values))
        elif any(getattr(score, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(score, f, v)
            score.save(update_fields=list(values))
    Score.objects.bulk_create(new)
    _touch(grid)
    return Score.objects.filter(criterion__grid=locked).count()


def score_set(*, actor, candidate: Candidate, criterion: Criterion, value, note: str = "",
              evidence_url: str = "") -> Score | None:
    """One score (``value`` empty: removed, ``None`` returned)."""
    if candidate.grid_id != criterion.grid_id:
        raise ValidationError({"criterion": [_("Ce critère n'est pas dans la grille de cette solution.")]})
    grid = candidate.grid
    scores_set(actor=actor, grid=grid, rows={(candidate.pk, criterion.pk): {
        "value": value, "note": note, "evidence_url": evidence_url}})
    return Score.objects.filter(candidate=candidate, criterion=criterion).first()


# --- The matrix and the ranking ----------------------------------------------------------------------

def _percent(points: Decimal, weights: Decimal, scale_max: int) -> Decimal | None:
    """``points / (weights × scale_max)`` as a percentage, rounded half-up to one decimal."""
    if not weights:
        return None
    return (points * 100 / (weights * scale_max)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def grid_matrix(grid: Grid) -> dict:
    """The comparison of ``grid``'s candidates (three queries):

    ``{"scale_max", "weight_total", "criteria": [{"id", "name", "description", "weight"}],
    "candidates": [{"id", "name", "is_free", "licence", "software", "notes", "points", "percent", "scored",
    "missing", "complete", "rank", "scores": [{"criterion_id", "value", "note", "evidence_url"} | value None]}]
    (in the grid's order), "rows": [{"criterion", "cells": [...]}] (criteria × candidates), "ranking": [the
    candidates, best first]}``.

    ``percent`` = Σ(weight × score) / (Σ weights × scale_max) × 100, rounded half-up to one decimal
    (``None`` while the grid has no criterion); a missing score counts 0 (``missing`` says how many).
    """
    criteria = list(Criterion.objects.filter(grid=grid).order_by("position", "pk"))
    candidates = list(Candidate.objects.filter(grid=grid).select_related("software").order_by("position", "pk"))
    scores = {(s.candidate_id, s.criterion_id): s for s in Score.objects.filter(criterion__grid=grid)}
    weight_total = sum((c.weight for c in criteria), Decimal("0"))
    rows_out = []
    cand_out = []
    for candidate in candidates:
        points = Decimal("0")
        cells = []
        for criterion in criteria:
            score = scores.get((candidate.pk, criterion.pk))
            if score is not None:
                points += criterion.weight * score.value
            cells.append({"criterion_id": criterion.pk, "candidate_id": candidate.pk,
                          "value": score.value if score else None, "note": score.note if score else "",
                          "evidence_url": score.evidence_url if score else ""})
        scored = sum(1 for cell in cells if cell["value"] is not None)
        cand_out.append({
            "id": candidate.pk, "name": candidate.name, "is_free": candidate.is_free, "licence": candidate.licence,
            "notes": candidate.notes, "software": candidate.software, "points": points,
            "percent": _percent(points, weight_total, grid.scale_max), "scored": scored,
            "missing": len(criteria) - scored, "complete": scored == len(criteria), "scores": cells, "rank": None,
        })
    for index, criterion in enumerate(criteria):
        rows_out.append({"criterion": {"id": criterion.pk, "name": criterion.name,
                                       "description": criterion.description, "weight": criterion.weight},
                         "cells": [c["scores"][index] for c in cand_out]})
    ranking = sorted(cand_out, key=lambda c: (-c["points"], c["name"].casefold(), c["id"]))
    previous = None
    for position, row in enumerate(ranking, start=1):
        row["rank"] = previous["rank"] if previous is not None and previous["points"] == row["points"] else position
        previous = row
    return {
        "grid": grid, "scale_max": grid.scale_max, "weight_total": weight_total,
        "criteria": [r["criterion"] for r in rows_out], "candidates": cand_out, "rows": rows_out,
        "ranking": ranking,
    }


# --- Exports -----------------------------------------------------------------------------------------

def csv_cell(value) -> str:
    """A cell as text, a formula neutralised: one starting with ``=``, ``+``, ``-`` or ``@`` gets a leading
    ``'``."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def _label(value) -> str:
    return str(value)


def _export_rows(matrix: dict) -> tuple[list[list], list[list]]:
    """The matrix sheet and the ranking sheet as rows (numbers as ``Decimal``, missing scores ``None``)."""
    candidates = matrix["candidates"]
    header = [_label(gettext_lazy("Critère")), _label(gettext_lazy("Poids"))] + [c["name"] for c in candidates]
    rows = [header]
    for row in matrix["rows"]:
        rows.append([row["criterion"]["name"], row["criterion"]["weight"]] + [cell["value"] for cell in row["cells"]])
    rows.append([_label(gettext_lazy("Total pondéré (%)")), matrix["weight_total"]]
                + [c["percent"] for c in candidates])
    rows.append([_label(gettext_lazy("Critères notés")), len(matrix["criteria"])] + [c["scored"] for c in candidates])
    ranking = [[_label(gettext_lazy("Rang")), _label(gettext_lazy("Solution")), _label(gettext_lazy("Logiciel libre")),
                _label(gettext_lazy("Licence")), _label(gettext_lazy("Score pondéré (%)")),
                _label(gettext_lazy("Critères notés")), _label(gettext_lazy("Critères sans note"))]]
    for c in matrix["ranking"]:
        ranking.append([c["rank"], c["name"], _("oui") if c["is_free"] else _("non"), c["licence"], c["percent"],
                        c["scored"], c["missing"]])
    return rows, ranking


def grid_export_csv(grid: Grid) -> bytes:
    """The matrix then the ranking (after an empty line), UTF-8 with BOM, comma-separated."""
    rows, ranking = _export_rows(grid_matrix(grid))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(grid.title)])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    writer.writerow([])
    for row in ranking:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def grid_export_xlsx(grid: Grid) -> bytes:
    """An XLSX workbook: « Matrice » (criteria, weights, scores, weighted totals) and « Classement »."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows, ranking = _export_rows(grid_matrix(grid))
    book = Workbook()
    sheet = book.active
    sheet.title = "Matrice"
    for row in rows:
        sheet.append([csv_cell(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 40
    second = book.create_sheet("Classement")
    for row in ranking:
        second.append([csv_cell(v) if isinstance(v, str) else v for v in row])
    for cell in second[1]:
        cell.font = Font(bold=True)
    second.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: The grid's export formats: how to write it, and its media type.
EXPORT_FORMATS = {
    "csv": (grid_export_csv, "text/csv; charset=utf-8"),
    "xlsx": (grid_export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def grid_export(grid: Grid, fmt: str) -> tuple[bytes, str, str]:
    """``(content, media type, file name)`` of the grid in ``fmt`` (``csv`` or ``xlsx``), the file named after
    its title; ``ValidationError`` for another format."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": [_("Format d'export : « csv » ou « xlsx ».")]})
    write, media_type = EXPORT_FORMATS[fmt]
    return write(grid), media_type, f"{slugify(grid.title)[:60] or f'grille-{grid.pk}'}.{fmt}"
