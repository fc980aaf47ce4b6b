"""Public bodies' use of a software of the catalogue, with their referents (people of the body who can help
other bodies with it).

- A member of a public body or a municipality (``access.can_speak_for``; a platform admin too) declares the
  body's use of a free software once (``usage_declare``: what for, in French and optionally in English, the
  version used, since when, 0 to 5 referents), changes it (``usage_update``) or withdraws it
  (``usage_withdraw``). Universities, suppliers and other organisations do not declare uses. Every change is
  in the audit log. Two declarations of the same use at once make one row: the second is refused (400).
- A referent has a name, a role, an e-mail and optionally the account of a member of that body. Their e-mail
  is shown only to signed-in people (``referent_emails_visible``), never in the open data nor to anonymous
  callers of the API.
- Reading: ``usage_list(software)`` (the bodies using it, with their referents), ``usages_of_body(body)``,
  ``usage_counts(software_ids)`` (for the catalogue's lists), each a constant number of queries.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation

from . import access
from .catalogue import OPEN_DATA_KEY
from .models import Referent, Software, Usage

__all__ = ["MAX_REFERENTS", "body_get", "referent_emails_visible", "usage_body_choices", "usage_counts", "usage_counts_by_slug",
           "usage_declare", "usage_get", "usage_list", "usage_software_get", "usage_update", "usage_values",
           "usage_withdraw", "usages_of_body"]

#: Referents per use, at most.
MAX_REFERENTS = 5
PURPOSE_MAX = 5000
EARLIEST = datetime.date(1970, 1, 1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def register() -> None:
    """Nothing to plug in: the uses are shown on the catalogue's pages and the body pages (the catalogue's open
    dataset counts them through ``usage_counts``)."""


# --- Reading -----------------------------------------------------------------------------------------

def referent_emails_visible(user) -> bool:
    """Whether ``user`` may read referents' e-mail addresses: any signed-in person."""
    return access.is_signed_in(user)


def _referents():
    return Prefetch("referents", queryset=Referent.objects.order_by("position", "pk"))


def usage_software_get(slug: str) -> Software:
    """The software ``slug`` of the catalogue (``NotFound`` otherwise)."""
    software = Software.objects.filter(slug=str(slug or "")[:100]).first()
    if software is None:
        raise core_services.NotFound(_("Logiciel introuvable : « %(slug)s ».") % {"slug": str(slug)[:100]})
    return software


def body_get(slug: str) -> Organisation:
    """The public body or municipality ``slug`` (``NotFound`` for any other organisation)."""
    body = Organisation.objects.filter(slug=str(slug or "")[:100], kind__in=access.BODY_KINDS).first()
    if body is None:
        raise core_services.NotFound(_("Organisme public introuvable : « %(slug)s ».") % {"slug": str(slug)[:100]})
    return body


def usage_get(*, pk) -> Usage:
    try:
        usage = (Usage.objects.select_related("software", "organisation").prefetch_related(_referents())
                 .filter(pk=int(pk)).first())
    except (TypeError, ValueError):
        usage = None
    if usage is None:
        raise core_services.NotFound(_("Utilisation introuvable."))
    return usage


def usage_list(software: Software) -> list[Usage]:
    """The uses of ``software``, by body name, each with its organisation and referents (two queries)."""
    usages = list(Usage.objects.filter(software=software).select_related("organisation")
                  .prefetch_related(_referents()).order_by("organisation__name_fr", "pk"))
    for usage in usages:
        usage.software = software
    return usages


def usages_of_body(organisation: Organisation) -> list[Usage]:
    """The software ``organisation`` uses, by software name, with the referents (two queries)."""
    return list(Usage.objects.filter(organisation=organisation).select_related("software", "organisation")
                .prefetch_related(_referents()).order_by("software__name", "pk"))


