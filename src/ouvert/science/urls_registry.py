"""Addresses of the registry part (under ``/<lang>/science-ouverte/``): the public search of funded
publications and its exports, a publication's page, declaring (with the DOI look-up), changing and
withdrawing one, « my publications », the CSV import, the compliance dashboard and its reminders."""

from django.urls import path

from . import registry_views as views

urlpatterns: list = [
    path("publications/", views.publication_list, name="publication_list"),
    path("publications/export/", views.publication_export, name="publication_export"),
    path("publications/declarer/", views.publication_create, name="publication_create"),
    path("publications/importer/", views.publication_import, name="publication_import"),
    path("publications/miennes/", views.my_publications, name="my_publications"),
    path("publications/<int:pk>/", views.publication_detail, name="publication_detail"),
    path("publications/<int:pk>/modifier/", views.publication_edit, name="publication_edit"),
    path("publications/<int:pk>/retirer/", views.publication_withdraw, name="publication_withdraw"),
    path("conformite/", views.dashboard, name="dashboard"),
    path("conformite/rappels/", views.reminders_send, name="reminders_send"),
]
