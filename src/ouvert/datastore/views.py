"""Pages of the datastore, under a dataset of the catalogue: a resource's preview (table, column
profile, chart builder, data dictionary, ingestion status), its downloads, its validation report;
saved visualisations (page, embeddable version, forms).

Thin, as everywhere: resolve the dataset and the resource through the catalogue's services (so
private and draft datasets' resources are 404 for those who may not read them), read the
datastore through its services, and render. The table's state lives in the address (see
``preview``): the same links and GET forms work without JavaScript; with htmx, the forms and
links ask only for the part of the page they change (``HX-Target``), which the view renders
alone. Queries to the database are the same whatever the size of the table: the rows come from
DuckDB.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import math
from urllib.parse import urlencode

import duckdb
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.catalog import services as catalog_services
from ouvert.core.forms import add_service_errors, describe_fields

from . import charts, export, preview, query, services, visualisations
from .forms import CHART_PREFIX, ChartForm, DictionaryForm, VisualisationForm
from .models import DatastoreTable

logger = logging.getLogger("ouvert.datastore")

#: Errors of the validation report shown per page.
REPORT_PAGE_SIZE = 100
#: Characters of a cell shown in the table (the download has them all).
CELL_MAX = 300


def _lang() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


def _pick(fr: str, en: str) -> str:
    return (en or fr) if _lang() == "en" else (fr or en)


def _resource_name(resource) -> str:
    return _pick(resource.name_fr, resource.name_en) or _("Ressource sans nom")


def _resolve(request, name, resource_id, url_name: str, **kwargs):
    """``(dataset, resource)`` visible to the person, or a redirect from an old dataset name; 404 otherwise."""
    if "\x00" in str(name):  # named by nothing (and refused by PostgreSQL in a query)
        raise Http404(_("Adresse invalide."))
    try:
        dataset = catalog_services.dataset_get(name_or_id=name, user=request.user)
        resource = catalog_services.resource_get(id=resource_id, user=request.user, dataset=dataset)
    except catalog_services.NotFound as exc:
        raise Http404(str(exc)) from None
    if dataset.name != name:
        target = reverse(url_name, kwargs={"name": dataset.name, "resource_id": resource.pk, **kwargs})
        query_string = request.META.get("QUERY_STRING", "")
        return None, HttpResponseRedirect(target + (f"?{query_string}" if query_string else ""), status=301)
    resource.dataset = dataset
    if services.tabular_format(resource) is None:
        raise Http404(_("Cette ressource n’est pas un tableau : elle n’a pas d’aperçu."))
    return (dataset, resource), None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _fragment(request) -> str:
    """The part of the page an htmx request asks for (its target's id), or "" for the whole page."""
    return (request.headers.get("HX-Target") or "") if _is_htmx(request) else ""


# --- Displaying values ------------------------------------------------------------------------

def _number_text(value) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    if "e" in text.lower() and isinstance(value, float) and math.isfinite(value) and abs(value) < 1e16:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if _lang() == "fr" else text


def display(value) -> str:
    """A value as the table shows it (French decimal comma, ISO dates, « oui »/« non »)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, float | decimal.Decimal):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = str(query.json_value(value)) if not isinstance(value, str | int) else str(value)
    return text if len(text) <= CELL_MAX else text[:CELL_MAX] + "…"


def _stat(value, kind: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and kind in ("integer", "number"):
        value = round(value, 6)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_format(value, force_grouping=True) if isinstance(value, int) else _number_text(value)
    return display(value)


# --- Preview ----------------------------------------------------------------------------------

def _status(resource, can_edit: bool) -> dict:
    """The ingestion's state for the page: details (errors, warnings) only for publishers."""
    status = services.job_status(resource) if can_edit else None
    return {"job": status, "can_edit": can_edit}


def _warnings(table: DatastoreTable) -> list[str]:
    found = []
    for item in table.warnings or []:
        if isinstance(item, dict):
            message = item.get("message") or item.get("code")
            if message:
                found.append(str(message))
        elif item:
            found.append(str(item))
    ragged = table.ragged if isinstance(table.ragged, dict) else {}
    said = any(isinstance(item, dict) and item.get("code") == "ragged-rows" for item in table.warnings or [])
    if ragged.get("rows") and not said:
        examples = ", ".join(str(n) for n in (ragged.get("examples") or [])[:10])
        text = _("%(count)s lignes n’ont pas le nombre de champs de l’en-tête (complétées par des cellules vides)") % {
            "count": number_format(ragged["rows"], force_grouping=True)}
        if examples:
            text += " " + _("(par exemple les lignes %(lines)s)") % {"lines": examples}
        found.append(text + ".")
    return found


def _validation_summary(datastore, table: DatastoreTable) -> dict | None:
    """The validation badge, when the resource has a Table Schema."""
    if datastore is None or not datastore.schema:
        return None
    report = table.validation if table is not None else None
    if table is None or report is None:
        return {"state": "pending", "label": _("validation en attente")}
    errors = (services.validation_errors_total(report) or 0)
    if table.validation_valid:
        return {"state": "valid", "label": _("conforme au schéma")}
    return {"state": "invalid", "errors": errors,
            "label": _("%(count)s erreur(s) de validation") % {"count": number_format(errors, force_grouping=True)}}


def _dictionary(datastore, table: DatastoreTable | None) -> list[dict]:
    """The data dictionary: the schema's fields (with descriptions), or the table's columns."""
    fields = []
    schema = (datastore.schema if datastore is not None else None) or {}
    for item in schema.get("fields") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        fields.append({"name": item["name"], "type": str(item.get("type") or "string"),
                       "title": str(item.get("title") or ""),
                       "description_fr": str(item.get("description_fr") or item.get("description") or ""),
                       "description_en": str(item.get("description_en") or ""),
                       "constraints": item.get("constraints") if isinstance(item.get("constraints"), dict) else {}})
    if not fields and table is not None:
        fields = [{"name": c.get("name", ""), "type": c.get("type", ""), "title": "", "description_fr": "",
                   "description_en": "", "constraints": {}} for c in table.columns or [] if isinstance(c, dict)]
    for item in fields:
        item["description"] = _pick(item["description_fr"], item["description_en"])
    return fields


def _histogram(profile: dict) -> dict | None:
    histogram = profile.get("histogram") or {}
    edges, counts = histogram.get("edges") or [], histogram.get("counts") or []
    if not counts or len(edges) != len(counts) + 1:
        return None
    top = max(counts) or 1
    width = 100 / len(counts)
    bars = [{"x": round(i * width, 3), "width": round(width * 0.9, 3), "height": round(38 * n / top, 2),
             "y": round(40 - 38 * n / top, 2), "count": n, "low": _stat(edges[i], profile.get("type", "")),
             "high": _stat(edges[i + 1], profile.get("type", ""))} for i, n in enumerate(counts)]
    busiest = max(bars, key=lambda bar: bar["count"])
    return {"bars": bars, "summary": _("%(bins)s classes de %(low)s à %(high)s ; la plus fournie, de %(from)s à "
                                       "%(to)s, compte %(count)s lignes.")
            % {"bins": len(counts), "low": bars[0]["low"], "high": bars[-1]["high"], "from": busiest["low"],
               "to": busiest["high"], "count": number_format(busiest["count"], force_grouping=True)}}


def _profile(table: DatastoreTable) -> list[dict]:
    items = []
    for item in table.profile or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type") or "")
        items.append({
            "name": item.get("name", ""), "type": kind, "type_label": _type_label(kind),
            "count": _stat(item.get("count"), "integer"), "nulls": _stat(item.get("nulls"), "integer"),
            "distinct": _stat(item.get("distinct"), "integer"),
            "approximate": bool(item.get("distinct_approximate")),
            "min": _stat(item.get("min"), kind), "max": _stat(item.get("max"), kind),
            "mean": _stat(item.get("mean"), kind) if item.get("mean") is not None else "",
            "top": [{"value": display(t.get("value")), "count": _stat(t.get("count"), "integer")}
                    for t in item.get("top") or [] if isinstance(t, dict)],
            "histogram": _histogram(item),
        })
    return items


TYPE_LABELS = {
    "integer": gettext_lazy("entier"), "number": gettext_lazy("nombre"), "boolean": gettext_lazy("booléen"),
    "date": gettext_lazy("date"), "datetime": gettext_lazy("date et heure"), "time": gettext_lazy("heure"),
    "string": gettext_lazy("texte"),
}


def _type_label(kind: str) -> str:
    return str(TYPE_LABELS.get(kind, kind))


def _table_context(view: preview.TableView, total: int, rows: list[tuple], extra: list[tuple[str, str]]) -> dict:
    pages = max(1, math.ceil(total / view.size)) if total else 1
    page = min(view.page, pages)
    first = (page - 1) * view.size + 1 if total else 0
    headers = []
    for column in view.columns:
        current = view.sort[1] if view.sort and view.sort[0] == column.name else None
        next_sort = ("-" if current is False else "") + column.name
        headers.append({
            "name": column.name, "type": column.type, "type_label": _type_label(column.type),
            "numeric": column.type in ("integer", "number"),
            "aria_sort": {None: "none", False: "ascending", True: "descending"}[current],
            "sort_url": view.link(sort=next_sort, extra=extra),
            "sort_hint": _("trier en ordre décroissant") if current is False else _("trier en ordre croissant"),
        })
    numeric = [h["numeric"] for h in headers]
    body = [{"id": row[0], "cells": [{"text": display(value), "numeric": numeric[i], "null": value is None}
                                     for i, value in enumerate(row[1:])]} for row in rows]
    return {
        "headers": headers, "rows": body, "total": total, "total_text": number_format(total, force_grouping=True),
        "first": number_format(first, force_grouping=True),
        "last": number_format(min(total, first + len(rows) - 1) if total else 0, force_grouping=True),
        "page": page, "pages": pages, "pages_text": number_format(pages, force_grouping=True),
        "previous_url": view.link(page=page - 1, extra=extra) if page > 1 else "",
        "next_url": view.link(page=page + 1, extra=extra) if page < pages else "",
        "first_url": view.link(page=1, extra=extra) if page > 1 else "",
        "last_url": view.link(page=pages, extra=extra) if page < pages else "",
        "unsort_url": view.link(sort="", extra=extra) if view.sort else "",
        "filtered": view.filtered,
    }


def _filter_fields(view: preview.TableView) -> list[dict]:
    fields = []
    for column in view.columns:
        wanted = view.filters.get(column.name) or preview.ColumnFilter()
        fields.append({
            "name": column.name, "index": column.index, "type": column.type, "type_label": _type_label(column.type),
            "ranged": column.ranged, "boolean": column.boolean, "text": column.text,
            "input_type": column.input_type, "step": "1" if column.type == "integer" else "any",
            "value": wanted.value, "mode": wanted.mode, "low": wanted.low, "high": wanted.high,
            "error": view.errors.get(f"f.{column.name}", ""),
            "low_error": view.errors.get(f"min.{column.name}", ""),
            "high_error": view.errors.get(f"max.{column.name}", ""),
        })
    return fields


def _downloads(base: str, view: preview.TableView, rows: int, extra: list) -> list[dict]:
    state = urlencode(view.state())  # filters and sort, no page
    items = []
    for key, spec in export.FORMATS.items():
        note = ""
        if key == "xlsx" and rows > export.XLSX_MAX_ROWS - 1:
            note = _("les %(max)s premières lignes (limite d’Excel)") % {
                "max": number_format(export.XLSX_MAX_ROWS - 1, force_grouping=True)}
        items.append({"format": key, "label": spec.label, "note": note,
                      "url": f"{base}{key}/" + (f"?{state}" if state else "")})
    return items


def _chart_context(request, view: preview.TableView) -> dict:
    """The builder (bound when the address asks for a chart) and the chart itself."""
    columns = view.chart_columns()
    asked = f"{CHART_PREFIX}-type" in request.GET
    form = ChartForm(request.GET if asked else None, columns=columns)
    context = {"form": form, "asked": asked, "result": None, "hidden": view.state(), "errors": []}
    if asked and form.is_valid():
        try:
            params = form.params()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            result = preview.chart(view, params)
            context["result"] = {
                "spec": result["spec"], "table": result["table"], "truncated": result["data"].truncated,
                "total": result["data"].total, "description": charts.describe(params),
                "chart_json": json.dumps(params.as_dict()), "view_json": json.dumps(view.filter_state()),
                "count": len(result["data"].values),
            }
    if asked and form.errors:
        context["errors"] = [e for errs in form.errors.values() for e in errs]
    describe_fields(form)
    return context


def _chart_params_in_address(request) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() if key.startswith(f"{CHART_PREFIX}-")
            for value in values[:1]]


