"""(oai_provider — being written.)"""

__all__ = []


def register() -> None:
    pass
