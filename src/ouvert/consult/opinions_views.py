"""Pages of the opinion statements (``/<lang>/consultations/<slug>/opinions/…``). Thin: the rules are in
``opinions``.

The voting card is a form per vote (it works without JavaScript: the page comes back with the next
statement); ``opinions.js`` sends the same forms with ``fetch`` and swaps the card without a reload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core.services import NotFound, RateLimited

from . import access
from . import opinions as services
from .models import Phase, Statement
from .views_common import process_or_404 as _process

COMPONENT = Phase.Component.OPINIONS


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for ms in exc.message_dict.values() for m in ms]
    return [str(m) for m in exc.messages]




def _conversation(request, slug, conversation):
    process = _process(request, slug)
    try:
        return process, services.conversation_get(process=process, slug=conversation, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _wants_json(request) -> bool:
    return (request.headers.get("X-Requested-With") == "fetch"
            or "application/json" in request.headers.get("Accept", ""))


def _may(user, process) -> tuple[bool, str]:
    try:
        access.participation_check(user=user, process=process, component=COMPONENT)
    except (PermissionDenied, NotFound) as exc:
        return False, str(exc)
    return True, ""


def _url(process, conversation, anchor: str = "") -> str:
    return reverse("consult:conversation", kwargs={"slug": process.slug, "conversation": conversation.slug}) + anchor


# --- The list and the organisers' form --------------------------------------------------------------

@require_GET
def conversation_list(request, slug):
    process = _process(request, slug)
    context = {"process": process, "tab": "conversations",
               "conversations": services.conversation_list(process=process, user=request.user),
               "is_manager": access.can_manage(request.user, process)}
    return render(request, "consult/opinions/list.html", context)


@require_http_methods(["GET", "POST"])
def conversation_new(request, slug):
    process = _process(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation créent ses conversations."))
    values = {"participants_can_add": True, "premoderated": False}
    errors: dict = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ("title_fr", "title_en", "description_fr",
                                                               "description_en", "slug", "seeds")}
        values["participants_can_add"] = request.POST.get("participants_can_add") == "on"
        values["premoderated"] = request.POST.get("premoderated") == "on"
        try:
            conversation = services.conversation_create(actor=request.user, process=process, data=values)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("La conversation est créée."))
            return HttpResponseRedirect(_url(process, conversation))
    context = {"process": process, "tab": "conversations", "values": values, "field_errors": errors,
               "errors": [m for ms in errors.values() for m in ms]}
    return render(request, "consult/opinions/form.html", context, status=400 if errors else 200)


# --- A conversation ---------------------------------------------------------------------------------

def _chart_spec(groups: dict) -> dict:
    """Vega-Lite scatter plot of the participants, coloured and shaped by group; the person's own dot is a
    larger black-outlined diamond (the same figures are in the tables that follow)."""
    points = [{"x": p["x"], "y": p["y"], "groupe": _("Groupe %(name)s") % {"name": p["group"]},
               "vous": _("Vous") if p["me"] else ""} for p in groups["points"]]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container", "height": 320,
        "data": {"values": points},
        "layer": [
            {"mark": {"type": "point", "filled": True, "opacity": 0.7, "size": 40},
             "encoding": {
                 "x": {"field": "x", "type": "quantitative", "title": _("Première composante"),
                       "axis": {"labels": False, "ticks": False}},
                 "y": {"field": "y", "type": "quantitative", "title": _("Deuxième composante"),
                       "axis": {"labels": False, "ticks": False}},
                 "color": {"field": "groupe", "type": "nominal", "title": _("Groupe d'opinion"),
                           "scale": {"range": ["#095797", "#c04000", "#1f7a3d", "#6b3fa0", "#8a6d00"]}},
                 "shape": {"field": "groupe", "type": "nominal", "title": _("Groupe d'opinion")},
                 "tooltip": [{"field": "groupe", "title": _("Groupe")}]}},
            {"transform": [{"filter": "datum.vous != ''"}],
             "mark": {"type": "point", "shape": "diamond", "size": 260, "filled": False, "stroke": "#000",
                      "strokeWidth": 3},
             "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                          "tooltip": [{"field": "vous", "title": _("Votre position")},
                                      {"field": "groupe", "title": _("Groupe")}]}},
        ],
    }


def _card_context(request, process, conversation) -> dict:
    user = request.user
    may, why_not = _may(user, process)
    statement = services.statement_next(conversation=conversation, user=user) if user.is_authenticated else None
    if statement is None and not user.is_authenticated:
        statement = services.statement_next(conversation=conversation, user=None)
    return {"process": process, "conversation": conversation, "statement": statement, "may_vote": may,
            "why_not": why_not, "progress": services.conversation_progress(conversation=conversation, user=user),
            "login_url": reverse("account_login") + "?next=" + _url(process, conversation),
            "conversation_url": _url(process, conversation)}


def _detail(request, process, conversation, *, errors=None, status=200, text=""):
    user = request.user
    manager = access.can_manage(user, process)
    groups = services.opinion_groups(conversation=conversation, user=user)
    context = {
        **_card_context(request, process, conversation), "tab": "conversations", "is_manager": manager,
        "errors": errors or [], "text": text, "groups": groups,
        "chart_spec": _chart_spec(groups) if groups["status"] == "ok" else None,
        "has_charts": groups["status"] == "ok",
        "statements": list(services.statements_visible(conversation).order_by("pk")),
        "my_votes": services.conversation_votes_of(conversation=conversation, user=user),
        "pending": services.statement_pending_list(actor=user, conversation=conversation) if manager else [],
        "max_length": services.STATEMENT_MAX_LENGTH,
    }
    return render(request, "consult/opinions/detail.html", context, status=status)


@require_GET
def conversation_detail(request, slug, conversation):
    process, conversation = _conversation(request, slug, conversation)
    return _detail(request, process, conversation)


def _refusal(request, process, conversation, message: str, status: int):
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return _detail(request, process, conversation, errors=[message], status=status,
                   text=request.POST.get("text", ""))


@require_POST
def conversation_vote(request, slug, conversation):
    process, conversation = _conversation(request, slug, conversation)
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"detail": _("Connectez-vous pour voter.")}, status=403)
        return redirect_to_login(_url(process, conversation))
    try:
        statement = conversation.statements.get(pk=int(request.POST.get("statement", "")))
    except (ValueError, Statement.DoesNotExist):
        return _refusal(request, process, conversation, _("Cet énoncé n'existe pas dans la conversation."), 400)
    statement.conversation = conversation
    try:
        services.statement_vote(user=request.user, statement=statement, value=request.POST.get("value"))
    except ValidationError as exc:
        return _refusal(request, process, conversation, " ".join(error_messages(exc)), 400)
    except PermissionDenied as exc:
        return _refusal(request, process, conversation, str(exc), 403)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if _wants_json(request):
        context = _card_context(request, process, conversation)
        return JsonResponse({"html": render_to_string("consult/opinions/_card.html", context, request=request),
                             "progress": context["progress"]})
    return HttpResponseRedirect(_url(process, conversation, "#vote"))


@require_POST
def conversation_statement(request, slug, conversation):
    process, conversation = _conversation(request, slug, conversation)
    if not request.user.is_authenticated:
        return redirect_to_login(_url(process, conversation))
    seed = request.POST.get("seed") == "1"
    try:
        statement = services.statement_add(user=request.user, conversation=conversation,
                                           text=request.POST.get("text", ""), seed=seed)
    except ValidationError as exc:
        return _refusal(request, process, conversation, " ".join(error_messages(exc)), 400)
    except PermissionDenied as exc:
        return _refusal(request, process, conversation, str(exc), 403)
    except RateLimited as exc:
        response = _refusal(request, process, conversation,
                            _("Vous ajoutez des énoncés trop vite : réessayez dans %(s)s secondes.")
                            % {"s": exc.retry_after}, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if statement.status == Statement.Status.PENDING:
        messages.success(request, _("Merci! Votre énoncé sera publié après son approbation par les organisateurs."))
    else:
        messages.success(request, _("Votre énoncé est publié : les participants peuvent maintenant voter."))
    return HttpResponseRedirect(_url(process, conversation, "#ajouter"))


@require_POST
def conversation_moderate(request, slug, conversation, pk):
    process, conversation = _conversation(request, slug, conversation)
    if not request.user.is_authenticated:
        return redirect_to_login(_url(process, conversation))
    statement = conversation.statements.filter(pk=pk).first()
    if statement is None:
        raise Http404(_("Énoncé introuvable."))
    statement.conversation = conversation
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        return _refusal(request, process, conversation, _("Décision inconnue : accepter ou refuser."), 400)
    try:
        services.statement_moderate(actor=request.user, statement=statement, accept=decision == "accept")
    except PermissionDenied as exc:
        return _refusal(request, process, conversation, str(exc), 403)
    messages.success(request, _("L'énoncé est publié.") if decision == "accept" else _("L'énoncé est refusé."))
    return HttpResponseRedirect(_url(process, conversation, "#a-examiner"))


@require_POST
def conversation_settings(request, slug, conversation):
    """The organisers change a conversation's settings (who may add statements, premoderation)."""
    process, conversation = _conversation(request, slug, conversation)
    if not request.user.is_authenticated:
        return redirect_to_login(_url(process, conversation))
    data = {"participants_can_add": request.POST.get("participants_can_add") == "on",
            "premoderated": request.POST.get("premoderated") == "on"}
    try:
        services.conversation_update(actor=request.user, conversation=conversation, data=data)
    except PermissionDenied as exc:
        return _refusal(request, process, conversation, str(exc), 403)
    messages.success(request, _("Les réglages de la conversation sont enregistrés."))
    return HttpResponseRedirect(_url(process, conversation, "#reglages"))
