"""Pages of the catalogue: home, search, dataset (with history), organisations, themes, publishing,
and downloading a resource's file.

Thin, as everywhere: parse the request, call a selector or service of ``catalog`` (the search
page calls ``package_search``, the same function as the CKAN API), hand prepared data to a
template. Errors: a service's ``ValidationError`` is shown next to the form's fields (400),
``PermissionDenied`` is a 403, ``NotFound`` a 404; an upload over the size limit a 413.

Uploads: the resource form works as a plain form post; ``catalog/upload.js`` sends it with
XMLHttpRequest to show a progress bar, and then the view answers JSON
(``{"redirect": …}`` or ``{"message": …, "errors": {field: [messages]}}``).
"""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import registry
from ouvert.core import services as core_services
from ouvert.core.forms import add_service_errors, describe_fields
from ouvert.core.markdown import markdown_to_text, render_markdown

from . import policy, services
from .forms import (
    DATASET_ERROR_ALIASES,
    RESOURCE_ERROR_ALIASES,
    SORT_CHOICES,
    SORTS,
    DatasetForm,
    ResourceForm,
)
from .models import Dataset, Resource, Theme
from .package_search import package_search, search_flag_choices
from .schemaorg import schemaorg_script
from .services import _max_upload_bytes

#: Results per page of the search, organisation and theme pages.
PAGE_SIZE = 20
#: Facet values shown per facet (the selected ones always are).
FACET_LIMIT = 15
#: The search page's facets: ``package_search`` field → page parameter and label.
FACETS = [
    ("organization", "organisation", gettext_lazy("Éditeurs")),
    ("groups", "theme", gettext_lazy("Thèmes")),
    ("tags", "mot_cle", gettext_lazy("Mots-clés")),
    ("res_format", "format", gettext_lazy("Formats")),
    ("license_id", "licence", gettext_lazy("Licences")),
]
#: User agents that do not count as a view of a dataset page.
BOT_MARKERS = ("bot", "crawl", "spider", "slurp", "curl", "wget", "python", "httpclient", "headless", "monitor")
HISTORY_PAGE_SIZE = 30


def _lang() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


def _pick(fr: str, en: str) -> str:
    return (en or fr) if _lang() == "en" else (fr or en)


def _has_nul(*values) -> bool:
    """A NUL character in an address's part: nothing is named so (and PostgreSQL refuses it in a query)."""
    return any(isinstance(value, str) and "\x00" in value for value in values)


def _or_404(func, **kwargs):
    if _has_nul(*kwargs.values()):
        raise Http404(_("Adresse invalide."))
    try:
        return func(**kwargs)
    except services.NotFound as exc:
        raise Http404(exc.message) from None


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


def _human_size(size) -> str:
    if size is None:
        return ""
    units = [_("o"), _("Ko"), _("Mo"), _("Go"), _("To")]
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    text = f"{value:.0f}" if unit == 0 or value >= 100 else f"{value:.1f}"
    if _lang() == "fr":
        text = text.replace(".", ",")
    return f"{text}\u00a0{units[unit]}"


