"""CKAN's Action API v3 at ``/api/3/action/<name>`` (and ``/api/action/<name>``), answered as CKAN 2.10/2.11 does.

One view (``action``) reads the parameters (GET query string for reads; POST JSON, or
multipart with an ``upload`` file), finds who is calling, runs an action from ``ACTIONS`` and
wraps its result in CKAN's envelope::

    {"help": ".../api/3/action/help_show?name=package_show", "success": true, "result": ...}

Errors come back the way CKAN sends them, so that CKAN clients (``ckanapi``, harvesters)
raise the same exceptions:

============================  ======  ===============================================
``Validation Error``          409     one key per field with its messages, + ``message``
``Authorization Error``       403     ``message`` (``Accès refusé : …``)
``Not Found Error``           404     ``message`` (``Introuvable : …``)
``Bad Request``               400     bad JSON, unknown action, write action by GET
``Request Too Large``         413     body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
============================  ======  ===============================================

Authentication: an API token in the ``Authorization`` header (``Authorization: <token>`` or
``Bearer <token>``, as CKAN 2.10 clients send it) or in ``X-CKAN-API-Key``. A token that is not
valid is refused (403) rather than silently treated as anonymous. Reads by GET also honour a
signed-in browser session; POST requests use the token only, which is why the view is exempt
from CSRF (a cookie never authorises a write here).

Actions are thin: they read parameters, call ``services``/``selectors``/``ckan_dict``/
``package_search`` and return what CKAN returns. Validation messages are keyed by CKAN's field
names (``title``, ``license_id``, ``owner_org``…) where the model's name differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ouvert.core import services as core_services
from ouvert.core.services import NotFound

from . import ckan_dict, selectors, services
from .models import Dataset
from .package_search import bool_param, int_param, package_search

#: Version of CKAN whose Action API this follows (``status_show``).
CKAN_COMPATIBLE_VERSION = "2.10.4"

#: Model field names in service errors -> CKAN's key.
ERROR_KEYS = {
    "title_fr": "title", "notes_fr": "notes", "licence": "license_id", "organisation": "owner_org",
    "themes": "groups", "media_type": "mimetype", "name_fr": "name", "description_fr": "description",
}


@dataclass(frozen=True)
class Action:
    name: str
    func: Callable
    side_effect_free: bool  # may be called by GET


ACTIONS: dict[str, Action] = {}


def register(name: str | None = None, *, side_effect_free: bool = False):
    """Add an action to ``ACTIONS`` (its docstring is what ``help_show`` gives back)."""

    def decorate(func):
        ACTIONS[name or func.__name__] = Action(name or func.__name__, func, side_effect_free)
        return func

    return decorate


@dataclass
class Context:
    user: object
    request: object
    files: dict


class BadRequest(Exception):
    """Input the API cannot read at all (CKAN's 400 ``Bad request``)."""


# --- The view -------------------------------------------------------------------------------

def _json_response(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
                        status=status, content_type="application/json;charset=utf-8")


def _help_url(request, name: str) -> str:
    return request.build_absolute_uri(reverse("ckan:action", kwargs={"name": "help_show"})) + f"?name={name}"


def _params_from(querydict) -> dict:
    return {key: (values[0] if len(values) == 1 else values) for key, values in querydict.lists()}


def _request_data(request, action: Action) -> tuple[dict, dict]:
    """``(params, files)`` of the request, as CKAN's ``_get_request_data`` reads them."""
    if request.method == "GET":
        if not action.side_effect_free:
            raise BadRequest(_("Requête invalide : utilisez la méthode POST pour « %(name)s ».")
                             % {"name": action.name})
        return _params_from(request.GET), {}
    content_type = (request.content_type or "").lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        params = _params_from(request.POST)
        files = {key: request.FILES[key] for key in request.FILES}
        if action.side_effect_free and not params:
            params = _params_from(request.GET)
        return params, files
    body = request.body
    if not body.strip():
        return (_params_from(request.GET) if action.side_effect_free else {}), {}
    try:
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(_("Erreur JSON : %(error)s") % {"error": exc}) from None
    if not isinstance(params, dict):
        raise BadRequest(_("Les données de la requête doivent être un objet JSON, pas « %(type)s ».")
                         % {"type": type(params).__name__})
    return params, {}


def _authenticate(request):
    raw = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
    if raw:
        user = core_services.token_authenticate(raw)
        if user is None:
            raise PermissionDenied(_("jeton d'API invalide, révoqué ou compte désactivé."))
        return user
    if request.method == "GET" and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return AnonymousUser()


def _validation_error_dict(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {}
        for key, messages in exc.message_dict.items():
            errors.setdefault(ERROR_KEYS.get(key, key), []).extend(messages)
    else:
        errors = {"__all__": exc.messages}
    first_key, first = next(iter(errors.items()))
    message = first[0] if first else _("Données invalides.")
    if first_key != "__all__":
        message = f"{first_key}: {message}"
    return {"__type": "Validation Error", "message": message, **errors}


@csrf_exempt
def action(request, name: str):
    """Run the Action API function ``name`` and answer in CKAN's envelope."""
    envelope = {"help": _help_url(request, name)}

    def fail(status, error):
        return _json_response({**envelope, "success": False, "error": error}, status)

    if request.method not in ("GET", "POST"):
        response = fail(405, {"__type": "Bad Request",
                              "message": _("Requête invalide : méthode %(method)s non permise (GET ou POST).")
                              % {"method": request.method}})
        response["Allow"] = "GET, POST"
        return response
    found = ACTIONS.get(name)
    if found is None:
        return fail(400, {"__type": "Bad Request",
                          "message": _("Requête invalide : action inconnue « %(name)s ».") % {"name": name[:100]}})
    try:
        params, files = _request_data(request, found)
        user = _authenticate(request)
        result = found.func(Context(user=user, request=request, files=files), params)
    except BadRequest as exc:
        return fail(400, {"__type": "Bad Request", "message": _("Requête invalide : %(error)s") % {"error": exc}})
    except RequestDataTooBig:
        return fail(413, {"__type": "Request Too Large",
                          "message": _("Requête trop volumineuse : la taille maximale est de %(size)s octets.")
                          % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}})
    except ValidationError as exc:
        return fail(409, _validation_error_dict(exc))
    except PermissionDenied as exc:
        detail = str(exc) or _("permission refusée.")
        return fail(403, {"__type": "Authorization Error", "message": _("Accès refusé : %(detail)s") % {"detail": detail}})
    except NotFound as exc:
        return fail(404, {"__type": "Not Found Error", "message": _("Introuvable : %(detail)s") % {"detail": exc.message}})
    return _json_response({**envelope, "success": True, "result": result})


# --- Parameter helpers ---------------------------------------------------------------------

def _required(params: dict, *keys: str) -> str:
    """The first of ``keys`` present in ``params`` (as a string); Validation Error on the first key if none."""
    for key in keys:
        value = params.get(key)
        if value not in (None, ""):
            if isinstance(value, dict | list):
                raise ValidationError({key: [_("Valeur simple attendue.")]})
            return str(value)
    raise ValidationError({keys[0]: [_("Valeur manquante.")]})


def _need_login(ctx: Context) -> None:
    if not ctx.user.is_authenticated:
        raise PermissionDenied(_("authentification requise : envoyez un jeton d'API dans l'en-tête Authorization."))


def _show_dataset(ctx: Context, dataset_id) -> dict:
    dataset = ckan_dict.dataset_prefetch(Dataset.objects.filter(pk=dataset_id)).get()
    return ckan_dict.dataset_to_ckan_show(dataset)


def _organisation(value):
    org = ckan_dict.organisation_resolve(value)
    if org is None:
        raise NotFound(_("Organisation « %(name)s » introuvable.") % {"name": str(value)[:100]})
    return org


def _public_active(ctx: Context):
    return selectors.dataset_visible_queryset(ctx.user, include_private=False, include_drafts=False) \
        .filter(state=Dataset.State.ACTIVE, private=False)


# --- Site -----------------------------------------------------------------------------------

@register(side_effect_free=True)
def site_read(ctx, params):
    """Whether the site may be read: always true (``site_read``)."""
    return True


@register(side_effect_free=True)
def status_show(ctx, params):
    """The site's version and configuration (``status_show``)."""
    from ouvert import __version__

    return {
        "site_title": "Ouvert",
        "site_description": _("Données ouvertes du gouvernement ouvert"),
        "site_url": settings.OUVERT_BASE_URL,
        "ckan_version": CKAN_COMPATIBLE_VERSION,
        "ouvert_version": __version__,
        "error_emails_to": None,
        "locale_default": "fr",
        "extensions": ["activity", "dcat", "fluent", "harvest"],
    }


@register(side_effect_free=True)
def help_show(ctx, params):
    """The documentation of an action (``help_show``, parameter ``name``)."""
    name = _required(params, "name")
    found = ACTIONS.get(name)
    if found is None:
        raise NotFound(_("Action « %(name)s » inconnue.") % {"name": name[:100]})
    return (found.func.__doc__ or "").strip()


# --- Datasets -------------------------------------------------------------------------------

@register("package_list", side_effect_free=True)
def package_list_action(ctx, params):
    """Names of the published public datasets, in alphabetical order (``limit``, ``offset``)."""
    limit = int_param(params, "limit", None)
    offset = int_param(params, "offset", 0)
    qs = _public_active(ctx).order_by("name").values_list("name", flat=True)
    if limit is not None:
        return list(qs[offset:offset + limit])
    return list(qs[offset:])


@register("package_search", side_effect_free=True)
def package_search_action(ctx, params):
    """Search datasets: ``q``, ``fq`` (Solr syntax), ``facet.field``, ``rows``, ``start``, ``sort``… (see
    ``ouvert.catalog.package_search``)."""
    return package_search(user=ctx.user, params=params)


@register(side_effect_free=True)
def package_show(ctx, params):
    """One dataset by ``id`` or ``name`` (an old name of a renamed dataset works too)."""
    dataset = selectors.dataset_get(name_or_id=_required(params, "id", "name_or_id", "name"), user=ctx.user)
    return _show_dataset(ctx, dataset.pk)


@register(side_effect_free=True)
def current_package_list_with_resources(ctx, params):
    """Published public datasets with their resources, most recently changed first (``limit``, ``offset``, ``page``)."""
    limit = int_param(params, "limit", None, low=1, high=1000)
    offset = int_param(params, "offset", 0)
    page = int_param(params, "page", None, low=1)
    if page is not None:
        limit = limit or 10
        offset = (page - 1) * limit
    qs = ckan_dict.dataset_prefetch(_public_active(ctx).order_by("-modified_at", "name"))
    rows = qs[offset:offset + limit] if limit is not None else qs[offset:offset + 1000]
    return [ckan_dict.dataset_to_ckan(d) for d in rows]


def _dataset_data(params: dict) -> dict:
    if not isinstance(params, dict):
        raise ValidationError({"__all__": [_("Un jeu de données doit être un objet JSON.")]})
    return ckan_dict.ckan_to_dataset_data(params)


@register()
def package_create(ctx, params):
    """Create a dataset from a CKAN package dict (``name``, ``title``, ``owner_org``, ``resources``…)."""
    _need_login(ctx)
    data = _dataset_data(params)
    dataset = services.dataset_create(actor=ctx.user, data=data)
    return _show_dataset(ctx, dataset.pk)


def _update(ctx, params, *, partial: bool):
    _need_login(ctx)
    dataset = selectors.dataset_get(name_or_id=_required(params, "id", "name"), user=ctx.user)
    data = _dataset_data(params)
    given_id = data.pop("id", None)
    if given_id not in (None, "") and str(given_id) != str(dataset.pk) and given_id != dataset.name:
        raise ValidationError({"id": [_("L'identifiant ne correspond pas au jeu de données modifié.")]})
    if not partial and "name" not in data:
        data["name"] = dataset.name
    dataset = services.dataset_update(actor=ctx.user, dataset=dataset, data=data, partial=partial)
    return _show_dataset(ctx, dataset.pk)


@register()
def package_update(ctx, params):
    """Replace a dataset (``id`` or ``name``): what is not given is reset; ``resources``, when given, become
    the dataset's resources."""
    return _update(ctx, params, partial=False)


@register()
def package_patch(ctx, params):
    """Change only the keys given of a dataset (``id`` or ``name``)."""
    return _update(ctx, params, partial=True)


@register()
def package_delete(ctx, params):
    """Delete a dataset (softly: platform admins can restore it)."""
    _need_login(ctx)
    dataset = selectors.dataset_get(name_or_id=_required(params, "id", "name"), user=ctx.user)
    services.dataset_delete(actor=ctx.user, dataset=dataset)
    return None


# --- Resources ------------------------------------------------------------------------------

@register(side_effect_free=True)
def resource_show(ctx, params):
    """One resource by ``id``."""
    resource = selectors.resource_get(id=_required(params, "id"), user=ctx.user)
    return ckan_dict.resource_to_ckan(resource)


def _upload(ctx):
    upload = ctx.files.get("upload")
    if upload is not None and not getattr(upload, "name", ""):
        raise ValidationError({"upload": [_("Le fichier téléversé n'a pas de nom.")]})
    return upload


def _resource_data(params: dict) -> dict:
    data = ckan_dict.ckan_to_resource_data({k: v for k, v in params.items() if k not in ("upload",)})
    return data


@register()
def resource_create(ctx, params):
    """Add a resource to the dataset ``package_id``: a link (``url``) or a file (multipart field ``upload``)."""
    _need_login(ctx)
    dataset = selectors.dataset_get(name_or_id=_required(params, "package_id"), user=ctx.user)
    upload = _upload(ctx)
    data = _resource_data({k: v for k, v in params.items() if k != "package_id"})
    if upload is not None:
        data.pop("url", None)  # the file is the resource; CKAN clients often send url="" or the file name
    resource = services.resource_create(actor=ctx.user, dataset=dataset, data=data, upload=upload)
    return ckan_dict.resource_to_ckan(selectors.resource_get(id=resource.pk, user=ctx.user))


def _resource_update(ctx, params, *, partial: bool):
    _need_login(ctx)
    resource = selectors.resource_get(id=_required(params, "id"), user=ctx.user)
    upload = _upload(ctx)
    data = _resource_data({k: v for k, v in params.items() if k != "package_id"})
    if upload is not None or (resource.kind == "upload" and params.get("url_type") == "upload"):
        data.pop("url", None)
    elif resource.kind == "upload" and data.get("url") == ckan_dict.resource_to_ckan(resource)["url"]:
        data.pop("url", None)  # the download address given back unchanged (package_update round trip)
    resource = services.resource_update(actor=ctx.user, resource=resource, data=data, upload=upload,
                                        partial=partial)
    return ckan_dict.resource_to_ckan(selectors.resource_get(id=resource.pk, user=ctx.user))


@register()
def resource_update(ctx, params):
    """Replace a resource (``id``); with a multipart ``upload``, a new version of its file."""
    return _resource_update(ctx, params, partial=False)


@register()
def resource_patch(ctx, params):
    """Change only the keys given of a resource (``id``); ``upload`` adds a new version of its file."""
    return _resource_update(ctx, params, partial=True)


@register()
def resource_delete(ctx, params):
    """Remove a resource (``id``) from its dataset."""
    _need_login(ctx)
    resource = selectors.resource_get(id=_required(params, "id"), user=ctx.user)
    services.resource_delete(actor=ctx.user, resource=resource)
    return None


# --- Organisations and groups ---------------------------------------------------------------

def _package_counts(ctx, field: str) -> dict:
    rows = _public_active(ctx).order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


def _sorted(items: list[dict], sort: str, key_title: str = "title") -> list[dict]:
    bits = (sort or "title asc").split()
    field = bits[0] if bits else "title"
    reverse = len(bits) > 1 and bits[1].lower() == "desc"
    if field not in ("title", "name", "package_count", "display_name"):
        raise ValidationError({"sort": [_("Tri par « %(field)s » impossible; champs possibles : name, title, "
                                          "package_count.") % {"field": field[:100]}]})
    field = key_title if field in ("title", "display_name") else field

    def key(item):
        value = item.get(field)
        return value.lower() if isinstance(value, str) else (value or 0)

    by_name = sorted(items, key=lambda item: item["name"])
    return sorted(by_name, key=key, reverse=reverse)  # stable: ties stay in name order


def _list_result(ctx, params, items: list[dict], names_key: str) -> list:
    wanted = params.get(names_key)
    if wanted:
        if isinstance(wanted, str):
            try:
                wanted = json.loads(wanted) if wanted.strip().startswith("[") else [wanted]
            except ValueError:
                raise ValidationError({names_key: [_("Liste JSON invalide.")]}) from None
        wanted = {str(w) for w in wanted}
        items = [item for item in items if item["name"] in wanted or item["id"] in wanted]
    items = _sorted(items, params.get("sort") or "title asc")
    offset = int_param(params, "offset", 0)
    limit = int_param(params, "limit", None, low=0, high=1000)
    items = items[offset:offset + limit] if limit is not None else items[offset:]
    if bool_param(params, "all_fields", False):
        return items
    return [item["name"] for item in items]


@register(side_effect_free=True)
def organization_list(ctx, params):
    """Publishers: names, or dictionaries with ``all_fields`` (``sort``, ``limit``, ``offset``, ``organizations``)."""
    counts = _package_counts(ctx, "organisation_id")
    items = []
    for org in core_services.organisation_list():
        item = ckan_dict.organisation_to_ckan(org)
        item["package_count"] = counts.get(org.pk, 0)
        items.append(item)
    return _list_result(ctx, params, items, "organizations")


def _with_datasets(ctx, params, item: dict, fq: str) -> dict:
    if bool_param(params, "include_datasets", False):
        found = package_search(user=ctx.user, params={"fq": fq, "rows": 1000, "sort": "name asc",
                                                      "include_private": True})
        item["packages"] = found["results"]
        item["package_count"] = found["count"]
    else:
        item["package_count"] = package_search(user=ctx.user, params={"fq": fq, "rows": 0,
                                                                       "include_private": True})["count"]
    item.setdefault("users", [])
    item.setdefault("extras", [])
    item.setdefault("tags", [])
    item.setdefault("groups", [])
    return item


@register(side_effect_free=True)
def organization_show(ctx, params):
    """One publisher by ``id`` (its CKAN id or name); ``include_datasets`` adds its datasets (1000 at most)."""
    org = _organisation(_required(params, "id"))
    item = ckan_dict.organisation_to_ckan(org)
    return _with_datasets(ctx, params, item, f'organization:"{org.slug}"')


def _theme_to_ckan(theme) -> dict:
    return {
        "id": str(theme.pk),
        "name": theme.name,
        "title": theme.title_fr,
        "title_translated": {"fr": theme.title_fr, "en": theme.title_en},
        "display_name": theme.title_fr,
        "description": theme.description_fr,
        "description_translated": {"fr": theme.description_fr, "en": theme.description_en},
        "image_url": theme.image_url,
        "image_display_url": theme.image_url,
        "created": theme.created_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "is_organization": False,
        "type": "group",
        "state": "active",
        "approval_status": "approved",
    }


@register(side_effect_free=True)
def group_list(ctx, params):
    """Themes (CKAN groups): names, or dictionaries with ``all_fields``."""
    counts = dict(_public_active(ctx).order_by().values_list("themes__pk").annotate(n=Count("pk")))
    items = []
    for theme in selectors.theme_list():
        item = _theme_to_ckan(theme)
        item["package_count"] = counts.get(theme.pk, 0)
        items.append(item)
    return _list_result(ctx, params, items, "groups")


@register(side_effect_free=True)
def group_show(ctx, params):
    """One theme by ``id`` or name; ``include_datasets`` adds its datasets (1000 at most)."""
    theme = selectors.theme_get(name_or_id=_required(params, "id"))
    return _with_datasets(ctx, params, _theme_to_ckan(theme), f'groups:"{theme.name}"')


@register(side_effect_free=True)
def tag_list(ctx, params):
    """Tags of the published datasets (``query`` filters them; ``all_fields`` gives dictionaries)."""
    query = params.get("query") or params.get("q") or ""
    if not isinstance(query, str):
        raise ValidationError({"query": [_("Chaîne de caractères attendue.")]})
    if params.get("vocabulary_id"):
        return []  # Ouvert has free tags only
    tags = list(selectors.tag_list(query=query, user=None))
    if bool_param(params, "all_fields", False):
        return [{"id": str(t.pk), "name": t.name, "display_name": t.name, "vocabulary_id": None} for t in tags]
    return [t.name for t in tags]


@register(side_effect_free=True)
def license_list(ctx, params):
    """The licence registry, as CKAN lists licences."""
    return [{
        "id": licence.pk,
        "title": licence.title_fr,
        "title_fr": licence.title_fr,
        "title_en": licence.title_en,
        "url": licence.url,
        "is_okd_compliant": licence.is_open,
        "is_osi_compliant": False,
        "od_conformance": "approved" if licence.is_open else "not reviewed",
        "osd_conformance": "not reviewed",
        "is_generic": False,
        "family": "",
        "maintainer": "",
        "status": "active",
        "domain_content": False,
        "domain_data": True,
        "domain_software": False,
    } for licence in selectors.licence_list()]


# --- Activity -------------------------------------------------------------------------------

def _activity_to_ckan(activity) -> dict:
    return {
        "id": str(activity.pk),
        "timestamp": activity.timestamp.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "user_id": str(activity.actor_id) if activity.actor_id else None,
        "object_id": str(activity.dataset_id),
        "activity_type": activity.activity_type,
        "data": {"package": activity.snapshot, "diff": activity.diff},
    }


def _activities(ctx, params, **which) -> list[dict]:
    limit = int_param(params, "limit", 31, low=1, high=100)
    offset = int_param(params, "offset", 0)
    return [_activity_to_ckan(a) for a in selectors.activity_list(user=ctx.user, limit=limit, offset=offset, **which)]


@register(side_effect_free=True)
def package_activity_list(ctx, params):
    """The activity stream of one dataset (``id``), newest first (``limit``, default 31; ``offset``)."""
    dataset = selectors.dataset_get(name_or_id=_required(params, "id"), user=ctx.user)
    return _activities(ctx, params, dataset=dataset)


@register(side_effect_free=True)
def organization_activity_list(ctx, params):
    """The activity stream of a publisher's datasets (``id``), newest first."""
    return _activities(ctx, params, organisation=_organisation(_required(params, "id")))


@register(side_effect_free=True)
def recently_changed_packages_activity_list(ctx, params):
    """The latest changes of every dataset, newest first (``limit``, ``offset``)."""
    return _activities(ctx, params)



# --- Reuses as ckanext-showcase shows them --------------------------------------------------------

def _showcase(reuse) -> dict:
    """A reuse as ckanext-showcase's showcase (a package of type ``showcase``)."""
    item = services.reuse_to_dict(reuse)
    return {
        "id": item["id"], "name": item["name"], "type": "showcase", "state": "active", "private": False,
        "title": item["title_fr"], "title_translated": {"fr": item["title_fr"], "en": item["title_en"]},
        "notes": item["description_fr"], "notes_translated": {"fr": item["description_fr"], "en": item["description_en"]},
        "url": item["url"], "author": item["author_name"], "image_url": item["image_url"],
        "image_display_url": item["image_url"], "thumbnail_url": item["thumbnail_url"],
        "reuse_kind": item["kind"], "num_datasets": len(item["datasets"]),
        "metadata_created": item["created_at"], "metadata_modified": item["modified_at"],
        "published_at": item["published_at"], "page_url": item["page_url"],
        "status": item["status"],
    }


def _reuse(ctx, params):
    return services.reuse_get(name=_required(params, "id", "name"), user=ctx.user)


@register("ckanext_showcase_list", side_effect_free=True)
def ckanext_showcase_list(ctx, params):
    """Published reuses as ckanext-showcase's showcases, newest first (``limit``, ``offset``)."""
    offset = int_param(params, "offset", 0)
    limit = int_param(params, "limit", None, low=0, high=1000)
    reuses = services.reuse_list()
    reuses = reuses[offset:offset + limit] if limit is not None else reuses[offset:]
    return [_showcase(reuse) for reuse in reuses]


@register("ckanext_showcase_show", side_effect_free=True)
def ckanext_showcase_show(ctx, params):
    """One reuse (``id``: its name or id) as a showcase."""
    return _showcase(_reuse(ctx, params))


@register("ckanext_showcase_package_list", side_effect_free=True)
def ckanext_showcase_package_list(ctx, params):
    """The public datasets that a reuse (``showcase_id``) uses, as ``package_show`` dicts."""
    reuse = services.reuse_get(name=_required(params, "showcase_id", "id"), user=ctx.user)
    ids = [d.pk for d in reuse.public_datasets]
    datasets = ckan_dict.dataset_prefetch(Dataset.objects.filter(pk__in=ids).order_by("name"))
    return [ckan_dict.dataset_to_ckan(dataset) for dataset in datasets]


@register("ckanext_package_showcase_list", side_effect_free=True)
def ckanext_package_showcase_list(ctx, params):
    """The published reuses of one dataset (``package_id``: its name or id), as showcases."""
    dataset = selectors.dataset_get(name_or_id=_required(params, "package_id", "id"), user=ctx.user)
    return [_showcase(reuse) for reuse in services.reuse_list().filter(datasets=dataset)]
