from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "ouvert.plan"
    label = "plan"
    verbose_name = _("Plan d'action en gouvernement ouvert")

    def ready(self):
        from ouvert.core import registry

        from . import demo, services

        registry.register_demo_loader("plan", demo.load, order=20)
        registry.register_open_data_publisher(services.OPEN_DATA_KEY, services.open_data_export)
        registry.register_menu_link(_("Plan d'action"), "plan:overview", order=20)
        registry.register_menu_link(_("Tableau de bord"), "plan:dashboard", order=21)
        registry.register_menu_link(_("Comité"), "plan:committee", order=22)