def _quote(value: str) -> str:
    """A value as an ``fq`` phrase."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Search results (the page's data, built from package_search's answer) --------------------

def _result_item(package: dict) -> dict:
    organisation = package.get("organization") or {}
    formats = []
    for resource in package.get("resources") or []:
        fmt = (resource.get("format") or "").strip()
        if fmt and fmt.lower() not in {f.lower() for f in formats}:
            formats.append(fmt)
    notes = _pick(package.get("notes_fr") or "", package.get("notes_en") or "")
    excerpt = markdown_to_text(notes[:2000])
    if len(excerpt) > 280:
        excerpt = excerpt[:280].rsplit(" ", 1)[0] + "…"
    return {
        "name": package["name"],
        "title": _pick(package.get("title_fr") or package.get("title") or "", package.get("title_en") or ""),
        "url": reverse("catalog:dataset", kwargs={"name": package["name"]}),
        "excerpt": excerpt,
        "organisation": _pick(organisation.get("title") or "",
                              (organisation.get("title_translated") or {}).get("en", "")),
        "organisation_slug": organisation.get("name", ""),
        "formats": formats,
        "modified": package.get("metadata_modified", "")[:10],
        "private": package.get("private"),
        "state": package.get("state"),
    }


def _english_labels(field: str, names: list[str]) -> dict:
    """English display names of facet values (package_search gives the French ones)."""
    if _lang() != "en" or not names:
        return {}
    if field == "organization":
        return {slug: name for slug, name in core_services.organisation_list().filter(slug__in=names)
                .exclude(name_en="").values_list("slug", "name_en")}
    if field == "groups":
        return dict(Theme.objects.filter(name__in=names).exclude(title_en="").values_list("name", "title_en"))
    if field == "license_id":
        return dict(services.licence_list().filter(pk__in=names).exclude(title_en="").values_list("pk", "title_en"))
    return {}


#: The search page's zone (``ext_bbox``): its four inputs (the keyboard's and no-script way), in
#: ``ext_bbox``'s order, with their labels and ranges. The shareable address says ``?bbox=w,s,e,n``.
BBOX_INPUTS = [
    ("ouest", gettext_lazy("Ouest (longitude)"), -180, 180),
    ("sud", gettext_lazy("Sud (latitude)"), -90, 90),
    ("est", gettext_lazy("Est (longitude)"), -180, 180),
    ("nord", gettext_lazy("Nord (latitude)"), -90, 90),
]


def _degrees(value: float) -> str:
    return f"{round(value, 6):.6f}".rstrip("0").rstrip(".")


def _search_bbox(request) -> str:
    """The zone asked for: ``"w,s,e,n"`` (as ``ext_bbox`` takes it) or ``""``. The four inputs, when the
    form sent them, win over ``bbox`` (the address); all four empty is no zone. Raises ``ValidationError``."""
    from .package_search import parse_bbox

    given = [request.GET.get(name) for name, *_rest in BBOX_INPUTS]
    if any(value is not None for value in given):
        values = [(value or "").strip().replace(",", ".")[:40] for value in given]
        if not any(values):
            return ""
        if not all(values):
            raise ValidationError({"bbox": [_("Donnez les quatre limites de la zone (ouest, sud, est, nord), "
                                              "ou aucune.")]})
        text = ",".join(values)
    else:
        text = (request.GET.get("bbox") or "").strip()[:200]
    if not text:
        return ""
    return ",".join(_degrees(value) for value in parse_bbox(text, key="bbox"))


def _search(request, *, fixed_fq: str = "", include_unpublished: bool = False, facets=FACETS,
            spatial: bool = False):
    """Run the page's search through ``package_search``; returns the template's data.

    Raises ``ValidationError`` (bad sort, bad parameter) for the caller to show as a 400.
    ``spatial``: the page offers the zone (map and four inputs, ``?bbox=``).
    """
    q = (request.GET.get("q") or "").strip()[:500]
    sort_key = request.GET.get("tri") or ("pertinence" if q else "date")
    if sort_key not in SORTS:
        raise ValidationError({"tri": [_("Tri inconnu « %(value)s ».") % {"value": sort_key[:50]}]})
    page = _page_number(request)
    selected = {param: [v for v in request.GET.getlist(param) if v][:20] for _f, param, _l in facets}
    clauses = [fixed_fq] if fixed_fq else []
    for field, param, _label in facets:
        for value in selected[param]:
            clauses.append(f"{field}:{_quote(value[:200])}")
    flags = search_flag_choices(request.GET)  # other modules' filters (``reference``…)
    clauses += [flag["clause"] for flag in flags if flag["checked"]]
    params = {
        "q": q, "fq": " AND ".join(clauses), "rows": PAGE_SIZE, "start": (page - 1) * PAGE_SIZE,
        "sort": SORTS[sort_key], "facet.field": [f for f, _p, _l in facets], "facet.limit": -1,
        "include_private": request.user.is_authenticated,
        "include_drafts": include_unpublished,
    }
    bbox = _search_bbox(request) if spatial else ""
    if bbox:
        params["ext_bbox"] = bbox
    result = package_search(user=request.user, params=params)
    count = result["count"]
    pages = max(1, math.ceil(count / PAGE_SIZE))
    zone_keys = {"bbox", *(name for name, *_rest in BBOX_INPUTS)} if spatial else set()
    base_query = [(key, value) for key, values in request.GET.lists() if key != "page" and key not in zone_keys
                  for value in values]
    if bbox:
        base_query.append(("bbox", bbox))

    def link(**change):
        query = [(k, v) for k, v in base_query if k not in change]
        query += [(k, v) for k, v in change.items() if v not in (None, "")]
        return "?" + urlencode(query) if query else "?"

    facet_blocks = []
    for field, param, label in facets:
        items = result["search_facets"].get(field, {}).get("items", [])
        chosen = set(selected[param])
        shown = [item for i, item in enumerate(items) if i < FACET_LIMIT or item["name"] in chosen]
        english = _english_labels(field, [item["name"] for item in shown])
        facet_blocks.append({
            "param": param, "label": label, "field": field,
            "items": [{"value": item["name"], "label": english.get(item["name"], item["display_name"]),
                       "count": item["count"], "checked": item["name"] in chosen} for item in shown],
            "more": max(0, len(items) - len(shown)),
        })
    first = (page - 1) * PAGE_SIZE + 1
    window = range(max(1, page - 3), min(pages, page + 3) + 1)
    return {
        "q": q, "sort": sort_key, "sort_choices": SORT_CHOICES, "count": count,
        "results": [_result_item(package) for package in result["results"]],
        "facets": facet_blocks, "selected": [(param, v) for param, values in selected.items() for v in values],
        "page": page, "pages": pages, "first": first, "last": min(count, first + PAGE_SIZE - 1),
        "page_links": [{"number": n, "url": link(page=n), "current": n == page} for n in window],
        "previous_url": link(page=page - 1) if page > 1 else "",
        "next_url": link(page=page + 1) if page < pages else "",
        "flags": flags,
        "clear_url": (link(**{param: None for _f, param, _l in facets}, **{flag["name"]: None for flag in flags},
                           bbox=None)
                      if any(selected.values()) or any(flag["checked"] for flag in flags) or bbox else ""),
        "spatial": _spatial_context(bbox, link, result) if spatial else None,
    }


def _spatial_context(bbox: str, link, result) -> dict:
    """The zone's part of the search page: the four inputs, the map's data (the page's datasets, whose
    footprints the map asks ``/api/v1/geo/footprints`` for)."""
    values = bbox.split(",") if bbox else ["", "", "", ""]
    return {
        "bbox": bbox,
        "inputs": [{"name": name, "label": label, "min": low, "max": high, "value": value}
                   for (name, label, low, high), value in zip(BBOX_INPUTS, values, strict=True)],
        "clear_url": link(bbox=None) if bbox else "",
        "ids": ",".join(str(package["id"]) for package in result["results"]),
        # The maps' base (``geo.maps``): raster tiles when set, else the bundled GeoJSON of Quebec.
        "base_tiles": str(getattr(settings, "OUVERT_MAP_BASE_TILES", "") or "").strip(),
        "base_attribution": str(getattr(settings, "OUVERT_MAP_BASE_ATTRIBUTION", "") or "").strip(),
    }


def _search_or_400(request, template, context, **kwargs):
    try:
        context["search"] = _search(request, **kwargs)
    except ValidationError as exc:
        context["search_errors"] = [m for messages_ in exc.message_dict.values() for m in messages_]
        return render(request, template, context, status=400)
    return render(request, template, context)


# --- Home, search ------------------------------------------------------------------------------

@require_GET
def home(request):
    return render(request, "catalog/home.html", {
        **services.catalogue_overview(),
        "can_publish": policy.is_platform_admin(request.user) or _editable_organisations(request.user).exists()
        if request.user.is_authenticated else False,
    })


@require_GET
def search(request):
    # The zone's inputs as typed (shown again when they are refused; the search's own once accepted).
    typed = [request.GET.get(name) for name, *_rest in BBOX_INPUTS]
    if all(value is None for value in typed):
        typed = ((request.GET.get("bbox") or "").split(",") + ["", "", "", ""])[:4] if request.GET.get("bbox") else []
    typed = [(value or "")[:40] for value in typed] or ["", "", "", ""]
    return _search_or_400(request, "catalog/search.html", {"spatial_inputs": [
        {"name": name, "label": label, "min": low, "max": high, "value": value}
        for (name, label, low, high), value in zip(BBOX_INPUTS, typed, strict=True)]}, spatial=True)


# --- Dataset page, history -------------------------------------------------------------------

def _is_bot(request) -> bool:
    agent = (request.headers.get("User-Agent") or "").lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def _absolute(path: str) -> str:
    return f"{settings.OUVERT_BASE_URL}{path}"


def _bytes(size) -> str:
    """An exact size in bytes (« 12 345 octets »), beside the rounded one."""
    if size is None:
        return ""
    from django.utils.formats import number_format

    return ngettext("%(size)s octet", "%(size)s octets", size) % {"size": number_format(size, force_grouping=True)}


def _resource_rows(dataset: Dataset) -> list[dict]:
    rows = []
    for resource in dataset.active_resources:
        resource.dataset = dataset
        uploaded = resource.kind == Resource.Kind.UPLOAD
        download = reverse("catalog:resource_download", kwargs={"name": dataset.name, "resource_id": resource.pk})
        older = []
        for version in resource.all_versions:
            if version.pk != resource.current_version_id:
                older.append({"number": version.number, "created_at": version.created_at,
                              "size": _human_size(version.size), "bytes": _bytes(version.size),
                              "sha256": version.sha256, "filename": version.filename,
                              "url": reverse("catalog:resource_version_download",
                                             kwargs={"name": dataset.name, "resource_id": resource.pk,
                                                     "number": version.number})})
        current = resource.current_version if uploaded else None
        exact = resource.size if resource.size is not None else (current.size if current else None)
        rows.append({
            "resource": resource, "id": str(resource.pk),
            "name": _pick(resource.name_fr, resource.name_en) or _("Ressource sans nom"),
            "description": render_markdown(_pick(resource.description_fr, resource.description_en)),
            "format": resource.format or "", "uploaded": uploaded,
            "size": _human_size(resource.size if resource.size is not None else (current.size if current else None)),
            "url": download if uploaded else resource.url,
            "filename": current.filename if current else "",
            "version": current.number if current else None,
            "older": older, "sha256": resource.sha256, "bytes": _bytes(exact),
            "modified": resource.modified_at,
            "permalink": _absolute(reverse("catalog:resource_permalink", kwargs={"resource_id": resource.pk})),
            "permalink_download": _absolute(reverse("catalog:resource_permalink_download",
                                                    kwargs={"resource_id": resource.pk})) if uploaded else "",
        })
    return rows


def _dataset_panels(request, dataset: Dataset, rows: list[dict], can_edit: bool) -> list[dict]:
    """What other modules add to the dataset's page (``core.registry.register_dataset_panel``):
    links and notes beside resources (put in ``rows``), and sections (returned)."""
    by_id = {row["id"]: row for row in rows}
    sections = []
    for panel in registry.dataset_panels():
        found = panel.func(request=request, dataset=dataset, resources=[row["resource"] for row in rows],
                           can_edit=can_edit) or {}
        for key in ("resource_links", "resource_notes"):
            for resource_id, items in (found.get(key) or {}).items():
                if str(resource_id) in by_id:
                    by_id[str(resource_id)].setdefault(key, []).extend(items)
        if found.get("template"):
            sections.append(found)
    return sections


def _is_uuid_of(value: str, pk) -> bool:
    try:
        return uuid.UUID(str(value)) == pk
    except ValueError:
        return False


@require_GET
def dataset(request, name):
    """A dataset's page, at its current name. Its permanent address (``jeux/<uuid>/``) follows the name
    wherever it goes: a temporary redirect (302), since the name may change again; an old name is a
    permanent one (301)."""
    obj = _or_404(services.dataset_page_get, name=name, user=request.user)
    if obj.name != name:
        return HttpResponseRedirect(reverse("catalog:dataset", kwargs={"name": obj.name}),
                                    status=302 if _is_uuid_of(name, obj.pk) else 301)
    if request.method == "GET" and obj.state == Dataset.State.ACTIVE and not _is_bot(request):
        services.dataset_view_record(dataset=obj)
    page_url = _absolute(reverse("catalog:dataset", kwargs={"name": obj.name}))
    api_base = _absolute("/api/3/action")
    can_edit = policy.can_edit_dataset(request.user, obj) if request.user.is_authenticated else False
    resources = _resource_rows(obj)
    panels = _dataset_panels(request, obj, resources, can_edit)
    return render(request, "catalog/dataset.html", {
        "dataset": obj,
        "title": _pick(obj.title_fr, obj.title_en),
        "other_title": obj.title_en if _lang() == "fr" else obj.title_fr,
        "notes": render_markdown(_pick(obj.notes_fr, obj.notes_en)),
        "organisation_name": _pick(obj.organisation.name_fr, obj.organisation.name_en),
        "licence_title": _pick(obj.licence.title_fr, obj.licence.title_en),
        "themes": [{"name": t.name, "title": _pick(t.title_fr, t.title_en)} for t in obj.themes.all()],
        "tags": list(obj.tags.all()),
        "keywords": (obj.keywords or {}).get(_lang()) or [],
        "resources": resources,
        "panels": panels,
        "schemaorg": schemaorg_script(obj, url=page_url),
        "page_url": page_url,
        "permalink": _absolute(reverse("catalog:dataset", kwargs={"name": str(obj.pk)})),
        "api": {
            "package_show": f"curl '{api_base}/package_show?id={obj.name}'",
            "package_search": f"curl '{api_base}/package_search?fq=organization:{obj.organisation.slug}&rows=10'",
            "activity": f"curl '{api_base}/package_activity_list?id={obj.name}'",
        },
        "dcat": [(label, reverse("dcat:dataset", kwargs={"name": obj.name, "fmt": fmt}))
                 for label, fmt in (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdf"))],
        "can_edit": can_edit,
        "can_restore": policy.can_restore_or_purge(request.user) and obj.state == Dataset.State.DELETED,
        "has_bbox": obj.bbox_west is not None,
    })


#: Dataset fields as the history page names them.
def _field_labels() -> dict:
    labels = {f.name: str(f.verbose_name) for f in Dataset._meta.get_fields() if hasattr(f, "verbose_name")}
    labels.update({"organisation_id": labels.get("organisation", pgettext("publisher", "éditeur")), "licence_id": _("licence"),
                   "tags": _("mots-clés"), "themes": _("thèmes"), "resources": _("ressources")})
    labels.update({field: str(label) for field, (label, _values) in services.HISTORY_FIELDS.items()})
    return labels


def _show(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} : {_show(v)}" for k, v in value.items())
    return str(value)


def _resource_changes(before, after) -> list[str]:
    before = {r["id"]: r for r in before or []}
    after = {r["id"]: r for r in after or []}
    lines = []
    for rid, res in after.items():
        name = res.get("name_fr") or res.get("name_en") or rid[:8]
        if rid not in before:
            lines.append(_("Ressource ajoutée : %(name)s") % {"name": name})
        elif res.get("sha256") != before[rid].get("sha256") and res.get("kind") == "upload":
            lines.append(_("Nouvelle version du fichier : %(name)s") % {"name": name})
        elif res != before[rid]:
            lines.append(_("Ressource modifiée : %(name)s") % {"name": name})
    for rid, res in before.items():
        if rid not in after:
            lines.append(_("Ressource retirée : %(name)s") % {"name": res.get("name_fr") or res.get("name_en") or rid[:8]})
    return lines


def _history_entries(activities) -> list[dict]:
    labels = _field_labels()
    entries = []
    for activity in activities:
        changes, resource_lines = [], []
        for field, change in sorted((activity.diff or {}).items()):
            if field == "resources":
                resource_lines = _resource_changes(change.get("before"), change.get("after"))
                continue
            long_text = field.startswith("notes_")
            values = services.HISTORY_FIELDS.get(field, (None, {}))[1]
            before, after = change.get("before"), change.get("after")
            changes.append({"field": labels.get(field, field), "key": field, "long": long_text,
                            "before": _show(values.get(before, before) if isinstance(before, str) else before),
                            "after": _show(values.get(after, after) if isinstance(after, str) else after)})
        actor = activity.actor
        entries.append({
            "type": activity.get_activity_type_display(), "timestamp": activity.timestamp,
            "actor": (actor.full_name or actor.email) if actor is not None else _("la plateforme"),
            "changes": changes, "resources": resource_lines, "id": str(activity.pk),
        })
    return entries


@require_GET
def dataset_history(request, name):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    if obj.name != name:
        return HttpResponseRedirect(reverse("catalog:dataset_history", kwargs={"name": obj.name}), status=301)
    page = _page_number(request)
    activities = list(services.activity_list(dataset=obj, user=request.user, limit=HISTORY_PAGE_SIZE + 1,
                                             offset=(page - 1) * HISTORY_PAGE_SIZE))
    more = len(activities) > HISTORY_PAGE_SIZE
    return render(request, "catalog/history.html", {
        "dataset": obj, "title": _pick(obj.title_fr, obj.title_en),
        "entries": _history_entries(activities[:HISTORY_PAGE_SIZE]),
        "previous_url": f"?page={page - 1}" if page > 1 else "", "next_url": f"?page={page + 1}" if more else "",
    })


# --- Organisations and themes ----------------------------------------------------------------

@require_GET
def organisation_list(request):
    public = services.dataset_visible_queryset(None, include_private=False, include_drafts=False)
    organisations = (core_services.organisation_list()
                     .annotate(n=Count("datasets", filter=Q(datasets__in=public.values("pk")), distinct=True))
                     .filter(n__gt=0).order_by("name_fr"))
    items = [{"slug": org.slug, "name": _pick(org.name_fr, org.name_en), "acronym": org.acronym, "count": org.n}
             for org in organisations]
    items.sort(key=lambda item: item["name"].lower())
    return render(request, "catalog/organisations.html", {"organisations": items})


@require_GET
def organisation(request, slug):
    org = _or_404(core_services.organisation_get, slug=slug)
    unpublished = policy.can_read_organisation_unpublished(request.user, org)
    context = {
        "organisation": org, "name": _pick(org.name_fr, org.name_en),
        "description": render_markdown(_pick(org.description_fr, org.description_en)),
        "can_publish": policy.can_edit_organisation_datasets(request.user, org)
        if request.user.is_authenticated else False,
    }
    return _search_or_400(request, "catalog/organisation.html", context,
                          fixed_fq=f"organization:{_quote(org.slug)}", include_unpublished=unpublished,
                          facets=[f for f in FACETS if f[0] != "organization"])


@require_GET
def theme_list(request):
    public = services.dataset_visible_queryset(None, include_private=False, include_drafts=False)
    themes = services.theme_list().annotate(
        n=Count("datasets", filter=Q(datasets__in=public.values("pk")), distinct=True)).order_by("name")
    items = [{"name": t.name, "title": _pick(t.title_fr, t.title_en),
              "description": markdown_to_text(_pick(t.description_fr, t.description_en)), "count": t.n}
             for t in themes]
    return render(request, "catalog/themes.html", {"themes": items})


@require_GET
def theme(request, name):
    obj = _or_404(services.theme_get, name_or_id=name)
    context = {"theme": obj, "title": _pick(obj.title_fr, obj.title_en),
               "description": render_markdown(_pick(obj.description_fr, obj.description_en))}
    return _search_or_400(request, "catalog/theme.html", context, fixed_fq=f"groups:{_quote(obj.name)}",
                          facets=[f for f in FACETS if f[0] != "groups"])


# --- Publishing ------------------------------------------------------------------------------

def _editable_organisations(user):
    """Organisations in which ``user`` may publish (all of them for platform admins)."""
    organisations = core_services.organisation_list().order_by("name_fr")
    if policy.is_platform_admin(user):
        return organisations
    slugs = [m.organisation.slug for m in core_services.membership_list(user=user).select_related("organisation")
             if policy.can_edit_organisation_datasets(user, m.organisation)]
    return organisations.filter(slug__in=slugs)


def _dataset_form(request, *, data=None, initial=None, organisations=()):
    return DatasetForm(data, initial=initial, organisations=organisations, licences=services.licence_list(),
                       themes=services.theme_list(), lang=_lang())


def _state_from(request) -> str:
    return Dataset.State.DRAFT if request.POST.get("action") == "draft" else Dataset.State.ACTIVE


@login_required
@require_http_methods(["GET", "POST"])
def dataset_new(request):
    organisations = list(_editable_organisations(request.user))
    if not organisations:
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur d’un organisme public pour publier "
                                 "des jeux de données."))
    initial = {"licence": getattr(services.licence_default(), "pk", None)}
    wanted = request.GET.get("organisation")
    if wanted and any(org.slug == wanted for org in organisations):
        initial["organisation"] = wanted
    form = _dataset_form(request, data=request.POST if request.method == "POST" else None, initial=initial,
                         organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = next(org for org in organisations if org.slug == form.cleaned_data["organisation"])
            try:
                created = services.dataset_create(actor=request.user, organisation=organisation,
                                                  data=form.to_data(state=_state_from(request)))
            except ValidationError as exc:
                add_service_errors(form, exc, aliases=DATASET_ERROR_ALIASES)
            else:
                messages.success(request, _("Jeu de données enregistré comme brouillon.")
                                 if created.state == Dataset.State.DRAFT else _("Jeu de données publié."))
                return redirect("catalog:dataset", name=created.name)
        status = 400
    return render(request, "catalog/dataset_form.html", {"form": describe_fields(form), "dataset": None},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request, name):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    if obj.name != name:
        return HttpResponseRedirect(reverse("catalog:dataset_edit", kwargs={"name": obj.name}), status=301)
    if not policy.can_edit_dataset(request.user, obj) or obj.state == Dataset.State.DELETED:
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de "
                                 "données pour le modifier."))
    organisations = list(_editable_organisations(request.user))
    if obj.organisation not in organisations:
        organisations.insert(0, obj.organisation)
    form = _dataset_form(request, data=request.POST if request.method == "POST" else None,
                         initial=DatasetForm.initial_from(obj), organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = next(org for org in organisations if org.slug == form.cleaned_data["organisation"])
            data = form.to_data(state=_state_from(request))
            if organisation.pk != obj.organisation_id:
                data["organisation"] = organisation
            try:
                updated = services.dataset_update(actor=request.user, dataset=obj, data=data, partial=True)
            except ValidationError as exc:
                add_service_errors(form, exc, aliases=DATASET_ERROR_ALIASES)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("catalog:dataset", name=updated.name)
        status = 400
    return render(request, "catalog/dataset_form.html", {"form": describe_fields(form), "dataset": obj,
                                                         "title": _pick(obj.title_fr, obj.title_en)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_delete(request, name):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    if not policy.can_edit_dataset(request.user, obj):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de "
                                 "données pour le supprimer."))
    if request.method == "POST":
        services.dataset_delete(actor=request.user, dataset=obj)
        messages.success(request, _("Jeu de données supprimé. Une administratrice ou un administrateur de la "
                                    "plateforme peut le restaurer."))
        return redirect("catalog:organisation", slug=obj.organisation.slug)
    return render(request, "catalog/dataset_delete.html", {"dataset": obj, "title": _pick(obj.title_fr, obj.title_en)})


@login_required
@require_POST
def dataset_restore(request, name):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    try:
        services.dataset_restore(actor=request.user, dataset=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("catalog:dataset", name=obj.name)
    messages.success(request, _("Jeu de données restauré."))
    return redirect("catalog:dataset", name=obj.name)


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _too_large(request) -> bool:
    """The request is bigger than the largest upload allowed (checked before reading it)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > _max_upload_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large_message() -> str:
    return _("Fichier trop volumineux : au plus %(size)s.") % {"size": _human_size(_max_upload_bytes())}


