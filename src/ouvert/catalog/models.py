"""The open-data catalogue: datasets, resources and their file versions, licences, themes, tags, activity.

Identifiers follow CKAN so that CKAN clients work unchanged: datasets and resources have a
UUID ``id`` and datasets a unique ``name`` (slug). Fields CKAN knows and Ouvert does not
model (ckanext-scheming fields, for instance) are kept verbatim in ``extra_fields`` and come
back out at the top level of the dataset dictionary; CKAN ``extras`` (key/value pairs) live in
``extras``.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ouvert.core.i18n import Translated

#: Upper bound for free-text fields (characters).
TEXT_MAX_LENGTH = 100_000

name_validator = RegexValidator(
    r"^[a-z0-9_-]{2,100}$",
    _("Utilisez de 2 à 100 caractères : lettres minuscules sans accents, chiffres, « - » et « _ »."),
)


class Licence(models.Model):
    """An entry of the licence registry (``license_list``)."""

    id = models.CharField(_("identifiant"), max_length=100, primary_key=True)
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    url = models.URLField(_("adresse"), max_length=500, blank=True)
    is_open = models.BooleanField(_("licence ouverte"), default=True,
                                  help_text=_("Conforme à la définition de l'Open Definition."))
    is_default = models.BooleanField(_("licence par défaut"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="catalog_licence_one_default"),
        ]

    def __str__(self):
        return self.title

    title = Translated("title")


class Theme(models.Model):
    """A theme (a CKAN *group*) that gathers datasets across publishers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("identifiant"), max_length=100, unique=True, validators=[name_validator])
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    image_url = models.URLField(_("image"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["name"]

    def __str__(self):
        return self.title

    title = Translated("title")
    description = Translated("description")


class Tag(models.Model):
    """A free tag (``tags`` in CKAN). Stored as written; unique case-insensitively by ``name``."""

    name = models.CharField(_("mot-clé"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("mot-clé")
        verbose_name_plural = _("mots-clés")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Dataset(models.Model):
    """A dataset (a CKAN *package*)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        ACTIVE = "active", _("Publié")
        DELETED = "deleted", _("Supprimé")

    class Frequency(models.TextChoices):
        # Codes of the EU Publications Office "frequency" vocabulary, used by DCAT-AP.
        CONTINUOUS = "CONT", _("En continu")
        DAILY = "DAILY", _("Quotidienne")
        WEEKLY = "WEEKLY", _("Hebdomadaire")
        MONTHLY = "MONTHLY", _("Mensuelle")
        QUARTERLY = "QUARTERLY", _("Trimestrielle")
        ANNUAL = "ANNUAL", _("Annuelle")
        IRREGULAR = "IRREG", _("Irrégulière")
        NEVER = "NEVER", _("Jamais (données historiques)")
        UNKNOWN = "UNKNOWN", _("Inconnue")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("identifiant"), max_length=100, unique=True, validators=[name_validator])
    title_fr = models.CharField(_("titre (français)"), max_length=500)
    title_en = models.CharField(_("titre (anglais)"), max_length=500, blank=True)
    notes_fr = models.TextField(_("description (français)"), blank=True, max_length=TEXT_MAX_LENGTH,
                                help_text=_("En Markdown; le HTML dangereux est retiré à l'affichage."))
    notes_en = models.TextField(_("description (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="datasets",
                                     verbose_name=pgettext_lazy("publisher", "éditeur"))
    themes = models.ManyToManyField(Theme, blank=True, related_name="datasets", verbose_name=_("thèmes"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("mots-clés"))
    keywords = models.JSONField(_("mots-clés par langue"), default=dict, blank=True,
                                help_text=_('Par exemple {"fr": ["vélo"], "en": ["bicycle"]}.'))
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="datasets",
                                verbose_name=_("licence"))
    author = models.CharField(_("auteur"), max_length=300, blank=True)
    author_email = models.EmailField(_("courriel de l'auteur"), blank=True)
    maintainer = models.CharField(_("point de contact"), max_length=300, blank=True)
    maintainer_email = models.EmailField(_("courriel du point de contact"), blank=True)
    frequency = models.CharField(_("fréquence de mise à jour"), max_length=10, choices=Frequency.choices,
                                 blank=True)
    temporal_start = models.DateField(_("début de la couverture temporelle"), null=True, blank=True)
    temporal_end = models.DateField(_("fin de la couverture temporelle"), null=True, blank=True)
    spatial_name = models.CharField(_("couverture géographique"), max_length=300, blank=True,
                                    help_text=_("Région nommée, par exemple « Montréal (06) »."))
    bbox_west = models.FloatField(_("ouest"), null=True, blank=True)
    bbox_south = models.FloatField(_("sud"), null=True, blank=True)
    bbox_east = models.FloatField(_("est"), null=True, blank=True)
    bbox_north = models.FloatField(_("nord"), null=True, blank=True)
    # The coverage computed from the dataset's geographic resources (``ouvert.geo.spatial``, set through
    # ``services.dataset_coverage_set``): the union of their current layers' boxes, used by the spatial
    # search when no box is declared above, and a small simplified footprint (GeoJSON geometry in WGS84).
    coverage_west = models.FloatField(_("ouest (calculé)"), null=True, blank=True, editable=False)
    coverage_south = models.FloatField(_("sud (calculé)"), null=True, blank=True, editable=False)
    coverage_east = models.FloatField(_("est (calculé)"), null=True, blank=True, editable=False)
    coverage_north = models.FloatField(_("nord (calculé)"), null=True, blank=True, editable=False)
    coverage_footprint = models.JSONField(_("emprise simplifiée (GeoJSON)"), null=True, blank=True, editable=False)
    languages = models.JSONField(_("langues"), default=list, blank=True,
                                 help_text=_("Codes ISO 639-1 des langues des données, par exemple [\"fr\", \"en\"]."))
    version = models.CharField(_("version"), max_length=100, blank=True)
    url = models.URLField(_("source"), max_length=1000, blank=True)
    private = models.BooleanField(_("privé"), default=False,
                                  help_text=_("Visible seulement par les membres de l'éditeur."))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.ACTIVE)
    extras = models.JSONField(_("champs libres"), default=dict, blank=True,
                              help_text=_("Paires clé-valeur (« extras » de CKAN)."))
    extra_fields = models.JSONField(_("autres champs CKAN"), default=dict, blank=True,
                                    help_text=_("Champs reçus d'un CKAN que le modèle ne connaît pas, rendus tels quels."))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("créé par"))
    view_count = models.PositiveBigIntegerField(
        _("consultations"), default=0, editable=False,
        help_text=_("Nombre de consultations de la page du jeu de données (robots exclus)."))

    class Meta:
        verbose_name = _("jeu de données")
        verbose_name_plural = _("jeux de données")
        ordering = ["-modified_at"]
        indexes = [
            models.Index(fields=["state", "private", "-modified_at"], name="catalog_dataset_list_idx"),
            models.Index(fields=["organisation", "state"], name="catalog_dataset_org_idx"),
            # Searches sorted by date walk these and test each dataset against the matches.
            models.Index(fields=["-modified_at", "name"], name="catalog_dataset_modified_idx"),
            models.Index(fields=["-created_at", "name"], name="catalog_dataset_created_idx"),
            # The spatial search (``ext_bbox``): declared boxes, then computed ones.
            models.Index(fields=["bbox_west", "bbox_east", "bbox_south", "bbox_north"], name="catalog_dataset_bbox_idx"),
            models.Index(fields=["coverage_west", "coverage_east", "coverage_south", "coverage_north"],
                         name="catalog_dataset_coverage_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(temporal_end__isnull=True) | Q(temporal_start__isnull=True)
                | Q(temporal_end__gte=models.F("temporal_start")),
                name="catalog_dataset_temporal_ordered"),
        ]

    def __str__(self):
        return self.title

    title = Translated("title")
    notes = Translated("notes")


class DatasetNameRedirect(models.Model):
    """An old ``name`` of a renamed dataset, so that its old URLs keep working."""

    old_name = models.CharField(_("ancien identifiant"), max_length=100, unique=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="old_names",
                                verbose_name=_("jeu de données"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("ancien identifiant")
        verbose_name_plural = _("anciens identifiants")
        ordering = ["old_name"]

    def __str__(self):
        return f"{self.old_name} → {self.dataset.name}"


class Resource(models.Model):
    """A resource of a dataset: a link, or an uploaded file with every version kept."""

    class Kind(models.TextChoices):
        LINK = "link", _("Lien")
        UPLOAD = "upload", _("Fichier téléversé")

    class State(models.TextChoices):
        ACTIVE = "active", _("Actif")
        DELETED = "deleted", _("Supprimé")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources",
                                verbose_name=_("jeu de données"))
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.LINK)
    name_fr = models.CharField(_("nom (français)"), max_length=500, blank=True)
    name_en = models.CharField(_("nom (anglais)"), max_length=500, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    url = models.URLField(_("adresse"), max_length=2000, blank=True,
                          help_text=_("Pour un lien; un fichier téléversé est servi par la plateforme."))
    format = models.CharField(_("format"), max_length=50, blank=True)
    media_type = models.CharField(_("type de média"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    current_version = models.ForeignKey("ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("version courante"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.ACTIVE)
    extra_fields = models.JSONField(_("autres champs CKAN"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["dataset", "position", "created_at"]
        indexes = [models.Index(fields=["dataset", "state", "position"], name="catalog_resource_order_idx")]

    def __str__(self):
        return self.name or str(self.id)

    name = Translated("name")
    description = Translated("description")


def resource_upload_path(instance, filename):
    return f"catalog/{instance.resource.dataset_id}/{instance.resource_id}/v{instance.number}/{filename}"


class ResourceVersion(models.Model):
    """One uploaded file of a resource. Every upload is a new version; old ones stay downloadable."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions",
                                 verbose_name=_("ressource"))
    number = models.PositiveIntegerField(_("numéro"))
    file = models.FileField(_("fichier"), upload_to=resource_upload_path, max_length=500)
    filename = models.CharField(_("nom du fichier"), max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    media_type = models.CharField(_("type de média"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("téléversée le"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("téléversée par"))

    class Meta:
        verbose_name = _("version de ressource")
        verbose_name_plural = _("versions de ressources")
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="catalog_resourceversion_unique"),
        ]

    def __str__(self):
        return f"{self.resource} v{self.number}"


class Activity(models.Model):
    """One entry of the activity stream: who created, changed or deleted what, with the diff."""

    class Type(models.TextChoices):
        # CKAN's activity types, so that ``*_activity_list`` answers as CKAN does.
        NEW_PACKAGE = "new package", _("Création")
        CHANGED_PACKAGE = "changed package", _("Modification")
        DELETED_PACKAGE = "deleted package", _("Suppression")
        # Not CKAN's: entries other modules add (``services.activity_note``).
        CERTIFICATION = "certification", _("Certification")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="activities",
                                verbose_name=_("jeu de données"))
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=pgettext_lazy("publisher", "éditeur"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("auteur"))
    activity_type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    timestamp = models.DateTimeField(_("date"), default=timezone.now)
    snapshot = models.JSONField(_("état après le changement"), default=dict,
                                help_text=_("Le dictionnaire du jeu de données après le changement."))
    diff = models.JSONField(_("différences"), default=dict, blank=True,
                            help_text=_("Pour chaque champ changé : valeur avant et après."))

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["dataset", "-timestamp"], name="catalog_activity_dataset_idx"),
            models.Index(fields=["organisation", "-timestamp"], name="catalog_activity_org_idx"),
            models.Index(fields=["-timestamp"], name="catalog_activity_recent_idx"),
        ]

    def __str__(self):
        return f"{self.activity_type} {self.dataset_id} {self.timestamp:%Y-%m-%d %H:%M}"


class Reuse(models.Model):
    """A reuse of open data (réutilisation): an application, an article, a visualisation, a research
    paper or an API made with the catalogue's datasets. Submitted by a signed-in person, shown once a
    moderator publishes it."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Application")
        ARTICLE = "article", _("Article")
        VISUALISATION = "visualisation", _("Visualisation")
        PAPER = "paper", _("Publication de recherche")
        API = "api", _("API")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de modération")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("nom (adresse)"), max_length=100, unique=True, allow_unicode=False)
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.APPLICATION)
    url = models.URLField(_("adresse"), max_length=1000)
    image = models.FileField(_("image"), upload_to="reuses/", blank=True, max_length=300)
    thumbnail = models.FileField(_("vignette"), upload_to="reuses/thumbnails/", blank=True, max_length=300)
    author_name = models.CharField(_("auteur ou organisme"), max_length=200, blank=True)
    datasets = models.ManyToManyField(Dataset, related_name="reuses", blank=True, verbose_name=_("jeux de données"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="reuses", verbose_name=_("proposée par"))
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.PENDING)
    moderation_note = models.TextField(_("motif de la décision"), blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("modérée par"))
    moderated_at = models.DateTimeField(_("modérée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("réutilisation")
        verbose_name_plural = _("réutilisations")
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["status", "-published_at"], name="catalog_reuse_status_idx")]
        permissions = [("moderate_reuse", _("Peut modérer les réutilisations"))]
        constraints = [
            # One proposal per person and link (a refused one may be proposed again): a double submit fails.
            models.UniqueConstraint(fields=["submitted_by", "url"], condition=~models.Q(status="rejected"),
                                    name="catalog_reuse_one_link_per_person"),
        ]

    def __str__(self):
        return self.title_fr
