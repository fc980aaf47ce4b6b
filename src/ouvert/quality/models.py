"""Quality of the catalogue: metadata scores, availability of links, certification of reference data.

- ``DatasetScore``: a dataset's metadata quality, on the five dimensions of data.europa.eu's
  Metadata Quality Assessment (405 points) plus udata-style checks; ``checks`` lists every check
  with its points and, when missed, the fix to make.
- ``QualitySnapshot``: the daily state of the scores, for the whole catalogue (``organisation``
  empty) and for each publisher: the trend over time.
- ``LinkCheck``: one check of one linked resource (status, redirects, type, length, time); the
  history. ``LinkState``: the latest state of a resource's link and its schedule.
- ``Certification``: a dataset's reference-data certification and the last evaluation of its
  criteria; ``CertificationEvent``: its history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rating(models.TextChoices):
    """data.europa.eu's MQA ratings (points out of 405)."""

    EXCELLENT = "excellent", _("Excellente")
    GOOD = "good", _("Bonne")
    SUFFICIENT = "sufficient", _("Suffisante")
    BAD = "bad", _("Insuffisante")


class DatasetScore(models.Model):
    """The metadata quality of one dataset, recomputed when the dataset changes."""

    dataset = models.OneToOneField("catalog.Dataset", on_delete=models.CASCADE, primary_key=True,
                                   related_name="quality_score", verbose_name=_("jeu de données"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("éditeur"))
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    max_points = models.PositiveSmallIntegerField(_("points possibles"), default=405)
    rating = models.CharField(_("appréciation"), max_length=12, choices=Rating.choices, default=Rating.BAD)
    findability = models.PositiveSmallIntegerField(_("repérabilité"), default=0)
    accessibility = models.PositiveSmallIntegerField(_("accessibilité"), default=0)
    interoperability = models.PositiveSmallIntegerField(_("interopérabilité"), default=0)
    reusability = models.PositiveSmallIntegerField(_("réutilisabilité"), default=0)
    contextuality = models.PositiveSmallIntegerField(_("contexte"), default=0)
    #: udata-style checks passed, out of ``udata_total``.
    udata_passed = models.PositiveSmallIntegerField(_("vérifications réussies"), default=0)
    udata_total = models.PositiveSmallIntegerField(_("vérifications"), default=0)
    checks = models.JSONField(_("vérifications"), default=list, blank=True,
                              help_text=_("Chaque vérification : dimension, points obtenus et possibles, "
                                          "et la correction à faire quand elle échoue."))
    computed_at = models.DateTimeField(_("calculé le"), default=timezone.now)

    class Meta:
        verbose_name = _("score de qualité")
        verbose_name_plural = _("scores de qualité")
        indexes = [
            models.Index(fields=["organisation", "points"], name="quality_score_org_idx"),
            models.Index(fields=["points"], name="quality_score_points_idx"),
        ]

    def __str__(self):
        return f"{self.dataset_id}: {self.points}/{self.max_points}"


class QualitySnapshot(models.Model):
    """The scores of one day, for the whole catalogue (``organisation`` empty) or one publisher."""

    date = models.DateField(_("date"))
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("éditeur"))
    datasets = models.PositiveIntegerField(_("jeux de données"), default=0)
    average_points = models.FloatField(_("moyenne des points"), default=0)
    excellent = models.PositiveIntegerField(_("excellents"), default=0)
    good = models.PositiveIntegerField(_("bons"), default=0)
    sufficient = models.PositiveIntegerField(_("suffisants"), default=0)
    bad = models.PositiveIntegerField(_("insuffisants"), default=0)
    #: average points per dimension: ``{"findability": 61.2, …}``.
    dimensions = models.JSONField(_("moyennes par dimension"), default=dict, blank=True)
    broken_links = models.PositiveIntegerField(_("liens brisés"), default=0)
    certified = models.PositiveIntegerField(_("jeux certifiés"), default=0)

    class Meta:
        verbose_name = _("relevé de qualité")
        verbose_name_plural = _("relevés de qualité")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "organisation"], name="quality_snapshot_unique"),
            models.UniqueConstraint(fields=["date"], condition=models.Q(organisation__isnull=True),
                                    name="quality_snapshot_catalogue_unique"),
        ]

    def __str__(self):
        return f"{self.date} {self.organisation_id or 'catalogue'}"


