"""Free software (engagement 5 of the plan): the government's catalogue of software (described as
``publiccode.yml`` describes it), its use by public bodies with their referents, its status in the catalogue
(recommended, under observation, withdrawn) with its history, the inventory of public bodies' own code
repositories, the practice guides (5.1, 5.2), the evaluation grids that compare candidate solutions, and the
accompaniment requests of public bodies (5.3).

Invariants kept here (the services enforce the rest):

- a software's ``slug`` is unique and stable (its address, its ``publiccode.yml`` export, its open-data row);
- a software's status changes only through ``catalogue.status_set``, which writes a ``StatusChange`` (the
  history) and the audit log; a withdrawn software keeps the reason and the last version recommended;
- a public body declares its use of a software once (one ``Usage`` per software and body), with referents;
- a repository of the inventory is known by its address (unique, normalised);
- in a grid, a candidate has at most one score per criterion; weights are positive;
- an accompaniment request moves submitted → accepted → in progress → completed, or → declined (with a
  reason) from submitted or accepted; every move is an ``AccompanimentEvent`` and an audit entry.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import Translated
from ouvert.core.models import Organisation

USER = settings.AUTH_USER_MODEL
TEXT_MAX_LENGTH = 20_000

wikidata_validator = RegexValidator(r"^Q[1-9]\d{0,11}$", _("Un identifiant Wikidata s'écrit Q suivi de chiffres (Q698)."))


class SoftwareType(models.TextChoices):
    """``softwareType`` of publiccode.yml."""
    WEB = "standalone/web", _("Service web")
    DESKTOP = "standalone/desktop", _("Application de bureau")
    MOBILE = "standalone/mobile", _("Application mobile")
    IOT = "standalone/iot", _("Objet connecté")
    BACKEND = "standalone/backend", _("Service d'arrière-plan")
    OTHER = "standalone/other", _("Autre logiciel autonome")
    ADDON = "addon", _("Extension")
    LIBRARY = "library", _("Bibliothèque")
    CONFIGURATION = "configurationFiles", _("Fichiers de configuration")


class DevelopmentStatus(models.TextChoices):
    """``developmentStatus`` of publiccode.yml."""
    CONCEPT = "concept", _("Concept")
    DEVELOPMENT = "development", _("En développement")
    BETA = "beta", _("Bêta")
    STABLE = "stable", _("Stable")
    OBSOLETE = "obsolete", _("Obsolète")


class CatalogueStatus(models.TextChoices):
    """Where the software stands in the government's catalogue (decided by platform admins)."""
    LISTED = "listed", _("Répertorié")
    OBSERVATION = "observation", _("En observation")
    RECOMMENDED = "recommended", _("Recommandé")
    WITHDRAWN = "withdrawn", _("Retiré")


# --- The catalogue ---------------------------------------------------------------------------------

