"""Addresses of the oai part's pages (under ``/<lang>/science-ouverte/``), for science managers: the
repositories harvested over OAI-PMH (list, add, change, run now, runs and deposits) and the harvested deposits
that match no publication, to link by hand. The OAI-PMH endpoint itself is ``/oai`` (``oai_urls``)."""

from django.urls import path

from . import oai_pages_views as views

urlpatterns: list = [
    path("depots/", views.repository_list, name="repository_list"),
    path("depots/ajouter/", views.repository_create, name="repository_create"),
    path("depots/notices-a-rattacher/", views.deposit_unmatched, name="deposit_unmatched"),
    path("depots/notices/<int:pk>/rattacher/", views.deposit_link, name="deposit_link"),
    path("depots/<slug:slug>/", views.repository_detail, name="repository_detail"),
    path("depots/<slug:slug>/modifier/", views.repository_edit, name="repository_edit"),
]
