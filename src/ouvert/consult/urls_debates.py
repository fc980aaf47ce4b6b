"""Addresses of the debates part: fixed ones, and the ones under a process's ``<slug>/``."""

from django.urls import path

from . import debates_views as views

urlpatterns: list = []
process_urlpatterns: list = [
    path("debats/", views.debate_list, name="debates"),
    path("debats/nouveau/", views.debate_new, name="debate_new"),
    path("debats/<int:pk>/", views.debate_detail, name="debate"),
    path("debats/<int:pk>/argument/", views.debate_argument, name="debate_argument"),
    path("debats/<int:pk>/modifier/", views.debate_edit, name="debate_edit"),
    path("debats/<int:pk>/fermer/", views.debate_close, name="debate_close"),
    path("textes/", views.draft_list, name="drafts"),
    path("textes/nouveau/", views.draft_new, name="draft_new"),
    path("textes/<slug:draft>/", views.draft_detail, name="draft"),
    path("textes/<slug:draft>/version/", views.draft_version, name="draft_version"),
    path("textes/<slug:draft>/paragraphes/<int:position>/", views.draft_paragraph, name="draft_paragraph"),
]
