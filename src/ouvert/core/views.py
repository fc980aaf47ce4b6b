"""Core pages: home, organisations, notifications, API tokens. Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import registry, services
from .models import Organisation


def root_redirect(request):
    """``/`` goes to ``/fr/`` or ``/en/`` by the browser's language; French by default."""
    lang = get_language_from_request(request, check_path=False)
    return HttpResponseRedirect(f"/{'en' if lang and lang.startswith('en') else 'fr'}/")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request):
    links = []
    for link in registry.menu_links():
        try:
            links.append({"label": link.label, "url": reverse(link.url_name)})
        except Exception:  # a module registered a link whose URL is not installed: leave it out
            continue
    return render(request, "core/home.html", {"module_links": links})


def organisations(request):
    kind = request.GET.get("kind") or None
    if kind not in Organisation.Kind.values:
        kind = None
    return render(request, "core/organisations.html", {
        "organisations": services.organisation_list(kind=kind).select_related("parent"),
        "kinds": Organisation.Kind.choices,
        "kind": kind,
    })


def organisation(request, slug):
    try:
        detail = services.organisation_detail(slug=slug)
    except services.NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "core/organisation.html", detail)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        raw_id = request.POST.get("id") or None
        try:
            notification_id = int(raw_id) if raw_id is not None else None
            count = services.notification_mark_read(user=request.user, notification_id=notification_id)
        except (ValueError, services.NotFound):
            messages.error(request, _("Cette notification est introuvable."))
        else:
            messages.success(request, _("%(count)d notification(s) marquée(s) comme lue(s).") % {"count": count})
        return redirect("core:notifications")
    return render(request, "core/notifications.html", {
        "notifications": services.notification_list(user=request.user)[:200],
    })


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    context = {"new_token": None}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                name = (request.POST.get("name") or "").strip() or "web"
                context["new_token"] = services.token_create(user=request.user, name=name)
            elif action == "revoke":
                token_id = int(request.POST.get("id") or "")
                if services.token_revoke(user=request.user, token_id=token_id):
                    messages.success(request, _("Le jeton a été révoqué."))
                else:
                    messages.error(request, _("Ce jeton est introuvable ou déjà révoqué."))
                return redirect("core:tokens")
            else:
                raise ValidationError(_("Action inconnue."))
        except ValueError:
            messages.error(request, _("Ce jeton est introuvable ou déjà révoqué."))
            return redirect("core:tokens")
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            status = 400
    context["tokens"] = services.token_list(user=request.user)
    return render(request, "core/tokens.html", context, status=status)