def _resource_page(request, *, obj, form, resource, status, message=""):
    if _wants_json(request) and request.method == "POST":
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()} if form.is_bound else {}
        first = message or next(iter(errors.values()), [_("Données invalides.")])[0]
        return JsonResponse({"message": first, "errors": errors}, status=status)
    return render(request, "catalog/resource_form.html", {
        "dataset": obj, "title": _pick(obj.title_fr, obj.title_en), "form": describe_fields(form),
        "resource": resource, "message": message,
        "max_upload": _human_size(_max_upload_bytes()),
    }, status=status)


def _resource_form_view(request, name, resource_id=None):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    resource = None
    if resource_id is not None:
        resource = _or_404(services.resource_get, id=resource_id, user=request.user, dataset=obj)
    if not policy.can_edit_dataset(request.user, obj) or obj.state == Dataset.State.DELETED:
        message = _("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de données pour en "
                    "modifier les ressources.")
        if _wants_json(request):
            return JsonResponse({"message": message, "errors": {}}, status=403)
        raise PermissionDenied(message)
    if request.method == "POST" and _too_large(request):
        return _resource_page(request, obj=obj, form=ResourceForm(editing=resource), resource=resource, status=413,
                              message=_too_large_message())
    initial = ResourceForm.initial_from(resource) if resource is not None else None
    form = ResourceForm(request.POST if request.method == "POST" else None,
                        request.FILES if request.method == "POST" else None, initial=initial, editing=resource)
    if request.method != "POST":
        return _resource_page(request, obj=obj, form=form, resource=resource, status=200)
    status = 400
    if form.is_valid():
        upload = form.cleaned_data.get("upload")
        data = form.to_data()
        try:
            if resource is None:
                services.resource_create(actor=request.user, dataset=obj, data=data, upload=upload)
            else:
                services.resource_update(actor=request.user, resource=resource, data=data, upload=upload,
                                         partial=True)
        except ValidationError as exc:
            if any(error.code == "too_large" for error in getattr(exc, "error_dict", {}).get("upload", [])):
                status = 413
            add_service_errors(form, exc, aliases=RESOURCE_ERROR_ALIASES)
        else:
            done = reverse("catalog:dataset", kwargs={"name": obj.name}) + "#ressources"
            messages.success(request, _("Ressource enregistrée.") if upload is None
                             else _("Fichier téléversé."))
            if _wants_json(request):
                return JsonResponse({"redirect": done})
            return HttpResponseRedirect(done)
    return _resource_page(request, obj=obj, form=form, resource=resource, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request, name):
    return _resource_form_view(request, name)


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, name, resource_id):
    return _resource_form_view(request, name, resource_id)


