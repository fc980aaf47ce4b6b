"""Addresses of the publiccode.yml part (under ``/<lang>/logiciel-libre/``): validating and importing a file,
and an entry's ``publiccode.yml``."""

from django.urls import path

from . import publiccode_views as views

urlpatterns: list = [
    path("publiccode/valider/", views.publiccode_validate, name="publiccode_validate"),
    path("publiccode/importer/", views.publiccode_import, name="publiccode_import"),
    path("catalogue/<slug:slug>/publiccode.yml", views.publiccode_export, name="publiccode_export"),
]
