"""DCAT-AP endpoints, outside the language prefix (machines read them): the catalogue and each dataset.

- ``/catalog.ttl``, ``/catalog.jsonld``, ``/catalog.rdf``: the public datasets, ``PAGE_SIZE`` per
  page (``?page=2``), with hydra paging links; ``q`` (full text), ``fq`` (CKAN filter syntax)
  and ``modified_since`` (a date, or an ISO 8601 date and time) narrow them.
- ``/dataset/<name>.ttl|.jsonld|.rdf``: one public dataset (by name, old name or id; an old
  name or an id redirects to the current name).
- ``/dataset/<uuid>``: the dataset's URI; answers 303 to its RDF in the format the ``Accept``
  header asks for (Turtle by default).

The views are thin: parse, call ``dcat``, serialise. Bad input is a 400 with a message in plain
text; a dataset that is not public is a 404, as if it did not exist.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, re_path, reverse
from django.views.decorators.http import require_safe

from ouvert.core.services import NotFound

from . import dcat

app_name = "dcat"

_FORMAT_RE = r"(?P<fmt>ttl|jsonld|rdf)"
_ACCEPT = (("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdf"),
           ("application/json", "jsonld"), ("application/xml", "rdf"))


def _bad_request(exc: ValidationError) -> HttpResponse:
    messages = []
    for field, errors in exc.message_dict.items():
        messages.extend(f"{field} : {error}" for error in errors)
    return HttpResponse("\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8")


def _rdf_response(graph, fmt: str) -> HttpResponse:
    response = HttpResponse(dcat.serialize(graph, fmt), content_type=dcat.FORMATS[fmt][1])
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def catalog(request, fmt: str):
    params = {key: request.GET.get(key, "") for key in ("q", "fq", "modified_since")}
    try:
        page = dcat.dcat_catalog_page(page=request.GET.get("page"), **params)
    except ValidationError as exc:
        return _bad_request(exc)
    page_url = f"{dcat.base_url()}{reverse('dcat:catalog', kwargs={'fmt': fmt})}"
    graph = dcat.catalog_graph(page.datasets, page=page, page_url=page_url, query=params)
    return _rdf_response(graph, fmt)


@require_safe
def dataset(request, name: str, fmt: str):
    try:
        obj = dcat.dcat_dataset_get(name_or_id=name)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if obj.name != name:
        return HttpResponseRedirect(reverse("dcat:dataset", kwargs={"name": obj.name, "fmt": fmt}), status=301)
    return _rdf_response(dcat.dataset_graph(obj), fmt)


@require_safe
def dataset_uri(request, id):
    """The dataset's URI: 303 See Other to its RDF description, in the format asked for."""
    try:
        obj = dcat.dcat_dataset_get(name_or_id=str(id))
    except NotFound as exc:
        raise Http404(exc.message) from None
    accept = request.headers.get("Accept", "")
    fmt = next((suffix for media_type, suffix in _ACCEPT if media_type in accept), "ttl")
    return HttpResponseRedirect(reverse("dcat:dataset", kwargs={"name": obj.name, "fmt": fmt}), status=303)


urlpatterns = [
    re_path(rf"^catalog\.{_FORMAT_RE}$", catalog, name="catalog"),
    re_path(rf"^dataset/(?P<name>[A-Za-z0-9_-]{{1,100}})\.{_FORMAT_RE}$", dataset, name="dataset"),
    path("dataset/<uuid:id>", dataset_uri, name="dataset_uri"),
]
