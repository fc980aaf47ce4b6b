"""Addresses of the open-data part (the packages themselves are in the API: ``api_opendata``)."""

from django.urls import path

from . import opendata_views as views

urlpatterns: list = [
    path("donnees-ouvertes/", views.open_data, name="open_data"),
    path("donnees-ouvertes/politique/", views.publication_policy, name="publication_policy"),
    path("statistiques/", views.statistics, name="statistics"),
]
