"""Addresses of the processes part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path

from . import processes_views as views

urlpatterns: list = [
    path("guides/", views.guide_list, name="guides"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide"),
    path("gestion/", views.manage, name="manage"),
    path("nouvelle/", views.process_new, name="process_new"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("verification/", views.verification, name="verification"),
]
process_urlpatterns: list = [
    path("", views.process_detail, name="process"),
    path("configurer/<slug:step>/", views.wizard, name="wizard"),
    path("documents/<int:pk>/", views.document, name="document"),
]
