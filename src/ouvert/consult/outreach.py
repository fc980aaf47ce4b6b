"""The outreach part of the consult module: what makes consultations known and keeps people informed
(see ``services``).

- ``process_search``: the public list of every consultation, digital or not, with filters and sorting;
- ``calendar_month`` / ``calendar_ics`` / ``meeting_ics``: the calendar of phases and meetings, as a page
  and as an iCalendar feed (RFC 5545);
- ``feed_atom``: new consultations and published reports as an Atom feed (RFC 4287);
- ``subscription_request`` / ``subscription_confirm`` / ``subscription_cancel`` / ``subscriptions_send``:
  e-mail subscription to new consultations (confirmed by a link, the token stored hashed);
- ``meeting_*``: meetings (in person, online, hybrid), registrations within capacity, minutes;
- ``follow`` / ``unfollow`` / ``followers_notify``: people follow a process or an item and hear about
  what happens there, in the site and by e-mail, immediately or in a daily or weekly digest
  (``notification_setting_set``, ``digests_send``);
- ``indicators``: number of consultations and its growth, share offering a digital way to take part,
  participants and satisfaction, per period (fiscal or calendar year) and per body; open data.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import secrets
import unicodedata
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import feedgenerator, timezone, translation
from django.utils.translation import gettext as _

from ouvert.core import ical
from ouvert.core import services as core_services

from . import access
from .models import (
    Amendment,
    Debate,
    Follow,
    Meeting,
    MeetingRegistration,
    NotificationSetting,
    Paragraph,
    Participation,
    Phase,
    Process,
    ProcessReport,
    Proposal,
    SatisfactionResponse,
    Statement,
    Subscription,
    TargetKind,
)

__all__ = [
    "INDICATORS_OPEN_DATA_KEY", "PROCESS_PAGE_SIZE", "calendar_ics", "calendar_month", "digests_send",
    "feed_atom", "follow", "follow_set", "follows_of", "followers_notify", "indicators", "indicators_csv",
    "indicators_open_data", "indicators_organisations", "is_following", "meeting_cancel", "meeting_create", "meeting_get", "meeting_ics",
    "meeting_list", "meeting_minutes_set", "meeting_register", "meeting_registration_of", "meeting_unregister",
    "meeting_update", "meetings_upcoming", "notification_setting_get", "notification_setting_set",
    "process_search", "process_search_facets", "process_search_queryset", "subscription_cancel",
    "subscription_confirm", "subscription_request", "subscriptions_send", "unfollow",
]

#: Processes per page of the public list (and the API's largest ``limit``).
PROCESS_PAGE_SIZE = 20
API_MAX_LIMIT = 100
INDICATORS_OPEN_DATA_KEY = "consult-indicators"
#: Targets of the action plan: +50 % consultations in 2021-2022, 75 % offering a digital way to take part.
GROWTH_TARGET = {"2021-2022": 50.0}
DIGITAL_TARGET = 75.0
SUBSCRIPTION_SALT = "consult.subscription"
DIGEST_EVERY_SECONDS = 3600
SUBSCRIPTIONS_EVERY_SECONDS = 3600
INDICATORS_EVERY_SECONDS = 86400


def register() -> None:
    """What this part plugs into the platform (menu links, periodic jobs, open data, demo)."""
    from django.utils.translation import gettext_lazy

    from ouvert.core import registry

    from . import outreach_demo

    registry.register_menu_link(gettext_lazy("Consultations"), "consult:list", order=50)
    registry.register_periodic("consult.digests_send", digests_send, every_seconds=DIGEST_EVERY_SECONDS)
    registry.register_periodic("consult.subscriptions_send", subscriptions_send,
                               every_seconds=SUBSCRIPTIONS_EVERY_SECONDS)
    registry.register_periodic("consult.indicators_refresh", indicators_refresh,
                               every_seconds=INDICATORS_EVERY_SECONDS)
    registry.register_open_data_publisher(INDICATORS_OPEN_DATA_KEY, indicators_open_data)
    registry.register_demo_loader("consult_outreach", outreach_demo.load, order=210)


def _url(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs or None)


def _absolute(path: str) -> str:
    return f"{settings.OUVERT_BASE_URL}{path}"


def _fold(text: str) -> str:
    """Lower case without accents (for comparisons in Python)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)).lower()


# --- The public list -------------------------------------------------------------------------------

STATUSES = ("upcoming", "open", "closed")
SORTS = ("recent", "starts", "ending", "title")


def _listed(now=None):
    """Published public processes: what the list, the calendar and the feeds show."""
    return Process.objects.filter(visibility=Process.Visibility.PUBLIC, published_at__isnull=False,
                                  published_at__lte=now or timezone.now())


def _choice(value, allowed, field: str, message: str):
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if value in (None, ""):
        return ""
    if value not in allowed:
        raise ValidationError({field: [message]})
    return value


def _filter_processes(qs, *, organisation=None, theme=None, territory=None, status=None, mode=None, q=None):
    today = timezone.localdate()
    status = _choice(status, STATUSES, "status", _("« status » doit être upcoming, open ou closed."))
    mode = _choice(mode, Process.Mode.values, "mode", _("« mode » doit être digital, in_person ou hybrid."))
    organisation = (organisation or "").strip() if isinstance(organisation, str) else organisation
    if organisation:
        qs = qs.filter(organisation=organisation) if not isinstance(organisation, str) \
            else qs.filter(organisation__slug=organisation)
    for field, value in (("theme", theme), ("territory", territory)):
        value = (value or "").strip()
        if len(value) > 100:
            raise ValidationError({field: [_("Valeur trop longue (100 caractères au plus).")]})
        if value:
            qs = qs.filter(**{f"{field}__iexact": value})
    if status == "upcoming":
        qs = qs.filter(starts_on__gt=today)
    elif status == "closed":
        qs = qs.filter(ends_on__lt=today)
    elif status == "open":
        qs = qs.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    if mode:
        qs = qs.filter(mode=mode)
    q = (q or "").strip()
    if len(q) > 200:
        raise ValidationError({"q": [_("La recherche est trop longue (200 caractères au plus).")]})
    for word in q.split()[:8]:
        qs = qs.filter(Q(title_fr__icontains=word) | Q(title_en__icontains=word) | Q(summary_fr__icontains=word)
                       | Q(summary_en__icontains=word))
    return qs


