"""(being written)"""

__all__: list[str] = []


def register() -> None:
    """This part's registrations (listeners, periodic jobs, panels…), from ``hooks.register``."""