@login_required
@require_POST
def resource_delete(request, name, resource_id):
    obj = _or_404(services.dataset_get, name_or_id=name, user=request.user)
    resource = _or_404(services.resource_get, id=resource_id, user=request.user, dataset=obj)
    services.resource_delete(actor=request.user, resource=resource)
    messages.success(request, _("Ressource retirée."))
    return redirect(reverse("catalog:dataset", kwargs={"name": obj.name}) + "#ressources")


# --- Downloads -------------------------------------------------------------------------------

@require_GET
def resource_download(request, name, resource_id, number=None, filename=None):
    """The file of an uploaded resource (current version, or version ``number``); a link redirects.

    A dataset's old name redirects to the address under its current name.
    """
    if _has_nul(name, filename):
        raise Http404(_("Adresse invalide."))
    try:
        obj = services.dataset_get(name_or_id=name, user=request.user)
        resource = services.resource_get(id=resource_id, user=request.user, dataset=obj)
        if obj.name != name:
            kwargs = {"name": obj.name, "resource_id": resource.pk}
            if number is not None:
                kwargs["number"] = number
            return redirect("catalog:resource_version_download" if number is not None
                            else "catalog:resource_download", permanent=True, **kwargs)
        if resource.kind == Resource.Kind.LINK and number is None:
            return redirect(resource.url)
        version = services.resource_version_get(resource=resource, number=number)
    except services.NotFound as exc:
        raise Http404(str(exc)) from None
    response = FileResponse(version.file.open("rb"), as_attachment=True, filename=version.filename,
                            content_type=version.media_type or "application/octet-stream")
    response["ETag"] = f'"{version.sha256}"'
    response["Content-Length"] = str(version.size)
    return response


