"""The processes part of the consult module (see ``services``): consultations, their phases, documents,
categories and invitations; the creation wizard's check of the seven guiding principles of the *Cadre de
référence gouvernemental sur la participation publique* (Québec, 2017); the organisers' guides.

Every function takes keyword-only arguments, checks who acts (``access.can_manage``), validates with a
``ValidationError`` of French messages, writes in one transaction and appends to the audit log.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ouvert.core import services as core_services

from . import access
from .models import Category, Invitation, Phase, Process, ProcessDocument

__all__ = [
    "DOCUMENT_MAX_BYTES", "PRINCIPLES", "PROCESS_EDITABLE_FIELDS", "category_set", "document_add",
    "document_download_name", "document_open",
    "document_remove", "guide_get", "guide_list", "invitation_accept", "invitation_create", "invitation_list",
    "invitation_revoke", "organisations_for_processes", "phase_set", "process_create", "process_for_manager",
    "process_manage_list", "process_principles_check", "process_principles_set", "process_publish",
    "process_unpublish", "process_update", "processes_reserved_slugs",
]

#: Largest document file accepted (20 Mo).
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024

#: Fields an organiser may set with ``process_create`` / ``process_update``.
PROCESS_EDITABLE_FIELDS = (
    "title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en", "decision_fr",
    "decision_en", "influence", "theme", "territory", "starts_on", "ends_on", "mode", "visibility",
    "verification", "contact_name", "contact_email", "contact_phone", "support_limit", "support_threshold",
    "proposal_limit", "amendments_enabled", "auto_hide_threshold", "demographics_enabled",
)

#: The kinds of phase, in the order they must follow.
PHASE_ORDER = [Phase.Kind.INFORMATION, Phase.Kind.CONTRIBUTION, Phase.Kind.ANALYSIS, Phase.Kind.REPORT]

#: Days of contribution the principles ask for at least.
MIN_CONTRIBUTION_DAYS = 30


def register() -> None:
    """Menu link and demo loader of this part."""
    from ouvert.core import registry

    from . import processes_demo

    registry.register_demo_loader("consult_processes", processes_demo.load, order=200)


def _audit(actor, verb: str, process: Process, data: dict | None = None) -> None:
    core_services.audit_append(actor=actor, action=f"consult.processes.{verb}", target=process,
                               data={"slug": process.slug, **(data or {})})


def _require_manager(actor, process: Process) -> None:
    if not access.can_manage(actor, process):
        raise PermissionDenied(_("Seuls les administrateurs et éditeurs de l'organisme responsable gèrent "
                                 "cette consultation."))


# --- Processes -------------------------------------------------------------------------------------

def processes_reserved_slugs() -> set[str]:
    """The first segments of the module's fixed addresses: no process may take them as its slug."""
    from .urls import fixed_segments

    return fixed_segments() | {"nouvelle", "gestion", "guides", "invitation", "verification"}


def organisations_for_processes(user) -> list:
    """The bodies in which ``user`` may create consultations (admin or editor; every body for a superuser)."""
    if user is None or not user.is_authenticated:
        return []
    from ouvert.core.models import Organisation

    if user.is_superuser:
        return list(Organisation.objects.order_by("name_fr"))
    ids = [m.organisation_id for m in core_services.membership_list(user=user) if m.role in access.MANAGER_ROLES]
    return list(Organisation.objects.filter(pk__in=ids).order_by("name_fr"))


def _clean_values(data: dict, errors: dict) -> dict:
    """Type and choice checks of the editable fields present in ``data``."""
    values = {}
    for field in PROCESS_EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in ("starts_on", "ends_on"):
            if value in (None, ""):
                value = None
            elif isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value)
                except ValueError:
                    errors.setdefault(field, []).append(_("Date invalide (AAAA-MM-JJ attendu)."))
                    continue
        elif field in ("support_limit", "support_threshold", "proposal_limit", "auto_hide_threshold"):
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                errors.setdefault(field, []).append(_("Entrez un nombre entier."))
                continue
            if value < 0 or value > 100000:
                errors.setdefault(field, []).append(_("Entrez un nombre entre 0 et 100 000."))
                continue
        elif field in ("amendments_enabled", "demographics_enabled"):
            value = value in (True, "true", "on", "1", 1)
        else:
            value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
        values[field] = value
    return values


