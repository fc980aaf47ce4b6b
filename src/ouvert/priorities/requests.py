"""Data requests: ask, support, follow, comment, answer and move through the status workflow.

Permissions: anyone signed in asks, supports, follows and comments; the members of the named body with
the editor or admin role, and platform admins, answer and change the status; platform admins hide
abusive comments. Every status change and answer is notified to the followers (the requester, the
supporters and those who follow explicitly) and appended to the audit log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core import text_checks as checks
from ouvert.core.services import NotFound

from .models import DataRequest, RequestComment, RequestEvent, RequestFollow, RequestSupport

Status = DataRequest.Status
ANSWER_ROLES = ("editor", "admin")
REQUESTS_OPEN_DATA_KEY = "priorities-requests"
#: The body that publishes the list of requests as open data (the platform's owner, as for the plan).

#: Which status may follow which (a published or declined request may be reopened for review).
TRANSITIONS = {
    Status.SUBMITTED: {Status.REVIEW, Status.PLANNED, Status.PUBLISHED, Status.DECLINED},
    Status.REVIEW: {Status.SUBMITTED, Status.PLANNED, Status.PUBLISHED, Status.DECLINED},
    Status.PLANNED: {Status.REVIEW, Status.PUBLISHED, Status.DECLINED},
    Status.PUBLISHED: {Status.REVIEW},
    Status.DECLINED: {Status.REVIEW},
}
SORTS = {"supports": ("-support_count", "-created_at", "-pk"), "newest": ("-created_at", "-pk"),
         "updated": ("-updated_at", "-pk")}


def is_platform_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _signed_in(user) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Connectez-vous pour faire cela."))


def can_answer(user, data_request: DataRequest) -> bool:
    if is_platform_admin(user):
        return True
    return data_request.organisation_id is not None and core_services.user_has_role(
        user, data_request.organisation_id, ANSWER_ROLES)


def request_url(data_request: DataRequest) -> str:
    return reverse("priorities:request", kwargs={"pk": data_request.pk})


# --- Reading ----------------------------------------------------------------------------

def request_get(*, pk) -> DataRequest:
    try:
        return DataRequest.objects.select_related("organisation", "requester", "dataset", "campaign").get(pk=int(pk))
    except (DataRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Cette demande de données n'existe pas.")) from None


def request_list(*, status: str = "", organisation: str = "", theme: str = "", q: str = "", sort: str = ""):
    """Public requests, filtered, sorted; ``ValidationError`` on an unknown status or sort."""
    errors: dict = {}
    if status and status not in Status.values:
        errors["status"] = [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                            % {"value": status, "choices": ", ".join(Status.values)}]
    if sort and sort not in SORTS:
        errors["sort"] = [_("Tri inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                          % {"value": sort, "choices": ", ".join(SORTS)}]
    q = checks.line(errors, "q", q, max_length=200)
    checks.raise_if(errors)
    qs = _filtered(organisation=organisation, theme=theme, q=q)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organisation").order_by(*SORTS[sort or "supports"])


def _filtered(*, organisation: str = "", theme: str = "", q: str = ""):
    qs = DataRequest.objects.all()
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    if theme:
        qs = qs.filter(theme=theme)
    if q:
        qs = qs.filter(Q(title_fr__icontains=q) | Q(title_en__icontains=q) | Q(description_fr__icontains=q)
                       | Q(description_en__icontains=q) | Q(holder_text__icontains=q))
    return qs


def request_counts(*, organisation: str = "", theme: str = "", q: str = "") -> dict:
    """Number of requests per status (all statuses present, 0 when none), with the same filters."""
    counts = dict.fromkeys(Status.values, 0)
    for row in _filtered(organisation=organisation, theme=theme, q=q).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def request_themes() -> list[str]:
    return list(DataRequest.objects.exclude(theme="").values_list("theme", flat=True).distinct().order_by("theme"))


def request_organisations():
    """The organisations some request names as holder (the list's filter)."""
    from ouvert.core.models import Organisation

    return Organisation.objects.filter(data_requests__isnull=False).distinct().order_by("name_fr")


def request_holders():
    """The organisations a person may name as the probable holder: public bodies and municipalities."""
    from ouvert.core.models import Organisation

    return Organisation.objects.filter(kind__in=["public_body", "municipality"]).order_by("name_fr")


def requests_answered_by(dataset, *, limit: int = 20) -> list:
    """The data requests a catalogue dataset answers, most recently updated first."""
    return list(DataRequest.objects.filter(dataset=dataset).order_by("-updated_at", "-pk")[:limit])


def request_events(data_request: DataRequest):
    return data_request.events.select_related("actor").order_by("at", "pk")


def request_comments(data_request: DataRequest, *, user=None):
    qs = data_request.comments.select_related("author").order_by("created_at", "pk")
    if not is_platform_admin(user):
        qs = qs.filter(hidden_at__isnull=True)
    return qs


def user_state(user, data_request: DataRequest) -> dict:
    if user is None or not user.is_authenticated:
        return {"supports": False, "follows": False}
    return {"supports": RequestSupport.objects.filter(request=data_request, user=user).exists(),
            "follows": RequestFollow.objects.filter(request=data_request, user=user).exists()}


def followers(data_request: DataRequest):
    from ouvert.core.models import User

    return User.objects.filter(Q(pk=data_request.requester_id) | Q(pk__in=RequestSupport.objects.filter(
        request=data_request).values("user_id")) | Q(pk__in=RequestFollow.objects.filter(
        request=data_request).values("user_id")), is_active=True).distinct()


# --- Writing ----------------------------------------------------------------------------

def _organisation(errors: dict, value):
    from ouvert.core.models import Organisation

    if value in (None, ""):
        return None
    if isinstance(value, Organisation):
        return value
    organisation = Organisation.objects.filter(slug=str(value)).first()
    if organisation is None:
        errors["organisation"] = [_("Organisme inconnu « %(value)s ».") % {"value": str(value)[:100]}]
    return organisation


def request_create(*, actor, data: dict, is_demo: bool = False, status: str = Status.SUBMITTED,
                   campaign=None) -> DataRequest:
    """Ask for data: ``title_fr`` and ``description_fr`` required; ``purpose_fr``, ``organisation`` (slug) or
    ``holder_text``, ``theme``, ``title_en``… optional."""
    if campaign is None:
        _signed_in(actor)
    errors: dict = {}
    allowed = {"title_fr", "title_en", "description_fr", "description_en", "purpose_fr", "purpose_en",
               "organisation", "holder_text", "theme"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        errors["__all__"] = [_("Champs inconnus : %(fields)s.") % {"fields": ", ".join(unknown)}]
    values = {
        "title_fr": checks.line(errors, "title_fr", data.get("title_fr"), max_length=200, required=True),
        "title_en": checks.line(errors, "title_en", data.get("title_en"), max_length=200),
        "description_fr": checks.text(errors, "description_fr", data.get("description_fr"), required=True),
        "description_en": checks.text(errors, "description_en", data.get("description_en")),
        "purpose_fr": checks.text(errors, "purpose_fr", data.get("purpose_fr")),
        "purpose_en": checks.text(errors, "purpose_en", data.get("purpose_en")),
        "holder_text": checks.line(errors, "holder_text", data.get("holder_text"), max_length=300),
        "theme": checks.line(errors, "theme", data.get("theme"), max_length=100),
    }
    organisation = _organisation(errors, data.get("organisation"))
    checks.raise_if(errors)
    now = timezone.now()
    with transaction.atomic():
        data_request = DataRequest.objects.create(
            **values, organisation=organisation, requester=actor if campaign is None else None,
            status=status, campaign=campaign, is_demo=is_demo, created_at=now, updated_at=now)
        RequestEvent.objects.create(request=data_request, kind=RequestEvent.Kind.CREATED, actor=actor,
                                    to_status=status, at=now,
                                    text=(_("Retenue par la campagne « %(title)s ».") % {"title": campaign.title_fr})
                                    if campaign is not None else "")
        core_services.audit_append(actor=actor, action="priorities.request.create", target=data_request,
                                   data={"title": data_request.title_fr, "status": status})
        core_services.open_data_changed(REQUESTS_OPEN_DATA_KEY)
    return data_request


def _notify_followers(data_request: DataRequest, *, actor, subject: str, body: str) -> None:
    recipients = [u for u in followers(data_request) if actor is None or u.pk != actor.pk]
    core_services.notify(recipients=recipients, subject=subject, body=body, url=request_url(data_request))


def request_set_status(*, actor, data_request: DataRequest, status: str, reason: str = "", dataset=None,
                       message: str = "", campaign=None) -> DataRequest:
    """Move a request to ``status``. ``declined`` needs a ``reason``; ``published`` a catalogue ``dataset``
    (a name or id, read through the catalogue with the actor's rights). ``actor=None`` with ``campaign``:
    the platform, when a campaign selects the request."""
    if campaign is None and not can_answer(actor, data_request):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme détenteur et les "
                                 "administrateurs de la plateforme changent l'état d'une demande."))
    errors: dict = {}
    if status not in Status.values:
        errors["status"] = [_("État inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                            % {"value": status, "choices": ", ".join(Status.values)}]
    reason = checks.text(errors, "reason", reason, max_length=5000)
    message = checks.text(errors, "message", message, max_length=5000)
    if status == Status.DECLINED and not reason and "reason" not in errors:
        errors["reason"] = [_("Un motif est obligatoire pour refuser une demande.")]
    found = None
    if status == Status.PUBLISHED:
        if dataset in (None, ""):
            errors["dataset"] = [_("Indiquez le jeu de données du catalogue qui répond à la demande.")]
        else:
            found = _dataset(errors, actor, dataset)
    checks.raise_if(errors)
    with transaction.atomic():
        locked = DataRequest.objects.select_for_update().get(pk=data_request.pk)
        before = locked.status
        if status == before:
            raise ValidationError({"status": [_("La demande est déjà dans cet état.")]})
        if status not in TRANSITIONS[before]:
            raise ValidationError({"status": [_("Passage impossible de « %(before)s » à « %(after)s ».") % {
                "before": Status(before).label, "after": Status(status).label}]})
        now = timezone.now()
        locked.status = status
        locked.decline_reason = reason if status == Status.DECLINED else ""
        if status == Status.PUBLISHED:
            locked.dataset = found
        if campaign is not None:
            locked.campaign = campaign
        locked.updated_at = now
        locked.save()
        RequestEvent.objects.create(request=locked, kind=RequestEvent.Kind.STATUS, actor=actor, from_status=before,
                                    to_status=status, text=reason if status == Status.DECLINED else message, at=now)
        core_services.audit_append(actor=actor, action="priorities.request.status", target=locked, data={
            "before": before, "after": status, "reason": reason, "dataset": str(found.pk) if found else None})
        label = str(Status(status).label)
        body = _("La demande « %(title)s » est maintenant : %(status)s.") % {"title": locked.title_fr, "status": label}
        if reason or message:
            body += "\n\n" + (reason or message)
        _notify_followers(locked, actor=actor, subject=_("Demande de données : %(status)s") % {"status": label},
                          body=body)
        core_services.open_data_changed(REQUESTS_OPEN_DATA_KEY)
    data_request.refresh_from_db()
    return data_request


def _dataset(errors, actor, value):
    from ouvert.catalog import services as catalog_services

    try:
        return catalog_services.dataset_get(name_or_id=str(value).strip()[:200], user=actor)
    except NotFound:
        errors["dataset"] = [_("Jeu de données introuvable dans le catalogue : « %(value)s ».")
                             % {"value": str(value)[:100]}]
        return None


def request_answer(*, actor, data_request: DataRequest, text: str) -> RequestEvent:
    """The body's answer, kept in the history and notified to followers."""
    if not can_answer(actor, data_request):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme détenteur et les "
                                 "administrateurs de la plateforme répondent à une demande."))
    errors: dict = {}
    text = checks.text(errors, "text", text, max_length=5000, required=True)
    checks.raise_if(errors)
    with transaction.atomic():
        now = timezone.now()
        event = RequestEvent.objects.create(request=data_request, kind=RequestEvent.Kind.ANSWER, actor=actor,
                                            text=text, at=now)
        DataRequest.objects.filter(pk=data_request.pk).update(updated_at=now)
        core_services.audit_append(actor=actor, action="priorities.request.answer", target=data_request,
                                   data={"text": text})
        _notify_followers(data_request, actor=actor,
                          subject=_("Réponse à la demande « %(title)s »") % {"title": data_request.title_fr[:200]},
                          body=text)
    return event


