"""The opportunities part of the market module (see ``services``): opportunities and their criteria,
skills and attachments; the status machine (draft → review → published → evaluation, with send-back,
suspension, resumption, cancellation and closing at the deadline); addenda; suppliers' questions and the
buyer's answers; follows; the public history of an opportunity; the buyers' settings.

Every writing function takes keyword-only arguments, checks who acts (``access``), validates with a
``ValidationError`` of French messages naming the field, writes in one transaction and appends to the
audit log. Nothing here reads or counts proposals: the only thing asked of the proposals part is the set
of supplier members to notify of an addendum (``proposals.supplier_users_with_proposal``), and that set
goes to those people themselves.

Time: deadlines are aware datetimes stored in UTC, entered and shown in America/Montreal
(``MONTREAL``). Proposals are accepted iff ``now < deadline``; the deadline has come iff ``now >= deadline``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import montreal
from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation

from . import access, ocds
from .formats import MONTREAL, money, montreal_text
from .models import (
    DEFAULT_LICENCE,
    LICENCES,
    Addendum,
    Attachment,
    BuyerSettings,
    Criterion,
    Follow,
    Opportunity,
    Question,
    Skill,
)

__all__ = [
    "BUYER_KINDS", "EDITABLE_FIELDS", "PUBLIC_STATUSES", "RESUME_MIN_DAYS",
    "FileTooLarge", "addendum_publish", "addendum_recipients", "attachment_add", "attachment_open",
    "attachment_remove", "buyer_dashboard", "buyer_organisations", "buyer_settings_get", "buyer_settings_set",
    "buyers_with_opportunities", "can_manage", "can_see", "is_following", "is_public", "opportunity_allowed_actions",
    "opportunity_cancel", "opportunity_close_due", "opportunity_close_if_due", "opportunity_create",
    "opportunity_get", "opportunity_history", "opportunity_list", "opportunity_problems", "opportunity_publish",
    "opportunity_resume", "opportunity_send_back", "opportunity_submit_for_review", "opportunity_suspend",
    "opportunity_update", "earliest_deadline", "parse_deadline", "follow_set", "question_answer", "question_ask",
    "question_decline", "question_get", "questions_for", "review_queue", "skill_list", ]

S = Opportunity.Status

#: The kinds of organisation that may buy (a supplier never does).
BUYER_KINDS = (Organisation.Kind.PUBLIC_BODY, Organisation.Kind.MUNICIPALITY, Organisation.Kind.UNIVERSITY)

#: Statuses everyone sees (a cancelled opportunity too, once it had been published).
PUBLIC_STATUSES = (S.PUBLISHED, S.SUSPENDED, S.EVALUATION, S.AWARDED)

#: Fields ``opportunity_create`` / ``opportunity_update`` take (plus ``skills`` and ``criteria``).
EDITABLE_FIELDS = (
    "title_fr", "title_en", "teaser_fr", "teaser_en", "description_fr", "description_en", "acceptance_fr",
    "acceptance_en", "price", "remote_ok", "location", "deadline", "assignment_date", "start_date",
    "completion_date", "licence", "repository_url",
)
TEXT_LIMITS = {"title_fr": 200, "title_en": 200, "teaser_fr": 400, "teaser_en": 400, "location": 200,
               "description_fr": 50000, "description_en": 50000, "acceptance_fr": 20000, "acceptance_en": 20000,
               "repository_url": 500}
LICENCE_IDS = {code for code, _label in LICENCES}

#: A suspended opportunity resumes only if at least this many days remain before its deadline (else the
#: resumption extends the deadline in the same step).
RESUME_MIN_DAYS = 5
#: Questions a person may ask per hour.
QUESTIONS_PER_HOUR = 10
REASON_MAX = 2000
QUESTION_MAX = 5000


class FileTooLarge(ValidationError):
    """An attachment above the size limit (HTTP 413)."""


def register() -> None:
    """Menu link and periodic closing of this part."""
    from ouvert.core import registry

    registry.register_menu_link(gettext_lazy("Développe avec nous"), "market:opportunity_list", order=55)
    registry.register_periodic("market.opportunities_close_due", opportunity_close_due, every_seconds=60)


# --- Helpers -------------------------------------------------------------------------------------

def parse_deadline(value, field: str = "deadline") -> datetime.datetime | None:
    """A deadline from a form or the API (``core.montreal.parse``: read in Montreal time unless it carries an
    offset); ``None`` when empty."""
    return montreal.parse(value, field)


def _parse_date(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(_("Date invalide (AAAA-MM-JJ attendu)."))
        return None


def earliest_deadline(now=None) -> datetime.datetime:
    """The earliest deadline a publication at ``now`` allows (``OUVERT_MARKET_MIN_POSTING_DAYS`` later)."""
    now = now or timezone.now()
    return now + datetime.timedelta(days=settings.OUVERT_MARKET_MIN_POSTING_DAYS)


def _audit(actor, verb: str, opportunity: Opportunity, data: dict | None = None) -> None:
    core_services.audit_append(actor=actor, action=f"market.opportunities.{verb}", target=opportunity,
                               data={"reference": opportunity.reference, **(data or {})})


def _url(opportunity: Opportunity) -> str:
    return reverse("market:opportunity_detail", kwargs={"reference": opportunity.reference})


def _public_changed(opportunity: Opportunity, tags: list[str]) -> None:
    """At the end of the transaction of a public event: its OCDS release, and the open data refresh."""
    ocds.release_add(opportunity, tags)
    core_services.open_data_changed("market")


def _locked(opportunity: Opportunity) -> Opportunity:
    """The opportunity's row, locked until the transaction ends (PostgreSQL; SQLite's transactions are
    already serialised), read afresh: transitions decide on what is stored, not on a stale copy."""
    return Opportunity.objects.select_for_update().select_related("buyer").get(pk=opportunity.pk)


def _sync(original: Opportunity, fresh: Opportunity) -> Opportunity:
    """The caller's instance brought up to date with what the transition stored (and returned)."""
    if original is not fresh:
        for field in Opportunity._meta.concrete_fields:
            setattr(original, field.attname, getattr(fresh, field.attname))
    return original


def _reason(reason, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Donnez le motif.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: [_("Le motif compte %(n)s caractères au plus.") % {"n": REASON_MAX}]})
    return reason


# --- Who may do what --------------------------------------------------------------------------------

def is_public(opportunity: Opportunity) -> bool:
    return opportunity.status in PUBLIC_STATUSES or (opportunity.status == S.CANCELLED
                                                     and opportunity.published_at is not None)


def _is_body_member(user, opportunity: Opportunity) -> bool:
    return access.is_signed_in(user) and core_services.user_has_role(user, opportunity.buyer_id)


def can_see(user, opportunity: Opportunity) -> bool:
    """Everyone sees public opportunities; drafts, reviews and unpublished cancellations only the
    members of the buying body and platform admins."""
    return is_public(opportunity) or access.is_platform_admin(user) or _is_body_member(user, opportunity)


def can_manage(user, opportunity: Opportunity) -> bool:
    """Editors and admins of the buying body (drafts, addenda, questions)."""
    return access.is_buyer(user, opportunity)


def _can_approve(user, opportunity: Opportunity) -> bool:
    return access.is_platform_admin(user) or access.is_buyer_admin(user, opportunity)


def _require_manager(actor, opportunity: Opportunity) -> None:
    if not can_manage(actor, opportunity):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur gèrent "
                                 "cette opportunité."))


