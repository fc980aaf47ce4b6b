"""Saved visualisations: a named chart of a resource's table, attached to its dataset.

A visualisation keeps the builder's choices (``chart``: ``charts.ChartParams.as_dict()``) and the
table's filters when it was saved (``view``: the preview's address parameters), never the
values: each time it is shown, DuckDB aggregates the resource's table served then, so a new
version of the data updates the chart. If the columns it names are gone, the page says so.

It is listed on its dataset's page, has a page of its own to share and an embeddable version
(``…/integrer/``, framed by other sites). Who may read the dataset may see it; editors and
admins of the dataset's organisation (and platform admins) create, change and delete it.

Services take keyword-only arguments, check permissions through the catalogue's services,
validate (``ValidationError`` keyed by field, French messages) and write in one transaction.
"""

from __future__ import annotations

import logging
import uuid

import duckdb
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core.i18n import Translated

logger = logging.getLogger("ouvert.datastore")

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
#: Visualisations a dataset may have.
MAX_PER_DATASET = 100


class Visualisation(models.Model):
    """A named chart of a resource's table, attached to the resource's dataset."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="visualisations",
                                verbose_name=gettext_lazy("jeu de données"))
    resource = models.ForeignKey("catalog.Resource", on_delete=models.CASCADE, related_name="visualisations",
                                 verbose_name=gettext_lazy("ressource"))
    title_fr = models.CharField(gettext_lazy("titre (français)"), max_length=TITLE_MAX_LENGTH)
    title_en = models.CharField(gettext_lazy("titre (anglais)"), max_length=TITLE_MAX_LENGTH, blank=True)
    description_fr = models.TextField(gettext_lazy("description (français)"), blank=True,
                                      max_length=DESCRIPTION_MAX_LENGTH)
    description_en = models.TextField(gettext_lazy("description (anglais)"), blank=True,
                                      max_length=DESCRIPTION_MAX_LENGTH)
    chart = models.JSONField(gettext_lazy("graphique"), default=dict,
                             help_text=gettext_lazy("Type, colonnes, agrégat, couleur, classes."))
    view = models.JSONField(gettext_lazy("filtres du tableau"), default=dict, blank=True,
                            help_text=gettext_lazy("Les paramètres de l'aperçu au moment de l'enregistrement."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=gettext_lazy("créée par"))
    created_at = models.DateTimeField(gettext_lazy("créée le"), default=timezone.now)
    modified_at = models.DateTimeField(gettext_lazy("modifiée le"), default=timezone.now)

    class Meta:
        app_label = "datastore"
        verbose_name = gettext_lazy("visualisation")
        verbose_name_plural = gettext_lazy("visualisations")
        ordering = ["dataset", "-created_at"]
        indexes = [models.Index(fields=["dataset", "-created_at"], name="datastore_vis_dataset_idx")]

    def __str__(self):
        return self.title

    title = Translated("title")
    description = Translated("description")


# --- Permissions ---------------------------------------------------------------------------

def can_edit(user, resource) -> bool:
    """Create, change and delete the visualisations of ``resource``'s dataset."""
    from ouvert.catalog import services as catalog_services

    if user is None or not user.is_authenticated:
        return False
    return catalog_services.resource_can_edit(user, resource)


# --- Reads ---------------------------------------------------------------------------------

def visualisation_get(*, id, user=None) -> Visualisation:
    """A visualisation whose dataset ``user`` may read; ``NotFound`` otherwise (as for its dataset)."""
    from ouvert.catalog import services as catalog_services

    try:
        as_uuid = uuid.UUID(str(id))
    except (TypeError, ValueError, AttributeError):
        as_uuid = None
    found = (Visualisation.objects.select_related("resource", "dataset", "dataset__organisation")
             .filter(pk=as_uuid).first() if as_uuid else None)
    message = _("Visualisation « %(id)s » introuvable.") % {"id": str(id)[:100]}
    if found is None:
        raise catalog_services.NotFound(message)
    try:
        resource = catalog_services.resource_get(id=found.resource_id, user=user, dataset=found.dataset)
    except catalog_services.NotFound:
        raise catalog_services.NotFound(message) from None
    found.resource = resource
    return found


def visualisation_list(*, dataset, resource=None) -> list[Visualisation]:
    """The visualisations of ``dataset`` (one the caller may read), newest first, of its active resources."""
    qs = Visualisation.objects.filter(dataset=dataset, resource__state="active").select_related("resource")
    if resource is not None:
        qs = qs.filter(resource=resource)
    return list(qs.order_by("-created_at")[:MAX_PER_DATASET])


# --- Writes --------------------------------------------------------------------------------

def _line(errors: dict, key: str, value, *, required: bool = False, max_length: int = TITLE_MAX_LENGTH) -> str:
    text = str(value if value is not None else "").strip()
    if any(ord(char) < 32 for char in text):
        errors[key] = [_("Les caractères de contrôle ne sont pas permis.")]
    elif required and not text:
        errors[key] = [_("Ce champ est obligatoire.")]
    elif len(text) > max_length:
        errors[key] = [_("Au plus %(max)s caractères.") % {"max": max_length}]
    return text


def _text(errors: dict, key: str, value) -> str:
    text = str(value if value is not None else "").strip().replace("\r\n", "\n")
    if any(ord(char) < 32 and char not in "\n\t" for char in text):
        errors[key] = [_("Les caractères de contrôle ne sont pas permis.")]
    elif len(text) > DESCRIPTION_MAX_LENGTH:
        errors[key] = [_("Au plus %(max)s caractères.") % {"max": DESCRIPTION_MAX_LENGTH}]
    return text


