"""The consult module in Django's admin: each part in ``admin_<part>.py``."""

from . import (  # noqa: F401
    admin_comments,
    admin_debates,
    admin_opinions,
    admin_outreach,
    admin_processes,
    admin_proposals,
    admin_results,
    admin_surveys,
)