@require_GET
def preview_page(request, name, resource_id):
    found, moved = _resolve(request, name, resource_id, "datastore:preview")
    if moved:
        return moved
    dataset, resource = found
    can_edit = visualisations.can_edit(request.user, resource)
    datastore = services.datastore_for(resource)
    table = datastore.current_table if datastore is not None else None
    context = {
        "dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
        "dataset_title": _pick(dataset.title_fr, dataset.title_en),
        "organisation_name": _pick(dataset.organisation.name_fr, dataset.organisation.name_en),
        "can_edit": can_edit, "status": _status(resource, can_edit), "table": table,
        "format": services.tabular_format(resource),
    }
    if table is None or not table.parquet:
        return render(request, "datastore/preview.html", context)
    try:
        rel = query.relation(services.local_parquet(table))
    except (FileNotFoundError, OSError):
        context["unavailable"] = True
        return render(request, "datastore/preview.html", context, status=503)
    view = preview.TableView.from_params(rel, request.GET)
    chart_extra = _chart_params_in_address(request)
    fragment = _fragment(request)
    context.update({"view": view, "warnings": _warnings(table) if can_edit else [],
                    "validation": _validation_summary(datastore, table), "chart_extra": chart_extra,
                    "filter_fields": _filter_fields(view), "page_sizes": preview.PAGE_SIZES,
                    "filters_open": any(f.active for f in view.filters.values()) or any(
                        k.startswith(("f.", "min.", "max.")) for k in view.errors),
                    "errors": list(view.errors.values())})
    try:
        return _preview_response(request, context, view, rel, table, datastore, fragment, chart_extra)
    except duckdb.Error as exc:
        logger.warning("datastore preview failed for %s: %s", resource.pk, exc)
        return render(request, "datastore/message.html", {
            "title": _("Aperçu impossible"),
            "messages_list": [_("Les données n’ont pas pu être lues avec ces filtres. Modifiez-les et réessayez.")],
            "back_url": reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})},
            status=400)


