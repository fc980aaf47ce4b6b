"""The learn module's data. The teaching section's pages are Markdown files of the repository
(``content/``); only what people do with them is stored here."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadingProgress(models.Model):
    """A page of a learning path that a signed-in person has marked as read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_progress",
                             verbose_name=_("personne"))
    path = models.SlugField(_("parcours"), max_length=50)
    page = models.SlugField(_("page"), max_length=200)
    read_at = models.DateTimeField(_("lue le"), default=timezone.now)

    class Meta:
        verbose_name = _("page lue")
        verbose_name_plural = _("pages lues")
        constraints = [models.UniqueConstraint(fields=["user", "path", "page"], name="learn_progress_unique")]

    def __str__(self):
        return f"{self.user_id} {self.path}/{self.page}"


# --- Data ecosystems and the registry of data standards (milestone 1.5) ---------------------------

from ouvert.core.i18n import Translated  # noqa: E402

#: A semantic version (``MAJOR.MINOR.PATCH``, an optional pre-release such as ``-rc.1``).
SEMVER_RE = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]{1,40})?$"


class Standard(models.Model):
    """A data standard of the registry (like schema.data.gouv.fr): versions of a Table Schema."""

    name = models.SlugField(_("identifiant"), max_length=100, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=20000)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=20000)
    domain = models.CharField(_("domaine"), max_length=100, blank=True)
    maintainer = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="standards", verbose_name=_("organisation responsable"))
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    links = models.JSONField(_("liens"), default=list, blank=True,
                             help_text=_("Liste de {\"label\": …, \"url\": …}."))
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("standard de données")
        verbose_name_plural = _("standards de données")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StandardVersion(models.Model):
    """One version of a standard: its Table Schema (checked when saved), changelog and status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        DEPRECATED = "deprecated", _("Obsolète")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="versions",
                                 verbose_name=_("standard"))
    version = models.CharField(_("version"), max_length=60)
    major = models.PositiveIntegerField(default=0, editable=False)
    minor = models.PositiveIntegerField(default=0, editable=False)
    patch = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    schema = models.JSONField(_("schéma (Table Schema)"))
    changelog_fr = models.TextField(_("changements (français)"), blank=True, max_length=20000)
    changelog_en = models.TextField(_("changements (anglais)"), blank=True, max_length=20000)
    released_on = models.DateField(_("date"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    changelog = Translated("changelog")

    class Meta:
        verbose_name = _("version de standard")
        verbose_name_plural = _("versions de standards")
        ordering = ["standard", "-major", "-minor", "-patch", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["standard", "version"], name="learn_standard_version_unique")]

    def __str__(self):
        return f"{self.standard.name} {self.version}"


class Ecosystem(models.Model):
    """The stakeholders of a domain: organisations, people, datasets, reuses and shared standards."""

    name = models.SlugField(_("identifiant"), max_length=100, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=20000)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=20000)
    domain = models.CharField(_("domaine"), max_length=100, blank=True)
    standards = models.ManyToManyField(Standard, blank=True, related_name="ecosystems",
                                       verbose_name=_("standards de données"))
    reuses = models.ManyToManyField("catalog.Reuse", blank=True, related_name="ecosystems",
                                    verbose_name=_("réutilisations"))
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("écosystème de données")
        verbose_name_plural = _("écosystèmes de données")
        ordering = ["title_fr"]

    def __str__(self):
        return self.name


class EcosystemOrganisation(models.Model):
    """An organisation in an ecosystem, its role there; coordinators' admins manage the ecosystem."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("écosystème"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="ecosystem_roles",
                                     verbose_name=_("organisation"))
    role_fr = models.CharField(_("rôle (français)"), max_length=300, blank=True)
    role_en = models.CharField(_("rôle (anglais)"), max_length=300, blank=True)
    is_coordinator = models.BooleanField(_("coordonne l'écosystème"), default=False)

    role = Translated("role")

    class Meta:
        verbose_name = _("organisation de l'écosystème")
        verbose_name_plural = _("organisations de l'écosystème")
        ordering = ["ecosystem", "-is_coordinator", "organisation__name_fr"]
        constraints = [models.UniqueConstraint(fields=["ecosystem", "organisation"], name="learn_eco_org_unique")]

    def __str__(self):
        return f"{self.ecosystem_id} {self.organisation_id}"


