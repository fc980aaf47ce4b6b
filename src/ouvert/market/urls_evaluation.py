"""Addresses of the evaluation part: the evaluator workspace and, under ``evaluation/<reference>/``, an
opportunity's panel, proposals, consensus, ranking and debrief."""

from django.urls import path

from . import evaluation_views as views

urlpatterns: list = [
    path("evaluation/", views.evaluator_workspace, name="evaluator_workspace"),
    path("evaluation/<str:reference>/", views.evaluation_panel, name="evaluation_panel"),
    path("evaluation/<str:reference>/classement/", views.evaluation_ranking, name="evaluation_ranking"),
    path("evaluation/<str:reference>/bilan/", views.debrief, name="debrief"),
    path("evaluation/<str:reference>/propositions/<int:pk>/", views.evaluation_proposal, name="evaluation_proposal"),
    path("evaluation/<str:reference>/propositions/<int:pk>/pieces/<int:index>/", views.evaluation_attachment,
         name="evaluation_attachment"),
    path("evaluation/<str:reference>/propositions/<int:pk>/consensus/", views.evaluation_consensus,
         name="evaluation_consensus"),
]