def _require_approver(actor, opportunity: Opportunity, what: str) -> None:
    if not _can_approve(actor, opportunity):
        raise PermissionDenied(_("Seuls un administrateur de l'organisme acheteur ou un administrateur de la "
                                 "plateforme peuvent %(what)s cette opportunité.") % {"what": what})


def buyer_organisations(user) -> list[Organisation]:
    """The public bodies in which ``user`` may create opportunities (editor or admin)."""
    if not access.is_signed_in(user):
        return []
    ids = [m.organisation_id for m in core_services.membership_list(user=user) if m.role in access.MANAGE_ROLES]
    return list(Organisation.objects.filter(pk__in=ids, kind__in=BUYER_KINDS).order_by("name_fr"))


def opportunity_allowed_actions(user, opportunity: Opportunity, now=None, *, role: str | None = None) -> list[str]:
    """The transitions ``user`` may ask for now (the buttons of the dashboards): a subset of ``edit``,
    ``submit``, ``send_back``, ``publish``, ``suspend``, ``resume``, ``cancel``, ``addendum``. ``role``: the
    person's role in the buying body when already known (``""`` for none), to spare a query per row."""
    now = now or timezone.now()
    if role is None:
        manager = can_manage(user, opportunity)
        approver = _can_approve(user, opportunity)
    else:
        manager = access.is_signed_in(user) and role in access.MANAGE_ROLES
        approver = access.is_platform_admin(user) or (access.is_signed_in(user) and role == Membership.Role.ADMIN)
    status = opportunity.status
    actions = []
    if status == S.DRAFT and manager:
        actions += ["edit", "submit"]
    if status == S.REVIEW and approver:
        actions += ["send_back", "publish"]
    if manager and (opportunity.is_open(now) or status == S.SUSPENDED):
        actions.append("addendum")
    if status == S.PUBLISHED and approver:
        actions.append("suspend")
    if status == S.SUSPENDED and approver:
        actions.append("resume")
    if status in (S.DRAFT, S.REVIEW) and (manager or approver):
        actions.append("cancel")
    elif status in (S.PUBLISHED, S.SUSPENDED, S.EVALUATION) and approver:
        actions.append("cancel")
    return actions


# --- Reading ------------------------------------------------------------------------------------

def opportunity_get(*, reference: str, user) -> Opportunity:
    """The opportunity ``reference`` if ``user`` may see it (``NotFound`` otherwise, even if it exists),
    closed first if its deadline has come."""
    opportunity = (Opportunity.objects.select_related("buyer").filter(reference=str(reference or "")[:30])
                   .first())
    if opportunity is None or not can_see(user, opportunity):
        raise core_services.NotFound(_("Opportunité « %(ref)s » introuvable.") % {"ref": reference})
    return opportunity_close_if_due(opportunity)


def _amount_text(value) -> str:
    """An amount as typed, in either language, made plain: « 45 000,50 », « 45,000.50 », « 1,234,567 », « 45000.5 »
    → ``45000.50``… Amounts have at most two decimals, so the last separator (comma or point) is the decimal mark
    when one or two digits follow it, and separators group thousands when there are several or of both kinds.
    « 45,000 » or « 12.345 » alone could be either: ``ValueError`` (the caller asks for a plain amount)."""
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    last = max(text.rfind(","), text.rfind("."))
    if last < 0:
        return text
    if 1 <= len(text) - last - 1 <= 2:
        return text[:last].replace(",", "").replace(".", "") + "." + text[last + 1:]
    if text.count(",") + text.count(".") == 1 and len(text) - last - 1 == 3:
        raise ValueError("ambiguous separator")
    return text.replace(",", "").replace(".", "")


