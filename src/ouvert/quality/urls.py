"""Addresses of the quality pages, under the catalogue (``/<lang>/catalogue/…``, included by
``ouvert.urls``): each part lists its own in ``urls_<part>.py``."""

from .urls_links import urlpatterns as links
from .urls_reference import urlpatterns as reference
from .urls_scores import urlpatterns as scores

app_name = "quality"

urlpatterns = [*scores, *links, *reference]
