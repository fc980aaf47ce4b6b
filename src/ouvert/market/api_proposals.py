"""``/api/v1/market/…``: the suppliers and proposals part.

- ``POST /suppliers`` register a supplier; ``GET /suppliers/mine``; ``GET|PATCH /suppliers/{slug}``;
  ``GET|PUT /suppliers/{slug}/members``; ``DELETE /suppliers/{slug}/members/{email}``;
- ``GET /proposals/mine``; ``GET /proposals/{reference}/{supplier}`` (the own proposal: draft opened,
  submissions' receipts); ``POST …/draft`` (JSON, or multipart with ``attachments`` files and ``remove``
  names); ``POST …/submit``; ``POST …/withdraw``; ``GET …/receipt`` (``?version=``, ``?format=text``);
  ``GET …/opened-document`` (after the deadline: the exact canonical bytes);
- ``POST /receipts/verify`` and ``GET /receipts/opened/{reference}`` (public).

Everything but the receipts' check needs a token or a session (401 without). Errors: 400 bad input (with
``errors`` per field), 403 not allowed or past the deadline (the message states it), 404 unknown or not
one's own, 409 the draft changed since the revision submitted, 413 the proposal is too large.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from ouvert.api import AUTH, api

from . import formats, proposals, suppliers
from .models import Proposal, Supplier

router = Router(tags=["market"])


def _iso(value):
    return value.isoformat() if value is not None else None


def _error(request, status: int, message: str, errors=None):
    body = {"detail": message}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


# --- Suppliers ------------------------------------------------------------------------------------

class SupplierIn(Schema):
    legal_name: str
    neq: str
    is_sme: bool = False
    is_startup: bool = False
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address: str = ""


class MemberIn(Schema):
    email: str
    role: str = "member"


def supplier_data(supplier: Supplier) -> dict:
    return {"slug": supplier.organisation.slug, "legal_name": supplier.legal_name, "neq": supplier.neq,
            "is_sme": supplier.is_sme, "is_startup": supplier.is_startup, "contact_name": supplier.contact_name,
            "contact_email": supplier.contact_email, "contact_phone": supplier.contact_phone,
            "address": supplier.address, "created_at": _iso(supplier.created_at)}


def _members(supplier, user) -> list[dict]:
    return [{"email": m.user.email, "name": m.user.display_name, "role": m.role}
            for m in suppliers.supplier_members(supplier=supplier, user=user)]


@router.post("/suppliers", auth=AUTH, response={201: dict}, summary="Inscrire un fournisseur / Register a supplier")
def supplier_register(request: HttpRequest, payload: SupplierIn):
    supplier = suppliers.supplier_register(user=request.auth, **payload.dict())
    return Status(201, supplier_data(supplier))


@router.get("/suppliers/mine", auth=AUTH, summary="Mes fournisseurs / My suppliers")
def supplier_mine(request: HttpRequest):
    return [supplier_data(s) for s in suppliers.suppliers_of(request.auth)]


@router.get("/suppliers/{slug}", auth=AUTH, summary="Profil d'un fournisseur / A supplier's profile")
def supplier_detail(request: HttpRequest, slug: str):
    supplier = suppliers.supplier_get(slug=slug, user=request.auth)
    return {**supplier_data(supplier), "members": _members(supplier, request.auth)}


@router.patch("/suppliers/{slug}", auth=AUTH, summary="Modifier le profil / Change the profile")
def supplier_update(request: HttpRequest, slug: str, payload: dict[str, Any] = Body(...)):  # noqa: B008
    supplier = suppliers.supplier_get(slug=slug, user=request.auth)
    supplier = suppliers.supplier_update(user=request.auth, supplier=supplier, data=payload)
    return {**supplier_data(supplier), "members": _members(supplier, request.auth)}


@router.get("/suppliers/{slug}/members", auth=AUTH, summary="Membres / Members")
def supplier_member_list(request: HttpRequest, slug: str):
    supplier = suppliers.supplier_get(slug=slug, user=request.auth)
    return _members(supplier, request.auth)


@router.put("/suppliers/{slug}/members", auth=AUTH, summary="Ajouter un membre ou changer son rôle / Add a member")
def supplier_member_set(request: HttpRequest, slug: str, payload: MemberIn):
    supplier = suppliers.supplier_get(slug=slug, user=request.auth)
    suppliers.supplier_member_set(user=request.auth, supplier=supplier, email=payload.email, role=payload.role)
    return _members(supplier, request.auth)


@router.delete("/suppliers/{slug}/members/{email}", auth=AUTH, response={204: None},
               summary="Retirer un membre (ou quitter) / Remove a member (or leave)")
def supplier_member_remove(request: HttpRequest, slug: str, email: str):
    supplier = suppliers.supplier_get(slug=slug, user=request.auth)
    suppliers.supplier_member_remove(user=request.auth, supplier=supplier, email=email)
    return Status(204, None)


# --- Proposals ------------------------------------------------------------------------------------

class SubmitIn(Schema):
    draft_revision: int | None = None
    no_conflict_of_interest: bool = False
    terms_accepted: bool = False


def submission_data(submission) -> dict:
    return {"version": submission.version, "receipt": submission.receipt, "sealed_sha256": submission.sealed_sha256,
            "draft_revision": submission.draft_revision, "submitted_at": _iso(submission.submitted_at),
            "superseded_at": _iso(submission.superseded_at), "withdrawn_at": _iso(submission.withdrawn_at),
            "current": submission.is_current}


def proposal_data(opportunity, supplier, proposal: Proposal | None, user, *, with_draft: bool = True) -> dict:
    data = {"opportunity": opportunity.reference, "supplier": supplier.organisation.slug,
            "deadline": _iso(opportunity.deadline), "deadline_montreal": formats.montreal_text(opportunity.deadline),
            "open": opportunity.is_open(), "status": proposal.status if proposal else None,
            "draft_revision": proposal.draft_revision if proposal else 0,
            "submissions": [submission_data(s) for s in proposals.proposal_submissions(proposal, user)]}
    if with_draft:
        draft = proposals.proposal_draft(proposal, user)
        data["draft"] = {"content": draft.get("content") or {},
                         "attachments": [{k: a[k] for k in ("name", "content_type", "size", "sha256")}
                                         for a in draft.get("attachments") or []]}
    return data


def _refused(request, exc):
    if isinstance(exc, proposals.DraftChanged):
        return _error(request, 409, exc.message)
    return _error(request, 413, exc.message)


@router.get("/proposals/mine", auth=AUTH, summary="Mes propositions / My proposals")
def proposal_mine(request: HttpRequest):
    board = proposals.supplier_dashboard(user=request.auth)
    rows = board["drafts"] + board["submitted"] + board["withdrawn"]
    return [{"opportunity": r["opportunity"].reference, "opportunity_title": r["opportunity"].title_fr,
             "supplier": r["supplier"].organisation.slug, "status": r["proposal"].status,
             "deadline": _iso(r["opportunity"].deadline), "open": r["open"],
             "draft_revision": r["proposal"].draft_revision, "draft_changed": r["draft_changed"],
             "current": submission_data(r["current"]) if r["current"] else None, "result": r["result"]}
            for r in rows]


@router.get("/proposals/{reference}/{supplier}", auth=AUTH, summary="Ma proposition / My proposal")
def proposal_detail(request: HttpRequest, reference: str, supplier: str):
    opportunity, supplier_obj, proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                     user=request.auth)
    return proposal_data(opportunity, supplier_obj, proposal, request.auth)


def _draft_input(request) -> tuple[dict, list, list]:
    """JSON ``{"content": {...}, "remove": [...]}`` (or the content's fields at the top), or multipart."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
        post = request.POST
        content = {f: post[f] for f in proposals.TEXT_LIMITS if f in post}
        criteria = {key[len("criterion_"):]: value for key, value in post.items() if key.startswith("criterion_")}
        if criteria:
            content["criteria"] = criteria
        return content, request.FILES.getlist("attachments"), post.getlist("remove")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationError({"body": [_("Corps de la requête illisible : envoyez un objet JSON valide.")]}) from None
    if not isinstance(body, dict):
        raise ValidationError({"body": [_("Un objet JSON est attendu.")]})
    remove = body.pop("remove", [])
    content = body.pop("content", None)
    if content is None:
        content = body
    elif body:
        raise ValidationError({k: [_("%(field)s : champ inconnu.") % {"field": k}] for k in body})
    if not isinstance(content, dict) or not isinstance(remove, list):
        raise ValidationError({"content": [_("Contenu : un objet est attendu (et « remove » une liste).")]})
    return content, [], remove


@router.post("/proposals/{reference}/{supplier}/draft", auth=AUTH,
             summary="Enregistrer le brouillon / Save the draft")
def proposal_draft_save(request: HttpRequest, reference: str, supplier: str):
    opportunity, supplier_obj, _proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                      user=request.auth)
    content, files, remove = _draft_input(request)
    try:
        proposal = proposals.proposal_draft_save(opportunity=opportunity, supplier=supplier_obj, user=request.auth,
                                                 content=content, attachments=files, remove=remove)
    except proposals.ProposalTooLarge as exc:
        return _refused(request, exc)
    return proposal_data(opportunity, supplier_obj, proposal, request.auth)