# --- Permanent addresses -------------------------------------------------------------------------

def _gone_or_404(request, resource_id):
    """The answer for a resource that cannot be shown: 410 with a message when it was removed from a
    dataset the person may read, 404 otherwise (unknown, or a dataset they may not read)."""
    found = services.resource_find(id=resource_id)
    if found is not None and found.state == Resource.State.DELETED:
        try:
            obj = services.dataset_get(name_or_id=str(found.dataset_id), user=request.user)
        except services.NotFound:
            obj = None
        if obj is not None:
            return render(request, "catalog/resource_gone.html", {
                "dataset": obj, "title": _pick(obj.title_fr, obj.title_en),
                "resource_name": _pick(found.name_fr, found.name_en) or _("Ressource sans nom"),
            }, status=410)
    raise Http404(_("Ressource « %(id)s » introuvable.") % {"id": str(resource_id)})


@require_GET
def resource_permalink(request, resource_id, download: bool = False):
    """A resource's permanent address: to its place on its dataset's page (or to its file, with
    ``download``), whatever the dataset's name is now. Temporary redirects (302): the target moves
    when the dataset is renamed; the address does not."""
    try:
        resource = services.resource_get(id=resource_id, user=request.user)
    except services.NotFound:
        return _gone_or_404(request, resource_id)
    name = resource.dataset.name
    if download:
        return HttpResponseRedirect(reverse("catalog:resource_download",
                                            kwargs={"name": name, "resource_id": resource.pk}))
    return HttpResponseRedirect(reverse("catalog:dataset", kwargs={"name": name}) + f"#ressource-{resource.pk}")
