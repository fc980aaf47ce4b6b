"""``/api/v1/learn/…`` of the ecosystems part: ecosystems, standards and their versions (the schema JSON),
conformity of a dataset or an ecosystem; writing a version and declaring a dataset's standard (token or
session).

Errors have the REST API's shape (``{"detail", "errors"}``): 400 for an invalid schema (each problem with
its path in ``errors.schema``), 401 without credentials, 403 without permission, 404, 409 for a version
that exists already, 413 for a request too big.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja import Status as HttpStatus

from ouvert.api import AUTH, api, reader
from ouvert.catalog import services as catalog_services

from . import ecosystems as eco
from .models import StandardVersion

router = Router(tags=["learn"])


def _iso(value):
    return value.isoformat() if value is not None else None


def _version(version: StandardVersion, *, schema: bool = False) -> dict:
    data = {"version": version.version, "status": version.status, "released_on": _iso(version.released_on),
            "changelog_fr": version.changelog_fr, "changelog_en": version.changelog_en,
            "schema_url": reverse("learn:standard_schema", kwargs={"name": version.standard.name,
                                                                  "version": version.version})}
    if schema:
        data["schema"] = version.schema
    return data


def _standard(standard, versions) -> dict:
    return {"name": standard.name, "title_fr": standard.title_fr, "title_en": standard.title_en,
            "description_fr": standard.description_fr, "description_en": standard.description_en,
            "domain": standard.domain, "licence": standard.licence, "links": standard.links,
            "maintainer": standard.maintainer.slug if standard.maintainer else None,
            "versions": [_version(v) for v in versions]}


@router.get("/standards", summary="Registre des standards de données / Data standards registry")
def standards(request: HttpRequest):
    return {"results": [_standard(s, s.versions.all()) for s in eco.standard_list()]}


@router.get("/standards/{name}", summary="Un standard et ses versions / A standard and its versions")
def standard(request: HttpRequest, name: str):
    found = eco.standard_get(name=name)
    return _standard(found, eco.versions_of(found))


@router.get("/standards/{name}/versions/{version}", summary="Une version (avec son schéma) / A version")
def standard_version(request: HttpRequest, name: str, version: str):
    found = eco.standard_get(name=name)
    return _version(eco.version_get(standard=found, version=version), schema=True)


@router.get("/standards/{name}/versions/{version}/schema", summary="Schéma Table Schema / Table Schema JSON")
def standard_schema(request: HttpRequest, name: str, version: str):
    found = eco.standard_get(name=name)
    return eco.version_get(standard=found, version=version).schema


@router.post("/standards/{name}/versions", auth=AUTH, response={201: dict},
             summary="Publier une version (administrateurs) / Add a version")
def standard_version_create(request: HttpRequest, name: str):
    import json

    found = eco.standard_get(name=name)
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return api.create_response(request, {"detail": "Corps JSON invalide."}, status=400)
    if not isinstance(body, dict):
        return api.create_response(request, {"detail": "Un objet JSON est attendu."}, status=400)
    try:
        created = eco.version_create(actor=request.user, standard=found, data=body)
    except eco.VersionExists as exc:
        return api.create_response(request, {"detail": exc.message_dict["version"][0], "errors": exc.message_dict},
                                   status=409)
    return HttpStatus(201, _version(created, schema=True))


def _ecosystem(ecosystem, detail: dict | None = None) -> dict:
    data = {"name": ecosystem.name, "title_fr": ecosystem.title_fr, "title_en": ecosystem.title_en,
            "description_fr": ecosystem.description_fr, "description_en": ecosystem.description_en,
            "domain": ecosystem.domain, "is_demo": ecosystem.is_demo}
    if detail is not None:
        data.update({
            "organisations": [{"slug": m.organisation.slug, "name_fr": m.organisation.name_fr,
                               "role_fr": m.role_fr, "role_en": m.role_en, "coordinator": m.is_coordinator}
                              for m in detail["members"]],
            "contacts": [{"name": c.name, "role_fr": c.role_fr, "role_en": c.role_en,
                          "organisation": c.organisation.slug if c.organisation else None,
                          "email": c.email or None} for c in detail["contacts"]],
            "datasets": [{"name": e.dataset.name, "title_fr": e.dataset.title_fr,
                          "standard": e.standard_version.standard.name if e.standard_version else None,
                          "version": e.standard_version.version if e.standard_version else None}
                         for e in detail["entries"]],
            "reuses": [{"name": r.name, "title_fr": r.title_fr, "url": r.url} for r in detail["reuses"]],
            "standards": [s.name for s in detail["standards"]],
            "publications": [p.slug for p in detail["publications"]],
        })
    return data


@router.get("/ecosystems", summary="Écosystèmes de données / Data ecosystems")
def ecosystems(request: HttpRequest):
    return {"results": [_ecosystem(e) for e in eco.ecosystem_list()]}


@router.get("/ecosystems/{name}", summary="Un écosystème / An ecosystem")
def ecosystem(request: HttpRequest, name: str):
    found = eco.ecosystem_get(name=name)
    return _ecosystem(found, eco.ecosystem_detail(found))


def _matrix(matrix: dict) -> dict:
    columns = [{"standard": c.standard.name, "version": c.version, "status": c.status} for c in matrix["columns"]]
    rows = []
    for row in matrix["rows"]:
        for line in row["resources"]:
            rows.append({
                "dataset": row["dataset"].name, "resource_id": str(line["resource"].pk) if line["resource"] else None,
                "resource": line["name"],
                "declared": {"standard": row["declared"].standard.name, "version": row["declared"].version}
                if row["declared"] else None,
                "cells": [{"standard": c["standard"], "version": c["version"], "state": cell["state"],
                           "error_count": cell["error_count"], "first_errors": cell["errors"],
                           "reason": cell.get("reason", "")}
                          for c, cell in zip(columns, line["cells"], strict=True)],
            })
    return {"columns": columns, "rows": rows}


@router.get("/ecosystems/{name}/conformity", summary="Matrice de conformité / Conformity matrix")
def ecosystem_conformity(request: HttpRequest, name: str, state: str = "", organisation: str = ""):
    found = eco.ecosystem_get(name=name)
    if state and state not in eco.MATRIX_STATES:
        from django.core.exceptions import ValidationError

        raise ValidationError({"state": [f"État inconnu : {', '.join(eco.MATRIX_STATES)}."]})
    return _matrix(eco.conformity_matrix(ecosystem=found, state=state, organisation=organisation[:100]))


@router.get("/datasets/{name_or_id}/conformity", summary="Conformité d'un jeu de données / A dataset's conformity")
def dataset_conformity(request: HttpRequest, name_or_id: str):
    dataset = catalog_services.dataset_get(name_or_id=name_or_id, user=reader(request))
    return {"dataset": dataset.name, "results": eco.conformity_for_dataset(dataset)}


class DeclareIn(Schema):
    dataset: str
    standard: str | None = None
    version: str | None = None


@router.post("/ecosystems/{name}/declarations", auth=AUTH,
             summary="Déclarer le standard d'un jeu de données / Declare a dataset's standard")
def ecosystem_declare(request: HttpRequest, name: str, payload: DeclareIn):
    found = eco.ecosystem_get(name=name)
    dataset = catalog_services.dataset_get(name_or_id=payload.dataset, user=request.user)
    version = None
    if payload.standard:
        version = eco.version_get(standard=eco.standard_get(name=payload.standard), version=payload.version or "latest")
    entry = eco.dataset_declare(actor=request.user, ecosystem=found, dataset=dataset, version=version)
    return {"dataset": dataset.name, "standard": version.standard.name if version else None,
            "version": version.version if version else None, "declared_at": _iso(entry.declared_at)}
