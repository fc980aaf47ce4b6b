"""Addresses of the surveys part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path

from . import surveys_views as views

urlpatterns: list = []
process_urlpatterns: list = [
    path("questionnaires/", views.survey_list, name="surveys"),
    path("questionnaires/nouveau/", views.survey_new, name="survey_new"),
    path("questionnaires/<slug:survey>/", views.survey_detail, name="survey"),
    path("questionnaires/<slug:survey>/merci/", views.survey_thanks, name="survey_thanks"),
    path("questionnaires/<slug:survey>/resultats/", views.survey_results, name="survey_results"),
    path("questionnaires/<slug:survey>/fichiers/<int:answer>/", views.survey_file, name="survey_file"),
    path("questionnaires/<slug:survey>/modifier/", views.survey_edit, name="survey_edit"),
    path("questionnaires/<slug:survey>/apercu/", views.survey_preview, name="survey_preview"),
    path("questionnaires/<slug:survey>/supprimer/", views.survey_delete, name="survey_delete"),
    path("questionnaires/<slug:survey>/questions/", views.survey_question_add, name="survey_question_add"),
    path("questionnaires/<slug:survey>/questions/<int:position>/", views.survey_question_update,
         name="survey_question_update"),
    path("questionnaires/<slug:survey>/questions/<int:position>/supprimer/", views.survey_question_remove,
         name="survey_question_remove"),
    path("questionnaires/<slug:survey>/questions/<int:position>/deplacer/", views.survey_question_move,
         name="survey_question_move"),
]
