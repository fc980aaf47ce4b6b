from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestConfig(AppConfig):
    name = "ouvert.harvest"
    label = "harvest"
    verbose_name = _("Moissonnage")

    def ready(self):
        from ouvert.core import registry

        from . import services

        # Every minute: enqueue the sources that are due, resume interrupted jobs.
        registry.register_periodic("harvest.due_sources", services.harvest_schedule_due, every_seconds=60)
