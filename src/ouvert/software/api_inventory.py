"""``/api/v1/software/repositories…``: the inventory of public bodies' code repositories. The search is open to
everyone; the import and linking are for the free-software team (a token or a session; 401 without, 403 for
others). Errors: 400 (``errors`` per field, or every problem by line, entry or release of the file), 403, 413
(file above ``OUVERT_SOFTWARE_IMPORT_MAX_BYTES``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ouvert.api import AUTH
from ouvert.core import services as core_services
from ouvert.software import services

router = Router(tags=["software"])
MAX_PER_PAGE = 100


def repository_row(r) -> dict:
    return {
        "id": r.pk, "url": r.url, "name": r.name, "description": r.description,
        "organisation": {"slug": r.organisation.slug, "name_fr": r.organisation.name_fr} if r.organisation_id else None,
        "forge": r.forge, "owner": r.owner, "language": r.language, "licence": r.licence, "topics": list(r.topics),
        "last_activity": r.last_activity.isoformat() if r.last_activity else None, "archived": r.archived,
        "software": r.software.slug if r.software_id else None, "imported_at": r.imported_at.isoformat(),
    }


@router.get("/repositories", url_name="software_repositories",
            summary="Inventaire des dépôts de code / Code repositories inventory")
def repository_list(request: HttpRequest, q: str = "", organisation: str = "", language: str = "", licence: str = "",
                    forge: str = "", archived: str = "", sort: str = "", page: str = "1", per_page: str = "20"):
    """Full text ``q`` (name, description, topics, language, organisation); filters ``organisation`` (slug),
    ``language``, ``licence`` (an SPDX identifier), ``forge``, ``archived`` (oui/non, yes/no); ``sort``
    (relevance, name, activity); ``page`` and ``per_page`` (1 to 100). ``facets`` gives each filter's values
    with their counts."""
    result = services.repository_search(q=q, sort=sort, filters={
        "organisation": organisation, "language": language, "licence": licence, "forge": forge, "archived": archived})
    meta, rows = core_services.api_page(result["queryset"], page=page, per_page=per_page, maximum=MAX_PER_PAGE)
    return {**meta, "sort": result["sort"], "facets": result["facets"], "results": [repository_row(r) for r in rows]}


@router.get("/repositories/{int:pk}", url_name="software_repository", summary="Un dépôt / One repository")
def repository_detail(request: HttpRequest, pk: int):
    return repository_row(services.repository_get(pk=pk))


@router.post("/repositories/import", auth=AUTH, response={200: dict, 413: dict},
             url_name="software_repositories_import",
             summary="Importer une liste de dépôts (CSV, JSON, YAML) / Import a list of repositories")
def repository_import(request: HttpRequest, file: UploadedFile = File(...), organisation: str = Form("")):  # noqa: B008
    """All or nothing; ``errors`` lists every problem by line (CSV), entry (JSON) or release (YAML). The
    form is told by the file's name (.csv, .json, .yml/.yaml)."""
    try:
        services.inventory_check_size(file.size)
        return services.repositories_import(actor=request.auth, data=file.read(), filename=file.name or "",
                                            organisation=organisation)
    except services.ImportTooLarge as exc:
        return Status(413, {"detail": str(exc), "errors": {"file": [str(exc)]}})


@router.post("/repositories/link", auth=AUTH, url_name="software_repositories_link",
             summary="Relier l'inventaire au catalogue / Link the inventory to the catalogue")
def repository_link(request: HttpRequest):
    return services.repositories_link(actor=request.auth)
