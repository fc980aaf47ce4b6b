"""Open science (engagement 2 of the plan): the Fonds de recherche du Québec's open-access policy as
versioned rules, the registry of the publications they fund with each one's compliance verdict, the
deposits harvested from institutional repositories (OAI-PMH), the researchers' FAQ and the training
webinars.

Invariants kept here (the services enforce the rest):

- a fund's policy versions are ordered by ``effective_from`` (one per fund and day); the version that
  applies to a publication is the latest one in force on its publication date;
- a publication's DOI, once given, is unique (stored lower-case, without ``https://doi.org/``);
- a publication is never deleted while it is public: it is *withdrawn* (``withdrawn_at``), which the
  OAI-PMH provider announces as a deleted record;
- a verdict lives on each funding (publication × fund × grant): the fund's policy decides; the
  publication keeps the summary (``compliance``) for lists and search;
- a person holds at most one active registration (confirmed or waiting) per webinar.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ouvert.core.i18n import Translated
from ouvert.core.models import Organisation

from .identifiers import title_normalize

USER = settings.AUTH_USER_MODEL

orcid_validator = RegexValidator(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$",
                                 _("Un ORCID s'écrit 0000-0002-1825-0097 (seize caractères en quatre groupes)."))
issn_validator = RegexValidator(r"^\d{4}-\d{3}[\dX]$", _("Un ISSN s'écrit 1234-567X (huit caractères)."))


class Compliance(models.TextChoices):
    COMPLIANT = "compliant", _("Conforme")
    NOT_COMPLIANT = "not_compliant", _("Non conforme")
    UNKNOWN = "unknown", _("Indéterminé")


class Version(models.TextChoices):
    """The version of an article (NISO JAV): what may be deposited."""
    SUBMITTED = "submitted", _("Manuscrit soumis (prépublication)")
    ACCEPTED = "accepted", _("Manuscrit accepté (version de l'auteur)")
    PUBLISHED = "published", _("Version publiée (version de l'éditeur)")


class OAStatus(models.TextChoices):
    """The open-access status observed (Unpaywall's vocabulary)."""
    GOLD = "gold", _("Or (revue en libre accès)")
    GREEN = "green", _("Vert (copie en dépôt ouvert)")
    HYBRID = "hybrid", _("Hybride (article ouvert dans une revue sur abonnement)")
    BRONZE = "bronze", _("Bronze (lisible sans licence ouverte)")
    CLOSED = "closed", _("Fermé")


# --- The policy ------------------------------------------------------------------------------------

class Fund(models.Model):
    """A research fund that funds publications and sets the policy they follow (FRQNT, FRQS, FRQSC)."""

    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    acronym = models.CharField(_("sigle"), max_length=20)
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="science_funds", verbose_name=_("organisme"))
    url = models.URLField(_("site"), blank=True, max_length=500)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    name = Translated("name")

    class Meta:
        verbose_name = _("fonds de recherche")
        verbose_name_plural = _("fonds de recherche")
        ordering = ["position", "acronym"]

    def __str__(self):
        return self.acronym


