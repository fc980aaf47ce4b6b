"""Addresses of the outreach part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path

from . import outreach_views as views

urlpatterns: list = [
    path("", views.process_list, name="list"),
    path("calendrier/", views.calendar, name="calendar"),
    path("calendrier.ics", views.calendar_ics, name="calendar_ics"),
    path("flux.atom", views.feed, name="feed"),
    path("abonnement/", views.subscribe, name="subscribe"),
    path("abonnement/confirmer/<str:token>/", views.subscribe_confirm, name="subscribe_confirm"),
    path("abonnement/desabonner/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/", views.preferences, name="preferences"),
    path("indicateurs/", views.indicators, name="indicators"),
    path("indicateurs.csv", views.indicators_csv, name="indicators_csv"),
]
process_urlpatterns: list = [
    path("suivi/", views.follow, name="follow"),
    path("rencontres/", views.meeting_list, name="meetings"),
    path("rencontres/nouvelle/", views.meeting_form, name="meeting_new"),
    path("rencontres/<int:pk>/", views.meeting_detail, name="meeting"),
    path("rencontres/<int:pk>/modifier/", views.meeting_form, name="meeting_edit"),
    path("rencontres/<int:pk>/annuler/", views.meeting_cancel, name="meeting_cancel"),
    path("rencontres/<int:pk>/compte-rendu/", views.meeting_minutes, name="meeting_minutes"),
    path("rencontres/<int:pk>/inscription/", views.meeting_register, name="meeting_register"),
    path("rencontres/<int:pk>/rencontre.ics", views.meeting_ics, name="meeting_ics"),
]
