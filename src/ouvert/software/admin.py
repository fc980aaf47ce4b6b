"""The Django admin of the software module; each part registers its own models (``admin_<part>.py``)."""

from . import (  # noqa: F401
    admin_accompaniment,
    admin_catalogue,
    admin_grids,
    admin_guides,
    admin_inventory,
    admin_usage,
)
