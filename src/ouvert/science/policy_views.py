"""Pages of the policy part: the policy of each fund (versions as a timeline) and one version, the journal
registry (search for everyone; edit and CSV import for science managers), the publishers' self-archiving
policies (list; edit and import), the policy versions' forms, and the « how do I comply? » assistant.
Thin: the rules are in ``policy`` and ``compliance`` (through ``services``)."""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import policy_forms as forms
from . import services
from .models import Version

PER_PAGE = 50


def _not_found(exc):
    return Http404(getattr(exc, "message", str(exc)))


def _manager_or_login(request):
    """A redirect to sign in for anonymous people; ``PermissionDenied`` for people who do not manage."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.is_science_manager(request.user):
        raise PermissionDenied(_("Seule l'équipe d'un fonds de recherche (ou l'administration de la plateforme) "
                                 "gère la politique et les répertoires."))
    return None


def _fund(slug):
    try:
        return services.fund_get(slug)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None


def _version(fund, code):
    try:
        return services.policy_version_get(fund, code)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None


def _markdown(text: str):
    """Markdown, its headings moved two levels down (under the page's ``h2``)."""
    html = str(render_markdown(text))
    html = re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}>", html)
    return mark_safe(html)  # noqa: S308 - sanitised by render_markdown; only heading tags renamed


def steps_for_display(steps) -> list[dict]:
    """Stored steps with their sentence in the active language and a CSS class for their outcome."""
    return [{**step, "text": services.reason_text(step),
             "css": {"ok": "ok", "fail": "ko", "missing": "missing"}.get(step.get("outcome"), "")}
            for step in steps or []]


# --- The policy ------------------------------------------------------------------------------------

@require_safe
def policy(request):
    return render(request, "science/policy/overview.html", {
        "overview": services.policy_overview(), "all_routes": services.ROUTES.values(),
        "can_manage": services.is_science_manager(request.user)})


@require_safe
def policy_version(request, fund, code):
    fund = _fund(fund)
    version = _version(fund, code)
    later = [other for other in services.policy_versions(fund) if other.effective_from > version.effective_from]
    following = later[-1] if later else None
    return render(request, "science/policy/version.html", {
        "fund": fund, "version": version, "following": following, "routes": services.version_routes(version),
        "until": following.effective_from - datetime.timedelta(days=1) if following else None,
        "summary_html": _markdown(version.summary) if version.summary else "",
        "can_manage": services.is_science_manager(request.user)})


def _version_form(request, *, fund, version=None):
    redirect = _manager_or_login(request)
    if redirect is not None:
        return redirect
    context = {"fund": fund, "version": version, "errors": [], "field_errors": {}}
    status = 200
    if request.method == "POST":
        data = forms.version_data_from_post(request.POST)
        try:
            if version is None:
                saved = services.policy_version_create(actor=request.user, fund=fund, data=data)
                messages.success(request, _("Version enregistrée ; les verdicts de ce fonds sont recalculés."))
            else:
                saved = services.policy_version_update(actor=request.user, version=version, data=data)
                messages.success(request, _("Version modifiée ; les verdicts de ce fonds sont recalculés."))
            return HttpResponseRedirect(reverse("science:policy_version", kwargs={"fund": fund.slug,
                                                                                  "code": saved.code}))
        except ValidationError as exc:
            context.update(errors=forms.error_lines(exc), field_errors=forms.field_errors(exc))
            initial = {**data, "licences": request.POST.get("licences", "")}
            status = 400
    else:
        initial = forms.version_initial(version)
    context.update(form=initial, routes=forms.route_choices(initial.get("routes") or {}))
    return render(request, "science/policy/version_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def policy_version_new(request, fund):
    return _version_form(request, fund=_fund(fund))


@require_http_methods(["GET", "HEAD", "POST"])
def policy_version_edit(request, fund, code):
    fund = _fund(fund)
    return _version_form(request, fund=fund, version=_version(fund, code))


@require_POST
def policy_version_delete(request, fund, code):
    redirect = _manager_or_login(request)
    if redirect is not None:
        return redirect
    fund = _fund(fund)
    version = _version(fund, code)
    services.policy_version_delete(actor=request.user, version=version)
    messages.success(request, _("Version supprimée ; les verdicts de ce fonds sont recalculés."))
    return HttpResponseRedirect(reverse("science:policy"))


# --- Journals --------------------------------------------------------------------------------------

def _page(request, queryset):
    try:
        number = core_services.page_number(request.GET.get("page"))
    except ValidationError:
        number = 1
    return core_services.page_get(queryset, number, PER_PAGE)


@require_safe
def journal_list(request):
    query = request.GET.get("q", "")[:200]
    oa = request.GET.get("oa", "")
    journals = services.journal_search(query, open_access={"yes": True, "no": False}.get(oa))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "science/policy/journal_list.html", {
        "page": _page(request, journals), "q": query, "oa": oa, "query": params.urlencode(),
        "can_manage": services.is_science_manager(request.user)})


