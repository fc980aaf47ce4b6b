"""Pages of the geo layers: converted downloads. Thin: parse, call ``layers``, answer."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import layers


@require_GET
def download(request, name, resource_id, fmt):
    """``…/jeux/<name>/ressources/<uuid>/geo/<fmt>/``: the served layer converted on demand, streamed
    from a temporary file; the resource's visibility (a private dataset's resource is not found)."""
    try:
        dataset = catalog_services.dataset_get(name_or_id=name, user=request.user)
        handle, filename, media_type = layers.layer_download(user=request.user, resource_id=resource_id, fmt=fmt,
                                                             dataset=dataset)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    except layers.GeoLayerError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=media_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
