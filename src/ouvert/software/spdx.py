"""SPDX licence expressions (``MIT``, ``GPL-3.0-or-later OR LiLiQ-R-1.1``, ``GPL-2.0-only WITH
Classpath-exception-2.0``), checked offline against the SPDX licence list bundled with ``license-expression``
(no network). The Quebec government's own licences (LiLiQ-P, LiLiQ-R, LiLiQ-R+) are on that list."""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["LILIQ", "licence_expression_normalize", "licence_identifiers"]

#: The LiLiQ family (Licences libres du Québec), by SPDX identifier.
LILIQ = ("LiLiQ-P-1.1", "LiLiQ-R-1.1", "LiLiQ-Rplus-1.1")

MAX_LENGTH = 200


@lru_cache(maxsize=1)
def _licensing():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _validate(text: str):
    try:
        return _licensing().validate(text, strict=True)
    except Exception:  # the library raises on some malformed expressions instead of reporting them
        return None


@lru_cache(maxsize=4096)
def _valid(text: str) -> str | None:
    """The SPDX form of a well-formed expression, else None (remembered: an import repeats a few licences)."""
    info = _validate(text)
    return None if info is None or info.errors or not info.normalized_expression else str(info.normalized_expression)


def licence_expression_normalize(value, field: str = "licence") -> str:
    """``value`` as a valid SPDX licence expression written the SPDX way (``apache-2.0`` → ``Apache-2.0``);
    empty for empty. ``ValidationError`` naming ``field`` for an unknown identifier or a malformed
    expression (``LicenseRef-…`` identifiers are refused: the catalogue lists free software under licences
    the SPDX list knows)."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    if len(text) > MAX_LENGTH or any(ord(char) < 32 for char in text):
        raise ValidationError({field: [_("Expression de licence trop longue ou illisible (%(max)s caractères au "
                                         "plus).") % {"max": MAX_LENGTH}]})
    normalized = _valid(text)
    if normalized is not None:
        if "LicenseRef-" in normalized:
            raise ValidationError({field: [_("« %(value)s » : une licence hors de la liste SPDX (LicenseRef-…) n'est "
                                             "pas acceptée au catalogue.") % {"value": text[:80]}]})
        return normalized
    info = _validate(text)
    unknown = [str(symbol) for symbol in getattr(info, "invalid_symbols", []) or [] if str(symbol).strip()]
    if unknown:
        message = _("« %(value)s » n'est pas une expression de licence SPDX valide : identifiant inconnu "
                    "%(unknown)s (voir https://spdx.org/licenses/).") % {"value": text[:80],
                                                                         "unknown": ", ".join(unknown)[:120]}
    else:
        message = _("« %(value)s » n'est pas une expression de licence SPDX valide (par exemple : "
                    "« MIT », « GPL-3.0-or-later OR LiLiQ-R-1.1 »).") % {"value": text[:80]}
    raise ValidationError({field: [message]})


def licence_identifiers(expression: str) -> list[str]:
    """The licence identifiers an expression names (exceptions left out), in their order."""
    return list(_identifiers(expression)) if expression else []


@lru_cache(maxsize=4096)
def _identifiers(expression: str) -> tuple[str, ...]:
    try:
        parsed = _licensing().parse(expression, strict=True)
    except Exception:
        return ()
    return tuple(str(symbol.key) for symbol in _licensing().license_symbols(parsed, decompose=True)
                 if not getattr(symbol, "is_exception", False))
