"""ckanapi's JSON Lines: one CKAN package dictionary per line, in and out.

``ckanapi dump datasets`` writes this format and ``ckanapi load datasets`` reads it; so do
``ouvert catalog export`` and ``ouvert catalog import``.

- ``jsonl_import`` reads each line as a package (``ckan_dict.ckan_to_dataset_data``) and writes
  it through ``services``: the dataset with the same ``id``, else the same ``name``, is updated
  (CKAN's ``package_update``: what the line does not give is reset, resources are matched by
  id); otherwise it is created. Import twice, get the same catalogue (idempotent): a dataset the
  line leaves as it is counts as ``unchanged`` and is not written (no "updated" activity, same
  ``metadata_modified``: ``dataset_update`` skips empty changes). Each line is
  its own transaction: a line that fails (not JSON, unknown organisation, invalid field…) is
  reported with its number and errors, and the other lines are imported. ``organisation``
  (optional) puts every dataset in that organisation, whatever the lines say.
- ``jsonl_export`` writes the datasets as ``package_show`` gives them (the dictionaries of
  ``current_package_list_with_resources``), ordered by name, public and published ones unless
  ``include_private`` (then drafts and private ones too; deleted ones never).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import services
from .ckan_dict import ckan_to_dataset_data, dataset_prefetch, dataset_to_ckan
from .models import Dataset

#: Longest line read (bytes): a package with hundreds of resources stays well below.
MAX_LINE_BYTES = 20 * 1024 * 1024
EXPORT_CHUNK = 500


@dataclass
class JsonlReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    #: names of the datasets already there exactly as the line gives them (nothing written)
    unchanged: list = field(default_factory=list)
    #: {"line": number (from 1), "name": the package's name or "", "errors": {field: [messages]}}
    errors: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.errors)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors,
                "count_created": len(self.created), "count_updated": len(self.updated),
                "count_unchanged": len(self.unchanged), "count_errors": len(self.errors)}


def _messages(exc: Exception) -> dict:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return {"__all__": [str(exc) or _("Permission refusée.")]}


def _existing(package: dict) -> Dataset | None:
    value = package.get("id")
    if value:
        try:
            found = Dataset.objects.filter(pk=uuid.UUID(str(value))).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    name = package.get("name")
    if isinstance(name, str) and name:
        return Dataset.objects.filter(name=name).first()
    return None


def _import_one(*, actor, package, organisation, report: JsonlReport) -> None:
    if not isinstance(package, dict):
        raise ValidationError({"__all__": [_("Chaque ligne doit être un objet JSON (un jeu de données CKAN).")]})
    if organisation is not None:
        package = {k: v for k, v in package.items() if k not in ("owner_org", "organization")}
    data = ckan_to_dataset_data(package)
    if organisation is not None:
        data["organisation"] = organisation
    existing = _existing(package)
    if existing is None:
        dataset = services.dataset_create(actor=actor, data=data)
        report.created.append(dataset.name)
        return
    if str(data.get("id") or existing.pk) != str(existing.pk):
        data.pop("id")  # found by name: the line's id is another catalogue's
    data.setdefault("state", "active")
    dataset = services.dataset_update(actor=actor, dataset=existing, data=data, partial=False)
    (report.unchanged if dataset.modified_at == existing.modified_at else report.updated).append(dataset.name)


def jsonl_import(*, actor, lines: Iterable, organisation=None,
                 progress: Callable[[int], None] | None = None) -> JsonlReport:
    """Import ckanapi JSON Lines (``lines``: str or bytes, as read from a file); see the module docstring."""
    report = JsonlReport()
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            if len(line) > MAX_LINE_BYTES:
                report.errors.append({"line": number, "name": "", "errors": {"__all__": [
                    _("Ligne trop longue : au plus %(max)s octets.") % {"max": MAX_LINE_BYTES}]}})
                continue
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                report.errors.append({"line": number, "name": "", "errors": {"__all__": [
                    _("Ligne illisible : pas de l'UTF-8 (%(error)s).") % {"error": str(exc)[:200]}]}})
                continue
        if not line.strip():
            continue
        try:
            package = json.loads(line)
        except ValueError as exc:
            report.errors.append({"line": number, "name": "", "errors": {"__all__": [
                _("Ligne illisible : pas du JSON valide (%(error)s).") % {"error": str(exc)[:200]}]}})
        else:
            try:
                _import_one(actor=actor, package=package, organisation=organisation, report=report)
            except (ValidationError, PermissionDenied, services.NotFound) as exc:
                name = package.get("name") if isinstance(package, dict) else ""
                report.errors.append({"line": number, "name": str(name or "")[:100], "errors": _messages(exc)})
        if progress is not None:
            progress(number)
    return report


def export_queryset(*, include_private: bool = False):
    qs = Dataset.objects.exclude(state=Dataset.State.DELETED)
    if not include_private:
        qs = qs.filter(state=Dataset.State.ACTIVE, private=False)
    return qs.order_by("name")


def package_dicts(*, include_private: bool = False) -> Iterable[dict]:
    """The datasets to export as CKAN dictionaries, read in chunks (constant memory)."""
    qs = export_queryset(include_private=include_private)
    last = None
    while True:
        chunk_qs = qs if last is None else qs.filter(name__gt=last)
        chunk = list(dataset_prefetch(chunk_qs)[:EXPORT_CHUNK])
        if not chunk:
            return
        for dataset in chunk:
            yield json.loads(json.dumps(dataset_to_ckan(dataset), default=str))
        last = chunk[-1].name


def jsonl_export(*, out, include_private: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Write the datasets to ``out`` (a binary or text file) as JSON Lines; how many were written."""
    count = 0
    binary = "b" in getattr(out, "mode", "") or not hasattr(out, "encoding")
    for package in package_dicts(include_private=include_private):
        line = json.dumps(package, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        out.write(line.encode("utf-8") if binary else line)
        count += 1
        if progress is not None:
            progress(count)
    return count
