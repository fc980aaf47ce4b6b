"""The consult module's data: participatory processes (consultations) and what people do in them.

Sections, one per part of the module (each part's code is in ``<part>.py``):

- processes: the consultation, its phases, documents, invitations, the participants' verification;
- participation: one row per person and process (unique participants, the support budget);
- meetings: in-person, online or hybrid meetings, registrations, minutes;
- proposals: proposals/ideas, their supports and amendments;
- surveys: questionnaires, questions, responses;
- debates and drafts: debates (arguments are comments with a stance), draft texts split in paragraphs;
- opinions: Pol.is-style statements, votes and the computed opinion groups;
- comments and moderation: threaded comments on anything, votes, reports, hidden content, blocks;
- follows: what people follow and how often they want e-mail;
- results: the report (« ce que nous avons entendu »), satisfaction survey, suggestion box, subscriptions.

Content written by participants is stored as written (one language); content written by the organiser
comes as ``_fr``/``_en`` pairs. Every "one per person" rule is a database constraint, so that concurrent
double submits cannot count twice.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import Translated

USER = settings.AUTH_USER_MODEL


# --- Processes -------------------------------------------------------------------------------------

class Process(models.Model):
    """A consultation run by a public body: digital, in person or both."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Publique (listée)")
        UNLISTED = "unlisted", _("Non listée (accessible par son lien)")
        PRIVATE = "private", _("Privée (personnes invitées)")

    class Mode(models.TextChoices):
        DIGITAL = "digital", _("En ligne")
        IN_PERSON = "in_person", _("En personne")
        HYBRID = "hybrid", _("Hybride (en ligne et en personne)")

    class Influence(models.TextChoices):
        # The levels of participation of the Cadre de référence (information → délégation).
        INFORM = "inform", _("Information : faire connaître la décision et ses raisons")
        CONSULT = "consult", _("Consultation : recueillir des avis dont l'autorité tient compte")
        DISCUSS = "discuss", _("Discussion : échanger pour enrichir les options")
        COLLABORATE = "collaborate", _("Collaboration : élaborer les solutions avec les participants")
        DELEGATE = "delegate", _("Délégation : les participants décident dans un cadre donné")

    class Verification(models.TextChoices):
        ACCOUNT = "account", _("Compte vérifié (courriel)")
        POSTAL_CODE = "postal_code", _("Code postal du Québec")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="consultations",
                                     verbose_name=_("organisme responsable"))
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    summary_fr = models.TextField(_("résumé (français)"), max_length=1000, blank=True)
    summary_en = models.TextField(_("résumé (anglais)"), max_length=1000, blank=True)
    description_fr = models.TextField(_("description (français, Markdown)"), max_length=50000, blank=True)
    description_en = models.TextField(_("description (anglais, Markdown)"), max_length=50000, blank=True)
    decision_fr = models.TextField(_("décision éclairée par la consultation (français)"), max_length=5000,
                                   blank=True)
    decision_en = models.TextField(_("décision éclairée par la consultation (anglais)"), max_length=5000,
                                   blank=True)
    influence = models.CharField(_("influence des participants"), max_length=12, choices=Influence.choices,
                                 default=Influence.CONSULT)
    theme = models.CharField(_("thème"), max_length=100, blank=True, db_index=True)
    territory = models.CharField(_("territoire"), max_length=100, blank=True, db_index=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    mode = models.CharField(_("façon d'y prendre part"), max_length=10, choices=Mode.choices, default=Mode.DIGITAL)
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    verification = models.CharField(_("vérification des participants"), max_length=12,
                                     choices=Verification.choices, default=Verification.ACCOUNT)
    contact_name = models.CharField(_("personne-ressource"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel de la personne-ressource"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    # Proposals: how many supports a person may give in this process (0: no limit) and how many a
    # proposal needs to reach the threshold the organiser promised to answer.
    support_limit = models.PositiveIntegerField(_("appuis par personne (0 : sans limite)"), default=0)
    support_threshold = models.PositiveIntegerField(_("seuil d'appuis"), default=0)
    proposal_limit = models.PositiveIntegerField(_("propositions par personne (0 : sans limite)"), default=0)
    amendments_enabled = models.BooleanField(_("amendements permis"), default=False)
    auto_hide_threshold = models.PositiveIntegerField(_("signalements avant masquage automatique"), default=3)
    demographics_enabled = models.BooleanField(_("questions sociodémographiques (avec consentement)"),
                                               default=False)
    # The wizard's record: for each guiding principle of the Cadre de référence, what the organiser
    # wrote about how the process meets it ({"<principle>": "<text>"}).
    principles = models.JSONField(_("principes directeurs"), default=dict, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("créée par"))
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    title = Translated("title")
    summary = Translated("summary")
    description = Translated("description")
    decision = Translated("decision")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-starts_on", "-created_at"]
        indexes = [models.Index(fields=["visibility", "published_at"], name="consult_process_listed_idx")]

    def __str__(self):
        return self.slug


class Phase(models.Model):
    """A period of a process; the components it names are open for contributions during it."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        CONTRIBUTION = "contribution", _("Contribution")
        ANALYSIS = "analysis", _("Analyse")
        REPORT = "report", _("Rapport")

    class Component(models.TextChoices):
        PROPOSALS = "proposals", _("Propositions")
        SUPPORTS = "supports", _("Appuis")
        COMMENTS = "comments", _("Commentaires")
        SURVEYS = "surveys", _("Questionnaires")
        DEBATES = "debates", _("Débats")
        DRAFTS = "drafts", _("Texte à commenter")
        OPINIONS = "opinions", _("Énoncés d'opinion")
        MEETINGS = "meetings", _("Rencontres")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases",
                                verbose_name=_("consultation"))
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    title_fr = models.CharField(_("titre (français)"), max_length=200, blank=True)
    title_en = models.CharField(_("titre (anglais)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (français)"), max_length=5000, blank=True)
    description_en = models.TextField(_("description (anglais)"), max_length=5000, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    components = models.JSONField(_("composantes ouvertes"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["process_id", "position", "starts_on"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="consult_phase_dates")]

    def __str__(self):
        return f"{self.process_id} {self.kind}"


def document_upload_to(instance, filename: str) -> str:
    """A random, unguessable storage name (documents are served by a view that checks access, never by
    their media address), keeping only the extension."""
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"consult/documents/{secrets.token_hex(16)}.{extension}"


class ProcessDocument(models.Model):
    """A document that informs participants (file or link)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="documents",
                                verbose_name=_("consultation"))
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    file = models.FileField(_("fichier"), upload_to=document_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("nom du fichier d'origine"), max_length=200, blank=True)
    url = models.URLField(_("lien"), blank=True, max_length=1000)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    title = Translated("title")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["process_id", "position", "pk"]

    def __str__(self):
        return self.title_fr


class Invitation(models.Model):
    """An invitation to a private process; the person who accepts it becomes a participant."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="invitations",
                                verbose_name=_("consultation"))
    email = models.EmailField(_("courriel"))
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("personne"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("invitée par"))
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["process", "email"], name="consult_invitation_unique")]

    def __str__(self):
        return f"{self.process_id} {self.email}"


class Verification(models.Model):
    """What a person declared to take part in processes that ask for it (a Quebec postal code)."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="consult_verification",
                                verbose_name=_("personne"))
    postal_code = models.CharField(_("code postal"), max_length=7, blank=True)
    verified_at = models.DateTimeField(_("vérifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("vérification")
        verbose_name_plural = _("vérifications")

    def __str__(self):
        return f"{self.user_id} {self.postal_code}"


# --- Participation ---------------------------------------------------------------------------------

class Participation(models.Model):
    """One row per person who did something in a process: the unique participants, when they first and
    last acted, how many supports they used (the per-person limit is checked with a conditional update
    of this row) and how many proposals they made."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="participations",
                                verbose_name=_("consultation"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="consult_participations",
                             verbose_name=_("personne"))
    first_action_at = models.DateTimeField(_("première action"), default=timezone.now)
    last_action_at = models.DateTimeField(_("dernière action"), default=timezone.now)
    actions = models.PositiveIntegerField(_("actions"), default=0)
    supports_used = models.PositiveIntegerField(_("appuis donnés"), default=0)
    proposals_made = models.PositiveIntegerField(_("propositions faites"), default=0)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [models.UniqueConstraint(fields=["process", "user"], name="consult_participation_unique")]
        indexes = [models.Index(fields=["process", "first_action_at"], name="consult_particip_first_idx")]

    def __str__(self):
        return f"{self.process_id} {self.user_id}"


# --- Meetings --------------------------------------------------------------------------------------

class Meeting(models.Model):
    """A meeting of a process (or a consultation held only in person): place, time, registration, minutes."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("En personne")
        ONLINE = "online", _("En ligne")
        HYBRID = "hybrid", _("Hybride")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="meetings",
                                verbose_name=_("consultation"))
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), max_length=10000, blank=True)
    description_en = models.TextField(_("description (anglais)"), max_length=10000, blank=True)
    mode = models.CharField(_("format"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    address = models.CharField(_("adresse"), max_length=500, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    online_url = models.URLField(_("lien de la rencontre en ligne"), blank=True, max_length=1000)
    capacity = models.PositiveIntegerField(_("places (0 : sans limite)"), default=0)
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=True)
    registrations_count = models.PositiveIntegerField(_("personnes inscrites"), default=0)
    attendees_count = models.PositiveIntegerField(_("personnes présentes"), null=True, blank=True)
    minutes_fr = models.TextField(_("compte rendu (français, Markdown)"), max_length=50000, blank=True)
    minutes_en = models.TextField(_("compte rendu (anglais, Markdown)"), max_length=50000, blank=True)
    minutes_published_at = models.DateTimeField(_("compte rendu publié le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=1000, blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")
    minutes = Translated("minutes")

    class Meta:
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")),
                                              name="consult_meeting_dates")]

    def __str__(self):
        return self.title_fr


class MeetingRegistration(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations",
                                verbose_name=_("rencontre"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    code = models.CharField(_("code d'inscription"), max_length=12)
    created_at = models.DateTimeField(_("inscrite le"), default=timezone.now)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="consult_registration_unique")]

    def __str__(self):
        return f"{self.meeting_id} {self.user_id}"


# --- Proposals -------------------------------------------------------------------------------------

class Category(models.Model):
    """A category of a process's proposals (and of the report's themes)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="categories",
                                verbose_name=_("consultation"))
    name_fr = models.CharField(_("nom (français)"), max_length=150)
    name_en = models.CharField(_("nom (anglais)"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    name = Translated("name")

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["process_id", "position", "name_fr"]
        constraints = [models.UniqueConstraint(fields=["process", "name_fr"], name="consult_category_unique")]

    def __str__(self):
        return self.name_fr


class Proposal(models.Model):
    """An idea or proposal made by a participant, supported by others, answered by the organiser."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Publiée")
        EVALUATING = "evaluating", _("En évaluation")
        ACCEPTED = "accepted", _("Retenue")
        REJECTED = "rejected", _("Non retenue")
        IMPLEMENTED = "implemented", _("Réalisée")
        WITHDRAWN = "withdrawn", _("Retirée")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals",
                                verbose_name=_("consultation"))
    number = models.PositiveIntegerField(_("numéro"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="proposals", verbose_name=_("catégorie"))
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte (Markdown)"), max_length=10000)
    address = models.CharField(_("adresse ou lieu"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    attachment = models.FileField(_("pièce jointe"), upload_to="consult/proposals/", blank=True, max_length=300)
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.PUBLISHED,
                              db_index=True)
    answer_fr = models.TextField(_("réponse officielle (français)"), max_length=10000, blank=True)
    answer_en = models.TextField(_("réponse officielle (anglais)"), max_length=10000, blank=True)
    answered_at = models.DateTimeField(_("réponse publiée le"), null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("réponse de"))
    # Kept by the services in the same transaction as the rows they count (F() updates).
    supports_count = models.PositiveIntegerField(_("appuis"), default=0)
    comments_count = models.PositiveIntegerField(_("commentaires"), default=0)
    is_hidden = models.BooleanField(_("masquée par la modération"), default=False)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    modified_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    answer = Translated("answer")

    class Meta:
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["process_id", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["process", "number"], name="consult_proposal_number")]
        indexes = [
            models.Index(fields=["process", "is_hidden", "-supports_count", "-id"],
                         name="consult_proposal_top_idx"),
            models.Index(fields=["process", "is_hidden", "-created_at", "-id"],
                         name="consult_proposal_recent_idx"),
        ]

    def __str__(self):
        return f"{self.process_id}#{self.number}"


class Support(models.Model):
    """One person's support of one proposal (at most one: a database constraint)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports",
                                 verbose_name=_("proposition"))
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("consultation"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    created_at = models.DateTimeField(_("appuyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("appui")
        verbose_name_plural = _("appuis")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="consult_support_unique")]
        indexes = [models.Index(fields=["process", "user"], name="consult_support_person_idx")]

    def __str__(self):
        return f"{self.proposal_id} {self.user_id}"


class Amendment(models.Model):
    """A change to a proposal suggested by another participant; the author accepts or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        REJECTED = "rejected", _("Refusée")
        WITHDRAWN = "withdrawn", _("Retirée")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments",
                                 verbose_name=_("proposition"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    title = models.CharField(_("titre proposé"), max_length=200)
    body = models.TextField(_("texte proposé (Markdown)"), max_length=10000)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    is_hidden = models.BooleanField(_("masquée par la modération"), default=False)
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("amendement")
        verbose_name_plural = _("amendements")
        ordering = ["proposal_id", "created_at", "pk"]

    def __str__(self):
        return f"{self.proposal_id} {self.title}"


# --- Surveys ---------------------------------------------------------------------------------------

class Survey(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys",
                                verbose_name=_("consultation"))
    slug = models.SlugField(_("identifiant"), max_length=100)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), max_length=10000, blank=True)
    description_en = models.TextField(_("description (anglais)"), max_length=10000, blank=True)
    anonymous = models.BooleanField(_("réponses anonymes"), default=False,
                                    help_text=_("L'identité des répondants n'est pas conservée avec leurs "
                                                "réponses; une seule réponse par personne reste garantie."))
    results_public = models.BooleanField(_("résultats publics"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["process_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["process", "slug"], name="consult_survey_slug")]

    def __str__(self):
        return f"{self.process_id} {self.slug}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Réponse courte")
        LONG_TEXT = "long_text", _("Réponse longue")
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiples")
        RANKING = "ranking", _("Classement")
        MATRIX = "matrix", _("Matrice")
        SCALE_5 = "scale_5", _("Échelle de 1 à 5")
        SCALE_10 = "scale_10", _("Échelle de 1 à 10")
        FILE = "file", _("Fichier")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions",
                               verbose_name=_("questionnaire"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    text_fr = models.CharField(_("question (français)"), max_length=1000)
    text_en = models.CharField(_("question (anglais)"), max_length=1000, blank=True)
    help_fr = models.CharField(_("aide (français)"), max_length=1000, blank=True)
    help_en = models.CharField(_("aide (anglais)"), max_length=1000, blank=True)
    required = models.BooleanField(_("obligatoire"), default=False)
    # Choices, matrix rows and columns: {"choices": [{"key", "label_fr", "label_en"}],
    # "rows": [{"key", "label_fr", "label_en"}], "max_choices": n}.
    options = models.JSONField(_("options"), default=dict, blank=True)
    # Shown only when another question of the same survey was answered so:
    # {"question": <position>, "in": ["<choice key>", …]}.
    condition = models.JSONField(_("condition d'affichage"), default=dict, blank=True)
    is_demographic = models.BooleanField(_("question sociodémographique"), default=False)

    text = Translated("text")
    help = Translated("help")

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="consult_question_position")]

    def __str__(self):
        return f"{self.survey_id}.{self.position}"


class Response(models.Model):
    """One person's response to a survey. ``respondent`` is a keyed hash of the person (one response per
    person, also when anonymous); ``user`` is kept only when the survey is not anonymous."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses",
                               verbose_name=_("questionnaire"))
    respondent = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("personne"))
    demographics_consent = models.BooleanField(_("consentement sociodémographique"), default=False)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("réponse au questionnaire")
        verbose_name_plural = _("réponses aux questionnaires")
        constraints = [models.UniqueConstraint(fields=["survey", "respondent"], name="consult_response_unique")]

    def __str__(self):
        return f"{self.survey_id} {self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("réponse"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("question"))
    # Text: "…"; single: "key"; multiple / ranking: ["key", …]; matrix: {"row": "col"}; scale: n.
    value = models.JSONField(_("valeur"), null=True, blank=True)
    file = models.FileField(_("fichier"), upload_to="consult/answers/", blank=True, max_length=300)

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="consult_answer_unique")]

    def __str__(self):
        return f"{self.response_id}.{self.question_id}"


# --- Debates and draft texts -----------------------------------------------------------------------

class Debate(models.Model):
    """A question put to debate; the arguments for and against are comments with a stance."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="debates",
                                verbose_name=_("consultation"))
    title_fr = models.CharField(_("question (français)"), max_length=300)
    title_en = models.CharField(_("question (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("contexte (français, Markdown)"), max_length=20000, blank=True)
    description_en = models.TextField(_("contexte (anglais, Markdown)"), max_length=20000, blank=True)
    conclusions_fr = models.TextField(_("conclusions (français)"), max_length=20000, blank=True)
    conclusions_en = models.TextField(_("conclusions (anglais)"), max_length=20000, blank=True)
    closed_at = models.DateTimeField(_("fermé le"), null=True, blank=True)
    comments_count = models.PositiveIntegerField(_("arguments et commentaires"), default=0)
    is_hidden = models.BooleanField(_("masqué par la modération"), default=False)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")
    conclusions = Translated("conclusions")

    class Meta:
        verbose_name = _("débat")
        verbose_name_plural = _("débats")
        ordering = ["process_id", "-created_at", "-pk"]

    def __str__(self):
        return self.title_fr


class DraftText(models.Model):
    """A draft (bill, policy, strategy) split into paragraphs that participants comment one by one."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="drafts",
                                verbose_name=_("consultation"))
    slug = models.SlugField(_("identifiant"), max_length=100)
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    introduction_fr = models.TextField(_("introduction (français)"), max_length=10000, blank=True)
    introduction_en = models.TextField(_("introduction (anglais)"), max_length=10000, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    title = Translated("title")
    introduction = Translated("introduction")

    class Meta:
        verbose_name = _("texte à commenter")
        verbose_name_plural = _("textes à commenter")
        ordering = ["process_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["process", "slug"], name="consult_draft_slug")]

    def __str__(self):
        return f"{self.process_id} {self.slug}"


class Paragraph(models.Model):
    draft = models.ForeignKey(DraftText, on_delete=models.CASCADE, related_name="paragraphs",
                              verbose_name=_("texte"))
    position = models.PositiveIntegerField(_("ordre"))
    is_heading = models.BooleanField(_("titre de section"), default=False)
    text_fr = models.TextField(_("texte (français)"), max_length=20000)
    text_en = models.TextField(_("texte (anglais)"), max_length=20000, blank=True)
    comments_count = models.PositiveIntegerField(_("commentaires"), default=0)

    text = Translated("text")

    class Meta:
        verbose_name = _("paragraphe")
        verbose_name_plural = _("paragraphes")
        ordering = ["draft_id", "position"]
        constraints = [models.UniqueConstraint(fields=["draft", "position"], name="consult_paragraph_position")]

    def __str__(self):
        return f"{self.draft_id}§{self.position}"


# --- Opinion statements (Pol.is style) -------------------------------------------------------------

class Conversation(models.Model):
    """A set of short statements that participants vote on (agree / disagree / pass) and add to."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="conversations",
                                verbose_name=_("consultation"))
    slug = models.SlugField(_("identifiant"), max_length=100)
    title_fr = models.CharField(_("sujet (français)"), max_length=300)
    title_en = models.CharField(_("sujet (anglais)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (français)"), max_length=10000, blank=True)
    description_en = models.TextField(_("description (anglais)"), max_length=10000, blank=True)
    participants_can_add = models.BooleanField(_("les participants peuvent ajouter des énoncés"), default=True)
    premoderated = models.BooleanField(_("énoncés des participants approuvés avant publication"),
                                       default=False)
    votes_count = models.PositiveIntegerField(_("votes"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    title = Translated("title")
    description = Translated("description")

    class Meta:
        verbose_name = _("conversation d'opinions")
        verbose_name_plural = _("conversations d'opinions")
        ordering = ["process_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["process", "slug"], name="consult_conversation_slug")]

    def __str__(self):
        return f"{self.process_id} {self.slug}"


class Statement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente d'approbation")
        ACCEPTED = "accepted", _("Publié")
        REJECTED = "rejected", _("Refusé")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="statements",
                                     verbose_name=_("conversation"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    text = models.CharField(_("énoncé"), max_length=400)
    is_seed = models.BooleanField(_("énoncé de départ (organisateur)"), default=False)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    is_hidden = models.BooleanField(_("masqué par la modération"), default=False)
    agree_count = models.PositiveIntegerField(_("d'accord"), default=0)
    disagree_count = models.PositiveIntegerField(_("en désaccord"), default=0)
    pass_count = models.PositiveIntegerField(_("passe"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("énoncé")
        verbose_name_plural = _("énoncés")
        ordering = ["conversation_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["conversation", "text"], name="consult_statement_unique")]

    def __str__(self):
        return self.text[:60]


class StatementVote(models.Model):
    """One person's vote on one statement (Pol.is convention: 1 agree, -1 disagree, 0 pass); a new vote
    replaces the previous one."""

    class Value(models.IntegerChoices):
        AGREE = 1, _("D'accord")
        DISAGREE = -1, _("En désaccord")
        PASS = 0, _("Passe / je ne sais pas")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes",
                                  verbose_name=_("énoncé"))
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("conversation"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    value = models.SmallIntegerField(_("vote"), choices=Value.choices)
    created_at = models.DateTimeField(_("voté le"), default=timezone.now)

    class Meta:
        verbose_name = _("vote sur un énoncé")
        verbose_name_plural = _("votes sur les énoncés")
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="consult_statement_vote_unique"),
            models.CheckConstraint(condition=models.Q(value__in=[-1, 0, 1]), name="consult_statement_vote_value"),
        ]
        indexes = [models.Index(fields=["conversation", "user"], name="consult_vote_person_idx")]

    def __str__(self):
        return f"{self.statement_id} {self.user_id} {self.value}"


class OpinionAnalysis(models.Model):
    """The last computed opinion groups of a conversation (PCA projection, k-means groups, representative
    and consensus statements), recomputed when enough new votes came in."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="analysis",
                                        verbose_name=_("conversation"))
    votes_count = models.PositiveIntegerField(_("votes pris en compte"), default=0)
    participants = models.PositiveIntegerField(_("participants pris en compte"), default=0)
    result = models.JSONField(_("résultat"), default=dict)
    computed_at = models.DateTimeField(_("calculé le"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("durée du calcul (ms)"), default=0)

    class Meta:
        verbose_name = _("analyse des groupes d'opinion")
        verbose_name_plural = _("analyses des groupes d'opinion")

    def __str__(self):
        return f"{self.conversation_id} @ {self.computed_at:%Y-%m-%d %H:%M}"


# --- Comments and moderation -----------------------------------------------------------------------

class TargetKind(models.TextChoices):
    """What a comment, a follow or a report is about (``target_kind`` + ``target_id``)."""

    PROCESS = "process", _("Consultation")
    PROPOSAL = "proposal", _("Proposition")
    AMENDMENT = "amendment", _("Amendement")
    DEBATE = "debate", _("Débat")
    PARAGRAPH = "paragraph", _("Paragraphe")
    MEETING = "meeting", _("Rencontre")
    STATEMENT = "statement", _("Énoncé")
    COMMENT = "comment", _("Commentaire")


class Comment(models.Model):
    """A comment on a proposal, debate (an argument for or against), paragraph, meeting…; threaded."""

    class Stance(models.TextChoices):
        FOR = "for", _("Pour")
        AGAINST = "against", _("Contre")
        NEUTRAL = "neutral", _("Neutre")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="comments",
                                verbose_name=_("consultation"))
    target_kind = models.CharField(_("sur"), max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField(_("n°"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
                               verbose_name=_("en réponse à"))
    depth = models.PositiveSmallIntegerField(_("profondeur"), default=0)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    body = models.TextField(_("texte (Markdown)"), max_length=5000)
    stance = models.CharField(_("position"), max_length=8, choices=Stance.choices, blank=True)
    upvotes = models.PositiveIntegerField(_("votes pour"), default=0)
    downvotes = models.PositiveIntegerField(_("votes contre"), default=0)
    is_hidden = models.BooleanField(_("masqué par la modération"), default=False)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("publié le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["target_kind", "target_id", "created_at"], name="consult_comment_target_idx"),
            models.Index(fields=["process", "created_at"], name="consult_comment_process_idx"),
        ]

    def __str__(self):
        return f"{self.target_kind}:{self.target_id} #{self.pk}"


class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes",
                                verbose_name=_("commentaire"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    value = models.SmallIntegerField(_("vote"))
    created_at = models.DateTimeField(_("voté le"), default=timezone.now)

    class Meta:
        verbose_name = _("vote sur un commentaire")
        verbose_name_plural = _("votes sur les commentaires")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="consult_comment_vote_unique"),
            models.CheckConstraint(condition=models.Q(value__in=[-1, 1]), name="consult_comment_vote_value"),
        ]

    def __str__(self):
        return f"{self.comment_id} {self.user_id} {self.value}"


class Flag(models.Model):
    """A report of content by a participant (one per person and content)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Pourriel ou publicité")
        OFFENSIVE = "offensive", _("Propos injurieux, haineux ou discriminatoires")
        PERSONAL = "personal", _("Renseignements personnels")
        OFF_TOPIC = "off_topic", _("Hors sujet")
        OTHER = "other", _("Autre raison")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("consultation"))
    target_kind = models.CharField(_("sur"), max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField(_("n°"))
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("signalé par"))
    reason = models.CharField(_("raison"), max_length=10, choices=Reason.choices)
    details = models.CharField(_("précisions"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        constraints = [models.UniqueConstraint(fields=["reporter", "target_kind", "target_id"],
                                               name="consult_flag_unique")]

    def __str__(self):
        return f"{self.target_kind}:{self.target_id} {self.reason}"


class Moderation(models.Model):
    """The moderation state of one reported or hidden piece of content (the moderators' queue)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="moderations",
                                verbose_name=_("consultation"))
    target_kind = models.CharField(_("sur"), max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField(_("n°"))
    reports_count = models.PositiveIntegerField(_("signalements"), default=0)
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    hidden_automatically = models.BooleanField(_("masqué automatiquement"), default=False)
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("examiné par"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("modération")
        verbose_name_plural = _("modérations")
        constraints = [models.UniqueConstraint(fields=["target_kind", "target_id"], name="consult_moderation_unique")]
        indexes = [models.Index(fields=["process", "reviewed_at"], name="consult_moderation_queue_idx")]

    def __str__(self):
        return f"{self.target_kind}:{self.target_id}"


class Block(models.Model):
    """A person blocked from taking part in consultations (until ``lifted_at``)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="consult_blocks",
                             verbose_name=_("personne"))
    reason = models.CharField(_("raison"), max_length=1000)
    blocked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("bloquée par"))
    created_at = models.DateTimeField(_("bloquée le"), default=timezone.now)
    lifted_at = models.DateTimeField(_("débloquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("blocage")
        verbose_name_plural = _("blocages")
        constraints = [models.UniqueConstraint(fields=["user"], condition=models.Q(lifted_at__isnull=True),
                                               name="consult_block_active_unique")]

    def __str__(self):
        return f"{self.user_id}"


# --- Follows and notification preferences ----------------------------------------------------------

class Follow(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="follows",
                                verbose_name=_("consultation"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="consult_follows",
                             verbose_name=_("personne"))
    target_kind = models.CharField(_("suit"), max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField(_("n°"))
    created_at = models.DateTimeField(_("depuis le"), default=timezone.now)

    class Meta:
        verbose_name = _("abonnement à une consultation")
        verbose_name_plural = _("abonnements aux consultations")
        constraints = [models.UniqueConstraint(fields=["user", "target_kind", "target_id"],
                                               name="consult_follow_unique")]
        indexes = [models.Index(fields=["target_kind", "target_id"], name="consult_follow_target_idx")]

    def __str__(self):
        return f"{self.user_id} {self.target_kind}:{self.target_id}"


class NotificationSetting(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immédiatement")
        DAILY = "daily", _("Résumé quotidien")
        WEEKLY = "weekly", _("Résumé hebdomadaire")
        NONE = "none", _("Jamais (seulement dans le site)")

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="consult_notification_setting",
                                verbose_name=_("personne"))
    frequency = models.CharField(_("courriels"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.IMMEDIATE)
    last_digest_at = models.DateTimeField(_("dernier résumé"), null=True, blank=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self):
        return f"{self.user_id} {self.frequency}"


class Subscription(models.Model):
    """An e-mail address that asked to hear about new consultations (confirmed by a link)."""

    email = models.EmailField(_("courriel"), unique=True)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("personne"))
    # {"organisation": slug, "theme": …, "territory": …}; empty: every new consultation.
    filters = models.JSONField(_("filtres"), default=dict, blank=True)
    language = models.CharField(_("langue"), max_length=5, default="fr")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("dernier envoi"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonnement aux nouvelles consultations")
        verbose_name_plural = _("abonnements aux nouvelles consultations")

    def __str__(self):
        return self.email


# --- Results, satisfaction and suggestions ---------------------------------------------------------

class ProcessReport(models.Model):
    """« Ce que nous avons entendu »: generated from the data, edited by the organiser, then published."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="report",
                                   verbose_name=_("consultation"))
    body_fr = models.TextField(_("rapport (français, Markdown)"), max_length=200000, blank=True)
    body_en = models.TextField(_("rapport (anglais, Markdown)"), max_length=200000, blank=True)
    figures = models.JSONField(_("chiffres au moment de la génération"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("généré le"), null=True, blank=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    edited_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("modifié par"))
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    body = Translated("body")

    class Meta:
        verbose_name = _("rapport de consultation")
        verbose_name_plural = _("rapports de consultation")

    def __str__(self):
        return f"{self.process_id}"


class SatisfactionResponse(models.Model):
    """How a participant rated taking part in a process (1 to 5) and what they would improve."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="satisfaction",
                                verbose_name=_("consultation"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    score = models.PositiveSmallIntegerField(_("note (1 à 5)"))
    comment = models.TextField(_("commentaire"), max_length=3000, blank=True)
    created_at = models.DateTimeField(_("répondu le"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction")
        verbose_name_plural = _("satisfaction")
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="consult_satisfaction_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="consult_satisfaction_score"),
        ]
        indexes = [models.Index(fields=["process", "created_at"], name="consult_satisfaction_idx")]

    def __str__(self):
        return f"{self.process_id} {self.score}"


class Suggestion(models.Model):
    """The platform-wide suggestion box; organisers (or the platform team) answer."""

    class Status(models.TextChoices):
        NEW = "new", _("Reçue")
        ANSWERED = "answered", _("Répondue")
        CLOSED = "closed", _("Fermée")

    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    email = models.EmailField(_("courriel pour la réponse"), blank=True)
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="suggestions", verbose_name=_("consultation visée"))
    body = models.TextField(_("suggestion"), max_length=5000)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.NEW)
    answer = models.TextField(_("réponse"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("répondue par"))
    is_public = models.BooleanField(_("publique"), default=True)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.body[:60]
