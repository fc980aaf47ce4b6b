"""Form input of the debates pages → the services' arguments (plain dicts; the services validate)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import debates

DEBATE_FIELDS = ("title_fr", "title_en", "description_fr", "description_en", "conclusions_fr", "conclusions_en")
DRAFT_FIELDS = ("title_fr", "title_en", "slug", "introduction_fr", "introduction_en", "source_fr", "source_en",
                "format")


def error_lines(exc: ValidationError) -> list[str]:
    """The messages of a ``ValidationError``, one per line, for the error summary."""
    if hasattr(exc, "error_dict"):
        return [str(m) for messages in exc.message_dict.values() for m in messages]
    return [str(m) for m in exc.messages]


def debate_data(post, fields=DEBATE_FIELDS) -> dict:
    return {field: post.get(field, "") for field in fields if field in post}


def _upload(files, name: str):
    upload = files.get(name)
    if upload is None or not upload.name:
        return None
    if upload.size > debates.DRAFT_MAX_BYTES:
        raise ValidationError({name: [_("« %(name)s » pèse %(size)s octets; au plus %(max)s sont acceptés.")
                                      % {"name": upload.name[:100], "size": upload.size,
                                         "max": debates.DRAFT_MAX_BYTES}]})
    return debates.draft_source_decode(upload.read(debates.DRAFT_MAX_BYTES + 1), filename=upload.name, field=name)


def draft_data(post, files) -> dict:
    """The draft's fields; an uploaded ``file_fr`` / ``file_en`` (``.md``/``.txt``, UTF-8) takes the place
    of the pasted source of its language (``ValidationError`` for a wrong file)."""
    data = {field: post.get(field, "") for field in DRAFT_FIELDS if field in post}
    errors: dict = {}
    for language in ("fr", "en"):
        try:
            text = _upload(files, f"file_{language}")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if text is not None:
            data[f"source_{language}"] = text
            if files[f"file_{language}"].name.lower().endswith(".txt") and "format" not in post:
                data["format"] = "text"
    if errors:
        raise ValidationError(errors)
    return data