@router.post("/proposals/{reference}/{supplier}/submit", auth=AUTH, response={200: dict, 201: dict},
             summary="Soumettre (sceller) / Submit (seal)")
def proposal_submit(request: HttpRequest, reference: str, supplier: str, payload: SubmitIn):
    _opportunity, _supplier, proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                   user=request.auth)
    if proposal is None:
        raise ValidationError({"summary": [_("Résumé : enregistrez d'abord un brouillon.")]})
    try:
        result = proposals.proposal_submit(proposal=proposal, user=request.auth, draft_revision=payload.draft_revision,
                                           no_conflict_of_interest=payload.no_conflict_of_interest,
                                           terms_accepted=payload.terms_accepted)
    except proposals.DraftChanged as exc:
        return _refused(request, exc)
    return Status(201 if result.created else 200,
                  {**proposals.receipt_data(result.submission), "created": result.created})


@router.post("/proposals/{reference}/{supplier}/withdraw", auth=AUTH, summary="Retirer / Withdraw")
def proposal_withdraw(request: HttpRequest, reference: str, supplier: str):
    _opportunity, _supplier, proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                   user=request.auth)
    if proposal is None:
        raise ValidationError({"proposal": [_("Proposition : aucune soumission en cours à retirer.")]})
    submission = proposals.proposal_withdraw(proposal=proposal, user=request.auth)
    return submission_data(submission)


