"""Reads of the catalogue: visibility rules live here (and in ``policy``), nowhere else.

Other modules reach these through ``ouvert.catalog.services``, which re-exports them.
"""

from __future__ import annotations

import re
import uuid

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ouvert.core import search
from ouvert.core.services import NotFound, membership_list

from . import indexing, policy
from .models import Activity, Dataset, DatasetNameRedirect, Licence, Resource, ResourceVersion, Tag, Theme


def _member_org_ids(user) -> list[int]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return list(membership_list(user=user).values_list("organisation_id", flat=True))


#: ``private__in=NOT_PRIVATE``, not ``private=False``: Django writes the latter ``NOT private`` on SQLite,
#: which no index can serve, so the search page sorted all 100,000 datasets (120 ms) instead of
#: walking the (state, private, modified_at) index for its first 20 (0.1 ms).
NOT_PRIVATE = [False]


def dataset_visible_queryset(user=None, *, include_private: bool = True, include_drafts: bool = True,
                             include_deleted: bool = False) -> QuerySet[Dataset]:
    """Datasets ``user`` may see: published public ones, and the unpublished ones of the
    organisations they belong to (all of them for platform admins).

    ``include_private``/``include_drafts``/``include_deleted`` narrow what members see
    (``package_search`` without ``include_private``, for instance); deleted datasets are left
    out unless asked for.
    """
    return dataset_visibility(user, include_private=include_private, include_drafts=include_drafts,
                              include_deleted=include_deleted)[0]


def dataset_visibility(user=None, *, include_private: bool = True, include_drafts: bool = True,
                       include_deleted: bool = False):
    """``(queryset, terms)``: ``dataset_visible_queryset``, and the same rule as a filter-term
    expression of the search index (``indexing.dataset_terms``), or ``None`` as ``terms`` when it
    cannot be said there (deleted datasets are not in the index)."""
    qs = Dataset.objects.all()
    conditions = []
    if not include_deleted:
        qs = qs.exclude(state=Dataset.State.DELETED)
    if not include_drafts:
        qs = qs.exclude(state=Dataset.State.DRAFT)
        conditions.append(search.Not(search.Term("state", Dataset.State.DRAFT)))
    if not include_private:
        qs = qs.filter(private__in=NOT_PRIVATE)
        conditions.append(search.Not(search.Term("private", "1")))
    terms = None if include_deleted else search.AllOf(tuple(conditions))
    if policy.is_platform_admin(user):
        return qs, terms
    public = Q(state=Dataset.State.ACTIVE, private__in=NOT_PRIVATE)
    if search.exclusions_are_cheap():
        # Deleted datasets are not in the index: "active" is "not a draft" there.
        public_terms = search.AllOf((search.Not(search.Term("state", Dataset.State.DRAFT)),
                                     search.Not(search.Term("private", "1"))))
    else:
        public_terms = search.AllOf((search.Term(*indexing.PUBLIC_TERM),))
    org_ids = _member_org_ids(user)
    if terms is not None:
        if org_ids:
            visible = search.AnyOf((public_terms, *(search.Term("org", str(pk)) for pk in org_ids)))
            terms = search.AllOf((*conditions, visible))
        else:  # what everybody sees is neither a draft nor private: the conditions add nothing
            terms = public_terms
    if org_ids:
        return qs.filter(public | Q(organisation_id__in=org_ids)), terms
    return qs.filter(public), terms


def as_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or ``None`` when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def dataset_get(*, name_or_id, user=None) -> Dataset:
    """A dataset by UUID, name, or old name (a renamed dataset's ``DatasetNameRedirect``).

    Private, draft and deleted datasets are found only by members of their organisation and
    platform admins; for everybody else they do not exist (``NotFound``, as CKAN answers).
    Callers that need to redirect an old name compare ``dataset.name`` with what they asked.
    """
    value = str(name_or_id or "").strip()
    base = Dataset.objects.select_related("organisation", "licence")
    dataset = None
    if value:
        key = as_uuid(value)
        if key is not None:
            dataset = base.filter(pk=key).first()
        # A NUL character is never in a name (and PostgreSQL refuses it in a query).
        if dataset is None and len(value) <= 100 and "\x00" not in value:
            dataset = base.filter(name=value).first()
            if dataset is None:
                redirect = DatasetNameRedirect.objects.filter(old_name=value).only("dataset_id").first()
                if redirect is not None:
                    dataset = base.filter(pk=redirect.dataset_id).first()
    if dataset is None or not policy.can_read_dataset(user, dataset):
        raise NotFound(_("Jeu de données « %(name)s » introuvable.") % {"name": value[:100].replace("\x00", "")})
    return dataset


def dataset_page_get(*, name, user=None) -> Dataset:
    """The dataset with everything its page shows (resources with all their versions), in a constant
    number of queries; visibility and old names as ``dataset_get``."""
    from django.db.models import Prefetch

    from .ckan_dict import dataset_prefetch

    found = dataset_get(name_or_id=name, user=user)
    versions = Prefetch("active_resources__versions", queryset=ResourceVersion.objects.order_by("-number"),
                        to_attr="all_versions")
    return dataset_prefetch(Dataset.objects.filter(pk=found.pk)).prefetch_related(versions).get()


