from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "ouvert.geo"
    label = "geo"
    verbose_name = _("Données géographiques")

    def ready(self):
        # Each part registers its listeners, periodic jobs, panels and demo (see ``hooks``).
        from . import hooks

        hooks.register()
