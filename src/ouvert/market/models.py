"""Micro-acquisitions « Développe avec nous »: opportunities, suppliers, sealed proposals, evaluation,
award, delivery and the OCDS releases that publish them.

Invariants kept here (the services enforce the rest):

- an opportunity's price never exceeds the ceiling (``OUVERT_MARKET_CEILING``), its criteria's weights
  sum to 100 once it leaves the draft, and its deadline only moves later once published (addenda);
- a proposal's content exists only sealed (``Submission.sealed`` and ``Proposal.draft_sealed`` hold
  AES-GCM ciphertext, see ``seal``); nothing in these tables tells the content, and the services and the
  admin show nothing of a proposal — not even that it exists — before the deadline;
- releases, addenda and submissions are append-only (a new row per event).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import Translated
from ouvert.core.models import Organisation

#: Free licences a deliverable may carry, by SPDX identifier (the LiLiQ first: the Quebec government's own).
LICENCES = [
    ("LiLiQ-P-1.1", "LiLiQ-P 1.1 — Licence Libre du Québec, permissive"),
    ("LiLiQ-R-1.1", "LiLiQ-R 1.1 — Licence Libre du Québec, réciprocité"),
    ("LiLiQ-Rplus-1.1", "LiLiQ-R+ 1.1 — Licence Libre du Québec, réciprocité forte"),
    ("Apache-2.0", "Apache-2.0"),
    ("MIT", "MIT"),
    ("BSD-3-Clause", "BSD-3-Clause"),
    ("MPL-2.0", "MPL-2.0"),
    ("LGPL-3.0-or-later", "LGPL-3.0-or-later"),
    ("GPL-3.0-or-later", "GPL-3.0-or-later"),
    ("AGPL-3.0-or-later", "AGPL-3.0-or-later"),
    ("EUPL-1.2", "EUPL-1.2"),
    ("CC-BY-4.0", "CC-BY-4.0 (documentation, données)"),
    ("CC0-1.0", "CC0-1.0 (domaine public)"),
]
DEFAULT_LICENCE = "LiLiQ-R-1.1"

neq_validator = RegexValidator(r"^\d{10}$", _("Le NEQ compte exactement dix chiffres."))


class BuyerSettings(models.Model):
    """What a public body sets once for all its opportunities."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="market_buyer",
                                        verbose_name=_("organisme acheteur"))
    default_licence = models.CharField(_("licence par défaut des livrables"), max_length=40, choices=LICENCES,
                                       default=DEFAULT_LICENCE)
    contact_email = models.EmailField(_("courriel des acquisitions"), blank=True)

    class Meta:
        verbose_name = _("paramètres d'un acheteur")
        verbose_name_plural = _("paramètres des acheteurs")

    def __str__(self):
        return str(self.organisation)


