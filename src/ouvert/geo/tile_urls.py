"""``/tiles/<resource>/{z}/{x}/{y}.pbf`` (no language prefix): filled by the maps part."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