def _validate(process: Process, errors: dict) -> None:
    """Model validation (lengths, choices, e-mail) and the process's own rules, merged in ``errors``."""
    if not (process.title_fr or "").strip():
        errors.setdefault("title_fr", []).append(_("Donnez un titre à la consultation."))
    if process.starts_on and process.ends_on and process.ends_on < process.starts_on:
        errors.setdefault("ends_on", []).append(_("La fin doit suivre le début."))
    try:
        process.full_clean(exclude=["organisation", "created_by", "slug"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    errors.setdefault(field, []).append(message)
    if process.pk:
        outside = [p for p in process.phases.all()
                   if (process.starts_on and p.starts_on < process.starts_on)
                   or (process.ends_on and p.ends_on > process.ends_on)]
        if outside:
            errors.setdefault("starts_on", []).append(
                _("Des phases débordent de ces dates : ajustez d'abord le calendrier des phases."))


def _slug_check(slug: str, errors: dict, *, exclude_pk=None) -> str:
    slug = (slug or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) or len(slug) > 120:
        errors.setdefault("slug", []).append(_("L'identifiant ne contient que des lettres minuscules sans "
                                               "accent, des chiffres et des traits d'union (120 au plus)."))
    elif slug in processes_reserved_slugs():
        errors.setdefault("slug", []).append(_("« %(slug)s » est réservé par le site : choisissez un autre "
                                               "identifiant.") % {"slug": slug})
    elif Process.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        errors.setdefault("slug", []).append(_("Une consultation utilise déjà l'identifiant « %(slug)s ».")
                                             % {"slug": slug})
    return slug


def process_create(*, actor, organisation, data: dict) -> Process:
    """A draft consultation of ``organisation`` (not published). ``data`` holds the editable fields and
    ``slug`` (made from the title when absent)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour créer une consultation."))
    if not (actor.is_superuser or core_services.user_has_role(actor, organisation, access.MANAGER_ROLES)):
        raise PermissionDenied(_("Seuls les administrateurs et éditeurs d'un organisme créent ses consultations."))
    errors: dict = {}
    values = _clean_values(data, errors)
    slug = data.get("slug") or slugify(values.get("title_fr", ""))[:120].strip("-")
    slug = _slug_check(slug, errors)
    process = Process(organisation=organisation, slug=slug, created_by=actor, **values)
    _validate(process, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            process.save()
            _audit(actor, "create", process, {"organisation": organisation.slug})
    except IntegrityError:
        raise ValidationError({"slug": [_("Une consultation utilise déjà l'identifiant « %(slug)s ».")
                                        % {"slug": slug}]}) from None
    return process


def process_update(*, actor, process: Process, data: dict) -> Process:
    """Change the editable fields present in ``data`` (and ``slug`` while the process is a draft)."""
    _require_manager(actor, process)
    errors: dict = {}
    values = _clean_values(data, errors)
    before = {f: getattr(process, f) for f in values}
    if "slug" in data and data["slug"] != process.slug:
        if process.published_at:
            errors.setdefault("slug", []).append(_("L'identifiant d'une consultation publiée ne change plus "
                                                   "(ses liens circulent)."))
        else:
            values["slug"] = _slug_check(data["slug"], errors, exclude_pk=process.pk)
    fresh = Process.objects.get(pk=process.pk)
    for field, value in values.items():
        setattr(fresh, field, value)
    _validate(fresh, errors)
    if errors:
        raise ValidationError(errors)
    changed = {f: str(v) for f, v in values.items() if before.get(f, getattr(process, f, None)) != v}
    with transaction.atomic():
        fresh.modified_at = timezone.now()
        fresh.save()
        if changed:
            _audit(actor, "update", fresh, {"changed": sorted(changed)})
    for field in [*values, "modified_at"]:
        setattr(process, field, getattr(fresh, field))
    return process


def process_publish(*, actor, process: Process, confirm: bool = False) -> list[dict]:
    """Publish ``process``. It needs a title, dates and phases; when guiding principles are not yet
    satisfied, it asks for ``confirm=True`` (``ValidationError`` listing them). Returns the check."""
    _require_manager(actor, process)
    errors: dict = {}
    if not process.phases.exists():
        errors["phases"] = [_("Planifiez au moins une phase avant de publier.")]
    if not process.starts_on or not process.ends_on:
        errors["starts_on"] = [_("Indiquez les dates de début et de fin avant de publier.")]
    if not (process.summary_fr or "").strip():
        errors["summary_fr"] = [_("Écrivez un résumé avant de publier.")]
    if errors:
        raise ValidationError(errors)
    check = process_principles_check(process)
    unmet = [p for p in check if not p["satisfied"]]
    if unmet and not confirm:
        raise ValidationError({"confirm": [
            _("Principe non encore respecté : %(title)s — %(why)s") % {"title": p["title"], "why": " ".join(p["missing"])}
            for p in unmet]})
    with transaction.atomic():
        Process.objects.filter(pk=process.pk).update(published_at=process.published_at or timezone.now(),
                                                     modified_at=timezone.now())
        process.refresh_from_db()
        _audit(actor, "publish", process, {"unmet_principles": [p["key"] for p in unmet]})
        from .outreach import INDICATORS_OPEN_DATA_KEY

        core_services.open_data_changed(INDICATORS_OPEN_DATA_KEY)  # one more consultation in the indicators
    return check


def process_unpublish(*, actor, process: Process) -> Process:
    _require_manager(actor, process)
    with transaction.atomic():
        Process.objects.filter(pk=process.pk).update(published_at=None, modified_at=timezone.now())
        process.refresh_from_db()
        _audit(actor, "unpublish", process)
    return process


def process_for_manager(*, slug: str, actor) -> Process:
    """The process ``slug`` for someone who manages it (``NotFound`` / ``PermissionDenied`` otherwise)."""
    process = access.process_get(slug=slug, user=actor)
    _require_manager(actor, process)
    return process


def process_manage_list(*, user):
    """The processes of the bodies ``user`` manages, drafts included (all of them for a superuser)."""
    if user is None or not user.is_authenticated:
        return Process.objects.none()
    qs = Process.objects.select_related("organisation").prefetch_related("phases")
    if not user.is_superuser:
        ids = [m.organisation_id for m in core_services.membership_list(user=user)
               if m.role in access.MANAGER_ROLES]
        qs = qs.filter(organisation_id__in=ids)
    return qs.order_by("-modified_at", "-pk")


# --- Phases ----------------------------------------------------------------------------------------

def _date(value, field: str, errors: dict, prefix: str):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        errors.setdefault(prefix + field, []).append(_("Date invalide (AAAA-MM-JJ attendu)."))
        return None


def phase_set(*, actor, process: Process, phases: list[dict], starts_on=None, ends_on=None) -> list[Phase]:
    """Replace the phases of ``process``. Each item: ``kind``, ``starts_on``, ``ends_on``, ``components``
    (optional), ``title_fr``/``title_en``/``description_fr``/``description_en`` (optional). Kinds follow
    information → contribution → analysis → report in date order, without overlap, inside the process's
    dates; at least one phase. ``starts_on`` / ``ends_on`` change the process's dates at the same time."""
    _require_manager(actor, process)
    errors: dict = {}
    new_dates = {}
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if value is not None:
            new_dates[field] = _date(value, field, errors, "")
    if errors:
        raise ValidationError(errors)
    saved_dates = (process.starts_on, process.ends_on)
    for field, value in new_dates.items():
        setattr(process, field, value)
    try:
        return _phase_set(actor, process, phases, new_dates)
    except ValidationError:
        process.starts_on, process.ends_on = saved_dates
        raise


def _phase_set(actor, process: Process, phases: list[dict], new_dates: dict) -> list[Phase]:
    errors: dict = {}
    if process.starts_on and process.ends_on and process.ends_on < process.starts_on:
        raise ValidationError({"ends_on": [_("La fin doit suivre le début.")]})
    if not phases:
        raise ValidationError({"phases": [_("Planifiez au moins une phase.")]})
    valid_components = {c.value for c in Phase.Component}
    rows = []
    for i, item in enumerate(phases):
        prefix = f"phases.{i}."
        kind = item.get("kind")
        if kind not in PHASE_ORDER:
            errors.setdefault(prefix + "kind", []).append(_("Type de phase inconnu : %(kind)s.") % {"kind": kind})
            continue
        start = _date(item.get("starts_on"), "starts_on", errors, prefix)
        end = _date(item.get("ends_on"), "ends_on", errors, prefix)
        components = list(dict.fromkeys(item.get("components") or []))
        unknown = [c for c in components if c not in valid_components]
        if unknown:
            errors.setdefault(prefix + "components", []).append(
                _("Composantes inconnues : %(names)s.") % {"names": ", ".join(map(str, unknown))})
        label = Phase.Kind(kind).label
        if start and end and end < start:
            errors.setdefault(prefix + "ends_on", []).append(
                _("Phase « %(phase)s » : la fin doit suivre le début.") % {"phase": label})
        if start and process.starts_on and start < process.starts_on:
            errors.setdefault(prefix + "starts_on", []).append(
                _("Phase « %(phase)s » : elle commence avant la consultation (%(date)s).")
                % {"phase": label, "date": process.starts_on.isoformat()})
        if end and process.ends_on and end > process.ends_on:
            errors.setdefault(prefix + "ends_on", []).append(
                _("Phase « %(phase)s » : elle finit après la consultation (%(date)s).")
                % {"phase": label, "date": process.ends_on.isoformat()})
        texts = {k: str(item.get(k) or "").strip() for k in ("title_fr", "title_en", "description_fr",
                                                              "description_en")}
        rows.append({"kind": kind, "starts_on": start, "ends_on": end, "components": components, **texts})
    kinds = [r["kind"] for r in rows]
    if len(set(kinds)) != len(kinds):
        errors.setdefault("phases", []).append(_("Chaque type de phase ne vient qu'une fois."))
    if not errors:
        rows.sort(key=lambda r: r["starts_on"])
        order = [PHASE_ORDER.index(r["kind"]) for r in rows]
        if order != sorted(order):
            errors.setdefault("phases", []).append(_("Les phases se suivent dans cet ordre : information, "
                                                     "contribution, analyse, rapport."))
        for previous, row in zip(rows, rows[1:], strict=False):
            if row["starts_on"] <= previous["ends_on"]:
                errors.setdefault("phases", []).append(
                    _("Les phases « %(a)s » et « %(b)s » se chevauchent.")
                    % {"a": Phase.Kind(previous["kind"]).label, "b": Phase.Kind(row["kind"]).label})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if new_dates:
            Process.objects.filter(pk=process.pk).update(**new_dates)
        process.phases.all().delete()
        created = [Phase.objects.create(process=process, position=i, **row) for i, row in enumerate(rows)]
        Process.objects.filter(pk=process.pk).update(modified_at=timezone.now())
        _audit(actor, "phases", process, {"phases": [
            {"kind": r["kind"], "starts_on": r["starts_on"].isoformat(), "ends_on": r["ends_on"].isoformat(),
             "components": r["components"]} for r in rows]})
    if hasattr(process, "_prefetched_objects_cache"):
        process._prefetched_objects_cache.pop("phases", None)
    return created


# --- Documents -------------------------------------------------------------------------------------

#: Accepted document types: extension → what the bytes must be.
DOCUMENT_TYPES = {"pdf": "pdf", "odt": "odt", "docx": "docx", "xlsx": "xlsx", "csv": "text", "txt": "text"}

#: The content type a document is served with, by extension (anything else: application/octet-stream).
DOCUMENT_CONTENT_TYPES = {
    "pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv", "txt": "text/plain",
}



def _extension(name: str) -> str:
    name = Path(name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension if re.fullmatch(r"[a-z0-9]{1,8}", extension) else ""


def _safe_file_name(name: str, extension: str) -> str:
    """A file name safe in a ``Content-Disposition`` header and on any file system: no path, no control or
    quoting characters, at most 150 characters, with ``extension``."""
    stem = Path(str(name or "").replace("\\", "/")).name
    if extension and stem.lower().endswith("." + extension):
        stem = stem[: -len(extension) - 1]
    stem = re.sub(r'[\x00-\x1f\x7f"\'<>:;|?*%/\\]+', " ", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .-")[:150] or "document"
    return f"{stem}.{extension}" if extension else stem


def _sniff(head: bytes, data_reader) -> str | None:
    """What the bytes are: ``pdf``, ``odt``, ``docx``, ``xlsx``, ``text`` or ``None``."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data_reader())) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == \
                        b"application/vnd.oasis.opendocument.text":
                    return "odt"
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
        return None
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
            return "text"
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return "text"  # a character cut at the end of the sample
    return None


def document_add(*, actor, process: Process, title_fr: str, title_en: str = "", file=None,
                 url: str = "") -> ProcessDocument:
    """A document (a file — PDF, ODT, DOCX, XLSX, CSV or TXT up to 20 Mo, its type read from the bytes —
    or a link) that informs participants."""
    _require_manager(actor, process)
    errors: dict = {}
    title_fr = (title_fr or "").strip()
    title_en = (title_en or "").strip()
    url = (url or "").strip()
    if not title_fr:
        errors["title_fr"] = [_("Donnez un titre au document.")]
    elif len(title_fr) > 300 or len(title_en) > 300:
        errors["title_fr"] = [_("Le titre compte 300 caractères au plus.")]
    if bool(file) == bool(url):
        errors["file"] = [_("Joignez un fichier ou donnez un lien (l'un ou l'autre).")]
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 1000:
                raise ValidationError("long")
        except ValidationError:
            errors["url"] = [_("Le lien doit être une adresse web complète (https://…).")]
    if file:
        name = Path(getattr(file, "name", "") or "").name
        extension = _extension(name)
        size = getattr(file, "size", None)
        if extension not in DOCUMENT_TYPES:
            errors["file"] = [_("Types acceptés : PDF, ODT, DOCX, XLSX, CSV ou TXT.")]
        elif size is not None and size > DOCUMENT_MAX_BYTES:
            errors["file"] = [_("Le fichier dépasse 20 Mo.")]
        else:
            file.seek(0)
            head = file.read(4096)
            file.seek(0)

            def whole():
                file.seek(0)
                data = file.read(DOCUMENT_MAX_BYTES + 1)
                file.seek(0)
                return data

            kind = _sniff(head, whole)
            if size is None and len(whole()) > DOCUMENT_MAX_BYTES:
                errors["file"] = [_("Le fichier dépasse 20 Mo.")]
            elif kind != DOCUMENT_TYPES[extension]:
                errors["file"] = [_("Le contenu de « %(name)s » ne correspond pas à un fichier %(ext)s.")
                                  % {"name": name, "ext": extension.upper()}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        position = process.documents.count()
        document = ProcessDocument(process=process, title_fr=title_fr, title_en=title_en, url=url,
                                   position=position)
        if file:
            # Stored under a random name (128 bits), never derived from the uploaded one: the file cannot be
            # found by guessing, and the original name (kept for display and download) cannot leak through
            # the storage path. Files are served by ``document_open`` (``consult:document``), never by URL.
            document.original_name = _safe_file_name(file.name, _extension(file.name))
            document.file.save(f"{secrets.token_hex(16)}.{_extension(file.name)}", file, save=False)
        document.save()
        _audit(actor, "document_add", process, {"document": document.pk, "title": title_fr,
                                                 "url": url, "file": document.file.name or ""})
    return document


def document_download_name(document: ProcessDocument) -> str:
    """The name a document's file is downloaded under: its original name (else made from its title), with
    the stored file's extension; always safe for ``Content-Disposition``."""
    extension = _extension(document.file.name)
    original = document.original_name
    return _safe_file_name(original or slugify(document.title_fr)[:150], extension)


def document_open(*, user, process: Process, document_id) -> tuple[ProcessDocument, object, str, str]:
    """An uploaded document of ``process`` as ``user`` may read it: ``(document, open file, download name,
    content type)``; ``NotFound`` when the person may not see the consultation (a private one they were not
    invited to, a draft they do not manage), when there is no such document, when it is a link, or when
    its file is missing from the storage. The file is read from the default storage; close it after use
    (``FileResponse`` does)."""
    from django.core.files.storage import default_storage

    not_found = core_services.NotFound(_("Document introuvable."))
    if not access.can_view(user, process):
        raise not_found
    try:
        document = ProcessDocument.objects.get(process=process, pk=int(document_id))
    except (ProcessDocument.DoesNotExist, TypeError, ValueError):
        raise not_found from None
    if not document.file:
        raise not_found
    try:
        handle = default_storage.open(document.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise not_found from None
    extension = _extension(document.file.name)
    return (document, handle, document_download_name(document),
            DOCUMENT_CONTENT_TYPES.get(extension, "application/octet-stream"))


def document_remove(*, actor, process: Process, document_id: int) -> bool:
    _require_manager(actor, process)
    document = ProcessDocument.objects.filter(process=process, pk=document_id).first()
    if document is None:
        raise core_services.NotFound(_("Document introuvable."))
    with transaction.atomic():
        name = document.file.name
        document.delete()
        _audit(actor, "document_remove", process, {"document": document_id, "title": document.title_fr})
    if name:
        transaction.on_commit(lambda: document.file.storage.delete(name))
    return True


# --- Categories ------------------------------------------------------------------------------------

def category_set(*, actor, process: Process, names: list) -> list[Category]:
    """Set the proposal categories: ``names`` is a list of ``"nom"`` or ``("nom", "name")`` / dicts
    ``{"name_fr", "name_en"}``. Existing ones keep their identity (proposals keep their category); the
    ones not listed are removed."""
    _require_manager(actor, process)
    rows = []
    for item in names:
        if isinstance(item, dict):
            fr, en = item.get("name_fr", ""), item.get("name_en", "")
        elif isinstance(item, (list, tuple)):
            fr, en = (list(item) + ["", ""])[:2]
        else:
            fr, en = item, ""
        fr, en = str(fr or "").strip(), str(en or "").strip()
        if fr:
            rows.append((fr, en))
    errors = []
    seen = set()
    for fr, en in rows:
        if len(fr) > 150 or len(en) > 150:
            errors.append(_("« %(name)s » : 150 caractères au plus.") % {"name": fr[:40]})
        if fr.lower() in seen:
            errors.append(_("« %(name)s » est en double.") % {"name": fr})
        seen.add(fr.lower())
    if len(rows) > 50:
        errors.append(_("50 catégories au plus."))
    if errors:
        raise ValidationError({"categories": errors})
    with transaction.atomic():
        existing = {c.name_fr.lower(): c for c in process.categories.all()}
        kept = []
        for position, (fr, en) in enumerate(rows):
            category = existing.pop(fr.lower(), None) or Category(process=process)
            category.name_fr, category.name_en, category.position = fr, en, position
            category.save()
            kept.append(category)
        for category in existing.values():
            category.delete()
        _audit(actor, "categories", process, {"categories": [fr for fr, _en in rows]})
    return kept


# --- Invitations -----------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_list(*, actor, process: Process):
    _require_manager(actor, process)
    return process.invitations.select_related("user").order_by("-created_at", "pk")


def invitation_create(*, actor, process: Process, email: str, base_url: str = "") -> Invitation:
    """Invite ``email`` to ``process`` (an e-mail with a one-use link; only the hash of its token is
    stored). Inviting again a person who has not accepted sends a new link (the old one stops working)."""
    from django.urls import reverse

    _require_manager(actor, process)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("« %(email)s » n'est pas une adresse courriel valide.")
                                         % {"email": email[:100]}]}) from None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(process=process, email=email).first()
        if invitation is not None and invitation.accepted_at:
            raise ValidationError({"email": [_("%(email)s a déjà accepté son invitation.") % {"email": email}]})
        if invitation is None:
            invitation = Invitation(process=process, email=email)
        invitation.token_hash = _token_hash(token)
        invitation.invited_by = actor
        invitation.created_at = timezone.now()
        invitation.save()
        _audit(actor, "invite", process, {"email": email})
    base = (base_url or getattr(settings, "OUVERT_BASE_URL", "") or "").rstrip("/")
    link = base + reverse("consult:invitation", kwargs={"token": token})
    subject = _("Invitation à la consultation « %(title)s »") % {"title": process.title_fr}
    body = _("Bonjour,\n\n%(org)s vous invite à prendre part à la consultation « %(title)s ».\n\n"
             "Pour accepter, connectez-vous avec cette adresse (%(email)s) puis ouvrez ce lien, utilisable "
             "une seule fois :\n%(link)s\n") % {"org": process.organisation.name_fr, "title": process.title_fr,
                                                "email": email, "link": link}
    transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))
    invitation.token = token  # for the caller (tests, API); never stored
    return invitation


