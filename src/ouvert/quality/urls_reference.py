"""Reference datasets' pages (``/<lang>/catalogue/donnees-de-reference/…``)."""

from django.urls import path

from . import reference_views

urlpatterns: list = [
    path("donnees-de-reference/", reference_views.reference, name="reference"),
    path("donnees-de-reference/<str:name>/", reference_views.reference_dataset, name="reference_dataset"),
    path("donnees-de-reference/<str:name>/certifier/", reference_views.reference_certify, name="reference_certify"),
    path("donnees-de-reference/<str:name>/retirer/", reference_views.reference_withdraw, name="reference_withdraw"),
]
