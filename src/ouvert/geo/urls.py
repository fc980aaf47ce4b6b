"""Addresses of the geo pages (``/<lang>/catalogue/…``, included by ``ouvert.urls``): each part lists
its own in ``urls_<part>.py``. Tiles are outside the language prefix (``tile_urls``)."""

from .urls_layers import urlpatterns as layers
from .urls_maps import urlpatterns as maps
from .urls_spatial import urlpatterns as spatial

app_name = "geo"

urlpatterns = [*layers, *maps, *spatial]
