"""Pages of the geo layers: converted downloads. Thin: parse, call ``layers``, answer."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import layers
from .models import GeoLayer


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


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """Beside each geographic resource of the dataset page: its converted downloads (for everyone) and,
    for its publishers, the conversion's state (failed, waiting, assumed coordinate system, features
    left out). Two queries whatever the number of resources."""
    ids = [resource.pk for resource in resources]
    if not ids:
        return None
    served = layers.layers_for_resources(ids)
    latest = layers.latest_layers(ids) if can_edit else {}
    if not served and not latest:
        return None
    links, notes = {}, {}
    formats = layers.download_formats()
    for resource in resources:
        layer = served.get(resource.pk)
        if layer is not None:
            links[str(resource.pk)] = [
                {"label": _("Couche en %(format)s") % {"format": item["label"]},
                 "url": reverse("geo:download", kwargs={"name": dataset.name, "resource_id": resource.pk,
                                                        "fmt": item["format"]})} for item in formats]
        newest = latest.get(resource.pk)
        if newest is None:
            continue
        said = []
        if newest.status == GeoLayer.Status.FAILED:
            said.append(_("Couche géographique : échec de la conversion — %(message)s") % {
                "message": newest.error_message or _("erreur inconnue")}
                        + (" " + _("La version précédente reste servie.") if layer is not None else ""))
        elif newest.status in (GeoLayer.Status.PENDING, GeoLayer.Status.RUNNING):
            said.append(_("Couche géographique : conversion en cours."))
        else:
            if newest.crs_assumed:
                said.append(_("Couche géographique : système de coordonnées supposé (%(crs)s). %(note)s") % {
                    "crs": newest.source_crs, "note": newest.crs_note})
            left_out = (newest.invalid or {}).get("count") or 0
            if left_out:
                said.append(_("Couche géographique : %(n)s entité(s) laissée(s) de côté (géométrie absente, vide, "
                              "irréparable ou hors limites).") % {"n": left_out})
            if newest.repaired_count:
                said.append(_("Couche géographique : %(n)s géométrie(s) réparée(s).") % {"n": newest.repaired_count})
        if said:
            notes[str(resource.pk)] = said
    return {"resource_links": links, "resource_notes": notes}
