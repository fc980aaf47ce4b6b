"""What the consult module's API routers share."""

from ouvert.api import reader

from . import access
from .models import Process


def iso(value) -> str | None:
    """A date or date-time as ISO 8601, or ``None``."""
    return value.isoformat() if value is not None else None


def process_for(request, slug: str, user=None) -> Process:
    """The process ``slug`` as the reader (or ``user``) may see it; ``NotFound`` (404) otherwise."""
    return access.process_get(slug=slug, user=user if user is not None else reader(request))
