"""(Being built: see issue 11.)"""

from __future__ import annotations

__all__: list[str] = []


def register() -> None:
    """Menu links, periodic jobs, open data and demo content of this part (none yet)."""
