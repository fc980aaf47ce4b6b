"""What the market module plugs into the platform (called from ``MarketConfig.ready``): each part
registers its own menu links, periodic jobs, audit checks, open data and demo content in ``register()``."""


def register() -> None:
    from . import delivery, demo, evaluation, ocds, opportunities, proposals, stats, suppliers

    for part in (opportunities, suppliers, proposals, evaluation, delivery, ocds, stats, demo):
        part.register()
