"""Data ecosystems and the registry of data standards (milestone 1.5 of the plan).

- A **standard** (``Standard``) has **versions** (``StandardVersion``): a semantic version, a status
  (draft, published, deprecated), a Table Schema checked when saved by the datastore's own parser
  (``ouvert.datastore.services.schema_check``: every problem with its path), a changelog and a date. Its
  schema is served at a stable address (``…/standards/<name>/<version>/schema.json``, ``latest`` being the newest
  published version).
- An **ecosystem** gathers organisations (with their role; coordinators' admins manage it), people
  (only who agreed to be shown), datasets of the catalogue, published reuses and standards.
- Each dataset of an ecosystem may **declare** the standard version it follows; its tabular resources
  are then validated against every version of that standard with the datastore's validation
  (``ouvert.datastore.services.table_validate`` over the table the datastore serves), in the
  background (``ecosystems_tasks.conformity_check_task``), again when a resource changes, when a new table is
  served (the periodic job ``learn.conformity_refresh``) and when a version's schema changes.
- The **conformity matrix** (rows: datasets and their resources; columns: standard versions) is read
  in a constant number of queries.
- **Publications** (such as the CeRTIA study) with their findings and attached PDF.

Permissions: platform admins do everything; admins of a standard's maintainer organisation manage
its versions; admins of an ecosystem's coordinating organisations manage the ecosystem; editors and
admins of a dataset's organisation may declare its standard (in an ecosystem it belongs to).
"""

from __future__ import annotations

import json
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.i18n import pick
from ouvert.core.services import NotFound

from .models import (
    SEMVER_RE,
    Conformity,
    Ecosystem,
    EcosystemContact,
    EcosystemDataset,
    EcosystemOrganisation,
    Publication,
    Standard,
    StandardVersion,
)

logger = logging.getLogger("ouvert.learn")

__all__ = [
    "VersionExists", "MAX_SCHEMA_BYTES", "MAX_DOCUMENT_BYTES", "schema_check", "schema_documentation",
    "standard_can_manage", "standard_upsert", "standard_get", "standard_list", "version_create", "version_update",
    "version_find", "conformity_public",
    "version_get", "versions_of", "ecosystem_can_manage", "ecosystem_upsert", "ecosystem_get", "ecosystem_list",
    "ecosystem_organisation_set", "ecosystem_contact_add", "ecosystem_dataset_add", "ecosystem_reuse_add",
    "ecosystem_standard_add", "ecosystem_detail", "dataset_declare", "conformity_request", "conformity_run",
    "conformity_refresh", "conformity_matrix", "conformity_matrix_csv", "conformity_for_dataset",
    "publication_get", "publication_list", "publication_update", "publication_attach_document",
    "OPEN_DATA_KEY", "open_data_export",
]

#: A Table Schema bigger than this (its JSON text) is refused.
MAX_SCHEMA_BYTES = 512 * 1024
MAX_SCHEMA_FIELDS = 1000
#: An attached PDF bigger than this is refused.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
#: Errors kept with each conformity for the matrix's « why not ».
FIRST_ERRORS = 5
#: Errors kept in the stored full report.
REPORT_ERRORS = 200

class VersionExists(ValidationError):
    """The version asked for exists already (HTTP 409)."""


NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


def _is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _require_admin(actor, message: str) -> None:
    if actor is not None and not _is_admin(actor):
        raise PermissionDenied(message)


