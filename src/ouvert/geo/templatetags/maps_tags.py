"""``{% load maps_tags %}``: what a page needs to draw a map without a view of the geo module
(e.g. the datastore's chart builder): ``{% maps_base_config as config %}``."""

from django import template
from django.utils.translation import gettext as _

from .. import maps_views

register = template.Library()


@register.simple_tag
def maps_base_config(title: str = "") -> dict:
    """The base map (bundled or ``OUVERT_MAP_BASE_TILES``), MapLibre's labels in the page's language."""
    return {"base": maps_views._base_config(None), "locale": maps_views._map_locale(), "title": title,
            "maxzoom": 18, "outline": "#1b2733",
            "labels": {"feature": _("Point n° %(fid)s"), "none": _("Aucun point au centre de la carte."),
                       "empty": _("(vide)"), "others": _("Autres valeurs")}}
