"""Reuses (réutilisations) of the catalogue's datasets: submission, moderation, gallery, counts.

Re-exported by ``catalog.services`` (the only place that writes). Anyone signed in submits a reuse;
it stays hidden (``pending``) until a moderator publishes it. Moderators are the platform's admins
(``is_superuser`` or ``is_staff``) and people holding the permission ``catalog.moderate_reuse``.

An edit of a published (or refused) reuse by its submitter sends it back to moderation: it is hidden
again until a moderator publishes the new version (moderators' own edits keep its state).

Images: PNG, JPEG or WebP, at most ``OUVERT_REUSE_IMAGE_MAX_BYTES`` bytes (5 Mo by default), decoded
by Pillow, re-encoded without their metadata (EXIF, GPS, comments), at most 1600 px wide, with a
480 × 320 thumbnail beside.

Registrations (dataset panel, ``package_show``'s ``num_reuses``, open-data publisher ``reuses``, demo
loader) are made by ``register()``, called by ``CatalogConfig.ready``; the CKAN actions of
ckanext-showcase are in ``ckan.py``.
"""

from __future__ import annotations

import csv
import io
import json
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from .models import Dataset, Reuse, Theme

__all__ = [
    "REUSE_OPEN_DATA_KEY", "reuse_is_moderator", "reuse_submit", "reuse_update", "reuse_moderate",
    "reuse_delete", "reuse_get", "reuse_list", "reuse_moderation_queue", "reuse_mine", "reuse_counts",
    "reuse_counts_by_name", "reuse_total", "reuse_gallery_facets", "reuse_public_datasets",
    "reuse_to_dict", "reuse_open_data_export", "reuse_image_max_bytes", "reuse_dataset_suggest",
]

REUSE_OPEN_DATA_KEY = "reuses"
DEFAULT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1600
THUMBNAIL_SIZE = (480, 320)
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
AUTHOR_MAX = 200
MAX_DATASETS = 50
#: Addresses under ``reutilisations/`` that a reuse's name must not take.
RESERVED_NAMES = {"proposer", "mes-propositions", "moderation", "jeux-suggeres"}


