from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ouvert.core"
    label = "core"
    verbose_name = _("Noyau")

    def ready(self):
        from . import registry, services

        registry.register_periodic("core.database_statistics", services.database_statistics_refresh,
                                   every_seconds=24 * 3600)
