"""What the consult module's page views share."""

from django.db.models import prefetch_related_objects
from django.http import Http404

from ouvert.core.services import NotFound

from . import access
from .models import Process


def process_or_404(request, slug: str) -> Process:
    """The process ``slug`` as the person may see it (404 otherwise), its phases loaded once: every
    process page reads them for its tabs and current phase."""
    try:
        process = access.process_get(slug=slug, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None
    prefetch_related_objects([process], "phases")
    return process
