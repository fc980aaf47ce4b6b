"""``/api/v1/science/…``: the oai part, for science managers — the repositories harvested over OAI-PMH (list,
add, change, harvest now), their runs and deposits, the deposits that match no publication and linking one by
hand. Every endpoint needs a token or a session (401 without); 403 for those who do not manage, 400 bad input
(``errors`` per field), 404 unknown. The OAI-PMH feed of the registry itself is ``/oai``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router, Schema, Status

from ouvert.api import AUTH
from ouvert.core import services as core_services
from ouvert.science import services

router = Router(tags=["science"])

PER_PAGE = 100


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _source(item) -> dict:
    data = {"slug": item.slug, "name": item.name, "base_url": item.base_url, "metadata_prefix": item.metadata_prefix,
            "set_spec": item.set_spec, "organisation": item.organisation.slug if item.organisation_id else None,
            "granularity": item.granularity, "harvested_until": _iso(item.harvested_until),
            "is_active": item.is_active, "every_hours": item.every_hours}
    for name in ("last_status", "last_started_at", "deposit_count", "unmatched_count"):
        if hasattr(item, name):
            value = getattr(item, name)
            data[name] = _iso(value) if name == "last_started_at" else value
    return data


def _run(item) -> dict:
    return {"id": item.pk, "status": item.status, "started_at": _iso(item.started_at),
            "finished_at": _iso(item.finished_at), "from": item.from_param, "until": item.until_param,
            "pages": item.pages, "records": item.records, "deleted": item.deleted, "matched": item.matched,
            "skipped": item.skipped, "warnings": item.warnings, "error": item.error}


def _deposit(item) -> dict:
    return {"id": item.pk, "source": item.source.slug, "identifier": item.identifier,
            "datestamp": _iso(item.datestamp), "deleted": item.deleted, "set_specs": item.set_specs,
            "title": item.title, "doi": item.doi or None, "url": item.url, "version": item.version,
            "licence": item.licence, "rights": item.rights, "date": item.date,
            "embargo_until": _iso(item.embargo_until), "publication": item.publication_id,
            "matched_by": item.matched_by}


def _page(queryset, page) -> dict:
    paginator = Paginator(queryset, PER_PAGE)
    current = paginator.get_page(core_services.page_number(page))
    return {"count": paginator.count, "page": current.number, "pages": paginator.num_pages,
            "results": [_deposit(item) for item in current.object_list]}


class RepositoryIn(Schema):
    slug: str = ""
    name: str = ""
    base_url: str = ""
    metadata_prefix: str = "oai_dc"
    set_spec: str = ""
    organisation: str = ""
    is_active: bool = True
    every_hours: int = 24


class RepositoryPatch(Schema):
    slug: str | None = None
    name: str | None = None
    base_url: str | None = None
    metadata_prefix: str | None = None
    set_spec: str | None = None
    organisation: str | None = None
    is_active: bool | None = None
    every_hours: int | None = None


class HarvestIn(Schema):
    full: bool = False


class LinkIn(Schema):
    publication: str


@router.get("/repositories", auth=AUTH, summary="Dépôts moissonnés / Harvested repositories")
def repositories(request: HttpRequest):
    return [_source(item) for item in services.repository_list(actor=request.auth)]


@router.post("/repositories", auth=AUTH, response={201: dict}, summary="Ajouter un dépôt / Add a repository")
def repository_create(request: HttpRequest, payload: RepositoryIn):
    item = services.repository_create(actor=request.auth, data=payload.dict())
    return Status(201, _source(item))


@router.get("/repositories/{slug}", auth=AUTH, summary="Un dépôt et ses moissonnages / A repository and its runs")
def repository(request: HttpRequest, slug: str):
    item = services.repository_get(actor=request.auth, slug=slug)
    return {**_source(item), "runs": [_run(run) for run in services.harvest_run_list(actor=request.auth, source=item)]}


@router.patch("/repositories/{slug}", auth=AUTH, summary="Modifier un dépôt / Change a repository")
def repository_update(request: HttpRequest, slug: str, payload: RepositoryPatch):
    item = services.repository_get(actor=request.auth, slug=slug)
    data = {key: value for key, value in payload.dict().items() if value is not None}
    return _source(services.repository_update(actor=request.auth, source=item, data=data))


@router.post("/repositories/{slug}/harvest", auth=AUTH, response={202: dict},
             summary="Moissonner maintenant / Harvest now")
def repository_harvest(request: HttpRequest, slug: str, payload: HarvestIn):
    item = services.repository_get(actor=request.auth, slug=slug)
    services.harvest_request(actor=request.auth, source=item, full=payload.full)
    runs = services.harvest_run_list(actor=request.auth, source=item, limit=1)
    return Status(202, {"queued": True, "last_run": _run(runs[0]) if runs else None})


@router.get("/repositories/{slug}/deposits", auth=AUTH, summary="Notices moissonnées d'un dépôt / A repository's deposits")
def repository_deposits(request: HttpRequest, slug: str, page: str = "1"):
    item = services.repository_get(actor=request.auth, slug=slug)
    return _page(services.deposit_list(actor=request.auth, source=item), page)


@router.get("/deposits/unmatched", auth=AUTH, summary="Notices à rattacher / Unmatched deposits")
def deposits_unmatched(request: HttpRequest, page: str = "1"):
    return _page(services.deposit_list(actor=request.auth, unmatched=True), page)


@router.post("/deposits/{deposit_id}/link", auth=AUTH,
             summary="Rattacher une notice à une publication / Link a deposit to a publication")
def deposit_link(request: HttpRequest, deposit_id: int, payload: LinkIn):
    item = services.deposit_get(actor=request.auth, pk=deposit_id)
    return _deposit(services.deposit_link(actor=request.auth, deposit=item, publication=payload.publication))


@router.post("/deposits/{deposit_id}/unlink", auth=AUTH, summary="Détacher une notice / Unlink a deposit")
def deposit_unlink(request: HttpRequest, deposit_id: int):
    item = services.deposit_get(actor=request.auth, pk=deposit_id)
    return _deposit(services.deposit_unlink(actor=request.auth, deposit=item))