class Software(models.Model):
    """A software of the catalogue: free software (an SPDX licence expression), or a proprietary product
    named as something a free one can replace (``is_proprietary``: no licence, never recommended)."""

    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    short_description_fr = models.CharField(_("description courte (français)"), max_length=300, blank=True)
    short_description_en = models.CharField(_("description courte (anglais)"), max_length=300, blank=True)
    long_description_fr = models.TextField(_("description (français, Markdown)"), blank=True,
                                           max_length=TEXT_MAX_LENGTH)
    long_description_en = models.TextField(_("description (anglais, Markdown)"), blank=True,
                                           max_length=TEXT_MAX_LENGTH)
    function_fr = models.CharField(_("fonction (français)"), max_length=200, blank=True,
                                   help_text=_("Ce que fait le logiciel, en quelques mots : « traitement de texte »."))
    function_en = models.CharField(_("fonction (anglais)"), max_length=200, blank=True)
    features_fr = models.JSONField(_("fonctionnalités (français)"), default=list, blank=True)
    features_en = models.JSONField(_("fonctionnalités (anglais)"), default=list, blank=True)
    categories = models.JSONField(_("catégories (vocabulaire publiccode.yml)"), default=list, blank=True)
    licence = models.CharField(_("licence (expression SPDX)"), max_length=200, blank=True)
    is_proprietary = models.BooleanField(_("logiciel propriétaire"), default=False)
    latest_version = models.CharField(_("dernière version"), max_length=60, blank=True)
    release_date = models.DateField(_("date de la dernière version"), null=True, blank=True)
    website_url = models.URLField(_("site web"), max_length=500, blank=True)
    repository_url = models.URLField(_("dépôt du code source"), max_length=500, blank=True)
    wikidata_id = models.CharField(_("identifiant Wikidata"), max_length=16, blank=True,
                                   validators=[wikidata_validator])
    logo = models.FileField(_("logo"), upload_to="software/logos/", blank=True, max_length=300)
    software_type = models.CharField(_("type"), max_length=30, choices=SoftwareType.choices, blank=True)
    development_status = models.CharField(_("état du développement"), max_length=20,
                                          choices=DevelopmentStatus.choices, blank=True)
    platforms = models.JSONField(_("plateformes"), default=list, blank=True)
    available_languages = models.JSONField(_("langues de l'interface"), default=list, blank=True)
    accessibility_url = models.URLField(_("déclaration d'accessibilité"), max_length=500, blank=True)
    accessibility_fr = models.TextField(_("accessibilité (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    accessibility_en = models.TextField(_("accessibilité (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    from_quebec_public_body = models.BooleanField(_("vient d'un organisme public québécois"), default=False)
    publisher = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="published_software", verbose_name=_("organisme qui le publie"))
    maintainer_name = models.CharField(_("responsable de la maintenance"), max_length=200, blank=True)
    similar = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("logiciels semblables"))
    replaces = models.ManyToManyField("self", blank=True, symmetrical=False, related_name="replaced_by",
                                      verbose_name=_("peut remplacer"),
                                      help_text=_("Les logiciels, libres ou propriétaires, qu'il peut remplacer."))
    status = models.CharField(_("état au catalogue"), max_length=20, choices=CatalogueStatus.choices,
                              default=CatalogueStatus.LISTED)
    status_reason = models.TextField(_("motif de l'état"), blank=True, max_length=TEXT_MAX_LENGTH)
    last_recommended_version = models.CharField(_("dernière version recommandée"), max_length=60, blank=True)
    publiccode = models.JSONField(_("publiccode.yml importé"), null=True, blank=True,
                                  help_text=_("Le dernier fichier importé, tel qu'il a été lu."))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("ajouté par"))
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    short_description = Translated("short_description")
    long_description = Translated("long_description")
    function = Translated("function")
    accessibility = Translated("accessibility")

    class Meta:
        verbose_name = _("logiciel")
        verbose_name_plural = _("logiciels")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status", "name"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.name