def _preview_response(request, context, view, rel, table, datastore, fragment, chart_extra):
    dataset, resource, can_edit = context["dataset"], context["resource"], context["can_edit"]
    cursor = query.engine().cursor()
    if fragment != "graphique-zone":
        total = view.count(cursor)
        rows = view.rows(cursor) if total else []
        context["grid"] = _table_context(view, total, rows, chart_extra)
        base = reverse("datastore:export", kwargs={"name": dataset.name, "resource_id": resource.pk, "fmt": "x"})
        context["downloads"] = _downloads(base[:-2], view, total, chart_extra)
        context["downloads_whole"] = _downloads(base[:-2], preview.TableView.from_params(rel, {}), rel.rows, [])
    if fragment not in ("tableau-zone",):
        context["chart"] = _chart_context(request, view)
        context["has_charts"] = bool(context["chart"]["result"])
        if can_edit and context["chart"]["result"]:
            context["save_form"] = describe_fields(VisualisationForm(initial={
                "chart": context["chart"]["result"]["chart_json"],
                "view": context["chart"]["result"]["view_json"]}))
    if not fragment:
        context["profile"] = _profile(table)
        context["dictionary"] = _dictionary(datastore, table)
        context["primary_key"] = services.primary_key_status(datastore, table)
        context["rows_total"] = number_format(rel.rows, force_grouping=True)
        context["columns_total"] = len(view.columns)
        context["visualisations"] = visualisations.visualisation_list(dataset=dataset, resource=resource)
    bad = bool(view.errors) or bool(context.get("chart", {}).get("errors"))
    templates = {"tableau-zone": "datastore/_table.html", "graphique-zone": "datastore/_chart_result.html",
                 "apercu-zone": "datastore/_preview_zone.html"}
    template = templates.get(fragment, "datastore/preview.html")
    response = render(request, template, context, status=400 if bad and not fragment else 200)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# --- Downloads ------------------------------------------------------------------------------------

