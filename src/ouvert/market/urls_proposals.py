"""Addresses of the suppliers and proposals part (under ``/<lang>/marches/``): supplier registration and
profile, the supplier dashboard, a proposal by its opportunity's reference and its supplier's slug (never by
its own number: nothing here counts proposals), its receipts, and the public check of a receipt."""

from django.urls import path

from . import proposals_views as views

PROPOSAL = "propositions/<str:reference>/<slug:supplier>/"

urlpatterns: list = [
    path("fournisseurs/inscription/", views.supplier_register, name="supplier_register"),
    path("fournisseurs/<slug:slug>/", views.supplier_detail, name="supplier_detail"),
    path("espace-fournisseur/", views.supplier_dashboard, name="supplier_dashboard"),
    path("recus/verifier/", views.receipt_verify, name="receipt_verify"),
    path("propositions/<str:reference>/", views.proposal_start, name="proposal_edit"),
    path("propositions/<str:reference>/recus-ouverts/", views.opened_receipts, name="opened_receipts"),
    path(PROPOSAL, views.proposal_edit, name="proposal_edit"),
    path(f"{PROPOSAL}soumettre/", views.proposal_submit, name="proposal_submit"),
    path(f"{PROPOSAL}retirer/", views.proposal_withdraw, name="proposal_withdraw"),
    path(f"{PROPOSAL}recu/", views.proposal_receipt, name="proposal_receipt"),
    path(f"{PROPOSAL}recu/<int:version>.<str:fmt>", views.receipt_download, name="receipt_download"),
    path(f"{PROPOSAL}document-ouvert.json", views.opened_document, name="opened_document"),
    path(f"{PROPOSAL}pieces/<int:index>/", views.draft_attachment, name="draft_attachment"),
]
