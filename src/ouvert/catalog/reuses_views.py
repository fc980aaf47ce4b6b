"""Pages of the reuses: the gallery, a reuse's page, proposing and editing one, the submitter's list,
the moderation queue, and the « Utilisé par » panel of a dataset's page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import services as core_services
from ouvert.core.forms import add_service_errors, describe_fields

from . import services
from .models import Reuse
from .reuses_forms import ModerationForm, ReuseForm

PER_PAGE = 12
PANEL_SHOWN = 6


def _get(name, user):
    try:
        return services.reuse_get(name=name, user=user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _filters(request) -> dict:
    return {key: (request.GET.get(key) or "").strip()[:200]
            for key in ("kind", "dataset", "organisation", "theme", "q")}


@require_GET
def gallery(request):
    filters = _filters(request)
    status = 200
    errors = []
    try:
        page_number = core_services.page_number(request.GET.get("page"))
        queryset = services.reuse_list(**filters)
    except ValidationError as exc:
        errors = [m for messages_ in exc.message_dict.values() for m in messages_]
        page_number, queryset, status = 1, services.reuse_list(), 400
    paginator = Paginator(queryset, PER_PAGE)
    if page_number > max(paginator.num_pages, 1):
        raise Http404(_("Cette page n’existe pas."))
    page = paginator.page(page_number)
    query = {k: v for k, v in filters.items() if v}

    def page_url(number):
        return "?" + urlencode({**query, "page": number}) if number > 1 else ("?" + urlencode(query) if query else "?")

    dataset = None
    if filters["dataset"]:
        dataset = services.reuse_public_datasets().filter(name=filters["dataset"]).first()
    return render(request, "catalog/reuses/gallery.html", {
        "page": page, "reuses": list(page.object_list), "filters": filters, "errors": errors,
        "kinds": Reuse.Kind.choices, "facets": services.reuse_gallery_facets(), "filter_dataset": dataset,
        "previous_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
        "is_moderator": services.reuse_is_moderator(request.user),
        "total": paginator.count, "filtered": bool(query),
    }, status=status)


@require_GET
def detail(request, name):
    reuse = _get(name, request.user)
    return render(request, "catalog/reuses/detail.html", {
        "reuse": reuse, "datasets": reuse.public_datasets,
        "can_edit": services.reuse_is_moderator(request.user) or reuse.submitted_by_id == request.user.pk,
        "is_moderator": services.reuse_is_moderator(request.user),
        "moderation_form": describe_fields(ModerationForm()) if services.reuse_is_moderator(request.user) else None,
    })


def _form_data(request, form) -> dict:
    data = form.to_data()
    for name in request.POST.getlist("datasets_pick"):
        name = name.strip()
        if name and name not in data["datasets"]:
            data["datasets"].append(name)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def submit(request):
    max_bytes = services.reuse_image_max_bytes()
    initial = {}
    wanted = (request.GET.get("jeu") or "").strip()[:100]
    if wanted and services.reuse_public_datasets().filter(name=wanted).exists():
        initial["datasets"] = wanted
    form = ReuseForm(request.POST or None, request.FILES or None, initial=initial, max_bytes=max_bytes)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reuse = services.reuse_submit(actor=request.user, data=_form_data(request, form),
                                              image=form.cleaned_data.get("image") or None)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Merci ! Votre réutilisation est enregistrée : elle sera publiée "
                                            "après modération."))
                return redirect("catalog:reuse", name=reuse.name)
        status = 400
    return render(request, "catalog/reuses/form.html", {"form": describe_fields(form), "reuse": None},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, name):
    reuse = _get(name, request.user)
    if not (services.reuse_is_moderator(request.user) or reuse.submitted_by_id == request.user.pk):
        raise PermissionDenied(_("Seuls la personne qui a proposé cette réutilisation et les modérateurs "
                                 "peuvent la modifier."))
    initial = {key: getattr(reuse, key) for key in
               ("kind", "title_fr", "title_en", "url", "description_fr", "description_en", "author_name")}
    initial["datasets"] = "\n".join(d.name for d in reuse.public_datasets)
    if reuse.image:
        initial["image"] = reuse.image  # shows the current image with a box to remove it
    form = ReuseForm(request.POST or None, request.FILES or None, initial=initial,
                     max_bytes=services.reuse_image_max_bytes())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            image = form.cleaned_data.get("image")
            try:
                updated = services.reuse_update(actor=request.user, reuse=reuse, data=_form_data(request, form),
                                                image=image or None, remove_image=image is False)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if updated.status == Reuse.Status.PENDING and reuse.status != Reuse.Status.PENDING:
                    messages.success(request, _("Modification enregistrée : la réutilisation repasse en "
                                                "modération avant d’être publiée de nouveau."))
                else:
                    messages.success(request, _("Modification enregistrée."))
                return redirect("catalog:reuse", name=updated.name)
        status = 400
    return render(request, "catalog/reuses/form.html", {"form": describe_fields(form), "reuse": reuse},
                  status=status)


@login_required
@require_GET
def mine(request):
    return render(request, "catalog/reuses/mine.html", {"reuses": list(services.reuse_mine(user=request.user))})


@login_required
@require_GET
def moderation(request):
    queue = list(services.reuse_moderation_queue(user=request.user))
    return render(request, "catalog/reuses/moderation.html", {
        "reuses": queue, "form": describe_fields(ModerationForm())})


@login_required
@require_POST
def moderate(request, name):
    if not services.reuse_is_moderator(request.user):
        raise PermissionDenied(_("Seuls les modérateurs peuvent publier ou refuser une réutilisation."))
    reuse = _get(name, request.user)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.reuse_moderate(actor=request.user, reuse=reuse, decision=form.cleaned_data["decision"],
                                    note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Réutilisation publiée.") if form.cleaned_data["decision"] == "publish"
                             else _("Réutilisation refusée ; la personne qui l’a proposée est prévenue."))
            if request.POST.get("next") == "queue":
                return redirect("catalog:reuse_moderation")
            return redirect("catalog:reuse", name=reuse.name)
    return render(request, "catalog/reuses/detail.html", {
        "reuse": reuse, "datasets": reuse.public_datasets, "can_edit": True, "is_moderator": True,
        "moderation_form": describe_fields(form)}, status=400)


@require_GET
def dataset_search(request):
    """The form's dataset search (htmx): public datasets matching ``q``, as checkboxes."""
    return render(request, "catalog/reuses/_dataset_choices.html", {
        "datasets": services.reuse_dataset_suggest(request.GET.get("q") or ""),
        "q": (request.GET.get("q") or "").strip()[:100]})


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """« Utilisé par … » on a dataset's page: its published reuses (two queries), and a link to propose one."""
    if dataset.state != dataset.State.ACTIVE or dataset.private:
        return None
    published = dataset.reuses.filter(status=Reuse.Status.PUBLISHED).order_by("-published_at")
    shown = list(published[:PANEL_SHOWN])
    count = published.count()
    return {"template": "catalog/reuses/panel.html", "context": {
        "reuses": shown, "count": count, "dataset": dataset,
        "gallery_url": reverse("catalog:reuses") + "?" + urlencode({"dataset": dataset.name}),
        "submit_url": reverse("catalog:reuse_new") + "?" + urlencode({"jeu": dataset.name}),
    }}
