"""Addresses of the comments part: fixed ones (the moderators' queue, blocks), and the ones under a
process's ``<slug>/`` (posting, editing, voting, reporting; the thread fragment for the script)."""

from django.urls import path

from . import comments_views as views

urlpatterns: list = [
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<int:pk>/<str:action>/", views.moderation_action, name="moderation_action"),
    path("moderation/blocages/", views.block_add, name="block_add"),
    path("moderation/blocages/<int:user_id>/lever/", views.block_remove, name="block_remove"),
]
process_urlpatterns: list = [
    path("commentaires/", views.comment_new, name="comment_post"),
    path("commentaires/fil/", views.thread_fragment, name="comment_thread"),
    path("commentaires/<int:pk>/modifier/", views.comment_change, name="comment_edit"),
    path("commentaires/<int:pk>/supprimer/", views.comment_remove, name="comment_delete"),
    path("commentaires/<int:pk>/vote/", views.comment_vote, name="comment_vote"),
    path("signalements/", views.flag_new, name="flag"),
    path("moderation/", views.moderation_target, name="moderation_target"),
]
