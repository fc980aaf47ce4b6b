"""Reads of harvesting.

Finding the datasets a source brought needs a look at the catalogue's ``Dataset`` rows by their
``extras`` (including deleted ones, which a later run may restore): these few read-only
queries are here, the catalogue offering no selector for them; every write goes through
``ouvert.catalog.services``.
"""

from __future__ import annotations

import re
import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ouvert.catalog.models import Dataset, DatasetNameRedirect, Resource
from ouvert.core.services import NotFound

from .models import HarvestJob, HarvestObject, HarvestSource

_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")


def source_list(*, active: bool | None = None) -> QuerySet[HarvestSource]:
    qs = HarvestSource.objects.select_related("organisation")
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("name")


def source_get(*, name: str) -> HarvestSource:
    value = str(name or "").strip()
    source = HarvestSource.objects.select_related("organisation").filter(name=value).first()
    if source is None:
        try:
            source = HarvestSource.objects.select_related("organisation").filter(pk=uuid.UUID(value)).first()
        except ValueError:
            source = None
    if source is None:
        raise NotFound(_("Source de moissonnage « %(name)s » introuvable.") % {"name": value[:100]})
    return source


def job_list(*, source: HarvestSource, limit: int = 20) -> QuerySet[HarvestJob]:
    return source.jobs.order_by("-created_at", "-id")[:limit]


def job_get(*, job_id) -> HarvestJob:
    job = HarvestJob.objects.select_related("source").filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Moisson n° %(id)s introuvable.") % {"id": str(job_id)[:20]})
    return job


def job_unfinished(*, source: HarvestSource) -> HarvestJob | None:
    return source.jobs.filter(status__in=[HarvestJob.Status.PENDING, HarvestJob.Status.RUNNING]).first()


def object_list(*, job: HarvestJob, status: str | None = None) -> QuerySet[HarvestObject]:
    qs = job.harvest_objects.select_related("dataset")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("position", "id")


def harvested_datasets(*, source: HarvestSource) -> QuerySet[Dataset]:
    """Every dataset ``source`` brought (deleted ones too)."""
    return Dataset.objects.filter(extras__harvest_source_id=str(source.pk))


def harvested_dataset(*, source: HarvestSource, remote_id: str) -> Dataset | None:
    return (harvested_datasets(source=source).filter(extras__harvest_remote_id=remote_id)
            .order_by("created_at").first())


def dataset_id_taken(value: uuid.UUID) -> bool:
    return Dataset.objects.filter(pk=value).exists()


def resource_id_taken(value: uuid.UUID) -> bool:
    return Resource.objects.filter(pk=value).exists()


def active_resource_ids(dataset: Dataset) -> list:
    return list(dataset.resources.filter(state=Resource.State.ACTIVE).values_list("pk", flat=True))


def valid_dataset_name(name: str) -> bool:
    return bool(_NAME.match(name or ""))


def dataset_name_free(name: str, *, dataset: Dataset | None = None) -> bool:
    """Whether ``name`` may be given to ``dataset`` (a new one when None): neither taken nor reserved."""
    other = Dataset.objects.filter(name=name)
    redirects = DatasetNameRedirect.objects.filter(old_name=name)
    if dataset is not None:
        other = other.exclude(pk=dataset.pk)
        redirects = redirects.exclude(dataset_id=dataset.pk)
    return not other.exists() and not redirects.exists()