def invitation_revoke(*, actor, process: Process, invitation_id: int) -> bool:
    _require_manager(actor, process)
    invitation = Invitation.objects.filter(process=process, pk=invitation_id).first()
    if invitation is None:
        raise core_services.NotFound(_("Invitation introuvable."))
    with transaction.atomic():
        invitation.delete()
        _audit(actor, "invite_revoke", process, {"email": invitation.email})
    return True


def invitation_accept(*, user, token: str) -> Invitation:
    """The signed-in person whose address is the invited one accepts (once)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous avec l'adresse invitée pour accepter l'invitation."))
    invitation = Invitation.objects.select_related("process").filter(
        token_hash=_token_hash(str(token or ""))).first()
    if invitation is None:
        raise core_services.NotFound(_("Ce lien d'invitation n'existe pas ou a été remplacé."))
    if invitation.accepted_at:
        if invitation.user_id == user.pk:
            return invitation
        raise ValidationError({"token": [_("Ce lien d'invitation a déjà été utilisé.")]})
    addresses = {user.email.lower()}
    try:
        from allauth.account.models import EmailAddress

        addresses |= {e.lower() for e in EmailAddress.objects.filter(user=user, verified=True)
                      .values_list("email", flat=True)}
    except Exception:  # noqa: BLE001 — allauth absent: the account's address only
        pass
    if invitation.email.lower() not in addresses:
        raise PermissionDenied(_("Cette invitation a été envoyée à une autre adresse : connectez-vous avec "
                                 "l'adresse qui l'a reçue."))
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            user=user, accepted_at=timezone.now())
        if not updated:
            raise ValidationError({"token": [_("Ce lien d'invitation a déjà été utilisé.")]})
        invitation.refresh_from_db()
    return invitation


# --- The seven guiding principles ------------------------------------------------------------------

@dataclass(frozen=True)
class Principle:
    key: str
    title: object  # lazy string
    summary: object
    guide: str


#: The seven guiding principles of the Cadre de référence gouvernemental sur la participation publique
#: (Québec, 2017, Secrétariat à l'accès à l'information et à la réforme des institutions démocratiques),
#: with the Cadre's titles, in its order; the summaries are in our own words.
PRINCIPLES = [
    Principle("engagement", gettext_lazy("L'engagement des autorités compétentes"),
              gettext_lazy("Les autorités qui décident s'engagent à tenir compte de ce qui sera dit : elles "
                           "disent quelle décision la consultation éclaire, pourquoi elles consultent, quels sont "
                           "les objectifs et quelle influence les participants auront. On ne consulte que si les "
                           "avis peuvent encore compter."), "niveau-influence"),
    Principle("participants", gettext_lazy("L'engagement des participantes et des participants"),
              gettext_lazy("Les personnes prennent part de bonne foi et dans le respect : elles savent ce qu'on "
                           "attend d'elles, les règles de participation sont connues, la modération est juste et "
                           "leurs renseignements personnels sont protégés."), "choisir-les-methodes"),
    Principle("mechanisms", gettext_lazy("Le choix des mécanismes de participation publique"),
              gettext_lazy("Les façons de participer conviennent aux objectifs et aux personnes visées : des "
                           "phases et des composantes adaptées, assez de temps, une possibilité d'y prendre part "
                           "en personne, une personne à joindre pour poser ses questions."),
              "choisir-les-methodes"),
    Principle("information", gettext_lazy("L'information"),
              gettext_lazy("Les personnes reçoivent une information claire, complète et vulgarisée sur "
                           "l'objet, les enjeux et le déroulement, assez tôt pour se faire une opinion."),
              "planifier-une-consultation"),
    Principle("promotion", gettext_lazy("La promotion"),
              gettext_lazy("On fait connaître la consultation aux personnes concernées, y compris celles qu'on "
                           "entend peu : elle est facile à trouver, annoncée là où elles sont, et on va à leur "
                           "rencontre."), "rencontres-inclusives"),
    Principle("feedback", gettext_lazy("La rétroaction"),
              gettext_lazy("On analyse tout ce qui a été reçu, on dit ce qu'on a entendu et ce qu'on en fait, "
                           "et on rend compte de la décision finale."), "partager-les-resultats"),
    Principle("evaluation", gettext_lazy("L'évaluation"),
              gettext_lazy("On évalue la démarche avec les participants, par exemple par un questionnaire de "
                           "satisfaction et quelques indicateurs, et on en tire des leçons pour la prochaine."),
              "analyser-les-resultats"),
]

PRINCIPLE_KEYS = [p.key for p in PRINCIPLES]


def _phases(process: Process) -> dict:
    return {p.kind: p for p in process.phases.all()}


def process_principles_check(process: Process) -> list[dict]:
    """For each guiding principle: ``key``, ``title``, ``summary``, ``satisfied``, ``missing`` (French
    reasons), ``guide`` (the guide's slug) and ``note`` (what the organiser wrote), computed from the
    configuration of ``process``."""
    phases = _phases(process) if process.pk else {}
    documents = list(process.documents.all()) if process.pk else []
    notes = process.principles if isinstance(process.principles, dict) else {}
    used_components = {c for p in phases.values() for c in (p.components or [])}
    missing: dict[str, list[str]] = {key: [] for key in PRINCIPLE_KEYS}

    # 1. The commitment of the competent authorities: the decision and the influence are stated.
    if len((process.decision_fr or "").strip()) < 20:
        missing["engagement"].append(_("Dites quelle décision la consultation éclaire et qui la prendra."))
    if not (notes.get("engagement") or "").strip():
        missing["engagement"].append(_("Expliquez pourquoi vous consultez et comment les avis seront pris en "
                                       "compte (note du principe)."))

    # 2. The commitment of participants: moderation on, the rules and what is expected of them known.
    if process.auto_hide_threshold == 0:
        missing["participants"].append(_("Activez le masquage automatique des contenus signalés."))
    if not (notes.get("participants") or "").strip():
        missing["participants"].append(_("Dites ce qu'on attend des participants, comment les échanges seront "
                                         "modérés et les renseignements personnels protégés (note du principe)."))

    # 3. The choice of mechanisms: a contribution phase long enough that opens components, a way to take
    # part in person, a person to reach.
    contribution = phases.get(Phase.Kind.CONTRIBUTION)
    if contribution is None:
        missing["mechanisms"].append(_("Prévoyez une phase de contribution."))
    else:
        if (contribution.ends_on - contribution.starts_on).days + 1 < MIN_CONTRIBUTION_DAYS:
            missing["mechanisms"].append(
                _("La contribution dure %(days)s jours : laissez-en au moins %(min)s.")
                % {"days": (contribution.ends_on - contribution.starts_on).days + 1, "min": MIN_CONTRIBUTION_DAYS})
        if not contribution.components:
            missing["mechanisms"].append(_("Choisissez les composantes que la phase de contribution ouvre "
                                           "(propositions, questionnaire, débats…)."))
    if process.mode == Process.Mode.DIGITAL and Phase.Component.MEETINGS not in used_components:
        missing["mechanisms"].append(_("Offrez aussi une façon d'y prendre part en personne (mode hybride ou "
                                       "rencontres)."))
    if not (process.contact_email or process.contact_phone):
        missing["mechanisms"].append(_("Donnez une personne-ressource à joindre (courriel ou téléphone)."))

    # 4. Information: summary, description, documents, an information phase.
    if len((process.summary_fr or "").strip()) < 30:
        missing["information"].append(_("Écrivez un résumé qui dit en quelques phrases l'objet de la consultation."))
    if len((process.description_fr or "").strip()) < 200:
        missing["information"].append(_("Décrivez le contexte, les enjeux et le déroulement (200 caractères au "
                                        "moins)."))
    if not documents:
        missing["information"].append(_("Ajoutez au moins un document d'information."))
    if Phase.Kind.INFORMATION not in phases:
        missing["information"].append(_("Prévoyez une phase d'information avant la contribution."))

    # 5. Promotion: the people concerned can find it (theme or territory, the public list's filters);
    # a private process invites them.
    if not ((process.theme or "").strip() or (process.territory or "").strip()):
        missing["promotion"].append(_("Indiquez le thème ou le territoire, pour que les personnes concernées "
                                      "trouvent la consultation dans la liste."))
    if process.visibility == Process.Visibility.PRIVATE and process.pk and not process.invitations.exists():
        missing["promotion"].append(_("Consultation privée : invitez les personnes concernées."))

    # 6. Feedback: analysis and report planned.
    if Phase.Kind.ANALYSIS not in phases:
        missing["feedback"].append(_("Prévoyez une phase d'analyse des contributions."))
    if Phase.Kind.REPORT not in phases:
        missing["feedback"].append(_("Prévoyez une phase de rapport : « ce que nous avons entendu »."))

    # 7. Evaluation: the organiser says how.
    if not (notes.get("evaluation") or "").strip():
        missing["evaluation"].append(_("Dites comment la démarche sera évaluée avec les participants (note du "
                                       "principe)."))

    return [{"key": p.key, "title": str(p.title), "summary": str(p.summary), "satisfied": not missing[p.key],
             "missing": missing[p.key], "guide": p.guide, "note": str(notes.get(p.key) or "")}
            for p in PRINCIPLES]


def process_principles_set(*, actor, process: Process, notes: dict) -> Process:
    """The organiser's note for each principle (``{key: text}``, 2,000 characters each)."""
    _require_manager(actor, process)
    clean = {}
    errors = {}
    for key, text in (notes or {}).items():
        if key not in PRINCIPLE_KEYS:
            errors.setdefault("principles", []).append(_("Principe inconnu : %(key)s.") % {"key": str(key)[:40]})
            continue
        text = str(text or "").strip()
        if len(text) > 2000:
            errors.setdefault(f"principles.{key}", []).append(_("2 000 caractères au plus."))
        if text:
            clean[key] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Process.objects.filter(pk=process.pk).update(principles=clean, modified_at=timezone.now())
        process.principles = clean
        _audit(actor, "principles", process, {"keys": sorted(clean)})
    return process


# --- Guides ----------------------------------------------------------------------------------------

GUIDES_DIR = Path(__file__).resolve().parent / "content" / "guides"


@dataclass
class Guide:
    slug: str
    title: str
    summary: str
    step: str
    order: int
    body: str

    @property
    def html(self):
        from ouvert.core.markdown import render_markdown

        return render_markdown(self.body)


def _guide_read(path: Path) -> Guide:
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    body = text
    if text.startswith("---"):
        _start, header, body = text.split("---", 2)
        for line in header.strip().splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip()] = value.strip().strip('"')
    slug = path.name.split(".")[0]
    return Guide(slug=slug, title=meta.get("title", slug), summary=meta.get("summary", ""),
                 step=meta.get("step", ""), order=int(meta.get("order", 100) or 100), body=body.strip())


def _language(language: str | None) -> str:
    return "en" if (language or get_language() or "fr").startswith("en") else "fr"


def guide_list(language: str | None = None) -> list[Guide]:
    """The organisers' guides in ``language`` (the current one by default), in their order."""
    lang = _language(language)
    guides = [_guide_read(p) for p in sorted(GUIDES_DIR.glob(f"*.{lang}.md"))]
    return sorted(guides, key=lambda g: (g.order, g.slug))


def guide_get(slug: str, language: str | None = None) -> Guide:
    if not re.fullmatch(r"[a-z0-9-]+", slug or ""):
        raise core_services.NotFound(_("Guide introuvable."))
    lang = _language(language)
    path = GUIDES_DIR / f"{slug}.{lang}.md"
    if not path.exists():
        path = GUIDES_DIR / f"{slug}.fr.md"
    if not path.exists():
        raise core_services.NotFound(_("Guide introuvable."))
    return _guide_read(path)
