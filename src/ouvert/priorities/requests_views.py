"""Pages of the data requests (``/<lang>/priorites/demandes/…``). Thin: the rules are in ``requests``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from . import services
from .models import DataRequest, RequestEvent

PAGE_SIZE = 25


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for messages_ in exc.message_dict.values() for m in messages_]
    return [str(m) for m in exc.messages]


def _get(pk) -> DataRequest:
    try:
        return services.request_get(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def request_list(request):
    params = {key: (request.GET.get(key) or "").strip() for key in ("status", "organisation", "theme", "q", "sort")}
    errors: list[str] = []
    try:
        page_number = core_services.page_number(request.GET.get("page"))
        queryset = services.request_list(**params)
        counts = services.request_counts(organisation=params["organisation"], theme=params["theme"], q=params["q"])
    except ValidationError as exc:
        errors = error_messages(exc)
        page_number, queryset, counts = 1, DataRequest.objects.none(), dict.fromkeys(DataRequest.Status.values, 0)
    paginator = Paginator(queryset, PAGE_SIZE)
    if page_number > max(paginator.num_pages, 1):
        raise Http404(_("Cette page de résultats n’existe pas."))
    page = paginator.page(page_number) if paginator.count else None
    context = {
        "page": page, "requests": list(page.object_list) if page else [], "total": paginator.count,
        "params": params, "errors": errors,
        "counts": [{"value": value, "label": label, "count": counts[value]} for value, label in
                   DataRequest.Status.choices],
        "statuses": DataRequest.Status.choices, "themes": services.request_themes(),
        "organisations": services.request_organisations(),
        "sorts": [("supports", _("Les plus appuyées")), ("newest", _("Les plus récentes")),
                  ("updated", _("Mises à jour récemment"))],
        "query": "&".join(f"{k}={v}" for k, v in params.items() if v),
    }
    return render(request, "priorities/request_list.html", context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def request_new(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    fields = ("title_fr", "description_fr", "purpose_fr", "organisation", "holder_text", "theme")
    values = {key: request.POST.get(key, "") for key in fields} if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            created = services.request_create(actor=request.user, data=values)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Votre demande est enregistrée. Vous serez avisé de chaque changement."))
            return HttpResponseRedirect(reverse("priorities:request", kwargs={"pk": created.pk}))
    context = {"values": values, "errors": errors, "all_errors": [m for ms in errors.values() for m in ms],
               "organisations": services.request_holders(),
               "themes": services.request_themes()}
    return render(request, "priorities/request_form.html", context, status=400 if errors else 200)


def _detail(request, data_request: DataRequest, *, errors=None, status=200, answer_values=None):
    user = request.user
    events = list(services.request_events(data_request))
    labels = dict(DataRequest.Status.choices)
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, "")
    context = {
        "item": data_request, "events": events, "comments": list(services.request_comments(data_request, user=user)),
        "state": services.user_state(user, data_request), "can_answer": services.can_answer(user, data_request),
        "is_admin": services.is_platform_admin(user), "errors": errors or [],
        "next_statuses": [(value, label) for value, label in DataRequest.Status.choices
                          if value in services.TRANSITIONS[data_request.status]],
        "answer_values": answer_values or {}, "Kind": RequestEvent.Kind,
    }
    return render(request, "priorities/request_detail.html", context, status=status)


@require_GET
def request_detail(request, pk):
    return _detail(request, _get(pk))


def _post(request, pk, action, success: str):
    data_request = _get(pk)
    try:
        action(data_request)
    except ValidationError as exc:
        return _detail(request, data_request, errors=error_messages(exc), status=400,
                       answer_values=request.POST.dict())
    except PermissionDenied as exc:
        return _detail(request, data_request, errors=[str(exc) or _("Permission refusée.")], status=403)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if success:
        messages.success(request, success)
    return HttpResponseRedirect(reverse("priorities:request", kwargs={"pk": data_request.pk}))


@require_POST
def request_support(request, pk):
    on = request.POST.get("on") != "0"
    return _post(request, pk, lambda r: services.request_support(actor=request.user, data_request=r, on=on),
                 _("Merci de votre appui.") if on else _("Votre appui est retiré."))


@require_POST
def request_follow(request, pk):
    on = request.POST.get("on") != "0"
    return _post(request, pk, lambda r: services.request_follow(actor=request.user, data_request=r, on=on),
                 _("Vous suivez cette demande.") if on else _("Vous ne suivez plus cette demande."))


@require_POST
def request_comment(request, pk):
    return _post(request, pk, lambda r: services.comment_add(actor=request.user, data_request=r,
                                                             body=request.POST.get("body", "")),
                 _("Votre commentaire est publié."))


@require_POST
def request_status(request, pk):
    return _post(request, pk, lambda r: services.request_set_status(
        actor=request.user, data_request=r, status=request.POST.get("status", ""),
        reason=request.POST.get("reason", ""), dataset=request.POST.get("dataset", ""),
        message=request.POST.get("message", "")), _("L’état de la demande est changé ; ses abonnés sont avisés."))


@require_POST
def request_answer(request, pk):
    return _post(request, pk, lambda r: services.request_answer(actor=request.user, data_request=r,
                                                                text=request.POST.get("text", "")),
                 _("Votre réponse est publiée ; les abonnés sont avisés."))


@require_POST
def comment_hide(request, pk, comment_pk):
    def hide(data_request):
        comment = services.comment_get(data_request=data_request, pk=comment_pk)
        services.comment_hide(actor=request.user, comment=comment, reason=request.POST.get("reason", ""))

    return _post(request, pk, hide, _("Le commentaire est masqué."))


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """On a catalogue dataset's page: the data requests it answers (``core.registry.register_dataset_panel``)."""
    answered = services.requests_answered_by(dataset)
    if not answered:
        return None
    return {"template": "priorities/dataset_panel.html", "context": {"answered": answered}}
