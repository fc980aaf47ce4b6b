"""Pages of the evaluation part: the evaluator workspace, an opportunity's panel (naming, conflict-of-interest
declaration, the proposals to score), a proposal's scoring sheet and its attachments, the consensus, the ranking
and award, and the bidders' debrief. Thin: the rules are in ``evaluation``."""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import evaluation
from . import evaluation_forms as forms
from .models import Opportunity


def signed_in(view):
    """Anonymous people are sent to the login page; a refusal of the services is shown with its message (403), an
    unknown object is a 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "market/evaluation/refused.html", {"message": str(exc)}, status=403)
        except core_services.NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _back(request, name: str, **kwargs):
    return HttpResponseRedirect(reverse(name, kwargs=kwargs))


# --- Workspace -----------------------------------------------------------------------------------------

@require_GET
@signed_in
def evaluator_workspace(request):
    data = evaluation.workspace(user=request.user)
    return render(request, "market/evaluation/workspace.html", data)


# --- An opportunity's panel ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@signed_in
def evaluation_panel(request, reference):
    opportunity = evaluation.evaluation_opportunity(reference=reference, user=request.user)
    errors: list[str] = []
    field_errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            message = _panel_post(request, opportunity, action)
        except ValidationError as exc:
            errors, field_errors = forms.error_lines(exc), forms.field_errors(exc)
        else:
            messages.success(request, message)
            return _back(request, "market:evaluation_panel", reference=reference)
    context = _panel_context(request, opportunity)
    context.update({"errors": errors, "field_errors": field_errors, "values": request.POST})
    return render(request, "market/evaluation/panel.html", context, status=400 if errors else 200)


def _panel_post(request, opportunity: Opportunity, action: str) -> str:
    user, post = request.user, request.POST
    if action == "name":
        evaluator = evaluation.evaluator_name(actor=user, opportunity=opportunity, email=post.get("email", ""),
                                              is_chair=post.get("is_chair") == "on")
        return _("%(name)s est nommé·e au comité.") % {"name": evaluation.evaluator_get_display(evaluator)}
    if action == "remove":
        evaluation.evaluator_remove(actor=user, opportunity=opportunity, evaluator_id=post.get("evaluator"))
        return _("Le membre est retiré du comité.")
    if action == "chair":
        evaluator = evaluation.evaluator_set_chair(actor=user, opportunity=opportunity,
                                                   evaluator_id=post.get("evaluator"))
        return _("%(name)s préside le comité.") % {"name": evaluation.evaluator_get_display(evaluator)}
    if action == "coi":
        choice = post.get("has_conflict", "")
        if choice not in ("yes", "no"):
            raise ValidationError({"has_conflict": [_("Indiquez si vous êtes en conflit d'intérêts.")]})
        evaluation.coi_declare(user=user, opportunity=opportunity, has_conflict=choice == "yes",
                               confirm=post.get("confirm") == "on", details=post.get("details", ""))
        return _("Votre déclaration est signée.")
    raise ValidationError(_("Action inconnue."))


def _panel_context(request, opportunity: Opportunity) -> dict:
    user = request.user
    from . import access

    is_buyer = access.is_buyer(user, opportunity)
    seat = access.evaluator_get(user, opportunity)
    panel = evaluation.panel_get(opportunity=opportunity, user=user)
    past = opportunity.is_past_deadline()
    context = {"opportunity": opportunity, "is_buyer": is_buyer, "seat": seat, "panel": panel, "past": past,
               "bidders": [], "rows": [], "may_manage": False, "tie_rule": evaluation.TIE_RULE}
    if seat is not None and past and seat.coi_declared_at is None:
        context["bidders"] = evaluation.coi_bidders(opportunity=opportunity, user=user)
    may_read = past and ((seat is not None and seat.may_read) or (seat is None and is_buyer))
    if may_read:
        context["rows"] = evaluation.evaluation_proposals(opportunity=opportunity, user=user)
        context["may_manage"] = is_buyer or (seat is not None and seat.is_chair)
    return context


# --- A proposal ---------------------------------------------------------------------------------------------

def _document_view(document: dict, criteria) -> dict:
    """The opened document as the page shows it: the participants' Markdown subset, sanitised."""
    if document.get("broken"):
        return {"broken": True, "sections": [], "answers": [], "attachments": []}
    content = document.get("content") or {}
    answers = content.get("criteria") or {}
    sections = [(label, render_markdown(str(content.get(key) or ""), participant=True))
                for key, label in (("summary", _("Résumé")), ("approach", _("Démarche")), ("team", _("Équipe")),
                                   ("schedule", _("Échéancier")))]
    return {
        "supplier": (document.get("supplier") or {}).get("legal_name", ""),
        "submitted_at": document.get("submitted_at", ""), "version": document.get("version"),
        "sections": sections,
        "answers": [(c, render_markdown(str(answers.get(str(c.pk)) or ""), participant=True)) for c in criteria],
        "attachments": [{"index": i, "name": a.get("name", ""), "size": a.get("size", 0)}
                        for i, a in enumerate(document.get("attachments") or [])],
    }