def request_support(*, actor, data_request: DataRequest, on: bool = True) -> bool:
    """Support (``on``) or withdraw the support; one per person. Returns whether the person supports it."""
    _signed_in(actor)
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    RequestSupport.objects.create(request=data_request, user=actor)
            except IntegrityError:
                return True
            DataRequest.objects.filter(pk=data_request.pk).update(support_count=F("support_count") + 1)
        else:
            deleted, _rows = RequestSupport.objects.filter(request=data_request, user=actor).delete()
            if deleted:
                DataRequest.objects.filter(pk=data_request.pk).update(support_count=F("support_count") - 1)
        core_services.open_data_changed(REQUESTS_OPEN_DATA_KEY)
    data_request.refresh_from_db(fields=["support_count"])
    return on


def request_follow(*, actor, data_request: DataRequest, on: bool = True) -> bool:
    _signed_in(actor)
    if on:
        RequestFollow.objects.get_or_create(request=data_request, user=actor)
    else:
        RequestFollow.objects.filter(request=data_request, user=actor).delete()
    return on


def comment_add(*, actor, data_request: DataRequest, body: str) -> RequestComment:
    _signed_in(actor)
    errors: dict = {}
    body = checks.text(errors, "body", body, max_length=5000, required=True)
    checks.raise_if(errors)
    with transaction.atomic():
        comment = RequestComment.objects.create(request=data_request, author=actor, body=body)
        DataRequest.objects.filter(pk=data_request.pk).update(comment_count=F("comment_count") + 1)
    return comment


