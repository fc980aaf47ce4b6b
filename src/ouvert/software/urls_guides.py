"""Addresses of the practice guides (under ``/<lang>/logiciel-libre/``)."""

from django.urls import path

from . import guides_views as views

urlpatterns: list = [
    path("guides/", views.guide_list, name="guides"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide"),
    path("guides/<slug:slug>/modifier/", views.guide_edit, name="guide_edit"),
]
