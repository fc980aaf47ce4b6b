from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "ouvert.consult"
    label = "consult"
    verbose_name = _("Consultations publiques")

    def ready(self):
        # Each part registers its menu links, periodic jobs, open data and demo (see ``hooks``).
        from . import hooks

        hooks.register()
