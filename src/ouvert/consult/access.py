"""Who may see a process, who may manage it, who may take part and when: the rules every part of the
consult module applies before it writes, and the participation record they all keep.

- ``process_get`` finds a process the way a person may see it (a private process is "not found" for
  people who are not invited);
- ``participation_check`` says why a person may not take part now (not signed in, blocked, not invited,
  not verified, component closed in the current phase) as a ``PermissionDenied`` in French;
- ``participation_record`` keeps one ``Participation`` row per person and process (the unique
  participants of the dashboards);
- ``posting_rate_check`` limits how fast one person posts.
"""

from __future__ import annotations

import datetime
import json
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import rows
from ouvert.core import services as core_services

from .models import Block, Invitation, Participation, Phase, Process, Verification

__all__ = ["MANAGER_ROLES", "can_manage", "can_view", "component_open", "current_phase", "is_blocked",
           "is_invited", "is_verified", "participation_check", "participation_record", "postal_code_normalise",
           "posting_rate_check", "process_get", "process_status", "verification_set"]

#: Roles of the process's organisation that may manage it (configure, answer, moderate, analyse).
MANAGER_ROLES = ("admin", "editor")

#: A Quebec postal code: first letter G, H or J (Forward Sortation Areas of Quebec).
POSTAL_CODE_RE = re.compile(r"^([GHJ]\d[A-Z])\s?(\d[A-Z]\d)$")


def today() -> datetime.date:
    return timezone.localdate()


# --- Seeing and managing ---------------------------------------------------------------------------

def can_manage(user, process: Process) -> bool:
    """Whether ``user`` manages ``process``: a superuser, or an admin or editor of its organisation."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or core_services.user_has_role(user, process.organisation_id, MANAGER_ROLES)


def is_invited(user, process: Process) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Invitation.objects.filter(process=process, user=user, accepted_at__isnull=False).exists()


def can_view(user, process: Process) -> bool:
    """Published public and unlisted processes are seen by everyone; private ones by invited people;
    drafts (not published) only by their managers."""
    if process.published_at is not None and process.visibility != Process.Visibility.PRIVATE:
        return True  # public or unlisted: no query, whoever reads
    if can_manage(user, process):
        return True
    if process.published_at is None:
        return False
    return is_invited(user, process)


def process_get(*, slug: str, user=None) -> Process:
    """The process ``slug`` (with its organisation) as ``user`` may see it, or ``NotFound``. One short
    statement written out: every page and API call of a process starts here (``core.rows``)."""
    from ouvert.core.models import Organisation

    row = rows.one(
        f"SELECT {rows.columns(Process, 'r')}, {rows.columns(Organisation, 'o')} "  # noqa: S608 — names from the models, the value as a parameter
        f"FROM {rows.table(Process)} r JOIN {rows.table(Organisation)} o ON o.id = r.organisation_id "
        "WHERE r.slug = %s", [slug])
    process = None
    if row is not None:
        process, end = rows.instance(Process, row)
        process.organisation, _end = rows.instance(Organisation, row, end)
    if process is None or not can_view(user, process):
        raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": slug})
    return process


# --- Phases and components -------------------------------------------------------------------------

def current_phase(process: Process, *, on: datetime.date | None = None) -> Phase | None:
    """The phase running on ``on`` (today by default); the last one that started when phases overlap."""
    on = on or today()
    phases = [p for p in process.phases.all() if p.starts_on <= on <= p.ends_on]
    return max(phases, key=lambda p: (p.starts_on, p.position)) if phases else None


def component_open(process: Process, component: str, *, on: datetime.date | None = None) -> bool:
    """Whether ``component`` (a ``Phase.Component``) takes contributions now."""
    phase = current_phase(process, on=on)
    return phase is not None and component in (phase.components or [])


def process_status(process: Process, *, on: datetime.date | None = None) -> str:
    """``upcoming``, ``open`` or ``closed`` from the process's dates."""
    on = on or today()
    if process.starts_on and on < process.starts_on:
        return "upcoming"
    if process.ends_on and on > process.ends_on:
        return "closed"
    return "open"


# --- Taking part -----------------------------------------------------------------------------------