def _decimal(value, field: str, errors: dict | None = None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(_amount_text(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        message = _("Entrez un montant en dollars, avec au plus deux décimales et sans ambiguïté (ex. 45000, "
                    "45 000 ou 45000,00).")
        if errors is None:
            raise ValidationError({field: [message]})
        errors.setdefault(field, []).append(message)
        return None
    return number


def opportunity_list(*, filters: dict | None = None, user=None):
    """Public opportunities (published, suspended, in evaluation, awarded, and cancelled after
    publication), newest first, with ``filters``: ``status`` (one or a list), ``skills`` (slugs: any of
    them), ``value_min`` / ``value_max`` (CAD), ``buyer`` (slug), ``remote`` (true/false), ``q`` (words of the
    title). ``ValidationError`` on a bad filter. Buyer and skills come with each (no query per row)."""
    filters = filters or {}
    qs = Opportunity.objects.filter(Q(status__in=PUBLIC_STATUSES) | Q(status=S.CANCELLED,
                                                                       published_at__isnull=False))
    statuses = filters.get("status") or []
    if isinstance(statuses, str):
        statuses = [statuses]
    statuses = [s for s in statuses if s]
    if statuses:
        allowed = set(PUBLIC_STATUSES) | {S.CANCELLED}
        unknown = [s for s in statuses if s not in allowed]
        if unknown:
            raise ValidationError({"status": [_("Statut inconnu : %(s)s.") % {"s": ", ".join(unknown)}]})
        qs = qs.filter(status__in=statuses)
    skills = filters.get("skills") or []
    if isinstance(skills, str):
        skills = [skills]
    skills = [s for s in skills if s]
    if skills:
        qs = qs.filter(skills__slug__in=skills).distinct()
    errors: dict = {}
    low = _decimal(filters.get("value_min"), "value_min", errors)
    high = _decimal(filters.get("value_max"), "value_max", errors)
    if errors:
        raise ValidationError(errors)
    if low is not None:
        qs = qs.filter(price__gte=low)
    if high is not None:
        qs = qs.filter(price__lte=high)
    if filters.get("buyer"):
        qs = qs.filter(buyer__slug=filters["buyer"])
    remote = filters.get("remote")
    if remote not in (None, ""):
        if isinstance(remote, str):
            if remote.lower() not in ("true", "false", "1", "0", "on", "oui", "non"):
                raise ValidationError({"remote": [_("« remote » vaut true ou false.")]})
            remote = remote.lower() in ("true", "1", "on", "oui")
        qs = qs.filter(remote_ok=bool(remote))
    words = (filters.get("q") or "").strip()
    if words:
        for word in words.split()[:10]:
            qs = qs.filter(Q(title_fr__icontains=word) | Q(title_en__icontains=word)
                           | Q(teaser_fr__icontains=word) | Q(reference__iexact=word))
    return qs.select_related("buyer").prefetch_related("skills").order_by("-published_at", "-id")


def skill_list():
    return Skill.objects.order_by("name_fr")


def buyers_with_opportunities() -> list[Organisation]:
    """The bodies that have published at least one opportunity (the list's filter)."""
    return list(Organisation.objects.filter(kind__in=BUYER_KINDS, market_opportunities__published_at__isnull=False)
                .distinct().order_by("name_fr"))


def buyer_dashboard(*, user) -> dict:
    """What a buyer sees: the opportunities of the bodies ``user`` belongs to, by status, with the
    questions waiting for an answer and, for admins, the bodies' settings."""
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour voir l'espace acheteur."))
    memberships = [m for m in core_services.membership_list(user=user) if m.organisation.kind in BUYER_KINDS]
    org_ids = [m.organisation_id for m in memberships]
    opportunities = list(Opportunity.objects.filter(buyer_id__in=org_ids).select_related("buyer")
                         .order_by("deadline", "-id"))
    pending = list(Question.objects.filter(opportunity__buyer_id__in=org_ids, status=Question.Status.OPEN)
                   .select_related("opportunity").order_by("asked_at"))
    admin_orgs = [m.organisation for m in memberships if m.role == Membership.Role.ADMIN]
    settings_by_org = {s.organisation_id: s for s in BuyerSettings.objects.filter(organisation__in=admin_orgs)}
    by_status = []
    for value, label in S.choices:
        rows = [o for o in opportunities if o.status == value]
        if rows:
            by_status.append({"status": value, "label": label, "opportunities": rows})
    return {"memberships": memberships, "by_status": by_status, "opportunities": opportunities,
            "pending_questions": pending,
            "settings": [{"organisation": o, "settings": settings_by_org.get(o.pk) or BuyerSettings(organisation=o)}
                         for o in admin_orgs],
            "can_create": any(m.role in access.MANAGE_ROLES for m in memberships)}


def review_queue(*, user) -> list[Opportunity]:
    """Opportunities waiting for review that ``user`` may publish (a body's admins; every one for
    platform admins), oldest submission first."""
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour voir les opportunités à réviser."))
    qs = Opportunity.objects.filter(status=S.REVIEW).select_related("buyer").prefetch_related("criteria")
    if not access.is_platform_admin(user):
        ids = [m.organisation_id for m in core_services.membership_list(user=user)
               if m.role == Membership.Role.ADMIN]
        qs = qs.filter(buyer_id__in=ids)
    return list(qs.order_by("submitted_for_review_at", "id"))


# --- Creating and changing a draft -----------------------------------------------------------------

def _clean_values(data: dict, errors: dict) -> dict:
    values = {}
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "price":
            value = _decimal(value, "price", errors)
            if value is None and "price" not in errors:
                errors.setdefault("price", []).append(_("Indiquez le prix fixe."))
            if value is None:
                continue
        elif field == "deadline":
            try:
                value = parse_deadline(value)
            except ValidationError as exc:
                for message in exc.message_dict["deadline"]:
                    errors.setdefault("deadline", []).append(message)
                continue
        elif field in ("assignment_date", "start_date", "completion_date"):
            value = _parse_date(value, field, errors)
            if field in errors:
                continue
        elif field == "remote_ok":
            value = value in (True, "true", "on", "1", 1, "True")
        elif field == "licence":
            value = (value or "").strip()
            if not value:
                continue  # not given: the current one (or the buyer's default) stays
        else:
            value = "" if value is None else str(value).strip()
            if "\x00" in value:
                errors.setdefault(field, []).append(_("Caractère nul interdit."))
                continue
            limit = TEXT_LIMITS.get(field)
            if limit and len(value) > limit:
                errors.setdefault(field, []).append(_("%(n)s caractères au plus.") % {"n": limit})
                continue
        values[field] = value
    return values


def _check(opportunity: Opportunity, errors: dict) -> None:
    """The rules that hold for any saved draft: ceiling, licence, repository, dates in order."""
    if not (opportunity.title_fr or "").strip():
        errors.setdefault("title_fr", []).append(_("Donnez un titre à l'opportunité."))
    price = opportunity.price
    if price is not None and "price" not in errors:
        if price <= 0:
            errors.setdefault("price", []).append(_("Le prix fixe doit être positif."))
        elif price > Decimal(settings.OUVERT_MARKET_CEILING):
            shown = money(price) if price < Decimal("1e15") else f"{price} $"
            errors.setdefault("price", []).append(
                _("Le prix fixe (%(price)s) dépasse le plafond de %(ceiling)s des micro-acquisitions (engagement 4 "
                  "du plan d'action ; réglage OUVERT_MARKET_CEILING).") % {"price": shown,
                                                                           "ceiling": money(settings.OUVERT_MARKET_CEILING)})
        elif price != price.quantize(Decimal("0.01")):
            errors.setdefault("price", []).append(_("Le prix fixe compte au plus deux décimales."))
        else:
            opportunity.price = price.quantize(Decimal("0.01"))
    if opportunity.licence not in LICENCE_IDS:
        errors.setdefault("licence", []).append(
            _("Licence inconnue : « %(l)s ». Choisissez un identifiant SPDX de la liste (%(list)s).")
            % {"l": opportunity.licence, "list": ", ".join(sorted(LICENCE_IDS))})
    if opportunity.repository_url:
        try:
            URLValidator(schemes=["http", "https"])(opportunity.repository_url)
        except ValidationError:
            errors.setdefault("repository_url", []).append(
                _("Le dépôt de livraison doit être une adresse web complète (https://…)."))
    deadline_day = opportunity.deadline.astimezone(MONTREAL).date() if opportunity.deadline else None
    a, s, c = opportunity.assignment_date, opportunity.start_date, opportunity.completion_date
    if deadline_day and a and not deadline_day < a:
        errors.setdefault("assignment_date", []).append(
            _("L'attribution prévue doit suivre la date limite des propositions."))
    if a and s and not a <= s:
        errors.setdefault("start_date", []).append(_("Le début prévu ne peut précéder l'attribution prévue."))
    if s and c and not s < c:
        errors.setdefault("completion_date", []).append(_("La fin prévue doit suivre le début prévu."))


def _criteria_clean(criteria, errors: dict) -> list[dict] | None:
    """``criteria`` as given (list of dicts ``name_fr``, ``name_en``, ``description_fr``,
    ``description_en``, ``weight``), checked one by one; ``None`` when absent."""
    if criteria is None:
        return None
    if not isinstance(criteria, (list, tuple)):
        errors.setdefault("criteria", []).append(_("Les critères forment une liste."))
        return None
    rows = []
    for n, item in enumerate(criteria, start=1):
        if not isinstance(item, dict):
            errors.setdefault("criteria", []).append(_("Critère %(n)s : forme invalide.") % {"n": n})
            continue
        name = str(item.get("name_fr") or "").strip()
        if not name and not str(item.get("weight") or "").strip() and not str(item.get("description_fr") or ""
                                                                              ).strip():
            continue  # an empty row of the form
        if not name:
            errors.setdefault("criteria", []).append(_("Critère %(n)s : donnez-lui un nom.") % {"n": n})
        elif len(name) > 200:
            errors.setdefault("criteria", []).append(_("Critère %(n)s : 200 caractères au plus.") % {"n": n})
        try:
            weight = int(str(item.get("weight", "")).strip())
        except ValueError:
            weight = None
        if weight is None or not 1 <= weight <= 100:
            errors.setdefault("criteria", []).append(
                _("Critère %(n)s : la pondération est un nombre entier de 1 à 100.") % {"n": n})
            continue
        rows.append({"name_fr": name[:200], "name_en": str(item.get("name_en") or "").strip()[:200],
                     "description_fr": str(item.get("description_fr") or "").strip()[:5000],
                     "description_en": str(item.get("description_en") or "").strip()[:5000], "weight": weight})
    return rows


def _skills_resolve(names) -> list[Skill]:
    """Skills by slug or name; a name not known yet becomes a new skill."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [n for n in re.split(r"[,\n]", names)]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) or n is None for n in names):
        raise ValidationError({"skills": [_("Les compétences forment une liste de noms.")]})
    if len(names) > 50:
        raise ValidationError({"skills": [_("50 compétences au plus.")]})
    skills: dict[int, Skill] = {}
    for raw in names:
        name = str(raw or "").strip()[:120]
        if not name:
            continue
        slug = slugify(name)[:80]
        if not slug:
            raise ValidationError({"skills": [_("Compétence invalide : « %(s)s ».") % {"s": name}]})
        skill = (Skill.objects.filter(slug=slug).first()
                 or Skill.objects.filter(name_fr__iexact=name).first())
        if skill is None:
            skill, _created = Skill.objects.get_or_create(slug=slug, defaults={"name_fr": name})
        skills[skill.pk] = skill
    return list(skills.values())


def _next_reference(now) -> str:
    year = now.astimezone(MONTREAL).year
    prefix = f"DAN-{year}-"
    used = Opportunity.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    last = max((int(r[len(prefix):]) for r in used if r[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


def opportunity_create(*, actor, buyer: Organisation, data: dict) -> Opportunity:
    """A draft opportunity of ``buyer`` (a public body, municipality or university in which ``actor`` is
    editor or admin). ``data``: the ``EDITABLE_FIELDS``, ``skills`` (names or slugs) and ``criteria``."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour créer une opportunité."))
    if not access.is_buyer(actor, buyer):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs d'un organisme public créent ses "
                                 "opportunités."))
    if buyer.kind not in BUYER_KINDS:
        raise PermissionDenied(_("Seul un organisme public, une municipalité ou une université achète sur "
                                 "« Développe avec nous » (« %(org)s » est un fournisseur).") % {"org": buyer.label})
    errors: dict = {}
    values = _clean_values(data, errors)
    if "price" not in values and "price" not in errors:
        errors["price"] = [_("Indiquez le prix fixe.")]
    criteria = _criteria_clean(data.get("criteria"), errors)
    buyer_settings = BuyerSettings.objects.filter(organisation=buyer).first()
    values.setdefault("licence", buyer_settings.default_licence if buyer_settings else DEFAULT_LICENCE)
    now = timezone.now()
    opportunity = Opportunity(buyer=buyer, created_by=actor, status=S.DRAFT, created_at=now, updated_at=now,
                              **{"price": Decimal("0"), **values})
    _check(opportunity, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        skills = _skills_resolve(data.get("skills"))
        for _attempt in range(20):
            opportunity.reference = _next_reference(now)
            try:
                with transaction.atomic():
                    opportunity.save()
                break
            except IntegrityError:
                opportunity.pk = None
                continue
        else:  # pragma: no cover - twenty creations at once in the same instant
            raise ValidationError({"reference": [_("Numéro d'opportunité indisponible : réessayez.")]})
        if skills:
            opportunity.skills.set(skills)
        for position, row in enumerate(criteria or []):
            Criterion.objects.create(opportunity=opportunity, position=position, **row)
        _audit(actor, "create", opportunity, {"buyer": buyer.slug})
    return opportunity


def opportunity_update(*, actor, opportunity: Opportunity, data: dict) -> Opportunity:
    """Change a draft: the ``EDITABLE_FIELDS`` present in ``data``, ``skills`` and ``criteria`` (the list
    replaces the criteria) when given. Once submitted for review, then published, the content is frozen:
    changes go through the review (sent back to draft) and, after publication, through addenda."""
    original = opportunity
    _require_manager(actor, opportunity)
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.DRAFT:
            raise ValidationError({"status": [
                _("Seul un brouillon se modifie (statut actuel : %(s)s). Après la publication, publiez un "
                  "addenda.") % {"s": opportunity.get_status_display()}]})
        errors: dict = {}
        values = _clean_values(data, errors)
        criteria = _criteria_clean(data.get("criteria"), errors)
        for field, value in values.items():
            setattr(opportunity, field, value)
        _check(opportunity, errors)
        if errors:
            raise ValidationError(errors)
        skills = _skills_resolve(data.get("skills"))
        opportunity.updated_at = timezone.now()
        opportunity.save()
        if skills is not None:
            opportunity.skills.set(skills)
        if criteria is not None:
            opportunity.criteria.all().delete()
            for position, row in enumerate(criteria):
                Criterion.objects.create(opportunity=opportunity, position=position, **row)
        _audit(actor, "update", opportunity, {"fields": sorted(values) + (["skills"] if skills is not None else [])
                                              + (["criteria"] if criteria is not None else [])})
    return _sync(original, opportunity)


def opportunity_problems(opportunity: Opportunity, now=None) -> dict:
    """What keeps ``opportunity`` from review or publication, by field (empty: nothing)."""
    now = now or timezone.now()
    errors: dict = {}
    _check(opportunity, errors)
    for field, message in (("teaser_fr", _("Écrivez une accroche.")),
                           ("description_fr", _("Décrivez le travail demandé.")),
                           ("acceptance_fr", _("Écrivez les critères d'acceptation du livrable."))):
        if not (getattr(opportunity, field) or "").strip():
            errors.setdefault(field, []).append(message)
    if not opportunity.remote_ok and not (opportunity.location or "").strip():
        errors.setdefault("location", []).append(_("Indiquez le lieu du travail, ou permettez le travail à distance."))
    if opportunity.deadline is None:
        errors.setdefault("deadline", []).append(_("Fixez la date limite des propositions."))
    else:
        earliest = earliest_deadline(now)
        if opportunity.deadline < earliest:
            errors.setdefault("deadline", []).append(
                _("La date limite du %(deadline)s doit laisser au moins %(days)s jours aux fournisseurs à compter "
                  "de la publication : au plus tôt le %(earliest)s (réglage OUVERT_MARKET_MIN_POSTING_DAYS).")
                % {"deadline": montreal_text(opportunity.deadline), "days": settings.OUVERT_MARKET_MIN_POSTING_DAYS,
                   "earliest": montreal_text(earliest)})
    for field, message in (("assignment_date", _("Indiquez la date d'attribution prévue.")),
                           ("start_date", _("Indiquez la date de début prévue.")),
                           ("completion_date", _("Indiquez la date de fin prévue."))):
        if getattr(opportunity, field) is None:
            errors.setdefault(field, []).append(message)
    criteria = list(opportunity.criteria.all())
    if not criteria:
        errors.setdefault("criteria", []).append(_("Donnez au moins un critère d'évaluation."))
    else:
        total = sum(c.weight for c in criteria)
        if total != 100:
            errors.setdefault("criteria", []).append(
                _("Les pondérations des critères totalisent %(total)s %% ; elles doivent totaliser exactement "
                  "100 %%.") % {"total": total})
    return errors


# --- The status machine ----------------------------------------------------------------------------

def _members(opportunity: Opportunity, roles) -> list:
    return [m.user for m in Membership.objects.filter(organisation_id=opportunity.buyer_id, role__in=list(roles),
                                                      user__is_active=True).select_related("user")]


def _wrong_status(opportunity: Opportunity, action: str) -> ValidationError:
    return ValidationError({"status": [_("Impossible de %(action)s une opportunité au statut « %(s)s ».")
                                       % {"action": action, "s": opportunity.get_status_display()}]})


def opportunity_submit_for_review(*, actor, opportunity: Opportunity) -> Opportunity:
    """draft → review, by an editor or admin of the body, once nothing is missing. The body's admins are
    told."""
    original = opportunity
    _require_manager(actor, opportunity)
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.DRAFT:
            raise _wrong_status(opportunity, _("soumettre à la révision"))
        problems = opportunity_problems(opportunity)
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        opportunity.status = S.REVIEW
        opportunity.submitted_for_review_at = now
        opportunity.status_reason = ""
        opportunity.updated_at = now
        opportunity.save(update_fields=["status", "submitted_for_review_at", "status_reason", "updated_at"])
        _audit(actor, "submit", opportunity, {"from": S.DRAFT, "to": S.REVIEW})
        admins = [u for u in _members(opportunity, [Membership.Role.ADMIN]) if u.pk != actor.pk]
        core_services.notify(recipients=admins, subject=_("Opportunité à réviser : %(ref)s") % {
            "ref": opportunity.reference}, body=opportunity.title_fr, url=_url(opportunity))
    return _sync(original, opportunity)


def opportunity_send_back(*, actor, opportunity: Opportunity, reason: str) -> Opportunity:
    """review → draft, with the reason, by a body admin or a platform admin."""
    original = opportunity
    _require_approver(actor, opportunity, _("renvoyer"))
    reason = _reason(reason)
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.REVIEW:
            raise _wrong_status(opportunity, _("renvoyer en brouillon"))
        opportunity.status = S.DRAFT
        opportunity.status_reason = reason
        opportunity.updated_at = timezone.now()
        opportunity.save(update_fields=["status", "status_reason", "updated_at"])
        _audit(actor, "send_back", opportunity, {"from": S.REVIEW, "to": S.DRAFT, "reason": reason})
        recipients = [u for u in _members(opportunity, access.MANAGE_ROLES) if u.pk != actor.pk]
        core_services.notify(recipients=recipients, subject=_("Opportunité renvoyée en brouillon : %(ref)s")
                             % {"ref": opportunity.reference}, body=reason, url=_url(opportunity))
    return _sync(original, opportunity)


def opportunity_publish(*, actor, opportunity: Opportunity) -> Opportunity:
    """review → published, by a body admin or a platform admin; the deadline must be at least
    ``OUVERT_MARKET_MIN_POSTING_DAYS`` days away (the refusal names the earliest allowed deadline)."""
    original = opportunity
    _require_approver(actor, opportunity, _("publier"))
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.REVIEW:
            raise _wrong_status(opportunity, _("publier"))
        now = timezone.now()
        problems = opportunity_problems(opportunity, now)
        if problems:
            raise ValidationError(problems)
        opportunity.status = S.PUBLISHED
        opportunity.published_at = now
        opportunity.status_reason = ""
        opportunity.updated_at = now
        opportunity.save(update_fields=["status", "published_at", "status_reason", "updated_at"])
        _audit(actor, "publish", opportunity, {"from": S.REVIEW, "to": S.PUBLISHED,
                                               "deadline": opportunity.deadline.isoformat()})
        recipients = [u for u in _members(opportunity, access.MANAGE_ROLES) if u.pk != actor.pk]
        core_services.notify(recipients=recipients, subject=_("Opportunité publiée : %(ref)s")
                             % {"ref": opportunity.reference}, body=opportunity.title_fr, url=_url(opportunity))
        _public_changed(opportunity, ["tender"])
    return _sync(original, opportunity)


def _status_addendum(actor, opportunity: Opportunity, body_fr: str, *, previous=None, new=None) -> Addendum:
    return _addendum_create(actor, opportunity, Addendum.Kind.STATUS, body_fr, "", previous, new)


def opportunity_suspend(*, actor, opportunity: Opportunity, reason: str) -> Opportunity:
    """published → suspended (no proposal is accepted meanwhile), with the reason, published as a status
    addendum; by a body admin or a platform admin, before the deadline."""
    original = opportunity
    _require_approver(actor, opportunity, _("suspendre"))
    reason = _reason(reason)
    with transaction.atomic():
        opportunity = opportunity_close_if_due(_locked(opportunity))
        if opportunity.status != S.PUBLISHED:
            raise _wrong_status(opportunity, _("suspendre"))
        opportunity.status = S.SUSPENDED
        opportunity.status_reason = reason
        opportunity.updated_at = timezone.now()
        opportunity.save(update_fields=["status", "status_reason", "updated_at"])
        addendum = _status_addendum(actor, opportunity, _("L'opportunité est suspendue : aucune proposition n'est "
                                                          "acceptée jusqu'à sa reprise. Motif : %(r)s") % {"r": reason})
        _audit(actor, "suspend", opportunity, {"from": S.PUBLISHED, "to": S.SUSPENDED, "reason": reason,
                                               "addendum": addendum.number})
        _public_changed(opportunity, ["tenderAmendment"])
    return _sync(original, opportunity)


def opportunity_resume(*, actor, opportunity: Opportunity, new_deadline=None, reason: str = "") -> Opportunity:
    """suspended → published, by a body admin or a platform admin. If the deadline has passed or is less
    than ``RESUME_MIN_DAYS`` days away, ``new_deadline`` (later than the current one, and at least that
    far) is required and applied in the same step."""
    original = opportunity
    _require_approver(actor, opportunity, _("reprendre"))
    new_deadline = parse_deadline(new_deadline, "new_deadline")
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.SUSPENDED:
            raise _wrong_status(opportunity, _("reprendre"))
        now = timezone.now()
        minimum = now + datetime.timedelta(days=RESUME_MIN_DAYS)
        previous = opportunity.deadline
        if new_deadline is None and previous < minimum:
            raise ValidationError({"new_deadline": [
                _("La date limite du %(deadline)s est passée ou trop proche : reprendre exige de la reporter au "
                  "moins %(days)s jours plus loin, au plus tôt le %(earliest)s.")
                % {"deadline": montreal_text(previous), "days": RESUME_MIN_DAYS,
                   "earliest": montreal_text(minimum)}]})
        if new_deadline is not None:
            if new_deadline <= previous:
                raise ValidationError({"new_deadline": [
                    _("La nouvelle date limite, le %(new)s, doit suivre la date limite actuelle, le %(old)s : elle ne "
                      "peut qu'être reportée.") % {"new": montreal_text(new_deadline),
                                                   "old": montreal_text(previous)}]})
            if new_deadline < minimum:
                raise ValidationError({"new_deadline": [
                    _("La nouvelle date limite doit laisser au moins %(days)s jours : au plus tôt le %(earliest)s.")
                    % {"days": RESUME_MIN_DAYS, "earliest": montreal_text(minimum)}]})
            _dates_after_deadline(opportunity, new_deadline)
            opportunity.deadline = new_deadline
        opportunity.status = S.PUBLISHED
        opportunity.status_reason = ""
        opportunity.updated_at = now
        opportunity.save(update_fields=["status", "status_reason", "deadline", "updated_at"])
        body = _("L'opportunité reprend : les propositions sont de nouveau acceptées.")
        if new_deadline is not None:
            body += " " + _("La date limite est reportée du %(old)s au %(new)s.") % {
                "old": montreal_text(previous), "new": montreal_text(new_deadline)}
        reason = (reason or "").strip()[:REASON_MAX]
        if reason:
            body += " " + reason
        addendum = _status_addendum(actor, opportunity, body, previous=previous if new_deadline else None,
                                    new=new_deadline)
        data = {"from": S.SUSPENDED, "to": S.PUBLISHED, "addendum": addendum.number}
        if new_deadline is not None:
            data.update(previous_deadline=previous.isoformat(), new_deadline=new_deadline.isoformat())
        _audit(actor, "resume", opportunity, data)
        _public_changed(opportunity, ["tenderAmendment"])
    return _sync(original, opportunity)


def opportunity_cancel(*, actor, opportunity: Opportunity, reason: str) -> Opportunity:
    """→ cancelled, with the reason: a draft or a review by an editor or admin of the body; published,
    suspended or in evaluation by a body admin or a platform admin; never once awarded."""
    original = opportunity
    reason = _reason(reason)
    with transaction.atomic():
        opportunity = _locked(opportunity)
        before = opportunity.status
        if before in (S.DRAFT, S.REVIEW):
            if not (can_manage(actor, opportunity) or _can_approve(actor, opportunity)):
                raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur annulent "
                                         "cette opportunité."))
        else:
            _require_approver(actor, opportunity, _("annuler"))
        if before not in (S.DRAFT, S.REVIEW, S.PUBLISHED, S.SUSPENDED, S.EVALUATION):
            raise _wrong_status(opportunity, _("annuler"))
        now = timezone.now()
        opportunity.status = S.CANCELLED
        opportunity.cancelled_at = now
        opportunity.status_reason = reason
        opportunity.updated_at = now
        opportunity.save(update_fields=["status", "cancelled_at", "status_reason", "updated_at"])
        data = {"from": before, "to": S.CANCELLED, "reason": reason}
        if opportunity.published_at is not None:
            addendum = _status_addendum(actor, opportunity, _("L'opportunité est annulée. Motif : %(r)s") % {"r": reason})
            data["addendum"] = addendum.number
        _audit(actor, "cancel", opportunity, data)
        if opportunity.published_at is not None:
            _public_changed(opportunity, ["tenderCancellation"])
    return _sync(original, opportunity)


