"""Pages of the suppliers and proposals part: supplier registration and profile, the supplier dashboard, the
proposal editor, submission and withdrawal (each with a confirmation step), receipts and their public check.
Thin: the rules are in ``suppliers`` and ``proposals``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ouvert.core import services as core_services

from . import formats, proposals, suppliers
from . import proposals_forms as forms


def _login(request):
    return redirect_to_login(request.get_full_path())


def _context(request, reference, supplier):
    try:
        return proposals.proposal_context(reference=reference, supplier=supplier, user=request.user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _refusal(exc) -> tuple[list[str], dict, int]:
    """(lines, field errors, HTTP status) of a refused action."""
    if isinstance(exc, ValidationError):
        return forms.error_lines(exc), forms.field_errors(exc), 400
    if isinstance(exc, proposals.DraftChanged):
        return [exc.message], {}, 409
    if isinstance(exc, proposals.ProposalTooLarge):
        return [exc.message], {"attachments": [exc.message]}, 413
    if isinstance(exc, core_services.NotFound):
        return [exc.message], {}, 404
    return [str(exc)], {}, 403


REFUSALS = (ValidationError, PermissionDenied, proposals.DraftChanged, proposals.ProposalTooLarge,
            core_services.NotFound)


def _editor_url(opportunity, supplier) -> str:
    return reverse("market:proposal_edit", kwargs={"reference": opportunity.reference,
                                                   "supplier": supplier.organisation.slug})


# --- Suppliers ------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def supplier_register(request):
    if not request.user.is_authenticated:
        return _login(request)
    values = {"contact_email": request.user.email, "contact_name": request.user.full_name}
    errors, field_errors, status = [], {}, 200
    if request.method == "POST":
        values = forms.supplier_from_post(request.POST, with_neq=True)
        try:
            supplier = suppliers.supplier_register(user=request.user, **values)
        except REFUSALS as exc:
            errors, field_errors, status = _refusal(exc)
        else:
            messages.success(request, _("L'entreprise %(name)s est inscrite ; vous en êtes l'administratrice ou "
                                        "l'administrateur.") % {"name": supplier.legal_name})
            target = request.POST.get("next", "")
            if target.startswith("/") and not target.startswith("//"):
                return HttpResponseRedirect(target)
            return HttpResponseRedirect(reverse("market:supplier_detail", kwargs={"slug": supplier.organisation.slug}))
    return render(request, "market/proposals/supplier_register.html", {
        "values": values, "errors": errors, "field_errors": field_errors, "next": request.GET.get("next", "")},
        status=status)


def _supplier_page(request, supplier, *, errors=(), field_errors=None, status=200, values=None):
    members = suppliers.supplier_members(supplier=supplier, user=request.user)
    return render(request, "market/proposals/supplier_detail.html", {
        "supplier": supplier, "members": members, "is_admin": suppliers.supplier_can_admin(request.user, supplier),
        "values": values or {f: getattr(supplier, f) for f in suppliers.PROFILE_FIELDS},
        "roles": [(r.value, r.label) for r in suppliers.ROLES], "errors": list(errors),
        "field_errors": field_errors or {}}, status=status)


@require_http_methods(["GET", "POST"])
def supplier_detail(request, slug):
    if not request.user.is_authenticated:
        return _login(request)
    try:
        supplier = suppliers.supplier_get(slug=slug, user=request.user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    if request.method == "GET":
        return _supplier_page(request, supplier)
    action = request.POST.get("action", "")
    values = None
    try:
        if action == "profile":
            values = forms.supplier_from_post(request.POST, with_neq=False)
            suppliers.supplier_update(user=request.user, supplier=supplier, data=values)
            done = _("Profil enregistré.")
        elif action == "member_set":
            suppliers.supplier_member_set(user=request.user, supplier=supplier, email=request.POST.get("email", ""),
                                          role=request.POST.get("role", ""))
            done = _("Membre enregistré.")
        elif action == "member_remove":
            suppliers.supplier_member_remove(user=request.user, supplier=supplier, email=request.POST.get("email", ""))
            done = _("Membre retiré.")
        else:
            raise ValidationError({"action": [_("Action inconnue.")]})
    except REFUSALS as exc:
        errors, field_errors, status = _refusal(exc)
        return _supplier_page(request, supplier, errors=errors, field_errors=field_errors, status=status,
                              values=values)
    messages.success(request, done)
    if action == "member_remove" and request.POST.get("email", "").strip().lower() == request.user.email.lower():
        return HttpResponseRedirect(reverse("market:supplier_dashboard"))
    return HttpResponseRedirect(reverse("market:supplier_detail", kwargs={"slug": supplier.organisation.slug}))


# --- Dashboard ------------------------------------------------------------------------------------

@require_GET
def supplier_dashboard(request):
    if not request.user.is_authenticated:
        return _login(request)
    return render(request, "market/proposals/dashboard.html", proposals.supplier_dashboard(user=request.user))


# --- The proposal ---------------------------------------------------------------------------------

@require_GET
def proposal_start(request, reference):
    """From an opportunity to the proposal editor of the person's supplier (a choice when she has several)."""
    if not request.user.is_authenticated:
        return _login(request)
    try:
        opportunity = proposals.proposal_opportunity(reference)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    mine = suppliers.suppliers_of(request.user)
    if len(mine) == 1:
        return HttpResponseRedirect(_editor_url(opportunity, mine[0]))
    return render(request, "market/proposals/start.html", {"opportunity": opportunity, "suppliers": mine})


