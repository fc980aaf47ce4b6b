"""Addresses of the accompaniment part (under ``/<lang>/logiciel-libre/accompagnement/``): the offer with the
request form and the body's requests, the team's queue, a request's page with its history, and its actions."""

from django.urls import path

from . import accompaniment_views as views

urlpatterns: list = [
    path("accompagnement/", views.offer, name="accompaniment"),
    path("accompagnement/equipe/", views.queue, name="accompaniment_queue"),
    path("accompagnement/<str:reference>/", views.detail, name="accompaniment_detail"),
    path("accompagnement/<str:reference>/etat/", views.move, name="accompaniment_move"),
    path("accompagnement/<str:reference>/note/", views.note, name="accompaniment_note"),
    path("accompagnement/<str:reference>/document/", views.document_add, name="accompaniment_document_add"),
    path("accompagnement/<str:reference>/documents/<int:pk>/", views.document, name="accompaniment_document"),
]