def _clean_text(errors: dict, key: str, value, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        errors.setdefault(key, []).append(_("Ce texte contient un caractère interdit."))
        return ""
    if required and not text:
        errors.setdefault(key, []).append(_("Ce champ est obligatoire."))
    if len(text) > max_length:
        errors.setdefault(key, []).append(_("Au plus %(n)d caractères.") % {"n": max_length})
    return text[:max_length]


def _clean_name(errors: dict, value) -> str:
    name = "" if value is None else str(value).strip()
    if not NAME_RE.match(name):
        errors.setdefault("name", []).append(_("Identifiant invalide : lettres minuscules non accentuées, chiffres "
                                               "et traits d'union (au plus 100 caractères)."))
    return name


# --- Table Schemas ----------------------------------------------------------------------------------------

def schema_check(schema) -> dict:
    """A Table Schema given as a dict or a JSON text, checked by the datastore's parser; returns the
    descriptor. ``ValidationError({"schema": [path : message, …]})`` when it is not valid or too big."""
    if isinstance(schema, (bytes, bytearray)):
        if len(schema) > MAX_SCHEMA_BYTES:
            raise ValidationError({"schema": [_("Le schéma dépasse %(n)d Kio.") % {"n": MAX_SCHEMA_BYTES // 1024}]})
        try:
            schema = schema.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"schema": [_("Le schéma doit être un texte JSON en UTF-8.")]}) from None
    if isinstance(schema, str):
        if len(schema.encode("utf-8")) > MAX_SCHEMA_BYTES:
            raise ValidationError({"schema": [_("Le schéma dépasse %(n)d Kio.") % {"n": MAX_SCHEMA_BYTES // 1024}]})
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise ValidationError({"schema": [_("JSON invalide, ligne %(line)d, colonne %(col)d : %(msg)s")
                                              % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}]}) from None
    if not isinstance(schema, dict):
        raise ValidationError({"schema": [_("Le schéma doit être un objet JSON (avec une liste « fields »).")]})
    if len(json.dumps(schema, ensure_ascii=False, default=str).encode("utf-8")) > MAX_SCHEMA_BYTES:
        raise ValidationError({"schema": [_("Le schéma dépasse %(n)d Kio.") % {"n": MAX_SCHEMA_BYTES // 1024}]})
    if isinstance(schema.get("fields"), list) and len(schema["fields"]) > MAX_SCHEMA_FIELDS:
        raise ValidationError({"schema": [_("Le schéma a plus de %(n)d champs.") % {"n": MAX_SCHEMA_FIELDS}]})
    from ouvert.datastore import services as datastore_services

    datastore_services.schema_check(schema)
    return schema


def _constraint_text(name: str, value) -> str:
    labels = {
        "required": _("obligatoire"), "unique": _("unique"), "minLength": _("longueur minimale"),
        "maxLength": _("longueur maximale"), "minimum": _("minimum"), "maximum": _("maximum"),
        "pattern": _("motif"), "enum": _("valeurs permises"),
    }
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return f"{labels.get(name, name)} : {value}"


def schema_documentation(schema: dict) -> list[dict]:
    """The field table of a Table Schema: name, title, type (and format), required, constraints,
    description (in the active language) and examples."""
    key = schema.get("primaryKey") or []
    key = [key] if isinstance(key, str) else key
    rows = []
    for field in schema.get("fields") or []:
        if not isinstance(field, dict):
            continue
        constraints = field.get("constraints") if isinstance(field.get("constraints"), dict) else {}
        example = field.get("example", field.get("examples", ""))
        if isinstance(example, list):
            example = ", ".join(str(item) for item in example)
        description = pick(str(field.get("description_fr") or field.get("description") or ""),
                           str(field.get("description_en") or ""))
        rows.append({
            "name": str(field.get("name", "")), "title": str(field.get("title") or ""),
            "type": str(field.get("type") or "string"),
            "format": str(field.get("format") or "") if field.get("format") not in (None, "default") else "",
            "required": bool(constraints.get("required")) or field.get("name") in key,
            "constraints": [_constraint_text(k, v) for k, v in constraints.items() if k != "required"],
            "description": description, "example": str(example) if example not in (None, "") else "",
        })
    return rows


# --- Standards ------------------------------------------------------------------------------------------

def standard_can_manage(user, standard: Standard | None) -> bool:
    if _is_admin(user):
        return True
    if standard is None or standard.maintainer_id is None:
        return False
    return core_services.user_has_role(user, standard.maintainer_id, ["admin"])


def standard_get(*, name: str) -> Standard:
    found = Standard.objects.select_related("maintainer").filter(name=str(name)[:100]).first()
    if found is None:
        raise NotFound(_("Standard « %(name)s » introuvable.") % {"name": str(name)[:100]})
    return found


def standard_list():
    return Standard.objects.select_related("maintainer").prefetch_related(
        Prefetch("versions", queryset=StandardVersion.objects.order_by("-major", "-minor", "-patch", "-created_at")))


def _links(errors: dict, value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > 20:
        errors.setdefault("links", []).append(_("Une liste d'au plus 20 liens {label, url}."))
        return []
    out = []
    for index, item in enumerate(value):
        if not (isinstance(item, dict) and isinstance(item.get("url"), str)
                and re.match(r"^https?://[^\s]{1,1990}$", item["url"])):
            errors.setdefault("links", []).append(_("Lien %(n)d : adresse http(s) attendue.") % {"n": index + 1})
            continue
        out.append({"label": str(item.get("label") or item["url"])[:200], "url": item["url"]})
    return out


def standard_upsert(*, actor, data: dict, organisation=None) -> Standard:
    """Create a standard (platform admins) or update it (also its maintainer's admins)."""
    errors: dict = {}
    name = _clean_name(errors, data.get("name"))
    existing = Standard.objects.filter(name=name).first() if name else None
    if actor is not None and not (standard_can_manage(actor, existing) if existing else _is_admin(actor)):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme et de l'organisation responsable "
                                 "gèrent ce standard."))
    fields = {
        "title_fr": _clean_text(errors, "title_fr", data.get("title_fr"), max_length=300, required=True),
        "title_en": _clean_text(errors, "title_en", data.get("title_en"), max_length=300),
        "description_fr": _clean_text(errors, "description_fr", data.get("description_fr"), max_length=20000),
        "description_en": _clean_text(errors, "description_en", data.get("description_en"), max_length=20000),
        "domain": _clean_text(errors, "domain", data.get("domain"), max_length=100),
        "licence": _clean_text(errors, "licence", data.get("licence"), max_length=200),
        "links": _links(errors, data.get("links")),
        "is_demo": bool(data.get("is_demo", existing.is_demo if existing else False)),
    }
    if errors:
        raise ValidationError(errors)
    if organisation is not None:
        fields["maintainer"] = organisation
    with transaction.atomic():
        standard, created = Standard.objects.update_or_create(name=name, defaults={**fields,
                                                                                 "modified_at": timezone.now()})
        core_services.audit_append(actor=actor, action="learn.standard." + ("create" if created else "update"),
                                   target=standard, data={"name": name})
    return standard


def _semver(errors: dict, value) -> tuple[str, tuple[int, int, int]]:
    text = "" if value is None else str(value).strip()
    match = re.match(SEMVER_RE, text)
    if not match:
        errors.setdefault("version", []).append(
            _("Version sémantique attendue (MAJEURE.MINEURE.CORRECTIF, par exemple 1.2.0)."))
        return text[:60], (0, 0, 0)
    return text, (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _status(errors: dict, value) -> str:
    value = value or StandardVersion.Status.DRAFT
    if value not in StandardVersion.Status.values:
        errors.setdefault("status", []).append(_("État inconnu : brouillon (draft), publiée (published) ou "
                                                 "obsolète (deprecated)."))
    return value


def _date(errors: dict, value):
    if value in (None, ""):
        return None
    import datetime

    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault("released_on", []).append(_("Date attendue au format AAAA-MM-JJ."))
        return None


def version_create(*, actor, standard: Standard, data: dict) -> StandardVersion:
    """A new version of ``standard``: its schema checked; a version that exists already is refused
    (``VersionExists``)."""
    if actor is not None and not standard_can_manage(actor, standard):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme et de l'organisation responsable "
                                 "publient les versions de ce standard."))
    errors: dict = {}
    version, (major, minor, patch) = _semver(errors, data.get("version"))
    status = _status(errors, data.get("status"))
    changelog_fr = _clean_text(errors, "changelog_fr", data.get("changelog_fr"), max_length=20000)
    changelog_en = _clean_text(errors, "changelog_en", data.get("changelog_en"), max_length=20000)
    released_on = _date(errors, data.get("released_on"))
    try:
        schema = schema_check(data.get("schema"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        schema = None
    if not errors and StandardVersion.objects.filter(standard=standard, version=version).exists():
        raise VersionExists({"version": [_("La version %(v)s de ce standard existe déjà.") % {"v": version}]})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            created = StandardVersion.objects.create(
                standard=standard, version=version, major=major, minor=minor, patch=patch, status=status,
                schema=schema, changelog_fr=changelog_fr, changelog_en=changelog_en,
                released_on=released_on or (timezone.localdate() if status != "draft" else None))
            Standard.objects.filter(pk=standard.pk).update(modified_at=timezone.now())
            core_services.audit_append(actor=actor, action="learn.standard_version.create", target=created,
                                       data={"standard": standard.name, "version": version, "status": status})
            transaction.on_commit(lambda: conformity_request(standard_ids=[standard.pk]))
            if status != StandardVersion.Status.DRAFT:
                core_services.open_data_changed(OPEN_DATA_KEY)
    except IntegrityError:
        raise VersionExists({"version": [_("La version %(v)s de ce standard existe déjà.") % {"v": version}]}) from None
    return created


def version_update(*, actor, version: StandardVersion, data: dict) -> StandardVersion:
    """Change a version's status, changelog or date; its schema only while it is a draft. A changed
    schema re-runs the conformity checks."""
    if actor is not None and not standard_can_manage(actor, version.standard):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme et de l'organisation responsable "
                                 "modifient les versions de ce standard."))
    errors: dict = {}
    changes: dict = {}
    if "status" in data:
        changes["status"] = _status(errors, data["status"])
    for key in ("changelog_fr", "changelog_en"):
        if key in data:
            changes[key] = _clean_text(errors, key, data[key], max_length=20000)
    if "released_on" in data:
        changes["released_on"] = _date(errors, data["released_on"])
    schema_changed = False
    if "schema" in data:
        if version.status != StandardVersion.Status.DRAFT:
            errors.setdefault("schema", []).append(
                _("Le schéma d'une version publiée ne change plus : créez une nouvelle version."))
        else:
            try:
                changes["schema"] = schema_check(data["schema"])
                schema_changed = changes["schema"] != version.schema
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for key, value in changes.items():
            setattr(version, key, value)
        if version.status != "draft" and version.released_on is None:
            version.released_on = timezone.localdate()
        version.save()
        core_services.audit_append(actor=actor, action="learn.standard_version.update", target=version,
                                   data={k: v for k, v in changes.items() if k != "schema"})
        core_services.open_data_changed(OPEN_DATA_KEY)
        if schema_changed:
            transaction.on_commit(lambda: conformity_request(version_ids=[version.pk], force=True))
    return version


def versions_of(standard: Standard) -> list[StandardVersion]:
    return list(standard.versions.order_by("-major", "-minor", "-patch", "-created_at"))


def version_get(*, standard: Standard, version: str) -> StandardVersion:
    """A version of ``standard``; ``latest``: its newest published version (else its newest)."""
    versions = StandardVersion.objects.filter(standard=standard).select_related("standard")
    if version == "latest":
        found = (versions.filter(status=StandardVersion.Status.PUBLISHED).order_by("-major", "-minor", "-patch").first()
                 or versions.order_by("-major", "-minor", "-patch").first())
    else:
        found = versions.filter(version=str(version)[:60]).first()
    if found is None:
        raise NotFound(_("Version « %(v)s » du standard « %(name)s » introuvable.")
                       % {"v": str(version)[:60], "name": standard.name})
    return found


# --- Ecosystems -----------------------------------------------------------------------------------------

def ecosystem_can_manage(user, ecosystem: Ecosystem | None) -> bool:
    """Platform admins, and admins of an organisation designated as coordinator of the ecosystem."""
    if _is_admin(user):
        return True
    if ecosystem is None or user is None or not user.is_authenticated:
        return False
    org_ids = list(EcosystemOrganisation.objects.filter(ecosystem=ecosystem, is_coordinator=True)
                   .values_list("organisation_id", flat=True))
    return any(core_services.user_has_role(user, org_id, ["admin"]) for org_id in org_ids)


def _require_manager(actor, ecosystem) -> None:
    if actor is not None and not ecosystem_can_manage(actor, ecosystem):
        raise PermissionDenied(_("Seuls les administrateurs de la plateforme et les coordonnateurs de cet "
                                 "écosystème le gèrent."))


def ecosystem_upsert(*, actor, data: dict) -> Ecosystem:
    """Create an ecosystem (platform admins) or update it (also its coordinators)."""
    errors: dict = {}
    name = _clean_name(errors, data.get("name"))
    existing = Ecosystem.objects.filter(name=name).first() if name else None
    if existing is None:
        _require_admin(actor, _("Seuls les administrateurs de la plateforme créent des écosystèmes."))
    else:
        _require_manager(actor, existing)
    fields = {
        "title_fr": _clean_text(errors, "title_fr", data.get("title_fr"), max_length=300, required=True),
        "title_en": _clean_text(errors, "title_en", data.get("title_en"), max_length=300),
        "description_fr": _clean_text(errors, "description_fr", data.get("description_fr"), max_length=20000),
        "description_en": _clean_text(errors, "description_en", data.get("description_en"), max_length=20000),
        "domain": _clean_text(errors, "domain", data.get("domain"), max_length=100),
        "is_demo": bool(data.get("is_demo", existing.is_demo if existing else False)),
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ecosystem, created = Ecosystem.objects.update_or_create(name=name, defaults={**fields,
                                                                                   "modified_at": timezone.now()})
        core_services.audit_append(actor=actor, action="learn.ecosystem." + ("create" if created else "update"),
                                   target=ecosystem, data={"name": name})
    return ecosystem


def ecosystem_get(*, name: str) -> Ecosystem:
    found = Ecosystem.objects.filter(name=str(name)[:100]).first()
    if found is None:
        raise NotFound(_("Écosystème « %(name)s » introuvable.") % {"name": str(name)[:100]})
    return found


def ecosystem_list():
    from django.db.models import Count

    return Ecosystem.objects.annotate(
        n_organisations=Count("members", distinct=True), n_datasets=Count("datasets", distinct=True),
        n_standards=Count("standards", distinct=True)).order_by("title_fr")


def ecosystem_organisation_set(*, actor, ecosystem: Ecosystem, organisation, role_fr: str = "", role_en: str = "",
                               is_coordinator: bool = False) -> EcosystemOrganisation:
    _require_manager(actor, ecosystem)
    if is_coordinator:  # designating who manages is the platform's decision
        _require_admin(actor, _("Seuls les administrateurs de la plateforme désignent les coordonnateurs."))
    errors: dict = {}
    role_fr = _clean_text(errors, "role_fr", role_fr, max_length=300)
    role_en = _clean_text(errors, "role_en", role_en, max_length=300)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry, _created = EcosystemOrganisation.objects.update_or_create(
            ecosystem=ecosystem, organisation=organisation,
            defaults={"role_fr": role_fr, "role_en": role_en, "is_coordinator": bool(is_coordinator)})
        core_services.audit_append(actor=actor, action="learn.ecosystem.organisation", target=ecosystem,
                                   data={"organisation": organisation.slug, "coordinator": bool(is_coordinator)})
    return entry


def ecosystem_contact_add(*, actor, ecosystem: Ecosystem, name: str, role_fr: str = "", role_en: str = "",
                          organisation=None, email: str = "", consented: bool = False) -> EcosystemContact:
    """A person of the ecosystem; shown only when ``consented`` (they agreed to be shown)."""
    _require_manager(actor, ecosystem)
    errors: dict = {}
    name = _clean_text(errors, "name", name, max_length=200, required=True)
    role_fr = _clean_text(errors, "role_fr", role_fr, max_length=300)
    role_en = _clean_text(errors, "role_en", role_en, max_length=300)
    email = _clean_text(errors, "email", email, max_length=254)
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.setdefault("email", []).append(_("Adresse de courriel invalide."))
    if errors:
        raise ValidationError(errors)
    contact, _created = EcosystemContact.objects.update_or_create(
        ecosystem=ecosystem, name=name, defaults={"role_fr": role_fr, "role_en": role_en,
                                                  "organisation": organisation, "email": email,
                                                  "consented": bool(consented)})
    return contact


def ecosystem_dataset_add(*, actor, ecosystem: Ecosystem, dataset) -> EcosystemDataset:
    _require_manager(actor, ecosystem)
    entry, _created = EcosystemDataset.objects.get_or_create(ecosystem=ecosystem, dataset=dataset)
    return entry


def ecosystem_reuse_add(*, actor, ecosystem: Ecosystem, reuse) -> None:
    """Link a reuse of the catalogue (only published ones are shown)."""
    _require_manager(actor, ecosystem)
    ecosystem.reuses.add(reuse)


def ecosystem_standard_add(*, actor, ecosystem: Ecosystem, standard: Standard) -> None:
    _require_manager(actor, ecosystem)
    ecosystem.standards.add(standard)


def ecosystem_detail(ecosystem: Ecosystem) -> dict:
    """What the ecosystem's page and API show (a fixed number of queries)."""
    members = list(EcosystemOrganisation.objects.filter(ecosystem=ecosystem).select_related("organisation"))
    contacts = list(EcosystemContact.objects.filter(ecosystem=ecosystem, consented=True)
                    .select_related("organisation"))
    entries = list(EcosystemDataset.objects.filter(ecosystem=ecosystem, dataset__state="active",
                                                   dataset__private=False)
                   .select_related("dataset", "dataset__organisation", "standard_version__standard")
                   .order_by("dataset__title_fr"))
    reuses = list(ecosystem.reuses.filter(status="published").order_by("-published_at", "title_fr"))
    standards = list(ecosystem.standards.all().prefetch_related("versions"))
    publications = list(ecosystem.publications.all())
    return {"ecosystem": ecosystem, "members": members, "contacts": contacts, "entries": entries,
            "reuses": reuses, "standards": standards, "publications": publications}


# --- Declarations and conformity ------------------------------------------------------------------------

def dataset_declare(*, actor, ecosystem: Ecosystem, dataset, version: StandardVersion | None) -> EcosystemDataset:
    """Declare that ``dataset`` (of ``ecosystem``) follows ``version`` (``None``: no standard any more).
    Coordinators of the ecosystem, platform admins, and editors/admins of the dataset's organisation."""
    entry = EcosystemDataset.objects.filter(ecosystem=ecosystem, dataset=dataset).first()
    if entry is None:
        raise ValidationError({"dataset": [_("Ce jeu de données ne fait pas partie de l'écosystème « %(eco)s ».")
                                           % {"eco": ecosystem.title}]})
    if actor is not None and not (ecosystem_can_manage(actor, ecosystem) or core_services.user_has_role(
            actor, dataset.organisation_id, ["editor", "admin"])):
        raise PermissionDenied(_("Seuls les éditeurs du jeu de données et les coordonnateurs de l'écosystème "
                                 "déclarent son standard."))
    if version is not None and version.status == StandardVersion.Status.DRAFT:
        raise ValidationError({"version": [_("On ne déclare pas une version en brouillon.")]})
    with transaction.atomic():
        entry.standard_version = version
        entry.declared_at = timezone.now() if version is not None else None
        entry.save(update_fields=["standard_version", "declared_at"])
        # Checks against standards the dataset no longer declares (in any ecosystem) are dropped.
        still = EcosystemDataset.objects.filter(dataset=dataset, standard_version__isnull=False).values(
            "standard_version__standard_id")
        Conformity.objects.filter(resource__dataset=dataset).exclude(
            standard_version__standard_id__in=still).delete()
        core_services.audit_append(actor=actor, action="learn.dataset.declare", target=entry,
                                   data={"dataset": dataset.name,
                                         "version": str(version) if version is not None else None})
        transaction.on_commit(lambda: conformity_request(dataset_ids=[dataset.pk]))
        core_services.open_data_changed(OPEN_DATA_KEY)
    return entry


def _declared_pairs(*, dataset_ids=None, standard_ids=None, version_ids=None, resource_ids=None):
    """``(resource, version)`` pairs to check: each tabular resource of a declared dataset, with every
    non-draft version of the declared standard."""
    from ouvert.catalog.models import Resource
    from ouvert.datastore import services as datastore_services

    entries = EcosystemDataset.objects.filter(standard_version__isnull=False)
    if dataset_ids is not None:
        entries = entries.filter(dataset_id__in=list(dataset_ids))
    if standard_ids is not None:
        entries = entries.filter(standard_version__standard_id__in=list(standard_ids))
    if version_ids is not None:
        standards = StandardVersion.objects.filter(pk__in=list(version_ids)).values("standard_id")
        entries = entries.filter(standard_version__standard_id__in=standards)
    if resource_ids is not None:
        entries = entries.filter(dataset__resources__id__in=list(resource_ids))
    standard_by_dataset: dict = {}
    for dataset_id, standard_id in entries.values_list("dataset_id", "standard_version__standard_id"):
        standard_by_dataset.setdefault(dataset_id, set()).add(standard_id)
    if not standard_by_dataset:
        return []
    versions: dict = {}
    for version in StandardVersion.objects.filter(
            standard_id__in={s for ids in standard_by_dataset.values() for s in ids}).exclude(status="draft"):
        if version_ids is None or version.pk in set(version_ids):
            versions.setdefault(version.standard_id, []).append(version)
    resources = Resource.objects.filter(dataset_id__in=list(standard_by_dataset), state="active").select_related(
        "current_version")
    if resource_ids is not None:
        resources = resources.filter(pk__in=list(resource_ids))
    pairs = []
    for resource in resources:
        if datastore_services.tabular_format(resource) is None:
            continue
        for standard_id in standard_by_dataset[resource.dataset_id]:
            for version in versions.get(standard_id, []):
                pairs.append((resource, version))
    return pairs


def version_find(pk) -> StandardVersion | None:
    """A standard version by its id (as a form sends it), or ``None``."""
    return StandardVersion.objects.filter(pk=pk if str(pk).isdigit() else 0).first()


def conformity_public(pk) -> Conformity:
    """A conformity check of a resource of an active public dataset (its full report); ``NotFound`` otherwise."""
    found = Conformity.objects.select_related("resource__dataset", "standard_version__standard").filter(
        pk=pk, resource__dataset__state="active", resource__dataset__private=False).first()
    if found is None:
        raise NotFound(_("Rapport de conformité introuvable."))
    return found


def conformity_request(*, dataset_ids=None, standard_ids=None, version_ids=None, resource_ids=None,
                       force: bool = False) -> int:
    """Mark the concerned checks pending and queue them (``ecosystems_tasks.conformity_check_task``)."""
    from .ecosystems_tasks import conformity_check_task

    pairs = _declared_pairs(dataset_ids=dataset_ids, standard_ids=standard_ids, version_ids=version_ids,
                            resource_ids=resource_ids)
    for resource, version in pairs:
        Conformity.objects.update_or_create(resource=resource, standard_version=version,
                                            defaults={"status": Conformity.Status.PENDING})
        conformity_check_task.enqueue(resource_id=str(resource.pk), version_id=version.pk)
    return len(pairs)


def _first_errors(report: dict) -> list[dict]:
    errors = []
    for task in report.get("tasks") or []:
        for error in task.get("errors") or []:
            errors.append({"type": error.get("type", ""), "title": error.get("title", ""),
                           "field": error.get("fieldName") or error.get("label") or "",
                           "row": error.get("rowNumber"), "message": error.get("message", "")})
    return errors


def conformity_run(*, resource_id, version_id) -> Conformity | None:
    """Validate the table the datastore serves for the resource against the version's schema now."""
    from ouvert.catalog.models import Resource
    from ouvert.datastore import services as datastore_services

    resource = Resource.objects.filter(pk=resource_id).first()
    version = StandardVersion.objects.filter(pk=version_id).first()
    if resource is None or version is None:
        return None
    table = datastore_services.table_for_resource(resource)
    values: dict = {"checked_at": timezone.now()}
    if table is None or not table.parquet:
        values.update(status=Conformity.Status.UNCHECKED, table_id=None, error_count=0, first_errors=[],
                      report=None, reason=_("Le module de données tabulaires ne sert pas encore de table pour "
                                            "cette ressource (intégration en attente ou en échec)."))
    else:
        try:
            report = datastore_services.table_validate(table, version.schema, limit_errors=REPORT_ERRORS,
                                                       name=str(resource.pk))
        except Exception:  # the file vanished, DuckDB failed…: say so, keep the page working
            logger.exception("conformity check of %s against %s", resource.pk, version.pk)
            values.update(status=Conformity.Status.UNCHECKED, table_id=table.pk, error_count=0, first_errors=[],
                          report=None, reason=_("La vérification a échoué; elle sera refaite."))
        else:
            total = datastore_services.validation_errors_total(report) or 0
            values.update(status=Conformity.Status.CONFORMS if report.get("valid") else Conformity.Status.FAILS,
                          table_id=table.pk, error_count=total, first_errors=_first_errors(report)[:FIRST_ERRORS],
                          report=report, reason="")
    with transaction.atomic():
        conformity, _created = Conformity.objects.update_or_create(resource=resource, standard_version=version,
                                                                   defaults=values)
        core_services.open_data_changed(OPEN_DATA_KEY)
    return conformity


def conformity_refresh() -> int:
    """Periodic: re-check the conformities whose resource is served by another table than the one checked
    (a new version was ingested) or that never ran."""
    from ouvert.datastore import services as datastore_services

    rows = list(Conformity.objects.values_list("pk", "resource_id", "standard_version_id", "table_id", "status"))
    if not rows:
        return 0
    served = datastore_services.datastores_for(list({row[1] for row in rows}))
    count = 0
    for _pk, resource_id, version_id, table_id, status in rows:
        datastore = served.get(resource_id)
        current = datastore.current_table_id if datastore is not None else None
        if current != table_id or (status == Conformity.Status.PENDING and current is None):
            conformity_run(resource_id=resource_id, version_id=version_id)
            count += 1
    return count


def _on_resource_changed(event: str, resource_id) -> None:
    if event == "deleted":
        return
    if EcosystemDataset.objects.filter(standard_version__isnull=False, dataset__resources__id=resource_id).exists():
        conformity_request(resource_ids=[resource_id])


def _cell(conformity: Conformity | None, *, declared: bool, version: StandardVersion) -> dict:
    if conformity is None:
        state = "not_checked" if declared else "not_declared"
        return {"state": state, "label": _("non vérifié") if declared else _("non déclaré"), "errors": [],
                "error_count": 0, "version_id": version.pk}
    mapping = {Conformity.Status.CONFORMS: ("conforms", _("conforme")),
               Conformity.Status.FAILS: ("fails", _("non conforme")),
               Conformity.Status.PENDING: ("not_checked", _("vérification en cours")),
               Conformity.Status.UNCHECKED: ("not_checked", _("non vérifié"))}
    state, label = mapping[conformity.status]
    return {"state": state, "label": label, "errors": conformity.first_errors or [],
            "error_count": conformity.error_count, "reason": conformity.reason, "conformity_id": conformity.pk,
            "checked_at": conformity.checked_at, "version_id": version.pk}


MATRIX_STATES = ("conforms", "fails", "not_checked", "not_declared")


def conformity_matrix(*, ecosystem: Ecosystem | None = None, standard: Standard | None = None,
                      state: str = "", organisation: str = "", dataset_ids=None) -> dict:
    """The conformity matrix: ``columns`` (standard versions) and ``rows`` (one per dataset, with its
    resources' cells). Filters: ``state`` (a cell state: rows having one such cell), ``organisation``
    (slug). Six queries whatever the size."""
    from ouvert.catalog.models import Resource
    from ouvert.datastore import services as datastore_services

    entries = EcosystemDataset.objects.filter(dataset__state="active", dataset__private=False).select_related(
        "dataset", "dataset__organisation", "standard_version", "ecosystem")
    if ecosystem is not None:
        entries = entries.filter(ecosystem=ecosystem)
        standards_q = Q(ecosystems=ecosystem) | Q(versions__declarations__ecosystem=ecosystem)
    else:
        entries = entries.filter(standard_version__standard=standard)
        standards_q = Q(pk=standard.pk)
    if organisation:
        entries = entries.filter(dataset__organisation__slug=organisation)
    if dataset_ids is not None:
        entries = entries.filter(dataset_id__in=list(dataset_ids))
    entries = list(entries.order_by("dataset__title_fr", "ecosystem__name"))
    standard_ids = set(Standard.objects.filter(standards_q).values_list("pk", flat=True))
    columns = list(StandardVersion.objects.filter(standard_id__in=standard_ids).exclude(status="draft")
                   .select_related("standard").order_by("standard__name", "major", "minor", "patch"))
    dataset_ids_seen = list({entry.dataset_id for entry in entries})
    resources = [r for r in Resource.objects.filter(dataset_id__in=dataset_ids_seen, state="active")
                 .select_related("current_version").order_by("position", "created_at")
                 if datastore_services.tabular_format(r) is not None]
    conformities = {(c.resource_id, c.standard_version_id): c for c in Conformity.objects.filter(
        resource_id__in=[r.pk for r in resources], standard_version__in=columns).defer("report")}
    by_dataset: dict = {}
    for resource in resources:
        by_dataset.setdefault(resource.dataset_id, []).append(resource)
    rows = []
    seen = set()
    for entry in entries:
        if entry.dataset_id in seen:
            continue
        seen.add(entry.dataset_id)
        declared_standard = entry.standard_version.standard_id if entry.standard_version_id else None
        lines = []
        for resource in by_dataset.get(entry.dataset_id, []):
            cells = [_cell(conformities.get((resource.pk, column.pk)),
                           declared=column.standard_id == declared_standard, version=column) for column in columns]
            lines.append({"resource": resource, "name": resource.name or str(resource.pk), "cells": cells})
        if not lines:
            lines.append({"resource": None, "name": _("aucune ressource tabulaire"),
                          "cells": [_cell(None, declared=False, version=column) for column in columns]})
        row = {"entry": entry, "dataset": entry.dataset, "declared": entry.standard_version, "resources": lines}
        if state and not any(cell["state"] == state for line in lines for cell in line["cells"]):
            continue
        rows.append(row)
    return {"columns": columns, "rows": rows, "states": MATRIX_STATES}


def conformity_matrix_csv(matrix: dict) -> str:
    """The matrix as CSV: one line per resource and version (declared or not)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["jeu_de_donnees", "ressource", "ressource_id", "standard", "version", "declare", "etat",
                     "erreurs", "premiere_erreur"])
    for row in matrix["rows"]:
        declared = str(row["declared"]) if row["declared"] else ""
        for line in row["resources"]:
            for column, cell in zip(matrix["columns"], line["cells"], strict=True):
                first = cell["errors"][0] if cell["errors"] else None
                first_text = (f"{first.get('field') or ''} ligne {first.get('row') or '-'} : {first.get('message')}"
                              if first else (cell.get("reason") or ""))
                writer.writerow([row["dataset"].name, line["name"],
                                 str(line["resource"].pk) if line["resource"] else "",
                                 column.standard.name, column.version,
                                 "oui" if declared == str(column) else "non", cell["state"], cell["error_count"],
                                 first_text])
    return out.getvalue()


def conformity_for_dataset(dataset) -> list[dict]:
    """Every conformity check of a dataset's resources (for the API and the dataset panel)."""
    return [{"resource_id": str(c.resource_id), "standard": c.standard_version.standard.name,
             "version": c.standard_version.version, "status": c.status, "error_count": c.error_count,
             "first_errors": c.first_errors, "reason": c.reason,
             "checked_at": c.checked_at.isoformat() if c.checked_at else None}
            for c in Conformity.objects.filter(resource__dataset=dataset, resource__state="active")
            .select_related("standard_version__standard").order_by("resource__position", "standard_version__major",
                                                                    "standard_version__minor")]


# --- Publications ---------------------------------------------------------------------------------------

def publication_get(*, slug: str) -> Publication:
    found = Publication.objects.filter(slug=str(slug)[:100]).first()
    if found is None:
        raise NotFound(_("Publication « %(slug)s » introuvable.") % {"slug": str(slug)[:100]})
    return found


def publication_list():
    return Publication.objects.prefetch_related("ecosystems").order_by("-published_on", "title_fr")


def publication_update(*, actor, publication: Publication, data: dict) -> Publication:
    """Platform admins write the summary and findings (one per line)."""
    _require_admin(actor, _("Seuls les administrateurs de la plateforme modifient les publications."))
    errors: dict = {}
    changes = {}
    for key, size in (("title_fr", 500), ("title_en", 500), ("authors", 500), ("institution", 300),
                      ("summary_fr", 20000), ("summary_en", 20000), ("findings_fr", 20000), ("findings_en", 20000)):
        if key in data:
            changes[key] = _clean_text(errors, key, data[key], max_length=size, required=key == "title_fr")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for key, value in changes.items():
            setattr(publication, key, value)
        publication.modified_at = timezone.now()
        publication.save()
        core_services.audit_append(actor=actor, action="learn.publication.update", target=publication,
                                   data={"fields": sorted(changes)})
    return publication


def publication_attach_document(*, actor, publication: Publication, upload) -> Publication:
    """Attach the publication's PDF (checked: a real PDF, at most ``MAX_DOCUMENT_BYTES``); replaces the
    previous one only once the new one is stored."""
    _require_admin(actor, _("Seuls les administrateurs de la plateforme joignent le document."))
    size = getattr(upload, "size", None)
    if size is None or size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"document": [_("Le document dépasse %(n)d Mio.") % {"n": MAX_DOCUMENT_BYTES // 2**20}]})
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"document": [_("Le document doit être un fichier PDF.")]})
    old = publication.document.name if publication.document else ""
    name = f"{publication.slug}.pdf"
    with transaction.atomic():
        publication.document.save(name, upload, save=False)
        publication.document_size = size
        publication.document_type = "application/pdf"
        publication.modified_at = timezone.now()
        publication.save()
        core_services.audit_append(actor=actor, action="learn.publication.document", target=publication,
                                   data={"size": size})
    if old and old != publication.document.name:
        publication.document.storage.delete(old)
    return publication


# --- Open by default ---------------------------------------------------------------------------------

OPEN_DATA_KEY = "learn.conformity"
OPEN_DATA_COLUMNS = ["ecosysteme", "jeu_de_donnees", "ressource_id", "standard", "version", "version_declaree",
                     "etat", "erreurs", "verifie_le"]


def open_data_export() -> dict | None:
    """The registry of standards (JSON, schemas included) and every conformity check of the datasets that
    declare a standard (CSV), published by ``OUVERT_OPEN_DATA_ORGANISATION`` (``sct`` by
    default); ``None`` while there is no published standard or that organisation is missing."""
    import csv
    import io

    from ouvert.core.models import Organisation

    organisation = core_services.open_data_organisation()
    if not Organisation.objects.filter(slug=organisation).exists():
        return None
    versions = list(StandardVersion.objects.exclude(status="draft").select_related("standard", "standard__maintainer")
                    .order_by("standard__name", "major", "minor", "patch"))
    if not versions:
        return None
    standards: dict = {}
    for version in versions:
        item = standards.setdefault(version.standard.name, {
            "name": version.standard.name, "title_fr": version.standard.title_fr,
            "title_en": version.standard.title_en, "domain": version.standard.domain,
            "maintainer": version.standard.maintainer.slug if version.standard.maintainer else None,
            "licence": version.standard.licence, "versions": []})
        item["versions"].append({"version": version.version, "status": version.status,
                                 "released_on": version.released_on.isoformat() if version.released_on else None,
                                 "schema": version.schema})
    declared = {(e.dataset_id, e.standard_version.standard_id): (e.ecosystem.name, e.standard_version.version)
                for e in EcosystemDataset.objects.filter(standard_version__isnull=False, dataset__state="active",
                                                         dataset__private=False)
                .select_related("ecosystem", "standard_version")}
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(OPEN_DATA_COLUMNS)
    for c in (Conformity.objects.filter(resource__state="active", resource__dataset__state="active",
                                        resource__dataset__private=False)
              .select_related("resource__dataset", "standard_version__standard").defer("report")
              .order_by("resource__dataset__name", "resource_id", "standard_version__standard__name",
                        "standard_version__major", "standard_version__minor", "standard_version__patch")):
        found = declared.get((c.resource.dataset_id, c.standard_version.standard_id))
        if found is None:
            continue
        writer.writerow([found[0], c.resource.dataset.name, str(c.resource_id), c.standard_version.standard.name,
                         c.standard_version.version, found[1], c.status, c.error_count,
                         c.checked_at.isoformat() if c.checked_at else ""])
    return {
        "organisation": organisation,
        "metadata": {
            "name": "standards-donnees-conformite",
            "title_fr": "Standards de données et conformité des jeux de données",
            "title_en": "Data standards and dataset conformity",
            "notes_fr": ("Le registre des standards de données de la plateforme (versions et schémas Table Schema) "
                         "et, pour chaque jeu de données qui déclare suivre un standard dans un écosystème, le "
                         "résultat de la validation de ses ressources tabulaires contre chaque version.\n\n"
                         "Ce jeu de données est produit par la plateforme et mis à jour à chaque vérification."),
            "notes_en": ("The platform's registry of data standards (versions and Table Schemas) and, for each "
                         "dataset declaring a standard in an ecosystem, the validation of its tabular resources "
                         "against each version.\n\nProduced by the platform, refreshed after each check."),
            "tags": ["standard", "interopérabilité", "interoperability", "Table Schema"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
        },
        "resources": [
            {"name_fr": "Conformité (CSV)", "name_en": "Conformity (CSV)", "format": "CSV",
             "filename": "conformite-standards.csv", "content": buffer.getvalue().encode("utf-8")},
            {"name_fr": "Registre des standards (JSON)", "name_en": "Standards registry (JSON)", "format": "JSON",
             "filename": "standards.json",
             "content": json.dumps({"standards": list(standards.values())}, ensure_ascii=False,
                                   indent=1).encode("utf-8")},
        ],
    }


# --- Registrations ------------------------------------------------------------------------------------

def register() -> None:
    """This part's registrations, from ``hooks.register``."""
    from django.utils.translation import gettext_lazy

    from ouvert.core import registry

    registry.register_menu_link(gettext_lazy("Écosystèmes"), "learn:ecosystems", order=60)
    registry.register_resource_listener(_on_resource_changed)
    registry.register_periodic("learn.conformity_refresh", conformity_refresh, every_seconds=300)
    registry.register_dataset_panel("learn.ecosystems", _dataset_panel, order=80)
    registry.register_open_data_publisher(OPEN_DATA_KEY, open_data_export)

    def demo(stdout=None):
        from .ecosystems_demo import load

        load(stdout)

    registry.register_demo_loader("learn.ecosystems", demo, order=400)


def _dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    entries = list(EcosystemDataset.objects.filter(dataset=dataset).select_related(
        "ecosystem", "standard_version__standard"))
    if not entries:
        return None
    return {"template": "learn/ecosystems/dataset_panel.html", "context": {"eco_entries": entries}}
