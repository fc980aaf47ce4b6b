"""``/api/v1/software/grids…``: the evaluation grids — lists, a grid with its matrix and ranking (JSON), and for
the members of the grid's body: create, change, delete, criteria, candidates, scores, copy; the CSV and XLSX
exports.

Reads are open (a private grid only to its body's members: 404 for anyone else); writes need a token or a
session (401 without). Errors: 400 bad input (``errors`` per field), 403 not allowed, 404 unknown or not
visible. Numbers (weights, scores, percentages) are JSON numbers; ``percent`` is rounded half-up to one
decimal and ``null`` while the grid has no criterion.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services
from ouvert.software import services

router = Router(tags=["software"])


def _num(value):
    return float(value) if value is not None else None


def _grid(grid, counts: bool = False) -> dict:
    data = {"id": grid.pk, "title": grid.title, "needs": grid.needs, "organisation": grid.organisation.slug,
            "organisation_name": grid.organisation.name_fr, "visibility": grid.visibility,
            "is_template": grid.is_template, "scale_max": grid.scale_max, "copied_from": grid.copied_from_id,
            "created_at": grid.created_at.isoformat(), "updated_at": grid.updated_at.isoformat(),
            "url": settings.OUVERT_BASE_URL + reverse("software:grid_detail", kwargs={"pk": grid.pk})}
    if counts:
        data["criteria_count"], data["candidates_count"] = grid.criteria_count, grid.candidates_count
    return data


def _matrix(matrix: dict) -> dict:
    def candidate(c):
        return {"id": c["id"], "name": c["name"], "is_free": c["is_free"], "licence": c["licence"],
                "notes": c["notes"], "software": c["software"].slug if c["software"] else None,
                "points": _num(c["points"]), "percent": _num(c["percent"]), "scored": c["scored"],
                "missing": c["missing"], "rank": c["rank"],
                "scores": [{"criterion": s["criterion_id"], "value": _num(s["value"]), "note": s["note"],
                            "evidence_url": s["evidence_url"]} for s in c["scores"]]}
    return {"scale_max": matrix["scale_max"], "weight_total": _num(matrix["weight_total"]),
            "criteria": [{"id": c["id"], "name": c["name"], "description": c["description"],
                          "weight": _num(c["weight"])} for c in matrix["criteria"]],
            "candidates": [candidate(c) for c in matrix["candidates"]],
            "ranking": [{"rank": c["rank"], "id": c["id"], "name": c["name"], "percent": _num(c["percent"])}
                        for c in matrix["ranking"]]}


def _payload(payload) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError({"__all__": [_("Envoyez un objet JSON.")]})
    return payload


@router.get("/grids", summary="Grilles d'évaluation / Evaluation grids")
def grid_list(request: HttpRequest):
    """``mine`` (the caller's bodies' grids), ``shared`` (other bodies' shared grids) and ``templates``."""
    lists = services.grid_lists(user=reader(request))
    return {key: [_grid(g, counts=True) for g in rows] for key, rows in lists.items()}


@router.post("/grids", auth=AUTH, response={201: dict}, summary="Créer une grille / Create a grid")
def grid_create(request: HttpRequest, payload: dict = Body(...)):  # noqa: B008
    """``{"organisation": "<slug>", "title", "needs", "visibility": "private" | "public", "is_template",
    "scale_max"}``."""
    data = _payload(payload)
    organisation = core_services.organisation_get(slug=str(data.get("organisation") or "")[:100])
    grid = services.grid_create(actor=request.auth, organisation=organisation,
                                data={k: v for k, v in data.items() if k in services.GRID_FIELDS})
    return Status(201, _grid(grid))


@router.get("/grids/{grid_id}", summary="Une grille, sa matrice et son classement / A grid with its matrix")
def grid_detail(request: HttpRequest, grid_id: int):
    grid = services.grid_get(pk=grid_id, user=reader(request))
    return {**_grid(grid), **_matrix(services.grid_matrix(grid)),
            "can_edit": services.grid_can_edit(reader(request), grid)}


@router.get("/grids/{grid_id}/matrix", summary="Matrice et classement / Matrix and ranking")
def grid_matrix(request: HttpRequest, grid_id: int):
    return _matrix(services.grid_matrix(services.grid_get(pk=grid_id, user=reader(request))))


@router.get("/grids/{grid_id}/export", summary="Export CSV ou XLSX / CSV or XLSX export")
def grid_export(request: HttpRequest, grid_id: int, format: str = "csv"):  # noqa: A002
    grid = services.grid_get(pk=grid_id, user=reader(request))
    content, media_type, file_name = services.grid_export(grid, format)
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@router.patch("/grids/{grid_id}", auth=AUTH, summary="Modifier une grille / Change a grid")
def grid_update(request: HttpRequest, grid_id: int, payload: dict = Body(...)):  # noqa: B008
    grid = services.grid_get(pk=grid_id, user=request.auth)
    data = _payload(payload)
    services.grid_update(actor=request.auth, grid=grid,
                         data={k: v for k, v in data.items() if k in services.GRID_FIELDS})
    return _grid(grid)


@router.delete("/grids/{grid_id}", auth=AUTH, response={204: None}, summary="Supprimer une grille / Delete a grid")
def grid_delete(request: HttpRequest, grid_id: int):
    services.grid_delete(actor=request.auth, grid=services.grid_get(pk=grid_id, user=request.auth))
    return Status(204, None)


@router.post("/grids/{grid_id}/copy", auth=AUTH, response={201: dict}, summary="Copier une grille / Copy a grid")
def grid_copy(request: HttpRequest, grid_id: int, payload: dict = Body(...)):  # noqa: B008
    """``{"organisation": "<slug>", "with_candidates": false, "title": ""}``: criteria and weights (and the
    candidates if asked), never the scores."""
    grid = services.grid_get(pk=grid_id, user=request.auth)
    data = _payload(payload)
    organisation = core_services.organisation_get(slug=str(data.get("organisation") or "")[:100])
    copy = services.grid_copy(request.auth, grid, organisation, with_candidates=data.get("with_candidates") is True,
                              title=data.get("title") or "")
    return Status(201, _grid(copy))


def _criterion(c) -> dict:
    return {"id": c.pk, "name": c.name, "description": c.description, "weight": _num(c.weight),
            "position": c.position}


def _candidate(c) -> dict:
    return {"id": c.pk, "name": c.name, "software": c.software.slug if c.software_id else None,
            "is_free": c.is_free, "licence": c.licence, "notes": c.notes, "position": c.position}


@router.post("/grids/{grid_id}/criteria", auth=AUTH, response={201: dict}, summary="Ajouter un critère / Add a criterion")
def criterion_add(request: HttpRequest, grid_id: int, payload: dict = Body(...)):  # noqa: B008
    """``{"name", "description", "weight"}`` (weight > 0, two decimals at most; 1 when absent)."""
    grid = services.grid_get(pk=grid_id, user=request.auth)
    return Status(201, _criterion(services.criterion_add(actor=request.auth, grid=grid, data=_payload(payload))))


@router.patch("/grids/{grid_id}/criteria/{criterion_id}", auth=AUTH, summary="Modifier un critère / Change a criterion")
def criterion_update(request: HttpRequest, grid_id: int, criterion_id: int, payload: dict = Body(...)):  # noqa: B008
    grid = services.grid_get(pk=grid_id, user=request.auth)
    criterion = services.criterion_get(grid=grid, pk=criterion_id)
    return _criterion(services.criterion_update(actor=request.auth, criterion=criterion, data=_payload(payload)))


@router.delete("/grids/{grid_id}/criteria/{criterion_id}", auth=AUTH, response={204: None},
               summary="Supprimer un critère / Delete a criterion")
def criterion_delete(request: HttpRequest, grid_id: int, criterion_id: int):
    grid = services.grid_get(pk=grid_id, user=request.auth)
    services.criterion_delete(actor=request.auth, criterion=services.criterion_get(grid=grid, pk=criterion_id))
    return Status(204, None)


@router.post("/grids/{grid_id}/candidates", auth=AUTH, response={201: dict},
             summary="Ajouter une solution / Add a candidate")
def candidate_add(request: HttpRequest, grid_id: int, payload: dict = Body(...)):  # noqa: B008
    """``{"name", "software": "<catalogue slug>", "is_free", "licence", "notes"}`` (a name or a catalogue
    entry)."""
    grid = services.grid_get(pk=grid_id, user=request.auth)
    return Status(201, _candidate(services.candidate_add(actor=request.auth, grid=grid, data=_payload(payload))))


@router.patch("/grids/{grid_id}/candidates/{candidate_id}", auth=AUTH,
              summary="Modifier une solution / Change a candidate")
def candidate_update(request: HttpRequest, grid_id: int, candidate_id: int, payload: dict = Body(...)):  # noqa: B008
    grid = services.grid_get(pk=grid_id, user=request.auth)
    candidate = services.candidate_get(grid=grid, pk=candidate_id)
    return _candidate(services.candidate_update(actor=request.auth, candidate=candidate, data=_payload(payload)))


@router.delete("/grids/{grid_id}/candidates/{candidate_id}", auth=AUTH, response={204: None},
               summary="Supprimer une solution / Delete a candidate")
def candidate_delete(request: HttpRequest, grid_id: int, candidate_id: int):
    grid = services.grid_get(pk=grid_id, user=request.auth)
    services.candidate_delete(actor=request.auth, candidate=services.candidate_get(grid=grid, pk=candidate_id))
    return Status(204, None)


@router.put("/grids/{grid_id}/scores", auth=AUTH, summary="Noter les solutions / Score the candidates")
def scores_set(request: HttpRequest, grid_id: int, payload: dict = Body(...)):  # noqa: B008
    """``{"scores": [{"candidate": id, "criterion": id, "value": 0…scale_max | null, "note", "evidence_url"}]}``:
    all or nothing; a ``null`` value removes the score. Returns the new matrix."""
    grid = services.grid_get(pk=grid_id, user=request.auth)
    items = _payload(payload).get("scores")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError({"scores": [_("Envoyez {\"scores\": [{\"candidate\", \"criterion\", \"value\"}]}.")]})
    rows = {}
    for item in items:
        key = (item.get("candidate"), item.get("criterion"))
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in key):
            raise ValidationError({"scores": [_("Chaque note nomme sa solution et son critère par leur numéro.")]})
        rows[key] = {"value": "" if item.get("value") is None else item.get("value"),
                     "note": item.get("note") or "", "evidence_url": item.get("evidence_url") or ""}
    services.scores_set(actor=request.auth, grid=grid, rows=rows)
    return _matrix(services.grid_matrix(grid))
