"""Addresses of the uses of software by public bodies (under ``/<lang>/logiciel-libre/``): a software's uses,
declaring, changing and withdrawing a use, and a body's page."""

from django.urls import path

from . import usage_views as views

urlpatterns: list = [
    path("catalogue/<slug:slug>/utilisations/", views.usage_list, name="usage_list"),
    path("catalogue/<slug:slug>/utilisations/declarer/", views.usage_create, name="usage_create"),
    path("utilisations/<int:pk>/modifier/", views.usage_edit, name="usage_edit"),
    path("utilisations/<int:pk>/retirer/", views.usage_withdraw, name="usage_withdraw"),
    path("organismes/<slug:slug>/", views.body_detail, name="body_detail"),
]