class StatusChange(models.Model):
    """One change of a software's catalogue status: the history shown on its page."""

    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="status_changes",
                                 verbose_name=_("logiciel"))
    status_before = models.CharField(_("état avant"), max_length=20, choices=CatalogueStatus.choices)
    status_after = models.CharField(_("état après"), max_length=20, choices=CatalogueStatus.choices)
    reason = models.TextField(_("motif"), blank=True, max_length=TEXT_MAX_LENGTH)
    last_recommended_version = models.CharField(_("dernière version recommandée"), max_length=60, blank=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("décidé par"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("changement d'état")
        verbose_name_plural = _("changements d'état")
        ordering = ["software", "-created_at", "-pk"]

    def __str__(self):
        return f"{self.software} : {self.status_before} → {self.status_after}"


class Usage(models.Model):
    """A public body's use of a software, declared by one of its members."""

    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="usages",
                                 verbose_name=_("logiciel"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="software_usages",
                                     verbose_name=_("organisme"))
    purpose_fr = models.TextField(_("utilisation (français)"), max_length=TEXT_MAX_LENGTH)
    purpose_en = models.TextField(_("utilisation (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    version = models.CharField(_("version utilisée"), max_length=60, blank=True)
    since = models.DateField(_("utilisé depuis"), null=True, blank=True)
    declared_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("déclaré par"))
    created_at = models.DateTimeField(_("déclaré le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    purpose = Translated("purpose")

    class Meta:
        verbose_name = _("utilisation")
        verbose_name_plural = _("utilisations")
        ordering = ["software", "organisation__name_fr", "pk"]
        constraints = [models.UniqueConstraint(fields=["software", "organisation"], name="software_usage_once")]

    def __str__(self):
        return f"{self.organisation} — {self.software}"


class Referent(models.Model):
    """Someone of the body who can help other bodies with the software."""

    usage = models.ForeignKey(Usage, on_delete=models.CASCADE, related_name="referents",
                              verbose_name=_("utilisation"))
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("compte"))
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("courriel"), blank=True)
    role = models.CharField(_("rôle"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("personne-ressource")
        verbose_name_plural = _("personnes-ressources")
        ordering = ["usage", "position", "pk"]

    def __str__(self):
        return self.name


# --- The inventory of public bodies' code repositories ----------------------------------------------

class CodeRepository(models.Model):
    """A repository of source code published by a public body (on the government forge or elsewhere)."""

    url = models.URLField(_("adresse"), max_length=500, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=TEXT_MAX_LENGTH)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="code_repositories", verbose_name=_("organisme"))
    owner = models.CharField(_("compte ou groupe sur la forge"), max_length=200, blank=True)
    forge = models.CharField(_("forge"), max_length=100, blank=True,
                             help_text=_("gitlab.com, github.com, la forge gouvernementale…"))
    language = models.CharField(_("langage principal"), max_length=60, blank=True)
    licence = models.CharField(_("licence (expression SPDX)"), max_length=200, blank=True)
    topics = models.JSONField(_("sujets"), default=list, blank=True)
    last_activity = models.DateField(_("dernière activité"), null=True, blank=True)
    archived = models.BooleanField(_("archivé"), default=False)
    software = models.ForeignKey(Software, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="code_repositories", verbose_name=_("logiciel du catalogue"))
    imported_at = models.DateTimeField(_("importé le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("dépôt de code")
        verbose_name_plural = _("dépôts de code")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


# --- Practice guides (5.1, 5.2) ---------------------------------------------------------------------

class Guide(models.Model):
    """A practice guide, in French and English (Markdown)."""

    class Topic(models.TextChoices):
        COMMUNITIES = "communities", _("Participer aux communautés du logiciel libre")
        PUBLISHING = "publishing", _("Publier du code source")
        INTEROPERABILITY = "interoperability", _("Interopérabilité et normes ouvertes")
        EXPERIMENTING = "experimenting", _("Expérimenter une solution libre")

    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    topic = models.CharField(_("thème"), max_length=30, choices=Topic.choices)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    summary_fr = models.TextField(_("résumé (français)"), blank=True, max_length=2000)
    summary_en = models.TextField(_("résumé (anglais)"), blank=True, max_length=2000)
    body_fr = models.TextField(_("texte (français, Markdown)"), max_length=200_000)
    body_en = models.TextField(_("texte (anglais, Markdown)"), blank=True, max_length=200_000)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    #: SHA-256 of the shipped text last loaded into this guide (``guides.guides_sync``): a guide whose text no
    #: longer matches it was edited by the team and is never overwritten.
    source_hash = models.CharField(_("empreinte du texte livré"), max_length=64, blank=True, editable=False)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    title = Translated("title")
    summary = Translated("summary")
    body = Translated("body")

    class Meta:
        verbose_name = _("guide de pratiques")
        verbose_name_plural = _("guides de pratiques")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title_fr


# --- Evaluation grids (5.2) -------------------------------------------------------------------------

class Grid(models.Model):
    """A body's comparison of candidate solutions against its needs, as weighted criteria."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Privée (l'organisme seulement)")
        PUBLIC = "public", _("Partagée (tout le monde peut la lire et la copier)")

    title = models.CharField(_("titre"), max_length=300)
    needs = models.TextField(_("besoins"), blank=True, max_length=TEXT_MAX_LENGTH)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="software_grids",
                                     verbose_name=_("organisme"))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("créée par"))
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PRIVATE)
    is_template = models.BooleanField(_("modèle"), default=False,
                                      help_text=_("Proposée comme point de départ : ses critères se copient."))
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
                                    verbose_name=_("copiée de"))
    scale_max = models.PositiveSmallIntegerField(_("note maximale"), default=5,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("grille d'évaluation")
        verbose_name_plural = _("grilles d'évaluation")
        ordering = ["-updated_at", "pk"]

    def __str__(self):
        return self.title


class Criterion(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("grille"))
    name = models.CharField(_("critère"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    weight = models.DecimalField(_("poids"), max_digits=7, decimal_places=2, default=Decimal("1"),
                                 validators=[MinValueValidator(Decimal("0.01"))])
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["grid", "position", "pk"]

    def __str__(self):
        return self.name


class Candidate(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("grille"))
    name = models.CharField(_("solution"), max_length=200)
    software = models.ForeignKey(Software, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("logiciel du catalogue"))
    is_free = models.BooleanField(_("logiciel libre"), default=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("solution candidate")
        verbose_name_plural = _("solutions candidates")
        ordering = ["grid", "position", "pk"]

    def __str__(self):
        return self.name


class Score(models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("critère"))
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("solution"))
    value = models.DecimalField(_("note"), max_digits=6, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    note = models.TextField(_("justification"), blank=True, max_length=5000)
    evidence_url = models.URLField(_("preuve (adresse)"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [models.UniqueConstraint(fields=["criterion", "candidate"], name="software_score_once")]

    def __str__(self):
        return f"{self.candidate} × {self.criterion} : {self.value}"


# --- Accompaniment (5.3) ----------------------------------------------------------------------------

class AccompanimentStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Soumise")
    ACCEPTED = "accepted", _("Acceptée")
    IN_PROGRESS = "in_progress", _("En cours")
    COMPLETED = "completed", _("Terminée")
    DECLINED = "declined", _("Refusée")


class AccompanimentRequest(models.Model):
    """A public body asks the platform's team to accompany it in a free-software initiative."""

    reference = models.CharField(_("numéro"), max_length=20, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="accompaniments",
                                     verbose_name=_("organisme"))
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("demandé par"))
    title = models.CharField(_("objet"), max_length=300)
    need = models.TextField(_("besoin"), max_length=TEXT_MAX_LENGTH)
    software = models.ForeignKey(Software, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="accompaniments", verbose_name=_("logiciel du catalogue"))
    software_name = models.CharField(_("logiciel visé"), max_length=200, blank=True)
    context = models.TextField(_("contexte"), blank=True, max_length=TEXT_MAX_LENGTH)
    wished_start = models.DateField(_("début souhaité"), null=True, blank=True)
    wished_end = models.DateField(_("fin souhaitée"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=20, choices=AccompanimentStatus.choices,
                              default=AccompanimentStatus.SUBMITTED)
    decline_reason = models.TextField(_("motif du refus"), blank=True, max_length=TEXT_MAX_LENGTH)
    assigned_to = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("accompagnateur"))
    created_at = models.DateTimeField(_("soumise le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    completed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("demande d'accompagnement")
        verbose_name_plural = _("demandes d'accompagnement")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.reference} — {self.title}"


class AccompanimentEvent(models.Model):
    """A move of a request (its history): a status change, a note, a document."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Changement d'état")
        NOTE = "note", _("Note")
        DOCUMENT = "document", _("Document")

    request = models.ForeignKey(AccompanimentRequest, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("demande"))
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    status_before = models.CharField(_("état avant"), max_length=20, choices=AccompanimentStatus.choices,
                                     blank=True)
    status_after = models.CharField(_("état après"), max_length=20, choices=AccompanimentStatus.choices,
                                    blank=True)
    text = models.TextField(_("texte"), blank=True, max_length=TEXT_MAX_LENGTH)
    is_internal = models.BooleanField(_("interne à l'équipe"), default=False,
                                      help_text=_("Une note interne n'est pas montrée à l'organisme demandeur."))
    file = models.FileField(_("document"), upload_to="software/accompaniments/", blank=True, max_length=300)
    file_name = models.CharField(_("nom du document"), max_length=255, blank=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("par"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("événement d'accompagnement")
        verbose_name_plural = _("événements d'accompagnement")
        ordering = ["request", "created_at", "pk"]

    def __str__(self):
        return f"{self.request.reference} : {self.get_kind_display()}"