def resource_get(*, id, user=None, dataset: Dataset | None = None) -> Resource:
    """A resource by UUID, if its dataset is visible to ``user`` (deleted resources are not found)."""
    key = as_uuid(id)
    qs = Resource.objects.select_related("dataset", "dataset__organisation", "current_version")
    if dataset is not None:
        qs = qs.filter(dataset=dataset)
    resource = qs.filter(pk=key, state=Resource.State.ACTIVE).first() if key else None
    if resource is None or not policy.can_read_dataset(user, resource.dataset):
        raise NotFound(_("Ressource « %(id)s » introuvable.") % {"id": str(id)[:100]})
    return resource


def resource_find(*, id) -> Resource | None:
    """A resource by UUID whatever its state and its dataset's visibility, or None: for other modules'
    background work on the catalogue's resources (never for showing them to someone)."""
    key = as_uuid(id)
    if key is None:
        return None
    return Resource.objects.select_related("dataset", "current_version").filter(pk=key).first()


def resource_by_reference(*, reference: str, dataset: Dataset) -> Resource | None:
    """An active resource named by ``reference``: its UUID (any dataset), else its French or English
    name within ``dataset``; None when nothing matches. Visibility is the caller's to check."""
    active = Resource.objects.select_related("dataset").filter(state=Resource.State.ACTIVE)
    key = as_uuid(reference)
    found = active.filter(pk=key).first() if key else None
    if found is None:
        found = active.filter(dataset=dataset).filter(Q(name_fr=reference) | Q(name_en=reference)).first()
    return found


def resource_list(*, dataset: Dataset) -> QuerySet[Resource]:
    return (dataset.resources.filter(state=Resource.State.ACTIVE).select_related("current_version")
            .order_by("position", "created_at"))


def resource_version_get(*, resource: Resource, number: int | None = None) -> ResourceVersion:
    """The version ``number`` of an uploaded resource, or its current version when None."""
    if number is None:
        version = resource.current_version
    else:
        version = ResourceVersion.objects.filter(resource=resource, number=number).first()
    if version is None:
        raise NotFound(_("Version %(number)s introuvable.") % {"number": number if number is not None else ""})
    return version


def resource_version_list(*, resource: Resource) -> QuerySet[ResourceVersion]:
    return ResourceVersion.objects.filter(resource=resource).order_by("-number")


def licence_list() -> QuerySet[Licence]:
    return Licence.objects.all()


def licence_default() -> Licence | None:
    return Licence.objects.filter(is_default=True).first()


#: The catalogue's home page figures follow every dataset change at once; view counts (the most
#: viewed datasets) and renamed publishers or themes are at most this late.
OVERVIEW_CACHE_SECONDS = 60


def catalogue_overview() -> dict:
    """What the catalogue's home page shows about the public datasets: ``counts`` (datasets,
    publishers with at least one, resources), the ``newest`` and the most viewed (``popular``) six,
    and every theme with its number of datasets (``n``). Cached (``indexing.cached``): at 100,000
    datasets these aggregates take about a second."""
    from django.db.models import Count

    from ouvert.core.services import organisation_list

    from .indexing import cached

    def compute() -> dict:
        public = dataset_visible_queryset(None, include_private=False, include_drafts=False)
        return {
            "counts": {
                "datasets": public.count(),
                "organisations": organisation_list().filter(datasets__in=public).distinct().count(),
                "resources": Resource.objects.filter(dataset__in=public, state=Resource.State.ACTIVE).count(),
            },
            "newest": list(public.select_related("organisation").order_by("-created_at", "name")[:6]),
            "popular": list(public.filter(view_count__gt=0).select_related("organisation")
                            .order_by("-view_count", "name")[:6]),
            "themes": list(theme_list().annotate(
                n=Count("datasets", filter=Q(datasets__in=public.values("pk")), distinct=True)).order_by("name")),
        }

    return cached("overview", None, compute, seconds=OVERVIEW_CACHE_SECONDS)


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.all()


def theme_get(*, name_or_id) -> Theme:
    value = str(name_or_id or "").strip()
    key = as_uuid(value)
    theme = (Theme.objects.filter(pk=key).first() if key else None) or \
        Theme.objects.filter(name=value).first()
    if theme is None:
        raise NotFound(_("Thème « %(name)s » introuvable.") % {"name": value[:100]})
    return theme


def tag_list(*, query: str = "", user=None) -> QuerySet[Tag]:
    """Tags used by at least one dataset visible to ``user`` (all tags of published datasets)."""
    visible = dataset_visible_queryset(user, include_drafts=False)
    qs = Tag.objects.filter(datasets__in=visible).distinct()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name")


def organisation_datasets(*, organisation, user=None, include_private: bool = True,
                          include_drafts: bool = True) -> QuerySet[Dataset]:
    return dataset_visible_queryset(user, include_private=include_private, include_drafts=include_drafts) \
        .filter(organisation=organisation)


def activity_list(*, dataset: Dataset | None = None, organisation=None, user=None, limit: int = 31,
                  offset: int = 0) -> QuerySet[Activity]:
    """The activity stream, newest first: of one dataset, of an organisation, or recent changes.

    Only activities of datasets ``user`` may see now are listed.
    """
    qs = Activity.objects.select_related("actor", "dataset")
    if dataset is not None:
        qs = qs.filter(dataset=dataset)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    visible = dataset_visible_queryset(user, include_deleted=True).values("pk")
    qs = qs.filter(dataset__in=visible)
    return qs.order_by("-timestamp", "-id")[offset:offset + limit]


# --- Reads other modules need (harvesting) --------------------------------------------

_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")


def datasets_by_extra(*, key: str, value: str) -> QuerySet[Dataset]:
    """Every dataset (deleted ones too) whose ``extras[key]`` equals ``value``."""
    return Dataset.objects.filter(**{f"extras__{key}": value})


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
