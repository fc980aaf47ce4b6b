"""Pages of the practice guides: the list by topic with its search (``software:guides``), a guide with its table
of contents and the guides before and after it (``software:guide``), and the team's edit page with a preview
(``software:guide_edit``). Thin: the rules are in ``guides`` (through ``services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ouvert.core import services as core_services
from ouvert.software import services


def _error_lines(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for lines in exc.message_dict.values() for m in lines]
    return list(exc.messages)


def _guide(slug: str):
    try:
        return services.guide_get(slug=slug)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None


@require_safe
def guide_list(request):
    q = request.GET.get("q", "")
    errors: list[str] = []
    results = None
    try:
        found = services.guide_search(q)
    except ValidationError as exc:
        errors, found = _error_lines(exc), None
    if found is not None:
        results = list(found)
    return render(request, "software/guides/list.html", {
        "q": q, "results": results, "errors": errors,
        "topics": services.guide_topics(services.guide_list()),
        "can_edit": services.is_software_team(request.user),
    }, status=400 if errors else 200)


@require_safe
def guide_detail(request, slug):
    guide = _guide(slug)
    rendered = services.guide_render(guide.body)
    previous, following = services.guide_neighbours(guide)
    return render(request, "software/guides/detail.html", {
        "guide": guide, "html": rendered["html"], "toc": rendered["toc"],
        "previous": previous, "next": following,
        "can_edit": services.is_software_team(request.user),
    })


@require_http_methods(["GET", "POST"])
def guide_edit(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.is_software_team(request.user):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme modifie les guides de "
                                 "pratiques."))
    guide = _guide(slug)
    errors: list[str] = []
    invalid: set[str] = set()
    preview = None
    values = {f: getattr(guide, f) for f in services.GUIDE_FIELDS}
    if request.method == "POST":
        data = {f: request.POST.get(f, "") for f in services.GUIDE_FIELDS}
        values = data
        try:
            if request.POST.get("action") == "preview":
                preview = services.guide_preview(actor=request.user, guide=guide, data=data)
            else:
                services.guide_update(actor=request.user, guide=guide, data=data,
                                      expected_updated_at=request.POST.get("updated_at") or None)
                messages.success(request, _("Guide enregistré."))
                return HttpResponseRedirect(reverse("software:guide", kwargs={"slug": guide.slug}))
        except ValidationError as exc:
            errors = _error_lines(exc)
            invalid = set(exc.message_dict) if hasattr(exc, "message_dict") else set()
    return render(request, "software/guides/edit.html", {
        "guide": guide, "values": values, "errors": errors, "invalid": invalid, "preview": preview,
        "version": request.POST.get("updated_at") or guide.updated_at.isoformat(),
    }, status=400 if errors else 200)
