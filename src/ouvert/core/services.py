"""What the core module does: organisations and roles, the audit log, notifications, API tokens.

Other modules reach core only through this file (and ``registry``). Services take
keyword-only arguments, check permissions, validate, and write.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rows
from .jobs import (  # noqa: F401  (for other modules)
    job_beat,
    job_claim,
    job_fail,
    job_release,
    job_swap,
    job_work_dirs_clean,
    jobs_cancel_pending,
    jobs_requeue_stale,
    store_file,
    stored_file_locally,
)
from .models import ApiToken, AuditEntry, Membership, Notification, Organisation, User

GENESIS_HASH = "0" * 64


class NotFound(Exception):
    """The object asked for does not exist (or is not visible to this person)."""

    def __init__(self, message: str = ""):
        super().__init__(message or _("Introuvable."))
        self.message = message or _("Introuvable.")


class RateLimited(Exception):
    """Too many actions of one kind in a short time (HTTP 429, with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def rate_limit_hit(*, key: str, limit: int, per_seconds: int) -> None:
    """Count one action under ``key`` in the current window of ``per_seconds``; ``RateLimited`` when
    the window already holds ``limit`` actions. Counted in the shared cache (Redis when scaled out)."""
    from django.core.cache import cache

    window = int(timezone.now().timestamp()) // per_seconds
    cache_key = f"ouvert:rate:{key}:{window}"
    cache.add(cache_key, 0, timeout=per_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=per_seconds + 1)
        count = 1
    if count > limit:
        retry = per_seconds - int(timezone.now().timestamp()) % per_seconds
        raise RateLimited(_("Trop d'actions en peu de temps : réessayez dans %(s)s secondes.") % {"s": retry},
                          retry_after=retry)


def page_number(value) -> int:
    """A ``page`` parameter (1 when absent), or ``ValidationError`` when it is not a whole number ≥ 1."""
    if value in (None, ""):
        return 1
    try:
        page = int(str(value).strip())
    except ValueError:
        page = 0
    if page < 1:
        raise ValidationError({"page": [_("« page » doit être un nombre entier supérieur ou égal à 1.")]})
    return page


def absolute_url(name: str, lang: str = "fr", **kwargs) -> str:
    """The full address (``OUVERT_BASE_URL`` and the path in ``lang``) of the page ``name``, for exports, open
    datasets and e-mails; empty when no such page is installed."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    try:
        with translation.override(lang):
            return settings.OUVERT_BASE_URL + reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def per_page_number(value, *, maximum: int = 100) -> int:
    """A ``per_page`` parameter: a whole number from 1 to ``maximum``, or ``ValidationError``."""
    try:
        size = int(str(value).strip())
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise ValidationError({"per_page": [_("« per_page » doit être un nombre entier de 1 à %(n)s.")
                                            % {"n": maximum}]})
    return size


def _paginator(queryset, size: int, count: int | None):
    from django.core.paginator import Paginator

    paginator = Paginator(queryset, size)
    if count is not None:  # already counted (with the facets): no COUNT query
        paginator.count = count
    return paginator


def page_get(queryset, number: int, size: int, count: int | None = None):
    """Page ``number`` of ``queryset`` for a page of results (the last one when ``number`` is past it);
    ``count``, when the caller knows it, spares the COUNT query."""
    from django.core.paginator import EmptyPage

    paginator = _paginator(queryset, size, count)
    try:
        return paginator.page(number)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def search_page(params, search, *, filters, per_page: int) -> dict:
    """What a search page shows, from its query string ``params`` (``request.GET``): ``q`` (500 characters at
    most), the ``filters`` named, ``sort`` and ``page``, given to ``search(q=, filters=, sort=)``, which returns
    ``{"queryset", …}`` (and ``"count"`` when it knows it). When any is bad, the search runs without them and
    ``error`` is the ValidationError (the page answers 400). Returns ``{"q", "filters", "result", "page",
    "query" (the query string without the page, for the pages' links), "error"}``."""
    q = params.get("q", "")[:500]
    values = {name: params.get(name, "")[:200] for name in filters}
    error = None
    try:
        number = page_number(params.get("page"))
        result = search(q=q, filters=values, sort=params.get("sort", ""))
    except ValidationError as exc:
        error, number, result = exc, 1, search()
    query = params.copy()
    query.pop("page", None)
    return {"q": q, "filters": values, "result": result,
            "page": page_get(result["queryset"], number, per_page, result.get("count")),
            "query": query.urlencode(), "error": error}


def api_page(queryset, *, page, per_page, maximum: int = 100, count: int | None = None) -> tuple[dict, list]:
    """``({"count", "page", "pages", "per_page"}, rows)`` for a list of the API: ``page`` and ``per_page`` as
    given (``ValidationError`` when bad); past the last page, no rows. ``count`` as in ``page_get``."""
    number, size = page_number(page), per_page_number(per_page, maximum=maximum)
    paginator = _paginator(queryset, size, count)
    rows = list(paginator.page(number).object_list) if number <= paginator.num_pages else []
    return {"count": paginator.count, "page": number, "pages": paginator.num_pages, "per_page": size}, rows


# --- Organisations and roles ----------------------------------------------------------

def organisation_get(*, slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise NotFound(_("Organisation « %(slug)s » introuvable.") % {"slug": slug}) from None


def organisation_list(*, kind: str | None = None):
    qs = Organisation.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def organisation_detail(*, slug: str) -> dict:
    """An organisation with its members and its open-government respondents (one page, one API answer)."""
    org = organisation_get(slug=slug)
    memberships = list(Membership.objects.filter(organisation=org).select_related("user")
                       .order_by("user__full_name", "user__email"))
    return {
        "organisation": org,
        "members": memberships,
        "respondents": [m for m in memberships if m.is_respondent],
        "children": list(org.children.all()),
    }


_ORG_FIELDS = ("name_fr", "name_en", "acronym", "kind", "website", "description_fr", "description_en",
               "parent", "is_demo")


def organisation_upsert(*, slug: str, name_fr: str, kind: str, actor: User | None = None,
                        name_en: str = "", acronym: str = "", website: str = "",
                        description_fr: str = "", description_en: str = "",
                        parent: Organisation | None = None, is_demo: bool = False) -> Organisation:
    """Create or update an organisation by its slug (idempotent; used by loaders too).

    ``actor`` None means the platform itself (loaders, command line); a person must be a
    platform admin. A change is recorded in the audit log; an identical call records nothing.
    """
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Seule une administratrice ou un administrateur de la plateforme peut gérer les organisations."))
    values = {"name_fr": name_fr, "name_en": name_en, "acronym": acronym, "kind": kind, "website": website,
              "description_fr": description_fr, "description_en": description_en, "parent": parent,
              "is_demo": is_demo}
    with transaction.atomic():
        org = Organisation.objects.select_for_update().filter(slug=slug).first()
        created = org is None
        if created:
            org = Organisation(slug=slug)
        before = {f: _plain(getattr(org, f)) for f in _ORG_FIELDS}
        for field, value in values.items():
            setattr(org, field, value)
        after = {f: _plain(getattr(org, f)) for f in _ORG_FIELDS}
        if not created and before == after:
            return org
        org.full_clean()
        org.save()
        changed = {f: after[f] for f in _ORG_FIELDS if created or before[f] != after[f]}
        audit_append(actor=actor, action="organisation.create" if created else "organisation.update",
                     target=org, data={"slug": slug, "changed": changed})
    return org


def _plain(value):
    return value.slug if isinstance(value, Organisation) else value


def membership_set(*, user: User, organisation: Organisation, role: str = Membership.Role.MEMBER,
                   is_respondent: bool = False, actor: User | None = None) -> Membership:
    """Give ``user`` a role in ``organisation`` (admins of the organisation or of the platform).

    ``actor`` None means the platform itself (loaders, command line). Idempotent: an
    unchanged membership records nothing; a change is recorded in the audit log.
    """
    if actor is not None and not (actor.is_superuser or user_has_role(actor, organisation, {Membership.Role.ADMIN})):
        raise PermissionDenied(_("Vous devez administrer cette organisation pour en gérer les membres."))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Rôle inconnu « %(role)s » : choisissez parmi %(choices)s.")
                               % {"role": role, "choices": ", ".join(Membership.Role.values)}})
    with transaction.atomic():
        membership = (Membership.objects.select_for_update()
                      .filter(user=user, organisation=organisation).first())
        created = membership is None
        if created:
            membership = Membership(user=user, organisation=organisation)
            before = None
        else:
            before = {"role": membership.role, "is_respondent": membership.is_respondent}
        after = {"role": role, "is_respondent": bool(is_respondent)}
        if before == after:
            return membership
        membership.role = role
        membership.is_respondent = bool(is_respondent)
        membership.full_clean()
        membership.save()
        audit_append(actor=actor, action="membership.set", target=membership,
                     data={"user": user.email, "organisation": organisation.slug, "before": before,
                           "after": after})
    return membership


def membership_remove(*, user: User, organisation: Organisation, actor: User | None = None) -> bool:
    """Remove ``user`` from ``organisation`` (same permission as ``membership_set``)."""
    if actor is not None and not (actor.is_superuser or user_has_role(actor, organisation, {Membership.Role.ADMIN})):
        raise PermissionDenied(_("Vous devez administrer cette organisation pour en gérer les membres."))
    with transaction.atomic():
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if membership is None:
            return False
        before = {"role": membership.role, "is_respondent": membership.is_respondent}
        audit_append(actor=actor, action="membership.remove", target=membership,
                     data={"user": user.email, "organisation": organisation.slug, "before": before})
        membership.delete()
    return True


def user_has_role(user, organisation: Organisation | int | None, roles: Iterable[str] | None = None) -> bool:
    """Whether ``user`` is a member of ``organisation`` with one of ``roles`` (any role when None)."""
    if user is None or not user.is_authenticated or organisation is None:
        return False
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    qs = Membership.objects.filter(user=user, organisation_id=org_id)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs.exists()


def user_is_respondent(user, organisation: Organisation | int | None) -> bool:
    """Whether ``user`` is the open-government respondent of ``organisation``."""
    if user is None or not user.is_authenticated or organisation is None:
        return False
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return Membership.objects.filter(user=user, organisation_id=org_id, is_respondent=True).exists()


def membership_list(*, user: User):
    """The organisations a person belongs to, with role."""
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name_fr")


def respondent_list():
    """Every respondent with their organisation, for the public directory."""
    return (Membership.objects.filter(is_respondent=True)
            .select_related("user", "organisation").order_by("organisation__name_fr", "user__email"))


def user_upsert(*, email: str, password: str | None = None, full_name: str = "", is_superuser: bool = False,
                verified: bool = True) -> User:
    """Create or update a person by e-mail (CLI and loaders); marks the address verified."""
    from allauth.account.models import EmailAddress

    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first() or User(email=email)
    user.full_name = full_name or user.full_name
    if is_superuser:
        user.is_superuser = user.is_staff = True
    if password is not None:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if verified:
        EmailAddress.objects.update_or_create(user=user, email=email,
                                              defaults={"verified": True, "primary": True})
    return user


def user_get_by_email(*, email: str) -> User:
    try:
        return User.objects.get(email__iexact=(email or "").strip())
    except User.DoesNotExist:
        raise NotFound(_("Aucun compte avec l'adresse « %(email)s ».") % {"email": email}) from None


def admin_create(*, email: str, password: str) -> tuple[User, bool]:
    """Create or promote a platform admin (command line). Returns the user and whether it was created.

    The address is validated, the password goes through Django's password validators, and
    the e-mail address is marked verified.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Adresse courriel invalide : « %(email)s ».") % {"email": email}}) from None
    existing = User.objects.filter(email=email).first()
    try:
        validate_password(password, user=existing or User(email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user = user_upsert(email=email, password=password, is_superuser=True, verified=True)
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        audit_append(actor=None, action="user.admin", target=user,
                     data={"email": email, "created": existing is None})
    return user, existing is None


def site_ensure(*, base_url: str, name: str = "Ouvert"):
    """Make the current Site's domain match ``OUVERT_BASE_URL`` (links in e-mails use it)."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(base_url).netloc or "127.0.0.1:8000"
    site, _created = Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": name})
    return site


# --- Audit log ------------------------------------------------------------------------

def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def _entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _audit_lock():
    """Serialise appenders so that two concurrent entries never get the same predecessor.

    PostgreSQL: a transaction-level advisory lock (it also covers the empty table, where there
    is no tail row to lock). SQLite: transactions are ``IMMEDIATE`` (see settings), so the
    write lock is taken when the transaction begins.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


AUDIT_LOCK_KEY = 0x0A0D17  # any constant shared by every process


def audit_append(*, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    """Append one entry to the hash chain. Call inside the transaction that makes the change."""
    with transaction.atomic():
        _audit_lock()
        last = AuditEntry.objects.order_by("-seq").first()
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            created_at=timezone.now().replace(microsecond=0),
            actor=actor if (actor is not None and actor.is_authenticated) else None,
            actor_label=(actor.email if (actor is not None and actor.is_authenticated) else "system"),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            data=json.loads(json.dumps(data or {}, default=str)),
            prev_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = _entry_hash(entry)
        entry.save()
    return entry


@dataclass
class AuditReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    #: What the modules' own integrity checks found (``registry.register_audit_check``), as
    #: ``"<check name> : <problem>"`` lines.
    problems: list[str] = field(default_factory=list)


def _audit_chain() -> AuditReport:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return AuditReport(False, checked, expected_seq, _("entrée manquante"))
        if entry.prev_hash != prev_hash:
            return AuditReport(False, checked, entry.seq, _("lien rompu avec l'entrée précédente"))
        if _entry_hash(entry) != entry.entry_hash:
            return AuditReport(False, checked, entry.seq, _("contenu modifié"))
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    return AuditReport(True, checked)


def audit_verify() -> AuditReport:
    """Walk the chain in order and report the first entry whose content or link was altered; then run the
    modules' integrity checks (``registry.register_audit_check``) and report what they find (``ok`` is
    false when the chain is broken or any check reports a problem)."""
    from . import registry

    report = _audit_chain()
    for name, check in registry.audit_checks():
        try:
            found = list(check() or [])
        except Exception as exc:  # a check that fails is itself a problem to report, not a crash
            found = [_("la vérification a échoué : %(error)s") % {"error": exc}]
        report.problems.extend(f"{name} : {problem}" for problem in found)
    if report.problems:
        report.ok = False
    return report


def audit_list(*, target=None, action: str | None = None, limit: int | None = 100, include_hidden: bool = False):
    """The latest entries (about ``target``, of ``action`` when given), without those that modules hide now
    (``registry.register_audit_hidden``) unless ``include_hidden`` (integrity checks only)."""
    from . import registry

    qs = AuditEntry.objects.select_related("actor").order_by("-seq")
    if target is not None:
        qs = qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    if action is not None:
        qs = qs.filter(action=action)
    if not include_hidden:
        qs = registry.audit_hidden(qs)
    return qs[:limit] if limit is not None else qs


# --- Open by default -------------------------------------------------------------------

def open_data_organisation() -> str:
    """The slug of the organisation that publishes the platform's own open data
    (``OUVERT_OPEN_DATA_ORGANISATION``, ``sct`` by default)."""
    from django.conf import settings

    return getattr(settings, "OUVERT_OPEN_DATA_ORGANISATION", "sct") or "sct"


def open_data_changed(key: str) -> bool:
    """The public data that the open-data publisher ``key`` publishes has changed.

    The refresh of its catalogue dataset is enqueued (through the refresher that the catalogue
    registers in ``registry``) when the current transaction commits, once per transaction
    however many changes it holds; nothing is enqueued if it rolls back. Returns whether a
    refresh is scheduled: ``False`` when no publisher ``key`` or no refresher is registered.
    """
    from . import registry

    refresher = registry.open_data_refresher()
    if refresher is None or registry.open_data_publisher(key) is None:
        return False
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        pending = [entry[1] for entry in getattr(connection, "run_on_commit", ())]
        if any(getattr(func, "open_data_key", None) == key for func in pending):
            return True

    def refresh():
        refresher(key)

    refresh.open_data_key = key
    transaction.on_commit(refresh)
    return True


# --- Notifications --------------------------------------------------------------------

def notify(*, recipients: Iterable[User], subject: str, body: str = "", url: str = "",
           email: bool = True, sealed_until=None) -> list[Notification]:
    """Create an in-app notification for each recipient, and send it by e-mail too.

    ``sealed_until``: the notification tells something still sealed until then (that a supplier bids, for
    instance); its recipient sees it, the Django admin does not list it before that time.

    The e-mail goes through a background task (``ouvert worker``), enqueued in the same
    transaction: if the change that caused the notification is rolled back, nothing is sent.
    In tests the task runs immediately.
    """
    from .tasks import notification_send_email

    created = []
    for user in recipients:
        note = Notification.objects.create(recipient=user, subject=subject[:300], body=body, url=url[:500],
                                           sealed_until=sealed_until)
        if email and user.email:
            notification_send_email.enqueue(note.pk)
        created.append(note)
    return created


def notification_send_email(*, notification_id: int) -> bool:
    """Send one notification by e-mail (once); returns whether a message was sent."""
    from django.conf import settings

    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None or not note.recipient.email:
        return False
    link = f"\n\n{settings.OUVERT_BASE_URL}{note.url}" if note.url else ""
    send_mail(note.subject, note.body + link, None, [note.recipient.email], fail_silently=False)
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return True


def notification_unsent(*, user: User, since=None):
    """``user``'s notifications not sent by e-mail yet (oldest first), created after ``since`` when
    given: what a digest of a module that keeps notifications for later has to send."""
    qs = Notification.objects.filter(recipient=user, emailed_at__isnull=True).order_by("created_at", "pk")
    return qs.filter(created_at__gt=since) if since is not None else qs


def notification_mark_emailed(*, ids: Iterable[int]) -> int:
    """Record that these notifications went out (in a digest); returns how many were marked."""
    return Notification.objects.filter(pk__in=list(ids), emailed_at__isnull=True).update(emailed_at=timezone.now())


def notification_list(*, user: User, unread_only: bool = False):
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all when ``notification_id`` is None) as read; returns the count."""
    qs = Notification.objects.filter(recipient=user)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
        if not qs.exists():
            raise NotFound(_("Notification n° %(id)s introuvable.") % {"id": notification_id})
    return qs.filter(read_at__isnull=True).update(read_at=timezone.now())


# --- API tokens -----------------------------------------------------------------------

def token_create(*, user: User, name: str = "cli") -> str:
    """Create an API token for ``user``; returns the raw token, which is never stored."""
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé."))
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:8], token_hash=ApiToken.hash(raw))
    audit_append(actor=user, action="token.create", target=user, data={"name": name, "prefix": raw[:8]})
    return raw