class EcosystemContact(models.Model):
    """A person of an ecosystem: only what they agreed to show."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="contacts",
                                  verbose_name=_("écosystème"))
    name = models.CharField(_("nom"), max_length=200)
    role_fr = models.CharField(_("rôle (français)"), max_length=300, blank=True)
    role_en = models.CharField(_("rôle (anglais)"), max_length=300, blank=True)
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("organisation"))
    email = models.EmailField(_("courriel public"), blank=True,
                              help_text=_("Seulement si la personne accepte qu'il soit affiché."))
    consented = models.BooleanField(_("a accepté d'être affichée"), default=False)

    role = Translated("role")

    class Meta:
        verbose_name = _("personne-ressource")
        verbose_name_plural = _("personnes-ressources")
        ordering = ["ecosystem", "name"]

    def __str__(self):
        return self.name


class EcosystemDataset(models.Model):
    """A catalogue dataset in an ecosystem, and the standard version it declares it follows."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="datasets",
                                  verbose_name=_("écosystème"))
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="ecosystem_entries",
                                verbose_name=_("jeu de données"))
    standard_version = models.ForeignKey(StandardVersion, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="declarations", verbose_name=_("standard déclaré"))
    declared_at = models.DateTimeField(_("déclaré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeu de données de l'écosystème")
        verbose_name_plural = _("jeux de données de l'écosystème")
        constraints = [models.UniqueConstraint(fields=["ecosystem", "dataset"], name="learn_eco_dataset_unique")]

    def __str__(self):
        return f"{self.ecosystem_id} {self.dataset_id}"


class Conformity(models.Model):
    """Whether a tabular resource conforms to a standard version (the datastore's validation)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Vérification en cours")
        CONFORMS = "conforms", _("Conforme")
        FAILS = "fails", _("Non conforme")
        UNCHECKED = "unchecked", _("Non vérifié")

    resource = models.ForeignKey("catalog.Resource", on_delete=models.CASCADE, related_name="conformities",
                                 verbose_name=_("ressource"))
    standard_version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="conformities",
                                         verbose_name=_("version de standard"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    table_id = models.BigIntegerField(_("table vérifiée"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("erreurs"), default=0)
    first_errors = models.JSONField(_("premières erreurs"), default=list, blank=True)
    report = models.JSONField(_("rapport"), null=True, blank=True)
    reason = models.CharField(_("raison"), max_length=500, blank=True)
    checked_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("conformité")
        verbose_name_plural = _("conformités")
        constraints = [models.UniqueConstraint(fields=["resource", "standard_version"], name="learn_conformity_unique")]

    def __str__(self):
        return f"{self.resource_id} {self.standard_version_id} {self.status}"


class Publication(models.Model):
    """A research publication of the part (such as the CeRTIA study), its findings and document."""

    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=500)
    title_en = models.CharField(_("titre (anglais)"), max_length=500, blank=True)
    authors = models.CharField(_("auteurs"), max_length=500, blank=True)
    institution = models.CharField(_("établissement"), max_length=300, blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    date_is_planned = models.BooleanField(_("date prévue (pas encore parue)"), default=False)
    summary_fr = models.TextField(_("résumé (français)"), blank=True, max_length=20000)
    summary_en = models.TextField(_("résumé (anglais)"), blank=True, max_length=20000)
    findings_fr = models.TextField(_("constats (français)"), blank=True, max_length=20000,
                                   help_text=_("Un constat par ligne."))
    findings_en = models.TextField(_("constats (anglais)"), blank=True, max_length=20000,
                                   help_text=_("Un constat par ligne."))
    document = models.FileField(_("document (PDF)"), upload_to="learn/publications/", blank=True, max_length=300)
    document_size = models.PositiveBigIntegerField(_("taille du document (octets)"), null=True, blank=True,
                                                   editable=False)
    document_type = models.CharField(_("type du document"), max_length=100, blank=True, editable=False)
    ecosystems = models.ManyToManyField(Ecosystem, blank=True, related_name="publications",
                                        verbose_name=_("écosystèmes"))
    source_note = models.TextField(_("source"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    title = Translated("title")
    summary = Translated("summary")

    class Meta:
        verbose_name = _("publication de recherche")
        verbose_name_plural = _("publications de recherche")
        ordering = ["-published_on", "title_fr"]

    def __str__(self):
        return self.title_fr

    @property
    def findings(self) -> list[str]:
        from ouvert.core.i18n import pick

        text = pick(self.findings_fr, self.findings_en)
        return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]