def _close(opportunity_id: int, now) -> Opportunity | None:
    """Close one published opportunity whose deadline has come (once, whoever gets there first)."""
    with transaction.atomic():
        changed = Opportunity.objects.filter(pk=opportunity_id, status=S.PUBLISHED, deadline__lte=now).update(
            status=S.EVALUATION, closed_at=now, updated_at=now)
        if not changed:
            return None
        opportunity = Opportunity.objects.select_related("buyer").get(pk=opportunity_id)
        _audit(None, "close", opportunity, {"from": S.PUBLISHED, "to": S.EVALUATION,
                                            "deadline": opportunity.deadline.isoformat()})
        _public_changed(opportunity, ["tenderUpdate"])
    return opportunity


def opportunity_close_due(now=None) -> int:
    """Move every published opportunity whose deadline has come to evaluation (a periodic job, every
    minute); returns how many were closed."""
    now = now or timezone.now()
    ids = list(Opportunity.objects.filter(status=S.PUBLISHED, deadline__lte=now).values_list("pk", flat=True))
    return sum(1 for pk in ids if _close(pk, now) is not None)


def opportunity_close_if_due(opportunity: Opportunity) -> Opportunity:
    """``opportunity``, closed first if it is published and its deadline has come (the lazy twin of
    ``opportunity_close_due``, for the pages and services that read it)."""
    now = timezone.now()
    if opportunity.status == S.PUBLISHED and opportunity.deadline is not None and now >= opportunity.deadline:
        _close(opportunity.pk, now)
        opportunity.refresh_from_db()
    return opportunity


