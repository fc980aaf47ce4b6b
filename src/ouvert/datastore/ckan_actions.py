"""CKAN's DataStore actions at ``/api/3/action/``: ``datastore_search``, ``datastore_search_sql``,
``datastore_info``, registered in the catalogue's Action API (``catalog.services.ckan_action_register``).

They answer as CKAN 2.10/2.11 does (see ``services.search``/``search_sql``/``info``); errors too:
a bad parameter or query is a Validation Error (409, keyed by parameter), a forbidden function or
table in SQL an Authorization Error (403), a resource that does not exist, that the caller may not
read, or that has no table a Not Found Error (404).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog_services

from . import services


def _links(ctx) -> tuple[str, dict] | None:
    request = getattr(ctx, "request", None)
    if request is None:
        return None
    return request.path, {key: request.GET.get(key) for key in request.GET}


def datastore_search(ctx, params):
    """Search a resource's table: ``resource_id``; ``filters`` ({column: value or [values]}); ``q`` (text
    over every text column, or {column: text}; case and accents ignored); ``fields`` (list or
    comma-separated); ``sort`` ("column desc, column2"); ``limit`` (default 100, at most 32000);
    ``offset``; ``distinct``; ``include_total`` (default true); ``records_format`` (objects, lists,
    csv, tsv)."""
    return services.search(user=ctx.user, params=params, links=_links(ctx))


def datastore_search_sql(ctx, params):
    """Run one read-only SELECT over resource tables named by their id (``SELECT … FROM "<resource id>"``),
    parameter ``sql``. No file, network, configuration or other table; a time limit and at most
    32000 rows (``records_truncated``)."""
    sql = params.get("sql")
    if sql in (None, ""):
        raise ValidationError({"sql": [_("Valeur manquante.")]})
    return services.search_sql(user=ctx.user, sql=sql)


def datastore_info(ctx, params):
    """A resource's table (``resource_id`` or ``id``): ``meta`` (row count…), ``fields`` (type, native type,
    data dictionary), and Ouvert's ingestion status, column profile and validation summary."""
    return services.info(user=ctx.user, params=params)


def register() -> None:
    for func in (datastore_search, datastore_search_sql, datastore_info):
        catalog_services.ckan_action_register(func.__name__, func, side_effect_free=True)
