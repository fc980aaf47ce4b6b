"""The open-government action plan: challenges, commitments, milestones, progress, committee.

Vocabulary follows the plan: a *challenge* (défi) groups *commitments* (engagements), each with
*milestones* (jalons) numbered like the plan ("1.4"). Progress uses the OGP completion scale.
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import Translated

#: Upper bound for any free-text field (characters), checked by services and models.
TEXT_MAX_LENGTH = 20_000


class Strand(models.TextChoices):
    """The four strands (volets) of open government named by the plan."""

    TRANSPARENCY = "transparence", _("Transparence")
    PARTICIPATION = "participation", _("Participation")
    INNOVATION = "innovation", _("Innovation")
    COLLABORATION = "collaboration", _("Collaboration")


class Status(models.TextChoices):
    """The OGP completion scale."""

    NOT_STARTED = "not_started", _("Non commencé")
    LIMITED = "limited", _("Limité")
    SUBSTANTIAL = "substantial", _("Substantiel")
    COMPLETED = "completed", _("Complété")


class ActionPlan(models.Model):
    """One action plan (e.g. the 2021-2023 plan)."""

    slug = models.SlugField(_("identifiant"), max_length=50, unique=True,
                            help_text=_("Identifiant court utilisé dans les adresses, par exemple « 2021-2023 »."))
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    summary_fr = models.TextField(_("résumé (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    summary_en = models.TextField(_("résumé (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    is_current = models.BooleanField(_("plan en cours"), default=False,
                                     help_text=_("Le plan affiché par défaut sur les pages publiques."))
    source_url = models.URLField(_("source"), max_length=500, blank=True,
                                 help_text=_("Adresse du document officiel du plan."))

    class Meta:
        verbose_name = _("plan d'action")
        verbose_name_plural = _("plans d'action")
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="plan_actionplan_period_ordered"),
        ]

    def __str__(self):
        return self.title

    title = Translated("title")


class Challenge(models.Model):
    """A challenge (défi), the plan's strategic objective."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="challenges",
                             verbose_name=_("plan d'action"))
    number = models.PositiveSmallIntegerField(_("numéro"))
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("défi")
        verbose_name_plural = _("défis")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_challenge_number_unique"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    title = Translated("title")

    description = Translated("description")


class Commitment(models.Model):
    """A commitment (engagement): an objective, the reasons for it, and its milestones."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="commitments",
                             verbose_name=_("plan d'action"))
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="commitments",
                                  verbose_name=_("défi"))
    number = models.PositiveSmallIntegerField(_("numéro"))
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    objective_fr = models.TextField(_("objectif (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    objective_en = models.TextField(_("objectif (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    why_fr = models.TextField(_("pourquoi ? (français)"), blank=True, max_length=TEXT_MAX_LENGTH,
                              help_text=_("Le texte « Pourquoi ? » du plan."))
    why_en = models.TextField(_("pourquoi ? (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_commitment_number_unique"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    title = Translated("title")

    objective = Translated("objective")

    why = Translated("why")

    @property
    def strand_codes(self) -> list[str]:
        """Codes of the strands, in the scale's order (uses the prefetched ``strand_links``)."""
        codes = {link.strand for link in self.strand_links.all()}
        return [code for code in Strand.values if code in codes]

    @property
    def strand_labels(self) -> list[str]:
        return [str(Strand(code).label) for code in self.strand_codes]