# --- Addenda -------------------------------------------------------------------------------------

def addendum_recipients(opportunity: Opportunity) -> set:
    """Who is told of an addendum: the followers, and every member of a supplier with a proposal (draft,
    submitted, or withdrawn and so perhaps resubmitted: the proposals part knows them; the buyer never sees
    this set)."""
    users = {f.user for f in Follow.objects.filter(opportunity=opportunity, user__is_active=True)
             .select_related("user")}
    users |= set(_supplier_users_with_proposal(opportunity))
    return users


def _supplier_users_with_proposal(opportunity: Opportunity):
    try:
        from .proposals import supplier_users_with_proposal
    except ImportError:  # the proposals part not there yet: the same set, read here
        from .models import Proposal

        org_ids = Proposal.objects.filter(opportunity=opportunity).values("supplier__organisation_id")
        return {m.user for m in Membership.objects.filter(organisation_id__in=org_ids, user__is_active=True)
                .select_related("user")}
    return supplier_users_with_proposal(opportunity)


def _addendum_create(actor, opportunity: Opportunity, kind: str, body_fr: str, body_en: str, previous,
                     new) -> Addendum:
    """Number the addendum (1, 2, 3… per opportunity, unique under concurrency) and tell the recipients.
    The opportunity's row is locked by the caller."""
    now = timezone.now()
    for _attempt in range(20):
        last = Addendum.objects.filter(opportunity=opportunity).order_by("-number").values_list("number",
                                                                                                 flat=True).first()
        addendum = Addendum(opportunity=opportunity, number=(last or 0) + 1, kind=kind, body_fr=body_fr,
                            body_en=body_en, previous_deadline=previous, new_deadline=new, published_at=now,
                            published_by=actor if access.is_signed_in(actor) else None)
        try:
            with transaction.atomic():
                addendum.save()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise ValidationError({"number": [_("Numéro d'addenda indisponible : réessayez.")]})
    subject = _("%(ref)s — addenda n° %(n)s : %(kind)s") % {"ref": opportunity.reference, "n": addendum.number,
                                                           "kind": addendum.get_kind_display()}
    # Sent to the bidders too: the list of recipients stays out of the admin until the deadline.
    core_services.notify(recipients=sorted(addendum_recipients(opportunity), key=lambda u: u.pk), subject=subject,
                         body=body_fr, url=_url(opportunity) + f"#addenda-{addendum.number}",
                         sealed_until=opportunity.deadline)
    return addendum