def token_authenticate(raw: str | None) -> User | None:
    """The active user a raw token belongs to, or None. One short statement written out rather than
    compiled by the ORM at each call: every API call that writes starts here (``core.rows``)."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    now = timezone.now()
    row = rows.one(  # the last use is noted at most once a minute
        f"SELECT {rows.columns(User, 'u')}, t.id, (t.last_used_at IS NULL OR t.last_used_at < %s) "  # noqa: S608 — names from the models, values as parameters
        f"FROM {rows.table(User)} u JOIN {rows.table(ApiToken)} t ON t.user_id = u.id "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active",
        [now - datetime.timedelta(seconds=60), ApiToken.hash(raw)])
    if row is None:
        return None
    user, end = rows.instance(User, row)
    token_pk, stale = row[end:]
    if stale:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
    return user


def token_list(*, user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_revoke(*, user: User, prefix: str | None = None, token_id: int | None = None) -> int:
    """Revoke the active tokens of ``user`` that start with ``prefix`` (or the one with ``token_id``)."""
    if not prefix and token_id is None:
        raise ValidationError({"prefix": _("Indiquez le début du jeton à révoquer.")})
    qs = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if token_id is not None:
        qs = qs.filter(pk=token_id)
    if prefix:
        qs = qs.filter(prefix=prefix[:8])
    with transaction.atomic():
        prefixes = list(qs.values_list("prefix", flat=True))
        count = qs.update(revoked_at=timezone.now())
        if count:
            audit_append(actor=user, action="token.revoke", target=user, data={"prefixes": prefixes})
    return count


# --- Database statistics ----------------------------------------------------------------------

def database_statistics_refresh() -> None:
    """Refresh the statistics the database plans its queries with (after a bulk load, and daily).

    SQLite keeps them only when asked (``ANALYZE``): without them, a catalogue grown from a few
    datasets to 100,000 sorts every public dataset to show the search page's first 20 (70 ms)
    instead of walking the date index (under 1 ms). ``analysis_limit`` samples each index, so this
    takes well under a second at that size. PostgreSQL's autovacuum does the same by itself;
    ``ANALYZE`` here only hastens it after a bulk load.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