def comment_get(*, data_request: DataRequest, pk) -> RequestComment:
    try:
        return data_request.comments.get(pk=int(pk))
    except (RequestComment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ce commentaire n'existe pas.")) from None


def comment_hide(*, actor, comment: RequestComment, reason: str) -> RequestComment:
    """Moderation by platform admins: the comment is hidden from the public, with the reason shown."""
    if not is_platform_admin(actor):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme modèrent les commentaires."))
    errors: dict = {}
    reason = checks.text(errors, "reason", reason, max_length=2000, required=True)
    checks.raise_if(errors)
    if comment.hidden_at is not None:
        raise ValidationError({"comment": [_("Ce commentaire est déjà masqué.")]})
    with transaction.atomic():
        comment.hidden_at = timezone.now()
        comment.hidden_reason = reason
        comment.save(update_fields=["hidden_at", "hidden_reason"])
        DataRequest.objects.filter(pk=comment.request_id).update(comment_count=F("comment_count") - 1)
        core_services.audit_append(actor=actor, action="priorities.comment.hide", target=comment,
                                   data={"reason": reason, "body": comment.body})
    return comment


# --- Open by default --------------------------------------------------------------------

REQUEST_COLUMNS = ["id", "title_fr", "title_en", "status", "organisation", "holder_text", "theme",
                   "support_count", "dataset", "decline_reason", "campaign", "created_at", "updated_at",
                   "is_demo"]


def open_data_export() -> dict | None:
    """The public list of requests as a CSV (open-data publisher ``priorities-requests``); ``None`` while
    there is none or the publishing body does not exist."""
    from ouvert.core.models import Organisation

    from .export import csv_bytes

    if not Organisation.objects.filter(slug=core_services.open_data_organisation()).exists():
        return None
    rows = [{"id": r.pk, "title_fr": r.title_fr, "title_en": r.title_en, "status": r.status,
             "organisation": r.organisation.slug if r.organisation else "", "holder_text": r.holder_text,
             "theme": r.theme, "support_count": r.support_count, "dataset": r.dataset.name if r.dataset else "",
             "decline_reason": r.decline_reason, "campaign": r.campaign.slug if r.campaign else "",
             "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat(),
             "is_demo": r.is_demo}
            for r in DataRequest.objects.select_related("organisation", "dataset", "campaign").order_by("pk")]
    if not rows:
        return None
    return {
        "organisation": core_services.open_data_organisation(),
        "metadata": {
            "name": "demandes-de-donnees",
            "title_fr": "Demandes de données ouvertes",
            "title_en": "Open data requests",
            "notes_fr": ("Les demandes de données faites par la population sur la plateforme : titre, organisme "
                         "détenteur, thème, état (soumise, en examen, planifiée, publiée, refusée), nombre "
                         "d'appuis, jeu de données publié ou motif du refus. Aucune donnée personnelle. Mis à "
                         "jour automatiquement à chaque changement ; `is_demo` marque le contenu de démonstration."),
            "notes_en": ("Data requests made by the public on the platform: title, holding body, theme, status, "
                         "number of supports, published dataset or reason for declining. No personal data. "
                         "Refreshed automatically on every change; `is_demo` marks demo content."),
            "tags": ["demandes de données", "données ouvertes", "participation"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
        },
        "resources": [{"name_fr": "Demandes de données (CSV)", "name_en": "Data requests (CSV)", "format": "CSV",
                       "filename": "demandes-de-donnees.csv", "content": csv_bytes(REQUEST_COLUMNS, rows)}],
    }
