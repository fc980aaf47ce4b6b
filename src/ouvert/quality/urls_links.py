"""Pages of the link checker (``/<lang>/catalogue/qualite/liens/…``)."""

from django.urls import path

from . import links_views

urlpatterns: list = [
    path("qualite/liens/", links_views.links, name="links"),
    path("qualite/liens/ressources/<uuid:resource_id>/", links_views.resource_links, name="resource_links"),
    path("qualite/liens/<slug:slug>/", links_views.links_organisation, name="links_organisation"),
]