def reuse_image_max_bytes() -> int:
    return int(getattr(settings, "OUVERT_REUSE_IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES))


# --- Permissions -------------------------------------------------------------------------------

def reuse_is_moderator(user) -> bool:
    """Platform admins (superuser or staff) and holders of ``catalog.moderate_reuse``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.is_staff or user.has_perm("catalog.moderate_reuse"))


def _moderators():
    User = get_user_model()
    return (User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(is_staff=True)
                    | Q(user_permissions__codename="moderate_reuse", user_permissions__content_type__app_label="catalog")
                    | Q(groups__permissions__codename="moderate_reuse",
                        groups__permissions__content_type__app_label="catalog"))
            .distinct())


def _can_edit(user, reuse: Reuse) -> bool:
    return reuse_is_moderator(user) or (
        user is not None and user.is_authenticated and user.is_active and reuse.submitted_by_id == user.pk)


# --- Input checks -------------------------------------------------------------------------------

def _text(errors, field, value, *, required=False, max_length=TITLE_MAX) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    value = value.replace("\x00", "").strip()
    if required and not value:
        errors[field] = [_("Ce champ est obligatoire.")]
    elif len(value) > max_length:
        errors[field] = [_("Au plus %(max)s caractères (%(length)s reçus).") % {"max": max_length, "length": len(value)}]
    return value


def _link(errors, value) -> str:
    value = _text(errors, "url", value, required=True, max_length=1000)
    if "url" in errors:
        return value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        errors["url"] = [_("Adresse invalide : seules les adresses web complètes en http:// ou https:// sont acceptées.")]
    return value


def _dataset_refs(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list | tuple):
        raise ValidationError({"datasets": [_("Liste de jeux de données attendue.")]})
    refs = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name") or item.get("id") or ""
        item = str(item).strip().rstrip("/")
        if "/" in item:  # an address of a dataset's page: its last segment
            item = item.rsplit("/", 1)[-1]
        if item and item not in refs:
            refs.append(item)
    return refs


def reuse_public_datasets():
    """The datasets a reuse may name and show: published and public."""
    return Dataset.objects.filter(state=Dataset.State.ACTIVE, private=False)


def _datasets(errors, value) -> list[Dataset]:
    try:
        refs = _dataset_refs(value)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return []
    if not refs:
        errors["datasets"] = [_("Indiquez au moins un jeu de données public du catalogue.")]
        return []
    if len(refs) > MAX_DATASETS:
        errors["datasets"] = [_("Au plus %(max)s jeux de données.") % {"max": MAX_DATASETS}]
        return []
    ids = []
    for ref in refs:
        try:
            ids.append(uuid.UUID(ref))
        except ValueError:
            pass
    found = list(reuse_public_datasets().filter(Q(name__in=refs) | Q(pk__in=ids)))
    known = {d.name for d in found} | {str(d.pk) for d in found}
    missing = [ref for ref in refs if ref not in known]
    if missing:
        errors["datasets"] = [_("Jeu de données inconnu ou non public : %(names)s.")
                              % {"names": ", ".join(m[:100] for m in missing[:10])}]
        return []
    return found


def _clean(data: dict, *, partial_reuse: Reuse | None = None) -> tuple[dict, list[Dataset] | None]:
    """The checked fields of ``data`` (all of them for a submission; those present for an edit)."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Données invalides.")]})
    errors: dict = {}
    fields: dict = {}
    editing = partial_reuse is not None

    def present(key):
        return not editing or key in data

    if present("kind"):
        kind = data.get("kind") or Reuse.Kind.APPLICATION
        if kind not in Reuse.Kind.values:
            errors["kind"] = [_("Type inconnu « %(value)s ». Valeurs possibles : %(choices)s.")
                              % {"value": str(kind)[:50], "choices": ", ".join(Reuse.Kind.values)}]
        fields["kind"] = kind
    if present("title_fr"):
        fields["title_fr"] = _text(errors, "title_fr", data.get("title_fr"), required=True)
    if present("title_en"):
        fields["title_en"] = _text(errors, "title_en", data.get("title_en"))
    for key in ("description_fr", "description_en"):
        if present(key):
            fields[key] = _text(errors, key, data.get(key), max_length=DESCRIPTION_MAX)
    if present("url"):
        fields["url"] = _link(errors, data.get("url"))
    if present("author_name"):
        fields["author_name"] = _text(errors, "author_name", data.get("author_name"), max_length=AUTHOR_MAX)
    datasets = _datasets(errors, data.get("datasets")) if present("datasets") else None
    if errors:
        raise ValidationError(errors)
    return fields, datasets


# --- Images -------------------------------------------------------------------------------------

def _image_process(upload) -> tuple[bytes, bytes, str]:
    """``(image, thumbnail, extension)`` re-encoded from ``upload``, or ``ValidationError``."""
    from PIL import Image, ImageOps

    limit = reuse_image_max_bytes()
    size = getattr(upload, "size", None)
    too_big = ValidationError({"image": [_("Image trop volumineuse : au plus %(max)s octets.") % {"max": limit}]})
    if size is not None and size > limit:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise too_big
    not_image = ValidationError({"image": [_("Ce fichier n’est pas une image PNG, JPEG ou WebP lisible.")]})
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if fmt not in IMAGE_FORMATS or probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise not_image
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
        image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except Exception:
        raise not_image from None
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if alpha and fmt != "JPEG" else "RGB")
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    thumb = ImageOps.fit(image, THUMBNAIL_SIZE) if image.width >= 60 and image.height >= 40 else image.copy()

    def encode(img) -> bytes:
        out = io.BytesIO()
        if fmt == "JPEG":
            img.save(out, "JPEG", quality=85, optimize=True)
        elif fmt == "WEBP":
            img.save(out, "WEBP", quality=85)
        else:
            img.save(out, "PNG", optimize=True)
        return out.getvalue()

    return encode(image), encode(thumb), IMAGE_FORMATS[fmt][0]


def _store_images(reuse: Reuse, processed) -> list[str]:
    image, thumb, ext = processed
    stem = f"{reuse.name[:60]}-{uuid.uuid4().hex[:8]}"
    saved = [default_storage.save(f"reuses/{stem}.{ext}", ContentFile(image)),
             default_storage.save(f"reuses/thumbnails/{stem}.{ext}", ContentFile(thumb))]
    reuse.image.name, reuse.thumbnail.name = saved
    return saved


def _delete_files(names) -> None:
    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                pass


def _unique_name(title: str) -> str:
    base = (slugify(title)[:80].strip("-") or "reutilisation")
    if base in RESERVED_NAMES:
        base = f"{base}-reutilisation"
    name, n = base, 1
    taken = set(Reuse.objects.filter(name__startswith=base).values_list("name", flat=True))
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