def process_search_queryset(*, user=None, organisation=None, theme=None, territory=None, status=None, mode=None,
                            q=None, sort=None):
    """The listed processes matching the filters, with their body, the number of participants and of
    meetings ahead annotated (one query); ``ValidationError`` for a bad filter value."""
    sort = _choice(sort, SORTS, "sort", _("« sort » doit être recent, starts, ending ou title.")) or "recent"
    qs = _filter_processes(_listed(), organisation=organisation, theme=theme, territory=territory, status=status,
                           mode=mode, q=q)
    participants = Participation.objects.filter(process=OuterRef("pk")).order_by().values("process").annotate(
        n=Count("pk")).values("n")
    meetings = Meeting.objects.filter(process=OuterRef("pk"), starts_at__gte=timezone.now(),
                                      cancelled_at__isnull=True).order_by().values(
        "process").annotate(n=Count("pk")).values("n")
    qs = qs.select_related("organisation").annotate(
        participants_count=Coalesce(Subquery(participants, output_field=IntegerField()), Value(0)),
        meetings_ahead=Coalesce(Subquery(meetings, output_field=IntegerField()), Value(0)))
    order = {"recent": ["-published_at", "-pk"], "starts": [F("starts_on").desc(nulls_last=True), "-pk"],
             "ending": [F("ends_on").asc(nulls_last=True), "pk"], "title": ["title_fr", "pk"]}[sort]
    return qs.order_by(*order)


def process_search(*, user=None, organisation=None, theme=None, territory=None, status=None, mode=None, q=None,
                   sort=None, page=1):
    """One page of the public list: ``{"results", "count", "page", "num_pages", "has_next", "has_previous"}``;
    each process has ``status`` (upcoming/open/closed), ``participants_count`` and ``meetings_ahead``."""
    page = core_services.page_number(page)
    qs = process_search_queryset(user=user, organisation=organisation, theme=theme, territory=territory,
                                 status=status, mode=mode, q=q, sort=sort)
    paginator = Paginator(qs, PROCESS_PAGE_SIZE)
    if page > max(paginator.num_pages, 1):
        raise ValidationError({"page": [_("Cette page de résultats n'existe pas.")]})
    current = paginator.page(page)
    results = list(current.object_list)
    today = timezone.localdate()
    for process in results:
        process.status = access.process_status(process, on=today)
    return {"results": results, "count": paginator.count, "page": page, "num_pages": paginator.num_pages,
            "has_next": current.has_next(), "has_previous": current.has_previous()}


def process_search_facets() -> dict:
    """The values the list's filters offer: bodies, themes and territories of listed processes."""
    from ouvert.core.models import Organisation

    listed = _listed()
    return {
        "organisations": list(Organisation.objects.filter(pk__in=listed.values("organisation")).order_by("name_fr")),
        "themes": sorted({t for t in listed.exclude(theme="").values_list("theme", flat=True)}, key=_fold),
        "territories": sorted({t for t in listed.exclude(territory="").values_list("territory", flat=True)},
                              key=_fold),
    }


# --- Calendar --------------------------------------------------------------------------------------

def _month_bounds(year, month) -> tuple[datetime.date, datetime.date]:
    try:
        year, month = int(year), int(month)
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationError({"mois": [_("Mois invalide : indiquez une année et un mois (ex. 2026-05).")]}) from None
    if not 1900 <= year <= 2200:
        raise ValidationError({"mois": [_("Mois invalide : indiquez une année et un mois (ex. 2026-05).")]})
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def calendar_month(*, year, month, user=None, **filters) -> dict:
    """The events of one month: each phase's start and end and each meeting of a listed process, grouped
    by day: ``{"first", "last", "previous", "next", "days": [{"date", "events": [...]}]}``; each event
    ``{"kind": "phase_start"|"phase_end"|"meeting", "date", "time", "title", "process", "url", "label"}``."""
    first, last = _month_bounds(year, month)
    processes = _filter_processes(_listed(), **filters)
    events = []
    phases = Phase.objects.filter(process__in=processes).filter(
        Q(starts_on__range=(first, last)) | Q(ends_on__range=(first, last))).select_related("process")
    for phase in phases:
        process = phase.process
        url = _url("consult:process", slug=process.slug)
        name = phase.title or phase.get_kind_display()
        if first <= phase.starts_on <= last:
            events.append({"kind": "phase_start", "date": phase.starts_on, "time": None, "title": process.title,
                           "label": _("Début de l'étape « %(name)s »") % {"name": name}, "process": process,
                           "url": url})
        if first <= phase.ends_on <= last:
            events.append({"kind": "phase_end", "date": phase.ends_on, "time": None, "title": process.title,
                           "label": _("Fin de l'étape « %(name)s »") % {"name": name}, "process": process,
                           "url": url})
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    for meeting in Meeting.objects.filter(process__in=processes, starts_at__gte=start, starts_at__lt=end
                                          ).select_related("process"):
        local = timezone.localtime(meeting.starts_at)
        events.append({"kind": "meeting", "date": local.date(), "time": local, "title": meeting.title,
                       "label": meeting.get_mode_display(), "process": meeting.process, "meeting": meeting,
                       "cancelled": meeting.cancelled_at is not None, "cancel_reason": meeting.cancel_reason,
                       "url": _url("consult:meeting", slug=meeting.process.slug, pk=meeting.pk)})
    by_day = defaultdict(list)
    for event in events:
        by_day[event["date"]].append(event)
    order = {"phase_start": 1, "meeting": 2, "phase_end": 3}
    days = [{"date": day, "events": sorted(by_day[day], key=lambda e: (order[e["kind"]], e["time"] or start,
                                                                       _fold(e["title"])))}
            for day in sorted(by_day)]
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    return {"first": first, "last": last, "previous": previous, "next": following, "days": days,
            "count": len(events)}


def _ics_meeting(meeting: Meeting, stamp: str) -> list[str]:
    url = _absolute(_url("consult:meeting", slug=meeting.process.slug, pk=meeting.pk))
    # The online link is given to registrants only: the public feed says « en ligne » instead.
    location = ", ".join(part for part in (meeting.place, meeting.address) if part) or str(_("En ligne"))
    summary, description = meeting.title, (meeting.description + "\n\n" if meeting.description else "") + url
    if meeting.cancelled_at is not None:
        # RFC 5545, 3.8.1.11: the event stays in the feed with STATUS:CANCELLED (and a higher SEQUENCE, 3.8.7.4)
        # so that calendars which imported it mark it cancelled instead of keeping a stale event.
        summary = _("Annulée : %(title)s") % {"title": meeting.title}
        reason = (_("Motif : %(reason)s") % {"reason": meeting.cancel_reason} + "\n\n") if meeting.cancel_reason else ""
        description = str(_("Cette rencontre est annulée.")) + "\n\n" + reason + description
    lines = ["BEGIN:VEVENT", f"UID:consult-meeting-{meeting.pk}@{ical.host()}", f"DTSTAMP:{stamp}",
             f"DTSTART:{ical.utc(meeting.starts_at)}", f"DTEND:{ical.utc(meeting.ends_at)}",
             f"SEQUENCE:{1 if meeting.cancelled_at is not None else 0}",
             "STATUS:CANCELLED" if meeting.cancelled_at is not None else "STATUS:CONFIRMED",
             f"SUMMARY:{ical.escape(summary)}", f"DESCRIPTION:{ical.escape(description)}", f"URL:{url}"]
    if location:
        lines.append(f"LOCATION:{ical.escape(location)}")
    if meeting.latitude is not None and meeting.longitude is not None:
        lines.append(f"GEO:{meeting.latitude:.6f};{meeting.longitude:.6f}")
    lines.append("END:VEVENT")
    return lines