def is_blocked(user) -> bool:
    return bool(user and user.is_authenticated
                and Block.objects.filter(user=user, lifted_at__isnull=True).exists())


def postal_code_normalise(value: str) -> str:
    """``value`` as ``A1A 1A1`` when it is a Quebec postal code, else ``ValidationError``."""
    match = POSTAL_CODE_RE.match((value or "").strip().upper())
    if not match:
        raise ValidationError({"postal_code": [_("Entrez un code postal du Québec (il commence par G, H ou J), "
                                                 "par exemple G1R 4S9.")]})
    return f"{match.group(1)} {match.group(2)}"


def verification_set(*, user, postal_code: str) -> Verification:
    code = postal_code_normalise(postal_code)
    verification, _created = Verification.objects.update_or_create(
        user=user, defaults={"postal_code": code, "verified_at": timezone.now()})
    return verification


def is_verified(user, process: Process) -> bool:
    if process.verification == Process.Verification.POSTAL_CODE:
        return Verification.objects.filter(user=user).exclude(postal_code="").exists()
    return True


def _facts_columns(user, *, process_sql: str, process_params: list, organisation_sql: str,
                   organisation_params: list, invited: bool, verified: bool, components: bool) -> list[tuple]:
    """``(name, SQL expression, parameters)`` of each fact ``participation_check`` needs; the process and
    its organisation are given as SQL: a placeholder with its parameter, or a column of a joined table."""
    from ouvert.core.models import Membership

    table = rows.table
    columns = [("blocked", f"EXISTS (SELECT 1 FROM {table(Block)} WHERE user_id = %s AND lifted_at IS NULL)",
                [user.pk])]
    if not user.is_superuser:
        roles = list(MANAGER_ROLES)
        columns.append(("manager", f"EXISTS (SELECT 1 FROM {table(Membership)} WHERE user_id = %s AND organisation_id "
                                   f"= {organisation_sql} AND role IN ({', '.join(['%s'] * len(roles))}))",
                        [user.pk, *organisation_params, *roles]))
    if invited:
        columns.append(("invited", f"EXISTS (SELECT 1 FROM {table(Invitation)} WHERE process_id = {process_sql} "
                                   "AND user_id = %s AND accepted_at IS NOT NULL)", [*process_params, user.pk]))
    if verified:
        columns.append(("verified", f"EXISTS (SELECT 1 FROM {table(Verification)} WHERE user_id = %s "
                                    "AND postal_code <> '')", [user.pk]))
    if components:
        on = today()
        columns.append(("components", f"(SELECT components FROM {table(Phase)} WHERE process_id = {process_sql} "
                                      "AND starts_on <= %s AND ends_on >= %s ORDER BY starts_on DESC, position DESC "
                                      "LIMIT 1)", [*process_params, on, on]))
    return columns


def _select_list(columns: list[tuple]) -> tuple[str, list, list[str]]:
    """``_facts_columns`` as a select list, its parameters and the facts' names."""
    return (", ".join(sql for _name, sql, _params in columns), [p for *_rest, params in columns for p in params],
            [name for name, *_rest in columns])


def participation_facts_columns(*, user, component: str, alias: str) -> tuple[str, list, list[str]]:
    """For a service that reads a process (``alias`` in its statement) and is about to check ``user``'s
    participation in ``component``: the select list, its parameters and the names of the facts, computed
    in that same statement. Give the values to ``participation_facts_keep`` and ``participation_check``
    runs no query of its own."""
    return _select_list(_facts_columns(user, process_sql=f"{alias}.id", process_params=[],
                                       organisation_sql=f"{alias}.organisation_id", organisation_params=[],
                                       invited=True, verified=True, components=True))


def participation_facts_keep(*, process: Process, user, component: str, names: list[str], values) -> None:
    """Keep on ``process`` (for this request) the facts read by ``participation_facts_columns``."""
    facts = getattr(process, "_participation_facts", None)
    if facts is None:
        facts = process._participation_facts = {}
    facts[(user.pk, component)] = dict(zip(names, values, strict=True))


