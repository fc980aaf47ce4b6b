"""What the quality module plugs into the platform (called from ``QualityConfig.ready``): each part
registers its own listeners, periodic jobs, dataset panels, search filters and demo."""


def register() -> None:
    from . import availability, certification, integrity, scoring

    for part in (scoring, availability, integrity, certification):
        part.register()
