from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "ouvert.market"
    label = "market"
    verbose_name = _("Micro-acquisitions « Développe avec nous »")

    def ready(self):
        # Each part registers its menu links, periodic jobs, open data and demo (see ``hooks``).
        from . import hooks

        hooks.register()