def _ics_phase(phase: Phase, stamp: str) -> list[str]:
    process = phase.process
    url = _absolute(_url("consult:process", slug=process.slug))
    name = phase.title or phase.get_kind_display()
    return ["BEGIN:VEVENT", f"UID:consult-phase-{phase.pk}@{ical.host()}", f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{phase.starts_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{phase.ends_on + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ical.escape(f'{process.title} — {name}')}",
            f"DESCRIPTION:{ical.escape((process.summary + chr(10) + chr(10) if process.summary else '') + url)}",
            f"URL:{url}", "TRANSP:TRANSPARENT", "END:VEVENT"]


def calendar_ics(*, user=None, **filters) -> str:
    """The iCalendar feed (RFC 5545) of the phases and meetings of the listed processes matching the
    filters, from a year ago on."""
    processes = _filter_processes(_listed(), **filters)
    since = timezone.localdate() - datetime.timedelta(days=365)
    stamp = ical.utc(timezone.now())
    events = [_ics_phase(phase, stamp) for phase in Phase.objects.filter(
        process__in=processes, ends_on__gte=since).select_related("process").order_by("starts_on", "pk")]
    events += [_ics_meeting(meeting, stamp) for meeting in Meeting.objects.filter(
        process__in=processes, ends_at__date__gte=since).select_related("process").order_by("starts_at", "pk")]
    return ical.calendar(events, _("Consultations publiques"), product="Consultations")


def meeting_ics(meeting: Meeting) -> str:
    return ical.calendar([_ics_meeting(meeting, ical.utc(timezone.now()))], meeting.title, product="Consultations")


# --- Atom feed -------------------------------------------------------------------------------------

def feed_atom(*, limit: int = 50) -> bytes:
    """New consultations and published reports of listed processes, newest first (RFC 4287)."""
    feed = feedgenerator.Atom1Feed(
        title=_("Consultations publiques — nouvelles consultations et rapports"),
        link=_absolute(reverse("consult:list")),
        description=_("Les consultations publiées et les rapports « ce que nous avons entendu »."),
        language=translation.get_language() or "fr", feed_url=_absolute(reverse("consult:feed")),
        feed_guid=_absolute(reverse("consult:feed")))
    items = []
    for process in _listed().select_related("organisation").order_by("-published_at")[:limit]:
        items.append((process.published_at, {
            "title": process.title, "link": _absolute(_url("consult:process", slug=process.slug)),
            "description": process.summary or process.title, "author_name": process.organisation.label,
            "unique_id": f"tag:{ical.host()},2021:consult/process/{process.pk}",
            "categories": [c for c in (process.theme, process.territory) if c]}))
    for report in ProcessReport.objects.filter(published_at__isnull=False, process__in=_listed()).select_related(
            "process__organisation").order_by("-published_at")[:limit]:
        process = report.process
        items.append((report.published_at, {
            "title": _("Rapport : %(title)s") % {"title": process.title},
            "link": _absolute(_url("consult:report", slug=process.slug)),
            "description": _("Ce que nous avons entendu : le rapport de la consultation « %(title)s ».")
            % {"title": process.title},
            "author_name": process.organisation.label,
            "unique_id": f"tag:{ical.host()},2021:consult/report/{report.pk}", "categories": []}))
    items.sort(key=lambda item: item[0], reverse=True)
    for when, item in items[:limit]:
        feed.add_item(pubdate=when, updateddate=when, **item)
    return feed.writeString("utf-8").encode("utf-8")


# --- E-mail subscription ---------------------------------------------------------------------------

SUBSCRIPTION_FILTERS = ("organisation", "theme", "territory")


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _subscription_filters(filters: dict | None) -> dict:
    from ouvert.core.models import Organisation

    clean = {}
    for key in SUBSCRIPTION_FILTERS:
        value = str((filters or {}).get(key) or "").strip()
        if len(value) > 100:
            raise ValidationError({key: [_("Valeur trop longue (100 caractères au plus).")]})
        if value:
            clean[key] = value
    if clean.get("organisation") and not Organisation.objects.filter(slug=clean["organisation"]).exists():
        raise ValidationError({"organisation": [_("Organisme inconnu.")]})
    return clean


def _subscription_links(subscription: Subscription) -> str:
    signed = signing.dumps(subscription.pk, salt=SUBSCRIPTION_SALT + ".cancel")
    return _absolute(reverse("consult:unsubscribe", kwargs={"token": signed}))


def subscription_request(*, email: str, filters: dict | None = None, language: str = "fr", user=None,
                         client: str = "") -> Subscription:
    """Ask for e-mail about new consultations (matching ``filters``): a confirmation link is sent to
    ``email``; nothing is sent to the address before it is followed. Asking again sends a new link (the
    filters change only when it is followed). Limited to 3 requests per address and 20 per client an hour."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Entrez une adresse courriel valide.")]}) from None
    clean = _subscription_filters(filters)
    language = (language or "fr")[:2]
    language = language if language in ("fr", "en") else "fr"
    core_services.rate_limit_hit(key=f"consult:subscribe:{_token_hash(email)}", limit=3, per_seconds=3600)
    if client:
        core_services.rate_limit_hit(key=f"consult:subscribe-client:{client}", limit=20, per_seconds=3600)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(email=email).first()
        if subscription is None:
            subscription = Subscription.objects.create(email=email, filters=clean, language=language,
                                                       token_hash=_token_hash(raw),
                                                       user=user if user is not None and user.is_authenticated
                                                       else None)
        else:
            Subscription.objects.filter(pk=subscription.pk).update(token_hash=_token_hash(raw))
    pending = signing.dumps({"s": subscription.pk, "f": clean, "l": language}, salt=SUBSCRIPTION_SALT)
    with translation.override(language):
        link = _absolute(reverse("consult:subscribe_confirm", kwargs={"token": raw})) + f"?f={pending}"
        body = _("Bonjour,\n\nQuelqu'un (sans doute vous) a demandé à recevoir par courriel les nouvelles "
                 "consultations publiques%(filters)s.\n\nPour confirmer, suivez ce lien :\n%(link)s\n\n"
                 "Si vous n'avez rien demandé, ignorez ce message : aucun autre courriel ne vous sera envoyé.\n\n"
                 "Pour ne plus rien recevoir : %(cancel)s\n") % {
            "filters": _subscription_describe(clean), "link": link, "cancel": _subscription_links(subscription)}
        send_mail(_("Confirmez votre abonnement aux nouvelles consultations"), body, None, [email])
    return subscription


def _subscription_describe(filters: dict) -> str:
    labels = {"organisation": _("organisme"), "theme": _("thème"), "territory": _("territoire")}
    parts = [f"{labels[k]} : {v}" for k, v in filters.items() if k in labels]
    return f" ({', '.join(parts)})" if parts else ""


def subscription_confirm(*, token: str, pending: str = "") -> Subscription:
    """Follow the confirmation link: the subscription is confirmed (with the filters asked) and the link
    cannot be used again. ``NotFound`` for an unknown or used link."""
    subscription = Subscription.objects.filter(token_hash=_token_hash(token or "")).first()
    if subscription is None:
        raise core_services.NotFound(_("Ce lien de confirmation n'est pas valide ou a déjà servi."))
    data = None
    if pending:
        try:
            data = signing.loads(pending, salt=SUBSCRIPTION_SALT, max_age=7 * 86400)
        except signing.BadSignature:
            data = None
    if data is not None and data.get("s") != subscription.pk:
        data = None
    now = timezone.now()
    updates = {"token_hash": _token_hash(secrets.token_urlsafe(32))}
    if data is not None:
        updates["filters"] = _subscription_filters(data.get("f"))
        updates["language"] = data.get("l") if data.get("l") in ("fr", "en") else subscription.language
    if subscription.confirmed_at is None:
        updates["confirmed_at"] = now
        updates["last_sent_at"] = now
    Subscription.objects.filter(pk=subscription.pk).update(**updates)
    subscription.refresh_from_db()
    return subscription


def subscription_cancel(*, token: str) -> bool:
    """Follow the link of any e-mail sent: the subscription is deleted. ``NotFound`` for a bad link."""
    try:
        pk = signing.loads(token or "", salt=SUBSCRIPTION_SALT + ".cancel")
    except signing.BadSignature:
        raise core_services.NotFound(_("Ce lien de désabonnement n'est pas valide.")) from None
    return Subscription.objects.filter(pk=pk).delete()[0] > 0


def subscriptions_send(*, now=None) -> int:
    """Send each confirmed subscriber, once, the listed consultations published since their last e-mail
    that match their filters (periodic job). Returns how many e-mails were sent."""
    now = now or timezone.now()
    sent = 0
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False).order_by("pk"):
        since = subscription.last_sent_at or subscription.confirmed_at
        filters = subscription.filters or {}
        processes = list(_filter_processes(_listed(now).filter(published_at__gt=since),
                                           organisation=filters.get("organisation"), theme=filters.get("theme"),
                                           territory=filters.get("territory")).select_related("organisation")
                         .order_by("published_at", "pk"))
        # Claim the period first (a conditional update): two workers never send the same news twice.
        claimed = Subscription.objects.filter(pk=subscription.pk, last_sent_at=subscription.last_sent_at).update(
            last_sent_at=now)
        if not claimed or not processes:
            continue
        with translation.override(subscription.language):
            lines = [f"- {p.title} ({p.organisation.label})\n  {_absolute(_url('consult:process', slug=p.slug))}"
                     for p in processes]
            body = (_("Nouvelles consultations publiques :") + "\n\n" + "\n".join(lines) + "\n\n"
                    + _("Pour ne plus recevoir ces courriels : %(link)s") % {"link": _subscription_links(subscription)}
                    + "\n")
            subject = _("%(n)s nouvelle(s) consultation(s) publique(s)") % {"n": len(processes)}
            send_mail(subject, body, None, [subscription.email])
        sent += 1
    return sent


# --- Follows ---------------------------------------------------------------------------------------

def follow(*, user, process: Process, target_kind: str = TargetKind.PROCESS, target_id: int | None = None) -> Follow:
    """``user`` follows ``process`` (or one of its items); following twice is a no-op."""
    target_id = process.pk if target_kind == TargetKind.PROCESS else target_id
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, process=process, target_kind=target_kind, target_id=target_id)
    except IntegrityError:
        return Follow.objects.get(user=user, target_kind=target_kind, target_id=target_id)


def unfollow(*, user, target_kind: str, target_id: int) -> bool:
    return Follow.objects.filter(user=user, target_kind=target_kind, target_id=target_id).delete()[0] > 0


def is_following(*, user, target_kind: str, target_id: int) -> bool:
    return bool(user and user.is_authenticated
                and Follow.objects.filter(user=user, target_kind=target_kind, target_id=target_id).exists())


def followers_notify(*, process: Process, target_kind: str, target_id: int, subject: str, body: str = "",
                     url: str = "", exclude=None, also=()) -> None:
    """Tell the followers of the item (``target_kind``, ``target_id``) and of its process, plus ``also``
    (people or their ids: e.g. the author of what was answered), about a change, once each and never
    ``exclude`` (who made the change). The telling is a background task (``ouvert worker``; at once in tests), queued in the
    transaction of the change: the request does not wait for an item's thousand followers, and nothing
    is told when the change is rolled back. See ``followers_notify_now``."""
    from . import tasks

    tasks.followers_notify.enqueue(
        process_id=process.pk, target_kind=str(target_kind), target_id=int(target_id), subject=str(subject),
        body=str(body), url=str(url), exclude_id=exclude.pk if exclude is not None else None,
        also_ids=[getattr(user, "pk", user) for user in also if user is not None])


def followers_notify_now(*, process_id: int, target_kind: str, target_id: int, subject: str, body: str = "",
                         url: str = "", exclude_id: int | None = None, also_ids=()) -> int:
    """``followers_notify``'s work: in-app always; by e-mail now for people who chose « immédiatement », in
    their digest for the others. Returns how many people were told."""
    follower_ids = set(Follow.objects.filter(
        Q(target_kind=target_kind, target_id=target_id) | Q(target_kind=TargetKind.PROCESS, target_id=process_id)
    ).values_list("user_id", flat=True))
    wanted = (follower_ids | set(also_ids)) - {exclude_id}
    if not wanted:
        return 0
    recipients = {u.pk: u for u in get_user_model().objects.filter(pk__in=wanted, is_active=True)}
    if not recipients:
        return 0
    digest = set(NotificationSetting.objects.filter(user_id__in=list(recipients)).exclude(
        frequency=NotificationSetting.Frequency.IMMEDIATE).values_list("user_id", flat=True))
    immediate = [u for pk, u in recipients.items() if pk not in digest]
    later = [u for pk, u in recipients.items() if pk in digest]
    core_services.notify(recipients=immediate, subject=subject, body=body, url=url, email=True)
    core_services.notify(recipients=later, subject=subject, body=body, url=url, email=False)
    return len(recipients)


#: The items a person may follow, by kind: the model and its link to the process.
FOLLOWABLE = {
    TargetKind.PROPOSAL: (Proposal, "process_id"),
    TargetKind.DEBATE: (Debate, "process_id"),
    TargetKind.MEETING: (Meeting, "process_id"),
    TargetKind.AMENDMENT: (Amendment, "proposal__process_id"),
    TargetKind.PARAGRAPH: (Paragraph, "draft__process_id"),
    TargetKind.STATEMENT: (Statement, "conversation__process_id"),
}


def follow_set(*, user, process: Process, target_kind: str = TargetKind.PROCESS, target_id=None,
               on: bool = True) -> bool:
    """Follow (``on``) or stop following the process or one of its items; checks that the person is
    signed in, sees the process, and that the item belongs to it. Returns whether the person follows."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour suivre une consultation."))
    if not access.can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
    if target_kind not in TargetKind.values or target_kind == TargetKind.COMMENT:
        raise ValidationError({"target_kind": [_("On ne peut pas suivre ce type d'élément.")]})
    if target_kind == TargetKind.PROCESS:
        target_id = process.pk
    else:
        try:
            target_id = int(target_id)
        except (TypeError, ValueError):
            raise ValidationError({"target_id": [_("Numéro d'élément invalide.")]}) from None
        model, link = FOLLOWABLE[target_kind]
        if not model.objects.filter(pk=target_id, **{link: process.pk}).exists():
            raise core_services.NotFound(_("Élément introuvable dans cette consultation."))
    if on:
        follow(user=user, process=process, target_kind=target_kind, target_id=target_id)
        return True
    unfollow(user=user, target_kind=target_kind, target_id=target_id)
    return False


