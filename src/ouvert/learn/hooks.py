"""What the learn module plugs into the platform (called from ``LearnConfig.ready``): each part
registers its own menu links, dataset panels and demo content."""


def register() -> None:
    from . import ecosystems, teaching

    for part in (teaching, ecosystems):
        part.register()
