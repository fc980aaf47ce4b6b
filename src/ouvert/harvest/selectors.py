"""Reads of harvesting. Catalogue rows are read through ``ouvert.catalog.services`` only."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services
from ouvert.core.services import NotFound

from .models import HarvestJob, HarvestObject, HarvestSource


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


def harvested_datasets(*, source: HarvestSource):
    """Every dataset ``source`` brought (deleted ones too)."""
    return catalog_services.datasets_by_extra(key="harvest_source_id", value=str(source.pk))


def harvested_dataset(*, source: HarvestSource, remote_id: str):
    return (harvested_datasets(source=source).filter(extras__harvest_remote_id=remote_id)
            .order_by("created_at").first())