def _dates_after_deadline(opportunity: Opportunity, deadline) -> None:
    if opportunity.assignment_date and deadline.astimezone(MONTREAL).date() >= opportunity.assignment_date:
        raise ValidationError({"new_deadline": [
            _("La nouvelle date limite, le %(new)s, doit précéder l'attribution prévue (%(a)s).")
            % {"new": montreal_text(deadline), "a": opportunity.assignment_date.isoformat()}]})


def addendum_publish(*, actor, opportunity: Opportunity, kind: str = Addendum.Kind.NOTICE, body_fr: str,
                     body_en: str = "", new_deadline=None) -> Addendum:
    """A public, numbered addendum to a published opportunity (before its deadline) or a suspended one, by
    an editor or admin of the body: a notice, an answer, or a deadline change — an extension only, to a
    moment still to come, applied to the opportunity in the same transaction. Status addenda come with
    suspension, resumption and cancellation."""
    original = opportunity
    _require_manager(actor, opportunity)
    if kind not in (Addendum.Kind.NOTICE, Addendum.Kind.DEADLINE, Addendum.Kind.ANSWER):
        raise ValidationError({"kind": [_("Nature d'addenda invalide : notice, deadline ou answer (les "
                                          "suspensions, reprises et annulations ont leur propre action).")]})
    body_fr, body_en = (body_fr or "").strip(), (body_en or "").strip()
    if not body_fr:
        raise ValidationError({"body_fr": [_("Écrivez le texte de l'addenda.")]})
    if len(body_fr) > 20000 or len(body_en) > 20000:
        raise ValidationError({"body_fr": [_("Le texte compte 20 000 caractères au plus.")]})
    new = parse_deadline(new_deadline, "new_deadline") if kind == Addendum.Kind.DEADLINE else None
    if kind == Addendum.Kind.DEADLINE and new is None:
        raise ValidationError({"new_deadline": [_("Donnez la nouvelle date limite.")]})
    with transaction.atomic():
        opportunity = opportunity_close_if_due(_locked(opportunity))
        if opportunity.status not in (S.PUBLISHED, S.SUSPENDED):
            raise ValidationError({"status": [
                _("Un addenda se publie sur une opportunité publiée (avant sa date limite) ou suspendue (statut "
                  "actuel : %(s)s).") % {"s": opportunity.get_status_display()}]})
        previous = opportunity.deadline if new else None
        if new is not None:
            if new <= timezone.now():
                raise ValidationError({"new_deadline": [
                    _("La nouvelle date limite, le %(new)s, est déjà passée.") % {"new": montreal_text(new)}]})
            if new <= previous:
                raise ValidationError({"new_deadline": [
                    _("La date limite ne peut qu'être reportée : la nouvelle, le %(new)s, ne suit pas l'actuelle, le "
                      "%(old)s.") % {"new": montreal_text(new), "old": montreal_text(previous)}]})
            _dates_after_deadline(opportunity, new)
            opportunity.deadline = new
            opportunity.updated_at = timezone.now()
            opportunity.save(update_fields=["deadline", "updated_at"])
        addendum = _addendum_create(actor, opportunity, kind, body_fr, body_en, previous, new)
        data = {"addendum": addendum.number, "kind": kind}
        if new is not None:
            data.update(previous_deadline=previous.isoformat(), new_deadline=new.isoformat())
        _audit(actor, "addendum", opportunity, data)
        _public_changed(opportunity, ["tenderAmendment"])
    _sync(original, opportunity)
    return addendum


