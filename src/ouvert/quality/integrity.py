"""Integrity of the catalogue's files: their checksums, and checking that the stored files still match.

Every uploaded file version gets its SHA-256 and size at upload (``catalog``: ``ResourceVersion.sha256``
and ``size``); they are published on the dataset page, in the CKAN API (``hash``, ``size``), in DCAT
(``spdx:checksum``) and, for every older version too, in ``resource_version_list``.

- ``files_verify(progress=…)`` reads every stored version again (streamed from ``default_storage``,
  1 MiB at a time: constant memory, any storage, S3 included) and compares its SHA-256 and size with
  those recorded at upload: a missing or unreadable file, a changed size (truncated, lengthened) or a
  changed content is a mismatch, with a French message. The run goes into the audit log (action
  ``quality.verify``, with its counts) and its result stays readable (``files_verify_last()``: the
  cache, without expiry, else the audit log's last entry). ``ouvert quality verify`` runs it (exit
  code 1 when a file does not match); the periodic job ``quality.files_verify`` enqueues it every
  ``OUVERT_QUALITY_VERIFY_SECONDS`` (a week by default, 0: never) and tells platform admins of mismatches.
- ``version_checksums(resource)``: the versions of one file with their checksums; the CKAN Action API
  gives them (``/api/3/action/resource_version_list?id=<resource>``), and the latest verification to
  platform admins (``quality_verify_show``).
- The dataset page tells its publishers beside a resource when the latest verification found its
  file altered or missing (``register_dataset_panel``).

Primary keys of tabular resources are the datastore's (``datastore.services.primary_key_status``,
``table_facts_for_datasets``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.core import services as core_services

__all__ = [
    "VERIFY_ACTION",
    "file_version_check",
    "files_verify",
    "files_verify_last",
    "version_checksums",
]

logger = logging.getLogger("ouvert.quality")

#: The audit log's action for a verification run.
VERIFY_ACTION = "quality.verify"
#: Where the latest result is kept (no expiry).
CACHE_KEY = "quality:integrity:files-verify:last"
#: Bytes read at a time while hashing a stored file.
CHUNK = 1024 * 1024
#: Mismatches written in full into the audit log's entry (all of them are counted).
AUDIT_DETAILS = 100
#: Default period of the verification job (seconds): a week.
DEFAULT_VERIFY_SECONDS = 7 * 24 * 3600
#: SPDX's name of the algorithm (as DCAT's ``spdx:checksum`` gives it).
SPDX_SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"

Progress = Callable[[int, int], None]


def _hash_stored(name: str) -> tuple[str, int]:
    """SHA-256 and size of a stored file, read by chunks (never whole in memory)."""
    digest, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            if isinstance(chunk, str):  # a storage opening in text mode despite "rb"
                chunk = chunk.encode()
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _exists(name: str) -> bool:
    try:
        return bool(name) and default_storage.exists(name)
    except Exception:  # a storage that cannot answer (network): treat as unreadable, not missing
        return True


def file_version_check(version: dict) -> dict | None:
    """Check one stored file version (a dict of ``catalog.services.resource_versions()``): ``None`` when
    its content and size are those recorded at upload, else the mismatch (``dataset``, ``dataset_id``,
    ``resource_id``, ``number``, ``file``, ``problem``: ``missing``, ``unreadable``, ``size`` or
    ``sha256``, ``expected``/``actual`` SHA-256, ``expected_size``/``actual_size``, French ``message``)."""
    name = version.get("file") or ""
    expected, expected_size = version.get("sha256") or "", version.get("size")
    found = {"dataset": version.get("dataset_name") or "", "dataset_id": str(version.get("dataset_id") or ""),
             "resource_id": str(version.get("resource_id") or ""), "number": version.get("number"), "file": name,
             "expected": expected, "actual": None, "expected_size": expected_size, "actual_size": None}
    try:
        if not name:
            raise FileNotFoundError(name)
        actual, size = _hash_stored(name)
    except Exception as exc:  # FileNotFoundError, OSError, or a remote storage's own errors
        if not _exists(name):
            found.update(problem="missing", message=_("Fichier introuvable dans le stockage : %(file)s.")
                         % {"file": name or _("(aucun nom)")})
        else:
            logger.warning("could not read stored file %s: %s", name, exc)
            found.update(problem="unreadable", message=_("Fichier illisible dans le stockage (%(error)s) : %(file)s.")
                         % {"error": type(exc).__name__, "file": name})
        return found
    found.update(actual=actual, actual_size=size)
    if expected_size is not None and size != expected_size:
        found.update(problem="size", message=_(
            "Taille modifiée : %(expected)s octets attendus, %(actual)s octets lus (fichier tronqué, allongé ou "
            "remplacé) ; empreinte SHA-256 attendue %(sha)s, calculée %(found)s.")
            % {"expected": expected_size, "actual": size, "sha": expected, "found": actual})
        return found
    if actual != expected:
        found.update(problem="sha256", message=_(
            "Empreinte SHA-256 modifiée : %(expected)s attendue, %(actual)s calculée (contenu altéré, même taille).")
            % {"expected": expected, "actual": actual})
        return found
    return None


def _noop(done: int, total: int) -> None:
    pass


def files_verify(*, progress: Progress | None = None, actor=None, notify: bool = False) -> dict:
    """Hash every stored file version again and compare with what was recorded at upload.

    Returns ``{"checked": int, "mismatches": [file_version_check's dicts], "started_at", "finished_at"}``
    (dates as ISO text); ``progress(done, total)`` after each file. The run is recorded in the audit log
    (``quality.verify``) and kept for ``files_verify_last``; ``notify``: tell platform admins of mismatches.
    """
    progress = progress or _noop
    started = timezone.now()
    versions = catalog_services.resource_versions()
    total = versions.count()
    progress(0, total)
    checked, mismatches = 0, []
    for version in versions.iterator(chunk_size=500):
        problem = file_version_check(version)
        if problem is not None:
            mismatches.append(problem)
        checked += 1
        progress(checked, total)
    report = {"checked": checked, "mismatches": mismatches, "started_at": started.isoformat(),
              "finished_at": timezone.now().isoformat()}
    counts = {kind: sum(1 for item in mismatches if item["problem"] == kind)
              for kind in ("missing", "unreadable", "size", "sha256")}
    entry = core_services.audit_append(actor=actor, action=VERIFY_ACTION, data={
        "checked": checked, "mismatches": len(mismatches), **counts,
        "details": mismatches[:AUDIT_DETAILS], "started_at": report["started_at"],
        "finished_at": report["finished_at"]})
    report["audit_seq"] = entry.seq
    cache.set(CACHE_KEY, report, timeout=None)
    if notify and mismatches:
        _notify_admins(report)
    return report


def files_verify_last() -> dict | None:
    """The latest verification's result (as ``files_verify`` returned it), or ``None`` if none ran. From
    the cache; when the cache lost it, from the audit log (with at most ``AUDIT_DETAILS`` mismatches
    listed: ``truncated`` says when more were found)."""
    found = cache.get(CACHE_KEY)
    if found is not None:
        return found
    for entry in core_services.audit_list(limit=1000):
        if entry.action != VERIFY_ACTION:
            continue
        data = entry.data or {}
        details = list(data.get("details") or [])
        return {"checked": data.get("checked", 0), "mismatches": details, "started_at": data.get("started_at"),
                "finished_at": data.get("finished_at"), "audit_seq": entry.seq,
                "truncated": int(data.get("mismatches") or 0) > len(details)}
    return None


def _notify_admins(report: dict) -> None:
    from django.contrib.auth import get_user_model

    admins = get_user_model().objects.filter(is_superuser=True, is_active=True)
    count = len(report["mismatches"])
    lines = [f"{item['dataset']} — {item['resource_id']} v{item['number']} : {item['message']}"
             for item in report["mismatches"][:20]]
    if count > len(lines):
        lines.append(_("… et %(count)d autre(s).") % {"count": count - len(lines)})
    core_services.notify(
        recipients=admins,
        subject=_("Intégrité des fichiers : %(count)d fichier(s) altéré(s) ou manquant(s)") % {"count": count},
        body="\n".join([_("La vérification des empreintes des fichiers stockés a trouvé des anomalies "
                          "(%(checked)d fichier(s) vérifié(s)) :") % {"checked": report["checked"]}, *lines,
                        _("Relancez la vérification avec « ouvert quality verify » une fois les fichiers rétablis.")]))


def version_checksums(resource) -> list[dict]:
    """The file versions of an uploaded ``resource`` (newest first) with their checksums: ``number``,
    ``filename``, ``size``, ``sha256``, ``checksum`` (SPDX algorithm and value), ``media_type``,
    ``created_at``, ``current`` and ``url`` (its download address). The caller checks who may read
    the resource."""
    from django.urls import reverse
    from django.utils.translation import override

    items = []
    for version in catalog_services.resource_version_list(resource=resource):
        with override("fr"):
            url = reverse("catalog:resource_version_download", kwargs={
                "name": resource.dataset.name, "resource_id": resource.pk, "number": version.number})
        items.append({
            "number": version.number, "filename": version.filename, "size": version.size, "sha256": version.sha256,
            "checksum": {"algorithm": SPDX_SHA256, "value": version.sha256},
            "media_type": version.media_type or None, "created_at": version.created_at.isoformat(),
            "current": version.pk == resource.current_version_id, "url": f"{settings.OUVERT_BASE_URL}{url}",
        })
    return items


# --- CKAN Action API (``/api/3/action/…``; Ouvert's own actions) ----------------------------------

def resource_version_list(ctx, params):
    """Ouvert: every stored file version of an uploaded resource (``id``), newest first, with its SHA-256
    (``sha256``, and ``checksum`` as SPDX names it), size in bytes, date and download address; ``[]``
    for a link. Private and draft datasets' resources are found only by their members."""
    from django.core.exceptions import ValidationError

    value = params.get("id") or params.get("resource_id")
    if value in (None, "") or isinstance(value, dict | list):
        raise ValidationError({"id": [_("Valeur manquante.")]})
    resource = catalog_services.resource_get(id=str(value), user=ctx.user)
    return version_checksums(resource)


def quality_verify_show(ctx, params):
    """Ouvert, platform admins only: the latest verification of the stored files' checksums (``ouvert
    quality verify``): ``checked``, ``mismatches`` (each with ``dataset``, ``resource_id``, ``number``,
    ``problem``, ``expected``, ``actual``, ``message``), ``started_at``, ``finished_at``."""
    from django.core.exceptions import PermissionDenied

    if not getattr(ctx.user, "is_superuser", False):
        raise PermissionDenied(_("Réservé aux administratrices et administrateurs de la plateforme."))
    found = files_verify_last()
    if found is None:
        raise core_services.NotFound(_("Aucune vérification des fichiers n’a encore été faite "
                                       "(ouvert quality verify)."))
    return found


# --- Registrations -----------------------------------------------------------------------------------

@task()
def files_verify_task() -> dict:
    report = files_verify(notify=True)
    return {"checked": report["checked"], "mismatches": len(report["mismatches"])}


def _enqueue_verification() -> None:
    files_verify_task.enqueue()


def verify_seconds() -> int:
    try:
        return int(getattr(settings, "OUVERT_QUALITY_VERIFY_SECONDS", DEFAULT_VERIFY_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_VERIFY_SECONDS


def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """For the dataset's publishers: a note beside each resource whose stored file the latest
    verification found altered or missing. No query (the latest result is in the cache)."""
    if not can_edit or not resources:
        return None
    last = cache.get(CACHE_KEY)
    if not last or not last.get("mismatches"):
        return None
    ids = {str(resource.pk) for resource in resources}
    notes: dict = {}
    for item in last["mismatches"]:
        if item.get("resource_id") in ids:
            notes.setdefault(item["resource_id"], []).append(
                _("Vérification d’intégrité : la version %(number)s du fichier ne correspond plus à son empreinte — "
                  "%(message)s Téléversez-la de nouveau ou prévenez l’équipe de la plateforme.")
                % {"number": item.get("number"), "message": item.get("message", "")})
    return {"resource_notes": notes} if notes else None


def register() -> None:
    """This part's registrations: the periodic verification and the dataset page's notes."""
    seconds = verify_seconds()
    if seconds > 0:
        registry.register_periodic("quality.files_verify", _enqueue_verification, seconds)
    registry.register_dataset_panel("quality.integrity", dataset_panel, order=300)
    for func in (resource_version_list, quality_verify_show):
        catalog_services.ckan_action_register(func.__name__, func, side_effect_free=True)
