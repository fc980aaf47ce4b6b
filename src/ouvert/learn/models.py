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