def _editor_context(request, opportunity, supplier, proposal, *, values=None):
    draft = proposals.proposal_draft(proposal, request.user)
    content = values or draft.get("content") or {}
    answers = content.get("criteria") or {}
    criteria = [{"criterion": c, "answer": answers.get(str(c.pk), "")} for c in opportunity.criteria.all()]
    submissions = proposals.proposal_submissions(proposal, request.user)
    current = next((s for s in submissions if s.is_current), None)
    return {
        "opportunity": opportunity, "supplier": supplier, "proposal": proposal, "content": content,
        "criteria": criteria, "attachments": draft.get("attachments") or [], "submissions": submissions,
        "current": current, "revision": proposal.draft_revision if proposal else 0,
        "draft_changed": bool(current and proposal and proposal.draft_revision > current.draft_revision),
        "open": opportunity.is_open(), "deadline_text": formats.montreal_text(opportunity.deadline),
        "time_left": formats.time_left(opportunity.deadline),
        "can_write": supplier in suppliers.suppliers_of(request.user, writable=True),
        "max_mb": round(proposals.max_proposal_bytes() / 1_048_576, 1),
    }


@require_http_methods(["GET", "POST"])
def proposal_edit(request, reference, supplier):
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, supplier_obj, proposal = _context(request, reference, supplier)
    errors, field_errors, status, values = [], {}, 200, None
    if request.method == "POST":
        values = forms.content_from_post(request.POST, opportunity.criteria.all())
        try:
            proposal = proposals.proposal_draft_save(
                opportunity=opportunity, supplier=supplier_obj, user=request.user, content=values,
                attachments=request.FILES.getlist("attachments"), remove=request.POST.getlist("remove"))
        except REFUSALS as exc:
            errors, field_errors, status = _refusal(exc)
        else:
            messages.success(request, _("Brouillon enregistré (révision %(n)s). Il n'est pas encore soumis.")
                             % {"n": proposal.draft_revision})
            if request.POST.get("then") == "submit":
                return HttpResponseRedirect(reverse("market:proposal_submit", kwargs={
                    "reference": opportunity.reference, "supplier": supplier_obj.organisation.slug}))
            return HttpResponseRedirect(_editor_url(opportunity, supplier_obj))
    context = _editor_context(request, opportunity, supplier_obj, proposal, values=values)
    context.update(errors=errors, field_errors=field_errors)
    return render(request, "market/proposals/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def proposal_submit(request, reference, supplier):
    """The confirmation step: the attestations, then the sealing."""
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, supplier_obj, proposal = _context(request, reference, supplier)
    if proposal is None:
        return HttpResponseRedirect(_editor_url(opportunity, supplier_obj))
    errors, field_errors, status = [], {}, 200
    if request.method == "POST":
        try:
            result = proposals.proposal_submit(
                proposal=proposal, user=request.user, draft_revision=request.POST.get("draft_revision"),
                no_conflict_of_interest=forms.flag(request.POST, "no_conflict_of_interest"),
                terms_accepted=forms.flag(request.POST, "terms_accepted"))
        except REFUSALS as exc:
            errors, field_errors, status = _refusal(exc)
        else:
            if result.created:
                messages.success(request, _("Votre proposition est soumise et scellée. Conservez votre reçu."))
            else:
                messages.success(request, _("Cette révision était déjà soumise : voici son reçu."))
            return HttpResponseRedirect(reverse("market:proposal_receipt", kwargs={
                "reference": opportunity.reference, "supplier": supplier_obj.organisation.slug})
                + f"?version={result.submission.version}")
    context = _editor_context(request, opportunity, supplier_obj, proposal)
    context.update(errors=errors, field_errors=field_errors,
                   posted_revision=request.POST.get("draft_revision") if request.method == "POST" else None)
    return render(request, "market/proposals/submit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def proposal_withdraw(request, reference, supplier):
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, supplier_obj, proposal = _context(request, reference, supplier)
    if proposal is None:
        raise Http404(_("Aucune proposition."))
    errors, status = [], 200
    if request.method == "POST":
        try:
            proposals.proposal_withdraw(proposal=proposal, user=request.user)
        except REFUSALS as exc:
            errors, _fields, status = _refusal(exc)
        else:
            messages.success(request, _("Votre proposition est retirée. Vous pouvez la soumettre de nouveau jusqu'à "
                                        "la date limite."))
            return HttpResponseRedirect(_editor_url(opportunity, supplier_obj))
    context = _editor_context(request, opportunity, supplier_obj, proposal)
    context.update(errors=errors)
    return render(request, "market/proposals/withdraw.html", context, status=status)


def _receipt(request, reference, supplier, version):
    opportunity, supplier_obj, proposal = _context(request, reference, supplier)
    try:
        return opportunity, supplier_obj, proposal, proposals.proposal_receipt(proposal, request.user, version)
    except (core_services.NotFound, ValueError):
        raise Http404(_("Reçu introuvable.")) from None


@require_GET
def proposal_receipt(request, reference, supplier):
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, supplier_obj, proposal, submission = _receipt(request, reference, supplier,
                                                               request.GET.get("version"))
    return render(request, "market/proposals/receipt.html", {
        "opportunity": opportunity, "supplier": supplier_obj, "proposal": proposal, "submission": submission,
        "receipt": proposals.receipt_data(submission), "past_deadline": opportunity.is_past_deadline(),
        "submissions": proposals.proposal_submissions(proposal, request.user)})


@require_GET
def receipt_download(request, reference, supplier, version, fmt):
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, _supplier, _proposal, submission = _receipt(request, reference, supplier, version)
    name = f"recu-{opportunity.reference}-v{submission.version}"
    if fmt == "json":
        body = json.dumps(proposals.receipt_data(submission), ensure_ascii=False, indent=2) + "\n"
        response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(proposals.receipt_text(submission).encode(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def opened_document(request, reference, supplier):
    if not request.user.is_authenticated:
        return _login(request)
    opportunity, _supplier, proposal = _context(request, reference, supplier)
    try:
        body = proposals.proposal_opened_document(proposal, request.user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="proposition-{opportunity.reference}.json"'
    return response


@require_GET
def draft_attachment(request, reference, supplier, index):
    if not request.user.is_authenticated:
        return _login(request)
    _opportunity, _supplier, proposal = _context(request, reference, supplier)
    if proposal is None:
        raise Http404(_("Pièce jointe introuvable."))
    try:
        found = proposals.draft_attachment(proposal, request.user, index)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(found["data"], content_type=found["content_type"] or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{found["name"]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Public: checking a receipt -------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def receipt_verify(request):
    source = request.POST if request.method == "POST" else request.GET
    values = {"receipt": source.get("receipt", ""), "opportunity": source.get("opportunity", "")}
    result, errors, field_errors, status = None, [], {}, 200
    if values["receipt"].strip():
        try:
            result = proposals.receipt_verify(values["receipt"], values["opportunity"] or None)
        except ValidationError as exc:
            errors, field_errors, status = forms.error_lines(exc), forms.field_errors(exc), 400
    return render(request, "market/proposals/verify.html", {
        "values": values, "result": result, "errors": errors, "field_errors": field_errors}, status=status)


@require_GET
def opened_receipts(request, reference):
    try:
        opportunity = proposals.proposal_opportunity(reference)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "market/proposals/opened.html", {"opportunity": opportunity})

