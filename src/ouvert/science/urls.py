"""Addresses of the science pages (``/<lang>/science-ouverte/…``, included by ``ouvert.urls``); each part
lists its own in ``urls_<part>.py``. The OAI-PMH endpoint (``/oai``, no language prefix) is in ``oai_urls``."""

from . import urls_oai, urls_policy, urls_registry, urls_support

app_name = "science"

PARTS = (urls_support, urls_policy, urls_registry, urls_oai)

urlpatterns = [pattern for part in PARTS for pattern in part.urlpatterns]