class Skill(models.Model):
    """A skill an opportunity requires (a filter of the public list)."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["name_fr"]

    def __str__(self):
        return self.name

    name = Translated("name")


class Opportunity(models.Model):
    """A public call for a fixed-price piece of software work, under the ceiling."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        REVIEW = "review", _("En révision")
        PUBLISHED = "published", _("Publiée")
        SUSPENDED = "suspended", _("Suspendue")
        EVALUATION = "evaluation", _("En évaluation")
        AWARDED = "awarded", _("Adjugée")
        CANCELLED = "cancelled", _("Annulée")

    reference = models.CharField(_("numéro"), max_length=30, unique=True)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="market_opportunities",
                              verbose_name=_("organisme acheteur"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("créée par"))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)

    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    teaser_fr = models.CharField(_("accroche (français)"), max_length=400, blank=True)
    teaser_en = models.CharField(_("accroche (anglais)"), max_length=400, blank=True)
    description_fr = models.TextField(_("description (français, Markdown)"), blank=True)
    description_en = models.TextField(_("description (anglais, Markdown)"), blank=True)
    acceptance_fr = models.TextField(_("critères d'acceptation (français, Markdown)"), blank=True)
    acceptance_en = models.TextField(_("critères d'acceptation (anglais, Markdown)"), blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="opportunities",
                                    verbose_name=_("compétences requises"))

    price = models.DecimalField(_("prix fixe (CAD, taxes en sus)"), max_digits=10, decimal_places=2,
                                validators=[MinValueValidator(1)])
    remote_ok = models.BooleanField(_("travail à distance possible"), default=True)
    location = models.CharField(_("lieu"), max_length=200, blank=True)
    deadline = models.DateTimeField(_("date limite des propositions"), null=True, blank=True)
    assignment_date = models.DateField(_("attribution prévue"), null=True, blank=True)
    start_date = models.DateField(_("début prévu"), null=True, blank=True)
    completion_date = models.DateField(_("fin prévue"), null=True, blank=True)
    licence = models.CharField(_("licence du livrable (SPDX)"), max_length=40, choices=LICENCES,
                               default=DEFAULT_LICENCE)
    repository_url = models.URLField(_("dépôt de livraison"), max_length=500, blank=True)

    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    submitted_for_review_at = models.DateTimeField(_("soumise à la révision le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("fermée le"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("adjugée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    status_reason = models.TextField(_("motif (annulation, suspension, renvoi)"), blank=True)
    #: Made by ``ouvert demo`` (``market.demo``): shown with a « donnée de démonstration » badge.
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("opportunité")
        verbose_name_plural = _("opportunités")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="market_opp_status_deadline"),
            models.Index(fields=["buyer_id", "status"], name="market_opp_buyer_status"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    title = Translated("title")
    teaser = Translated("teaser")
    description = Translated("description")
    acceptance = Translated("acceptance")

    def is_open(self, now=None) -> bool:
        """Proposals are accepted: published and strictly before the deadline."""
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.deadline is not None and now < self.deadline

    def is_past_deadline(self, now=None) -> bool:
        """The proposals may be opened (never before): the deadline has come while the opportunity was
        receiving them — published (closing now), in evaluation, awarded, or cancelled after closing. A
        suspended opportunity keeps them sealed (resuming may move the deadline and reopen bidding), and so
        does one cancelled before its closing, for good. ``opened_q`` is the same rule in SQL."""
        now = now or timezone.now()
        if self.deadline is None or self.published_at is None or now < self.deadline:
            return False
        if self.status == self.Status.CANCELLED:
            return self.closed_at is not None
        return self.status in self.OPENED_STATUSES

    OPENED_STATUSES = (Status.PUBLISHED, Status.EVALUATION, Status.AWARDED)

    @classmethod
    def opened_q(cls, now=None, prefix: str = "") -> models.Q:
        """``is_past_deadline`` as a filter (``prefix``: the path to the opportunity, e.g. ``"opportunity__"``)."""
        now = now or timezone.now()
        at = {f"{prefix}deadline__lte": now, f"{prefix}published_at__isnull": False}
        return models.Q(**at) & (models.Q(**{f"{prefix}status__in": list(cls.OPENED_STATUSES)})
                                 | models.Q(**{f"{prefix}status": cls.Status.CANCELLED,
                                               f"{prefix}closed_at__isnull": False}))


class Criterion(models.Model):
    """An evaluation criterion; the weights of an opportunity's criteria sum to 100."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="criteria",
                                    verbose_name=_("opportunité"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name_fr = models.CharField(_("critère (français)"), max_length=200)
    name_en = models.CharField(_("critère (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    weight = models.PositiveSmallIntegerField(_("pondération (%)"),
                                              validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["opportunity_id", "position", "id"]

    def __str__(self):
        return f"{self.name} ({self.weight} %)"

    name = Translated("name")
    description = Translated("description")


def attachment_upload_to(instance, filename: str) -> str:
    return f"market/attachments/{uuid.uuid4().hex}/{filename[-120:]}"


class Attachment(models.Model):
    """A public document of an opportunity (specifications, mock-ups…)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="attachments",
                                    verbose_name=_("opportunité"))
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(_("fichier"), upload_to=attachment_upload_to, max_length=300)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["opportunity_id", "id"]

    def __str__(self):
        return self.title


class Addendum(models.Model):
    """A public, numbered change or clarification of a published opportunity."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Avis")
        DEADLINE = "deadline", _("Report de la date limite")
        ANSWER = "answer", _("Réponse à une question")
        STATUS = "status", _("Suspension, reprise ou annulation")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="addenda",
                                    verbose_name=_("opportunité"))
    number = models.PositiveIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, default=Kind.NOTICE)
    body_fr = models.TextField(_("texte (français, Markdown)"))
    body_en = models.TextField(_("texte (anglais, Markdown)"), blank=True)
    previous_deadline = models.DateTimeField(_("date limite précédente"), null=True, blank=True)
    new_deadline = models.DateTimeField(_("nouvelle date limite"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("publié par"))

    class Meta:
        verbose_name = _("addenda")
        verbose_name_plural = _("addendas")
        ordering = ["opportunity_id", "number"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "number"], name="market_addendum_number")]

    def __str__(self):
        return f"{self.opportunity.reference} — addenda {self.number}"

    body = Translated("body")


class Question(models.Model):
    """A supplier's question: private to the buyer; its answer is published as an addendum, anonymously."""

    class Status(models.TextChoices):
        OPEN = "open", _("En attente")
        ANSWERED = "answered", _("Répondue")
        DECLINED = "declined", _("Sans suite")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="questions",
                                    verbose_name=_("opportunité"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("posée par"))
    body = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("posée le"), default=timezone.now)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    addendum = models.ForeignKey(Addendum, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions",
                                 verbose_name=_("addenda de réponse"))
    answered_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    decline_reason = models.TextField(_("motif (question sans suite)"), blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["opportunity_id", "asked_at", "id"]

    def __str__(self):
        return self.body[:80]


class Follow(models.Model):
    """A person told of every addendum and status change of an opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="follows",
                                    verbose_name=_("opportunité"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="market_follows",
                             verbose_name=_("personne"))
    created_at = models.DateTimeField(_("depuis le"), default=timezone.now)

    class Meta:
        verbose_name = _("abonnement à une opportunité")
        verbose_name_plural = _("abonnements aux opportunités")
        ordering = ["opportunity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="market_follow_unique")]

    def __str__(self):
        return f"{self.user} → {self.opportunity_id}"


class Supplier(models.Model):
    """A supplier organisation (core ``Organisation`` of kind ``supplier``; its members, with their roles,
    are the core memberships)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="market_supplier",
                                        verbose_name=_("organisation"))
    legal_name = models.CharField(_("nom légal"), max_length=300)
    neq = models.CharField(_("numéro d'entreprise du Québec (NEQ)"), max_length=10, unique=True,
                           validators=[neq_validator])
    is_sme = models.BooleanField(_("PME"), default=False)
    is_startup = models.BooleanField(_("jeune pousse"), default=False)
    contact_name = models.CharField(_("personne-ressource"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("inscrite le"), default=timezone.now)
    #: Made by ``ouvert demo`` (``market.demo``): a fictitious enterprise (its NEQ too).
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("fournisseur")
        verbose_name_plural = _("fournisseurs")
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name


class Proposal(models.Model):
    """One supplier's proposal to one opportunity.

    ``draft_sealed`` is the supplier's working copy (readable by its members only); each submission is
    a ``Submission`` (readable by nobody before the deadline). ``draft_revision`` grows with every save of
    the draft: a submission names the revision it sealed, so two tabs submitting the same draft give one
    submission and one receipt.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumise")
        WITHDRAWN = "withdrawn", _("Retirée")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="proposals",
                                    verbose_name=_("opportunité"))
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="proposals",
                                 verbose_name=_("fournisseur"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    draft_sealed = models.BinaryField(_("brouillon chiffré"), default=b"")
    draft_key = models.BinaryField(_("clé du brouillon (chiffrée)"), default=b"")
    draft_key_id = models.CharField(_("clé maîtresse du brouillon"), max_length=20, blank=True)
    draft_revision = models.PositiveIntegerField(_("révision du brouillon"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("créée par"))
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    # Set after the deadline only, by the evaluation.
    disqualified_at = models.DateTimeField(_("écartée le"), null=True, blank=True)
    disqualification_reason = models.TextField(_("motif de l'exclusion"), blank=True)
    total_score = models.DecimalField(_("note consensuelle (sur 100)"), max_digits=6, decimal_places=2,
                                      null=True, blank=True)
    rank = models.PositiveIntegerField(_("rang"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["opportunity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "supplier"], name="market_proposal_unique")]

    def __str__(self):
        return f"{self.opportunity.reference} — {self.supplier}"


class Submission(models.Model):
    """One sealed submission of a proposal (append-only; a resubmission supersedes the previous one).

    ``sealed`` is the AES-GCM ciphertext of the canonical JSON document (content, attachments, salt);
    ``receipt`` is the SHA-256 of that document (what the supplier keeps), ``sealed_sha256`` the SHA-256
    of the ciphertext (what the audit log records, checkable before the deadline without opening).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="submissions",
                                 verbose_name=_("proposition"))
    version = models.PositiveIntegerField(_("version"))
    draft_revision = models.PositiveIntegerField(_("révision du brouillon scellée"))
    sealed = models.BinaryField(_("proposition scellée"))
    wrapped_key = models.BinaryField(_("clé (chiffrée)"))
    key_id = models.CharField(_("clé maîtresse"), max_length=20)
    receipt = models.CharField(_("empreinte SHA-256 (reçu)"), max_length=64, unique=True)
    sealed_sha256 = models.CharField(_("empreinte SHA-256 du scellé"), max_length=64)
    submitted_at = models.DateTimeField(_("soumise le"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("soumise par"))
    coi_attested = models.BooleanField(_("absence de conflit d'intérêts attestée"), default=False)
    terms_accepted = models.BooleanField(_("conditions acceptées"), default=False)
    superseded_at = models.DateTimeField(_("remplacée le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("soumission scellée")
        verbose_name_plural = _("soumissions scellées")
        ordering = ["proposal_id", "version"]
        constraints = [models.UniqueConstraint(fields=["proposal", "version"], name="market_submission_version")]

    def __str__(self):
        return f"{self.proposal} v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and self.withdrawn_at is None


class Evaluator(models.Model):
    """A member of an opportunity's evaluation panel (at least two)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="evaluators",
                                    verbose_name=_("opportunité"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="market_panels",
                             verbose_name=_("personne"))
    is_chair = models.BooleanField(_("présidence du comité"), default=False)
    named_at = models.DateTimeField(_("nommée le"), default=timezone.now)
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("nommée par"))
    coi_declared_at = models.DateTimeField(_("déclaration d'intérêts le"), null=True, blank=True)
    has_conflict = models.BooleanField(_("conflit d'intérêts déclaré"), default=False)
    coi_statement = models.TextField(_("déclaration"), blank=True)

    class Meta:
        verbose_name = _("membre du comité d'évaluation")
        verbose_name_plural = _("comité d'évaluation")
        ordering = ["opportunity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="market_evaluator_unique")]

    def __str__(self):
        return f"{self.user} — {self.opportunity.reference}"

    @property
    def may_read(self) -> bool:
        """Declared no conflict of interest (the condition to see any proposal)."""
        return self.coi_declared_at is not None and not self.has_conflict


class Score(models.Model):
    """One evaluator's score of one proposal on one criterion (0 to 10), or the panel's consensus
    (``evaluator`` empty)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores",
                                 verbose_name=_("proposition"))
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("critère"))
    evaluator = models.ForeignKey(Evaluator, null=True, blank=True, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("évaluateur (vide : consensus)"))
    score = models.DecimalField(_("note (0 à 10)"), max_digits=4, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(10)])
    comment = models.TextField(_("commentaire"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    # An evaluator's scores of a proposal are frozen once submitted (all its criteria at once); a
    # consensus score is submitted when recorded.
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["proposal_id", "criterion_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "criterion", "evaluator"], name="market_score_unique"),
            models.UniqueConstraint(fields=["proposal", "criterion"], condition=models.Q(evaluator__isnull=True),
                                    name="market_score_consensus_unique"),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.score}"


class Contract(models.Model):
    """The award of an opportunity to one proposal, then its delivery and payment."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("En cours")
        DELIVERED = "delivered", _("Livré, en vérification")
        CORRECTIONS = "corrections", _("Corrections demandées")
        ACCEPTED = "accepted", _("Accepté")
        TERMINATED = "terminated", _("Résilié")

    class Payment(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Approuvé")
        PAID = "paid", _("Payé")

    opportunity = models.OneToOneField(Opportunity, on_delete=models.PROTECT, related_name="contract",
                                       verbose_name=_("opportunité"))
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="contract",
                                    verbose_name=_("proposition retenue"))
    value = models.DecimalField(_("valeur (CAD, taxes en sus)"), max_digits=10, decimal_places=2)
    awarded_at = models.DateTimeField(_("adjugé le"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("adjugé par"))
    award_note = models.TextField(_("motifs de l'adjudication (dont la règle d'égalité appliquée)"), blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    payment_status = models.CharField(_("paiement"), max_length=10, choices=Payment.choices,
                                      default=Payment.PENDING)
    accepted_at = models.DateTimeField(_("accepté le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["-awarded_at", "-id"]

    def __str__(self):
        return f"{self.opportunity.reference} — {self.proposal.supplier}"


class Delivery(models.Model):
    """One delivery of the work (repository, merge request) and the buyer's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("En vérification")
        ACCEPTED = "accepted", _("Acceptée")
        CORRECTIONS = "corrections", _("Corrections demandées")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("contrat"))
    repository_url = models.URLField(_("dépôt"), max_length=500)
    merge_request_url = models.URLField(_("demande de fusion"), max_length=500, blank=True)
    note = models.TextField(_("note du fournisseur"), blank=True)
    delivered_at = models.DateTimeField(_("livrée le"), default=timezone.now)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("livrée par"))
    decision = models.CharField(_("décision"), max_length=12, choices=Decision.choices, default=Decision.PENDING)
    decision_note = models.TextField(_("motifs de la décision"), blank=True)
    #: The acceptance criteria as checked at the decision: ``[{"item": text, "met": bool}]``.
    checklist = models.JSONField(_("critères d'acceptation vérifiés"), default=list, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("décidée par"))

    class Meta:
        verbose_name = _("livraison")
        verbose_name_plural = _("livraisons")
        ordering = ["contract_id", "delivered_at", "id"]

    def __str__(self):
        return self.repository_url


class Release(models.Model):
    """One OCDS 1.1 release, written when its event happens and never changed (``data`` is the release)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="releases",
                                    verbose_name=_("opportunité"))
    release_id = models.CharField(_("identifiant de la publication"), max_length=200, unique=True)
    date = models.DateTimeField(_("date"))
    tags = models.JSONField(_("étiquettes"), default=list)
    data = models.JSONField(_("publication OCDS"))
    # The compiled release of the opportunity as of this release (ocdsmerge of it and the ones before),
    # written with it: a record is then read, not merged again at each request.
    compiled = models.JSONField(_("publication compilée à cette date"), null=True, blank=True)

    class Meta:
        verbose_name = _("publication OCDS")
        verbose_name_plural = _("publications OCDS")
        ordering = ["opportunity_id", "date", "id"]
        indexes = [models.Index(fields=["date", "id"], name="market_release_date")]

    def __str__(self):
        return self.release_id
