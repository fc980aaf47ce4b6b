"""Addresses of the ecosystems part."""

urlpatterns: list = []
