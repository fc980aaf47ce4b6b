from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScienceConfig(AppConfig):
    name = "ouvert.science"
    label = "science"
    verbose_name = _("Science ouverte (libre accès)")

    def ready(self):
        # Each part registers its menu links, periodic jobs, open data and demo (see ``hooks``).
        from . import hooks

        hooks.register()
