"""Addresses of the teaching part."""

urlpatterns: list = []
