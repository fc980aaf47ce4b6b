"""Addresses of the priorities pages (``/<lang>/priorites/…``, included by ``ouvert.urls``)."""

from django.urls import path
from django.views.generic import RedirectView

from . import campaigns_views, requests_views

app_name = "priorities"

urlpatterns: list = [
    path("", RedirectView.as_view(pattern_name="priorities:requests"), name="home"),
    path("demandes/", requests_views.request_list, name="requests"),
    path("demandes/nouvelle/", requests_views.request_new, name="request_new"),
    path("demandes/<int:pk>/", requests_views.request_detail, name="request"),
    path("demandes/<int:pk>/appui/", requests_views.request_support, name="request_support"),
    path("demandes/<int:pk>/suivi/", requests_views.request_follow, name="request_follow"),
    path("demandes/<int:pk>/commentaire/", requests_views.request_comment, name="request_comment"),
    path("demandes/<int:pk>/etat/", requests_views.request_status, name="request_status"),
    path("demandes/<int:pk>/reponse/", requests_views.request_answer, name="request_answer"),
    path("demandes/<int:pk>/commentaires/<int:comment_pk>/masquer/", requests_views.comment_hide,
         name="comment_hide"),
    path("campagnes/", campaigns_views.campaign_list, name="campaigns"),
    path("campagnes/nouvelle/", campaigns_views.campaign_new, name="campaign_new"),
    path("campagnes/<slug:slug>/", campaigns_views.campaign_detail, name="campaign"),
    path("campagnes/<slug:slug>/bulletin/", campaigns_views.campaign_ballot, name="campaign_ballot"),
    path("campagnes/<slug:slug>/invitation/<str:token>/", campaigns_views.campaign_join, name="campaign_join"),
    path("campagnes/<slug:slug>/resultats/", campaigns_views.campaign_results, name="campaign_results"),
    path("campagnes/<slug:slug>/publier/", campaigns_views.campaign_finalise, name="campaign_finalise"),
]
