"""The support part (2.3): training webinars — registration with a capacity and a waiting list, e-mails
(confirmation, waiting-list place, promotion, cancellation, reminder), iCalendar files, attendance, then the
recording and the slides.

Rules kept here:

- times are entered and shown in America/Montreal (``MONTREAL``) and stored in UTC; a local time that does
  not exist (the hour skipped when daylight saving time begins) is refused, an ambiguous one (the hour
  repeated when it ends) is read as the first of the two;
- a person holds at most one active registration (confirmed or waiting) per webinar: registering again
  returns the existing one. Registering and cancelling lock the webinar's row, so that two requests at
  once never confirm more people than the capacity (0: no limit) nor skip the waiting list's order;
- a freed seat goes to the first person waiting (by time of registration), who is told by e-mail;
- registration is closed once the webinar has started, when the managers close it, or when it is
  cancelled; a cancelled webinar keeps its page and its iCalendar event (``STATUS:CANCELLED``, ``SEQUENCE``
  bumped) so that calendars which imported it mark it cancelled;
- the reminder goes once to each confirmed registrant ``OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS`` before the
  start: each registration is claimed by a conditional update of ``reminder_sent_at``, so two workers at
  once send one e-mail each;
- the join link is given to confirmed registrants only (their e-mails and their own ``.ics``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import ical, montreal
from ouvert.core import services as core_services
from ouvert.core.markdown import markdown_to_text
from ouvert.core.montreal import MONTREAL

from . import access
from .models import Registration, Speaker, Webinar

__all__ = [
    "MONTREAL", "SLIDES_FORMATS", "WEBINAR_FIELDS", "SlidesTooLarge", "attendance_counts", "attendance_set",
    "montreal_input", "montreal_text", "my_registrations", "parse_montreal", "recording_set",
    "registrants", "registrants_csv", "registration_by_token", "registration_cancel", "registration_closed_reason",
    "registration_create", "registration_for", "registration_get", "seats", "slides_max_bytes", "waiting_position",
    "webinar_cancel", "webinar_create", "webinar_get", "webinar_groups", "webinar_ics", "webinar_list",
    "webinar_reminders_send", "webinar_update", "webinar_when", "webinars_feed_ics",
]

S = Registration.Status

#: What ``webinar_create`` / ``webinar_update`` take (plus ``speakers``).
WEBINAR_FIELDS = ("slug", "title_fr", "title_en", "description_fr", "description_en", "language", "starts_at",
                  "ends_at", "capacity", "join_url", "registration_open", "is_published")
LIMITS = {"slug": 120, "title_fr": 300, "title_en": 300, "description_fr": 50_000, "description_en": 50_000,
          "join_url": 1000, "cancel_reason": 1000, "recording_url": 1000, "slides_url": 1000,
          "name": 200, "affiliation": 300, "bio_fr": 5000, "bio_en": 5000}
MAX_SPEAKERS = 20
MAX_CAPACITY = 100_000
#: The slides: a PDF, a PowerPoint (OOXML) or an OpenDocument presentation, checked by their content.
SLIDES_FORMATS = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
#: Webinars of the iCalendar feed: the upcoming ones and those of the last days.
FEED_PAST_DAYS = 180
#: Slugs the pages' own addresses use (``webinaires/nouveau/``…).
RESERVED_SLUGS = frozenset({"nouveau", "mes-inscriptions", "inscription", "calendrier"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SlidesTooLarge(ValidationError):
    """Slides above the size limit (HTTP 413)."""


def register() -> None:
    """The reminders' periodic job (every five minutes)."""
    from ouvert.core import registry

    registry.register_periodic("science.webinar_reminders", webinar_reminders_send, every_seconds=300)


def slides_max_bytes() -> int:
    """The largest slides file (``OUVERT_SCIENCE_SLIDES_MAX_BYTES``, 50 MB by default)."""
    return int(getattr(settings, "OUVERT_SCIENCE_SLIDES_MAX_BYTES", 50 * 1024 * 1024))


# --- Montreal time -------------------------------------------------------------------------------

def parse_montreal(value, field: str) -> datetime.datetime:
    """A webinar's time (``core.montreal.parse``), which must be given."""
    parsed = montreal.parse(value, field)
    if parsed is None:
        raise ValidationError({field: [_("Indiquez la date et l'heure (heure de Montréal).")]})
    return parsed


def montreal_input(value: datetime.datetime | None) -> str:
    """A stored time as a ``datetime-local`` field shows it (Montreal time)."""
    return montreal.input_value(value)


def montreal_text(value: datetime.datetime | None) -> str:
    """« 15 mars 2026 à 13 h 00 (heure de Montréal, UTC−4) »: a webinar may straddle the change of time."""
    return montreal.text(value, offset=True)


