"""Harvesting: remote catalogues (CKAN, DCAT) copied into the catalogue, incrementally.

A ``HarvestSource`` names a remote catalogue and the organisation that will own what it
brings; each run is a ``HarvestJob`` (gather, fetch, import), and each remote dataset a run
touches is a ``HarvestObject`` carrying its outcome and, when it failed, its error, so that
the job's report says what happened to every dataset.

Harvested datasets remember where they come from in their CKAN ``extras``
(``harvest_source_id``, ``harvest_source_title``, ``harvest_remote_id``, ``harvest_remote_name``),
so that a later run updates them instead of creating copies.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

source_name_validator = RegexValidator(
    r"^[a-z0-9_-]{2,100}$",
    _("Utilisez de 2 à 100 caractères : lettres minuscules sans accents, chiffres, « - » et « _ »."),
)


class HarvestSource(models.Model):
    """A remote catalogue harvested into the catalogue."""

    class Type(models.TextChoices):
        CKAN = "ckan", _("CKAN (API Action v3)")
        DCAT = "dcat", _("DCAT (catalogue RDF paginé)")

    class Frequency(models.TextChoices):
        MANUAL = "manual", _("Manuelle")
        HOURLY = "hourly", _("Chaque heure")
        DAILY = "daily", _("Chaque jour")
        WEEKLY = "weekly", _("Chaque semaine")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("identifiant"), max_length=100, unique=True, validators=[source_name_validator])
    title = models.CharField(_("titre"), max_length=300)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    url = models.URLField(_("adresse"), max_length=1000,
                          help_text=_("CKAN : l'adresse du site (sans /api/3/action). DCAT : l'adresse du "
                                      "catalogue (Turtle, RDF/XML ou JSON-LD)."))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="harvest_sources",
                                     verbose_name=_("éditeur des jeux moissonnés"))
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.MANUAL)
    config = models.JSONField(_("configuration"), default=dict, blank=True,
                              help_text=_('Par exemple {"fq": "organization:statcan", "rows": 100} pour CKAN, '
                                          '{"format": "turtle", "max_pages": 100} pour DCAT.'))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("créée par"))

    class Meta:
        verbose_name = _("source de moissonnage")
        verbose_name_plural = _("sources de moissonnage")
        ordering = ["name"]

    def __str__(self):
        return self.title or self.name


class HarvestJob(models.Model):
    """One run of a source: gather the remote ids, fetch what changed, import it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        FINISHED = "finished", _("Terminée")
        FAILED = "failed", _("Échouée")

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="jobs",
                               verbose_name=_("source"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    full = models.BooleanField(_("complète"), default=False,
                               help_text=_("Tout relire, pas seulement ce qui a changé depuis la dernière réussite."))
    since = models.DateTimeField(_("changements depuis"), null=True, blank=True)
    gathered = models.BooleanField(_("collecte faite"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finie le"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    created = models.PositiveIntegerField(_("créés"), default=0)
    updated = models.PositiveIntegerField(_("modifiés"), default=0)
    deleted = models.PositiveIntegerField(_("supprimés"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangés"), default=0)
    errors = models.PositiveIntegerField(_("erreurs"), default=0)
    report = models.JSONField(_("rapport"), default=dict, blank=True,
                              help_text=_("Erreurs de la collecte, avertissements."))

    class Meta:
        verbose_name = _("moisson")
        verbose_name_plural = _("moissons")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "-created_at"], name="harvest_job_source_idx")]
        constraints = [
            # At most one unfinished job per source: the guard against two runs at once.
            models.UniqueConstraint(fields=["source"], condition=Q(status__in=["pending", "running"]),
                                    name="harvest_job_one_unfinished"),
        ]

    def __str__(self):
        return f"{self.source.name} #{self.pk} ({self.status})"

    @property
    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted,
                "unchanged": self.unchanged, "errors": self.errors}


class HarvestObject(models.Model):
    """One remote dataset in one job, and what became of it."""

    class Action(models.TextChoices):
        IMPORT = "import", _("Importer")
        DELETE = "delete", _("Supprimer")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        CREATED = "created", _("Créé")
        UPDATED = "updated", _("Modifié")
        UNCHANGED = "unchanged", _("Inchangé")
        DELETED = "deleted", _("Supprimé")
        ERROR = "error", _("Erreur")

    job = models.ForeignKey(HarvestJob, on_delete=models.CASCADE, related_name="harvest_objects",
                            verbose_name=_("moisson"))
    guid = models.CharField(_("identifiant distant"), max_length=1000,
                            help_text=_("CKAN : l'id du jeu de données; DCAT : son URI ou dct:identifier."))
    remote_name = models.CharField(_("nom distant"), max_length=500, blank=True)
    remote_modified = models.CharField(_("modifié à la source le"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.IMPORT)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    content = models.JSONField(_("contenu"), null=True, blank=True,
                               help_text=_("Ce que la source a donné (CKAN : package_show; DCAT : le jeu lu)."))
    content_hash = models.CharField(_("empreinte du contenu"), max_length=64, blank=True)
    error = models.JSONField(_("erreur"), null=True, blank=True)
    dataset = models.ForeignKey("catalog.Dataset", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("jeu de données"))
    position = models.PositiveIntegerField(_("ordre"), default=0)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("objet moissonné")
        verbose_name_plural = _("objets moissonnés")
        ordering = ["job", "position", "id"]
        indexes = [
            models.Index(fields=["job", "status"], name="harvest_object_job_idx"),
            models.Index(fields=["guid"], name="harvest_object_guid_idx"),
        ]

    def __str__(self):
        return f"{self.remote_name or self.guid} ({self.status})"
