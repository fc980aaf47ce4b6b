"""What the software module plugs into the platform (called from ``SoftwareConfig.ready``): each part
registers its own menu links, periodic jobs, open data and demo content in ``register()``."""


def register() -> None:
    from . import accompaniment, catalogue, demo, grids, guides, inventory, publiccode, usage

    for part in (catalogue, publiccode, usage, inventory, guides, grids, accompaniment, demo):
        part.register()
