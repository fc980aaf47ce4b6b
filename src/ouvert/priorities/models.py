"""Data requests (« demandes de données ») and prioritisation campaigns (« campagnes de priorisation »).

A data request is asked by a signed-in person, supported and commented by others, answered by the body
that probably holds the data, and moves through a status workflow whose every step is kept
(``RequestEvent``). A campaign lists candidate datasets of one theme, criteria with weights, and who may
take part; each participant has one ballot (ratings per candidate and criterion, or a ranking), and the
results are computed after the close (``results``, stored as computed)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import Translated


class DataRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Soumise")
        REVIEW = "review", _("En examen")
        PLANNED = "planned", _("Planifiée")
        PUBLISHED = "published", _("Publiée")
        DECLINED = "declined", _("Refusée")

    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("données demandées (français)"))
    description_en = models.TextField(_("données demandées (anglais)"), blank=True)
    purpose_fr = models.TextField(_("utilisation prévue (français)"), blank=True)
    purpose_en = models.TextField(_("utilisation prévue (anglais)"), blank=True)
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="data_requests", verbose_name=_("organisme détenteur"))
    holder_text = models.CharField(_("organisme détenteur (texte libre)"), max_length=300, blank=True)
    theme = models.CharField(_("thème"), max_length=100, blank=True, db_index=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="data_requests", verbose_name=_("demandeur"))
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    decline_reason = models.TextField(_("motif du refus"), blank=True)
    dataset = models.ForeignKey("catalog.Dataset", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="data_requests", verbose_name=_("jeu de données publié"))
    campaign = models.ForeignKey("priorities.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="planned_requests", verbose_name=_("campagne d'origine"))
    support_count = models.PositiveIntegerField(_("appuis"), default=0)
    comment_count = models.PositiveIntegerField(_("commentaires"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("mise à jour le"), default=timezone.now, db_index=True)

    title = Translated("title")
    description = Translated("description")
    purpose = Translated("purpose")

    class Meta:
        verbose_name = _("demande de données")
        verbose_name_plural = _("demandes de données")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title_fr


class RequestSupport(models.Model):
    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="priorities_one_support")]

    def __str__(self):
        return f"{self.user_id} → {self.request_id}"


class RequestFollow(models.Model):
    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="priorities_one_follow")]

    def __str__(self):
        return f"{self.user_id} → {self.request_id}"


class RequestComment(models.Model):
    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("commentaire"))
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]


class RequestEvent(models.Model):
    """One step of a request's history: its creation, a status change, an answer."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Demande soumise")
        STATUS = "status", _("Changement d'état")
        ANSWER = "answer", _("Réponse de l'organisme")

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.kind} {self.to_status}"


def _token() -> str:
    return secrets.token_urlsafe(18)


class Campaign(models.Model):
    class Method(models.TextChoices):
        RATING = "rating", _("Notation de chaque candidat sur chaque critère")
        RANKING = "ranking", _("Classement des candidats")

    class Audience(models.TextChoices):
        INVITED = "invited", _("Groupes invités")
        EVERYONE = "everyone", _("Toute personne connectée")

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="campaigns",
                                      verbose_name=_("organisme"))
    theme = models.CharField(_("thème"), max_length=100)
    method = models.CharField(_("méthode"), max_length=10, choices=Method.choices, default=Method.RATING)
    audience = models.CharField(_("participation"), max_length=10, choices=Audience.choices,
                                default=Audience.INVITED)
    invite_token = models.CharField(max_length=40, default=_token, unique=True)
    scale_max = models.PositiveSmallIntegerField(_("note maximale"), default=5)
    selected_count = models.PositiveSmallIntegerField(_("candidats retenus"), default=1)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    results = models.JSONField(_("résultats"), null=True, blank=True)
    results_at = models.DateTimeField(_("résultats calculés le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("campagne de priorisation")
        verbose_name_plural = _("campagnes de priorisation")
        ordering = ["-opens_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="priorities_campaign_dates")]

    def __str__(self):
        return self.title_fr

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class Criterion(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria")
    name_fr = models.CharField(_("critère (français)"), max_length=150)
    name_en = models.CharField(_("critère (anglais)"), max_length=150, blank=True)
    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    weight = models.DecimalField(_("poids"), max_digits=6, decimal_places=2, default=1)
    position = models.PositiveSmallIntegerField(default=0)

    name = Translated("name")
    description = Translated("description")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name_fr


class Candidate(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="candidates")
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    holder = models.CharField(_("détenteur"), max_length=300, blank=True)
    dataset = models.ForeignKey("catalog.Dataset", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    data_request = models.ForeignKey(DataRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="candidacies")
    position = models.PositiveSmallIntegerField(default=0)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title_fr


class Invitation(models.Model):
    """Who may take part in an invited campaign: a person by e-mail, or every member of an organisation."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    group = models.CharField(_("groupe"), max_length=150, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(email="") | Q(organisation__isnull=False),
                                              name="priorities_invitation_target")]

    def __str__(self):
        return self.email or str(self.organisation)


class Ballot(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "voter"], name="priorities_one_ballot")]

    def __str__(self):
        return f"{self.campaign_id}/{self.voter_id}"


class Rating(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="ratings")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "candidate", "criterion"],
                                               name="priorities_one_rating")]

    def __str__(self):
        return f"{self.candidate_id}/{self.criterion_id}: {self.score}"


class Ranking(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="rankings")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "candidate"], name="priorities_one_rank"),
                       models.UniqueConstraint(fields=["ballot", "position"], name="priorities_one_position")]

    def __str__(self):
        return f"{self.position}. {self.candidate_id}"
