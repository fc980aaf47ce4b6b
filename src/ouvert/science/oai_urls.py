"""The OAI-PMH 2.0 endpoint of the registry: ``/oai`` (GET and POST), outside the language prefix."""

from django.urls import path

from . import oai_views

app_name = "science_oai"

urlpatterns = [path("", oai_views.endpoint, name="endpoint")]
