"""Reads of harvesting. Catalogue rows are read through ``ouvert.catalog.services`` only."""

from __future__ import annotations

import uuid

from django.db.models import Count, OuterRef, QuerySet, Subquery
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


def sources_with_last_job(*, organisations=None) -> list[HarvestSource]:
    """The sources (of ``organisations``, a queryset, when given), each with ``last_job`` (or None).

    Two queries whatever the number of sources and jobs.
    """
    last = HarvestJob.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    qs = HarvestSource.objects.select_related("organisation").annotate(last_job_id=Subquery(last))
    if organisations is not None:
        qs = qs.filter(organisation__in=organisations)
    sources = list(qs.order_by("title", "name"))
    jobs = HarvestJob.objects.in_bulk([s.last_job_id for s in sources if s.last_job_id is not None])
    for source in sources:
        source.last_job = jobs.get(source.last_job_id)
    return sources


def job_list(*, source: HarvestSource, limit: int = 20) -> QuerySet[HarvestJob]:
    return source.jobs.order_by("-created_at", "-id")[:limit]


def job_page(*, source: HarvestSource, page: int = 1, per_page: int = 20) -> tuple[list[HarvestJob], bool]:
    """Page ``page`` (from 1) of the jobs of ``source``, newest first, and whether there is a next page."""
    offset = (max(1, page) - 1) * per_page
    jobs = list(source.jobs.order_by("-created_at", "-id")[offset:offset + per_page + 1])
    return jobs[:per_page], len(jobs) > per_page


def source_job_get(*, source: HarvestSource, job_id) -> HarvestJob:
    """Job ``job_id`` of ``source`` (``NotFound`` if it is another source's)."""
    job = source.jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Moisson n° %(id)s introuvable.") % {"id": str(job_id)[:20]})
    job.source = source
    return job


def object_counts(*, job: HarvestJob) -> dict[str, int]:
    """How many objects of ``job`` have each status."""
    return dict(job.harvest_objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))


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