@require_GET
def export_view(request, name, resource_id, fmt):
    found, moved = _resolve(request, name, resource_id, "datastore:export", fmt=fmt)
    if moved:
        return moved
    dataset, resource = found
    if fmt not in export.FORMATS:
        raise Http404(_("Format de téléchargement inconnu « %(format)s » : csv, json, parquet ou xlsx.")
                      % {"format": fmt[:20]})
    table = services.table_for_resource(resource)
    if table is None or not table.parquet:
        raise Http404(_("Les données de cette ressource ne sont pas encore disponibles."))
    path = services.local_parquet(table)
    view = preview.TableView.from_params(query.relation(path), request.GET)
    if view.errors:
        return render(request, "datastore/message.html", {
            "title": _("Téléchargement impossible"), "messages_list": list(view.errors.values()),
            "back_url": reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})},
            status=400)
    label = _resource_name(resource)
    if view.filtered:
        label = f"{label} {_('extrait')}"
    try:
        return export.export_response(view.export_query(stored_file=path), fmt, name=label)
    except duckdb.Error as exc:
        logger.warning("datastore export failed for %s: %s", resource.pk, exc)
        return render(request, "datastore/message.html", {
            "title": _("Téléchargement impossible"),
            "messages_list": [_("Les données n’ont pas pu être lues avec ces filtres. Modifiez-les et réessayez.")],
            "back_url": reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})},
            status=400)


