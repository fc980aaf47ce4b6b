"""``/api/v1/science/…``: the registry part — the public search of funded publications (filters, facets,
pages) and its exports, a publication's detail (never an e-mail), declaring, changing and withdrawing one, the
CSV import, the DOI look-up (Crossref), the dashboard's figures and the reminders.

Reads are open to everyone; writes, imports, look-ups and reminders need a token or a session (401 without).
Errors: 400 bad input (``errors`` per field, or per line and column of an imported file), 403 not allowed (with
the reason), 404 unknown, 413 file too large.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ouvert.api import AUTH, reader
from ouvert.core import services as core_services
from ouvert.science import services

from .models import Publication

router = Router(tags=["science"])

MAX_PER_PAGE = 100
FILTERS = ("fund", "year", "verdict", "oa_status", "institution")


def _iso(value):
    return value.isoformat() if value is not None else None


def _row(p: Publication) -> dict:
    return {
        "id": p.pk, "doi": p.doi, "title": p.title, "journal_title": p.journal_title, "issn": p.issn,
        "publisher": p.publisher, "published_on": _iso(p.published_on), "licence": p.licence,
        "oa_status": p.oa_status, "compliance": p.compliance, "checked_at": _iso(p.checked_at),
        "institution": p.institution.slug if p.institution_id else None,
        "authors": [{"name": a.name, "orcid": a.orcid or None, "affiliation": a.affiliation,
                     "is_corresponding": a.is_corresponding} for a in p.authors.all()],
        "fundings": [{"fund": f.fund.slug, "acronym": f.fund.acronym, "grant_number": f.grant_number,
                      "verdict": f.verdict, "route": f.route} for f in p.fundings.all()],
        "open_copies": [{"kind": c["kind"], "url": c["url"], "version": str(c["version"] or ""),
                         "licence": c["licence"] or "", "repository": c["repository"] or ""}
                        for c in services.open_copies(p)],
        "url": services.publication_url(p), "updated_at": _iso(p.updated_at),
    }


def detail_data(p: Publication) -> dict:
    data = _row(p)
    data.update({
        "version_deposited": p.version_deposited, "repository_url": p.repository_url,
        "deposited_on": _iso(p.deposited_on), "deposit_open_on": _iso(p.deposit_open_on),
        "deposit_licence": p.deposit_licence, "source": p.source, "created_at": _iso(p.created_at),
        "withdrawn_at": _iso(p.withdrawn_at), "withdrawn_reason": p.withdrawn_reason if p.withdrawn_at else "",
        "journal": {"title": p.journal.title, "is_open_access": p.journal.is_open_access} if p.journal_id else None,
    })
    for funding, item in zip(p.fundings.all(), data["fundings"], strict=True):
        item.update({"competition_date": _iso(funding.competition_date),
                     "policy_version": funding.policy_version.code if funding.policy_version_id else None,
                     "reasons": [{"code": s["code"], "ok": s["ok"], "text": s["text"]}
                                 for s in services.reasons_text(funding)],
                     "missing": list(funding.missing or [])})
    return data


@router.get("/publications", url_name="science_publications", summary="Publications financées / Funded publications")
def publication_list(request: HttpRequest, q: str = "", fund: str = "", year: str = "", verdict: str = "",
                     oa_status: str = "", institution: str = "", sort: str = "", page: str = "1", per_page: str = "20"):
    """Full text ``q`` (title, authors, journal, DOI); filters ``fund``, ``year``, ``verdict`` (compliant,
    not_compliant, unknown), ``oa_status``, ``institution``; ``sort`` (relevance, date, -date, title); ``page``
    and ``per_page`` (1 to 100). ``facets`` gives each filter's values with their counts."""
    result = services.publication_search(q=q, filters={"fund": fund, "year": year, "verdict": verdict,
                                                       "oa_status": oa_status, "institution": institution}, sort=sort)
    meta, rows = core_services.api_page(result["queryset"], page=page, per_page=per_page, maximum=MAX_PER_PAGE)
    return {**meta, "sort": result["sort"], "facets": result["facets"], "results": [_row(p) for p in rows]}


@router.get("/publications/export", url_name="science_publications_export",
            summary="Exporter une recherche (CSV ou JSON) / Export a search")
