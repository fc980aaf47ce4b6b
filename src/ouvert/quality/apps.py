from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "ouvert.quality"
    label = "quality"
    verbose_name = _("Qualité et données de référence")

    def ready(self):
        # Each part registers its listeners, periodic jobs, panels and demo (see ``hooks``).
        from . import hooks

        hooks.register()
