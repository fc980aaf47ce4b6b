"""Addresses of the learn pages (``/<lang>/apprendre/…``, included by ``ouvert.urls``): each part lists
its own in ``urls_<part>.py``."""

app_name = "learn"

urlpatterns: list = []
