from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritiesConfig(AppConfig):
    name = "ouvert.priorities"
    label = "priorities"
    verbose_name = _("Demandes de données et priorisation")

    def ready(self):
        # Menu links, open data, periodic job and demo (see ``hooks``).
        from . import hooks

        hooks.register()
