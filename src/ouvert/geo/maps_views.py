"""Views of the maps part: vector tiles and TileJSON (``tile_urls``), map pages (``urls_maps``).
Thin: parse, call ``maps``, answer."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.core.i18n import pick

from . import maps
from .models import GeoLayer, GeoResource

TILE_TYPE = "application/vnd.mapbox-vector-tile"


def _cache_headers(response, resource) -> None:
    # Public datasets' tiles may be kept by shared caches; others only by the person's browser.
    dataset = resource.dataset
    public = dataset.state == dataset.State.ACTIVE and not dataset.private
    response["Cache-Control"] = ("public, max-age=300" if public else "private, max-age=300")
    patch_vary_headers(response, ["Cookie"])
    if public:  # other sites' maps may use open data's tiles (no cookie is ever sent with them)
        response["Access-Control-Allow-Origin"] = "*"


def _unavailable():
    response = HttpResponse(_("Les données de cette couche sont momentanément indisponibles. Réessayez dans "
                              "quelques minutes."), status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "60"
    return response


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
        try:
            data, from_cache = maps.tiles.tile(layer, z, x, y)
        except maps.LayerUnavailable:
            return _unavailable()
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
    try:
        data = maps.map_tilejson(layer=layer, tiles_url=template)
    except maps.LayerUnavailable:
        return _unavailable()
    response = JsonResponse(data)
    response["ETag"] = f'"{layer.pk}"'
    _cache_headers(response, resource)
    return response


@require_GET
def basemap_view(request):
    """The bundled offline base map (GeoJSON), for every map when ``OUVERT_MAP_BASE_TILES`` is unset."""
    data, etag = maps.basemap_geojson()
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type="application/geo+json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- Map pages ---------------------------------------------------------------------------------------



def _resource_name(resource) -> str:
    return pick(resource.name_fr, resource.name_en) or _("Ressource sans nom")


STYLE_KEYS = ("attribut", "methode", "classes", "decoupage", "palette")


class MapStyleForm(forms.Form):
    """The map's styling by attribute (GET on the page; POST to save it as the default)."""

    attribut = forms.ChoiceField(label=gettext_lazy("Colorer selon l’attribut"), required=False)
    methode = forms.ChoiceField(label=gettext_lazy("Méthode"), required=False, choices=[
        ("", gettext_lazy("Selon le type de l’attribut")),
        ("graduated", gettext_lazy("Classes graduées (nombres)")),
        ("categories", gettext_lazy("Catégories (valeurs les plus fréquentes)"))])
    classes = forms.IntegerField(label=gettext_lazy("Nombre de classes"), required=False,
                                 min_value=maps.CLASSES_MIN, max_value=len(maps.CATEGORY_COLORS))
    decoupage = forms.ChoiceField(label=gettext_lazy("Découpage des classes graduées"), required=False, choices=[
        ("quantiles", gettext_lazy("Quantiles (autant d’entités par classe)")),
        ("equal", gettext_lazy("Intervalles égaux"))])
    palette = forms.ChoiceField(label=gettext_lazy("Palette des classes graduées"), required=False,
                                choices=list(maps.PALETTE_LABELS.items()))

    def __init__(self, *args, layer_columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attribut"].choices = [("", _("Aucun (une seule couleur)"))] + [
            (name, name) for name in layer_columns if name != "_fid"]


def _resolve(request, name, resource_id, url_name: str):
    """``(dataset, resource, geo, layer or None)`` visible to the person, or a redirect from an old name."""
    if "\x00" in str(name):
        raise Http404(_("Adresse invalide."))
    try:
        dataset = catalog_services.dataset_get(name_or_id=name, user=request.user)
        resource = catalog_services.resource_get(id=resource_id, user=request.user, dataset=dataset)
    except catalog_services.NotFound as exc:
        raise Http404(str(exc)) from None
    if dataset.name != name:
        target = reverse(url_name, kwargs={"name": dataset.name, "resource_id": resource.pk})
        query_string = request.META.get("QUERY_STRING", "")
        return None, HttpResponseRedirect(target + (f"?{query_string}" if query_string else ""), status=301)
    resource.dataset = dataset
    try:
        _resource, geo, layer = maps.served_layer(resource=resource)
    except maps.MapNotFound:
        geo = GeoResource.objects.filter(resource_id=resource.pk).first()
        if geo is None:
            raise Http404(_("Cette ressource n’est pas géographique : elle n’a pas de carte.")) from None
        layer = None
    return (dataset, resource, geo, layer), None


