"""Pages of the opportunities part: the public list and an opportunity's page (with its addenda, answered
questions, history, the question form and the follow button), the buyers' dashboard, the review queue,
the create/edit form, the management page of an opportunity (transitions, addenda, questions) and the
attachments. Thin: the rules are in ``opportunities`` and ``access``."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import access, formats
from . import opportunities as services
from . import opportunities_forms as forms
from .models import LICENCES, Addendum, Opportunity

PER_PAGE = 20


def _not_found(exc):
    return Http404(getattr(exc, "message", str(exc)))


def _get(request, reference) -> Opportunity:
    try:
        return services.opportunity_get(reference=reference, user=request.user)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None


def _detail_url(opportunity) -> str:
    return reverse("market:opportunity_detail", kwargs={"reference": opportunity.reference})


def _manage_url(opportunity) -> str:
    return reverse("market:opportunity_manage", kwargs={"reference": opportunity.reference})


# --- Public list ----------------------------------------------------------------------------------

@require_safe
def opportunity_list(request):
    filters = {"status": request.GET.getlist("status"), "skills": request.GET.getlist("skill"),
               "value_min": request.GET.get("value_min", ""), "value_max": request.GET.get("value_max", ""),
               "buyer": request.GET.get("buyer", ""), "remote": request.GET.get("remote", ""),
               "q": request.GET.get("q", "")}
    errors: list[str] = []
    services.opportunity_close_due()  # the periodic job may be a minute away: the statuses shown are current
    try:
        page_number = core_services.page_number(request.GET.get("page"))
        qs = services.opportunity_list(filters=filters, user=request.user)
    except ValidationError as exc:
        errors = forms.error_lines(exc)
        page_number, qs = 1, services.opportunity_list(filters={}, user=request.user).none()
    page = core_services.page_get(qs, page_number, PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    now = timezone.now()
    rows = [{"opportunity": o, "deadline": formats.montreal_text(o.deadline), "price": formats.money(o.price),
             "time_left": formats.time_left(o.deadline, now) if o.status == Opportunity.Status.PUBLISHED else ""}
            for o in page.object_list]
    return render(request, "market/opportunities/list.html", {
        "page": page, "rows": rows, "filters": filters, "errors": errors, "query": query.urlencode(),
        "statuses": [(v, label) for v, label in Opportunity.Status.choices
                     if v in services.PUBLIC_STATUSES or v == Opportunity.Status.CANCELLED],
        "skills": list(services.skill_list()),
        "buyers": services.buyers_with_opportunities(),
    }, status=400 if errors else 200)


# --- An opportunity's page ------------------------------------------------------------------------

def _markdown(text: str):
    """The buyer's Markdown, its headings moved two levels down (under the page's own ``h2``)."""
    html = str(render_markdown(text))
    html = re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}>", html)
    return mark_safe(html)  # noqa: S308 - sanitised by render_markdown; only heading tags renamed


def _detail_context(request, opportunity: Opportunity) -> dict:
    user = request.user
    now = timezone.now()
    addenda = list(opportunity.addenda.all())
    for addendum in addenda:
        addendum.html = _markdown(addendum.body)
    criteria = list(opportunity.criteria.all())
    for criterion in criteria:
        criterion.html = _markdown(criterion.description)
    supplier = bool(access.supplier_memberships(user))
    return {
        "opportunity": opportunity,
        "description_html": _markdown(opportunity.description),
        "acceptance_html": _markdown(opportunity.acceptance),
        "criteria": criteria, "skills": list(opportunity.skills.all()),
        "attachments": list(opportunity.attachments.all()),
        "addenda": addenda, "answers": [a for a in addenda if a.kind == Addendum.Kind.ANSWER],
        "deadline": formats.montreal_text(opportunity.deadline), "time_left": formats.time_left(opportunity.deadline, now),
        "is_open": opportunity.is_open(now), "price": formats.money(opportunity.price),
        "licence_label": dict(LICENCES).get(opportunity.licence, opportunity.licence),
        "history": services.opportunity_history(opportunity),
        "can_ask": supplier and opportunity.is_open(now),
        "is_supplier": supplier,
        "my_questions": [] if services.can_manage(user, opportunity) else services.questions_for(
            user=user, opportunity=opportunity),
        "following": services.is_following(user, opportunity),
        "can_manage": services.can_manage(user, opportunity)
                      or bool(services.opportunity_allowed_actions(user, opportunity, now)),
        "is_public": services.is_public(opportunity),
    }


@require_safe
def opportunity_detail(request, reference):
    opportunity = _get(request, reference)
    return render(request, "market/opportunities/detail.html", _detail_context(request, opportunity))


@require_POST
def question_ask(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(_detail_url(Opportunity(reference=reference)))
    opportunity = _get(request, reference)
    try:
        services.question_ask(actor=request.user, opportunity=opportunity, body=request.POST.get("body", ""))
    except ValidationError as exc:
        context = _detail_context(request, opportunity)
        context.update(errors=forms.error_lines(exc), question_body=request.POST.get("body", ""))
        return render(request, "market/opportunities/detail.html", context, status=400)
    except core_services.RateLimited as exc:
        context = _detail_context(request, opportunity)
        context.update(errors=[exc.message], question_body=request.POST.get("body", ""))
        response = render(request, "market/opportunities/detail.html", context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    messages.success(request, _("Votre question est transmise à l'organisme acheteur. Sa réponse sera publiée "
                                "en addenda, sans votre nom."))
    return HttpResponseRedirect(_detail_url(opportunity) + "#questions")


@require_POST
def follow(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(_detail_url(Opportunity(reference=reference)))
    opportunity = _get(request, reference)
    following = services.follow_set(actor=request.user, opportunity=opportunity,
                                    follow=request.POST.get("follow") != "0")
    messages.success(request, _("Vous suivez cette opportunité : chaque addenda vous sera signalé.") if following
                     else _("Vous ne suivez plus cette opportunité."))
    return HttpResponseRedirect(_detail_url(opportunity))


@require_safe
def attachment_download(request, reference, pk):
    opportunity = _get(request, reference)
    try:
        attachment, handle = services.attachment_open(user=request.user, opportunity=opportunity, attachment_id=pk)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    name = attachment.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Digest"] = f"sha-256={attachment.sha256}"
    if services.is_public(opportunity):
        patch_cache_control(response, public=True, max_age=300)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


# --- Buyers ---------------------------------------------------------------------------------------

@require_safe
def buyer_dashboard(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "market/opportunities/dashboard.html", _dashboard_context(request))


def _dashboard_context(request) -> dict:
    data = services.buyer_dashboard(user=request.user)
    now = timezone.now()
    roles = {m.organisation_id: m.role for m in data["memberships"]}
    for group in data["by_status"]:
        group["rows"] = [{"opportunity": o, "deadline": formats.montreal_text(o.deadline),
                          "actions": services.opportunity_allowed_actions(request.user, o, now,
                                                                          role=roles.get(o.buyer_id, ""))}
                         for o in group["opportunities"]]
    data["licences"] = LICENCES
    return data


@require_POST
def buyer_settings(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("market:buyer_dashboard"))
    try:
        organisation = core_services.organisation_get(slug=slug)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    try:
        services.buyer_settings_set(actor=request.user, organisation=organisation,
                                    default_licence=request.POST.get("default_licence", ""),
                                    contact_email=request.POST.get("contact_email", ""))
    except ValidationError as exc:
        context = _dashboard_context(request)
        context["errors"] = forms.error_lines(exc)
        return render(request, "market/opportunities/dashboard.html", context, status=400)
    messages.success(request, _("Paramètres d'acquisition enregistrés."))
    return HttpResponseRedirect(reverse("market:buyer_dashboard"))


@require_safe
def review_queue(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    rows = [{"opportunity": o, "deadline": formats.montreal_text(o.deadline), "price": formats.money(o.price),
             "problems": forms.error_lines(ValidationError(p)) if (p := services.opportunity_problems(o)) else []}
            for o in services.review_queue(user=request.user)]
    return render(request, "market/opportunities/review.html", {"rows": rows})


def _form_context(values: dict, **extra) -> dict:
    return {"values": values, "criteria_rows": forms.criteria_rows(values), "weights_total": forms.weights_total(values),
            "skills": list(services.skill_list()), "licences": LICENCES, **extra}


@require_http_methods(["GET", "POST"])
def opportunity_new(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    organisations = services.buyer_organisations(request.user)
    if not organisations:
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs d'un organisme public créent des "
                                 "opportunités."))
    errors: list[str] = []
    if request.method == "POST":
        values = forms.values_from_post(request.POST)
        values["buyer"] = request.POST.get("buyer", "")
        organisation = next((o for o in organisations if o.slug == request.POST.get("buyer")), None)
        if organisation is None:
            errors = [_("Choisissez l'organisme acheteur.")]
        else:
            try:
                opportunity = services.opportunity_create(actor=request.user, buyer=organisation,
                                                          data=forms.data_from_post(request.POST))
            except ValidationError as exc:
                errors = forms.error_lines(exc)
            else:
                messages.success(request, _("Brouillon %(ref)s créé.") % {"ref": opportunity.reference})
                return HttpResponseRedirect(_manage_url(opportunity))
    else:
        default = services.buyer_settings_get(organisations[0]).default_licence
        values = {"remote_ok": True, "licence": default, "criteria": [], "skills": [], "buyer": organisations[0].slug}
    return render(request, "market/opportunities/form.html", _form_context(
        values, organisations=organisations, new=True, errors=errors), status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def opportunity_edit(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    opportunity = _get(request, reference)
    if not services.can_manage(request.user, opportunity):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur gèrent cette "
                                 "opportunité."))
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.opportunity_update(actor=request.user, opportunity=opportunity,
                                        data=forms.data_from_post(request.POST))
        except ValidationError as exc:
            errors = forms.error_lines(exc)
            values = forms.values_from_post(request.POST)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return HttpResponseRedirect(_manage_url(opportunity))
    else:
        values = forms.values_of(opportunity)
    return render(request, "market/opportunities/form.html", _form_context(
        values, opportunity=opportunity, new=False, errors=errors,
        attachments=list(opportunity.attachments.all())), status=400 if errors else 200)


def _manage_context(request, opportunity: Opportunity, **extra) -> dict:
    now = timezone.now()
    problems = (services.opportunity_problems(opportunity, now)
                if opportunity.status in (Opportunity.Status.DRAFT, Opportunity.Status.REVIEW) else {})
    questions = services.questions_for(user=request.user, opportunity=opportunity)
    return {"opportunity": opportunity, "actions": services.opportunity_allowed_actions(request.user, opportunity, now),
            "problems": forms.error_lines(ValidationError(problems)) if problems else [],
            "deadline": formats.montreal_text(opportunity.deadline), "price": formats.money(opportunity.price),
            "deadline_input": forms.deadline_input(opportunity.deadline),
            "earliest": formats.montreal_text(services.earliest_deadline(now)),
            "questions": questions, "pending": [q for q in questions if q.status == "open"],
            "addenda": list(opportunity.addenda.all()), "attachments": list(opportunity.attachments.all()),
            "addendum_kinds": [(k, label) for k, label in Addendum.Kind.choices if k != Addendum.Kind.STATUS],
            "resume_min_days": services.RESUME_MIN_DAYS, "can_manage": services.can_manage(request.user, opportunity),
            **extra}


@require_safe
def opportunity_manage(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    opportunity = _get(request, reference)
    context = _manage_context(request, opportunity)
    if not (services.can_manage(request.user, opportunity) or context["actions"]):
        raise PermissionDenied(_("Seuls les membres de l'organisme acheteur et les administrateurs de la "
                                 "plateforme gèrent cette opportunité."))
    return render(request, "market/opportunities/manage.html", context)


TRANSITIONS = {
    "submit": lambda user, o, post: services.opportunity_submit_for_review(actor=user, opportunity=o),
    "send_back": lambda user, o, post: services.opportunity_send_back(actor=user, opportunity=o,
                                                                      reason=post.get("reason", "")),
    "publish": lambda user, o, post: services.opportunity_publish(actor=user, opportunity=o),
    "suspend": lambda user, o, post: services.opportunity_suspend(actor=user, opportunity=o,
                                                                  reason=post.get("reason", "")),
    "resume": lambda user, o, post: services.opportunity_resume(actor=user, opportunity=o,
                                                                new_deadline=post.get("new_deadline") or None,
                                                                reason=post.get("reason", "")),
    "cancel": lambda user, o, post: services.opportunity_cancel(actor=user, opportunity=o,
                                                                reason=post.get("reason", "")),
}
DONE = {"submit": gettext_lazy("Opportunité soumise à la révision."),
        "send_back": gettext_lazy("Opportunité renvoyée en brouillon."), "publish": gettext_lazy("Opportunité publiée."),
        "suspend": gettext_lazy("Opportunité suspendue."), "resume": gettext_lazy("Opportunité reprise."),
        "cancel": gettext_lazy("Opportunité annulée.")}


def _manage_post(request, reference, work, done: str, anchor: str = ""):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("market:opportunity_manage", kwargs={"reference": reference}))
    opportunity = _get(request, reference)
    try:
        work(opportunity)
    except ValidationError as exc:
        context = _manage_context(request, opportunity, errors=forms.error_lines(exc), posted=request.POST)
        return render(request, "market/opportunities/manage.html", context, status=400)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    messages.success(request, done)
    back = request.POST.get("from")
    if back in ("dashboard", "review"):  # the dashboards' own buttons bring the person back there
        return HttpResponseRedirect(reverse("market:buyer_dashboard" if back == "dashboard" else "market:review_queue"))
    return HttpResponseRedirect(_manage_url(opportunity) + anchor)


@require_POST
def opportunity_transition(request, reference):
    action = request.POST.get("action", "")
    if action not in TRANSITIONS:
        raise Http404(_("Action inconnue."))
    return _manage_post(request, reference, lambda o: TRANSITIONS[action](request.user, o, request.POST),
                        str(DONE[action]))


@require_POST
def addendum_new(request, reference):
    post = request.POST
    return _manage_post(request, reference, lambda o: services.addendum_publish(
        actor=request.user, opportunity=o, kind=post.get("kind", "notice"), body_fr=post.get("body_fr", ""),
        body_en=post.get("body_en", ""), new_deadline=post.get("new_deadline") or None),
        _("Addenda publié ; les personnes qui suivent l'opportunité en sont averties."), "#addenda")


@require_POST
def question_answer(request, reference, pk):
    post = request.POST

    def work(opportunity):
        question = services.question_get(user=request.user, opportunity=opportunity, question_id=pk)
        services.question_answer(actor=request.user, question=question, question_fr=post.get("question_fr", ""),
                                 answer_fr=post.get("answer_fr", ""), question_en=post.get("question_en", ""),
                                 answer_en=post.get("answer_en", ""))

    return _manage_post(request, reference, work, _("Réponse publiée en addenda, sans le nom de la personne qui "
                                                    "a posé la question."), "#questions")


@require_POST
def question_decline(request, reference, pk):
    def work(opportunity):
        question = services.question_get(user=request.user, opportunity=opportunity, question_id=pk)
        services.question_decline(actor=request.user, question=question, reason=request.POST.get("reason", ""))

    return _manage_post(request, reference, work, _("Question classée sans suite ; la personne en est avisée."),
                        "#questions")


@require_POST
def attachment_add(request, reference):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    opportunity = _get(request, reference)
    try:
        services.attachment_add(actor=request.user, opportunity=opportunity, title=request.POST.get("title", ""),
                                file=request.FILES.get("file"))
    except ValidationError as exc:
        values = forms.values_of(opportunity)
        status = 413 if isinstance(exc, services.FileTooLarge) else 400
        return render(request, "market/opportunities/form.html", _form_context(
            values, opportunity=opportunity, new=False, errors=forms.error_lines(exc),
            attachments=list(opportunity.attachments.all())), status=status)
    messages.success(request, _("Pièce jointe ajoutée."))
    return HttpResponseRedirect(reverse("market:opportunity_edit", kwargs={"reference": opportunity.reference})
                                + "#pieces")


@require_POST
def attachment_remove(request, reference, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    opportunity = _get(request, reference)
    try:
        services.attachment_remove(actor=request.user, opportunity=opportunity, attachment_id=pk)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    except ValidationError as exc:
        messages.error(request, " ".join(forms.error_lines(exc)))
    else:
        messages.success(request, _("Pièce jointe retirée."))
    return HttpResponseRedirect(reverse("market:opportunity_edit", kwargs={"reference": opportunity.reference})
                                + "#pieces")
