"""Views of the maps part: vector tiles and TileJSON (``tile_urls``), map pages (``urls_maps``).
Thin: parse, call ``maps``, answer."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from . import maps

TILE_TYPE = "application/vnd.mapbox-vector-tile"


def _cache_headers(response, resource) -> None:
    # Public datasets' tiles may be kept by shared caches; others only by the person's browser.
    dataset = resource.dataset
    public = dataset.state == dataset.State.ACTIVE and not dataset.private
    response["Cache-Control"] = ("public, max-age=300" if public else "private, max-age=300")
    patch_vary_headers(response, ["Cookie"])


@require_GET
def tile_view(request, resource_id, z, x, y):
    try:
        maps.tiles.check_address(z, x, y)
    except maps.TileError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    try:
        resource, _geo, layer = maps.served_layer(resource_id=resource_id, user=request.user)
    except maps.MapNotFound as exc:
        raise Http404(str(exc)) from None
    etag = f'"{layer.pk}-{z}-{x}-{y}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        data, from_cache = maps.tiles.tile(layer, z, x, y)
        response = HttpResponse(data, content_type=TILE_TYPE, status=200 if data else 204)
        response["X-Tile-Cache"] = "hit" if from_cache else "miss"
    response["ETag"] = etag
    _cache_headers(response, resource)
    return response


@require_GET
def tilejson_view(request, resource_id):
    try:
        resource, _geo, layer = maps.served_layer(resource_id=resource_id, user=request.user)
    except maps.MapNotFound as exc:
        raise Http404(str(exc)) from None
    template = reverse("geo_tiles:tile", kwargs={"resource_id": resource.pk, "z": 0, "x": 0, "y": 0})
    template = request.build_absolute_uri(template)[:-len("0/0/0.pbf")] + "{z}/{x}/{y}.pbf"
    data = maps.map_tilejson(layer=layer, tiles_url=template)
    response = JsonResponse(data)
    response["ETag"] = f'"{layer.pk}"'
    _cache_headers(response, resource)
    return response