def usage_counts(software_ids) -> dict[int, int]:
    """``{software id: number of bodies using it}`` for ``software_ids`` (one query; absent ids count 0)."""
    ids = [int(pk) for pk in software_ids]
    if not ids:
        return {}
    counts = dict(Usage.objects.filter(software_id__in=ids).order_by().values("software_id")
                  .annotate(n=Count("pk")).values_list("software_id", "n"))
    return {pk: counts.get(pk, 0) for pk in ids}


def usage_counts_by_slug(slugs) -> dict[str, int]:
    """``{software slug: number of bodies using it}`` for the known ``slugs`` (two queries)."""
    ids = dict(Software.objects.filter(slug__in=[str(s)[:100] for s in slugs]).values_list("slug", "pk"))
    counts = usage_counts(ids.values())
    return {slug: counts[pk] for slug, pk in ids.items()}


def usage_body_choices(user, software: Software | None = None) -> list[Organisation]:
    """The bodies ``user`` may declare a use for (their public bodies and municipalities; without the ones that
    already declared ``software``)."""
    bodies = access.member_bodies(user)
    if software is not None:
        bodies = bodies.exclude(software_usages__software=software)
    return list(bodies)


def usage_values(usage: Usage) -> dict:
    """A use as the form and the API's update take it."""
    return {"organisation": usage.organisation.slug, "purpose_fr": usage.purpose_fr, "purpose_en": usage.purpose_en,
            "version": usage.version, "since": usage.since.isoformat() if usage.since else "",
            "referents": [{"name": r.name, "email": r.email, "role": r.role,
                           "user": r.user.email if r.user_id and r.user else ""} for r in usage.referents.all()]}


# --- Checking what people send ------------------------------------------------------------------------

def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _text(value, field: str, errors: dict, *, label, limit: int, required: bool = False, lines: bool = False) -> str:
    raw = "" if value is None else str(value)
    if _CONTROL.search(raw):
        _add(errors, field, _("%(label)s contient des caractères de contrôle.") % {"label": label})
        return ""
    text = raw.strip() if lines else " ".join(raw.split())
    if required and not text:
        _add(errors, field, _("%(label)s est obligatoire.") % {"label": label})
    if len(text) > limit:
        _add(errors, field, _("%(label)s compte %(limit)s caractères au plus.") % {"label": label, "limit": limit})
        return ""
    return text


def _date(value, field: str, errors: dict, *, label) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip()[:40])
        except ValueError:
            _add(errors, field, _("%(label)s : date invalide (AAAA-MM-JJ attendu).") % {"label": label})
            return None
    if value < EARLIEST:
        _add(errors, field, _("%(label)s : date antérieure à 1970.") % {"label": label})
        return None
    if value > timezone.localdate():
        _add(errors, field, _("%(label)s : la date est dans le futur.") % {"label": label})
        return None
    return value


def _referent_user(value, organisation: Organisation, field: str, errors: dict):
    """The account a referent is linked to: a member of ``organisation``, given by e-mail or id."""
    text = str(value or "").strip()
    if not text:
        return None
    user_model = get_user_model()
    if text.isdigit():
        user = user_model.objects.filter(pk=int(text), is_active=True).first()
    else:
        user = user_model.objects.filter(email__iexact=text[:254], is_active=True).first()
    if user is None or not Membership.objects.filter(user=user, organisation=organisation).exists():
        _add(errors, field, _("Aucun compte de cet organisme ne correspond à « %(value)s » : un référent ne se relie "
                              "qu'au compte d'un membre de l'organisme.") % {"value": text[:80]})
        return None
    return user


