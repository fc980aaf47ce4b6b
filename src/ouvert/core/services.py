"""What the core module does: organisations and roles, the audit log, notifications, API tokens.

Other modules reach core only through this file (and ``registry``). Services take
keyword-only arguments, check permissions, validate, and write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, AuditEntry, Membership, Notification, Organisation, User

GENESIS_HASH = "0" * 64


class NotFound(Exception):
    """The object asked for does not exist (or is not visible to this person)."""

    def __init__(self, message: str = ""):
        super().__init__(message or _("Introuvable."))
        self.message = message or _("Introuvable.")


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


def organisation_upsert(*, slug: str, name_fr: str, kind: str, actor: User | None = None,
                        name_en: str = "", acronym: str = "", website: str = "",
                        description_fr: str = "", description_en: str = "",
                        parent: Organisation | None = None, is_demo: bool = False) -> Organisation:
    """Create or update an organisation by its slug (idempotent; used by loaders too)."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Seule une administratrice ou un administrateur de la plateforme peut gérer les organisations."))
    org = Organisation.objects.filter(slug=slug).first() or Organisation(slug=slug)
    for field, value in {
        "name_fr": name_fr, "name_en": name_en, "acronym": acronym, "kind": kind, "website": website,
        "description_fr": description_fr, "description_en": description_en, "parent": parent,
        "is_demo": is_demo,
    }.items():
        setattr(org, field, value)
    org.full_clean()
    org.save()
    return org


def membership_set(*, user: User, organisation: Organisation, role: str = Membership.Role.MEMBER,
                   is_respondent: bool = False, actor: User | None = None) -> Membership:
    """Give ``user`` a role in ``organisation`` (admins of the organisation or of the platform)."""
    if actor is not None and not (actor.is_superuser or user_has_role(actor, organisation, {Membership.Role.ADMIN})):
        raise PermissionDenied(_("Vous devez administrer cette organisation pour en gérer les membres."))
    membership, _created = Membership.objects.get_or_create(user=user, organisation=organisation,
                                                           defaults={"role": role})
    before = {"role": membership.role, "is_respondent": membership.is_respondent}
    membership.role = role
    membership.is_respondent = is_respondent
    membership.full_clean()
    membership.save()
    audit_append(actor=actor, action="membership.set", target=membership,
                 data={"user": user.email, "organisation": organisation.slug, "before": before,
                       "after": {"role": role, "is_respondent": is_respondent}})
    return membership


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


def audit_append(*, actor, action: str, target=None, data: dict | None = None) -> AuditEntry:
    """Append one entry to the hash chain. Call inside the transaction that makes the change."""
    with transaction.atomic():
        # Serialise writers: on PostgreSQL lock the tail row; SQLite transactions are IMMEDIATE.
        last = AuditEntry.objects.select_for_update().order_by("-seq").first()
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


def audit_verify() -> AuditReport:
    """Walk the chain in order and report the first entry whose content or link was altered."""
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


def audit_list(*, target=None, limit: int = 100):
    qs = AuditEntry.objects.select_related("actor").order_by("-seq")
    if target is not None:
        qs = qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return qs[:limit]


# --- Notifications --------------------------------------------------------------------

def notify(*, recipients: Iterable[User], subject: str, body: str = "", url: str = "",
           email: bool = True) -> list[Notification]:
    """Create an in-app notification for each recipient and send it by e-mail too."""
    from django.conf import settings

    created = []
    now = timezone.now()
    for user in recipients:
        note = Notification.objects.create(recipient=user, subject=subject[:300], body=body, url=url)
        if email and user.email:
            link = f"\n\n{settings.OUVERT_BASE_URL}{url}" if url else ""
            send_mail(subject[:300], body + link, None, [user.email], fail_silently=False)
            note.emailed_at = now
            note.save(update_fields=["emailed_at"])
        created.append(note)
    return created


def notification_list(*, user: User, unread_only: bool = False):
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all when ``notification_id`` is None) as read; returns the count."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


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
    """The active user a raw token belongs to, or None."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    token = (ApiToken.objects.select_related("user")
             .filter(token_hash=ApiToken.hash(raw), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user: User, prefix: str) -> int:
    return ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(revoked_at=timezone.now())