def webinar_when(webinar: Webinar) -> str:
    """« jeudi 15 mars 2026, de 13 h 00 à 14 h 30 (heure de Montréal, UTC−4) »."""
    start, end = webinar.starts_at.astimezone(MONTREAL), webinar.ends_at.astimezone(MONTREAL)
    values = {"weekday": str(WEEKDAYS[start.weekday()]), "day": start.day,
              "month": str(MONTHS[start.month]), "year": start.year, "start_hour": start.hour,
              "start_minute": start.minute, "end_hour": end.hour, "end_minute": end.minute,
              "offset": montreal.utc_offset(start)}
    if start.date() == end.date():
        return _("%(weekday)s %(day)s %(month)s %(year)s, de %(start_hour)s h %(start_minute)02d à %(end_hour)s h "
                 "%(end_minute)02d (heure de Montréal, %(offset)s)") % values
    return _("du %(start)s au %(end)s") % {"start": montreal_text(webinar.starts_at),
                                           "end": montreal_text(webinar.ends_at)}


# --- Reading -------------------------------------------------------------------------------------

def _annotated(qs):
    return qs.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=S.CONFIRMED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=S.WAITING)),
    ).select_related("organiser").prefetch_related(
        Prefetch("speakers", queryset=Speaker.objects.order_by("position", "pk")))


def webinar_list(*, user=None, include_unpublished: bool = False):
    """The webinars (published ones; every one for a science manager who asks), each annotated with
    ``confirmed_count`` and ``waiting_count``, speakers prefetched, by start time."""
    qs = Webinar.objects.all()
    if not (include_unpublished and access.is_science_manager(user)):
        qs = qs.filter(is_published=True)
    return _annotated(qs).order_by("starts_at", "pk")


def webinar_groups(*, user=None, include_unpublished: bool = False, now=None) -> dict:
    """``{"upcoming": […], "past": […]}``: the webinars not ended yet (soonest first), then the ended ones
    (latest first)."""
    now = now or timezone.now()
    webinars = list(webinar_list(user=user, include_unpublished=include_unpublished))
    upcoming = [w for w in webinars if w.ends_at > now]
    past = [w for w in webinars if w.ends_at <= now]
    past.reverse()
    return {"upcoming": upcoming, "past": past}


def webinar_get(*, slug: str, user=None) -> Webinar:
    """One webinar (annotated like the list); an unpublished one only for a science manager."""
    webinar = _annotated(Webinar.objects.filter(slug=slug)).first()
    if webinar is None or (not webinar.is_published and not access.is_science_manager(user)):
        raise core_services.NotFound(_("Webinaire « %(slug)s » introuvable.") % {"slug": str(slug)[:120]})
    return webinar


def seats(webinar: Webinar) -> dict:
    """``{"capacity", "confirmed", "waiting", "left" (None: no limit), "full"}``."""
    confirmed = getattr(webinar, "confirmed_count", None)
    waiting = getattr(webinar, "waiting_count", None)
    if confirmed is None or waiting is None:
        counts = webinar.registrations.aggregate(c=Count("pk", filter=Q(status=S.CONFIRMED)),
                                                 w=Count("pk", filter=Q(status=S.WAITING)))
        confirmed, waiting = counts["c"], counts["w"]
    left = None if webinar.capacity == 0 else max(webinar.capacity - confirmed, 0)
    return {"capacity": webinar.capacity, "confirmed": confirmed, "waiting": waiting, "left": left,
            "full": left == 0}


def registration_closed_reason(webinar: Webinar, now=None) -> str:
    """Why nobody may register now (empty when registration is open)."""
    now = now or timezone.now()
    if webinar.cancelled_at is not None:
        return _("Ce webinaire est annulé : les inscriptions sont fermées.")
    if not webinar.is_published:
        return _("Ce webinaire n'est pas encore publié : les inscriptions ouvriront à sa publication.")
    if webinar.starts_at <= now:
        return _("Ce webinaire a commencé : les inscriptions sont fermées.")
    if not webinar.registration_open:
        return _("Les inscriptions à ce webinaire sont fermées.")
    return ""


def registration_get(*, user, webinar: Webinar) -> Registration | None:
    """``user``'s active registration (confirmed or waiting) to ``webinar``, or ``None``."""
    if not access.is_signed_in(user):
        return None
    return Registration.objects.filter(webinar=webinar, user=user, status__in=Registration.ACTIVE).first()


def registration_for(*, user, pk: int) -> Registration:
    """A registration its person or a science manager may act on (``NotFound`` otherwise)."""
    registration = Registration.objects.select_related("webinar", "user").filter(pk=pk).first()
    if registration is None or not (access.is_signed_in(user) and (
            registration.user_id == user.pk or access.is_science_manager(user))):
        raise core_services.NotFound(_("Inscription n° %(id)s introuvable.") % {"id": pk})
    return registration