class PolicyVersion(models.Model):
    """One version of a fund's open-access policy, in force from ``effective_from`` until the next one.

    ``routes`` says which compliance routes this version accepts and with what parameters, e.g.
    ``{"journal": {}, "repository": {"versions": ["accepted", "published"]}}`` (see ``compliance.ROUTES``);
    ``licences`` lists the SPDX identifiers an open copy may carry (empty: any licence);
    ``max_embargo_months`` is the delay allowed between publication and the open copy (0: immediate)."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="policy_versions",
                             verbose_name=_("fonds"))
    code = models.SlugField(_("code"), max_length=40)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    summary_fr = models.TextField(_("résumé (français, Markdown)"), blank=True)
    summary_en = models.TextField(_("résumé (anglais, Markdown)"), blank=True)
    url = models.URLField(_("texte de la politique"), blank=True, max_length=500)
    effective_from = models.DateField(_("en vigueur à partir du"))
    max_embargo_months = models.PositiveSmallIntegerField(_("embargo permis (mois, 0 : immédiat)"), default=0)
    licences = models.JSONField(_("licences acceptées (SPDX ; vide : toutes)"), default=list, blank=True)
    routes = models.JSONField(_("voies de conformité et leurs paramètres"), default=dict, blank=True)
    rights_retention_fr = models.TextField(_("formule de rétention des droits (français)"), blank=True)
    rights_retention_en = models.TextField(_("formule de rétention des droits (anglais)"), blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    title = Translated("title")
    summary = Translated("summary")
    rights_retention = Translated("rights_retention")

    class Meta:
        verbose_name = _("version de politique")
        verbose_name_plural = _("versions de politique")
        ordering = ["fund", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "effective_from"], name="science_policy_one_per_day"),
            models.UniqueConstraint(fields=["fund", "code"], name="science_policy_code_unique"),
        ]

    def __str__(self):
        return f"{self.fund} — {self.title_fr}"


class Journal(models.Model):
    """A journal of the local registry (imported from a DOAJ-style CSV or entered by hand): whether it is
    fully open access, and under which licences it publishes."""

    title = models.CharField(_("titre"), max_length=500)
    title_normalized = models.CharField(_("titre normalisé"), max_length=500, db_index=True, editable=False)
    issn_print = models.CharField(_("ISSN (imprimé)"), max_length=9, blank=True, db_index=True,
                                  validators=[issn_validator])
    issn_electronic = models.CharField(_("ISSN (électronique)"), max_length=9, blank=True, db_index=True,
                                       validators=[issn_validator])
    publisher = models.CharField(_("éditeur"), max_length=300, blank=True)
    is_open_access = models.BooleanField(_("revue entièrement en libre accès"), default=False)
    registry = models.CharField(_("répertoire (ex. DOAJ)"), max_length=60, blank=True)
    licences = models.JSONField(_("licences des articles (SPDX)"), default=list, blank=True)
    apc = models.BooleanField(_("frais de publication (APC)"), null=True, blank=True)
    transformative = models.BooleanField(_("couverte par une entente transformative"), default=False)
    url = models.URLField(_("site"), blank=True, max_length=500)
    source = models.CharField(_("provenance"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("revue")
        verbose_name_plural = _("revues")
        ordering = ["title_normalized", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_normalized = title_normalize(self.title)
        super().save(*args, **kwargs)

    @property
    def issns(self) -> list[str]:
        return [issn for issn in (self.issn_electronic, self.issn_print) if issn]


class ArchivingPolicy(models.Model):
    """What a publisher allows authors to deposit (as Sherpa Romeo records it): a version, where, after
    which embargo, under which licence. For one journal, or for every journal of ``publisher``."""

    journal = models.ForeignKey(Journal, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="archiving_policies", verbose_name=_("revue"))
    publisher = models.CharField(_("éditeur (toutes ses revues)"), max_length=300, blank=True, db_index=True)
    version = models.CharField(_("version permise"), max_length=12, choices=Version.choices)
    locations = models.JSONField(_("lieux de dépôt permis"), default=list, blank=True)
    embargo_months = models.PositiveSmallIntegerField(_("embargo (mois)"), default=0)
    licence = models.CharField(_("licence exigée ou permise (SPDX)"), max_length=60, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    url = models.URLField(_("source de la politique"), blank=True, max_length=500)
    source = models.CharField(_("provenance"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("politique d'autoarchivage")
        verbose_name_plural = _("politiques d'autoarchivage")
        ordering = ["publisher", "journal", "version", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(journal=None, publisher=""),
                                              name="science_archiving_policy_has_scope")]

    def __str__(self):
        return f"{self.journal or self.publisher} — {self.get_version_display()}"


# --- The registry of funded publications -----------------------------------------------------------

class Publication(models.Model):
    """An article from funded research, as declared (form, CSV, DOI look-up) and completed by harvested
    deposits."""

    class Source(models.TextChoices):
        FORM = "form", _("Formulaire")
        CSV = "csv", _("Import CSV")
        CROSSREF = "crossref", _("Recherche par DOI")
        API = "api", _("API")
        DEMO = "demo", _("Démonstration")

    doi = models.CharField(_("DOI"), max_length=255, null=True, blank=True, unique=True)
    title = models.CharField(_("titre"), max_length=1000)
    title_normalized = models.CharField(_("titre normalisé"), max_length=1000, db_index=True, editable=False)
    journal = models.ForeignKey(Journal, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="publications", verbose_name=_("revue (répertoire)"))
    journal_title = models.CharField(_("revue"), max_length=500, blank=True)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True, validators=[issn_validator])
    publisher = models.CharField(_("éditeur"), max_length=300, blank=True)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    licence = models.CharField(_("licence de l'article (SPDX)"), max_length=60, blank=True)
    version_deposited = models.CharField(_("version déposée"), max_length=12, choices=Version.choices, blank=True)
    repository_url = models.URLField(_("adresse du dépôt"), blank=True, max_length=1000)
    deposited_on = models.DateField(_("date du dépôt"), null=True, blank=True)
    deposit_open_on = models.DateField(_("copie déposée ouverte à partir du"), null=True, blank=True)
    deposit_licence = models.CharField(_("licence de la copie déposée (SPDX)"), max_length=60, blank=True)
    oa_status = models.CharField(_("statut de libre accès observé"), max_length=8, choices=OAStatus.choices,
                                 blank=True)
    institution = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="science_publications", verbose_name=_("établissement"))
    source = models.CharField(_("provenance"), max_length=10, choices=Source.choices, default=Source.FORM)
    declared_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("déclarée par"))
    compliance = models.CharField(_("conformité"), max_length=14, choices=Compliance.choices,
                                  default=Compliance.UNKNOWN, db_index=True)
    checked_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("déclarée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("motif du retrait"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = pgettext_lazy("scholarly", "publications")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["updated_at", "id"], name="science_pub_datestamp")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_normalized = title_normalize(self.title)
        super().save(*args, **kwargs)


class Author(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="authors",
                                    verbose_name=_("publication"))
    position = models.PositiveSmallIntegerField(_("rang"), default=0)
    name = models.CharField(_("nom"), max_length=300)
    orcid = models.CharField(_("ORCID"), max_length=19, blank=True, validators=[orcid_validator])
    affiliation = models.CharField(_("affiliation"), max_length=500, blank=True)
    is_corresponding = models.BooleanField(_("auteur ou autrice de correspondance"), default=False)
    email = models.EmailField(_("courriel (privé)"), blank=True)

    class Meta:
        verbose_name = _("auteur ou autrice")
        verbose_name_plural = _("auteurs et autrices")
        ordering = ["publication", "position", "pk"]

    def __str__(self):
        return self.name


class Funding(models.Model):
    """A publication funded by a fund's grant, and the verdict of that fund's policy on it."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="fundings",
                                    verbose_name=_("publication"))
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="fundings", verbose_name=_("fonds"))
    grant_number = models.CharField(_("numéro de subvention"), max_length=100, blank=True)
    # The FRQ choose the policy version by the launch date of the grant's competition (« concours lancés à
    # partir du 1er juillet 2023 : version 2022 »); when it is unknown, the publication date decides.
    competition_date = models.DateField(_("date de lancement du concours"), null=True, blank=True)
    policy_version = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="fundings", verbose_name=_("version de la politique"))
    verdict = models.CharField(_("verdict"), max_length=14, choices=Compliance.choices, default=Compliance.UNKNOWN,
                               db_index=True)
    route = models.CharField(_("voie retenue"), max_length=40, blank=True)
    reasons = models.JSONField(_("raisons (étapes du verdict)"), default=list, blank=True)
    missing = models.JSONField(_("informations manquantes"), default=list, blank=True)
    checked_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        ordering = ["publication", "fund", "pk"]
        constraints = [models.UniqueConstraint(fields=["publication", "fund", "grant_number"],
                                               name="science_funding_unique")]

    def __str__(self):
        return f"{self.fund} {self.grant_number}".strip()


