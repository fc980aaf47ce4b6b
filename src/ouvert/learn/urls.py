"""Addresses of the learn pages (``/<lang>/apprendre/…``, included by ``ouvert.urls``): each part lists
its own in ``urls_<part>.py``."""

from .urls_ecosystems import urlpatterns as ecosystems
from .urls_teaching import urlpatterns as teaching

app_name = "learn"

urlpatterns = [*teaching, *ecosystems]