def registration_by_token(token) -> Registration:
    """The registration of a personal ``.ics`` link (``NotFound`` for an unknown or cancelled one)."""
    registration = Registration.objects.select_related("webinar").prefetch_related("webinar__speakers").filter(
        token=token).exclude(status=S.CANCELLED).first()
    if registration is None:
        raise core_services.NotFound(_("Lien de calendrier inconnu ou inscription annulée."))
    return registration


def waiting_position(registration: Registration) -> int | None:
    """1 for the first person waiting, …; ``None`` when not on the waiting list. Reads the ``waiting_ahead``
    annotation when the registration holds it (``my_registrations``), else counts."""
    if registration.status != S.WAITING:
        return None
    ahead = getattr(registration, "waiting_ahead", None)
    if ahead is None:
        ahead = Registration.objects.filter(webinar_id=registration.webinar_id, status=S.WAITING).filter(
            Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at,
                                                          pk__lt=registration.pk)).count()
    return ahead + 1


def my_registrations(*, user):
    """``user``'s registrations (cancelled ones included), the soonest webinar first, each with
    ``waiting_ahead`` (how many people wait before it) computed in the same query."""
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour voir vos inscriptions."))
    ahead = (Registration.objects.filter(webinar_id=OuterRef("webinar_id"), status=S.WAITING)
             .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"),
                                                                  pk__lt=OuterRef("pk")))
             .order_by().values("webinar_id").annotate(n=Count("pk")).values("n"))
    return (Registration.objects.filter(user=user).select_related("webinar")
            .annotate(waiting_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0))
            .order_by("webinar__starts_at", "webinar_id", "-created_at", "-pk"))


# --- Managers: webinars --------------------------------------------------------------------------

def _require_manager(actor) -> None:
    if not access.is_science_manager(actor):
        raise PermissionDenied(_("Seules les équipes des fonds de recherche et les administrateurs de la plateforme "
                                 "gèrent les webinaires."))


def _text(value, field: str, errors: dict, *, multiline: bool = False) -> str:
    value = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if (_CONTROL_TEXT if multiline else _CONTROL).search(value):
        errors.setdefault(field, []).append(_("Le champ « %(field)s » contient des caractères de contrôle.")
                                            % {"field": _label(field)})
    limit = LIMITS.get(field)
    if limit and len(value) > limit:
        errors.setdefault(field, []).append(_("Le champ « %(field)s » compte au plus %(n)s caractères.")
                                            % {"field": _label(field), "n": limit})
    return value


def _label(field: str) -> str:
    for model in (Webinar, Speaker):
        try:
            return str(model._meta.get_field(field).verbose_name)
        except Exception:  # noqa: BLE001 — not a field of this model
            continue
    return field


def _url(value, field: str, errors: dict) -> str:
    value = _text(value, field, errors)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            errors.setdefault(field, []).append(_("« %(field)s » : écrivez une adresse complète en http(s)://.")
                                                % {"field": _label(field)})
    return value


def _bool(value) -> bool:
    return value in (True, 1, "on", "true", "True", "1", "yes")


def _clean(data: dict, webinar: Webinar | None) -> dict:
    errors: dict[str, list] = {}
    values: dict = {}
    for field in WEBINAR_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in ("registration_open", "is_published"):
            values[field] = _bool(value)
        elif field in ("starts_at", "ends_at"):
            try:
                values[field] = parse_montreal(value, field)
            except ValidationError as exc:
                for f, messages in exc.message_dict.items():
                    errors.setdefault(f, []).extend(messages)
        elif field == "capacity":
            try:
                number = int(str(value).strip() or "0")
                if not 0 <= number <= MAX_CAPACITY:
                    raise ValueError
                values[field] = number
            except ValueError:
                errors.setdefault(field, []).append(_("Places : un nombre entier de 0 (sans limite) à %(n)s.")
                                                    % {"n": MAX_CAPACITY})
        elif field == "language":
            if value not in ("fr", "en"):
                errors.setdefault(field, []).append(_("Langue : « fr » ou « en »."))
            values[field] = value
        elif field == "join_url":
            values[field] = _url(value, field, errors)
        else:
            values[field] = _text(value, field, errors, multiline=field.startswith("description"))
    title = values.get("title_fr", webinar.title_fr if webinar else "")
    if not title:
        errors.setdefault("title_fr", []).append(_("Écrivez le titre en français."))
    if "slug" in values and values["slug"]:
        slug = slugify(values["slug"])[:120].strip("-")
        if slug != values["slug"]:
            errors.setdefault("slug", []).append(
                _("L'identifiant ne contient que des lettres minuscules sans accents, des chiffres et des traits "
                  "d'union (par exemple « %(example)s »).") % {"example": slug or "webinaire"})
        elif slug in RESERVED_SLUGS:
            errors.setdefault("slug", []).append(_("L'identifiant « %(slug)s » est réservé.") % {"slug": slug})
    starts = values.get("starts_at", webinar.starts_at if webinar else None)
    ends = values.get("ends_at", webinar.ends_at if webinar else None)
    if webinar is None:
        for field in ("starts_at", "ends_at"):
            if field not in data and field not in errors:
                errors.setdefault(field, []).append(_("Indiquez la date et l'heure (heure de Montréal)."))
    if starts and ends and "starts_at" not in errors and "ends_at" not in errors and ends <= starts:
        errors.setdefault("ends_at", []).append(_("La fin doit suivre le début."))
    if errors:
        raise ValidationError(errors)
    return values


