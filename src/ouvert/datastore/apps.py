from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatastoreConfig(AppConfig):
    name = "ouvert.datastore"
    label = "datastore"
    verbose_name = _("Données tabulaires")

    def ready(self):
        from django.db.models.signals import post_delete

        from ouvert.core import registry

        from . import ckan_actions, demo, services
        from .models import DatastoreTable

        # The catalogue tells us about each resource written (on commit): tabular ones are ingested.
        registry.register_resource_listener(services.on_resource_changed)
        # Every minute: enqueue again the ingestions a dead worker left, clean their work folders.
        registry.register_periodic("datastore.stale_ingestions", services.stale_ingestions_requeue,
                                   every_seconds=60)
        ckan_actions.register()
        # After the catalogue's demo (order 30): its files ingested at once, a schema, a visualisation.
        registry.register_demo_loader("datastore", demo.load, order=40)
        # A table deleted (its resource or dataset purged): its Parquet file goes too, on commit.
        post_delete.connect(services.on_table_deleted, sender=DatastoreTable,
                            dispatch_uid="datastore_table_files")
        # The dataset page: « Aperçu » beside tabular resources, saved visualisations.
        from . import views

        registry.register_dataset_panel("datastore", views.dataset_panel, order=50)
