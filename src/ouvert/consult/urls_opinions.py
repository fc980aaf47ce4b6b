"""Addresses of the opinions part: the ones under a process's ``<slug>/`` (``opinions/…``)."""

from django.urls import path

from . import opinions_views as views

urlpatterns: list = []
process_urlpatterns: list = [
    path("opinions/", views.conversation_list, name="conversations"),
    path("opinions/nouvelle/", views.conversation_new, name="conversation_new"),
    path("opinions/<slug:conversation>/", views.conversation_detail, name="conversation"),
    path("opinions/<slug:conversation>/vote/", views.conversation_vote, name="conversation_vote"),
    path("opinions/<slug:conversation>/enonces/", views.conversation_statement, name="conversation_statement"),
    path("opinions/<slug:conversation>/reglages/", views.conversation_settings, name="conversation_settings"),
    path("opinions/<slug:conversation>/enonces/<int:pk>/examen/", views.conversation_moderate,
         name="conversation_moderate"),
]
