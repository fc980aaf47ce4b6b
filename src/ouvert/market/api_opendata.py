"""``/api/v1/market/ocds/…``: the OCDS packages at stable addresses (no language prefix), open to everyone;
``/api/v1/market/statistics``: the public statistics.

Every package answers ``application/json`` with ``ETag`` and ``Last-Modified`` taken from its latest
release, so that a client or a shared cache asks again cheaply (``304``). The platform's packages are
streamed page by page (``?after=`` the key given by ``links.next``)."""

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from ninja import Router

from . import ocds, stats

router = Router(tags=["market"])

JSON = "application/json"


def _headers(response, stamp: ocds.Stamp, etag: str):
    response["ETag"] = etag
    if stamp.last_date is not None:
        response["Last-Modified"] = http_date(stamp.last_date.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _answer(request, stamp: ocds.Stamp, etag: str, build, *, stream: bool = False):
    last_modified = int(stamp.last_date.timestamp()) if stamp.last_date else None
    cached = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if cached is not None:
        return _headers(cached, stamp, etag)
    if stream:
        chunks = build()
        response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type=JSON)
    else:
        response = HttpResponse(ocds.dumps_bytes(build()), content_type=JSON)
    return _headers(response, stamp, etag)


@router.get("/ocds/releases.json", url_name="market_ocds_releases",
            summary="Paquet de publications OCDS de la plateforme (paginé) / Platform OCDS release package (paged)")
def platform_releases(request, after: str | None = None):
    stamp = ocds.platform_stamp()
    cursor = ocds.cursor_parse(after)
    return _answer(request, stamp, stamp.etag("releases", cursor),
                   lambda: ocds.platform_release_package(cursor, stamp=stamp), stream=True)


@router.get("/ocds/records.json", url_name="market_ocds_records",
            summary="Paquet d'enregistrements OCDS de la plateforme (paginé) / Platform OCDS record package (paged)")
def platform_records(request, after: str | None = None):
    stamp = ocds.platform_stamp()
    cursor = ocds.cursor_parse(after)
    return _answer(request, stamp, stamp.etag("records", cursor),
                   lambda: ocds.platform_record_package(cursor, stamp=stamp), stream=True)


@router.get("/ocds/{reference}/releases.json", url_name="market_ocds_opportunity_releases",
            summary="Publications OCDS d'une opportunité / An opportunity's OCDS release package")
def opportunity_releases(request, reference: str):
    opportunity = ocds.opportunity_public_get(reference)
    stamp = ocds.opportunity_stamp(opportunity)
    return _answer(request, stamp, stamp.etag("releases", opportunity.reference),
                   lambda: ocds.release_package(opportunity))


@router.get("/ocds/{reference}/record.json", url_name="market_ocds_opportunity_record",
            summary="Enregistrement OCDS d'une opportunité / An opportunity's OCDS record package")
def opportunity_record(request, reference: str):
    opportunity = ocds.opportunity_public_get(reference)
    stamp = ocds.opportunity_stamp(opportunity)
    return _answer(request, stamp, stamp.etag("record", opportunity.reference),
                   lambda: ocds.record_package(opportunity))


@router.get("/statistics", url_name="market_statistics", summary="Statistiques publiques / Public statistics")
def statistics(request):
    return stats.statistics()
