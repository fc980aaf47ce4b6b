"""Pages of the oai part, for science managers: the repositories harvested over OAI-PMH, their runs and
deposits, « harvest now », and the deposits that match no publication (linked by hand). Thin: the rules are in
``oai_client`` (reached through ``services``)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ouvert.core import services as core_services
from ouvert.science import services

from .models import RepositorySource

PER_PAGE = 50
FIELDS = ("slug", "name", "base_url", "metadata_prefix", "set_spec", "organisation", "every_hours")


def managers_only(view):
    """Anonymous people go to the login page; the services refuse the others (403 with the reason); an unknown
    repository or deposit is a 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except core_services.NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _errors(exc: ValidationError) -> tuple[list[dict], dict]:
    """The messages to list at the top (each linked to its field) and per field."""
    if hasattr(exc, "error_dict"):
        fields = exc.message_dict
        return ([{"text": message, "target": f"r-{name}" if name in FIELDS else ""}
                 for name, items in fields.items() for message in items], fields)
    return [{"text": message, "target": ""} for message in exc.messages], {}


def _page(request, queryset):
    try:
        number = core_services.page_number(request.GET.get("page"))
    except ValidationError:
        number = 1
    return Paginator(queryset, PER_PAGE).get_page(number)


@require_http_methods(["GET", "HEAD"])
@managers_only
def repository_list(request):
    sources = list(services.repository_list(actor=request.user))
    return render(request, "science/oai/repository_list.html", {"sources": sources})


def _form_values(source: RepositorySource | None, post=None) -> dict:
    if post is not None:
        values = {name: post.get(name, "") for name in FIELDS}
        values["is_active"] = post.get("is_active") == "on"
        return values
    if source is None:
        return {"metadata_prefix": "oai_dc", "every_hours": 24, "is_active": True}
    values = {name: getattr(source, name) for name in FIELDS}
    values["organisation"] = source.organisation.slug if source.organisation_id else ""
    values["is_active"] = source.is_active
    return values


def _form(request, source: RepositorySource | None):
    errors, field_errors = [], {}
    if request.method == "POST":
        values = _form_values(source, request.POST)
        try:
            if source is None:
                source = services.repository_create(actor=request.user, data=values)
                messages.success(request, _("Dépôt ajouté. Lancez son premier moissonnage quand vous voulez."))
            else:
                source = services.repository_update(actor=request.user, source=source, data=values)
                messages.success(request, _("Dépôt modifié."))
        except ValidationError as exc:
            errors, field_errors = _errors(exc)
        else:
            return HttpResponseRedirect(reverse("science:repository_detail", kwargs={"slug": source.slug}))
    else:
        services.repository_list(actor=request.user)  # refuses those who do not manage (403)
        values = _form_values(source)
    return render(request, "science/oai/repository_form.html", {
        "source": source, "values": values, "form_errors": errors, "field_errors": field_errors,
        "formats": list(services.HARVEST_FORMATS),
        "institutions": services.institution_choices(),
    }, status=400 if errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@managers_only
def repository_create(request):
    return _form(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@managers_only
def repository_edit(request, slug):
    return _form(request, services.repository_get(actor=request.user, slug=slug))


@require_http_methods(["GET", "HEAD", "POST"])
@managers_only
def repository_detail(request, slug):
    source = services.repository_get(actor=request.user, slug=slug)
    errors = []
    if request.method == "POST":
        try:
            services.harvest_request(actor=request.user, source=source, full=request.POST.get("full") == "on")
        except ValidationError as exc:
            errors = _errors(exc)[0]
        else:
            messages.success(request, _("Moissonnage lancé : son résultat paraît dans la liste des moissonnages."))
            return HttpResponseRedirect(reverse("science:repository_detail", kwargs={"slug": source.slug}))
    return render(request, "science/oai/repository_detail.html", {
        "source": source, "runs": services.harvest_run_list(actor=request.user, source=source, limit=20),
        "deposits": _page(request, services.deposit_list(actor=request.user, source=source)),
        "form_errors": errors,
    }, status=400 if errors else 200)


@require_http_methods(["GET", "HEAD"])
@managers_only
def deposit_unmatched(request):
    return render(request, "science/oai/unmatched.html", {
        "deposits": _page(request, services.deposit_list(actor=request.user, unmatched=True)),
    })


@require_POST
@managers_only
def deposit_link(request, pk):
    deposit = services.deposit_get(actor=request.user, pk=pk)
    try:
        if request.POST.get("action") == "unlink":
            services.deposit_unlink(actor=request.user, deposit=deposit)
            messages.success(request, _("Notice détachée de sa publication."))
        else:
            services.deposit_link(actor=request.user, deposit=deposit, publication=request.POST.get("publication", ""))
            messages.success(request, _("Notice rattachée à la publication."))
    except ValidationError as exc:
        return render(request, "science/oai/unmatched.html", {
            "deposits": _page(request, services.deposit_list(actor=request.user, unmatched=True)),
            "form_errors": [{"text": e["text"], "target": f"d-{deposit.pk}-publication"} for e in _errors(exc)[0]],
            "failed": deposit.pk, "typed": request.POST.get("publication", "")[:300],
        }, status=400)
    back = request.POST.get("next", "")
    if back == "source":
        return HttpResponseRedirect(reverse("science:repository_detail", kwargs={"slug": deposit.source.slug}))
    return HttpResponseRedirect(reverse("science:deposit_unmatched"))