@router.get("/proposals/{reference}/{supplier}/receipt", auth=AUTH, summary="Reçu / Receipt")
def proposal_receipt(request: HttpRequest, reference: str, supplier: str, version: int | None = None,
                     format: str = "json"):  # noqa: A002 — the query parameter's name
    _opportunity, _supplier, proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                   user=request.auth)
    submission = proposals.proposal_receipt(proposal, request.auth, version)
    if format == "text":
        return HttpResponse(proposals.receipt_text(submission), content_type="text/plain; charset=utf-8")
    return proposals.receipt_data(submission)


@router.get("/proposals/{reference}/{supplier}/opened-document", auth=AUTH,
            summary="Document ouvert (après la date limite) / Opened document (after the deadline)")
def proposal_opened_document(request: HttpRequest, reference: str, supplier: str):
    _opportunity, _supplier, proposal = proposals.proposal_context(reference=reference, supplier=supplier,
                                                                   user=request.auth)
    return HttpResponse(proposals.proposal_opened_document(proposal, request.auth), content_type="application/json")


# --- Receipts (public) ----------------------------------------------------------------------------

class VerifyIn(Schema):
    receipt: str
    opportunity: str | None = None


@router.post("/receipts/verify", summary="Vérifier un reçu / Check a receipt")
def receipt_verify(request: HttpRequest, payload: VerifyIn):
    return proposals.receipt_verify(payload.receipt, payload.opportunity)


@router.get("/receipts/opened/{reference}", summary="Reçus des propositions ouvertes / Opened proposals' receipts")
def receipts_opened(request: HttpRequest, reference: str):
    opportunity = proposals.proposal_opportunity(reference)
    return [{"receipt": r["receipt"], "version": r["version"], "submitted_at": _iso(r["submitted_at"]),
             "status": r["status"], "message": r["message"]} for r in proposals.opened_receipts(opportunity)]