# --- Validation report ------------------------------------------------------------------------------

@require_GET
def validation_page(request, name, resource_id):
    found, moved = _resolve(request, name, resource_id, "datastore:validation")
    if moved:
        return moved
    dataset, resource = found
    datastore = services.datastore_for(resource)
    table = datastore.current_table if datastore is not None else None
    report = table.validation if table is not None else None
    context = {"dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
               "dataset_title": _pick(dataset.title_fr, dataset.title_en), "report": None,
               "has_schema": bool(datastore and datastore.schema)}
    if report:
        task = (report.get("tasks") or [{}])[0] if isinstance(report.get("tasks"), list) else {}
        errors = [e for e in (task.get("errors") or report.get("errors") or []) if isinstance(e, dict)]
        counts = report.get("counts") or task.get("counts") or {}
        code = (request.GET.get("code") or "").strip()[:50]
        if code and code not in counts:
            code = ""
        shown = [e for e in errors if not code or e.get("type") == code]
        try:
            page = max(1, int(request.GET.get("page") or 1))
        except ValueError:
            page = 1
        pages = max(1, math.ceil(len(shown) / REPORT_PAGE_SIZE))
        page = min(page, pages)
        from .validation import ERROR_TITLES

        context["report"] = {
            "valid": bool(report.get("valid")), "total": (services.validation_errors_total(report) or 0),
            "rows": ((task.get("stats") or {}).get("rows")),
            "counts": [{"code": key, "title": _(ERROR_TITLES.get(key, key)), "count": value,
                        "url": f"?code={key}", "current": key == code}
                       for key, value in sorted(counts.items(), key=lambda item: (-int(item[1] or 0), item[0]))],
            "listed": len(errors), "code": code,
            "errors": [{"code": e.get("type", ""), "title": e.get("title", ""), "row": e.get("rowNumber"),
                        "field_number": e.get("fieldNumber"), "field": e.get("fieldName") or e.get("label") or "",
                        "cell": display(e.get("cell")) if e.get("cell") is not None else "",
                        "message": e.get("message") or e.get("note") or ""}
                       for e in shown[(page - 1) * REPORT_PAGE_SIZE:page * REPORT_PAGE_SIZE]],
            "page": page, "pages": pages,
            "previous_url": f"?code={code}&page={page - 1}" if page > 1 else "",
            "next_url": f"?code={code}&page={page + 1}" if page < pages else "",
            "warnings": [str(w) for w in report.get("warnings") or []],
        }
    return render(request, "datastore/validation.html", context)


