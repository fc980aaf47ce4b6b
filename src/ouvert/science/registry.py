"""(registry — being written.)"""

__all__ = []


def register() -> None:
    pass
