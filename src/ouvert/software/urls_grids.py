"""Addresses of the evaluation grids (under ``/<lang>/logiciel-libre/grilles/``): the list, creating a grid, a
grid's page (matrix, ranking, and its editing forms for the body's members), scoring, copying, deleting and
the exports."""

from django.urls import path

from . import grids_views as views

urlpatterns: list = [
    path("grilles/", views.grid_list, name="grids"),
    path("grilles/nouvelle/", views.grid_new, name="grid_new"),
    path("grilles/<int:pk>/", views.grid_detail, name="grid_detail"),
    path("grilles/<int:pk>/modifier/", views.grid_edit, name="grid_edit"),
    path("grilles/<int:pk>/criteres/", views.criterion_add, name="grid_criterion_add"),
    path("grilles/<int:pk>/criteres/<int:item>/", views.criterion_change, name="grid_criterion"),
    path("grilles/<int:pk>/solutions/", views.candidate_add, name="grid_candidate_add"),
    path("grilles/<int:pk>/solutions/<int:item>/", views.candidate_change, name="grid_candidate"),
    path("grilles/<int:pk>/notes/", views.grid_scores, name="grid_scores"),
    path("grilles/<int:pk>/copier/", views.grid_copy, name="grid_copy"),
    path("grilles/<int:pk>/supprimer/", views.grid_delete, name="grid_delete"),
    path("grilles/<int:pk>/export.<str:fmt>", views.grid_export, name="grid_export"),
]
