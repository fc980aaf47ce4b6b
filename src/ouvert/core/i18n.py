"""Bilingual content fields: every translatable field comes as a ``<name>_fr`` / ``<name>_en`` pair."""

from django.utils.translation import get_language


def pick(fr: str, en: str) -> str:
    """``en`` when the active language is English and it is filled, else ``fr`` (or ``en`` when
    ``fr`` is empty)."""
    if (get_language() or "fr").startswith("en"):
        return en or fr
    return fr or en


def in_active_language(obj, field: str) -> str:
    """``<field>_en`` when the active language is English and it is filled, else ``<field>_fr``."""
    if (get_language() or "fr").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_fr", "")


class Translated:
    """A read-only attribute giving a ``_fr``/``_en`` field pair in the active language.

    ``title = Translated("title")`` on a model with ``title_fr`` and ``title_en``.
    """

    def __init__(self, field: str):
        self.field = field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return in_active_language(obj, self.field)
