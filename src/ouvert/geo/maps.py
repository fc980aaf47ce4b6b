"""(being written)"""

__all__: list[str] = []


def register() -> None:
    """This part's registrations, from ``hooks.register``."""
