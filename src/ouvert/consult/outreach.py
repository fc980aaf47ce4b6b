"""The outreach part of the consult module: what makes consultations known and keeps people informed
(see ``services``).

- ``follow`` / ``unfollow`` / ``followers_notify``: people follow a process or an item and hear about
  what happens there, in the site and by e-mail, immediately or in a daily or weekly digest.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from ouvert.core import services as core_services

from .models import Follow, NotificationSetting, Process, TargetKind

__all__ = ["follow", "followers_notify", "is_following", "unfollow"]


def register() -> None:
    """What this part plugs into the platform (menu links, periodic jobs, open data, demo)."""


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
                     url: str = "", exclude=None, also=()) -> int:
    """Tell the followers of the item (``target_kind``, ``target_id``) and of its process, plus ``also``
    (e.g. the author of what was answered), about a change, once each and never ``exclude`` (who made
    the change). In-app always; by e-mail now for people who chose « immédiatement », in their digest
    for the others. Returns how many people were told."""
    follower_ids = set(Follow.objects.filter(
        Q(target_kind=target_kind, target_id=target_id) | Q(target_kind=TargetKind.PROCESS, target_id=process.pk)
    ).values_list("user_id", flat=True))
    recipients = {u.pk: u for u in also if u is not None}
    missing = follower_ids - set(recipients)
    if missing:
        recipients.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing, is_active=True)})
    if exclude is not None:
        recipients.pop(exclude.pk, None)
    if not recipients:
        return 0
    digest = set(NotificationSetting.objects.filter(user_id__in=list(recipients)).exclude(
        frequency=NotificationSetting.Frequency.IMMEDIATE).values_list("user_id", flat=True))
    immediate = [u for pk, u in recipients.items() if pk not in digest]
    later = [u for pk, u in recipients.items() if pk in digest]
    core_services.notify(recipients=immediate, subject=subject, body=body, url=url, email=True)
    core_services.notify(recipients=later, subject=subject, body=body, url=url, email=False)
    return len(recipients)