class LinkCheck(models.Model):
    """One check of one linked resource."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Disponible")
        HTTP_ERROR = "http_error", _("Erreur HTTP")
        TIMEOUT = "timeout", _("Délai dépassé")
        CONNECTION = "connection", _("Connexion impossible")
        DNS = "dns", _("Nom de domaine introuvable")
        REDIRECT_LOOP = "redirect_loop", _("Boucle de redirections")
        TOO_MANY_REDIRECTS = "too_many_redirects", _("Trop de redirections")
        FORBIDDEN_ADDRESS = "forbidden_address", _("Adresse interdite")
        INVALID_URL = "invalid_url", _("Adresse invalide")

    resource = models.ForeignKey("catalog.Resource", on_delete=models.CASCADE, related_name="link_checks",
                                 verbose_name=_("ressource"))
    url = models.URLField(_("adresse vérifiée"), max_length=2000)
    checked_at = models.DateTimeField(_("vérifiée le"), default=timezone.now)
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices)
    available = models.BooleanField(_("disponible"), default=False)
    status = models.PositiveSmallIntegerField(_("statut HTTP"), null=True, blank=True)
    final_url = models.URLField(_("adresse finale"), max_length=2000, blank=True)
    redirects = models.JSONField(_("redirections"), default=list, blank=True,
                                 help_text=_("Chaque redirection : statut et adresse."))
    content_type = models.CharField(_("type de contenu"), max_length=200, blank=True)
    content_length = models.PositiveBigIntegerField(_("longueur annoncée"), null=True, blank=True)
    #: ``None``: nothing declared to compare with.
    type_matches = models.BooleanField(_("type conforme"), null=True, blank=True)
    length_matches = models.BooleanField(_("longueur conforme"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("temps de réponse (ms)"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("vérification de lien")
        verbose_name_plural = _("vérifications de liens")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["resource", "-checked_at"], name="quality_linkcheck_res_idx"),
                   models.Index(fields=["checked_at"], name="quality_linkcheck_time_idx")]

    def __str__(self):
        return f"{self.url} {self.outcome} {self.checked_at:%Y-%m-%d %H:%M}"


class LinkState(models.Model):
    """The latest state of a resource's link, and when to check it again."""

    resource = models.OneToOneField("catalog.Resource", on_delete=models.CASCADE, primary_key=True,
                                    related_name="link_state", verbose_name=_("ressource"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("éditeur"))
    last_check = models.ForeignKey(LinkCheck, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("dernière vérification"))
    available = models.BooleanField(_("disponible"), null=True, blank=True)
    broken_since = models.DateTimeField(_("brisé depuis"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)
    notified_at = models.DateTimeField(_("éditeur prévenu le"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("prochaine vérification"), default=timezone.now)

    class Meta:
        verbose_name = _("état d'un lien")
        verbose_name_plural = _("états des liens")
        indexes = [models.Index(fields=["next_check_at"], name="quality_linkstate_due_idx"),
                   models.Index(fields=["organisation", "available"], name="quality_linkstate_org_idx")]

    def __str__(self):
        return f"{self.resource_id}: {self.available}"


class Certification(models.Model):
    """A dataset's reference-data certification ("données ouvertes de référence")."""

    class Status(models.TextChoices):
        CERTIFIED = "certified", _("Certifié")
        WITHDRAWN = "withdrawn", _("Certification retirée")
        LAPSED = "lapsed", _("Certification échue")

    dataset = models.OneToOneField("catalog.Dataset", on_delete=models.CASCADE, primary_key=True,
                                   related_name="certification", verbose_name=_("jeu de données"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    certified_at = models.DateTimeField(_("certifié le"), null=True, blank=True)
    certified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("certifié par"))
    ended_at = models.DateTimeField(_("retirée ou échue le"), null=True, blank=True)
    #: the last evaluation of the criteria: ``[{"id", "passed", "detail": {"code", "params"}}, …]`` (the
    #: texts are rendered in the reader's language from the code).
    criteria = models.JSONField(_("critères"), default=list, blank=True)
    evaluated_at = models.DateTimeField(_("critères évalués le"), null=True, blank=True)
    #: since when at least one criterion fails (the grace period runs from there).
    failing_since = models.DateTimeField(_("critère en échec depuis"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        indexes = [models.Index(fields=["status"], name="quality_cert_status_idx")]

    def __str__(self):
        return f"{self.dataset_id}: {self.status}"


class CertificationEvent(models.Model):
    """One entry of a certification's history."""

    class Kind(models.TextChoices):
        CERTIFIED = "certified", _("Certification accordée")
        WITHDRAWN = "withdrawn", _("Certification retirée")
        LAPSED = "lapsed", _("Certification échue")
        CRITERION_FAILED = "criterion_failed", _("Critère en échec")
        CRITERIA_RESTORED = "criteria_restored", _("Critères de nouveau remplis")

    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="certification_events",
                                verbose_name=_("jeu de données"))
    kind = models.CharField(_("événement"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("par"))
    reason = models.TextField(_("motif"), blank=True, max_length=2000)
    criteria = models.JSONField(_("critères"), default=list, blank=True)

    class Meta:
        verbose_name = _("événement de certification")
        verbose_name_plural = _("événements de certification")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dataset", "-at"], name="quality_certevent_ds_idx")]

    def __str__(self):
        return f"{self.dataset_id} {self.kind} {self.at:%Y-%m-%d}"