def _clean_speakers(rows, errors: dict) -> list[dict]:
    speakers = []
    for n, row in enumerate(list(rows or [])[:MAX_SPEAKERS + 1]):
        if n >= MAX_SPEAKERS:
            errors.setdefault("speakers", []).append(_("Au plus %(n)s personnes conférencières.") % {"n": MAX_SPEAKERS})
            break
        values = {f: _text((row or {}).get(f, ""), f, errors, multiline=f.startswith("bio"))
                  for f in ("name", "affiliation", "bio_fr", "bio_en")}
        if not any(values.values()):
            continue
        if not values["name"]:
            errors.setdefault("speakers", []).append(_("Personne conférencière n° %(n)s : indiquez son nom.")
                                                     % {"n": n + 1})
        speakers.append(values)
    return speakers


def _save_speakers(webinar: Webinar, speakers: list[dict]) -> None:
    webinar.speakers.all().delete()
    Speaker.objects.bulk_create([Speaker(webinar=webinar, position=i, **s) for i, s in enumerate(speakers)])


def _unique_slug(base: str) -> str:
    base = (base or "webinaire")[:100].strip("-") or "webinaire"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Webinar.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def webinar_create(*, actor, data: dict, speakers=None) -> Webinar:
    """A new webinar (unpublished unless ``is_published``), with its speakers (``[{"name", "affiliation",
    "bio_fr", "bio_en"}]``)."""
    _require_manager(actor)
    values = _clean(data, None)
    errors: dict = {}
    rows = _clean_speakers(speakers, errors)
    if errors:
        raise ValidationError(errors)
    slug = values.pop("slug", "") or _unique_slug(slugify(values["title_fr"])[:80] + values["starts_at"].astimezone(
        MONTREAL).strftime("-%Y-%m-%d"))
    if Webinar.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [_("L'identifiant « %(slug)s » est déjà pris.") % {"slug": slug}]})
    if Webinar.objects.filter(title_fr=values["title_fr"], starts_at=values["starts_at"]).exists():
        raise ValidationError({"title_fr": [_("Un webinaire de même titre commence déjà à cette heure : il a sans doute "
                                              "été créé par un premier envoi du formulaire.")]})
    organiser = access.managed_funds(actor).exclude(organisation=None).values_list("organisation", flat=True).first()
    webinar = Webinar(slug=slug, created_by=actor, organiser_id=organiser, **values)
    try:
        with transaction.atomic():
            webinar.save()
    except IntegrityError:
        raise ValidationError({"slug": [_("L'identifiant « %(slug)s » est déjà pris.") % {"slug": slug}]}) from None
    _save_speakers(webinar, rows)
    core_services.audit_append(actor=actor, action="science.webinar.create", target=webinar,
                               data={"slug": webinar.slug, "starts_at": webinar.starts_at.isoformat(),
                                     "capacity": webinar.capacity, "published": webinar.is_published})
    return webinar


@transaction.atomic
def webinar_update(*, actor, webinar: Webinar, data: dict, speakers=None) -> Webinar:
    """Change a webinar (``speakers``: the new list, or ``None`` to keep them). A larger capacity promotes
    people from the waiting list at once; a smaller one never removes anybody already confirmed."""
    _require_manager(actor)
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    if webinar.cancelled_at is not None:
        raise ValidationError({"__all__": [_("Ce webinaire est annulé : il ne peut plus être modifié.")]})
    values = _clean(data, webinar)
    errors: dict = {}
    rows = _clean_speakers(speakers, errors) if speakers is not None else None
    if errors:
        raise ValidationError(errors)
    if "slug" in values:
        if not values["slug"]:
            values.pop("slug")
        elif Webinar.objects.exclude(pk=webinar.pk).filter(slug=values["slug"]).exists():
            raise ValidationError({"slug": [_("L'identifiant « %(slug)s » est déjà pris.") % {"slug": values["slug"]}]})
    changed = sorted(f for f, v in values.items() if getattr(webinar, f) != v)
    for field, value in values.items():
        setattr(webinar, field, value)
    webinar.save()
    if rows is not None:
        _save_speakers(webinar, rows)
        changed.append("speakers")
    promoted = _promote(webinar)
    core_services.audit_append(actor=actor, action="science.webinar.update", target=webinar,
                               data={"fields": changed, "promoted": [r.pk for r in promoted]})
    return webinar


