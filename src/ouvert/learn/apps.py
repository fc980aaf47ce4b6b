from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnConfig(AppConfig):
    name = "ouvert.learn"
    label = "learn"
    verbose_name = _("Apprendre et écosystèmes de données")

    def ready(self):
        # Each part registers its menu links, panels, search and demo (see ``hooks``).
        from . import hooks

        hooks.register()
