"""Supplier organisations: registration (legal name, NEQ, size, contacts), profile and members.

A supplier is a core ``Organisation`` of kind ``supplier`` with a ``Supplier`` row beside it; its members and
their roles are core memberships (member: reads its proposals; editor: writes, submits and withdraws them;
admin: also manages the profile and the members). Whoever registers a supplier becomes its first admin; the
last admin cannot leave.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.models import Membership

from . import access
from .models import Supplier

__all__ = ["neq_normalise", "supplier_register", "supplier_get", "supplier_update", "supplier_members",
           "supplier_member_set", "supplier_member_remove", "suppliers_of", "supplier_can_admin"]

#: What a supplier's admin may change (the NEQ identifies the enterprise: it is set at registration).
PROFILE_FIELDS = ("legal_name", "is_sme", "is_startup", "contact_name", "contact_email", "contact_phone", "address")
TEXT_LIMITS = {"legal_name": 300, "contact_name": 200, "contact_email": 254, "contact_phone": 40, "address": 300}
ROLES = (Membership.Role.MEMBER, Membership.Role.EDITOR, Membership.Role.ADMIN)


def neq_normalise(value) -> str:
    """The NEQ as ten digits (spaces and dashes removed); ``ValidationError`` on the field ``neq`` otherwise."""
    neq = re.sub(r"[\s\-]", "", str(value or ""))
    if not re.fullmatch(r"\d{10}", neq):
        raise ValidationError({"neq": [_("NEQ : le numéro d'entreprise du Québec compte exactement dix chiffres "
                                         "(espaces et tirets permis), par exemple 1171234567.")]})
    return neq


def _clean_profile(data: dict, *, partial: bool = False) -> dict:
    """The profile fields of ``data``, stripped and checked (errors name the field)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for field in PROFILE_FIELDS:
        if field not in data:
            if partial:
                continue
            clean[field] = False if field in ("is_sme", "is_startup") else ""
            continue
        value = data[field]
        if field in ("is_sme", "is_startup"):
            clean[field] = value in (True, "on", "true", "1", 1, "True")
            continue
        value = "" if value is None else str(value).strip()
        if len(value) > TEXT_LIMITS[field]:
            errors[field] = [_("%(field)s : %(max)s caractères au plus.") % {"field": _label(field),
                                                                             "max": TEXT_LIMITS[field]}]
        clean[field] = value
    if "legal_name" in clean and len(clean["legal_name"]) < 2:
        errors["legal_name"] = [_("Nom légal : obligatoire (deux caractères au moins).")]
    if clean.get("contact_email"):
        try:
            validate_email(clean["contact_email"])
        except ValidationError:
            errors["contact_email"] = [_("Courriel : adresse invalide « %(v)s ».") % {"v": clean["contact_email"]}]
    if errors:
        raise ValidationError(errors)
    return clean


def _label(field: str) -> str:
    return {"legal_name": _("Nom légal"), "contact_name": _("Personne-ressource"), "contact_email": _("Courriel"),
            "contact_phone": _("Téléphone"), "address": _("Adresse")}.get(field, field)