@transaction.atomic
def webinar_cancel(*, actor, webinar: Webinar, reason: str) -> Webinar:
    """Cancel a webinar (a reason is required): registration closes, every registrant (confirmed or
    waiting) is told by e-mail, its iCalendar event says ``STATUS:CANCELLED``."""
    _require_manager(actor)
    errors: dict = {}
    reason = _text(reason, "cancel_reason", errors, multiline=True)
    if not reason and not errors:
        errors["cancel_reason"] = [_("Donnez le motif de l'annulation : il est envoyé aux personnes inscrites.")]
    if errors:
        raise ValidationError(errors)
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    if webinar.cancelled_at is not None:
        raise ValidationError({"__all__": [_("Ce webinaire est déjà annulé.")]})
    if webinar.ends_at <= timezone.now():
        raise ValidationError({"__all__": [_("Ce webinaire a déjà eu lieu : il ne peut plus être annulé.")]})
    webinar.cancelled_at = timezone.now()
    webinar.cancel_reason = reason
    webinar.registration_open = False
    webinar.save(update_fields=["cancelled_at", "cancel_reason", "registration_open"])
    active = list(Registration.objects.filter(webinar=webinar, status__in=Registration.ACTIVE).select_related("user"))
    for registration in active:
        _mail(registration, "webinar_cancelled")
    core_services.audit_append(actor=actor, action="science.webinar.cancel", target=webinar,
                               data={"reason": reason, "notified": len(active)})
    return webinar


# --- Registration --------------------------------------------------------------------------------

def _promote(webinar: Webinar) -> list[Registration]:
    """Fill the free seats with the people waiting, first come first served (the caller holds the webinar's
    row lock). Nobody is promoted once the webinar has started or when it is cancelled."""
    if webinar.cancelled_at is not None or webinar.starts_at <= timezone.now():
        return []
    waiting = Registration.objects.filter(webinar=webinar, status=S.WAITING).order_by("created_at", "pk")
    if webinar.capacity:
        confirmed = Registration.objects.filter(webinar=webinar, status=S.CONFIRMED).count()
        free = webinar.capacity - confirmed
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting.select_related("user"))
    now = timezone.now()
    for registration in promoted:
        registration.status, registration.promoted_at = S.CONFIRMED, now
        registration.save(update_fields=["status", "promoted_at"])
        registration.webinar = webinar
        _mail(registration, "promoted")
    return promoted


def registration_create(*, actor, webinar: Webinar) -> Registration:
    """Register ``actor``: confirmed while a seat is left, else on the waiting list. Registering again
    returns the existing active registration (``was_existing`` set on it), never a second one."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour vous inscrire à un webinaire."))
    with transaction.atomic():
        locked = Webinar.objects.select_for_update().filter(pk=webinar.pk).first()
        if locked is None or (not locked.is_published and not access.is_science_manager(actor)):
            raise core_services.NotFound(_("Webinaire introuvable."))
        existing = registration_get(user=actor, webinar=locked)
        if existing is not None:
            existing.was_existing = True
            return existing
        reason = registration_closed_reason(locked)
        if reason:
            raise ValidationError({"__all__": [reason]})
        confirmed = Registration.objects.filter(webinar=locked, status=S.CONFIRMED).count()
        status = S.CONFIRMED if locked.capacity == 0 or confirmed < locked.capacity else S.WAITING
        try:
            with transaction.atomic():
                registration = Registration.objects.create(webinar=locked, user=actor, status=status)
        except IntegrityError:  # the same person's other request won (without the row lock: SQLite)
            existing = registration_get(user=actor, webinar=locked)
            if existing is None:
                raise
            existing.was_existing = True
            return existing
        registration.was_existing = False
        registration.webinar = locked
        _mail(registration, "confirmed" if status == S.CONFIRMED else "waiting")
    return registration


def registration_cancel(*, actor, registration: Registration) -> Registration:
    """Cancel a registration (its person, or a science manager: audited, the person told), before the
    webinar starts; the seat freed goes to the first person waiting."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour gérer vos inscriptions."))
    by_manager = registration.user_id != actor.pk
    if by_manager and not access.is_science_manager(actor):
        raise PermissionDenied(_("Seule la personne inscrite, ou l'équipe qui gère les webinaires, annule une "
                                 "inscription."))
    with transaction.atomic():
        webinar = Webinar.objects.select_for_update().get(pk=registration.webinar_id)
        registration = Registration.objects.select_related("user").get(pk=registration.pk)
        if registration.status == S.CANCELLED:
            return registration  # a double submit: already done
        if webinar.starts_at <= timezone.now():
            raise ValidationError({"__all__": [_("Ce webinaire a commencé : l'inscription ne peut plus être "
                                                 "annulée.")]})
        was = registration.status
        registration.status, registration.cancelled_at = S.CANCELLED, timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        registration.webinar = webinar
        _mail(registration, "cancelled_by_manager" if by_manager else "cancelled")
        promoted = _promote(webinar) if was == S.CONFIRMED else []
        if by_manager:
            core_services.audit_append(actor=actor, action="science.webinar.registration_cancel", target=webinar,
                                       data={"registration": registration.pk, "user": registration.user_id,
                                             "was": was, "promoted": [r.pk for r in promoted]})
    return registration


