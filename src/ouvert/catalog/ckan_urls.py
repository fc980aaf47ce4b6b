"""CKAN's Action API addresses: ``/api/3/action/<name>`` and ``/api/action/<name>`` (version 3 either way)."""

from django.urls import path

from . import ckan

app_name = "ckan"

urlpatterns = [
    path("api/3/action/<str:name>", ckan.action, name="action"),
    path("api/action/<str:name>", ckan.action, name="action_unversioned"),
]
