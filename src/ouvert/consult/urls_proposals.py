"""Addresses of the proposals part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path

from . import proposals_views as views

urlpatterns: list = []
process_urlpatterns: list = [
    path("propositions/", views.proposal_list, name="proposals"),
    path("propositions/nouvelle/", views.proposal_new, name="proposal_new"),
    path("propositions/<int:number>/", views.proposal_detail, name="proposal"),
    path("propositions/<int:number>/modifier/", views.proposal_edit, name="proposal_edit"),
    path("propositions/<int:number>/appui/", views.proposal_support, name="proposal_support"),
    path("propositions/<int:number>/retrait/", views.proposal_withdraw, name="proposal_withdraw"),
    path("propositions/<int:number>/reponse/", views.proposal_answer, name="proposal_answer"),
    path("propositions/<int:number>/suivi/", views.proposal_follow, name="proposal_follow"),
    path("propositions/<int:number>/amendements/", views.amendment_new, name="amendment_new"),
    path("propositions/<int:number>/amendements/<int:pk>/", views.amendment_decide, name="amendment_decide"),
]
