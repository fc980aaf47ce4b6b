"""Demo content of the outreach part (order 210, after the processes part's demo processes): meetings,
registrations and follows for the demo consultations, and past consultations (2019–2025) for the indicators."""

from __future__ import annotations


def load(stdout=None) -> None:
    """Load the outreach demo (idempotent)."""