# --- Questions -----------------------------------------------------------------------------------

def question_ask(*, actor, opportunity: Opportunity, body: str) -> Question:
    """A supplier member's question on a published opportunity, before its deadline: private to the asker
    and the buyer's members; the body's editors and admins are told."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour poser une question."))
    if not access.supplier_memberships(actor):
        raise PermissionDenied(_("Seuls les membres d'un fournisseur inscrit posent des questions sur une "
                                 "opportunité."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Écrivez votre question.")]})
    if len(body) > QUESTION_MAX or "\x00" in body:
        raise ValidationError({"body": [_("La question compte %(n)s caractères au plus.") % {"n": QUESTION_MAX}]})
    opportunity = opportunity_close_if_due(opportunity)
    now = timezone.now()
    if not opportunity.is_open(now):
        if opportunity.deadline is not None and now >= opportunity.deadline:
            raise ValidationError({"body": [_("La date limite du %(d)s est passée : les questions sont closes.")
                                            % {"d": montreal_text(opportunity.deadline)}]})
        raise ValidationError({"body": [_("Les questions se posent sur une opportunité publiée (statut actuel : "
                                          "%(s)s).") % {"s": opportunity.get_status_display()}]})
    core_services.rate_limit_hit(key=f"market.question:{actor.pk}", limit=QUESTIONS_PER_HOUR, per_seconds=3600)
    with transaction.atomic():
        question = Question.objects.create(opportunity=opportunity, asked_by=actor, body=body, asked_at=now)
        _audit(actor, "question_ask", opportunity, {"question": question.pk})
        core_services.notify(recipients=_members(opportunity, access.MANAGE_ROLES),
                             subject=_("Nouvelle question sur %(ref)s") % {"ref": opportunity.reference},
                             body=body, url=reverse("market:opportunity_manage",
                                                    kwargs={"reference": opportunity.reference}))
    return question


def question_get(*, user, opportunity: Opportunity, question_id) -> Question:
    """A question of ``opportunity`` that ``user`` may see (its asker, the body's members)."""
    try:
        question = Question.objects.select_related("addendum").get(pk=int(question_id), opportunity=opportunity)
    except (Question.DoesNotExist, TypeError, ValueError):
        question = None
    if question is None or not (_is_body_member(user, opportunity)
                                or (access.is_signed_in(user) and question.asked_by_id == user.pk)):
        raise core_services.NotFound(_("Question n° %(id)s introuvable.") % {"id": question_id})
    return question


def questions_for(*, user, opportunity: Opportunity) -> list[Question]:
    """The questions ``user`` may see: all of them for the body's members, one's own for a supplier."""
    if not access.is_signed_in(user):
        return []
    qs = Question.objects.filter(opportunity=opportunity).select_related("addendum")
    if not _is_body_member(user, opportunity):
        qs = qs.filter(asked_by=user)
    return list(qs.order_by("asked_at", "id"))


def _open_question(actor, question: Question) -> tuple[Opportunity, Question]:
    opportunity = question.opportunity
    _require_manager(actor, opportunity)
    opportunity = _locked(opportunity)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status != Question.Status.OPEN:
        raise ValidationError({"status": [_("Cette question a déjà été traitée (%(s)s).")
                                          % {"s": question.get_status_display()}]})
    return opportunity, question


def question_answer(*, actor, question: Question, question_fr: str, answer_fr: str, question_en: str = "",
                    answer_en: str = "") -> Addendum:
    """Answer a question by publishing an answer addendum for everyone: the question as the buyer edited
    it (``question_fr``), then the answer; never the asker's name."""
    question_fr, answer_fr = (question_fr or "").strip(), (answer_fr or "").strip()
    errors = {}
    if not question_fr:
        errors["question_fr"] = [_("Reprenez la question (vous pouvez la reformuler, sans nommer personne).")]
    if not answer_fr:
        errors["answer_fr"] = [_("Écrivez la réponse.")]
    if errors:
        raise ValidationError(errors)
    question_en, answer_en = (question_en or "").strip(), (answer_en or "").strip()

    def quoted(text):
        return "\n".join("> " + line for line in text.splitlines())

    body_fr = _("**Question :**\n\n%(q)s\n\n**Réponse :**\n\n%(a)s") % {"q": quoted(question_fr), "a": answer_fr}
    body_en = (f"**Question:**\n\n{quoted(question_en)}\n\n**Answer:**\n\n{answer_en}"
               if question_en and answer_en else "")
    with transaction.atomic():
        opportunity, question = _open_question(actor, question)
        addendum = addendum_publish(actor=actor, opportunity=opportunity, kind=Addendum.Kind.ANSWER,
                                    body_fr=body_fr, body_en=body_en)
        question.status = Question.Status.ANSWERED
        question.addendum = addendum
        question.answered_at = timezone.now()
        question.save(update_fields=["status", "addendum", "answered_at"])
        _audit(actor, "question_answer", opportunity, {"question": question.pk, "addendum": addendum.number})
        if question.asked_by_id and question.asked_by not in addendum_recipients(opportunity):
            core_services.notify(recipients=[question.asked_by],
                                 subject=_("Réponse à votre question sur %(ref)s") % {"ref": opportunity.reference},
                                 body=answer_fr, url=_url(opportunity) + f"#addenda-{addendum.number}")
    return addendum


def question_decline(*, actor, question: Question, reason: str) -> Question:
    """Decline a question with a reason told to its asker only."""
    reason = _reason(reason)
    with transaction.atomic():
        opportunity, question = _open_question(actor, question)
        question.status = Question.Status.DECLINED
        question.decline_reason = reason
        question.answered_at = timezone.now()
        question.save(update_fields=["status", "decline_reason", "answered_at"])
        _audit(actor, "question_decline", opportunity, {"question": question.pk})
        if question.asked_by_id:
            core_services.notify(recipients=[question.asked_by],
                                 subject=_("Votre question sur %(ref)s est restée sans suite")
                                 % {"ref": opportunity.reference}, body=reason, url=_url(opportunity))
    return question


# --- Follows -------------------------------------------------------------------------------------

def follow_set(*, actor, opportunity: Opportunity, follow: bool = True) -> bool:
    """Follow (or stop following) an opportunity one may see; returns whether ``actor`` now follows it."""
    if not access.is_signed_in(actor):
        raise PermissionDenied(_("Connectez-vous pour suivre une opportunité."))
    if not can_see(actor, opportunity):
        raise core_services.NotFound(_("Opportunité « %(ref)s » introuvable.") % {"ref": opportunity.reference})
    if follow:
        try:
            with transaction.atomic():
                Follow.objects.get_or_create(opportunity=opportunity, user=actor)
        except IntegrityError:  # followed twice at once
            pass
        return True
    Follow.objects.filter(opportunity=opportunity, user=actor).delete()
    return False


def is_following(user, opportunity: Opportunity) -> bool:
    return access.is_signed_in(user) and Follow.objects.filter(opportunity=opportunity, user=user).exists()


# --- Public history --------------------------------------------------------------------------------

#: Audit actions that are public events, with how the history tells them.
HISTORY_LABELS = {
    "market.opportunities.publish": gettext_lazy("Publication"),
    "market.opportunities.addendum": gettext_lazy("Addenda"),
    "market.opportunities.suspend": gettext_lazy("Suspension"),
    "market.opportunities.resume": gettext_lazy("Reprise"),
    "market.opportunities.cancel": gettext_lazy("Annulation"),
    "market.opportunities.close": gettext_lazy("Fin du dépôt des propositions, début de l'évaluation"),
}


def opportunity_history(opportunity: Opportunity) -> list[dict]:
    """What was published when, oldest first: publication, addenda (deadline changes included),
    suspension, resumption, cancellation, closing at the deadline, award. Read from the audit log
    (public actions only: never a draft's changes, a question, nor anything about proposals)."""
    if not is_public(opportunity):
        return []
    events = []
    addenda = {a.number: a for a in opportunity.addenda.all()}
    for entry in reversed(list(core_services.audit_list(target=opportunity, limit=1000))):
        label = HISTORY_LABELS.get(entry.action)
        if label is None:
            continue
        data = entry.data or {}
        event = {"at": entry.created_at, "action": entry.action.rsplit(".", 1)[1], "label": str(label),
                 "detail": ""}
        if event["action"] == "addendum":
            addendum = addenda.get(data.get("addendum"))
            kind = addendum.get_kind_display() if addendum else data.get("kind", "")
            event["label"] = _("Addenda n° %(n)s : %(kind)s") % {"n": data.get("addendum"), "kind": kind}
            event["addendum"] = data.get("addendum")
        if data.get("new_deadline"):
            event["detail"] = _("Date limite reportée du %(old)s au %(new)s.") % {
                "old": montreal_text(datetime.datetime.fromisoformat(data["previous_deadline"])),
                "new": montreal_text(datetime.datetime.fromisoformat(data["new_deadline"]))}
        elif event["action"] in ("suspend", "cancel") and data.get("reason"):
            event["detail"] = _("Motif : %(r)s") % {"r": data["reason"]}
        elif event["action"] == "publish":
            event["detail"] = _("Date limite : %(d)s.") % {"d": montreal_text(opportunity.deadline if not data.get(
                "deadline") else datetime.datetime.fromisoformat(data["deadline"]))}
        events.append(event)
    if opportunity.awarded_at is not None:
        events.append({"at": opportunity.awarded_at, "action": "award", "label": _("Adjudication"), "detail": ""})
    events.sort(key=lambda e: e["at"])
    return events


# --- Attachments ---------------------------------------------------------------------------------

def _attachment_limit() -> int:
    return settings.OUVERT_MARKET_ATTACHMENT_MAX_BYTES


def attachment_add(*, actor, opportunity: Opportunity, title: str, file) -> Attachment:
    """A public document of a draft (specifications, mock-ups…): size and SHA-256 recorded. An empty file
    is refused (``ValidationError``), one above the limit too (``FileTooLarge``, HTTP 413)."""
    _require_manager(actor, opportunity)
    title = (title or "").strip() or (getattr(file, "name", "") or "").rsplit("/", 1)[-1].strip()
    if file is None:
        raise ValidationError({"file": [_("Joignez un fichier.")]})
    limit = _attachment_limit()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise FileTooLarge({"file": [_("Le fichier dépasse la taille maximale de %(n)s octets.") % {"n": limit}]})
    digest, total = hashlib.sha256(), 0
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        total += len(chunk)
        if total > limit:
            raise FileTooLarge({"file": [_("Le fichier dépasse la taille maximale de %(n)s octets.") % {"n": limit}]})
        digest.update(chunk)
    file.seek(0)
    if total == 0:
        raise ValidationError({"file": [_("Le fichier est vide.")]})
    if not title or len(title) > 200:
        raise ValidationError({"title": [_("Donnez un titre de 200 caractères au plus.")]})
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.DRAFT:
            raise ValidationError({"status": [_("Les pièces jointes s'ajoutent au brouillon ; après la publication, "
                                                "publiez un addenda.")]})
        attachment = Attachment(opportunity=opportunity, title=title, size=total, sha256=digest.hexdigest())
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", (getattr(file, "name", "") or "fichier").rsplit("/", 1)[-1])[-100:]
        attachment.file.save(name.strip("-.") or "fichier", file, save=False)
        attachment.save()
        _audit(actor, "attachment_add", opportunity, {"attachment": attachment.pk, "title": title, "size": total,
                                                      "sha256": attachment.sha256})
    return attachment


def attachment_remove(*, actor, opportunity: Opportunity, attachment_id) -> None:
    _require_manager(actor, opportunity)
    with transaction.atomic():
        opportunity = _locked(opportunity)
        if opportunity.status != S.DRAFT:
            raise ValidationError({"status": [_("Les pièces jointes d'une opportunité soumise ne se retirent plus.")]})
        attachment = Attachment.objects.filter(opportunity=opportunity, pk=attachment_id).first()
        if attachment is None:
            raise core_services.NotFound(_("Pièce jointe introuvable."))
        _audit(actor, "attachment_remove", opportunity, {"attachment": attachment.pk, "title": attachment.title})
        stored = attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: Attachment.file.field.storage.delete(stored))


