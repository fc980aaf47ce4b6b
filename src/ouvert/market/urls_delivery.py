"""Addresses of the delivery part: a contract's deliveries and payment, and the reusable components."""

from django.urls import path

from . import delivery_views as views

urlpatterns: list = [
    path("contrats/<str:reference>/", views.contract, name="contract"),
    path("composants/", views.components, name="components"),
]
