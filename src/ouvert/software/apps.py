from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoftwareConfig(AppConfig):
    name = "ouvert.software"
    label = "software"
    verbose_name = _("Logiciel libre")

    def ready(self):
        # Each part registers its menu links, periodic jobs, open data and demo (see ``hooks``).
        from . import hooks

        hooks.register()
