"""Addresses of the policy part (under ``/<lang>/science-ouverte/``)."""

from django.urls import path

from . import policy_views as views

urlpatterns: list = [
    path("politique/", views.policy, name="policy"),
    path("politique/<slug:fund>/nouvelle-version/", views.policy_version_new, name="policy_version_new"),
    path("politique/<slug:fund>/<slug:code>/", views.policy_version, name="policy_version"),
    path("politique/<slug:fund>/<slug:code>/modifier/", views.policy_version_edit, name="policy_version_edit"),
    path("politique/<slug:fund>/<slug:code>/supprimer/", views.policy_version_delete, name="policy_version_delete"),
    path("comment-me-conformer/", views.assistant, name="assistant"),
    path("revues/", views.journal_list, name="journal_list"),
    path("revues/nouvelle/", views.journal_new, name="journal_new"),
    path("revues/importer/", views.journal_import, name="journal_import"),
    path("revues/<int:pk>/modifier/", views.journal_edit, name="journal_edit"),
    path("autoarchivage/", views.archiving_list, name="archiving_list"),
    path("autoarchivage/nouvelle/", views.archiving_new, name="archiving_new"),
    path("autoarchivage/importer/", views.archiving_import, name="archiving_import"),
    path("autoarchivage/<int:pk>/modifier/", views.archiving_edit, name="archiving_edit"),
]