def _tiles_template(request, resource) -> str:
    first = reverse("geo_tiles:tile", kwargs={"resource_id": resource.pk, "z": 0, "x": 0, "y": 0})
    return request.build_absolute_uri(first)[:-len("0/0/0.pbf")] + "{z}/{x}/{y}.pbf"


def _base_config(request) -> dict:
    template = maps.base_tiles_setting()
    if template:
        return {"tiles": template, "attribution": maps.base_attribution_setting()}
    return {"geojson": reverse("geo_tiles:basemap")}


def _map_locale() -> dict:
    """MapLibre's control labels, in the page's language (``locale`` option of ``maplibregl.Map``)."""
    return {
        "Map.Title": _("Carte"),
        "NavigationControl.ZoomIn": _("Zoom avant"),
        "NavigationControl.ZoomOut": _("Zoom arrière"),
        "NavigationControl.ResetBearing": _("Réinitialiser l’orientation vers le nord"),
        "FullscreenControl.Enter": _("Afficher en plein écran"),
        "FullscreenControl.Exit": _("Quitter le plein écran"),
        "Popup.Close": _("Fermer la fenêtre d’information"),
        "ScaleControl.Meters": "m",
        "ScaleControl.Kilometers": "km",
        "AttributionControl.ToggleAttribution": _("Afficher ou masquer les sources"),
        "AttributionControl.MapFeedback": _("Signaler une erreur sur la carte"),
        "CooperativeGesturesHandler.WindowsHelpText": _("Utilisez Ctrl + molette pour zoomer la carte"),
        "CooperativeGesturesHandler.MacHelpText": _("Utilisez ⌘ + molette pour zoomer la carte"),
        "CooperativeGesturesHandler.MobileHelpText": _("Utilisez deux doigts pour déplacer la carte"),
        "Marker.Title": _("Repère"),
        "LogoControl.Title": _("Logo de MapLibre"),
    }


def _style_from(layer, data, geo) -> tuple[dict, dict, MapStyleForm, list]:
    """``(style, classes, form, errors)``: the style asked in ``data`` (else the saved one)."""
    columns = [name for name, _kind in maps.tiles.columns(maps.tiles.local_path(layer.parquet_name))]
    asked = any(data.get(key) not in (None, "") for key in STYLE_KEYS) or "attribut" in data
    source = data if asked else {
        "attribut": geo.style.get("attribute", ""), "methode": geo.style.get("method", ""),
        "classes": geo.style.get("classes", ""), "decoupage": geo.style.get("breaks", ""),
        "palette": geo.style.get("palette", "")}
    errors = []
    try:
        style = maps.map_style_parse(layer=layer, data=source)
    except ValidationError as exc:
        errors = [message for messages_ in exc.message_dict.values() for message in messages_]
        style = {}
    initial = {"attribut": style.get("attribute", source.get("attribut", "")),
               "methode": style.get("method", ""), "classes": style.get("classes", maps.CLASSES_DEFAULT),
               "decoupage": style.get("breaks", "quantiles"), "palette": style.get("palette", "bleus")}
    form = MapStyleForm(initial=initial, layer_columns=columns)
    return style, maps.map_style_classes(layer=layer, style=style), form, errors


def _style_query(style: dict) -> str:
    if not style:
        return ""
    values = {"attribut": style["attribute"], "methode": style["method"], "classes": style["classes"]}
    if style["method"] == "graduated":
        values.update(decoupage=style["breaks"], palette=style["palette"])
    return urlencode(values)


def _describe(layer) -> dict:
    kinds = {"POINT": _("points"), "MULTIPOINT": _("groupes de points"), "LINESTRING": pgettext("geometry", "lignes"),
             "MULTILINESTRING": _("groupes de lignes"), "POLYGON": _("polygones"),
             "MULTIPOLYGON": _("groupes de polygones"), "GEOMETRYCOLLECTION": _("collections de géométries")}
    types = [str(kinds.get(str(t).upper(), t)) for t in (layer.geometry_types or [])]
    bbox = layer.bbox
    return {"count": layer.feature_count or 0, "types": ", ".join(types),
            "bbox": [round(v, 4) for v in bbox] if bbox else None, "thinned_below": maps.map_thinned_below(layer)}


