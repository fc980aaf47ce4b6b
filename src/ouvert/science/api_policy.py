"""``/api/v1/science/…``: the policy part — funds and their policy versions (read for everyone; write for
science managers), the journal registry (search, look-up, create, change, CSV import), the publishers'
self-archiving policies (list, create, change, delete, CSV import), the « how do I comply? » assistant
(``GET /assistant?journal=…&fund=…``) and ``POST /compliance/check``, which evaluates a publication described
in JSON without storing anything.

Reads are open to everyone; writes and imports need a token or a session (401 without) and a science
manager (403 otherwise). Errors: 400 bad input (``errors`` per field, or every line of an imported file),
403 not allowed, 404 unknown, 413 file too large.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from ouvert.api import AUTH
from ouvert.core import services as core_services
from ouvert.science import services

from .api_registry import PublicationFacts
from .models import ArchivingPolicy, Fund, Journal, PolicyVersion

router = Router(tags=["science"])

MAX_PER_PAGE = 100


def _iso(value):
    return value.isoformat() if value is not None else None


def _steps(steps) -> list[dict]:
    return [{**step, "text": services.reason_text(step)} for step in steps or []]


def _fund(f: Fund) -> dict:
    return {"slug": f.slug, "acronym": f.acronym, "name_fr": f.name_fr, "name_en": f.name_en, "url": f.url,
            "position": f.position}


def _version(v: PolicyVersion) -> dict:
    return {"fund": v.fund.slug, "code": v.code, "title_fr": v.title_fr, "title_en": v.title_en,
            "summary_fr": v.summary_fr, "summary_en": v.summary_en, "url": v.url,
            "effective_from": _iso(v.effective_from), "max_embargo_months": v.max_embargo_months,
            "licences": v.licences, "routes": v.routes, "rights_retention_fr": v.rights_retention_fr,
            "rights_retention_en": v.rights_retention_en}


def _journal(j: Journal) -> dict:
    return {"id": j.pk, "title": j.title, "issn_print": j.issn_print or None,
            "issn_electronic": j.issn_electronic or None, "publisher": j.publisher,
            "is_open_access": j.is_open_access, "registry": j.registry, "licences": j.licences, "apc": j.apc,
            "transformative": j.transformative, "url": j.url, "updated_at": _iso(j.updated_at)}


def _archiving(p: ArchivingPolicy) -> dict:
    return {"id": p.pk, "journal": _journal(p.journal) if p.journal_id else None, "publisher": p.publisher,
            "version": p.version, "locations": p.locations, "embargo_months": p.embargo_months,
            "licence": p.licence, "conditions": p.conditions, "url": p.url}


def _page(queryset, page: str, per_page: str, row) -> dict:
    meta, rows = core_services.api_page(queryset, page=page, per_page=per_page, maximum=MAX_PER_PAGE)
    return {**meta, "results": [row(item) for item in rows]}


# --- Funds and policy versions ---------------------------------------------------------------------

@router.get("/funds", summary="Fonds de recherche et leur politique en vigueur / Funds and their current policy")
def fund_list(request: HttpRequest):
    overview = services.policy_overview()
    results = []
    for item in overview:
        current = next((row["version"] for row in item["timeline"] if row["in_force"]), None)
        results.append({**_fund(item["fund"]), "current_policy": current.code if current else None,
                        "policies": [{"code": row["version"].code, "effective_from": _iso(row["version"].effective_from),
                                      "until": _iso(row["until"])} for row in item["timeline"]]})
    return {"results": results}


class FundIn(Schema):
    slug: str = ""
    acronym: str
    name_fr: str
    name_en: str = ""
    url: str = ""
    position: int = 0


class FundPatch(Schema):
    slug: str | None = None
    acronym: str | None = None
    name_fr: str | None = None
    name_en: str | None = None
    url: str | None = None
    position: int | None = None


@router.post("/funds", auth=AUTH, response={201: dict}, summary="Ajouter un fonds / Add a fund")
def fund_create(request: HttpRequest, payload: FundIn):
    return Status(201, _fund(services.fund_create(actor=request.auth, data=payload.dict())))


@router.get("/funds/{slug}", summary="Un fonds et ses versions / A fund and its policy versions")
def fund_detail(request: HttpRequest, slug: str):
    fund = services.fund_get(slug)
    return {**_fund(fund), "policies": [_version(v) for v in services.policy_versions(fund)]}


@router.patch("/funds/{slug}", auth=AUTH, summary="Modifier un fonds / Change a fund")
def fund_update(request: HttpRequest, slug: str, payload: FundPatch):
    fund = services.fund_get(slug)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    return _fund(services.fund_update(actor=request.auth, fund=fund, data=data))


@router.delete("/funds/{slug}", auth=AUTH, response={204: None}, summary="Supprimer un fonds / Delete a fund")
def fund_delete(request: HttpRequest, slug: str):
    services.fund_delete(actor=request.auth, fund=services.fund_get(slug))
    return Status(204, None)


class VersionIn(Schema):
    code: str
    title_fr: str
    title_en: str = ""
    summary_fr: str = ""
    summary_en: str = ""
    url: str = ""
    effective_from: str
    max_embargo_months: int = 0
    licences: list[str] = []
    routes: dict[str, Any] = {}
    rights_retention_fr: str = ""
    rights_retention_en: str = ""


class VersionPatch(Schema):
    code: str | None = None
    title_fr: str | None = None
    title_en: str | None = None
    summary_fr: str | None = None
    summary_en: str | None = None
    url: str | None = None
    effective_from: str | None = None
    max_embargo_months: int | None = None
    licences: list[str] | None = None
    routes: dict[str, Any] | None = None
    rights_retention_fr: str | None = None
    rights_retention_en: str | None = None


@router.get("/funds/{slug}/policies", summary="Versions de la politique d'un fonds / A fund's policy versions")
def policy_list(request: HttpRequest, slug: str):
    return {"results": [_version(v) for v in services.policy_versions(services.fund_get(slug))]}


@router.post("/funds/{slug}/policies", auth=AUTH, response={201: dict},
             summary="Ajouter une version (recalcule les verdicts) / Add a version (verdicts recomputed)")
def policy_create(request: HttpRequest, slug: str, payload: VersionIn):
    fund = services.fund_get(slug)
    return Status(201, _version(services.policy_version_create(actor=request.auth, fund=fund, data=payload.dict())))


@router.get("/funds/{slug}/policies/{code}", summary="Une version de politique / One policy version")
def policy_detail(request: HttpRequest, slug: str, code: str):
    version = services.policy_version_get(services.fund_get(slug), code)
    return {**_version(version), "routes_explained": [
        {"code": r["code"], "label": str(r["label"]), "explanation": str(r["explanation"]), "params": r["params"]}
        for r in services.version_routes(version)]}


@router.patch("/funds/{slug}/policies/{code}", auth=AUTH,
              summary="Modifier une version (recalcule les verdicts) / Change a version (verdicts recomputed)")
def policy_update(request: HttpRequest, slug: str, code: str, payload: VersionPatch):
    version = services.policy_version_get(services.fund_get(slug), code)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    return _version(services.policy_version_update(actor=request.auth, version=version, data=data))


@router.delete("/funds/{slug}/policies/{code}", auth=AUTH, response={204: None},
               summary="Supprimer une version (recalcule les verdicts) / Delete a version (verdicts recomputed)")
def policy_delete(request: HttpRequest, slug: str, code: str):
    version = services.policy_version_get(services.fund_get(slug), code)
    services.policy_version_delete(actor=request.auth, version=version)
    return Status(204, None)


# --- Journals --------------------------------------------------------------------------------------

@router.get("/journals", summary="Chercher dans le répertoire des revues / Search the journal registry")
def journal_list(request: HttpRequest, q: str = "", open_access: str = "", page: str = "1", per_page: str = "50"):
    """``q``: an ISSN, or words of the title or publisher; ``open_access``: true / false."""
    flag = {"true": True, "false": False, "": None}.get(open_access.lower())
    if open_access and flag is None:
        raise ValidationError({"open_access": [_("« open_access » vaut true ou false.")]})
    return _page(services.journal_search(q, open_access=flag), page, per_page, _journal)


@router.get("/journals/lookup", summary="Trouver une revue par ISSN ou titre exact / Look a journal up")
def journal_lookup(request: HttpRequest, issn: str = "", title: str = ""):
    journal = services.journal_lookup(issn=issn or None, title=title or None)
    if journal is None:
        raise core_services.NotFound(_("Aucune revue du répertoire ne correspond."))
    return _journal(journal)


class JournalIn(Schema):
    title: str
    issn_print: str = ""
    issn_electronic: str = ""
    publisher: str = ""
    is_open_access: bool = False
    registry: str = ""
    licences: list[str] = []
    apc: bool | None = None
    transformative: bool = False
    url: str = ""


class JournalPatch(Schema):
    title: str | None = None
    issn_print: str | None = None
    issn_electronic: str | None = None
    publisher: str | None = None
    is_open_access: bool | None = None
    registry: str | None = None
    licences: list[str] | None = None
    apc: bool | None = None
    transformative: bool | None = None
    url: str | None = None


@router.post("/journals", auth=AUTH, response={201: dict}, summary="Ajouter une revue / Add a journal")
def journal_create(request: HttpRequest, payload: JournalIn):
    return Status(201, _journal(services.journal_create(actor=request.auth, data=payload.dict())))


@router.post("/journals/import", auth=AUTH, response={200: dict, 413: dict},
             summary="Importer des revues (CSV du DOAJ ou gabarit) / Import journals (DOAJ CSV or template)")
def journal_import(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return _import(request, file, services.journals_import)


@router.get("/journals/{int:pk}", summary="Une revue et ses politiques d'autoarchivage / One journal")
def journal_detail(request: HttpRequest, pk: int):
    journal = services.journal_get(pk)
    return {**_journal(journal), "archiving_policies": [_archiving(p) for p in services.archiving_policies_for(journal)]}


@router.patch("/journals/{int:pk}", auth=AUTH, summary="Modifier une revue / Change a journal")
def journal_update(request: HttpRequest, pk: int, payload: JournalPatch):
    journal = services.journal_get(pk)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    return _journal(services.journal_update(actor=request.auth, journal=journal, data=data))


def _import(request, file, run):
    try:
        services.check_size(file.size)
        return run(actor=request.auth, data=file.read(), filename=file.name or "")
    except services.ImportTooLarge as exc:
        return Status(413, {"detail": str(exc)})
    except ValidationError as exc:
        lines = exc.messages
        raise ValidationError({"file": lines}) from None


# --- Self-archiving policies -----------------------------------------------------------------------

@router.get("/archiving-policies", summary="Politiques d'autoarchivage / Self-archiving policies")
def archiving_list(request: HttpRequest, q: str = "", page: str = "1", per_page: str = "50"):
    return _page(services.archiving_policy_list(q), page, per_page, _archiving)


class ArchivingIn(Schema):
    issn: str = ""
    publisher: str = ""
    version: str
    locations: list[str] = []
    embargo_months: int = 0
    licence: str = ""
    conditions: str = ""
    url: str = ""


class ArchivingPatch(Schema):
    issn: str | None = None
    publisher: str | None = None
    version: str | None = None
    locations: list[str] | None = None
    embargo_months: int | None = None
    licence: str | None = None
    conditions: str | None = None
    url: str | None = None


@router.post("/archiving-policies", auth=AUTH, response={201: dict},
             summary="Ajouter une politique d'autoarchivage / Add a self-archiving policy")
def archiving_create(request: HttpRequest, payload: ArchivingIn):
    return Status(201, _archiving(services.archiving_policy_create(actor=request.auth, data=payload.dict())))


@router.post("/archiving-policies/import", auth=AUTH, response={200: dict, 413: dict},
             summary="Importer des politiques d'autoarchivage (CSV) / Import self-archiving policies (CSV)")
def archiving_import(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return _import(request, file, services.archiving_policies_import)


@router.patch("/archiving-policies/{int:pk}", auth=AUTH,
              summary="Modifier une politique d'autoarchivage / Change a self-archiving policy")
def archiving_update(request: HttpRequest, pk: int, payload: ArchivingPatch):
    policy = services.archiving_policy_get(pk)
    data = payload.dict(exclude_unset=True)
    return _archiving(services.archiving_policy_update(actor=request.auth, policy=policy, data=data))


@router.delete("/archiving-policies/{int:pk}", auth=AUTH, response={204: None},
               summary="Supprimer une politique d'autoarchivage / Delete a self-archiving policy")
def archiving_delete(request: HttpRequest, pk: int):
    services.archiving_policy_delete(actor=request.auth, policy=services.archiving_policy_get(pk))
    return Status(204, None)


# --- The assistant and the compliance check --------------------------------------------------------

@router.get("/assistant", summary="Comment me conformer ? / How do I comply?")
def assistant(request: HttpRequest, journal: str = "", fund: str = ""):
    """For a journal (ISSN or title) and a fund (slug): each route of the version in force today, with
    ``status`` works / fails / depends, its steps (reason codes and sentences) and what to do."""
    result = services.assistant(journal_query=journal, fund=fund)
    version = result["version"]
    return {
        "query": result["query"], "fund": _fund(result["fund"]),
        "journal": _journal(result["journal"]) if result["journal"] else None,
        "candidates": [_journal(j) for j in result["candidates"]], "not_found": result["not_found"],
        "invalid_issn": result["invalid_issn"],
        "policy": {"code": version.code, "title_fr": version.title_fr, "title_en": version.title_en,
                   "effective_from": _iso(version.effective_from)} if version else None,
        "routes": [{"code": r["code"], "label": str(r["label"]), "status": r["status"], "steps": _steps(r["steps"]),
                    "missing": r["missing"], "todo": r["todo"]} for r in result["routes"]],
        "archiving_policies": [_archiving(p) for p in result["archiving"]],
        "rights_retention": {"fr": result["rights_retention_fr"], "en": result["rights_retention_en"]},
    }


class CheckIn(PublicationFacts):
    fund: str = ""


def _check_date(value, name, errors):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("%(field)s : une date AAAA-MM-JJ.") % {"field": name}]
        return None


@router.post("/compliance/check",
             summary="Vérifier une publication sans l'enregistrer / Check a publication without storing it")
def compliance_check(request: HttpRequest, payload: CheckIn):
    """The verdict of each fund's policy (or of ``fund`` alone) on the publication described; nothing is
    stored. Licences may be written as SPDX ids, Creative Commons names or URLs."""
    errors: dict = {}
    data = payload.dict()
    fund_slug = data.pop("fund")
    for name in ("published_on", "deposited_on", "deposit_open_on"):
        data[name] = _check_date(data[name], name, errors)
    for name in ("licence", "deposit_licence"):
        if data[name]:
            spdx = services.licence_normalize(data[name])
            if spdx is None:
                errors[name] = [_("Licence non reconnue : « %(value)s ».") % {"value": data[name][:80]}]
            data[name] = spdx or ""
    if data["issn"]:
        issn = services.issn_normalize(data["issn"])
        if issn is None:
            errors["issn"] = [_("ISSN invalide : « %(value)s ».") % {"value": data["issn"][:20]}]
        data["issn"] = issn or ""
    if data["version_deposited"] and data["version_deposited"] not in services.VERSIONS:
        errors["version_deposited"] = [_("Version : submitted, accepted ou published.")]
    for name, limit in (("journal_title", 500), ("publisher", 300), ("repository_url", 1000)):
        if len(data[name]) > limit:
            errors[name] = [_("%(field)s : %(limit)s caractères au plus.") % {"field": name, "limit": limit}]
    if errors:
        raise ValidationError(errors)
    funds = [services.fund_get(fund_slug)] if fund_slug else list(services.fund_list())
    results = []
    for fund in funds:
        verdict = services.evaluate_description(data, fund)
        results.append({"fund": fund.slug, "verdict": verdict.verdict, "route": verdict.route,
                        "missing": verdict.missing, "missing_text": [services.missing_text(m) for m in verdict.missing],
                        "policy": verdict.policy_version.code if verdict.policy_version else None,
                        "steps": _steps(verdict.steps)})
    return {"verdicts": results, "oa_status": services.observed_oa_status(services.describe(data))}
