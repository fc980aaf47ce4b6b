"""The teaching part of the learn module (being built: see issue 7)."""

__all__: list[str] = []


def register() -> None:
    """This part's registrations, from ``hooks.register``."""
