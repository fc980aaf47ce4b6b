"""``/tiles/<resource>/{z}/{x}/{y}.pbf`` and ``/tiles/<resource>.json`` (no language prefix)."""

from django.urls import path

from . import maps_views

app_name = "geo_tiles"

urlpatterns = [
    path("fond/quebec.geojson", maps_views.basemap_view, name="basemap"),
    path("<uuid:resource_id>/<int:z>/<int:x>/<int:y>.pbf", maps_views.tile_view, name="tile"),
    path("<uuid:resource_id>.json", maps_views.tilejson_view, name="tilejson"),
]
