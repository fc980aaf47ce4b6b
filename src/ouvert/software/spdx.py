"""(Being built: see issue 11.)"""

from __future__ import annotations

__all__: list[str] = []
