"""Checks of text fields that services of every module share: one line or a block of text, no control
characters, required, maximum length; French messages collected in an ``errors`` dict (nothing is
written on error: call ``raise_if(errors)`` before writing)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")


def line(errors: dict, field: str, value, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    value = value.strip()
    if _CONTROL_LINE.search(value):
        errors[field] = [_("Ce champ contient des caractères de contrôle interdits.")]
    elif required and not value:
        errors[field] = [_("Ce champ est obligatoire.")]
    elif len(value) > max_length:
        errors[field] = [_("Au plus %(max)s caractères (%(length)s reçus).") % {"max": max_length,
                                                                              "length": len(value)}]
    return value


def text(errors: dict, field: str, value, *, max_length: int = 10_000, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Ce champ doit être du texte.")]
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value):
        errors[field] = [_("Ce champ contient des caractères de contrôle interdits.")]
    elif required and not value:
        errors[field] = [_("Ce champ est obligatoire.")]
    elif len(value) > max_length:
        errors[field] = [_("Au plus %(max)s caractères (%(length)s reçus).") % {"max": max_length,
                                                                              "length": len(value)}]
    return value


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
