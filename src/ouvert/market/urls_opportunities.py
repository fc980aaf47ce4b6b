"""Addresses of the opportunities part (under ``/<lang>/marches/``): the public list, the buyers' pages,
and the ones under an opportunity's reference (``DAN-2026-0001/``)."""

from django.urls import path, re_path

from . import opportunities_views as views

REF = r"(?P<reference>DAN-[A-Za-z0-9-]{1,25})"

urlpatterns: list = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("acheteur/", views.buyer_dashboard, name="buyer_dashboard"),
    path("acheteur/revision/", views.review_queue, name="review_queue"),
    path("acheteur/nouvelle/", views.opportunity_new, name="opportunity_new"),
    path("acheteur/parametres/<slug:slug>/", views.buyer_settings, name="buyer_settings"),
    re_path(rf"^{REF}/$", views.opportunity_detail, name="opportunity_detail"),
    re_path(rf"^{REF}/modifier/$", views.opportunity_edit, name="opportunity_edit"),
    re_path(rf"^{REF}/gestion/$", views.opportunity_manage, name="opportunity_manage"),
    re_path(rf"^{REF}/gestion/statut/$", views.opportunity_transition, name="opportunity_transition"),
    re_path(rf"^{REF}/gestion/addenda/$", views.addendum_new, name="addendum_new"),
    re_path(rf"^{REF}/gestion/questions/(?P<pk>[0-9]+)/reponse/$", views.question_answer, name="question_answer"),
    re_path(rf"^{REF}/gestion/questions/(?P<pk>[0-9]+)/sans-suite/$", views.question_decline,
            name="question_decline"),
    re_path(rf"^{REF}/questions/$", views.question_ask, name="question_ask"),
    re_path(rf"^{REF}/suivre/$", views.follow, name="opportunity_follow"),
    re_path(rf"^{REF}/pieces/$", views.attachment_add, name="attachment_add"),
    re_path(rf"^{REF}/pieces/(?P<pk>[0-9]+)/$", views.attachment_download, name="attachment_download"),
    re_path(rf"^{REF}/pieces/(?P<pk>[0-9]+)/retirer/$", views.attachment_remove, name="attachment_remove"),
]
