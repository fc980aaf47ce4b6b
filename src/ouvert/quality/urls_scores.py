"""The quality dashboards, under the catalogue (``/<lang>/catalogue/qualite/…``)."""

from django.urls import path

from . import scores_views

urlpatterns: list = [
    path("qualite/", scores_views.dashboard, name="dashboard"),
    path("qualite/organisations/<slug:slug>/", scores_views.organisation, name="organisation"),
]
