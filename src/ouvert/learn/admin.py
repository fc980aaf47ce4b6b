"""The learn module in Django's admin: each part in ``admin_<part>.py``."""

from . import admin_ecosystems, admin_teaching  # noqa: F401
