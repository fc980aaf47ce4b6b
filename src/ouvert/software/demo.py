"""Demo content of the software module (``ouvert demo``), one loader per part, in the order they build on
each other: the catalogue (real free software and the proprietary products they replace), the
``publiccode.yml`` files imported from the corpus, the uses by a demo municipality, the inventory (the Ville de
Montréal's real Open Resource Exchange file), the evaluation grids (which name catalogue entries) and the
accompaniment requests (which feed the plan's milestone 5.3). The guides register their own loader
(``guides.register``): they are real content, also loaded after every ``migrate``."""

from __future__ import annotations

from . import demo_accompaniment, demo_catalogue, demo_grids, demo_inventory, demo_publiccode, demo_usage

__all__: list[str] = []

LOADERS = [
    ("software_catalogue", demo_catalogue.load, 320),
    ("software_publiccode", demo_publiccode.load, 321),
    ("software_usage", demo_usage.load, 322),
    ("software_inventory", demo_inventory.load, 323),
    ("software_grids", demo_grids.load, 324),
    ("software_accompaniment", demo_accompaniment.load, 325),
]


def register() -> None:
    from ouvert.core import registry

    for name, load, order in LOADERS:
        registry.register_demo_loader(name, load, order=order)
