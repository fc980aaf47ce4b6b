"""Addresses of the ecosystems part (``/<lang>/apprendre/…``)."""

from django.urls import path

from . import ecosystems_views as views

urlpatterns: list = [
    path("ecosystemes/", views.ecosystem_list, name="ecosystems"),
    path("ecosystemes/<slug:name>/", views.ecosystem_detail, name="ecosystem"),
    path("ecosystemes/<slug:name>/conformite/", views.ecosystem_matrix, name="ecosystem_matrix"),
    path("ecosystemes/<slug:name>/declarer/", views.ecosystem_declare, name="ecosystem_declare"),
    path("ecosystemes/<slug:name>/gerer/", views.ecosystem_manage, name="ecosystem_manage"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/<slug:name>/", views.standard_detail, name="standard"),
    path("standards/<slug:name>/conformite/", views.standard_matrix, name="standard_matrix"),
    path("standards/<slug:name>/<str:version>/", views.version_detail, name="standard_version"),
    path("standards/<slug:name>/<str:version>/schema.json", views.version_schema, name="standard_schema"),
    path("conformite/<int:pk>/", views.conformity_report, name="conformity_report"),
    path("publications/<slug:slug>/", views.publication_detail, name="publication"),
    path("publications/<slug:slug>/document/", views.publication_document, name="publication_document"),
]
