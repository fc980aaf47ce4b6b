"""Addresses of the consult pages (``/<lang>/consultations/…``, included by ``ouvert.urls``).

Each part lists its own in ``urls_<part>.py``: ``urlpatterns`` for fixed addresses (the list, the
calendar, the wizard…), ``process_urlpatterns`` for the addresses under ``<slug>/`` of one process. The
fixed ones come first, and their first segments are reserved: no process may take them as its slug
(``processes.RESERVED_SLUGS``)."""

from django.urls import include, path

from . import (
    urls_comments,
    urls_debates,
    urls_opinions,
    urls_outreach,
    urls_processes,
    urls_proposals,
    urls_results,
    urls_surveys,
)

app_name = "consult"

PARTS = (urls_processes, urls_outreach, urls_proposals, urls_surveys, urls_debates, urls_opinions,
         urls_comments, urls_results)

urlpatterns = [pattern for part in PARTS for pattern in part.urlpatterns]
urlpatterns.append(path("<slug:slug>/", include([pattern for part in PARTS for pattern in part.process_urlpatterns])))


def fixed_segments() -> set[str]:
    """The first path segments of the fixed addresses (reserved: a process cannot use them as slug)."""
    return {str(p.pattern).split("/")[0] for part in PARTS for p in part.urlpatterns} - {""}