# --- Writes -------------------------------------------------------------------------------------

def _duplicate() -> ValidationError:
    return ValidationError({"url": [_("Vous avez déjà proposé une réutilisation à cette adresse.")]})


def _url(reuse: Reuse) -> str:
    return reverse("catalog:reuse", kwargs={"name": reuse.name})


def reuse_submit(*, actor, data: dict, image=None) -> Reuse:
    """A signed-in person proposes a reuse; it waits for moderation (``pending``)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Connectez-vous pour proposer une réutilisation."))
    fields, datasets = _clean(data)
    processed = _image_process(image) if image else None
    if Reuse.objects.filter(submitted_by=actor, url=fields["url"]).exclude(status=Reuse.Status.REJECTED).exists():
        raise _duplicate()
    saved: list[str] = []
    try:
        with transaction.atomic():
            reuse = Reuse(**fields, name=_unique_name(fields["title_fr"]), submitted_by=actor,
                          status=Reuse.Status.PENDING)
            if processed:
                saved = _store_images(reuse, processed)
            reuse.save()
            reuse.datasets.set(datasets)
            core_services.audit_append(actor=actor, action="catalog.reuse.submit", target=reuse, data={
                "name": reuse.name, "url": reuse.url, "datasets": sorted(d.name for d in datasets)})
            moderators = [user for user in _moderators() if user.pk != actor.pk]
            core_services.notify(recipients=moderators,
                                 subject=_("Réutilisation à modérer : %(title)s") % {"title": reuse.title_fr},
                                 body=_("%(who)s propose une réutilisation : %(url)s")
                                 % {"who": actor.email, "url": reuse.url},
                                 url=reverse("catalog:reuse_moderation"))
    except IntegrityError:  # the same link at the same time (double submit) or the same name
        _delete_files(saved)
        raise _duplicate() from None
    except Exception:
        _delete_files(saved)
        raise
    return reuse


def reuse_update(*, actor, reuse: Reuse, data: dict, image=None, remove_image: bool = False) -> Reuse:
    """Its submitter or a moderator changes a reuse (only the keys present in ``data``). An edit by the
    submitter of a published or refused reuse sends it back to moderation."""
    if not _can_edit(actor, reuse):
        raise PermissionDenied(_("Seuls la personne qui a proposé cette réutilisation et les modérateurs "
                                 "peuvent la modifier."))
    fields, datasets = _clean(data, partial_reuse=reuse)
    processed = _image_process(image) if image else None
    saved: list[str] = []
    old_files: list[str] = []
    try:
        with transaction.atomic():
            locked = Reuse.objects.select_for_update().get(pk=reuse.pk)
            before_status = locked.status
            changed = [f for f, v in fields.items() if getattr(locked, f) != v]
            for f in changed:
                setattr(locked, f, fields[f])
            if datasets is not None:
                current = set(locked.datasets.values_list("pk", flat=True))
                if current != {d.pk for d in datasets}:
                    changed.append("datasets")
            if processed or (remove_image and locked.image):
                old_files = [locked.image.name, locked.thumbnail.name]
                locked.image.name = locked.thumbnail.name = ""
                if processed:
                    saved = _store_images(locked, processed)
                changed.append("image")
            if not changed:
                return reuse
            moderator = reuse_is_moderator(actor)
            if not moderator and locked.status != Reuse.Status.PENDING:
                locked.status = Reuse.Status.PENDING
                locked.moderation_note = ""
            locked.modified_at = timezone.now()
            locked.save()
            if datasets is not None:
                locked.datasets.set(datasets)
            core_services.audit_append(actor=actor, action="catalog.reuse.update", target=locked, data={
                "name": locked.name, "changed": changed, "status_before": before_status, "status": locked.status})
            if before_status == Reuse.Status.PUBLISHED:
                core_services.open_data_changed(REUSE_OPEN_DATA_KEY)
            if locked.status == Reuse.Status.PENDING and before_status != Reuse.Status.PENDING:
                core_services.notify(
                    recipients=[u for u in _moderators() if u.pk != actor.pk],
                    subject=_("Réutilisation modifiée à modérer : %(title)s") % {"title": locked.title_fr},
                    url=reverse("catalog:reuse_moderation"))
    except IntegrityError:
        _delete_files(saved)
        raise _duplicate() from None
    except Exception:
        _delete_files(saved)
        raise
    transaction.on_commit(lambda: _delete_files(old_files))
    return locked


def reuse_moderate(*, actor, reuse: Reuse, decision: str, note: str = "") -> Reuse:
    """A moderator publishes (``publish``) or refuses (``reject``, with a reason) a reuse; the
    submitter is told and the decision goes to the audit log."""
    if not reuse_is_moderator(actor):
        raise PermissionDenied(_("Seuls les modérateurs peuvent publier ou refuser une réutilisation."))
    errors: dict = {}
    note = _text(errors, "note", note, max_length=2000)
    if decision not in ("publish", "reject"):
        errors["decision"] = [_("Décision inconnue : « publish » (publier) ou « reject » (refuser).")]
    elif decision == "reject" and not note:
        errors["note"] = [_("Donnez le motif du refus : la personne qui l’a proposée le recevra.")]
    if errors:
        raise ValidationError(errors)
    target = Reuse.Status.PUBLISHED if decision == "publish" else Reuse.Status.REJECTED
    with transaction.atomic():
        locked = Reuse.objects.select_for_update().get(pk=reuse.pk)
        if locked.status == target:
            raise ValidationError({"decision": [_("Cette réutilisation est déjà %(state)s.")
                                                % {"state": locked.get_status_display().lower()}]})
        before = locked.status
        now = timezone.now()
        locked.status, locked.moderation_note = target, note
        locked.moderated_by, locked.moderated_at = actor, now
        if target == Reuse.Status.PUBLISHED:
            locked.published_at = now
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError({"decision": [_("La même personne a déjà proposé une autre réutilisation à "
                                                  "cette adresse : modérez plutôt celle-là.")]}) from None
        core_services.audit_append(actor=actor, action=f"catalog.reuse.{decision}", target=locked, data={
            "name": locked.name, "before": before, "after": target, "note": note})
        if locked.submitted_by_id and locked.submitted_by_id != actor.pk:
            if target == Reuse.Status.PUBLISHED:
                subject = _("Votre réutilisation « %(title)s » est publiée") % {"title": locked.title_fr}
            else:
                subject = _("Votre réutilisation « %(title)s » n’a pas été retenue") % {"title": locked.title_fr}
            core_services.notify(recipients=[locked.submitted_by], subject=subject, body=note, url=_url(locked))
        if Reuse.Status.PUBLISHED in (before, target):
            core_services.open_data_changed(REUSE_OPEN_DATA_KEY)
    return locked


def reuse_delete(*, actor, reuse: Reuse) -> None:
    """A moderator deletes a reuse for good (its images too); recorded in the audit log."""
    if not reuse_is_moderator(actor):
        raise PermissionDenied(_("Seuls les modérateurs peuvent supprimer une réutilisation."))
    files = [reuse.image.name, reuse.thumbnail.name]
    with transaction.atomic():
        core_services.audit_append(actor=actor, action="catalog.reuse.delete", target=reuse, data={
            "name": reuse.name, "url": reuse.url, "status": reuse.status})
        if reuse.status == Reuse.Status.PUBLISHED:
            core_services.open_data_changed(REUSE_OPEN_DATA_KEY)
        reuse.delete()
    transaction.on_commit(lambda: _delete_files(files))


# --- Reads --------------------------------------------------------------------------------------

def _with_datasets(qs):
    public = reuse_public_datasets().select_related("organisation").order_by("title_fr")
    return qs.select_related("submitted_by").prefetch_related(Prefetch("datasets", queryset=public,
                                                                       to_attr="public_datasets"))


def reuse_get(*, name: str, user=None) -> Reuse:
    """A reuse by name (or id): published ones for everyone, others for their submitter and moderators."""
    qs = _with_datasets(Reuse.objects.all())
    reuse = qs.filter(name=str(name)[:100]).first()
    if reuse is None:
        try:
            reuse = qs.filter(pk=uuid.UUID(str(name))).first()
        except ValueError:
            reuse = None
    if reuse is None or (reuse.status != Reuse.Status.PUBLISHED and not _can_edit(user, reuse)):
        raise NotFound(_("Réutilisation « %(name)s » introuvable.") % {"name": str(name)[:100]})
    return reuse


def reuse_list(*, kind: str = "", dataset: str = "", organisation: str = "", theme: str = "", q: str = ""):
    """Published reuses, newest first, with their public datasets (prefetched), filtered."""
    qs = Reuse.objects.filter(status=Reuse.Status.PUBLISHED)
    errors = {}
    if kind:
        if kind not in Reuse.Kind.values:
            errors["kind"] = [_("Type inconnu « %(value)s ».") % {"value": str(kind)[:50]}]
        qs = qs.filter(kind=kind)
    public = reuse_public_datasets()
    if dataset:
        qs = qs.filter(datasets__in=public.filter(name=dataset))
    if organisation:
        qs = qs.filter(datasets__in=public.filter(organisation__slug=organisation))
    if theme:
        qs = qs.filter(datasets__in=public.filter(themes__name=theme))
    if q:
        q = str(q)[:200]
        qs = qs.filter(Q(title_fr__icontains=q) | Q(title_en__icontains=q) | Q(description_fr__icontains=q)
                       | Q(description_en__icontains=q) | Q(author_name__icontains=q))
    if errors:
        raise ValidationError(errors)
    return _with_datasets(qs.distinct().order_by("-published_at", "-created_at"))


def reuse_moderation_queue(*, user):
    if not reuse_is_moderator(user):
        raise PermissionDenied(_("Seuls les modérateurs voient les réutilisations à modérer."))
    return _with_datasets(Reuse.objects.filter(status=Reuse.Status.PENDING).order_by("created_at"))


def reuse_mine(*, user):
    if user is None or not user.is_authenticated:
        return Reuse.objects.none()
    return _with_datasets(Reuse.objects.filter(submitted_by=user).order_by("-created_at"))


def reuse_counts(dataset_ids) -> dict:
    """``{dataset id: number of published reuses}`` in one query."""
    ids = list(dataset_ids)
    if not ids:
        return {}
    rows = (Reuse.datasets.through.objects.filter(dataset_id__in=ids, reuse__status=Reuse.Status.PUBLISHED)
            .values("dataset_id").annotate(n=Count("reuse_id")))
    return {row["dataset_id"]: row["n"] for row in rows}


def reuse_counts_by_name(names) -> dict:
    """``{dataset name: number of published reuses}`` in one query."""
    names = [n for n in names if n]
    if not names:
        return {}
    rows = (Reuse.datasets.through.objects.filter(dataset__name__in=names, reuse__status=Reuse.Status.PUBLISHED)
            .values("dataset__name").annotate(n=Count("reuse_id")))
    return {row["dataset__name"]: row["n"] for row in rows}


def reuse_total() -> int:
    return Reuse.objects.filter(status=Reuse.Status.PUBLISHED).count()


def reuse_gallery_facets() -> dict:
    """Organisations and themes of the public datasets of published reuses (two queries)."""
    from ouvert.core.models import Organisation

    used = reuse_public_datasets().filter(reuses__status=Reuse.Status.PUBLISHED)
    return {
        "organisations": list(Organisation.objects.filter(datasets__in=used).distinct().order_by("name_fr")),
        "themes": list(Theme.objects.filter(datasets__in=used).distinct().order_by("title_fr")),
    }


def reuse_dataset_suggest(q: str, limit: int = 10) -> list[Dataset]:
    """Public datasets whose name or title holds ``q`` (the form's search)."""
    q = (q or "").strip()[:100]
    if len(q) < 2:
        return []
    return list(reuse_public_datasets().filter(Q(title_fr__icontains=q) | Q(title_en__icontains=q)
                                               | Q(name__icontains=q)).select_related("organisation")
                .order_by("title_fr")[:limit])


def _media(name: str) -> str:
    if not name:
        return ""
    return f"{settings.OUVERT_BASE_URL}{default_storage.url(name)}" if not default_storage.url(name).startswith(
        "http") else default_storage.url(name)


def reuse_to_dict(reuse: Reuse, *, moderation: bool = False) -> dict:
    """A reuse for the API and the open data (``public_datasets`` prefetched by the reads above)."""
    datasets = getattr(reuse, "public_datasets", None)
    if datasets is None:
        datasets = list(reuse.datasets.filter(state=Dataset.State.ACTIVE, private=False).select_related("organisation"))
    result = {
        "id": str(reuse.pk), "name": reuse.name, "kind": reuse.kind, "title_fr": reuse.title_fr,
        "title_en": reuse.title_en, "description_fr": reuse.description_fr, "description_en": reuse.description_en,
        "url": reuse.url, "author_name": reuse.author_name,
        "image_url": _media(reuse.image.name), "thumbnail_url": _media(reuse.thumbnail.name),
        "page_url": f"{settings.OUVERT_BASE_URL}{_url(reuse)}",
        "datasets": [{"id": str(d.pk), "name": d.name, "title_fr": d.title_fr, "title_en": d.title_en,
                      "organisation": d.organisation.slug} for d in datasets],
        "status": reuse.status,
        "published_at": reuse.published_at.isoformat() if reuse.published_at else None,
        "created_at": reuse.created_at.isoformat(),
        "modified_at": reuse.modified_at.isoformat(),
    }
    if moderation:
        result.update({"moderation_note": reuse.moderation_note,
                       "moderated_at": reuse.moderated_at.isoformat() if reuse.moderated_at else None,
                       "submitted_by": reuse.submitted_by.email if reuse.submitted_by else None})
    return result


# --- Open by default ------------------------------------------------------------------------

OPEN_DATA_COLUMNS = ["id", "name", "kind", "title_fr", "title_en", "description_fr", "description_en", "url",
                     "author_name", "datasets", "published_at", "page_url"]


def reuse_open_data_export() -> dict | None:
    """The published reuses as an open dataset (CSV and JSON), or ``None`` while there is none or the
    publishing organisation (``OUVERT_OPEN_DATA_ORGANISATION``, ``sct`` by default) is missing."""
    from ouvert.core.models import Organisation

    organisation = core_services.open_data_organisation()
    if not Organisation.objects.filter(slug=organisation).exists():
        return None
    reuses = [reuse_to_dict(r) for r in reuse_list().order_by("published_at", "name")]
    if not reuses:
        return None
    for item in reuses:
        item.pop("status")
        item.pop("modified_at")
        item.pop("created_at")
        item.pop("image_url")
        item.pop("thumbnail_url")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=OPEN_DATA_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for item in reuses:
        writer.writerow({**item, "datasets": " ".join(d["name"] for d in item["datasets"])})
    return {
        "organisation": organisation,
        "metadata": {
            "name": "reutilisations-donnees-ouvertes",
            "title_fr": "Réutilisations des données ouvertes",
            "title_en": "Open data reuses",
            "notes_fr": ("Les réutilisations des jeux de données du catalogue (applications, articles, "
                         "visualisations, publications de recherche, API) publiées après modération : type, "
                         "titre, description, adresse, auteur et jeux de données utilisés.\n\n"
                         "Ce jeu de données est produit par la plateforme et mis à jour à chaque publication."),
            "notes_en": ("The reuses of the catalogue's datasets (applications, articles, visualisations, research "
                         "papers, APIs) published after moderation: kind, title, description, link, author and "
                         "datasets used.\n\nThis dataset is produced by the platform and refreshed on every "
                         "publication."),
            "tags": ["réutilisation", "reuse", "données ouvertes", "open data"],
            "frequency": "IRREG",
            "languages": ["fr", "en"],
        },
        "resources": [
            {"name_fr": "Réutilisations (CSV)", "name_en": "Reuses (CSV)", "format": "CSV",
             "filename": "reutilisations.csv", "content": buffer.getvalue().encode("utf-8")},
            {"name_fr": "Réutilisations (JSON)", "name_en": "Reuses (JSON)", "format": "JSON",
             "filename": "reutilisations.json",
             "content": json.dumps({"reuses": reuses}, ensure_ascii=False, indent=1).encode("utf-8")},
        ],
    }


# --- Registrations --------------------------------------------------------------------------

def _package_show_counts(dataset) -> dict:
    return {"num_reuses": reuse_counts([dataset.pk]).get(dataset.pk, 0)}


def _dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    from .reuses_views import dataset_panel

    return dataset_panel(request=request, dataset=dataset, resources=resources, can_edit=can_edit)


def _demo_load(stdout=None):
    from .reuses_demo import load

    return load(stdout)


def register() -> None:
    from ouvert.core import registry

    from . import ckan_dict

    registry.register_dataset_panel("reuses", _dataset_panel, order=70)
    registry.register_open_data_publisher(REUSE_OPEN_DATA_KEY, reuse_open_data_export)
    registry.register_demo_loader("catalog-reuses", _demo_load, order=60)
    ckan_dict.package_show_contributor_register(_package_show_counts, keys=("num_reuses",))
