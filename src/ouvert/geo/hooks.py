"""What the geo module plugs into the platform (called from ``GeoConfig.ready``): each part
registers its own listeners, periodic jobs, dataset panels and search additions."""


def register() -> None:
    from . import layers, maps, spatial

    for part in (layers, maps, spatial):
        part.register()
