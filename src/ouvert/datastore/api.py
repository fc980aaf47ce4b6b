"""Datastore API (mounted at /api/v1/datastore/): the CKAN DataStore reads, an ingestion status, the schema.

The answers are the same dictionaries as CKAN's ``datastore_search``, ``datastore_search_sql`` and
``datastore_info`` (``/api/3/action/…``); errors have the REST API's shape (``{"detail", "errors"}``):
400 for a bad parameter or query, 403 for a forbidden SQL function or table, 404 for a resource
that does not exist, that the caller may not read, or without a table.

Reads are open to everyone; a token (``Authorization: <token>``) or a signed-in session lets members
read the resources of their private datasets and drafts.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router

from ouvert.api import AUTH, reader
from ouvert.catalog import services as catalog_services

from . import services

router = Router(tags=["datastore"])




def _params(request: HttpRequest, resource_id: str | None = None) -> dict:
    params = {key: request.GET.get(key) for key in request.GET}
    if request.method == "POST" and request.body.strip():
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ValidationError({"__all__": [_("Le corps de la requête doit être un objet JSON.")]}) from None
        if not isinstance(body, dict):
            raise ValidationError({"__all__": [_("Le corps de la requête doit être un objet JSON.")]})
        params.update(body)
    if resource_id is not None:
        params["resource_id"] = resource_id
    return params


def _links(request: HttpRequest) -> tuple[str, dict]:
    return request.path, {key: request.GET.get(key) for key in request.GET}


SEARCH_DESCRIPTION = (
    "Comme `datastore_search` de CKAN. Paramètres (requête GET ou objet JSON en POST) : `filters` (objet JSON "
    "{colonne: valeur ou liste}), `q` (texte, ou objet {colonne: texte} ; sans égard à la casse ni aux accents), "
    "`fields` (liste ou noms séparés par des virgules), `sort` (« colonne desc, colonne2 »), `limit` (100 par "
    "défaut, au plus 32000), `offset`, `distinct`, `include_total` (vrai par défaut), `records_format` "
    "(objects, lists, csv, tsv).")


@router.get("/{resource_id}/search", summary="Chercher dans une table (datastore_search)",
            description=SEARCH_DESCRIPTION)
def search(request: HttpRequest, resource_id: str, filters: str | None = None, q: str | None = None,
           fields: str | None = None, sort: str | None = None, limit: str | None = None,
           offset: str | None = None, distinct: str | None = None, include_total: str | None = None,
           records_format: str | None = None):
    return services.search(user=reader(request), params=_params(request, resource_id), links=_links(request))


@router.post("/{resource_id}/search", summary="Chercher dans une table (datastore_search, POST)",
             description=SEARCH_DESCRIPTION)
def search_post(request: HttpRequest, resource_id: str, payload: dict = Body(None)):  # noqa: B008
    return services.search(user=reader(request), params=_params(request, resource_id), links=_links(request))


@router.get("/{resource_id}/info", summary="Colonnes, profil et état d'une table (datastore_info)")
def info(request: HttpRequest, resource_id: str):
    return services.info(user=reader(request), params={"resource_id": resource_id})


@router.get("/{resource_id}/ingestions", summary="Intégrations d'une ressource (état, erreurs, historique)")
def ingestions(request: HttpRequest, resource_id: str, limit: int = 20):
    resource = catalog_services.resource_get(id=resource_id, user=reader(request))
    status = services.job_status(resource)
    status["history"] = [services.table_status(table) for table in services.table_list(resource,
                                                                                       limit=max(1, min(limit, 100)))]
    return status


SQL_DESCRIPTION = ("Comme `datastore_search_sql` de CKAN : une seule requête SELECT en lecture seule sur les tables "
                   "des ressources nommées par leur identifiant (`SELECT … FROM \"<identifiant>\"`). Ni fichier, ni "
                   "réseau, ni configuration ; durée et nombre de lignes limités (`records_truncated`).")


@router.get("/sql", summary="Requête SQL (datastore_search_sql)", description=SQL_DESCRIPTION)
def search_sql(request: HttpRequest, sql: str = ""):
    return services.search_sql(user=reader(request), sql=sql)


@router.post("/sql", summary="Requête SQL (datastore_search_sql, POST)", description=SQL_DESCRIPTION)
def search_sql_post(request: HttpRequest, payload: dict = Body(None)):  # noqa: B008
    params = _params(request)
    return services.search_sql(user=reader(request), sql=params.get("sql") or "")


@router.put("/{resource_id}/schema", auth=AUTH, summary="Donner un Table Schema à une ressource")
def schema_put(request: HttpRequest, resource_id: str, payload: dict = Body(...)):  # noqa: B008
    resource = catalog_services.resource_get(id=resource_id, user=request.user)
    datastore = services.schema_set(actor=request.user, resource=resource, schema=payload)
    return {"resource_id": str(resource.pk), "schema": datastore.schema}