# --- Managers: registrants, attendance, recording ------------------------------------------------

def registrants(*, actor, webinar: Webinar):
    """Every registration of ``webinar`` (cancelled ones included), in order of registration."""
    _require_manager(actor)
    return Registration.objects.filter(webinar=webinar).select_related("user").order_by("created_at", "pk")


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def registrants_csv(*, actor, webinar: Webinar) -> str:
    """The registrants as CSV (UTF-8 with a byte-order mark, for spreadsheets): name, e-mail, status,
    waiting position, time of registration (Montreal), promotion, cancellation, attendance."""
    rows = list(registrants(actor=actor, webinar=webinar))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("nom"), _("courriel"), _("état"), _("position d'attente"), _("inscrite le"),
                     _("confirmée depuis la liste d'attente le"), _("annulée le"), _("présence")])
    position = 0
    for r in rows:
        if r.status == S.WAITING:
            position += 1
        writer.writerow([_csv_cell(c) for c in (
            r.user.full_name, r.user.email, r.get_status_display(), position if r.status == S.WAITING else "",
            montreal_input(r.created_at).replace("T", " "), montreal_input(r.promoted_at).replace("T", " "),
            montreal_input(r.cancelled_at).replace("T", " "),
            "" if r.attended is None else (_("présente") if r.attended else _("absente")))])
    return "\ufeff" + out.getvalue()


def attendance_counts(webinar: Webinar) -> dict:
    counts = Registration.objects.filter(webinar=webinar, status=S.CONFIRMED).aggregate(
        present=Count("pk", filter=Q(attended=True)), absent=Count("pk", filter=Q(attended=False)),
        unknown=Count("pk", filter=Q(attended=None)), total=Count("pk"))
    return counts


@transaction.atomic
def attendance_set(*, actor, webinar: Webinar, marks: dict) -> dict:
    """Record who attended: ``{registration id: True (present) | False (absent) | None (not said)}``, for
    confirmed registrations of a webinar that has started. Returns the counts."""
    _require_manager(actor)
    if webinar.starts_at > timezone.now():
        raise ValidationError({"__all__": [_("La présence se note une fois le webinaire commencé.")]})
    if webinar.cancelled_at is not None:
        raise ValidationError({"__all__": [_("Ce webinaire est annulé : aucune présence à noter.")]})
    ids = {}
    for key, value in dict(marks).items():
        try:
            ids[int(key)] = value
        except (TypeError, ValueError):
            raise ValidationError({"attendance": [_("Inscription inconnue : %(id)s.") % {"id": str(key)[:40]}]}) from None
        if value not in (True, False, None):
            raise ValidationError({"attendance": [_("Présence : présente, absente ou non indiquée.")]})
    known = set(Registration.objects.filter(webinar=webinar, status=S.CONFIRMED, pk__in=ids)
                .values_list("pk", flat=True))
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ValidationError({"attendance": [_("Inscriptions inconnues ou non confirmées : %(ids)s.")
                                              % {"ids": ", ".join(map(str, unknown[:10]))}]})
    for value in (True, False, None):
        chosen = [pk for pk, v in ids.items() if v is value]
        if chosen:
            Registration.objects.filter(pk__in=chosen).update(attended=value)
    counts = attendance_counts(webinar)
    core_services.audit_append(actor=actor, action="science.webinar.attendance", target=webinar,
                               data={"marked": len(ids), "present": counts["present"], "absent": counts["absent"]})
    return counts


def _slides_format(file) -> str:
    """``pdf``, ``pptx`` or ``odp`` from the content (never the name alone); ``ValidationError`` otherwise."""
    refused = ValidationError({"slides": [_("La présentation doit être un fichier PDF, PowerPoint (.pptx) ou "
                                            "OpenDocument (.odp) ; ce fichier n'en est pas un.")]})
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        file.seek(-min(file.size, 1024), 2)
        tail = file.read()
        file.seek(0)
        if b"%%EOF" not in tail:
            raise refused
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        raise refused
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.read("mimetype").strip() == SLIDES_FORMATS["odp"].encode() and "content.xml" in names:
                    return "odp"
                raise refused
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return "pptx"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        raise refused from None
    finally:
        file.seek(0)
    raise refused