class Reminder(models.Model):
    """A reminder sent to a corresponding author about a non-compliant publication."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="reminders",
                                    verbose_name=_("publication"))
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("destinataire"))
    email = models.EmailField(_("courriel"))
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    sent_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("envoyé par"))
    reasons = models.JSONField(_("raisons rappelées"), default=list, blank=True)

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.email} {self.sent_at:%Y-%m-%d}"


# --- Harvested deposits (OAI-PMH client) -----------------------------------------------------------

class RepositorySource(models.Model):
    """An institutional repository harvested over OAI-PMH."""

    class Granularity(models.TextChoices):
        DAY = "YYYY-MM-DD", "YYYY-MM-DD"
        SECOND = "YYYY-MM-DDThh:mm:ssZ", "YYYY-MM-DDThh:mm:ssZ"

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=300)
    base_url = models.URLField(_("adresse OAI-PMH"), max_length=1000)
    metadata_prefix = models.CharField(_("format de métadonnées"), max_length=60, default="oai_dc")
    set_spec = models.CharField(_("ensemble (set)"), max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="science_repositories", verbose_name=_("établissement"))
    granularity = models.CharField(_("granularité des dates"), max_length=20, choices=Granularity.choices,
                                   default=Granularity.DAY)
    harvested_until = models.DateTimeField(_("moissonné jusqu'au"), null=True, blank=True)
    is_active = models.BooleanField(_("moissonnage périodique"), default=True)
    every_hours = models.PositiveSmallIntegerField(_("toutes les (heures)"), default=24)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("dépôt institutionnel")
        verbose_name_plural = _("dépôts institutionnels")
        ordering = ["name"]

    def __str__(self):
        return self.name


class HarvestRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    source = models.ForeignKey(RepositorySource, on_delete=models.CASCADE, related_name="runs",
                               verbose_name=_("dépôt"))
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("commencé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    from_param = models.CharField(_("from"), max_length=30, blank=True)
    until_param = models.CharField(_("until"), max_length=30, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    records = models.PositiveIntegerField(_("notices"), default=0)
    deleted = models.PositiveIntegerField(_("notices supprimées"), default=0)
    matched = models.PositiveIntegerField(_("notices rapprochées"), default=0)
    resumption_token = models.CharField(_("jeton de reprise"), max_length=1000, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    skipped = models.PositiveIntegerField(_("notices ignorées"), default=0)
    warnings = models.JSONField(_("avertissements"), default=list, blank=True)

    class Meta:
        verbose_name = _("moissonnage")
        verbose_name_plural = _("moissonnages")
        ordering = ["-started_at", "-pk"]
        # One run at a time per repository: two workers claiming the same source get one run.
        constraints = [models.UniqueConstraint(fields=["source"], condition=models.Q(status="running"),
                                               name="science_harvest_one_running")]

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class Deposit(models.Model):
    """A record harvested from a repository, matched (by DOI, then by normalised title) to a publication."""

    class Match(models.TextChoices):
        DOI = "doi", _("DOI")
        TITLE = "title", _("Titre")
        MANUAL = "manual", _("À la main")

    source = models.ForeignKey(RepositorySource, on_delete=models.CASCADE, related_name="deposits",
                               verbose_name=_("dépôt"))
    identifier = models.CharField(_("identifiant OAI"), max_length=500)
    datestamp = models.DateTimeField(_("date de la notice"), null=True, blank=True)
    deleted = models.BooleanField(_("supprimée à la source"), default=False)
    set_specs = models.JSONField(_("ensembles"), default=list, blank=True)
    title = models.CharField(_("titre"), max_length=1000, blank=True)
    title_normalized = models.CharField(_("titre normalisé"), max_length=1000, blank=True, db_index=True,
                                        editable=False)
    doi = models.CharField(_("DOI"), max_length=255, blank=True, db_index=True)
    url = models.URLField(_("adresse de la copie"), blank=True, max_length=1000)
    version = models.CharField(_("version"), max_length=12, choices=Version.choices, blank=True)
    licence = models.CharField(_("licence (SPDX)"), max_length=60, blank=True)
    rights = models.CharField(_("droits (tels quels)"), max_length=1000, blank=True)
    date = models.CharField(_("date (telle quelle)"), max_length=40, blank=True)
    embargo_until = models.DateField(_("embargo jusqu'au"), null=True, blank=True)
    metadata = models.JSONField(_("métadonnées"), default=dict, blank=True)
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="deposits", verbose_name=_("publication"))
    matched_by = models.CharField(_("rapprochée par"), max_length=6, choices=Match.choices, blank=True)
    harvested_at = models.DateTimeField(_("moissonnée le"), default=timezone.now)

    class Meta:
        verbose_name = _("notice moissonnée")
        verbose_name_plural = _("notices moissonnées")
        ordering = ["source", "identifier"]
        constraints = [models.UniqueConstraint(fields=["source", "identifier"], name="science_deposit_unique")]

    def __str__(self):
        return self.identifier

    def save(self, *args, **kwargs):
        self.title_normalized = title_normalize(self.title)
        super().save(*args, **kwargs)


# --- Support: FAQ and webinars ---------------------------------------------------------------------

class FaqEntry(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    category_fr = models.CharField(_("rubrique (français)"), max_length=120, blank=True)
    category_en = models.CharField(_("rubrique (anglais)"), max_length=120, blank=True)
    question_fr = models.CharField(_("question (français)"), max_length=500)
    question_en = models.CharField(_("question (anglais)"), max_length=500, blank=True)
    answer_fr = models.TextField(_("réponse (français, Markdown)"))
    answer_en = models.TextField(_("réponse (anglais, Markdown)"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_published = models.BooleanField(_("publiée"), default=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    category = Translated("category")
    question = Translated("question")
    answer = Translated("answer")

    class Meta:
        verbose_name = _("question fréquente")
        verbose_name_plural = _("questions fréquentes")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.question_fr


class Webinar(models.Model):
    """A training webinar: registration with a capacity and a waiting list, then its recording."""

    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français, Markdown)"), blank=True)
    description_en = models.TextField(_("description (anglais, Markdown)"), blank=True)
    language = models.CharField(_("langue"), max_length=2, choices=[("fr", "Français"), ("en", "English")],
                                default="fr")
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places (0 : sans limite)"), default=100)
    join_url = models.URLField(_("lien de connexion (pour les inscrits)"), blank=True, max_length=1000)
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=True)
    recording_url = models.URLField(_("enregistrement"), blank=True, max_length=1000)
    slides = models.FileField(_("présentation"), upload_to="science/webinars/", blank=True)
    slides_url = models.URLField(_("présentation (lien)"), blank=True, max_length=1000)
    is_published = models.BooleanField(_("publié"), default=False)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=1000, blank=True)
    organiser = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="science_webinars", verbose_name=_("organisateur"))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("créé par"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("webinaire")
        verbose_name_plural = _("webinaires")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="science_webinar_dates")]

    def __str__(self):
        return self.title_fr


class Speaker(models.Model):
    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="speakers",
                                verbose_name=_("webinaire"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name = models.CharField(_("nom"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)
    bio_fr = models.TextField(_("présentation (français)"), blank=True)
    bio_en = models.TextField(_("présentation (anglais)"), blank=True)

    bio = Translated("bio")

    class Meta:
        verbose_name = _("personne conférencière")
        verbose_name_plural = _("personnes conférencières")
        ordering = ["webinar", "position", "pk"]

    def __str__(self):
        return self.name


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Inscrite")
        WAITING = "waiting", _("En liste d'attente")
        CANCELLED = "cancelled", _("Annulée")

    ACTIVE = (Status.CONFIRMED, Status.WAITING)

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="registrations",
                                verbose_name=_("webinaire"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(_("inscrite le"), default=timezone.now)
    promoted_at = models.DateTimeField(_("passée de la liste d'attente le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    attended = models.BooleanField(_("présente"), null=True, blank=True)
    token = models.UUIDField(_("jeton"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("inscription à un webinaire")
        verbose_name_plural = _("inscriptions aux webinaires")
        ordering = ["webinar", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["webinar", "user"],
                                               condition=models.Q(status__in=["confirmed", "waiting"]),
                                               name="science_registration_one_active")]

    def __str__(self):
        return f"{self.webinar_id} {self.user_id} {self.status}"