def follows_of(*, user) -> list[Follow]:
    """What ``user`` follows, with the process (for the preferences page)."""
    if user is None or not user.is_authenticated:
        return []
    return list(Follow.objects.filter(user=user).select_related("process").order_by("-created_at", "-pk"))


# --- Notification preferences and digests ----------------------------------------------------------

DIGEST_PERIODS = {NotificationSetting.Frequency.DAILY: datetime.timedelta(days=1),
                  NotificationSetting.Frequency.WEEKLY: datetime.timedelta(days=7)}
#: A digest is due a little before its full period, so that an hourly job does not drift later each time.
DIGEST_SLACK = datetime.timedelta(minutes=30)


def notification_setting_get(*, user) -> NotificationSetting:
    setting = NotificationSetting.objects.filter(user=user).first()
    return setting or NotificationSetting(user=user)


def notification_setting_set(*, user, frequency: str) -> NotificationSetting:
    """How often ``user`` wants e-mail about what they follow (immediately, daily or weekly digest, never)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour choisir vos préférences."))
    if frequency not in NotificationSetting.Frequency.values:
        raise ValidationError({"frequency": [_("Choisissez une fréquence parmi celles proposées.")]})
    setting, created = NotificationSetting.objects.get_or_create(
        user=user, defaults={"frequency": frequency, "last_digest_at": timezone.now()})
    if not created and setting.frequency != frequency:
        setting.frequency = frequency
        if frequency in DIGEST_PERIODS and setting.last_digest_at is None:
            setting.last_digest_at = timezone.now()
        setting.save(update_fields=["frequency", "last_digest_at"])
    return setting


def digests_send(*, now=None) -> int:
    """For each person on a daily or weekly digest whose period has elapsed, one e-mail listing their
    notifications not yet sent by e-mail, which are then marked sent; nothing when there is nothing
    (periodic job). Returns how many e-mails were sent."""
    now = now or timezone.now()
    sent = 0
    settings_ = NotificationSetting.objects.filter(frequency__in=list(DIGEST_PERIODS)).select_related("user")
    for setting in settings_.order_by("pk"):
        period = DIGEST_PERIODS[setting.frequency]
        last = setting.last_digest_at
        if last is not None and now - last < period - DIGEST_SLACK:
            continue
        # Claim this period (conditional update): two workers never send the same digest.
        if not NotificationSetting.objects.filter(pk=setting.pk, last_digest_at=last).update(last_digest_at=now):
            continue
        user = setting.user
        if not user.is_active or not user.email:
            continue
        since = last if last is not None else now - period
        notes = list(core_services.notification_unsent(user=user, since=since).filter(created_at__lte=now))
        if not notes:
            continue
        language = (getattr(user, "preferred_language", "") or "fr")[:2]
        with translation.override(language if language in ("fr", "en") else "fr"):
            daily = setting.frequency == NotificationSetting.Frequency.DAILY
            subject = (_("Votre résumé quotidien : %(n)s nouvelle(s)") if daily
                       else _("Votre résumé hebdomadaire : %(n)s nouvelle(s)")) % {"n": len(notes)}
            lines = []
            for note in notes:
                lines.append(f"- {note.subject}")
                if note.body:
                    lines.append("  " + note.body.strip().replace("\n", "\n  "))
                if note.url:
                    lines.append(f"  {_absolute(note.url)}")
            body = ("\n".join(lines) + "\n\n"
                    + _("Pour changer la fréquence de ces courriels : %(link)s")
                    % {"link": _absolute(reverse("consult:preferences"))} + "\n")
            send_mail(subject, body, None, [user.email])
        core_services.notification_mark_emailed(ids=[note.pk for note in notes])
        sent += 1
    return sent


# --- Meetings --------------------------------------------------------------------------------------

MEETING_FIELDS = ("title_fr", "title_en", "description_fr", "description_en", "mode", "starts_at", "ends_at",
                  "place", "address", "latitude", "longitude", "online_url", "capacity", "registration_open")


def _manage_check(user, process: Process) -> None:
    if not access.can_manage(user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation peuvent gérer ses rencontres."))


def _cancelled_error() -> ValidationError:
    return ValidationError({"meeting": [_("Cette rencontre est annulée : elle ne peut plus être modifiée.")]})


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled_at is not None:
        raise _cancelled_error()


def _datetime(value, field: str, errors: dict):
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        from django.utils.dateparse import parse_datetime

        text = str(value or "").strip()
        try:
            parsed = parse_datetime(text) if text else None
        except ValueError:
            parsed = None
        if parsed is None:
            errors[field] = [_("Date et heure invalides (format AAAA-MM-JJ HH:MM).")]
            return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _meeting_clean(data: dict, instance: Meeting | None = None) -> dict:
    errors: dict = {}
    values = {}

    def get(key, default=""):
        return data.get(key, default if instance is None else getattr(instance, key))

    for key, limit in (("title_fr", 300), ("title_en", 300), ("description_fr", 10000), ("description_en", 10000),
                       ("place", 300), ("address", 500)):
        text = str(get(key) or "").strip()
        if len(text) > limit:
            errors[key] = [_("%(n)s caractères au plus.") % {"n": limit}]
        values[key] = text
    if not values["title_fr"]:
        errors["title_fr"] = [_("Donnez un titre à la rencontre.")]
    mode = str(get("mode", Meeting.Mode.IN_PERSON) or "")
    if mode not in Meeting.Mode.values:
        errors["mode"] = [_("Choisissez en personne, en ligne ou hybride.")]
    values["mode"] = mode
    values["starts_at"] = _datetime(get("starts_at"), "starts_at", errors)
    values["ends_at"] = _datetime(get("ends_at"), "ends_at", errors)
    if values["starts_at"] and values["ends_at"] and values["ends_at"] < values["starts_at"]:
        errors["ends_at"] = [_("La fin doit suivre le début.")]
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        raw = get(key)
        if raw in (None, ""):
            values[key] = None
            continue
        try:
            number = float(str(raw).replace(",", "."))
        except ValueError:
            number = None
        if number is None or not low <= number <= high or number != number:
            errors[key] = [_("Nombre entre %(low)s et %(high)s.") % {"low": low, "high": high}]
        values[key] = number
    if (values.get("latitude") is None) != (values.get("longitude") is None) and not (
            "latitude" in errors or "longitude" in errors):
        errors["longitude"] = [_("Donnez la latitude et la longitude, ou aucune des deux.")]
    url = str(get("online_url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            errors["online_url"] = [_("Adresse Web invalide (https://…).")]
    values["online_url"] = url
    if mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID) and not url and "online_url" not in errors:
        errors["online_url"] = [_("Une rencontre en ligne ou hybride a besoin de son lien.")]
    if mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID) and not values["place"] and not values["address"]:
        errors["place"] = [_("Une rencontre en personne ou hybride a besoin d'un lieu ou d'une adresse.")]
    try:
        capacity = int(str(get("capacity", 0) or 0).strip())
        if capacity < 0:
            raise ValueError
    except ValueError:
        errors["capacity"] = [_("Nombre entier positif (0 : sans limite).")]
        capacity = 0
    values["capacity"] = capacity
    raw_open = get("registration_open", True)
    values["registration_open"] = raw_open if isinstance(raw_open, bool) else str(raw_open).lower() in (
        "1", "true", "on", "yes", "oui")
    if errors:
        raise ValidationError(errors)
    return values


def meeting_create(*, actor, process: Process, data: dict) -> Meeting:
    """A new meeting of ``process`` (its organisers only); followers of the process are told."""
    _manage_check(actor, process)
    values = _meeting_clean(data)
    with transaction.atomic():
        meeting = Meeting.objects.create(process=process, **values)
        core_services.audit_append(actor=actor, action="consult.outreach.meeting_create", target=meeting,
                                   data={"process": process.slug, "title": meeting.title_fr,
                                         "starts_at": meeting.starts_at.isoformat()})
        url = _url("consult:meeting", slug=process.slug, pk=meeting.pk)
        followers_notify(process=process, target_kind=TargetKind.MEETING, target_id=meeting.pk,
                         subject=_("Nouvelle rencontre : %(title)s") % {"title": meeting.title_fr},
                         body=_("Le %(date)s — %(place)s") % {"date": _when(meeting), "place": _where(meeting)},
                         url=url, exclude=actor)
    return meeting


def _when(meeting: Meeting) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")


def _where(meeting: Meeting) -> str:
    if meeting.mode == Meeting.Mode.ONLINE:
        return str(_("en ligne"))
    return ", ".join(p for p in (meeting.place, meeting.address) if p)


def _registrant_users(meeting: Meeting):
    return [r.user for r in meeting.registrations.select_related("user") if r.user.is_active]


def meeting_update(*, actor, meeting: Meeting, data: dict) -> Meeting:
    """Change a meeting; when its time, place or link changes, registrants and followers are told."""
    process = meeting.process
    _manage_check(actor, process)
    _not_cancelled(meeting)
    values = _meeting_clean(data, instance=meeting)
    if values["capacity"] and values["capacity"] < meeting.registrations_count:
        raise ValidationError({"capacity": [_("%(n)s personnes sont déjà inscrites : la capacité ne peut pas être "
                                              "plus petite.") % {"n": meeting.registrations_count}]})
    moved = any(values[k] != getattr(meeting, k) for k in ("starts_at", "ends_at", "place", "address", "online_url",
                                                            "mode"))
    with transaction.atomic():
        if Meeting.objects.select_for_update().filter(pk=meeting.pk, cancelled_at__isnull=False).exists():
            raise _cancelled_error()  # cancelled meanwhile
        for key, value in values.items():
            setattr(meeting, key, value)
        meeting.save(update_fields=list(values))
        core_services.audit_append(actor=actor, action="consult.outreach.meeting_update", target=meeting,
                                   data={"process": process.slug, "fields": sorted(values)})
        if moved:
            followers_notify(process=process, target_kind=TargetKind.MEETING, target_id=meeting.pk,
                             subject=_("Rencontre modifiée : %(title)s") % {"title": meeting.title_fr},
                             body=_("Nouvelles informations : le %(date)s — %(place)s")
                             % {"date": _when(meeting), "place": _where(meeting)},
                             url=_url("consult:meeting", slug=process.slug, pk=meeting.pk),
                             exclude=actor, also=_registrant_users(meeting))
    return meeting


def meeting_cancel(*, actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a meeting: it keeps its row (``cancelled_at``, ``cancel_reason``) and stays listed, marked
    cancelled; registration closes; registrants and followers are told; the audit log keeps it.
    Idempotent: cancelling a cancelled meeting changes nothing and tells no one again."""
    process = meeting.process
    _manage_check(actor, process)
    reason = (reason or "").strip()[:1000]
    with transaction.atomic():
        # The row lock makes two simultaneous cancellations one: the second sees ``cancelled_at`` set.
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.cancelled_at is not None:
            meeting.cancelled_at, meeting.cancel_reason = locked.cancelled_at, locked.cancel_reason
            meeting.registration_open = locked.registration_open
            return meeting
        meeting.cancelled_at, meeting.cancel_reason, meeting.registration_open = timezone.now(), reason, False
        meeting.save(update_fields=["cancelled_at", "cancel_reason", "registration_open"])
        url = _url("consult:meeting", slug=process.slug, pk=meeting.pk)
        followers_notify(process=process, target_kind=TargetKind.MEETING, target_id=meeting.pk,
                         subject=_("Rencontre annulée : %(title)s") % {"title": meeting.title_fr},
                         body=(_("La rencontre du %(date)s est annulée.") % {"date": _when(meeting)})
                         + (f"\n{reason}" if reason else ""),
                         url=url, exclude=actor, also=_registrant_users(meeting))
        core_services.audit_append(actor=actor, action="consult.outreach.meeting_cancel", target=meeting,
                                   data={"process": process.slug, "title": meeting.title_fr,
                                         "starts_at": meeting.starts_at.isoformat(), "reason": reason,
                                         "registrations": meeting.registrations_count})
    return meeting