# --- Data dictionary ----------------------------------------------------------------------------------

class _DictionaryKeyForm(DictionaryForm):
    """The data dictionary, and the primary key: the field(s) whose value identifies each row."""

    def __init__(self, *args, fields: list[dict], key: list[str], complete_unique: set[str], **kwargs):
        super().__init__(*args, fields=fields, **kwargs)
        choices = []
        for item in fields:
            label = item["name"]
            if item["name"] in complete_unique:
                label = _("%(name)s (valeurs toutes remplies et uniques)") % {"name": item["name"]}
            choices.append((item["name"], label))
        self.fields["primary_key"] = forms.MultipleChoiceField(
            label=_("Clé primaire : le ou les champs qui identifient chaque ligne"), required=False,
            choices=choices, initial=key, widget=forms.CheckboxSelectMultiple,
            help_text=_("Chaque ligne doit avoir une valeur de clé unique et non vide : la validation le vérifie "
                        "et compte les lignes qui l’enfreignent. Aucune case cochée : pas de clé primaire."))


def _complete_unique(fields: list[dict], table: DatastoreTable | None) -> set[str]:
    """Names of the fields whose column (by position) has no empty value and only distinct values."""
    from . import schema as schema_module

    profile = [item for item in (table.profile if table is not None else None) or [] if isinstance(item, dict)]
    if len(profile) != len(fields):
        return set()
    return {item["name"] for item, column in zip(fields, profile, strict=True) if schema_module.column_is_key(column)}


@login_required
@require_http_methods(["GET", "POST"])
def dictionary_edit(request, name, resource_id):
    found, moved = _resolve(request, name, resource_id, "datastore:dictionary")
    if moved:
        return moved
    dataset, resource = found
    if not visualisations.can_edit(request.user, resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de données "
                                 "pour modifier son dictionnaire de données."))
    datastore = services.datastore_for(resource)
    table = datastore.current_table if datastore is not None else None
    fields = _dictionary(datastore, table)
    if not fields:
        raise Http404(_("Les données de cette ressource ne sont pas encore disponibles."))
    current = (datastore.schema if datastore is not None else None) or {}
    key = services.primary_key_status(datastore, table)
    form = _DictionaryKeyForm(request.POST if request.method == "POST" else None, fields=fields,
                              key=key["primary_key"] if current.get("fields") else key["proposed"],
                              complete_unique=_complete_unique(fields, table))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            from . import schema as schema_module

            if current.get("fields"):
                descriptor = schema_module.with_descriptions(current, form.descriptions())
            else:
                descriptor = schema_module.infer(table.columns, info=table.info or None,
                                                 labels=[f["name"] for f in fields],
                                                 descriptions=form.descriptions())
            descriptor = schema_module.with_primary_key(descriptor, form.cleaned_data["primary_key"])
            try:
                services.schema_set(actor=request.user, resource=resource, schema=descriptor)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Dictionnaire de données enregistré."))
                return redirect(reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})
                                + "#dictionnaire")
        status = 400
    describe_fields(form)
    return render(request, "datastore/dictionary_form.html", {
        "dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
        "dataset_title": _pick(dataset.title_fr, dataset.title_en), "form": form,
        "creates_schema": not current.get("fields"),
    }, status=status)


