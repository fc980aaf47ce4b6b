"""Form helpers every module's pages share: a service's errors next to the fields, accessible fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError, *, aliases: dict | None = None) -> None:
    """Put a service's ``ValidationError`` messages next to the form's fields (others on top).

    ``aliases`` maps a service's keys to the form's field names where they differ.
    """
    aliases = aliases or {}
    for field, messages in exc.message_dict.items():
        target = aliases.get(field, field)
        target = target if target in form.fields else None
        for message in messages:
            form.add_error(target, message if target or field == "__all__" else f"{field} : {message}")


def describe_fields(form: forms.Form) -> forms.Form:
    """Link each input to its help text and error messages (``aria-describedby``, ``aria-invalid``).

    The template gives the help text the id ``<input id>_aide`` and the errors ``<input id>_erreurs``.
    """
    errors = form.errors if form.is_bound else {}
    for name, field in form.fields.items():
        auto_id = form[name].auto_id
        ids = [f"{auto_id}_aide"] if field.help_text else []
        if errors.get(name):
            ids.append(f"{auto_id}_erreurs")
            field.widget.attrs["aria-invalid"] = "true"
        else:
            field.widget.attrs.pop("aria-invalid", None)
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)
        else:
            field.widget.attrs.pop("aria-describedby", None)
    return form