def _free_slug(name: str) -> str:
    base = (slugify(name) or "fournisseur")[:80].strip("-") or "fournisseur"
    slug, n = base, 1
    while core_services.organisation_list().filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def supplier_register(*, user, legal_name: str, neq: str, is_sme=False, is_startup=False, contact_name: str = "",
                      contact_email: str = "", contact_phone: str = "", address: str = "") -> Supplier:
    """Register a supplier: its organisation (kind ``supplier``, slug from the name), the supplier row, and
    ``user`` as its admin. A NEQ already registered is refused."""
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour inscrire une entreprise."))
    errors: dict[str, list[str]] = {}
    try:
        neq = neq_normalise(neq)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        profile = _clean_profile({"legal_name": legal_name, "is_sme": is_sme, "is_startup": is_startup,
                                  "contact_name": contact_name, "contact_email": contact_email or user.email,
                                  "contact_phone": contact_phone, "address": address})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    taken = ValidationError({"neq": [_("NEQ : l'entreprise %(neq)s est déjà inscrite. Demandez à une personne "
                                       "qui l'administre de vous ajouter à ses membres.") % {"neq": neq}]})
    try:
        with transaction.atomic():
            if Supplier.objects.select_for_update().filter(neq=neq).exists():
                raise taken
            organisation = core_services.organisation_upsert(slug=_free_slug(profile["legal_name"]),
                                                             name_fr=profile["legal_name"], kind="supplier")
            supplier = Supplier(organisation=organisation, neq=neq, **profile)
            supplier.full_clean(exclude=["organisation", "neq"])
            supplier.save()
            core_services.membership_set(user=user, organisation=organisation, role=Membership.Role.ADMIN)
            core_services.audit_append(actor=user, action="market.suppliers.register", target=supplier,
                                       data={"neq": neq, "legal_name": supplier.legal_name,
                                             "slug": organisation.slug})
    except IntegrityError:  # registered at the same instant by someone else
        raise taken from None
    return supplier


def supplier_get(*, slug: str, user) -> Supplier:
    """The supplier ``slug`` for one of its members or a platform admin (``NotFound`` for anyone else)."""
    supplier = Supplier.objects.select_related("organisation").filter(organisation__slug=slug).first()
    if supplier is None or not (access.is_platform_admin(user) or access.is_supplier_member(user, supplier)):
        raise core_services.NotFound(_("Fournisseur « %(slug)s » introuvable.") % {"slug": slug})
    return supplier


def supplier_can_admin(user, supplier: Supplier) -> bool:
    return access.is_platform_admin(user) or access.is_supplier_member(user, supplier, [Membership.Role.ADMIN])


def _admin_only(user, supplier: Supplier) -> None:
    if not supplier_can_admin(user, supplier):
        raise PermissionDenied(_("Seules les personnes qui administrent ce fournisseur en modifient le profil et "
                                 "les membres."))


def supplier_update(*, user, supplier: Supplier, data: dict) -> Supplier:
    """Change the profile (the fields of ``PROFILE_FIELDS`` present in ``data``); a new legal name renames
    the organisation too."""
    _admin_only(user, supplier)
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError({k: [_("%(field)s : champ inconnu ou non modifiable.") % {"field": k}] for k in unknown})
    clean = _clean_profile(data, partial=True)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().select_related("organisation").get(pk=supplier.pk)
        changed = {f: v for f, v in clean.items() if getattr(supplier, f) != v}
        if not changed:
            return supplier
        for field, value in changed.items():
            setattr(supplier, field, value)
        supplier.full_clean(exclude=["organisation", "neq"])
        supplier.save()
        if "legal_name" in changed:
            org = supplier.organisation
            supplier.organisation = core_services.organisation_upsert(
                slug=org.slug, name_fr=supplier.legal_name, kind=org.kind, name_en=org.name_en,
                acronym=org.acronym, website=org.website, description_fr=org.description_fr,
                description_en=org.description_en, parent=org.parent, is_demo=org.is_demo)
        core_services.audit_append(actor=user, action="market.suppliers.update", target=supplier,
                                   data={"changed": changed})
    return supplier


def supplier_members(*, supplier: Supplier, user) -> list[Membership]:
    """The members with their roles (admins first), for the supplier's members and platform admins."""
    if not (access.is_platform_admin(user) or access.is_supplier_member(user, supplier)):
        raise core_services.NotFound(_("Fournisseur introuvable."))
    order = {Membership.Role.ADMIN: 0, Membership.Role.EDITOR: 1, Membership.Role.MEMBER: 2}
    members = list(Membership.objects.filter(organisation_id=supplier.organisation_id).select_related("user"))
    return sorted(members, key=lambda m: (order.get(m.role, 3), m.user.email))


