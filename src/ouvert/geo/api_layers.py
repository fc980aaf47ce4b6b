"""``/api/v1/geo/resources/{id}``: the conversion report of a resource's layer (open to whoever may read
the resource; a token or a session shows private datasets' resources to their members)."""

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from ouvert.api import reader
from ouvert.catalog import services as catalog_services

from . import layers
from .models import GeoLayer

router = Router(tags=["geo"])


@router.get("/resources/{resource_id}", summary="Couche géographique d'une ressource (rapport de conversion)")
def resource_layer(request: HttpRequest, resource_id: str, history: int = 5):
    resource = catalog_services.resource_get(id=resource_id, user=reader(request))
    served = layers.layer_current(resource.pk)
    latest = GeoLayer.objects.filter(geo_id=resource.pk).order_by("-id")[:max(1, min(history, 50))]
    downloads = []
    if served is not None:
        downloads = [{**item, "url": request.build_absolute_uri(reverse("geo:download", kwargs={
            "name": resource.dataset.name, "resource_id": resource.pk, "fmt": item["format"]}))}
                     for item in layers.download_formats()]
    return {"resource_id": str(resource.pk), "geographic": layers.geo_format(resource) is not None or bool(latest),
            "layer": layers.layer_report(served), "downloads": downloads,
            "history": [layers.layer_report(layer) for layer in latest]}