def _chart_and_view(errors: dict, resource, chart, view) -> tuple[dict, dict]:
    """The chart's parameters and the view's filters, checked against the table served now."""
    from . import charts, preview, query, services

    table = services.table_for_resource(resource)
    if table is None or not table.parquet:
        errors["chart"] = [_("Cette ressource n'a pas encore de données tabulaires à représenter.")]
        return {}, {}
    rel = query.relation(services.local_parquet(table))
    if not isinstance(view, dict):
        errors["view"] = [_("Les filtres doivent être un objet {paramètre: valeur}.")]
        return {}, {}
    table_view = preview.TableView.from_params(rel, {str(k): str(v) for k, v in view.items()})
    if table_view.errors:
        errors["view"] = list(table_view.errors.values())
    if not isinstance(chart, dict):
        errors["chart"] = [_("Les paramètres du graphique doivent être un objet.")]
        return {}, table_view.filter_state()
    try:
        params = charts.parse_params(chart, table_view.chart_columns())
    except ValidationError as exc:
        labels = {"type": _("Type de graphique"), "x": _("Axe horizontal (x)"), "y": _("Axe vertical (y)"),
                  "aggregate": _("Mesure"), "color": _("Couleur"), "bins": _("Classes de l'histogramme"),
                  "time_unit": _("Regroupement des dates")}
        errors["chart"] = [f"{labels[key]} : {message}" if key in labels else message
                           for key, messages in exc.message_dict.items() for message in messages]
        return {}, table_view.filter_state()
    return params.as_dict(), table_view.filter_state()


def _apply(visualisation: Visualisation, data: dict, *, creating: bool) -> None:
    allowed = {"title_fr", "title_en", "description_fr", "description_en", "chart", "view"}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - allowed)
    if unknown:
        errors["__all__"] = [_("Champ inconnu : « %(name)s ».") % {"name": str(unknown[0])[:50]}]
    if creating or "title_fr" in data:
        visualisation.title_fr = _line(errors, "title_fr", data.get("title_fr"), required=True)
    if "title_en" in data:
        visualisation.title_en = _line(errors, "title_en", data.get("title_en"))
    for key in ("description_fr", "description_en"):
        if key in data:
            setattr(visualisation, key, _text(errors, key, data.get(key)))
    if creating or "chart" in data or "view" in data:
        chart = data.get("chart", visualisation.chart)
        view = data.get("view", visualisation.view or {})
        visualisation.chart, visualisation.view = _chart_and_view(errors, visualisation.resource, chart, view)
    if errors:
        raise ValidationError(errors)


def visualisation_create(*, actor, resource, data: dict) -> Visualisation:
    """Save a chart of ``resource``'s table: ``data`` has ``title_fr`` (required), ``title_en``,
    ``description_fr``, ``description_en``, ``chart`` (the builder's choices) and ``view`` (the
    table's filters). Editors and admins of the dataset's organisation only."""
    if not can_edit(actor, resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour enregistrer une visualisation."))
    visualisation = Visualisation(dataset=resource.dataset, resource=resource, created_by=actor)
    _apply(visualisation, data, creating=True)
    with transaction.atomic():
        if Visualisation.objects.filter(dataset=resource.dataset).count() >= MAX_PER_DATASET:
            raise ValidationError({"__all__": [_("Un jeu de données a au plus %(max)s visualisations.")
                                               % {"max": MAX_PER_DATASET}]})
        visualisation.save()
    return visualisation


def visualisation_update(*, actor, visualisation: Visualisation, data: dict) -> Visualisation:
    """Change a visualisation (the keys of ``visualisation_create``; those not given are kept)."""
    if not can_edit(actor, visualisation.resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour modifier cette visualisation."))
    _apply(visualisation, data, creating=False)
    visualisation.modified_at = timezone.now()
    with transaction.atomic():
        visualisation.save()
    return visualisation


def visualisation_delete(*, actor, visualisation: Visualisation) -> None:
    if not can_edit(actor, visualisation.resource):
        raise PermissionDenied(_("Vous devez être éditeur ou administrateur de l'organisation de ce jeu de "
                                 "données pour supprimer cette visualisation."))
    with transaction.atomic():
        Visualisation.objects.filter(pk=visualisation.pk).delete()


# --- Showing one -----------------------------------------------------------------------------

def visualisation_render(visualisation: Visualisation) -> dict:
    """The chart of a visualisation over the resource's table served now.

    ``{"spec", "table", "data", "rows"}`` or ``{"error": message}`` when the table is gone or no
    longer has the columns the chart names.
    """
    from . import charts, preview, query, services

    table = services.table_for_resource(visualisation.resource)
    if table is None or not table.parquet:
        return {"error": _("Les données de cette ressource ne sont pas disponibles pour l'instant.")}
    rel = query.relation(services.local_parquet(table))
    view = preview.TableView.from_params(rel, visualisation.view or {})
    try:
        params = charts.parse_params(visualisation.chart or {}, view.chart_columns())
    except ValidationError:
        return {"error": _("Les données ont changé : les colonnes de ce graphique n'existent plus telles quelles. "
                           "Une personne qui publie ce jeu de données peut refaire la visualisation.")}
    title = visualisation.title
    try:
        result = preview.chart(view, params, title="",
                               description=visualisation.description or charts.describe(params))
    except duckdb.Error:
        logger.exception("visualisation %s could not be drawn", visualisation.pk)
        return {"error": _("Ce graphique n'a pas pu être calculé sur les données actuelles.")}
    result.update({"params": params, "view": view, "title": title, "table_id": table.pk})
    return result