def meeting_minutes_set(*, actor, meeting: Meeting, minutes_fr: str, minutes_en: str = "",
                        attendees_count=None, publish: bool = True) -> Meeting:
    """The meeting's minutes (Markdown, FR/EN) and how many people came; published when ``publish``."""
    _manage_check(actor, meeting.process)
    _not_cancelled(meeting)
    errors = {}
    minutes_fr, minutes_en = (minutes_fr or "").strip(), (minutes_en or "").strip()
    if publish and not minutes_fr:
        errors["minutes_fr"] = [_("Écrivez le compte rendu en français avant de le publier.")]
    for key, text in (("minutes_fr", minutes_fr), ("minutes_en", minutes_en)):
        if len(text) > 50000:
            errors[key] = [_("%(n)s caractères au plus.") % {"n": 50000}]
    if attendees_count in ("", None):
        attendees = None
    else:
        try:
            attendees = int(str(attendees_count).strip())
            if attendees < 0:
                raise ValueError
        except ValueError:
            errors["attendees_count"] = [_("Nombre entier positif.")]
    if errors:
        raise ValidationError(errors)
    first_publication = publish and meeting.minutes_published_at is None
    with transaction.atomic():
        meeting.minutes_fr, meeting.minutes_en, meeting.attendees_count = minutes_fr, minutes_en, attendees
        meeting.minutes_published_at = (meeting.minutes_published_at or timezone.now()) if publish else None
        meeting.save(update_fields=["minutes_fr", "minutes_en", "attendees_count", "minutes_published_at"])
        core_services.audit_append(actor=actor, action="consult.outreach.meeting_minutes", target=meeting,
                                   data={"published": publish, "attendees": attendees})
        if first_publication:
            followers_notify(process=meeting.process, target_kind=TargetKind.MEETING, target_id=meeting.pk,
                             subject=_("Compte rendu publié : %(title)s") % {"title": meeting.title_fr},
                             url=_url("consult:meeting", slug=meeting.process.slug,
                                      pk=meeting.pk), exclude=actor, also=_registrant_users(meeting))
    return meeting