# --- Saved visualisations --------------------------------------------------------------------------

def _visualisation_or_404(request, name, pk):
    try:
        found = visualisations.visualisation_get(id=pk, user=request.user)
    except catalog_services.NotFound as exc:
        raise Http404(str(exc)) from None
    if found.dataset.name != name:
        raise Http404(_("Visualisation « %(id)s » introuvable.") % {"id": str(pk)[:100]})
    return found


def _visualisation_context(request, found) -> dict:
    rendered = visualisations.visualisation_render(found)
    dataset = found.dataset
    page = reverse("datastore:visualisation", kwargs={"name": dataset.name, "pk": found.pk})
    embed = reverse("datastore:visualisation_embed", kwargs={"name": dataset.name, "pk": found.pk})
    absolute_embed = request.build_absolute_uri(embed)
    title = found.title
    snippet = (f'<iframe src="{absolute_embed}" title="{_escape_attr(title)}" width="100%" height="520" '
               f'style="border:0" loading="lazy"></iframe>')
    preview_url = reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": found.resource_id})
    view = rendered.get("view")
    if view is not None:
        chart = [(f"{CHART_PREFIX}-{k}", v) for k, v in (found.chart or {}).items() if v not in ("", None)]
        preview_url += "?" + urlencode(view.state() + chart)
    return {
        "visualisation": found, "dataset": dataset, "title": title, "description": found.description,
        "dataset_title": _pick(dataset.title_fr, dataset.title_en),
        "organisation_name": _pick(dataset.organisation.name_fr, dataset.organisation.name_en),
        "resource_name": _resource_name(found.resource),
        "rendered": rendered, "has_charts": "spec" in rendered, "page_url": request.build_absolute_uri(page),
        "embed_url": embed, "snippet": snippet, "preview_url": preview_url,
        "filters": [(key, value) for key, value in (found.view or {}).items()],
        "can_edit": visualisations.can_edit(request.user, found.resource),
    }


def _escape_attr(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))


@require_GET
def visualisation_page(request, name, pk):
    found = _visualisation_or_404(request, name, pk)
    return render(request, "datastore/visualisation.html", _visualisation_context(request, found))


@xframe_options_exempt
@require_GET
def visualisation_embed(request, name, pk):
    """The chart alone, without the site's header and footer, for other sites' iframes."""
    found = _visualisation_or_404(request, name, pk)
    response = render(request, "datastore/embed.html", _visualisation_context(request, found))
    response["Content-Security-Policy"] = "frame-ancestors *"
    return response


def _visualisation_errors(form, exc: ValidationError) -> None:
    """A service's errors next to the fields; those of the chart and the filters above the form."""
    prefixes = {"chart": _("Graphique"), "view": _("Filtres du tableau")}
    for key, found in exc.message_dict.items():
        for message in found:
            if key in form.fields and not form.fields[key].widget.is_hidden:
                form.add_error(key, message)
            else:
                form.add_error(None, f"{prefixes[key]} — {message}" if key in prefixes else message)