@transaction.atomic
def recording_set(*, actor, webinar: Webinar, recording_url: str | None = None, slides_url: str | None = None,
                  slides=None, remove_slides: bool = False) -> Webinar:
    """The recording link and the slides (an uploaded PDF, PPTX or ODP — checked by content, at most
    ``slides_max_bytes()``: ``SlidesTooLarge``, HTTP 413 — or a link). ``None`` keeps a field as it is."""
    _require_manager(actor)
    errors: dict = {}
    values = {}
    if recording_url is not None:
        values["recording_url"] = _url(recording_url, "recording_url", errors)
    if slides_url is not None:
        values["slides_url"] = _url(slides_url, "slides_url", errors)
    kind = None
    if slides is not None:
        limit = slides_max_bytes()
        if slides.size is not None and slides.size > limit:
            raise SlidesTooLarge({"slides": [_("La présentation dépasse la taille maximale de %(n)s Mo.")
                                             % {"n": limit // (1024 * 1024) or 1}]})
        if not slides.size:
            errors.setdefault("slides", []).append(_("Le fichier de la présentation est vide."))
        else:
            try:
                kind = _slides_format(slides)
            except ValidationError as exc:
                errors.setdefault("slides", []).extend(exc.message_dict["slides"])
    if errors:
        raise ValidationError(errors)
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    old_name = webinar.slides.name if webinar.slides else ""
    for field, value in values.items():
        setattr(webinar, field, value)
    if kind is not None:
        webinar.slides.save(f"{webinar.slug}.{kind}", ContentFile(slides.read()), save=False)
    elif remove_slides:
        webinar.slides = ""
    webinar.save()
    if old_name and old_name != webinar.slides.name:
        storage, name = webinar.slides.storage, old_name
        transaction.on_commit(lambda: storage.delete(name))
    core_services.audit_append(actor=actor, action="science.webinar.recording", target=webinar,
                               data={"recording_url": webinar.recording_url, "slides_url": webinar.slides_url,
                                     "slides": webinar.slides.name or "", "slides_format": kind or ""})
    return webinar


# --- E-mails -------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.OUVERT_BASE_URL + path


def _page_path(webinar: Webinar) -> str:
    return reverse("science:webinar_detail", kwargs={"slug": webinar.slug})


def _ics_path(registration: Registration) -> str:
    return reverse("science:registration_ics", kwargs={"token": registration.token})


def _mail(registration: Registration, what: str) -> None:
    """Tell a registrant, in the language of their choice, by notification and e-mail."""
    user, webinar = registration.user, registration.webinar
    language = user.preferred_language if user.preferred_language in ("fr", "en") else "fr"
    with translation.override(language):
        title, when = webinar.title, webinar_when(webinar)
        page, ics = _absolute(_page_path(webinar)), _absolute(_ics_path(registration))
        values = {"title": title, "when": when, "page": page, "ics": ics, "join": webinar.join_url,
                  "reason": webinar.cancel_reason}
        join = (_("Lien de connexion : %(join)s") % values + "\n") if webinar.join_url else \
            (_("Le lien de connexion vous sera envoyé avant le webinaire.") + "\n")
        if what == "confirmed":
            subject = _("Inscription confirmée : %(title)s") % values
            body = (_("Votre inscription au webinaire « %(title)s » est confirmée.") % values + "\n\n"
                    + _("Quand : %(when)s") % values + "\n" + join
                    + _("Ajoutez-le à votre agenda (fichier iCalendar) : %(ics)s") % values + "\n\n"
                    + _("Vous ne pourrez pas y assister ? Annulez votre inscription sur la page du webinaire : la "
                        "place ira à la première personne en liste d'attente.") + "\n" + page)
        elif what == "waiting":
            values["position"] = waiting_position(registration)
            subject = _("Liste d'attente : %(title)s") % values
            body = (_("Le webinaire « %(title)s » est complet : vous êtes en liste d'attente, en position "
                      "%(position)s.") % values + "\n\n" + _("Quand : %(when)s") % values + "\n"
                    + _("Si une place se libère, elle vous sera attribuée dans l'ordre de la liste et vous en serez "
                        "avisée par courriel.") + "\n" + page)
        elif what == "promoted":
            subject = _("Une place s'est libérée : %(title)s") % values
            body = (_("Une place s'est libérée : votre inscription au webinaire « %(title)s » est maintenant "
                      "confirmée.") % values + "\n\n" + _("Quand : %(when)s") % values + "\n" + join
                    + _("Ajoutez-le à votre agenda (fichier iCalendar) : %(ics)s") % values + "\n" + page)
        elif what == "cancelled":
            subject = _("Inscription annulée : %(title)s") % values
            body = (_("Votre inscription au webinaire « %(title)s » (%(when)s) est annulée.") % values + "\n"
                    + page)
        elif what == "cancelled_by_manager":
            subject = _("Inscription annulée : %(title)s") % values
            body = (_("L'équipe qui organise le webinaire « %(title)s » (%(when)s) a annulé votre inscription.")
                    % values + "\n" + page)
        elif what == "webinar_cancelled":
            subject = _("Webinaire annulé : %(title)s") % values
            body = (_("Le webinaire « %(title)s » prévu le %(when)s est annulé.") % values + "\n\n"
                    + _("Motif : %(reason)s") % values + "\n" + page)
        elif what == "reminder":
            subject = _("Rappel : %(title)s commence bientôt") % values
            body = (_("Rappel : le webinaire « %(title)s » auquel vous êtes inscrite commence bientôt.") % values
                    + "\n\n" + _("Quand : %(when)s") % values + "\n" + join
                    + _("Ajoutez-le à votre agenda (fichier iCalendar) : %(ics)s") % values + "\n" + page)
        else:  # pragma: no cover — a programming error
            raise ValueError(what)
    core_services.notify(recipients=[user], subject=subject, body=body, url=_page_path(webinar))


def webinar_reminders_send(now=None) -> int:
    """The periodic job: remind each confirmed registrant of a webinar starting within
    ``OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS``, once. Returns how many reminders were sent."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=settings.OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS)
    due = (Registration.objects.filter(status=S.CONFIRMED, reminder_sent_at=None, webinar__is_published=True,
                                       webinar__cancelled_at=None, webinar__starts_at__gt=now,
                                       webinar__starts_at__lte=horizon)
           .values_list("pk", flat=True).order_by("pk"))
    sent = 0
    per_webinar: dict[int, int] = {}
    for pk in list(due):
        with transaction.atomic():
            # The claim: only the worker whose update changes the row sends the reminder.
            claimed = Registration.objects.filter(pk=pk, status=S.CONFIRMED, reminder_sent_at=None).update(
                reminder_sent_at=now)
            if not claimed:
                continue
            registration = Registration.objects.select_related("webinar", "user").get(pk=pk)
            _mail(registration, "reminder")
            sent += 1
            per_webinar[registration.webinar_id] = per_webinar.get(registration.webinar_id, 0) + 1
    for webinar in Webinar.objects.filter(pk__in=per_webinar):
        core_services.audit_append(actor=None, action="science.webinar.reminders", target=webinar,
                                   data={"sent": per_webinar[webinar.pk]})
    return sent


# --- iCalendar -----------------------------------------------------------------------------------

def _event(webinar: Webinar, stamp: str, registration: Registration | None = None) -> list[str]:
    url = _absolute(_page_path(webinar))
    cancelled = webinar.cancelled_at is not None
    speakers = list(webinar.speakers.all())
    parts = [markdown_to_text(webinar.description)] if webinar.description else []
    if speakers:
        parts.append(_("Personnes conférencières : %(names)s") % {"names": "; ".join(
            f"{s.name} ({s.affiliation})" if s.affiliation else s.name for s in speakers)})
    join = registration is not None and registration.status == S.CONFIRMED and webinar.join_url and not cancelled
    if join:
        parts.append(_("Lien de connexion : %(join)s") % {"join": webinar.join_url})
    summary = webinar.title
    if cancelled:
        summary = _("Annulé : %(title)s") % {"title": webinar.title}
        parts.insert(0, str(_("Ce webinaire est annulé.")) + (
            " " + _("Motif : %(reason)s") % {"reason": webinar.cancel_reason} if webinar.cancel_reason else ""))
    parts.append(url)
    lines = ["BEGIN:VEVENT", f"UID:science-webinar-{webinar.pk}@{ical.host()}", f"DTSTAMP:{stamp}",
             f"DTSTART:{ical.utc(webinar.starts_at)}", f"DTEND:{ical.utc(webinar.ends_at)}",
             f"SEQUENCE:{1 if cancelled else 0}", "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
             f"SUMMARY:{ical.escape(summary)}", f"DESCRIPTION:{ical.escape(chr(10).join(parts))}", f"URL:{url}",
             f"LOCATION:{ical.escape(webinar.join_url if join else _('En ligne'))}"]
    if webinar.created_at:
        lines.append(f"CREATED:{ical.utc(webinar.created_at)}")
    lines.append("END:VEVENT")
    return lines


def webinar_ics(webinar: Webinar, registration: Registration | None = None) -> str:
    """One webinar's iCalendar file; ``registration`` (a confirmed one) adds the join link."""
    return ical.calendar([_event(webinar, ical.utc(timezone.now()), registration)], webinar.title,
                         product="Science ouverte")


def webinars_feed_ics(now=None) -> str:
    """The feed of the published webinars, upcoming and of the last ``FEED_PAST_DAYS`` days."""
    now = now or timezone.now()
    stamp = ical.utc(now)
    webinars = (Webinar.objects.filter(is_published=True, ends_at__gte=now - datetime.timedelta(days=FEED_PAST_DAYS))
                .prefetch_related(Prefetch("speakers", queryset=Speaker.objects.order_by("position", "pk")))
                .order_by("starts_at", "pk"))
    return ical.calendar([_event(w, stamp) for w in webinars], _("Webinaires sur le libre accès"),
                         product="Science ouverte")
