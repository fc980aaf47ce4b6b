"""Addresses of the support part (under ``/<lang>/science-ouverte/``): the support page, the FAQ and the
webinars, with their managers' pages."""

from django.urls import path

from . import support_views as views

urlpatterns: list = [
    path("", views.home, name="home"),
    path("faq/", views.faq, name="faq"),
    path("faq/gestion/", views.faq_manage, name="faq_manage"),
    path("faq/nouvelle/", views.faq_edit, name="faq_new"),
    path("faq/<int:pk>/modifier/", views.faq_edit, name="faq_edit"),
    path("faq/<int:pk>/deplacer/", views.faq_move, name="faq_move"),
    path("faq/<int:pk>/publication/", views.faq_publish, name="faq_publish"),
    path("faq/<int:pk>/supprimer/", views.faq_delete, name="faq_delete"),
    path("webinaires/", views.webinar_list, name="webinar_list"),
    path("webinaires/calendrier.ics", views.webinar_feed, name="webinar_feed"),
    path("webinaires/nouveau/", views.webinar_edit, name="webinar_new"),
    path("webinaires/mes-inscriptions/", views.my_registrations, name="my_registrations"),
    path("webinaires/inscription/<uuid:token>.ics", views.registration_ics, name="registration_ics"),
    path("webinaires/<slug:slug>/", views.webinar_detail, name="webinar_detail"),
    path("webinaires/<slug:slug>/calendrier.ics", views.webinar_ics, name="webinar_ics"),
    path("webinaires/<slug:slug>/inscription/", views.webinar_register, name="webinar_register"),
    path("webinaires/<slug:slug>/desinscription/", views.webinar_unregister, name="webinar_unregister"),
    path("webinaires/<slug:slug>/presentation/", views.webinar_slides, name="webinar_slides"),
    path("webinaires/<slug:slug>/modifier/", views.webinar_edit, name="webinar_edit"),
    path("webinaires/<slug:slug>/annuler/", views.webinar_cancel, name="webinar_cancel"),
    path("webinaires/<slug:slug>/inscrits/", views.webinar_registrants, name="webinar_registrants"),
    path("webinaires/<slug:slug>/inscrits.csv", views.webinar_registrants_csv, name="webinar_registrants_csv"),
    path("webinaires/<slug:slug>/inscrits/<int:pk>/annuler/", views.registrant_cancel, name="registrant_cancel"),
    path("webinaires/<slug:slug>/presences/", views.webinar_attendance, name="webinar_attendance"),
    path("webinaires/<slug:slug>/enregistrement/", views.webinar_recording, name="webinar_recording"),
]