@login_required
@require_POST
def visualisation_new(request, name, resource_id):
    found, moved = _resolve(request, name, resource_id, "datastore:visualisation_new")
    if moved:
        return moved
    dataset, resource = found
    if not visualisations.can_edit(request.user, resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de données "
                                 "pour enregistrer une visualisation."))
    form = VisualisationForm(request.POST)
    if form.is_valid():
        try:
            created = visualisations.visualisation_create(actor=request.user, resource=resource, data=form.to_data())
        except ValidationError as exc:
            _visualisation_errors(form, exc)
        else:
            messages.success(request, _("Visualisation enregistrée : elle figure sur la page du jeu de données."))
            return redirect("datastore:visualisation", name=dataset.name, pk=created.pk)
    return render(request, "datastore/visualisation_form.html", {
        "dataset": dataset, "resource": resource, "resource_name": _resource_name(resource),
        "dataset_title": _pick(dataset.title_fr, dataset.title_en), "form": describe_fields(form),
        "visualisation": None,
    }, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def visualisation_edit(request, name, pk):
    found = _visualisation_or_404(request, name, pk)
    if not visualisations.can_edit(request.user, found.resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l’organisation de ce jeu de données "
                                 "pour modifier cette visualisation."))
    initial = {key: getattr(found, key) for key in ("title_fr", "title_en", "description_fr", "description_en")}
    form = VisualisationForm(request.POST if request.method == "POST" else None, initial=initial, with_chart=False)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                visualisations.visualisation_update(actor=request.user, visualisation=found, data=form.to_data())
            except ValidationError as exc:
                _visualisation_errors(form, exc)
            else:
                messages.success(request, _("Modifications enregistrées."))
                return redirect("datastore:visualisation", name=found.dataset.name, pk=found.pk)
        status = 400
    return render(request, "datastore/visualisation_form.html", {
        "dataset": found.dataset, "resource": found.resource, "resource_name": _resource_name(found.resource),
        "dataset_title": _pick(found.dataset.title_fr, found.dataset.title_en), "form": describe_fields(form),
        "visualisation": found,
    }, status=status)


@login_required
@require_POST
def visualisation_delete(request, name, pk):
    found = _visualisation_or_404(request, name, pk)
    visualisations.visualisation_delete(actor=request.user, visualisation=found)
    messages.success(request, _("Visualisation supprimée."))
    return redirect(reverse("catalog:dataset", kwargs={"name": found.dataset.name}) + "#visualisations")


# --- The catalogue's dataset page --------------------------------------------------------------------

def dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    """What the dataset page shows of the datastore (``core.registry.register_dataset_panel``): a
    « Aperçu » link beside each tabular resource, the ingestion state for publishers, and the list
    of saved visualisations. Two queries whatever the number of resources."""
    tabular = [resource for resource in resources if services.tabular_format(resource)]
    links, notes = {}, {}
    if tabular:
        ids = [r.pk for r in tabular]
        served = services.datastores_for(ids)
        latest = services.latest_tables(ids) if can_edit else {}
        for resource in tabular:
            datastore = served.get(resource.pk)
            current = datastore.current_table if datastore is not None else None
            url = reverse("datastore:preview", kwargs={"name": dataset.name, "resource_id": resource.pk})
            if current is not None and current.parquet:
                links[str(resource.pk)] = [{"label": _("Aperçu et graphiques"), "url": url}]
            elif can_edit:
                links[str(resource.pk)] = [{"label": _("État du traitement"), "url": url}]
            newest = latest.get(resource.pk)
            if can_edit and newest is not None:
                if newest.status == DatastoreTable.Status.FAILED:
                    text = _("Données tabulaires : échec du traitement — %(message)s") % {
                        "message": newest.error_message or _("erreur inconnue")}
                    if current is not None:
                        text += " " + _("La version précédente reste servie.")
                    notes[str(resource.pk)] = [text]
                elif newest.status in (DatastoreTable.Status.PENDING, DatastoreTable.Status.RUNNING):
                    notes[str(resource.pk)] = [_("Données tabulaires : traitement en cours.") if
                                               newest.status == DatastoreTable.Status.RUNNING else
                                               _("Données tabulaires : traitement en attente.")]
    items = visualisations.visualisation_list(dataset=dataset)
    if not items and not links:
        return None
    return {
        "template": "datastore/_dataset_panel.html",
        "context": {"visualisations": [{"title": v.title, "description": v.description,
                                        "url": reverse("datastore:visualisation",
                                                       kwargs={"name": dataset.name, "pk": v.pk}),
                                        "resource": _resource_name(v.resource),
                                        "type": charts.CHART_TYPE_LABELS.get((v.chart or {}).get("type"), "")}
                                       for v in items]},
        "resource_links": links, "resource_notes": notes,
    }
