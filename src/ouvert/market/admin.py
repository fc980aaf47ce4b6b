"""The Django admin of the market module; each part registers its own models (``admin_<part>.py``).

Sealed content never shows here: proposals and submissions appear only once their opportunity's
deadline has come, and never with their content (see ``admin_proposals``)."""

from . import admin_delivery, admin_evaluation, admin_opendata, admin_opportunities, admin_proposals  # noqa: F401
