"""Addresses of the datastore's pages, under a dataset of the catalogue
(``/<lang>/catalogue/jeux/<name>/…``, included by ``ouvert.urls``)."""

from django.urls import path

from . import views

app_name = "datastore"

urlpatterns = [
    path("ressources/<uuid:resource_id>/apercu/", views.preview_page, name="preview"),
    path("ressources/<uuid:resource_id>/donnees/<str:fmt>/", views.export_view, name="export"),
    path("ressources/<uuid:resource_id>/validation/", views.validation_page, name="validation"),
    path("ressources/<uuid:resource_id>/dictionnaire/", views.dictionary_edit, name="dictionary"),
    path("ressources/<uuid:resource_id>/visualisations/nouvelle/", views.visualisation_new,
         name="visualisation_new"),
    path("visualisations/<uuid:pk>/", views.visualisation_page, name="visualisation"),
    path("visualisations/<uuid:pk>/integrer/", views.visualisation_embed, name="visualisation_embed"),
    path("visualisations/<uuid:pk>/modifier/", views.visualisation_edit, name="visualisation_edit"),
    path("visualisations/<uuid:pk>/supprimer/", views.visualisation_delete, name="visualisation_delete"),
]
