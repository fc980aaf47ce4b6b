"""The opinions part of the consult module (see ``services``)."""

__all__: list[str] = []


def register() -> None:
    """What this part plugs into the platform (menu links, periodic jobs, open data, demo)."""
