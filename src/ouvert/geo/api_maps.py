"""``/api/v1/geo/resources/{id}/map``: where a resource's map, tiles and TileJSON are, its style and
legend (classes computed in DuckDB); ``PUT …/map/style`` saves the default style (publishers)."""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Router

from ouvert.api import AUTH, reader

from . import maps

router = Router(tags=["geo"])

STYLE_PARAMS = ("attribut", "methode", "classes", "decoupage", "palette")


def _unavailable():
    response = JsonResponse({"detail": _("Les données de cette couche sont momentanément indisponibles. "
                                         "Réessayez dans quelques minutes.")}, status=503)
    response["Retry-After"] = "60"
    return response


def _answer(request, resource, geo, layer, style: dict) -> dict:
    classes = maps.map_style_classes(layer=layer, style=style)
    kwargs = {"name": resource.dataset.name, "resource_id": resource.pk}
    tile = request.build_absolute_uri(reverse("geo_tiles:tile", kwargs={"resource_id": resource.pk,
                                                                         "z": 0, "x": 0, "y": 0}))
    return {
        "resource_id": str(resource.pk), "layer_id": layer.pk,
        "tilejson": request.build_absolute_uri(reverse("geo_tiles:tilejson", kwargs={"resource_id": resource.pk})),
        "tiles": tile[:-len("0/0/0.pbf")] + "{z}/{x}/{y}.pbf", "source_layer": maps.tiles.LAYER_NAME,
        "map": request.build_absolute_uri(reverse("geo:map", kwargs=kwargs)),
        "embed": request.build_absolute_uri(reverse("geo:map_embed", kwargs=kwargs)),
        "features": request.build_absolute_uri(reverse("geo:map_features", kwargs=kwargs)),
        "saved_style": geo.style or {}, "style": classes["style"], "color": classes["color"],
        "legend": [{k: v for k, v in item.items()} for item in classes["legend"]],
    }


@router.get("/resources/{resource_id}/map", summary="Carte d'une ressource : tuiles, style et légende")
def resource_map(request: HttpRequest, resource_id: str):
    """The saved style, or the one named by ``attribut``, ``methode``, ``classes``, ``decoupage``,
    ``palette`` (as on the map page); 400 with a message when it does not fit the layer."""
    resource, geo, layer = maps.served_layer(resource_id=resource_id, user=reader(request))
    asked = {key: request.GET[key] for key in STYLE_PARAMS if key in request.GET}
    try:
        style = maps.map_style_parse(layer=layer, data=asked if asked else geo.style or {})
        return _answer(request, resource, geo, layer, style)
    except maps.LayerUnavailable:
        return _unavailable()


@router.put("/resources/{resource_id}/map/style", auth=AUTH,
            summary="Enregistrer le style par défaut de la carte d'une ressource")
def resource_map_style(request: HttpRequest, resource_id: str, payload: dict = Body(...)):  # noqa: B008
    """``{"attribute", "method", "classes", "breaks", "palette"}`` (``{}``: one colour)."""
    resource, geo, layer = maps.served_layer(resource_id=resource_id, user=request.user)
    try:
        style = maps.map_style_parse(layer=layer, data=payload or {})
        maps.map_style_save(actor=request.user, resource=resource, style=style)
        geo.refresh_from_db()
        return _answer(request, resource, geo, layer, style)
    except maps.LayerUnavailable:
        return _unavailable()