def _map_context(request, dataset, resource, geo, layer, *, embed: bool = False) -> tuple[dict, int]:
    context = {
        "dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
        "dataset_title": pick(dataset.title_fr, dataset.title_en),
        "organisation_name": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
        "layer": layer, "can_edit": catalog_services.resource_can_edit(request.user, resource),
    }
    if layer is None:
        latest = GeoLayer.objects.filter(geo_id=resource.pk).order_by("-created_at", "-id").first()
        context["failed"] = latest is not None and latest.status == GeoLayer.Status.FAILED
        context["failure"] = latest.error_message if context["failed"] and context["can_edit"] else ""
        return context, 200
    style, classes, form, errors = _style_from(layer, request.GET, geo)
    query_string = _style_query(style)
    page = reverse("geo:map", kwargs={"name": dataset.name, "resource_id": resource.pk})
    embed_url = reverse("geo:map_embed", kwargs={"name": dataset.name, "resource_id": resource.pk})
    embed_abs = request.build_absolute_uri(embed_url + (f"?{query_string}" if query_string else ""))
    title = _("Carte : %(name)s") % {"name": context["resource_name"]}
    config = {
        "tiles": _tiles_template(request, resource), "layer": maps.tiles.LAYER_NAME,
        "bounds": list(layer.bbox) if layer.bbox else None, "maxzoom": maps.tiles.MAX_ZOOM,
        "color": classes["color"], "outline": maps.OUTLINE_COLOR, "base": _base_config(request),
        "locale": _map_locale(), "title": title,
        "labels": {"feature": _("Entité n° %(fid)s"), "none": _("Aucune entité au centre de la carte."),
                   "empty": _("(vide)")},
    }
    context.update({
        "style": style, "classes": classes, "form": form, "errors": errors, "config": config,
        "description": _describe(layer), "style_query": query_string,
        "page_url": request.build_absolute_uri(page + (f"?{query_string}" if query_string else "")),
        "embed_url": embed_abs, "title": title,
        "snippet": (f'<iframe src="{embed_abs}" title="{_escape_attr(title)}" width="100%" height="480" '
                    f'style="border:0" loading="lazy"></iframe>'),
        "features_url": reverse("geo:map_features", kwargs={"name": dataset.name, "resource_id": resource.pk}),
        "saved": geo.style == style and bool(style), "embed": embed,
    })
    return context, 400 if errors else 200


def _escape_attr(text: str) -> str:
    return str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


@require_GET
def map_page(request, name, resource_id):
    found, moved = _resolve(request, name, resource_id, "geo:map")
    if moved:
        return moved
    dataset, resource, geo, layer = found
    try:
        context, status = _map_context(request, dataset, resource, geo, layer)
    except maps.LayerUnavailable:
        context, status = _map_context(request, dataset, resource, geo, None)
        context["unavailable"], status = True, 503
    return render(request, "geo/map_page.html", context, status=status)


@xframe_options_exempt
@require_GET
def map_embed(request, name, resource_id):
    """The map alone, for other sites' iframes (framing allowed for this view only)."""
    found, moved = _resolve(request, name, resource_id, "geo:map_embed")
    if moved:
        return moved
    dataset, resource, geo, layer = found
    if layer is None:
        raise Http404(_("Cette ressource n’a pas de couche géographique à afficher."))
    try:
        context, status = _map_context(request, dataset, resource, geo, layer, embed=True)
    except maps.LayerUnavailable:
        return _unavailable()
    response = render(request, "geo/map_embed.html", context, status=status)
    response["Content-Security-Policy"] = "frame-ancestors *"
    return response


