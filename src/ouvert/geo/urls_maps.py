"""Map pages of a geographic resource (``/<lang>/catalogue/jeux/<name>/ressources/<uuid>/carte/…``)."""

from django.urls import path

from . import maps_views

urlpatterns = [
    path("jeux/<str:name>/ressources/<uuid:resource_id>/carte/", maps_views.map_page, name="map"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/carte/integrer/", maps_views.map_embed, name="map_embed"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/carte/entites/", maps_views.map_features_page,
         name="map_features"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/carte/style/", maps_views.map_style_save, name="map_style"),
]
