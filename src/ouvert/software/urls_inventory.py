"""Addresses of the inventory of public bodies' code repositories (under ``/<lang>/logiciel-libre/``): the search,
the import of a list and linking the inventory to the catalogue (the free-software team)."""

from django.urls import path

from . import inventory_views as views

urlpatterns: list = [
    path("inventaire/", views.inventory, name="inventory"),
    path("inventaire/importer/", views.inventory_import, name="inventory_import"),
    path("inventaire/relier/", views.inventory_link, name="inventory_link"),
]
