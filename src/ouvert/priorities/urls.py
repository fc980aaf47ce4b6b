"""Addresses of the priorities pages (``/<lang>/priorites/…``, included by ``ouvert.urls``)."""

app_name = "priorities"

urlpatterns: list = []