def publication_export(request: HttpRequest, format: str = "csv", q: str = "", fund: str = "", year: str = "",
                       verdict: str = "", oa_status: str = "", institution: str = "", sort: str = ""):
    if format not in ("csv", "json"):
        raise ValidationError({"format": [_("Format inconnu : csv ou json.")]})
    qs, _clean, _match = services.publication_list_queryset(
        q=q, filters={"fund": fund, "year": year, "verdict": verdict, "oa_status": oa_status, "institution": institution},
        sort=sort)
    if format == "csv":
        response = HttpResponse(services.export_csv(qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(services.export_json(qs), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="publications.{format}"'
    return response


@router.get("/publications/{int:pk}", url_name="science_publication", summary="Une publication / One publication")
def publication_detail(request: HttpRequest, pk: int):
    return detail_data(services.publication_get(pk=pk))


class AuthorIn(Schema):
    name: str = ""
    orcid: str = ""
    affiliation: str = ""
    is_corresponding: bool = False
    email: str = ""


class FundingIn(Schema):
    fund: str = ""
    grant_number: str = ""
    competition_date: str | None = None


class PublicationFacts(Schema):
    """What a verdict is decided on: the journal, the dates, the licences and the declared deposit (also the
    body of ``POST /compliance/check``)."""
    journal_title: str = ""
    issn: str = ""
    publisher: str = ""
    published_on: str | None = None
    licence: str = ""
    version_deposited: str = ""
    repository_url: str = ""
    deposited_on: str | None = None
    deposit_open_on: str | None = None
    deposit_licence: str = ""


class PublicationIn(PublicationFacts):
    doi: str = ""
    title: str = ""
    oa_status: str = ""
    institution: str = ""
    authors: list[AuthorIn] = []
    fundings: list[FundingIn] = []


@router.post("/publications", auth=AUTH, response={201: dict}, url_name="science_publication_create",
             summary="Déclarer une publication / Declare a publication")
def publication_create(request: HttpRequest, payload: PublicationIn):
    data = payload.dict()
    publication = services.publication_create(actor=request.auth, data=data, source=Publication.Source.API)
    return Status(201, detail_data(services.publication_get(pk=publication.pk)))


@router.patch("/publications/{int:pk}", auth=AUTH, url_name="science_publication_update",
              summary="Modifier une publication / Change a publication")
def publication_update(request: HttpRequest, pk: int, payload: dict = Body(...)):  # noqa: B008
    """The fields given replace the stored ones (``authors`` and ``fundings``, when given, replace the lists)."""
    publication = services.publication_get(pk=pk)
    data = services.publication_values(publication)
    unknown = sorted(set(payload) - set(PublicationIn.model_fields))
    if unknown:
        raise ValidationError({"__all__": [_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)[:300]}]})
    data.update(payload)
    services.publication_update(actor=request.auth, publication=publication, data=data)
    return detail_data(services.publication_get(pk=pk))


class WithdrawIn(Schema):
    reason: str


@router.post("/publications/{int:pk}/withdraw", auth=AUTH, url_name="science_publication_withdraw",
             summary="Retirer une publication / Withdraw a publication")
def publication_withdraw(request: HttpRequest, pk: int, payload: WithdrawIn):
    publication = services.publication_get(pk=pk)
    services.publication_withdraw(actor=request.auth, publication=publication, reason=payload.reason)
    return detail_data(services.publication_get(pk=pk))


@router.post("/publications/import", auth=AUTH, response={200: dict, 413: dict}, url_name="science_publication_import",
             summary="Importer des publications (CSV) / Import publications")
def publication_import(request: HttpRequest, file: UploadedFile = File(...), institution: str = Form("")):  # noqa: B008
    """All or nothing; ``errors`` lists every problem by line and column. Columns: see the import page."""
    try:
        services.import_check_size(file.size)
        return services.publication_import(actor=request.auth, data=file.read(), institution=institution)
    except services.ImportTooLarge as exc:
        return Status(413, {"detail": str(exc), "errors": {"file": [str(exc)]}})


@router.get("/doi/{path:doi}", auth=AUTH, url_name="science_doi_lookup",
            summary="Métadonnées d'un DOI (Crossref) / DOI look-up")
def doi_lookup(request: HttpRequest, doi: str):
    """What the declaration form would be pre-filled with; ``notes`` says what to check."""
    data = services.crossref_lookup(doi)
    data["fundings"] = [dict(row) for row in data["fundings"]]
    return data


@router.get("/dashboard", url_name="science_dashboard", summary="Tableau de bord de conformité / Compliance dashboard")
def dashboard(request: HttpRequest, fund: str = "", institution: str = "", year: str = ""):
    figures = services.dashboard_figures(filters={"fund": fund, "institution": institution, "year": year},
                                         user=reader(request))
    clean = figures["filters"]
    return {
        "filters": {"fund": clean["fund"].slug if clean.get("fund") else None,
                    "institution": clean["institution"].slug if clean.get("institution") else None,
                    "year": clean.get("year")},
        "total": figures["total"], "overall": figures["overall"], "by_fund": figures["by_fund"],
        "by_year": figures["by_year"], "by_institution": figures["by_institution"], "by_route": figures["by_route"],
        "by_oa_status": figures["by_oa_status"], "non_compliant_count": figures["non_compliant_count"],
        "non_compliant": [{"id": item["publication"].pk, "doi": item["publication"].doi,
                           "title": item["publication"].title, "funds": item["funds"],
                           "first_reason": item["first_reason"],
                           **({"contacts": item["contacts"]} if item["can_remind"] else {})}
                          for item in figures["non_compliant"]],
    }


class ReminderIn(Schema):
    publication_ids: list[int] = []
    all: bool = False
    fund: str = ""
    institution: str = ""
    year: str = ""


@router.post("/reminders", auth=AUTH, url_name="science_reminders",
             summary="Rappels aux auteurs de correspondance / Reminders to corresponding authors")
def reminders(request: HttpRequest, payload: ReminderIn):
    """``publication_ids`` (non-compliant publications), or ``all`` with the dashboard's filters."""
    if not payload.publication_ids and not payload.all:
        raise ValidationError({"publications": [_("Donnez des publications (publication_ids) ou « all ».")]})
    return services.reminders_send(actor=request.auth, publication_ids=None if payload.all else payload.publication_ids,
                                   filters={"fund": payload.fund, "institution": payload.institution,
                                            "year": payload.year})