def _clean_referents(rows, organisation: Organisation | None, errors: dict) -> list[dict]:
    if rows in (None, ""):
        return []
    if not isinstance(rows, list | tuple):
        _add(errors, "referents", _("Les personnes-ressources forment une liste."))
        return []
    rows = [row for row in rows if not (isinstance(row, dict) and not any(str(v or "").strip() for v in row.values()))]
    if len(rows) > MAX_REFERENTS:
        _add(errors, "referents", _("%(max)s personnes-ressources au plus par utilisation.") % {"max": MAX_REFERENTS})
        return []
    clean = []
    seen_emails = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            _add(errors, "referents", _("Personne-ressource %(n)s : entrée illisible.") % {"n": number})
            continue
        prefix = f"referents.{number - 1}"
        user = _referent_user(row.get("user"), organisation, f"{prefix}.user", errors) if organisation else None
        name = _text(row.get("name"), f"{prefix}.name", errors, label=_("Le nom de la personne-ressource %(n)s")
                     % {"n": number}, limit=200, required=user is None)
        email = _text(row.get("email"), f"{prefix}.email", errors,
                      label=_("Le courriel de la personne-ressource %(n)s") % {"n": number}, limit=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                _add(errors, f"{prefix}.email", _("Personne-ressource %(n)s : courriel invalide (« %(value)s »).")
                     % {"n": number, "value": email[:80]})
                email = ""
        role = _text(row.get("role"), f"{prefix}.role", errors, label=_("Le rôle de la personne-ressource %(n)s")
                     % {"n": number}, limit=200)
        if user is not None:
            name = name or user.full_name or user.email
            email = email or user.email
        if email and email.lower() in seen_emails:
            _add(errors, f"{prefix}.email", _("Personne-ressource %(n)s : ce courriel figure déjà plus haut.")
                 % {"n": number})
        seen_emails.add(email.lower())
        clean.append({"name": name[:200], "email": email, "role": role, "user": user})
    return clean


def _clean(data: dict, organisation: Organisation | None, errors: dict) -> dict:
    return {
        "purpose_fr": _text(data.get("purpose_fr"), "purpose_fr", errors, label=_("L'utilisation (en français)"),
                            limit=PURPOSE_MAX, required=True, lines=True),
        "purpose_en": _text(data.get("purpose_en"), "purpose_en", errors, label=_("L'utilisation (en anglais)"),
                            limit=PURPOSE_MAX, lines=True),
        "version": _text(data.get("version"), "version", errors, label=_("La version utilisée"), limit=60),
        "since": _date(data.get("since"), "since", errors, label=_("La date de début d'utilisation")),
        "referents": _clean_referents(data.get("referents"), organisation, errors),
    }


def _organisation(value) -> Organisation | None:
    if isinstance(value, Organisation):
        return value
    text = str(value or "").strip()
    return Organisation.objects.filter(slug=text[:100]).first() if text else None


def _check_body(actor, organisation: Organisation | None, errors: dict) -> None:
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour déclarer l'utilisation d'un logiciel."))
    if organisation is None:
        _add(errors, "organisation", _("Choisissez l'organisme public qui utilise le logiciel."))
    elif organisation.kind not in access.BODY_KINDS:
        _add(errors, "organisation", _("Seuls les ministères, organismes publics et municipalités déclarent "
                                       "l'utilisation d'un logiciel (« %(name)s » n'en est pas un).")
             % {"name": organisation.name_fr[:100]})
    elif not access.can_speak_for(actor, organisation):
        raise PermissionDenied(_("Seuls les membres de « %(name)s » déclarent ses utilisations de logiciels.")
                               % {"name": organisation.name_fr[:100]})


def _write_referents(usage: Usage, referents: list[dict]) -> None:
    usage.referents.all().delete()
    Referent.objects.bulk_create([Referent(usage=usage, position=n, name=r["name"], email=r["email"], role=r["role"],
                                           user=r["user"]) for n, r in enumerate(referents)])


def _audit_data(usage: Usage, values: dict) -> dict:
    return {"software": usage.software.slug, "organisation": usage.organisation.slug, "version": values["version"],
            "since": values["since"].isoformat() if values["since"] else None,
            "referents": [r["name"] for r in values["referents"]]}


def _already_declared(software: Software, organisation: Organisation) -> ValidationError:
    return ValidationError({"organisation": [_("« %(body)s » a déjà déclaré utiliser %(software)s : modifiez cette "
                                               "déclaration plutôt que d'en faire une seconde.")
                                             % {"body": organisation.name_fr[:100], "software": software.name[:100]}]})


# --- Writing ----------------------------------------------------------------------------------------

def usage_declare(*, actor, software: Software, organisation, data: dict) -> Usage:
    """Declare that ``organisation`` (an ``Organisation`` or its slug) uses ``software``; ``data``:
    ``purpose_fr`` (required), ``purpose_en``, ``version``, ``since`` (AAAA-MM-JJ), ``referents`` (up to five
    ``{"name", "email", "role", "user"}``, ``user`` being the e-mail or id of a member's account). One use per
    software and body: a second declaration is refused (``ValidationError``), even when both arrive at once."""
    errors: dict = {}
    body = _organisation(organisation)
    if body is None and str(organisation or "").strip():
        _add(errors, "organisation", _("Organisme inconnu : « %(v)s ».") % {"v": str(organisation)[:60]})
        if not access.is_signed_in(actor):
            raise PermissionDenied(_("Connectez-vous pour déclarer l'utilisation d'un logiciel."))
    else:
        _check_body(actor, body, errors)
    if software.is_proprietary:
        _add(errors, "software", _("%(name)s est un logiciel propriétaire : on ne déclare ici que l'utilisation de "
                                   "logiciels libres.") % {"name": software.name[:100]})
    values = _clean(data or {}, body if "organisation" not in errors else None, errors)
    if not errors and Usage.objects.filter(software=software, organisation=body).exists():
        raise _already_declared(software, body)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            usage = Usage.objects.create(software=software, organisation=body, purpose_fr=values["purpose_fr"],
                                         purpose_en=values["purpose_en"], version=values["version"],
                                         since=values["since"], declared_by=actor, created_at=now, updated_at=now)
            _write_referents(usage, values["referents"])
            core_services.audit_append(actor=actor, action="software.usage.declare", target=usage,
                                       data=_audit_data(usage, values))
            core_services.open_data_changed(OPEN_DATA_KEY)  # the catalogue's dataset lists the uses
    except IntegrityError:  # the same use declared at the same instant by someone else
        raise _already_declared(software, body) from None
    return usage_get(pk=usage.pk)


def usage_update(*, actor, usage: Usage, data: dict) -> Usage:
    """Change a use (same fields as ``usage_declare``; ``referents`` replaces the list). Members of the body."""
    errors: dict = {}
    _check_body(actor, usage.organisation, errors)
    values = _clean(data or {}, usage.organisation, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Usage.objects.select_for_update().filter(pk=usage.pk).first()
        if locked is None:
            raise core_services.NotFound(_("Utilisation introuvable (elle vient peut-être d'être retirée)."))
        for field in ("purpose_fr", "purpose_en", "version", "since"):
            setattr(locked, field, values[field])
        locked.updated_at = timezone.now()
        locked.save(update_fields=["purpose_fr", "purpose_en", "version", "since", "updated_at"])
        _write_referents(locked, values["referents"])
        core_services.audit_append(actor=actor, action="software.usage.update", target=locked,
                                   data=_audit_data(usage, values))
        core_services.open_data_changed(OPEN_DATA_KEY)
    return usage_get(pk=usage.pk)


def usage_withdraw(*, actor, usage: Usage) -> None:
    """Withdraw a use (and its referents). Members of the body."""
    errors: dict = {}
    _check_body(actor, usage.organisation, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="software.usage.withdraw", target=usage,
                                   data={"software": usage.software.slug, "organisation": usage.organisation.slug})
        Usage.objects.filter(pk=usage.pk).delete()
        core_services.open_data_changed(OPEN_DATA_KEY)
