"""Pages of the uses of software by public bodies: a software's uses (with their referents, e-mails for
signed-in people only), declaring, changing and withdrawing a use (members of the body), and a body's page
listing the software it uses and its code repositories. Thin: the rules are in ``usage`` (through
``services``)."""

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

FIELD_IDS = {"organisation": "u-organisation", "purpose_fr": "u-purpose-fr", "purpose_en": "u-purpose-en",
             "version": "u-version", "since": "u-since", "referents": "u-referent-0-name", "software": ""}
REFERENT_FIELDS = ("name", "email", "role", "user")


def _found(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None


def error_items(exc: ValidationError) -> list[dict]:
    """A ``ValidationError``'s messages as ``{"text", "target"}`` (the id of the field to link to)."""
    if hasattr(exc, "error_dict"):
        items = []
        for field, texts in exc.message_dict.items():
            target = FIELD_IDS.get(field, "")
            if field.startswith("referents."):
                _prefix, number, name = (field.split(".") + ["", ""])[:3]
                target = f"u-referent-{number}-{name}"
            items += [{"text": text, "target": target, "field": field} for text in texts]
        return items
    return [{"text": text, "target": "", "field": ""} for text in exc.messages]


def data_from_post(post) -> dict:
    referents = []
    for n in range(services.MAX_REFERENTS):
        row = {name: post.get(f"referent-{n}-{name}", "")[:500] for name in REFERENT_FIELDS}
        if any(value.strip() for value in row.values()):
            referents.append(row)
    return {"organisation": post.get("organisation", "")[:100], "purpose_fr": post.get("purpose_fr", ""),
            "purpose_en": post.get("purpose_en", ""), "version": post.get("version", ""),
            "since": post.get("since", ""), "referents": referents}


def _referent_rows(values: dict, errors: list[dict]) -> list[dict]:
    rows = list(values.get("referents") or [])
    rows += [{}] * (services.MAX_REFERENTS - len(rows))
    by_field = {item["field"]: item["text"] for item in errors}
    return [{"n": n, "values": row, "errors": {name: by_field.get(f"referents.{n}.{name}", "") for name in REFERENT_FIELDS}}
            for n, row in enumerate(rows[:services.MAX_REFERENTS])]


def _form(request, template_values: dict, *, status: int = 200):
    errors = template_values.get("form_errors", [])
    template_values["field_errors"] = {item["field"]: item["text"] for item in errors}
    template_values["referent_rows"] = _referent_rows(template_values.get("values", {}), errors)
    return render(request, "software/usage/form.html", template_values, status=status)


@require_safe
def usage_list(request, slug):
    software = _found(services.usage_software_get, slug)
    usages = services.usage_list(software)
    declarable = services.usage_body_choices(request.user, software) if request.user.is_authenticated else []
    mine = set(services.member_bodies(request.user).values_list("pk", flat=True)) if request.user.is_authenticated \
        else set()
    return render(request, "software/usage/list.html", {
        "software": software, "usages": usages, "can_declare": bool(declarable), "my_bodies": mine,
        "show_emails": services.referent_emails_visible(request.user),
    })


@require_http_methods(["GET", "POST"])
def usage_create(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    software = _found(services.usage_software_get, slug)
    bodies = services.usage_body_choices(request.user, software)
    context = {"software": software, "bodies": bodies, "new": True}
    if request.method == "GET":
        if not bodies and not services.is_platform_admin(request.user):
            raise PermissionDenied(_("Seuls les membres d'un ministère, d'un organisme public ou d'une municipalité qui "
                                     "n'a pas encore déclaré ce logiciel peuvent déclarer son utilisation."))
        values = {"organisation": bodies[0].slug} if len(bodies) == 1 else {}
        return _form(request, dict(context, values=values))
    data = data_from_post(request.POST)
    try:
        services.usage_declare(actor=request.user, software=software, organisation=data["organisation"], data=data)
    except ValidationError as exc:
        return _form(request, dict(context, values=data, form_errors=error_items(exc)), status=400)
    messages.success(request, _("Utilisation déclarée. Merci : d'autres organismes pourront s'adresser à vos "
                                "personnes-ressources."))
    return HttpResponseRedirect(reverse("software:usage_list", kwargs={"slug": software.slug}))


@require_http_methods(["GET", "POST"])
def usage_edit(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    usage = _found(services.usage_get, pk=pk)
    if not services.can_speak_for(request.user, usage.organisation):
        raise PermissionDenied(_("Seuls les membres de « %(name)s » modifient ses utilisations de logiciels.")
                               % {"name": usage.organisation.name_fr})
    context = {"software": usage.software, "usage": usage, "bodies": [usage.organisation]}
    if request.method == "GET":
        return _form(request, dict(context, values=services.usage_values(usage)))
    data = data_from_post(request.POST)
    data["organisation"] = usage.organisation.slug
    try:
        services.usage_update(actor=request.user, usage=usage, data=data)
    except ValidationError as exc:
        return _form(request, dict(context, values=data, form_errors=error_items(exc)), status=400)
    messages.success(request, _("Utilisation modifiée."))
    return HttpResponseRedirect(reverse("software:usage_list", kwargs={"slug": usage.software.slug}))


@require_http_methods(["GET", "POST"])
def usage_withdraw(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    usage = _found(services.usage_get, pk=pk)
    if not services.can_speak_for(request.user, usage.organisation):
        raise PermissionDenied(_("Seuls les membres de « %(name)s » retirent ses utilisations de logiciels.")
                               % {"name": usage.organisation.name_fr})
    if request.method == "GET":
        return render(request, "software/usage/withdraw.html", {"usage": usage})
    services.usage_withdraw(actor=request.user, usage=usage)
    messages.success(request, _("Utilisation retirée."))
    return HttpResponseRedirect(reverse("software:usage_list", kwargs={"slug": usage.software.slug}))


@require_safe
def body_detail(request, slug):
    body = _found(services.body_get, slug)
    return render(request, "software/usage/body.html", {
        "body": body, "usages": services.usages_of_body(body),
        "repositories": services.repositories_of_body(body),
        "show_emails": services.referent_emails_visible(request.user),
        "can_edit": services.can_speak_for(request.user, body),
    })
