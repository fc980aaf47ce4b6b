"""Addresses of the results part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path, re_path

from . import results_views as views

urlpatterns: list = [
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/<int:pk>/reponse/", views.suggestion_answer, name="suggestion_answer"),
    path("satisfaction/", views.satisfaction_dashboard, name="satisfaction"),
]
process_urlpatterns: list = [
    path("resultats/", views.dashboard, name="results"),
    re_path(r"^resultats/export/(?P<component>[a-z0-9-]+)\.(?P<fmt>csv|json|xlsx)$", views.export,
            name="results_export"),
    path("resultats/satisfaction/", views.satisfaction_submit, name="satisfaction_submit"),
    path("rapport/", views.report, name="report"),
    path("rapport/modifier/", views.report_edit, name="report_edit"),
    re_path(r"^rapport/telecharger\.(?P<fmt>html|pdf)$", views.report_download, name="report_download"),
]
