"""Addresses of the software pages (``/<lang>/logiciel-libre/…``, included by ``ouvert.urls``); each part
lists its own in ``urls_<part>.py``."""

from . import (
    urls_accompaniment,
    urls_catalogue,
    urls_grids,
    urls_guides,
    urls_inventory,
    urls_publiccode,
    urls_usage,
)

app_name = "software"

PARTS = (urls_catalogue, urls_publiccode, urls_usage, urls_inventory, urls_guides, urls_grids, urls_accompaniment)

urlpatterns = [pattern for part in PARTS for pattern in part.urlpatterns]