@require_GET
def map_features_page(request, name, resource_id):
    """The features and their attributes, page by page (nearest first to ``pres=lon,lat``): the map's
    alternative for people who cannot use it."""
    found, moved = _resolve(request, name, resource_id, "geo:map_features")
    if moved:
        return moved
    dataset, resource, _geo, layer = found
    if layer is None:
        raise Http404(_("Cette ressource n’a pas de couche géographique à afficher."))
    status, errors, near = 200, [], None
    raw = request.GET.get("pres", "").strip()
    if raw:
        try:
            lon, lat = (float(part) for part in raw.split(","))
            near = (lon, lat)
        except ValueError:
            errors.append(_("La position « %(value)s » doit s’écrire longitude,latitude (ex. -71.2,46.8).")
                          % {"value": raw[:60]})
    try:
        page = core_services.page_number(request.GET.get("page"))
    except ValidationError as exc:
        errors.extend(exc.messages)
        page = 1
    try:
        try:
            table = maps.map_features(layer=layer, page=page, near=near)
        except ValidationError as exc:
            errors.extend(m for ms in exc.message_dict.values() for m in ms)
            table = maps.map_features(layer=layer, page=page)
    except maps.LayerUnavailable:
        return _unavailable()
    if errors:
        status = 400
    base = {"pres": raw} if near else {}
    context = {
        "dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
        "dataset_title": pick(dataset.title_fr, dataset.title_en),
        "organisation_name": pick(dataset.organisation.name_fr, dataset.organisation.name_en),
        "table": table, "errors": errors, "near": raw if near else "",
        "previous": urlencode({**base, "page": table["page"] - 1}) if table["page"] > 1 else "",
        "next": urlencode({**base, "page": table["page"] + 1}) if table["page"] < table["pages"] else "",
        "map_url": reverse("geo:map", kwargs={"name": dataset.name, "resource_id": resource.pk}),
    }
    return render(request, "geo/map_features.html", context, status=status)


@login_required
@require_POST
def map_style_save(request, name, resource_id):
    """Save the chosen style as the map's default (the resource's publishers only)."""
    found, moved = _resolve(request, name, resource_id, "geo:map")
    if moved:
        return moved
    dataset, resource, _geo, layer = found
    if layer is None:
        raise Http404(_("Cette ressource n’a pas de couche géographique à afficher."))
    page = reverse("geo:map", kwargs={"name": dataset.name, "resource_id": resource.pk})
    try:
        style = maps.map_style_parse(layer=layer, data=request.POST)
        maps.map_style_save(actor=request.user, resource=resource, style=style)
    except maps.LayerUnavailable:
        return _unavailable()
    except PermissionDenied as exc:
        return HttpResponseForbidden(str(exc), content_type="text/plain; charset=utf-8")
    except ValidationError as exc:
        for message in (m for ms in exc.message_dict.values() for m in ms):
            messages.error(request, message)
        return HttpResponseRedirect(page + "?" + urlencode({k: request.POST.get(k, "") for k in STYLE_KEYS}))
    messages.success(request, _("Le style par défaut de la carte est enregistré.") if style
                     else _("La carte reprend le style simple (une seule couleur)."))
    return HttpResponseRedirect(page)


# --- The dataset page's panel ---------------------------------------------------------------------

def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """A small map of the dataset's geographic resources, their description (count, types, box) and a
    « Carte » link beside each. One query whatever the number of resources."""
    layers = maps.served_layers([r.pk for r in resources])
    if not layers:
        return None
    links, items, sources = {}, [], []
    for resource in resources:
        layer = layers.get(resource.pk)
        if layer is None:
            continue
        url = reverse("geo:map", kwargs={"name": dataset.name, "resource_id": resource.pk})
        links[str(resource.pk)] = [{"label": _("Carte"), "url": url}]
        items.append({"name": _resource_name(resource), "url": url, **_describe(layer)})
        sources.append({"tiles": _tiles_template(request, resource), "bounds": list(layer.bbox) if layer.bbox else None})
    config = {"sources": sources, "layer": maps.tiles.LAYER_NAME, "color": maps.DEFAULT_COLOR,
              "outline": maps.OUTLINE_COLOR, "base": _base_config(request), "locale": _map_locale(),
              "maxzoom": maps.tiles.MAX_ZOOM, "title": _("Carte des ressources géographiques"), "labels": {}}
    return {"template": "geo/map_dataset_panel.html",
            "context": {"items": items, "config": config, "dataset": dataset},
            "resource_links": links}
