"""Geographic data of the catalogue's resources.

``GeoResource`` is the geo record of one ``catalog.Resource`` (one-to-one, sharing its UUID): the
layer it serves now (``current_layer``) and the map style its publisher chose.

``GeoLayer`` is one conversion of one source of the resource (an uploaded version or a copy of its
link) into a stored layer, and the job doing it: status, attempts, error. Once done it holds:

- the Parquet file (``default_storage`` at ``geo/<resource id>/<layer id>.parquet``, written by
  DuckDB's spatial extension), one row per feature, ordered along a Hilbert curve of the features'
  centres so that a tile reads few row groups. Columns: ``_fid`` (BIGINT, 1…n, the feature's
  number in the source), the source's attributes (their names kept), ``geometry`` (GEOMETRY in
  WGS84, EPSG:4326, longitude/latitude order, repaired), ``geom_3857`` (GEOMETRY in Web Mercator,
  for tiles), and ``minx``, ``miny``, ``maxx``, ``maxy`` (DOUBLE, the feature's box in EPSG:3857);
- what was found: the source format and coordinate system (``source_crs``, e.g. ``EPSG:32188``;
  ``crs_assumed`` when the source did not say and ``crs_note`` why the assumption was made), the
  geometry types, the feature count, the bounding box in WGS84, the attribute profile, how many
  geometries were repaired and the report of those that could not be.

The swap is atomic as in the datastore: ``current_layer`` moves to a layer only once it is done,
and only forward.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GeoResource(models.Model):
    """The geo record of a resource: the layer served and its map style."""

    resource = models.OneToOneField("catalog.Resource", on_delete=models.CASCADE, primary_key=True,
                                    related_name="geo", verbose_name=_("ressource"))
    current_layer = models.ForeignKey("GeoLayer", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("couche servie"))
    #: ``{"attribute": name, "method": "categories"|"graduated", "classes": n, "palette": name}`` or ``{}``.
    style = models.JSONField(_("style de la carte"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("ressource géographique")
        verbose_name_plural = _("ressources géographiques")

    def __str__(self):
        return str(self.resource_id)


def layer_parquet_name(resource_id, layer_id) -> str:
    """Where the Parquet file of a layer lives in ``default_storage``."""
    return f"geo/{resource_id}/{layer_id}.parquet"


class GeoLayer(models.Model):
    """One conversion of one source of a resource into a stored layer (and the job doing it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("Échouée")

    geo = models.ForeignKey(GeoResource, on_delete=models.CASCADE, related_name="layers",
                            verbose_name=_("ressource géographique"))
    version = models.ForeignKey("catalog.ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("version de la ressource"))
    source_url = models.URLField(_("adresse de la source"), max_length=2000, blank=True)
    source_name = models.CharField(_("nom du fichier source"), max_length=255, blank=True)
    source_size = models.PositiveBigIntegerField(_("taille de la source (octets)"), null=True, blank=True)
    source_format = models.CharField(_("format de la source"), max_length=30, blank=True)

    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finie le"), null=True, blank=True)
    error_code = models.CharField(_("code d'erreur"), max_length=40, blank=True)
    error_message = models.TextField(_("message d'erreur"), blank=True)

    parquet_name = models.CharField(_("fichier Parquet"), max_length=500, blank=True)
    source_crs = models.CharField(_("système de coordonnées de la source"), max_length=100, blank=True)
    crs_assumed = models.BooleanField(_("système de coordonnées supposé"), default=False)
    crs_note = models.TextField(_("note sur le système de coordonnées"), blank=True)
    feature_count = models.PositiveBigIntegerField(_("nombre d'entités"), null=True, blank=True)
    geometry_types = models.JSONField(_("types de géométrie"), default=list, blank=True)
    bbox_west = models.FloatField(_("ouest"), null=True, blank=True)
    bbox_south = models.FloatField(_("sud"), null=True, blank=True)
    bbox_east = models.FloatField(_("est"), null=True, blank=True)
    bbox_north = models.FloatField(_("nord"), null=True, blank=True)
    #: ``[{"name", "type", "nulls", "distinct", "min", "max", "top": [...]}, …]``.
    attributes = models.JSONField(_("profil des attributs"), default=list, blank=True)
    repaired_count = models.PositiveIntegerField(_("géométries réparées"), default=0)
    #: ``{"count": n, "examples": [{"fid", "reason"}, …]}``: geometries left out or left invalid.
    invalid = models.JSONField(_("géométries invalides"), default=dict, blank=True)
    #: ``[{"code", "message", …}, …]``: what the publisher should know (assumed CRS, dropped features…).
    warnings = models.JSONField(_("avertissements"), default=list, blank=True)

    class Meta:
        verbose_name = _("couche géographique")
        verbose_name_plural = _("couches géographiques")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["geo", "-created_at"], name="geo_layer_geo_idx")]
        constraints = [
            models.UniqueConstraint(fields=["version"], condition=Q(version__isnull=False),
                                    name="geo_layer_one_per_version"),
        ]

    def __str__(self):
        return f"{self.geo_id} {self.status}"

    @property
    def bbox(self) -> tuple | None:
        if None in (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north):
            return None
        return (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north)
