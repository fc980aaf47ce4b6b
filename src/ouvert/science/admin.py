"""The Django admin of the science module; each part registers its own models (``admin_<part>.py``)."""

from . import admin_oai, admin_policy, admin_registry, admin_support  # noqa: F401
