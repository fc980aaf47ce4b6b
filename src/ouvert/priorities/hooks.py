"""What the priorities module plugs into the platform (called from ``PrioritiesConfig.ready``): menu links,
the open data of the requests list, the periodic finalising of closed campaigns, and the demo."""

from django.utils.translation import gettext_lazy

#: Closed campaigns get their results computed and published within this many seconds.
FINALISE_EVERY_SECONDS = 300


def register() -> None:
    from ouvert.core import registry

    from . import demo, services

    registry.register_menu_link(gettext_lazy("Demandes de données"), "priorities:requests", order=40)
    registry.register_menu_link(gettext_lazy("Priorisation"), "priorities:campaigns", order=41)
    registry.register_open_data_publisher(services.REQUESTS_OPEN_DATA_KEY, services.open_data_export)
    registry.register_periodic("priorities.campaigns_finalise", services.campaigns_finalise_due,
                               every_seconds=FINALISE_EVERY_SECONDS)
    registry.register_demo_loader("priorities", demo.load, order=90)
    registry.register_dataset_panel("priorities", _dataset_panel, order=80)


def _dataset_panel(*, request, dataset, resources, can_edit: bool) -> dict | None:
    from .requests_views import dataset_panel

    return dataset_panel(request=request, dataset=dataset, resources=resources, can_edit=can_edit)