def meeting_list(*, process: Process) -> dict:
    """The process's meetings: ``{"upcoming": [...], "past": [...]}`` (past ones newest first)."""
    now = timezone.now()
    meetings = list(process.meetings.all())
    return {"upcoming": [m for m in meetings if m.ends_at >= now],
            "past": sorted((m for m in meetings if m.ends_at < now), key=lambda m: m.starts_at, reverse=True)}


def meetings_upcoming(*, limit: int = 10) -> list[Meeting]:
    """The next meetings of listed processes (for the list and the calendar's side panel)."""
    return list(Meeting.objects.filter(process__in=_listed(), ends_at__gte=timezone.now(),
                                       cancelled_at__isnull=True).select_related(
        "process", "process__organisation").order_by("starts_at", "pk")[:limit])


def meeting_get(*, process: Process, pk) -> Meeting:
    try:
        return process.meetings.get(pk=int(pk))
    except (Meeting.DoesNotExist, TypeError, ValueError):
        raise core_services.NotFound(_("Rencontre introuvable.")) from None


def meeting_registration_of(*, user, meeting: Meeting) -> MeetingRegistration | None:
    if user is None or not user.is_authenticated:
        return None
    return MeetingRegistration.objects.filter(meeting=meeting, user=user).first()


def meeting_register(*, user, meeting: Meeting) -> MeetingRegistration:
    """Register ``user`` to ``meeting``: once per person (a database constraint), never beyond its
    capacity (a conditional update of ``registrations_count``, safe under concurrent registrations).
    The person gets a confirmation notification and follows the meeting."""
    process = meeting.process
    access.participation_check(user=user, process=process)
    if meeting.cancelled_at is not None:
        raise ValidationError({"meeting": [_("Cette rencontre est annulée : on ne peut plus s'y inscrire.")]})
    if not meeting.registration_open:
        raise ValidationError({"meeting": [_("Les inscriptions à cette rencontre sont fermées.")]})
    if meeting.starts_at <= timezone.now():
        raise ValidationError({"meeting": [_("Cette rencontre a déjà commencé.")]})
    already = ValidationError({"meeting": [_("Vous êtes déjà inscrit à cette rencontre.")]})
    if MeetingRegistration.objects.filter(meeting=meeting, user=user).exists():
        raise already
    with transaction.atomic():
        seats = Meeting.objects.filter(pk=meeting.pk, registration_open=True, cancelled_at__isnull=True).filter(
            Q(capacity=0) | Q(registrations_count__lt=F("capacity")))
        if not seats.update(registrations_count=F("registrations_count") + 1):
            raise ValidationError({"meeting": [_("Cette rencontre est complète.")]})
        try:
            with transaction.atomic():
                registration = MeetingRegistration.objects.create(
                    meeting=meeting, user=user, code=secrets.token_hex(4).upper())
        except IntegrityError:  # a double submit that passed the check above at the same time
            raise already from None
        access.participation_record(process=process, user=user)
        follow(user=user, process=process, target_kind=TargetKind.MEETING, target_id=meeting.pk)
        core_services.notify(
            recipients=[user], subject=_("Inscription confirmée : %(title)s") % {"title": meeting.title_fr},
            body=_("Vous êtes inscrit à la rencontre du %(date)s — %(place)s. Votre code d'inscription : %(code)s.")
            % {"date": _when(meeting), "place": _where(meeting), "code": registration.code},
            url=_url("consult:meeting", slug=process.slug, pk=meeting.pk))
    meeting.refresh_from_db(fields=["registrations_count"])
    return registration