@require_http_methods(["GET", "POST"])
@signed_in
def evaluation_proposal(request, reference, pk):
    opportunity = evaluation.evaluation_opportunity(reference=reference, user=request.user)
    proposal = evaluation.evaluation_proposal(opportunity=opportunity, proposal_id=pk, user=request.user)
    errors: list[str] = []
    field_errors: dict = {}
    criteria = list(opportunity.criteria.all())
    if request.method == "POST":
        action = request.POST.get("action", "save")
        scores = forms.scores_from_post(request.POST, criteria)
        try:
            if action == "submit":
                evaluation.scores_submit(user=request.user, proposal=proposal, scores=scores)
                message = _("Votre évaluation est soumise ; vous voyez maintenant celles des autres membres.")
            else:
                evaluation.scores_save(user=request.user, proposal=proposal, scores=scores)
                message = _("Vos notes sont enregistrées (brouillon).")
        except ValidationError as exc:
            errors, field_errors = forms.error_lines(exc), forms.field_errors(exc)
        else:
            messages.success(request, message)
            return _back(request, "market:evaluation_proposal", reference=reference, pk=proposal.pk)
    sheet = evaluation.score_sheet(proposal=proposal, user=request.user)
    rows = []
    for criterion in criteria:
        mine = sheet["mine"].get(criterion.pk)
        if errors:
            score, comment = request.POST.get(f"score-{criterion.pk}", ""), request.POST.get(f"comment-{criterion.pk}", "")
        else:
            score, comment = (str(mine.score) if mine else ""), (mine.comment if mine else "")
        rows.append({"criterion": criterion, "score": score, "comment": comment,
                     "score_errors": field_errors.get(f"score-{criterion.pk}", []),
                     "comment_errors": field_errors.get(f"comment-{criterion.pk}", []),
                     "others": [(o["evaluator"], o["scores"].get(criterion.pk)) for o in sheet["others"]],
                     "consensus": sheet["consensus"].get(criterion.pk)})
    return render(request, "market/evaluation/proposal.html", {
        "opportunity": opportunity, "proposal": proposal, "sheet": sheet, "rows": rows, "errors": errors,
        "document": _document_view(sheet["document"], criteria),
        "may_score": sheet["seat"] is not None and not sheet["mine_submitted"] and proposal.disqualified_at is None
        and opportunity.status != Opportunity.Status.AWARDED,
    }, status=400 if errors else 200)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@require_GET