def _participation_facts(user, process: Process, component: str | None) -> dict:
    """What ``participation_check`` needs about ``user`` and ``process``, in **one** short SQL statement
    (each fact only when it matters: invitation for private processes, verification when the process
    asks for it, the current phase's components when a component is named and the phases are not
    already loaded), or none when a service read them already (``participation_facts_columns``):
    ``blocked``, ``manager``, ``invited``, ``verified``, ``open``."""
    phases_loaded = "phases" in getattr(process, "_prefetched_objects_cache", {})
    row = getattr(process, "_participation_facts", {}).get((user.pk, component))
    if row is None:
        sql, params, names = _select_list(_facts_columns(
            user, process_sql="%s", process_params=[process.pk], organisation_sql="%s",
            organisation_params=[process.organisation_id],
            invited=process.published_at is not None and process.visibility == Process.Visibility.PRIVATE,
            verified=process.verification == Process.Verification.POSTAL_CODE,
            components=component is not None and not phases_loaded))
        row = dict(zip(names, rows.one(f"SELECT {sql}", params), strict=True))  # noqa: S608 — fixed SQL, values as parameters
    facts = {"blocked": bool(row["blocked"]),
             "manager": bool(user.is_superuser or row.get("manager")),
             "invited": bool(row.get("invited")),
             "verified": process.verification != Process.Verification.POSTAL_CODE or bool(row.get("verified"))}
    if component is not None:
        if phases_loaded:
            facts["open"] = component_open(process, component)
        else:
            components = row.get("components")
            if isinstance(components, (str, bytes)):
                components = json.loads(components)
            facts["open"] = component in (components or [])
    return facts


def participation_check(*, user, process: Process, component: str | None = None) -> None:
    """Raise ``PermissionDenied`` (with the reason, in French) unless ``user`` may take part in
    ``process`` now, in ``component`` when given. Managers may always write in their processes,
    except when the component is closed. One query (``_participation_facts``), whatever the rules."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour prendre part à cette consultation."))
    if not user.is_active:
        raise PermissionDenied(_("Ce compte est désactivé."))
    facts = _participation_facts(user, process, component)
    if facts["blocked"]:
        raise PermissionDenied(_("Votre compte a été bloqué par la modération : vous ne pouvez plus prendre "
                                 "part aux consultations."))
    if not facts["manager"]:
        visible = process.published_at is not None and (process.visibility != Process.Visibility.PRIVATE
                                                        or facts["invited"])
        if not visible:
            raise core_services.NotFound(_("Consultation « %(slug)s » introuvable.") % {"slug": process.slug})
        if not facts["verified"]:
            from django.urls import reverse

            raise PermissionDenied(_("Cette consultation demande un code postal du Québec : indiquez le vôtre "
                                     "dans votre profil de participation (%(url)s).")
                                   % {"url": reverse("consult:verification")})
    if component is not None and not facts["open"]:
        raise PermissionDenied(_("Cette étape de la consultation n'est pas ouverte en ce moment."))


def participation_record(*, process: Process, user) -> Participation:
    """Count one action of ``user`` in ``process`` (creating their participation row the first time), in
    one statement (``INSERT … ON CONFLICT DO UPDATE``: two first actions at once make one row). Call it
    inside the transaction that writes the contribution."""
    now = timezone.now()
    table = rows.table(Participation)
    row = rows.one(
        f"INSERT INTO {table} (process_id, user_id, first_action_at, last_action_at, actions, supports_used, "  # noqa: S608 — names from the model, values as parameters
        "proposals_made) VALUES (%s, %s, %s, %s, 1, 0, 0) ON CONFLICT (process_id, user_id) DO UPDATE "
        f"SET actions = {table}.actions + 1, last_action_at = excluded.last_action_at "
        f"RETURNING {rows.columns(Participation)}", [process.pk, user.pk, now, now])
    return rows.instance(Participation, row)[0]


def posting_rate_check(user, action: str) -> None:
    """``RateLimited`` when ``user`` posted more than ``OUVERT_CONSULT_POSTS_PER_MINUTE`` (default 10)
    contributions of kind ``action`` in the current minute."""
    limit = getattr(settings, "OUVERT_CONSULT_POSTS_PER_MINUTE", 10)
    core_services.rate_limit_hit(key=f"consult:{action}:{user.pk}", limit=limit, per_seconds=60)
