from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "ouvert.catalog"
    label = "catalog"
    verbose_name = _("Catalogue de données ouvertes")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .licences import create_licence_registry

        post_migrate.connect(create_licence_registry, sender=self)

        from ouvert.core import registry

        from . import demo, reuses, tasks

        registry.register_open_data_refresher(tasks.open_data_enqueue)
        registry.register_demo_loader("catalog", demo.load, order=30)
        # After the plan's links (20-22).
        registry.register_menu_link(_("Données ouvertes"), "catalog:home", order=30)
        reuses.register()