def attachment_open(*, user, opportunity: Opportunity, attachment_id):
    """``(attachment, file handle)`` of an opportunity ``user`` may see (``NotFound`` otherwise)."""
    if not can_see(user, opportunity):
        raise core_services.NotFound(_("Pièce jointe introuvable."))
    try:
        attachment = Attachment.objects.get(opportunity=opportunity, pk=int(attachment_id))
        handle = attachment.file.open("rb")
    except (Attachment.DoesNotExist, ValueError, TypeError, FileNotFoundError, OSError):
        raise core_services.NotFound(_("Pièce jointe introuvable.")) from None
    return attachment, handle


# --- Buyers' settings ----------------------------------------------------------------------------

def buyer_settings_get(organisation: Organisation) -> BuyerSettings:
    """The body's settings (defaults, unsaved, when never set)."""
    return BuyerSettings.objects.filter(organisation=organisation).first() or BuyerSettings(organisation=organisation)


def buyer_settings_set(*, actor, organisation: Organisation, default_licence: str,
                       contact_email: str | None = None) -> BuyerSettings:
    """The default licence of the body's deliverables (and its procurement e-mail), by a body admin."""
    if not (access.is_buyer_admin(actor, organisation) or access.is_platform_admin(actor)):
        raise PermissionDenied(_("Seuls les administrateurs de l'organisme règlent ses paramètres d'acquisition."))
    if organisation.kind not in BUYER_KINDS:
        raise PermissionDenied(_("Seul un organisme acheteur a des paramètres d'acquisition."))
    default_licence = (default_licence or "").strip()
    if default_licence not in LICENCE_IDS:
        raise ValidationError({"default_licence": [_("Licence inconnue : « %(l)s ».") % {"l": default_licence}]})
    if contact_email:
        try:
            validate_email(contact_email.strip())
        except ValidationError:
            raise ValidationError({"contact_email": [_("Adresse courriel invalide.")]}) from None
    with transaction.atomic():
        current, _created = BuyerSettings.objects.select_for_update().get_or_create(organisation=organisation)
        current.default_licence = default_licence
        if contact_email is not None:
            current.contact_email = contact_email.strip()
        current.save()
        core_services.audit_append(actor=actor, action="market.opportunities.settings_set", target=organisation,
                                   data={"default_licence": default_licence})
    return current
