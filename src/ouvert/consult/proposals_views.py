"""Pages of the proposals (``/<lang>/consultations/<slug>/propositions/…``). Thin: the rules are in
``proposals``."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core.markdown import render_markdown
from ouvert.core.services import NotFound, RateLimited

from . import access, outreach
from . import proposals as services
from .models import Phase, Proposal, TargetKind
from .views_common import process_or_404 as _process


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for ms in exc.message_dict.values() for m in ms]
    return [str(m) for m in exc.messages]




def _proposal(request, process, number):
    try:
        return services.proposal_get(process=process, number=number, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _wants_json(request) -> bool:
    return (request.headers.get("X-Requested-With") == "fetch"
            or "application/json" in request.headers.get("Accept", ""))


def _may(user, process, component) -> tuple[bool, str]:
    """Whether ``user`` may take part in ``component`` now, and why not (the person's checks are made
    once per request, the component's from the phases already read)."""
    checked = process.__dict__.setdefault("_proposals_may", {})
    if user.pk not in checked:
        try:
            access.participation_check(user=user, process=process)
            checked[user.pk] = (True, "")
        except (PermissionDenied, NotFound) as exc:
            checked[user.pk] = (False, str(exc))
    if not checked[user.pk][0]:
        return checked[user.pk]
    if not access.component_open(process, component):
        return False, _("Cette étape de la consultation n'est pas ouverte en ce moment.")
    return True, ""


def _map_config(points) -> dict:
    return {"basemap": reverse("geo_tiles:basemap"), "points": points,
            "bounds": list(services.QUEBEC_BOUNDS)}


# --- The list --------------------------------------------------------------------------------------

@require_GET
def proposal_list(request, slug):
    process = _process(request, slug)
    params = {key: (request.GET.get(key) or "").strip() for key in ("category", "status", "q", "sort")}
    params["sort"] = params["sort"] or "supports"
    errors: list[str] = []
    seed = int(datetime.date.today().strftime("%j")) + (request.user.pk or 0 if request.user.is_authenticated else 0)
    try:
        page = services.proposal_list(process=process, user=request.user, page=request.GET.get("page"), seed=seed,
                                      **params)
    except ValidationError as exc:
        errors = error_messages(exc)
        page = services.ProposalPage(items=[], total=0, page=1, pages=1, sort="supports")
    except NotFound as exc:
        raise Http404(exc.message) from None
    points = services.proposal_map_points(process=process, user=request.user)
    may_create, why_not = _may(request.user, process, Phase.Component.PROPOSALS)
    context = {
        "process": process, "tab": "proposals", "page": page, "proposals": page.items, "params": params,
        "errors": errors, "categories": services.proposal_categories(process=process),
        "statuses": [(v, label) for v, label in Proposal.Status.choices],
        "sorts": [("supports", _("Les plus appuyées")), ("recent", _("Les plus récentes")),
                  ("comments", _("Les plus commentées")), ("random", _("Au hasard"))],
        "supported": services.proposal_supported_ids(user=request.user, proposals=page.items),
        "remaining": services.proposal_supports_remaining(process=process, user=request.user),
        "may_create": may_create, "why_not": why_not,
        "may_support": _may(request.user, process, Phase.Component.SUPPORTS)[0],
        "is_manager": services.proposal_can_manage(request.user, process),
        "map_config": _map_config(points) if points else None,
        "query": urlencode({k: v for k, v in params.items() if v}),
    }
    return render(request, "consult/proposals/list.html", context, status=400 if errors else 200)


# --- Creating and editing --------------------------------------------------------------------------

FIELDS = ("title", "body", "category", "address", "latitude", "longitude")


def _form(request, process, *, proposal=None):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    may, why_not = _may(request.user, process, Phase.Component.PROPOSALS)
    if proposal is not None:
        values = {"title": proposal.title, "body": proposal.body, "category": proposal.category_id or "",
                  "address": proposal.address, "latitude": proposal.latitude or "",
                  "longitude": proposal.longitude or ""}
    else:
        values = {}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in FIELDS}
        try:
            if proposal is None:
                created = services.proposal_create(process=process, user=request.user,
                                                   attachment=request.FILES.get("attachment"), **values)
                messages.success(request, _("Votre proposition est publiée. Vous serez avisé de ses appuis et de "
                                            "la réponse de l’organisme."))
            else:
                created = services.proposal_update(proposal=proposal, user=request.user, **values)
                messages.success(request, _("Votre proposition est modifiée."))
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
        except PermissionDenied as exc:
            errors, status = {"__all__": [str(exc)]}, 403
        except RateLimited as exc:
            errors, status = {"__all__": [exc.message]}, 429
        else:
            return HttpResponseRedirect(reverse("consult:proposal", kwargs={"slug": process.slug,
                                                                             "number": created.number}))
    context = {
        "process": process, "tab": "proposals", "proposal": proposal, "values": values, "field_errors": errors,
        "errors": [m for ms in errors.values() for m in ms], "may": may, "why_not": why_not,
        "categories": services.proposal_categories(process=process),
        "map_config": _map_config([]),
    }
    response = render(request, "consult/proposals/form.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


@require_http_methods(["GET", "POST"])
def proposal_new(request, slug):
    return _form(request, _process(request, slug))


@require_http_methods(["GET", "POST"])
def proposal_edit(request, slug, number):
    process = _process(request, slug)
    proposal = _proposal(request, process, number)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if proposal.author_id != request.user.pk:
        raise PermissionDenied(_("Seule la personne qui a fait cette proposition peut la modifier."))
    return _form(request, process, proposal=proposal)


# --- The proposal ----------------------------------------------------------------------------------

def _thread(request, process, proposal):
    from . import comments

    kwargs = {"process": process, "target_kind": TargetKind.PROPOSAL, "target_id": proposal.pk,
              "user": request.user, "target": proposal}
    try:  # the thread's own sort and page links (?sort=…&page=…)
        return comments.comment_thread(**kwargs, sort=request.GET.get("sort") or "newest",
                                       page=request.GET.get("page") or 1)
    except (ValidationError, NotFound):  # a bad sort or page: the first page, newest first
        return comments.comment_thread(**kwargs)


def _detail(request, process, proposal, *, errors=None, status=200, answer_values=None, amendment_values=None):
    user = request.user
    is_manager = services.proposal_can_manage(user, process)
    supported = bool(services.proposal_supported_ids(user=user, proposals=[proposal]))
    threshold = process.support_threshold
    amendments = services.amendment_list(proposal=proposal, user=user) if process.amendments_enabled else []
    for amendment in amendments:
        amendment.body_html = render_markdown(amendment.body, participant=True)
    context = {
        "process": process, "tab": "proposals", "proposal": proposal, "body_html": render_markdown(proposal.body, participant=True),
        "answer_html": render_markdown(proposal.answer) if proposal.answered_at else "",
        "supported": supported, "threshold": threshold,
        "threshold_percent": min(100, round(100 * proposal.supports_count / threshold)) if threshold else None,
        "remaining": services.proposal_supports_remaining(process=process, user=user),
        "may_support": _may(user, process, Phase.Component.SUPPORTS)[0]
        and proposal.status in services.OPEN_STATUSES and not proposal.is_hidden,
        "is_author": user.is_authenticated and proposal.author_id == user.pk,
        "is_manager": is_manager, "errors": errors or [],
        "answer_statuses": [(s.value, s.label) for s in services.ANSWER_STATUSES],
        "answer_values": answer_values or {"status": proposal.status, "answer_fr": proposal.answer_fr,
                                           "answer_en": proposal.answer_en},
        "amendments": amendments, "amendment_values": amendment_values or {},
        "may_amend": process.amendments_enabled and user.is_authenticated and proposal.author_id != user.pk
        and proposal.status == Proposal.Status.PUBLISHED and _may(user, process, Phase.Component.PROPOSALS)[0],
        "following": outreach.is_following(user=user, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk),
        "thread": _thread(request, process, proposal),
        "map_config": _map_config([{"number": proposal.number, "title": proposal.title,
                                    "latitude": proposal.latitude, "longitude": proposal.longitude,
                                    "supports_count": proposal.supports_count, "address": proposal.address,
                                    "url": ""}]) if proposal.latitude is not None else None,
        "attachment_name": proposal.attachment.name.rsplit("/", 1)[-1] if proposal.attachment else "",
    }
    return render(request, "consult/proposals/detail.html", context, status=status)


@require_GET
def proposal_detail(request, slug, number):
    process = _process(request, slug)
    return _detail(request, process, _proposal(request, process, number))


def _act(request, slug, number, action, success: str, *, form=None):
    """Run ``action(process, proposal)`` for a POST; errors come back on the proposal's page."""
    process = _process(request, slug)
    proposal = _proposal(request, process, number)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:proposal", kwargs={"slug": slug, "number": number}))
    extra = {form: request.POST.dict()} if form else {}
    try:
        action(process, proposal)
    except ValidationError as exc:
        return _detail(request, process, proposal, errors=error_messages(exc), status=400, **extra)
    except PermissionDenied as exc:
        return _detail(request, process, proposal, errors=[str(exc) or _("Permission refusée.")], status=403, **extra)
    except RateLimited as exc:
        response = _detail(request, process, proposal, errors=[exc.message], status=429, **extra)
        response["Retry-After"] = str(exc.retry_after)
        return response
    messages.success(request, success)
    return HttpResponseRedirect(reverse("consult:proposal", kwargs={"slug": slug, "number": number}))


@require_POST
def proposal_support(request, slug, number):
    """Support (``action=support``) or take back (``action=unsupport``); answers JSON to scripts."""
    process = _process(request, slug)
    proposal = _proposal(request, process, number)
    unsupport = request.POST.get("action") == "unsupport"
    if _wants_json(request):
        try:
            if unsupport:
                result = services.proposal_unsupport(proposal=proposal, user=request.user)
            else:
                result = services.proposal_support(proposal=proposal, user=request.user)
        except ValidationError as exc:
            return JsonResponse({"detail": " ".join(error_messages(exc))}, status=400)
        except PermissionDenied as exc:
            return JsonResponse({"detail": str(exc)}, status=403)
        remaining = services.proposal_supports_remaining(process=process, user=request.user)
        return JsonResponse({"supports_count": result.supports_count, "supported": not unsupport,
                             "remaining": remaining})
    if unsupport:
        return _act(request, slug, number, lambda p, o: services.proposal_unsupport(proposal=o, user=request.user),
                    _("Votre appui est retiré."))
    return _act(request, slug, number, lambda p, o: services.proposal_support(proposal=o, user=request.user),
                _("Merci : votre appui est enregistré."))


@require_POST
def proposal_withdraw(request, slug, number):
    return _act(request, slug, number, lambda p, o: services.proposal_withdraw(proposal=o, user=request.user),
                _("Votre proposition est retirée."))


@require_POST
def proposal_answer(request, slug, number):
    def answer(process, proposal):
        services.proposal_answer(proposal=proposal, user=request.user, status=request.POST.get("status", ""),
                                 answer_fr=request.POST.get("answer_fr", ""),
                                 answer_en=request.POST.get("answer_en", ""))

    return _act(request, slug, number, answer, _("La réponse officielle est publiée."), form="answer_values")


@require_POST
def proposal_follow(request, slug, number):
    def follow(process, proposal):
        if request.POST.get("action") == "unfollow":
            outreach.unfollow(user=request.user, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk)
        else:
            outreach.follow(user=request.user, process=process, target_kind=TargetKind.PROPOSAL,
                            target_id=proposal.pk)

    message = _("Vous ne suivez plus cette proposition.") if request.POST.get("action") == "unfollow" else \
        _("Vous suivez cette proposition : vous serez avisé de ses changements.")
    return _act(request, slug, number, follow, message)


@require_POST
def amendment_new(request, slug, number):
    def create(process, proposal):
        services.amendment_create(proposal=proposal, user=request.user, title=request.POST.get("title", ""),
                                  body=request.POST.get("body", ""))

    return _act(request, slug, number, create, _("Votre amendement est transmis à l’auteur de la proposition."),
                form="amendment_values")


@require_POST
def amendment_decide(request, slug, number, pk):
    decision = request.POST.get("decision")

    def decide(process, proposal):
        try:
            amendment = services.amendment_get(proposal=proposal, pk=pk)
        except NotFound as exc:
            raise Http404(exc.message) from None
        if decision == "accept":
            services.amendment_accept(amendment=amendment, user=request.user)
        elif decision == "reject":
            services.amendment_reject(amendment=amendment, user=request.user)
        elif decision == "withdraw":
            services.amendment_withdraw(amendment=amendment, user=request.user)
        else:
            raise ValidationError({"decision": [_("Décision inconnue.")]})

    labels = {"accept": _("L’amendement est accepté : la proposition est modifiée."),
              "reject": _("L’amendement est refusé."), "withdraw": _("L’amendement est retiré.")}
    return _act(request, slug, number, decide, labels.get(decision, ""))


__all__ = ["amendment_decide", "amendment_new", "proposal_answer", "proposal_detail", "proposal_edit",
           "proposal_follow", "proposal_list", "proposal_new", "proposal_support", "proposal_withdraw"]