@signed_in
def evaluation_attachment(request, reference, pk, index):
    opportunity = evaluation.evaluation_opportunity(reference=reference, user=request.user)
    proposal = evaluation.evaluation_proposal(opportunity=opportunity, proposal_id=pk, user=request.user)
    item = evaluation.proposal_attachment(proposal=proposal, user=request.user, index=index)
    name = _SAFE_NAME.sub("_", item["name"]).strip() or f"piece-{index}"
    response = HttpResponse(item["data"], content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Consensus, disqualification ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@signed_in
def evaluation_consensus(request, reference, pk):
    opportunity = evaluation.evaluation_opportunity(reference=reference, user=request.user)
    proposal = evaluation.evaluation_proposal(opportunity=opportunity, proposal_id=pk, user=request.user)
    errors: list[str] = []
    field_errors: dict = {}
    criteria = list(opportunity.criteria.all())
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "disqualify":
                evaluation.proposal_disqualify(actor=request.user, proposal=proposal,
                                               reason=request.POST.get("reason", ""))
                message = _("La proposition est écartée.")
            else:
                evaluation.consensus_record(actor=request.user, proposal=proposal,
                                            scores=forms.scores_from_post(request.POST, criteria))
                message = _("Le consensus est consigné.")
        except ValidationError as exc:
            errors, field_errors = forms.error_lines(exc), forms.field_errors(exc)
        else:
            messages.success(request, message)
            return _back(request, "market:evaluation_consensus", reference=reference, pk=proposal.pk)
        proposal.refresh_from_db()
    sheet = evaluation.consensus_get(proposal=proposal, user=request.user)
    rows = []
    for criterion in criteria:
        recorded = sheet["consensus"].get(criterion.pk)
        if errors and request.POST.get("action") != "disqualify":
            score, comment = request.POST.get(f"score-{criterion.pk}", ""), request.POST.get(f"comment-{criterion.pk}", "")
        else:
            score, comment = (str(recorded.score) if recorded else ""), (recorded.comment if recorded else "")
        members = [(r["evaluator"], r["scores"].get(criterion.pk)) for r in sheet["rows"]]
        given = [s.score for _e, s in members if s is not None]
        rows.append({"criterion": criterion, "score": score, "comment": comment,
                     "score_errors": field_errors.get(f"score-{criterion.pk}", []),
                     "comment_errors": field_errors.get(f"comment-{criterion.pk}", []),
                     "members": members,
                     "mean": (sum(given) / len(given)).quantize(Decimal("0.01")) if given else None})
    return render(request, "market/evaluation/consensus.html", {
        "opportunity": opportunity, "proposal": proposal, "sheet": sheet, "rows": rows, "errors": errors,
        "field_errors": field_errors, "reason": request.POST.get("reason", ""),
        "open": opportunity.status != Opportunity.Status.AWARDED and proposal.disqualified_at is None,
    }, status=400 if errors else 200)


# --- Ranking and award --------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@signed_in
def evaluation_ranking(request, reference):
    opportunity = evaluation.evaluation_opportunity(reference=reference, user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        try:
            evaluation.award(actor=request.user, opportunity=opportunity, proposal_id=request.POST.get("proposal"))
        except ValidationError as exc:
            errors = forms.error_lines(exc)
        else:
            messages.success(request, _("L'opportunité est adjugée ; chaque soumissionnaire en est avisé."))
            return _back(request, "market:evaluation_ranking", reference=reference)
        opportunity.refresh_from_db()
    data = evaluation.ranking(opportunity=opportunity, user=request.user)
    return render(request, "market/evaluation/ranking.html", {**data, "errors": errors},
                  status=400 if errors else 200)


# --- Debrief ------------------------------------------------------------------------------------------------

@require_GET
@signed_in
def debrief(request, reference):
    opportunity = evaluation.opportunity_for_bidder(reference=reference, user=request.user)
    results = evaluation.debrief(opportunity=opportunity, user=request.user)
    return render(request, "market/evaluation/debrief.html", {"opportunity": opportunity, "results": results,
                                                               "tie_rule": evaluation.TIE_RULE})
