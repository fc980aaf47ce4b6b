"""The practice guides in the demo (``ouvert demo``): the guides are real content shipped with the platform, not
demo data, so the demo loader only makes sure they are all there (``guides_sync``: missing guides created,
unedited ones brought up to the shipped text, the team's edits kept). Idempotent; rows are not marked demo."""

from __future__ import annotations

from . import guides


def load(stdout=None) -> dict[str, int]:
    """Sync the shipped guides; returns the sync's counts."""
    return guides.guides_sync(stdout=stdout)
