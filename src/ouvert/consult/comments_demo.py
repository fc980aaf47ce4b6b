"""Demo comments (filled in below)."""


def load() -> None:
    return None
