"""(being written)"""

__all__: list[str] = []


def register() -> None:
    """Menu links, periodic jobs, open data and demo content of this part."""