def meeting_unregister(*, user, meeting: Meeting) -> bool:
    """Cancel ``user``'s registration (frees the seat); returns whether there was one."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour gérer vos inscriptions."))
    with transaction.atomic():
        deleted = MeetingRegistration.objects.filter(meeting=meeting, user=user).delete()[0]
        if deleted:
            Meeting.objects.filter(pk=meeting.pk, registrations_count__gt=0).update(
                registrations_count=F("registrations_count") - 1)
    meeting.refresh_from_db(fields=["registrations_count"])
    return bool(deleted)


# --- Indicators (3.3) ------------------------------------------------------------------------------

PERIODS = ("fiscal", "calendar")


def _period_of(day: datetime.date, period: str) -> str:
    if period == "calendar":
        return str(day.year)
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{start + 1}"


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def indicators(*, period: str = "fiscal", organisation=None) -> dict:
    """The consultation indicators per period (``fiscal``: April to March, as the action plan counts
    2021-2022; ``calendar``) and per body: number of published consultations and its growth on the
    previous period (target +50 % in 2021-2022), share offering a digital way to take part (digital or
    hybrid; target 75 %), unique participants and satisfaction (mean score, number of answers)."""
    from ouvert.core.models import Organisation

    period = period or "fiscal"
    if period not in PERIODS:
        raise ValidationError({"period": [_("« period » doit être fiscal ou calendar.")]})
    org = None
    if organisation:
        org = organisation if isinstance(organisation, Organisation) else Organisation.objects.filter(
            slug=str(organisation)).first()
        if org is None:
            raise ValidationError({"organisation": [_("Organisme inconnu.")]})
    processes = Process.objects.filter(published_at__isnull=False).exclude(visibility=Process.Visibility.PRIVATE)
    rows = list(processes.values_list("pk", "organisation_id", "starts_on", "published_at", "mode"))
    key_of = {}
    for pk, org_id, starts_on, published_at, mode in rows:
        day = starts_on or timezone.localtime(published_at).date()
        key_of[pk] = (_period_of(day, period), org_id, mode)
    participants = defaultdict(set)
    for process_id, user_id in Participation.objects.filter(process_id__in=list(key_of)).values_list(
            "process_id", "user_id").iterator(chunk_size=5000):
        label, org_id, _mode = key_of[process_id]
        participants[(label, org_id)].add(user_id)
        participants[(label, None)].add(user_id)
    satisfaction = defaultdict(lambda: [0, 0])
    for process_id, score_sum, n in SatisfactionResponse.objects.filter(process_id__in=list(key_of)).values(
            "process_id").annotate(s=Sum("score"), n=Count("pk")).values_list(
            "process_id", "s", "n"):
        label, org_id, _mode = key_of[process_id]
        for key in ((label, org_id), (label, None)):
            satisfaction[key][0] += score_sum or 0
            satisfaction[key][1] += n
    counts = defaultdict(lambda: [0, 0])
    for label, org_id, mode in key_of.values():
        digital = mode in (Process.Mode.DIGITAL, Process.Mode.HYBRID)
        for key in ((label, org_id), (label, None)):
            counts[key][0] += 1
            counts[key][1] += int(digital)
    labels = sorted({label for label, _org, _mode in key_of.values()})
    if labels:  # every period between the first and the last, even without consultations
        first, last = int(labels[0][:4]), int(labels[-1][:4])
        labels = [str(y) if period == "calendar" else f"{y}-{y + 1}" for y in range(first, last + 1)]

    def row(label, org_id):
        n, digital = counts.get((label, org_id), (0, 0))
        score, answers = satisfaction.get((label, org_id), (0, 0))
        return {"period": label, "consultations": n, "digital": digital, "digital_share": _pct(digital, n),
                "participants": len(participants.get((label, org_id), ())),
                "satisfaction": round(score / answers, 2) if answers else None, "satisfaction_answers": answers}

    scope = org.pk if org else None
    series = []
    previous = None
    for label in labels:
        item = row(label, scope)
        item["growth"] = (round(100.0 * (item["consultations"] - previous) / previous, 1)
                          if previous else None)
        target = GROWTH_TARGET.get(label) if period == "fiscal" else None
        item["growth_target"] = target
        item["growth_gap"] = (round(item["growth"] - target, 1)
                              if target is not None and item["growth"] is not None else None)
        item["digital_target"] = DIGITAL_TARGET
        item["digital_gap"] = (round(item["digital_share"] - DIGITAL_TARGET, 1)
                               if item["digital_share"] is not None else None)
        previous = item["consultations"]
        series.append(item)
    bodies = []
    org_ids = sorted({org_id for _label, org_id, _mode in key_of.values()})
    names = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    for org_id in org_ids:
        if org and org_id != org.pk:
            continue
        body = names[org_id]
        periods = [row(label, org_id) for label in labels]
        total = sum(p["consultations"] for p in periods)
        digital = sum(p["digital"] for p in periods)
        bodies.append({"organisation": body.slug, "name": body.label, "periods": periods, "consultations": total,
                       "digital_share": _pct(digital, total)})
    bodies.sort(key=lambda b: (-b["consultations"], _fold(b["name"])))
    return {"period": period, "organisation": org.slug if org else None,
            "organisation_name": org.label if org else None, "periods": series, "bodies": bodies,
            "targets": {"growth": GROWTH_TARGET, "digital_share": DIGITAL_TARGET}}


INDICATOR_COLUMNS = ["period_kind", "period", "organisation", "consultations", "growth_percent",
                     "growth_target_percent", "growth_gap_points", "digital", "digital_share_percent",
                     "digital_target_percent", "digital_gap_points", "participants", "satisfaction_mean",
                     "satisfaction_answers"]


def _csv_rows(data: dict) -> list[dict]:
    def out(item, organisation):
        return {"period_kind": data["period"], "period": item["period"], "organisation": organisation,
                "consultations": item["consultations"], "growth_percent": item.get("growth"),
                "growth_target_percent": item.get("growth_target"), "growth_gap_points": item.get("growth_gap"),
                "digital": item["digital"], "digital_share_percent": item["digital_share"],
                "digital_target_percent": DIGITAL_TARGET, "digital_gap_points": (
                    round(item["digital_share"] - DIGITAL_TARGET, 1) if item["digital_share"] is not None else None),
                "participants": item["participants"], "satisfaction_mean": item["satisfaction"],
                "satisfaction_answers": item["satisfaction_answers"]}

    rows = [out(item, data["organisation"] or "") for item in data["periods"]]
    for body in data["bodies"]:
        rows += [out(item, body["organisation"]) for item in body["periods"] if item["consultations"]]
    return rows


def indicators_organisations() -> list:
    """The bodies that have published consultations (the indicators' filter)."""
    from ouvert.core.models import Organisation

    return list(Organisation.objects.filter(consultations__published_at__isnull=False).exclude(
        consultations__visibility=Process.Visibility.PRIVATE).distinct().order_by("name_fr"))


def indicators_csv(*, period: str = "fiscal", organisation=None) -> bytes:
    """The indicators as CSV (UTF-8): one line per period for all bodies (``organisation`` empty) or the
    one asked, then one per period and body."""
    data = indicators(period=period, organisation=organisation)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDICATOR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(data):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


def indicators_open_data() -> dict | None:
    """The indicators as an open dataset of the catalogue (publisher ``consult-indicators``); ``None``
    while there is no published consultation or the publishing body does not exist."""
    from ouvert.core.models import Organisation

    if not Organisation.objects.filter(slug=core_services.open_data_organisation()).exists():
        return None
    if not Process.objects.filter(published_at__isnull=False).exists():
        return None
    return {
        "organisation": core_services.open_data_organisation(),
        "metadata": {
            "name": "indicateurs-consultations-publiques",
            "title_fr": "Indicateurs des consultations publiques",
            "title_en": "Public consultation indicators",
            "notes_fr": ("Par année financière (avril à mars) et par année civile, pour l'ensemble des organismes "
                         "puis pour chacun : nombre de consultations publiées et sa croissance sur l'année "
                         "précédente (cible du plan d'action : +50 % en 2021-2022), part des consultations offrant "
                         "une façon d'y prendre part en ligne (en ligne ou hybride ; cible : 75 %), participants "
                         "uniques et satisfaction moyenne (note de 1 à 5, avec le nombre de réponses). Aucune "
                         "donnée personnelle. Mis à jour chaque jour."),
            "notes_en": ("Per fiscal year (April to March) and calendar year, for all bodies then each: number of "
                         "published consultations and its growth on the previous year (action plan target: +50 % "
                         "in 2021-2022), share offering a digital way to take part (target: 75 %), unique "
                         "participants and mean satisfaction (1 to 5, with the number of answers). No personal "
                         "data. Refreshed daily."),
            "tags": ["consultations", "participation publique", "indicateurs", "gouvernement ouvert"],
            "frequency": "DAILY",
            "languages": ["fr", "en"],
        },
        "resources": [
            {"name_fr": "Indicateurs par année financière (CSV)", "name_en": "Indicators per fiscal year (CSV)",
             "format": "CSV", "filename": "indicateurs-consultations-annee-financiere.csv",
             "content": indicators_csv(period="fiscal")},
            {"name_fr": "Indicateurs par année civile (CSV)", "name_en": "Indicators per calendar year (CSV)",
             "format": "CSV", "filename": "indicateurs-consultations-annee-civile.csv",
             "content": indicators_csv(period="calendar")},
        ],
    }


def indicators_refresh() -> bool:
    """Periodic job: ask the catalogue to refresh the indicators' open dataset."""
    return core_services.open_data_changed(INDICATORS_OPEN_DATA_KEY)
