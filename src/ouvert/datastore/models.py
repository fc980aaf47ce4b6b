"""Tabular data of the catalogue's resources, served from Parquet files through DuckDB.

``Datastore`` is the datastore record of one ``catalog.Resource`` (one-to-one, sharing its UUID):
the table it serves now (``current_table``) and the resource's Frictionless Table Schema (the
data dictionary, editable, with field descriptions in French and English).

``DatastoreTable`` is one ingestion of one source of the resource: an uploaded version
(``version``) or a copy fetched from the resource's link (``source_url``). It is also the job of
that ingestion: status, attempts, heartbeat, error. Once done it holds the Parquet file (under
``default_storage`` at ``datastore/<resource id>/<table id>.parquet``), the row count, the columns,
the column profile, what detection found, the warnings, the ragged-row report and the validation
report against the schema.

The atomic swap: ``current_table`` moves to a table only once that table is done, and only
forward (a newer table); a failed or interrupted ingestion leaves the previous table served.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Datastore(models.Model):
    """The datastore record of a resource: the table served and the resource's Table Schema."""

    resource = models.OneToOneField("catalog.Resource", on_delete=models.CASCADE, primary_key=True,
                                    related_name="datastore", verbose_name=_("ressource"))
    current_table = models.ForeignKey("DatastoreTable", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("table servie"))
    schema = models.JSONField(_("schéma de table"), default=dict, blank=True,
                              help_text=_("Table Schema de Frictionless : champs, types, contraintes, "
                                          "descriptions en français et en anglais."))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("magasin de données")
        verbose_name_plural = _("magasins de données")

    def __str__(self):
        return str(self.resource_id)


def parquet_name(resource_id, table_id) -> str:
    """Where the Parquet file of a table lives in ``default_storage``."""
    return f"datastore/{resource_id}/{table_id}.parquet"


class DatastoreTable(models.Model):
    """One ingestion of one source of a resource into a Parquet table (and the job doing it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("Échouée")

    class Origin(models.TextChoices):
        UPLOAD = "upload", _("Fichier téléversé")
        LINK = "link", _("Copie du lien")
        LOAD = "load", _("Chargement en ligne de commande")

    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE, related_name="tables",
                                  verbose_name=_("magasin de données"))
    origin = models.CharField(_("origine"), max_length=10, choices=Origin.choices)
    version = models.ForeignKey("catalog.ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("version de la ressource"))
    source_url = models.URLField(_("adresse de la source"), max_length=2000, blank=True)
    source_name = models.CharField(_("nom du fichier source"), max_length=255, blank=True)
    source_size = models.PositiveBigIntegerField(_("taille de la source (octets)"), null=True, blank=True)
    source_sha256 = models.CharField(_("empreinte SHA-256 de la source"), max_length=64, blank=True)

    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finie le"), null=True, blank=True)
    stage = models.CharField(_("étape"), max_length=20, blank=True)
    error_code = models.CharField(_("code d'erreur"), max_length=50, blank=True)
    error_message = models.TextField(_("erreur"), blank=True)

    parquet = models.CharField(_("fichier Parquet"), max_length=500, blank=True)
    parquet_size = models.PositiveBigIntegerField(_("taille du fichier Parquet (octets)"), null=True, blank=True)
    rows = models.PositiveBigIntegerField(_("lignes"), null=True, blank=True)
    columns = models.JSONField(_("colonnes"), default=list, blank=True,
                               help_text=_('[{"name", "type", "duckdb_type"}, …]'))
    profile = models.JSONField(_("profil des colonnes"), default=list, blank=True)
    info = models.JSONField(_("détection"), default=dict, blank=True,
                            help_text=_("Format, encodage, séparateur, ligne d'en-tête… trouvés à la lecture."))
    warnings = models.JSONField(_("avertissements"), default=list, blank=True)
    ragged = models.JSONField(_("lignes de longueur irrégulière"), default=dict, blank=True)
    validation = models.JSONField(_("rapport de validation"), null=True, blank=True)
    validation_valid = models.BooleanField(_("valide"), null=True, blank=True)
    validation_errors = models.PositiveIntegerField(_("erreurs de validation"), null=True, blank=True)

    class Meta:
        verbose_name = _("table de données")
        verbose_name_plural = _("tables de données")
        ordering = ["datastore", "-id"]
        indexes = [
            models.Index(fields=["datastore", "-id"], name="datastore_table_latest_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="datastore_table_status_idx",
                         condition=Q(status__in=["pending", "running"])),
        ]

    def __str__(self):
        return f"{self.datastore_id} #{self.pk} ({self.status})"

    @property
    def resource_id(self):
        return self.datastore_id

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


from .visualisations import Visualisation  # noqa