def _journal_form(request, journal=None):
    redirect = _manager_or_login(request)
    if redirect is not None:
        return redirect
    context = {"journal": journal, "errors": [], "field_errors": {}}
    status = 200
    if request.method == "POST":
        data = forms.journal_data_from_post(request.POST)
        try:
            if journal is None:
                services.journal_create(actor=request.user, data=data)
            else:
                services.journal_update(actor=request.user, journal=journal, data=data)
            messages.success(request, _("Revue enregistrée ; les verdicts de ses publications sont recalculés."))
            return HttpResponseRedirect(reverse("science:journal_list") + "?q=" + (data["issn_electronic"]
                                                                                 or data["issn_print"]))
        except ValidationError as exc:
            context.update(errors=forms.error_lines(exc), field_errors=forms.field_errors(exc))
            form = data
            status = 400
    else:
        form = forms.journal_initial(journal)
    context["form"] = form
    return render(request, "science/policy/journal_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def journal_new(request):
    return _journal_form(request)


@require_http_methods(["GET", "HEAD", "POST"])
def journal_edit(request, pk):
    try:
        journal = services.journal_get(pk)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    return _journal_form(request, journal)


def _import(request, *, kind):
    redirect = _manager_or_login(request)
    if redirect is not None:
        return redirect
    context = {"kind": kind, "errors": [], "result": None,
               "template_columns": services.JOURNAL_TEMPLATE_COLUMNS if kind == "journals"
               else services.ARCHIVING_COLUMNS}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError(_("Choisissez un fichier CSV à importer."))
            services.check_size(upload.size)
            data = upload.read()
            run = services.journals_import if kind == "journals" else services.archiving_policies_import
            context["result"] = run(actor=request.user, data=data, filename=upload.name or "")
        except services.ImportTooLarge as exc:
            context["errors"] = [str(exc)]
            status = 413
        except ValidationError as exc:
            context["errors"] = forms.error_lines(exc)
            status = 400
    return render(request, "science/policy/import.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def journal_import(request):
    return _import(request, kind="journals")


# --- Self-archiving policies -----------------------------------------------------------------------

@require_safe
def archiving_list(request):
    query = request.GET.get("q", "")[:200]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "science/policy/archiving_list.html", {
        "page": _page(request, services.archiving_policy_list(query)), "q": query, "query": params.urlencode(),
        "can_manage": services.is_science_manager(request.user)})


def _archiving_form(request, policy=None):
    redirect = _manager_or_login(request)
    if redirect is not None:
        return redirect
    context = {"policy": policy, "errors": [], "field_errors": {}, "versions": Version.choices}
    status = 200
    if request.method == "POST":
        if policy is not None and request.POST.get("delete") == "1":
            services.archiving_policy_delete(actor=request.user, policy=policy)
            messages.success(request, _("Politique d'autoarchivage supprimée."))
            return HttpResponseRedirect(reverse("science:archiving_list"))
        data = forms.archiving_data_from_post(request.POST)
        try:
            if policy is None:
                services.archiving_policy_create(actor=request.user, data=data)
            else:
                services.archiving_policy_update(actor=request.user, policy=policy, data=data)
            messages.success(request, _("Politique d'autoarchivage enregistrée."))
            return HttpResponseRedirect(reverse("science:archiving_list"))
        except ValidationError as exc:
            context.update(errors=forms.error_lines(exc), field_errors=forms.field_errors(exc))
            form = data
            status = 400
    else:
        form = forms.archiving_initial(policy)
    context["form"] = form
    return render(request, "science/policy/archiving_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def archiving_new(request):
    return _archiving_form(request)


@require_http_methods(["GET", "HEAD", "POST"])
def archiving_edit(request, pk):
    try:
        policy = services.archiving_policy_get(pk)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    return _archiving_form(request, policy)


@require_http_methods(["GET", "HEAD", "POST"])
def archiving_import(request):
    return _import(request, kind="archiving")


# --- The assistant ---------------------------------------------------------------------------------

@require_safe
def assistant(request):
    journal_query = request.GET.get("journal", "")[:300]
    fund_slug = request.GET.get("fund", "")[:40]
    funds = list(services.fund_list())
    context = {"funds": funds, "journal_query": journal_query, "fund_slug": fund_slug, "result": None,
               "errors": [], "field_errors": {}}
    status = 200
    if "journal" in request.GET or "fund" in request.GET:
        try:
            result = services.assistant(journal_query=journal_query, fund=fund_slug)
        except ValidationError as exc:
            context.update(errors=forms.error_lines(exc), field_errors=forms.field_errors(exc))
            status = 400
        else:
            for route in result["routes"]:
                route["display_steps"] = steps_for_display(route["steps"])
            if result.get("version_step"):
                result["version_text"] = services.reason_text(result["version_step"])
            context["result"] = result
    return render(request, "science/policy/assistant.html", context, status=status)
