"""Addresses of the catalogue part (under ``/<lang>/logiciel-libre/``): the module's home, the catalogue's
search, an entry's page, adding and editing an entry (team), its status (admins) and its logo (team), the
catalogue's exports and the team's page (market components)."""

from django.urls import path

from . import catalogue_views as views

urlpatterns: list = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/export/", views.catalogue_export, name="catalogue_export"),
    path("ajouter-un-logiciel/", views.software_create, name="software_create"),
    path("equipe/", views.team, name="team"),
    path("catalogue/<slug:slug>/", views.detail, name="detail"),
    path("catalogue/<slug:slug>/modifier/", views.software_edit, name="software_edit"),
    path("catalogue/<slug:slug>/etat/", views.status_edit, name="status_edit"),
    path("catalogue/<slug:slug>/logo/", views.logo_edit, name="logo_edit"),
]
