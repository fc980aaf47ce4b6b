"""Accounts, organisations and memberships, the audit log, notifications and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .i18n import Translated


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with an e-mail address; there is no user name."""

    username = None
    email = models.EmailField(_("adresse courriel"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("langue préférée"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class Organisation(models.Model):
    """A public body, municipality, university, civil-society organisation or supplier."""

    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("Ministère ou organisme public")
        MUNICIPALITY = "municipality", _("Municipalité")
        UNIVERSITY = "university", _("Université ou centre de recherche")
        CIVIL_SOCIETY = "civil_society", _("Organisation de la société civile")
        SUPPLIER = "supplier", _("Fournisseur")

    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=300)
    name_en = models.CharField(_("nom (anglais)"), max_length=300, blank=True)
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("organisation mère"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="children",
    )
    website = models.URLField(_("site Web"), blank=True)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_fr"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """Acronym when there is one, else the name in the active language."""
        return self.acronym or self.name

    name = Translated("name")
    description = Translated("description")


class Membership(models.Model):
    """A person's role in an organisation."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Membre")
        EDITOR = "editor", _("Éditeur")
        ADMIN = "admin", _("Administrateur")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("personne"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_respondent = models.BooleanField(
        _("répondant en gouvernement ouvert"), default=False,
        help_text=_("La personne désignée pour mettre en œuvre le plan d'action au sein de l'organisme."),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["organisation__name_fr", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="core_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class AuditEntry(models.Model):
    """One append-only, hash-chained record of a sensitive change.

    ``entry_hash`` is the SHA-256 of the previous entry's hash and of this entry's
    canonical content, so editing or deleting any entry breaks every later link.
    """

    seq = models.PositiveBigIntegerField(_("numéro"), unique=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("auteur"))
    actor_label = models.CharField(_("auteur (libellé)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(_("type de cible"), max_length=100, blank=True)
    target_id = models.CharField(_("identifiant de la cible"), max_length=100, blank=True)
    data = models.JSONField(_("données"), default=dict, blank=True)
    prev_hash = models.CharField(_("empreinte précédente"), max_length=64)
    entry_hash = models.CharField(_("empreinte"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")


class Notification(models.Model):
    """An in-app message to one person; also sent by e-mail when asked."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("destinataire"))
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par courriel le"), null=True, blank=True)
    sealed_until = models.DateTimeField(
        _("masquée aux administrateurs jusqu'au"), null=True, blank=True,
        help_text=_("Une notification qui révélerait un fait encore scellé (une proposition avant la date limite) "
                    "n'apparaît pas dans l'administration avant cette date ; sa destinataire la voit."),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_unread_idx")]

    def __str__(self):
        return self.subject


class ApiToken(models.Model):
    """A secret a program sends as ``Authorization: <token>`` (the CKAN way).

    Only the SHA-256 of the token is stored; the token itself is shown once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("personne"))
    name = models.CharField(_("nom"), max_length=100, default="cli")
    prefix = models.CharField(_("début du jeton"), max_length=8)
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "ouv_" + secrets.token_urlsafe(32)


class SearchDocument(models.Model):
    """The analysed text of one searchable object (see ``ouvert.core.search``).

    Written only by ``core.search``. The engine index lives beside it, created by migration:
    an FTS5 table kept in step by triggers on SQLite, a generated ``tsvector`` column with a
    GIN index on PostgreSQL. ``terms`` holds the filter terms' opaque tokens (never ranked).
    """

    kind = models.CharField(_("type d'objet"), max_length=50)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64)
    title = models.TextField(_("titre (analysé)"), blank=True)
    keywords = models.TextField(_("mots-clés (analysés)"), blank=True)
    body = models.TextField(_("texte (analysé)"), blank=True)
    terms = models.TextField(_("termes de filtre"), blank=True, default="")

    class Meta:
        verbose_name = _("document de recherche")
        verbose_name_plural = _("documents de recherche")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="core_searchdocument_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}"


class PeriodicRun(models.Model):
    """When a periodic job (``core.registry.register_periodic``) last ran.

    The row is the lock: a worker runs a job only if a conditional UPDATE moving
    ``last_run_at`` forward changed this row, so several workers never run it twice per period.
    """

    name = models.CharField(_("tâche"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("dernier lancement"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("dernière fin"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("tâche planifiée")
        verbose_name_plural = _("tâches planifiées")
        ordering = ["name"]

    def __str__(self):
        return self.name