class CommitmentStrand(models.Model):
    """One strand (volet) a commitment answers; a small table so strands filter in SQL."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="strand_links",
                                   verbose_name=_("engagement"))
    strand = models.CharField(_("volet"), max_length=20, choices=Strand.choices)

    class Meta:
        verbose_name = _("volet d'un engagement")
        verbose_name_plural = _("volets des engagements")
        ordering = ["commitment", "strand"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "strand"], name="plan_commitmentstrand_unique"),
            models.CheckConstraint(condition=Q(strand__in=Strand.values), name="plan_commitmentstrand_known"),
        ]

    def __str__(self):
        return f"{self.commitment.number} — {self.get_strand_display()}"


class MilestoneQuerySet(models.QuerySet):
    def with_late(self, today: datetime.date | None = None):
        """Annotate ``is_late``: the due date has passed and the milestone is not completed (in SQL)."""
        today = today or timezone.localdate()
        return self.annotate(
            is_late=Case(
                When(Q(due_date__lt=today) & ~Q(status=Status.COMPLETED), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def late(self, today: datetime.date | None = None):
        return self.with_late(today).filter(is_late=True)


number_validator = RegexValidator(r"^[0-9]{1,3}\.[0-9]{1,3}$",
                                  _("Le numéro d'un jalon s'écrit comme dans le plan, par exemple « 1.4 »."))


class Milestone(models.Model):
    """A milestone (jalon) of a commitment, with its due date, lead body, collaborators and status."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="milestones",
                             verbose_name=_("plan d'action"))
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="milestones",
                                   verbose_name=_("engagement"))
    number = models.CharField(_("numéro"), max_length=10, validators=[number_validator],
                              help_text=_("Numéro du jalon dans le plan, par exemple « 1.4 »."))
    position = models.PositiveSmallIntegerField(
        _("rang"), default=0, help_text=_("Rang du jalon dans son engagement (la partie après le point)."))
    title_fr = models.CharField(_("titre (français)"), max_length=400)
    title_en = models.CharField(_("titre (anglais)"), max_length=400, blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    description_en = models.TextField(_("description (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    due_date = models.DateField(_("échéance"))
    due_date_note_fr = models.CharField(_("précision sur l'échéance (français)"), max_length=200, blank=True,
                                        help_text=_("Par exemple « première itération »."))
    due_date_note_en = models.CharField(_("précision sur l'échéance (anglais)"), max_length=200, blank=True)
    lead = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="led_milestones",
                             verbose_name=_("organisme responsable"))
    collaborators = models.ManyToManyField("core.Organisation", blank=True,
                                           related_name="collaborating_milestones",
                                           verbose_name=_("collaborateurs"))
    status = models.CharField(_("état d'avancement"), max_length=20, choices=Status.choices,
                              default=Status.NOT_STARTED)
    is_demo_status = models.BooleanField(
        _("état de démonstration"), default=False,
        help_text=_("L'état d'avancement est illustratif (contenu de démonstration), pas un état réel."))
    completed_at = models.DateTimeField(_("complété le"), null=True, blank=True)
    data_notes_fr = models.TextField(_("notes sur les données (français)"), blank=True,
                                     max_length=TEXT_MAX_LENGTH,
                                     help_text=_("Sources, écarts entre sections du plan, précisions."))
    data_notes_en = models.TextField(_("notes sur les données (anglais)"), blank=True,
                                     max_length=TEXT_MAX_LENGTH)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["plan", "commitment__number", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_milestone_number_unique"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="plan_milestone_status_known"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(status=Status.COMPLETED),
                name="plan_milestone_completed_at_only_when_completed"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="plan_milestone_status_due_idx")]

    def __str__(self):
        return f"{self.number} {self.title}"

    title = Translated("title")

    description = Translated("description")

    due_date_note = Translated("due_date_note")

    data_notes = Translated("data_notes")

    @property
    def late(self) -> bool:
        """The SQL annotation when present, else the same rule computed in Python."""
        if hasattr(self, "is_late"):
            return bool(self.is_late)
        return self.due_date < timezone.localdate() and self.status != Status.COMPLETED


class ProgressUpdate(models.Model):
    """A dated progress report on a milestone. Kept as history: never edited or deleted by the application."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="updates",
                                  verbose_name=_("jalon"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="plan_updates", verbose_name=_("auteur"))
    author_label = models.CharField(_("auteur (libellé)"), max_length=254, blank=True,
                                    help_text=_("Nom affiché, conservé même si le compte est supprimé."))
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="plan_updates", verbose_name=_("organisme"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    text_fr = models.TextField(_("texte (français)"), max_length=TEXT_MAX_LENGTH)
    text_en = models.TextField(_("texte (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    status_before = models.CharField(_("état avant"), max_length=20, choices=Status.choices)
    status_after = models.CharField(_("état après"), max_length=20, choices=Status.choices)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        verbose_name = _("compte rendu d'avancement")
        verbose_name_plural = _("comptes rendus d'avancement")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status_before__in=Status.values) & Q(status_after__in=Status.values),
                                   name="plan_progressupdate_status_known"),
        ]

    def __str__(self):
        return f"{self.milestone.number} — {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Progress updates are history: they cannot be edited.")
        super().save(*args, **kwargs)

    text = Translated("text")


class EvidenceLink(models.Model):
    """A link to a document or page that shows the progress reported."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence",
                               verbose_name=_("compte rendu"))
    url = models.URLField(_("adresse"), max_length=500, help_text=_("Adresse http(s) de la preuve."))
    label = models.CharField(_("libellé"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["update", "id"]

    def __str__(self):
        return self.label or self.url


class Committee(models.Model):
    """The open-government committee (comité en gouvernement ouvert)."""

    plan = models.ForeignKey(ActionPlan, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="committees", verbose_name=_("plan d'action"))
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=300)
    name_en = models.CharField(_("nom (anglais)"), max_length=300, blank=True)
    mandate_fr = models.TextField(_("mandat (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    mandate_en = models.TextField(_("mandat (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)
    established_on = models.DateField(_("mis en place le"), null=True, blank=True)
    notes_fr = models.TextField(_("notes (français)"), blank=True, max_length=TEXT_MAX_LENGTH)
    notes_en = models.TextField(_("notes (anglais)"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("comité")
        verbose_name_plural = _("comités")
        ordering = ["name_fr"]

    def __str__(self):
        return self.name

    name = Translated("name")

    mandate = Translated("mandate")

    notes = Translated("notes")


class CommitteeMembership(models.Model):
    """An organisation's seat on the committee."""

    class Seat(models.TextChoices):
        CIVIL_SOCIETY = "civil_society", _("Société civile")
        PUBLIC_BODY = "public_body", _("Organisme public")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships",
                                  verbose_name=_("comité"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT,
                                     related_name="committee_seats", verbose_name=_("organisation"))
    seat = models.CharField(_("siège"), max_length=20, choices=Seat.choices)
    mandate_start = models.DateField(_("début du mandat"))
    mandate_end = models.DateField(_("fin du mandat"))
    role_fr = models.CharField(_("rôle (français)"), max_length=300, blank=True)
    role_en = models.CharField(_("rôle (anglais)"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("rang"), default=0)

    class Meta:
        verbose_name = _("membre du comité")
        verbose_name_plural = _("membres du comité")
        ordering = ["committee", "seat", "position", "organisation__name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "organisation"], name="plan_committeemembership_unique"),
            models.CheckConstraint(condition=Q(mandate_end__gte=models.F("mandate_start")),
                                   name="plan_committeemembership_mandate_ordered"),
            models.CheckConstraint(condition=Q(seat__in=["civil_society", "public_body"]),
                                   name="plan_committeemembership_seat_known"),
        ]

    def __str__(self):
        return f"{self.committee} — {self.organisation}"

    role = Translated("role")


class MilestoneMeasure(models.Model):
    """A figure of a milestone that a module of the platform feeds automatically (``key``, for instance
    ``software.accompaniments_completed``): its value, its target, and when it first reached the target
    (``reached_at``: the platform writes its progress update once, then)."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="measures",
                                  verbose_name=_("jalon"))
    key = models.CharField(_("clé"), max_length=100,
                           help_text=_("Le module et la mesure, par exemple « software.accompaniments_completed »."))
    label_fr = models.CharField(_("libellé (français)"), max_length=300)
    label_en = models.CharField(_("libellé (anglais)"), max_length=300, blank=True)
    value = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2)
    target = models.DecimalField(_("cible"), max_digits=12, decimal_places=2, null=True, blank=True)
    reached_at = models.DateTimeField(_("cible atteinte le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("mesure d'un jalon")
        verbose_name_plural = _("mesures des jalons")
        ordering = ["milestone", "key"]
        constraints = [models.UniqueConstraint(fields=["milestone", "key"], name="plan_milestone_measure_once")]

    def __str__(self):
        return f"{self.milestone.number} — {self.key}"

    label = Translated("label")

    @staticmethod
    def number_text(value) -> str:
        """A figure without trailing zeros (« 2 », « 2.5 »)."""
        if value is None:
            return ""
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    @property
    def value_text(self) -> str:
        return self.number_text(self.value)

    @property
    def target_text(self) -> str:
        return self.number_text(self.target)

    @property
    def is_reached(self) -> bool:
        return self.target is not None and self.value >= self.target