def _admins_left(supplier: Supplier, without_user_id: int) -> int:
    return (Membership.objects.select_for_update()
            .filter(organisation_id=supplier.organisation_id, role=Membership.Role.ADMIN)
            .exclude(user_id=without_user_id).count())


def supplier_member_set(*, user, supplier: Supplier, email: str, role: str) -> Membership:
    """Add the person with the account ``email`` (or change the role of a member)."""
    _admin_only(user, supplier)
    if role not in ROLES:
        raise ValidationError({"role": [_("Rôle : choisissez membre, éditeur ou administrateur.")]})
    try:
        person = core_services.user_get_by_email(email=email)
    except core_services.NotFound:
        raise ValidationError({"email": [_("Courriel : aucun compte n'a l'adresse « %(email)s » ; la personne doit "
                                           "d'abord créer son compte.") % {"email": (email or "").strip()}]}) from None
    with transaction.atomic():
        current = (Membership.objects.select_for_update()
                   .filter(organisation_id=supplier.organisation_id, user=person).first())
        if (current is not None and current.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN
                and _admins_left(supplier, person.pk) == 0):
            raise ValidationError({"role": [_("Rôle : %(email)s est la dernière personne qui administre ce "
                                              "fournisseur ; nommez d'abord une autre administratrice ou un autre "
                                              "administrateur.") % {"email": person.email}]})
        membership = core_services.membership_set(user=person, organisation=supplier.organisation, role=role,
                                                  actor=user)
        if current is None:
            core_services.notify(
                recipients=[person],
                subject=_("Vous êtes membre du fournisseur %(name)s") % {"name": supplier.legal_name},
                body=_("%(who)s vous a ajouté aux membres de %(name)s sur la plateforme « Développe avec nous ».")
                % {"who": user.display_name, "name": supplier.legal_name})
    return membership


def supplier_member_remove(*, user, supplier: Supplier, email: str) -> bool:
    """Remove a member (an admin removes anyone; a member may leave); the last admin cannot leave."""
    try:
        person = core_services.user_get_by_email(email=email)
    except core_services.NotFound:
        raise ValidationError({"email": [_("Courriel : aucun membre n'a l'adresse « %(email)s ».")
                                         % {"email": (email or "").strip()}]}) from None
    leaving = access.is_signed_in(user) and person.pk == user.pk
    if not leaving:
        _admin_only(user, supplier)
    elif not access.is_supplier_member(user, supplier):
        raise core_services.NotFound(_("Fournisseur introuvable."))
    with transaction.atomic():
        current = (Membership.objects.select_for_update()
                   .filter(organisation_id=supplier.organisation_id, user=person).first())
        if current is None:
            raise ValidationError({"email": [_("Courriel : aucun membre n'a l'adresse « %(email)s ».")
                                             % {"email": person.email}]})
        if current.role == Membership.Role.ADMIN and _admins_left(supplier, person.pk) == 0:
            raise ValidationError({"email": [_("%(email)s est la dernière personne qui administre ce fournisseur : "
                                               "elle ne peut pas le quitter.") % {"email": person.email}]})
        # The core service checks that the actor administers the organisation; a member who leaves acts
        # for herself, which this service has allowed above (and records under her name).
        if leaving:
            core_services.audit_append(actor=user, action="market.suppliers.leave", target=supplier,
                                       data={"user": person.email, "role": current.role})
        return core_services.membership_remove(user=person, organisation=supplier.organisation,
                                               actor=None if leaving else user)


def suppliers_of(user, *, writable: bool = False) -> list[Supplier]:
    """The suppliers ``user`` belongs to (as editor or admin when ``writable``), by legal name."""
    suppliers = access.supplier_memberships(user, access.MANAGE_ROLES if writable else None)
    return sorted(suppliers, key=lambda supplier: supplier.legal_name)


def register() -> None:
    """Nothing to plug in: the supplier pages are reached from the supplier dashboard."""
