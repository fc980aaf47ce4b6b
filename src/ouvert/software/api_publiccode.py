"""``/api/v1/software/…``: the publiccode.yml part.

- ``POST /publiccode/validate`` (anyone): the body is the file (``Content-Type: text/yaml`` or any raw body),
  or a multipart form with ``file``; 200 ``{"ok": true, "version", "errors": [], "warnings": [...]}`` when the
  file follows the standard, 400 with the same shape and ``errors`` (``{"path", "message"}``) when it does not;
- ``POST /publiccode/import`` (the free-software team, token or session): the same body; 201 when an entry is
  made, 200 when the entry with the same repository address is updated; 400 with ``errors`` by key path;
- ``GET /{slug}/publiccode.yml`` (anyone): the entry's file (``text/yaml; charset=utf-8``).

413 when the file is above ``OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES``.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from ouvert.api import AUTH
from ouvert.software import services

router = Router(tags=["software"])


def _body(request: HttpRequest) -> bytes:
    """The posted file, refusing it (``PubliccodeTooLarge``) before reading when it announces its size."""
    limit = services.publiccode_max_bytes()
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if request.content_type == "multipart/form-data":
        if announced > limit + 64 * 1024:
            raise services.PubliccodeTooLarge(announced, limit)
        try:
            upload = request.FILES.get("file")
            text = request.POST.get("text", "")
        except RequestDataTooBig:
            raise services.PubliccodeTooLarge(announced, limit) from None
        if upload is not None:
            services.publiccode_check_size(upload.size)
            return upload.read()
        data = text.encode("utf-8")
    else:
        if announced > limit:
            raise services.PubliccodeTooLarge(announced, limit)
        data = request.body
    services.publiccode_check_size(len(data))
    if not data.strip():
        raise ValidationError({"file": [_("Envoyez le contenu d'un publiccode.yml dans le corps de la requête.")]})
    return data


def _too_large(exc) -> Status:
    return Status(413, {"detail": str(exc), "errors": {"file": [str(exc)]}})


@router.post("/publiccode/validate", response={200: dict, 400: dict, 413: dict},
             url_name="software_publiccode_validate",
             summary="Valider un publiccode.yml / Validate a publiccode.yml")
def publiccode_validate(request: HttpRequest):
    """Every problem at its key path (``description.fr.longDescription``); warnings do not make a file invalid."""
    try:
        report = services.publiccode_validate(_body(request))
    except services.PubliccodeTooLarge as exc:
        return _too_large(exc)
    body = report.as_dict()
    if report.ok:
        return body
    body["detail"] = report.errors[0].message
    return Status(400, body)


@router.post("/publiccode/import", auth=AUTH, response={200: dict, 201: dict, 413: dict},
             url_name="software_publiccode_import",
             summary="Importer un publiccode.yml / Import a publiccode.yml")
def publiccode_import(request: HttpRequest):
    """Creates the entry, or updates the one with the same repository address; ``notes`` says what to check."""
    try:
        data = _body(request)
    except services.PubliccodeTooLarge as exc:
        return _too_large(exc)
    software = services.publiccode_import(actor=request.auth, data=data)
    body = {"slug": software.slug, "name": software.name, "created": software.publiccode_created,
            "repository_url": software.repository_url, "licence": software.licence,
            "notes": software.publiccode_notes, "warnings": [p.as_dict() for p in software.publiccode_warnings]}
    return Status(201 if software.publiccode_created else 200, body)


@router.get("/{slug}/publiccode.yml", url_name="software_publiccode_export",
            summary="Le publiccode.yml d'un logiciel / A software's publiccode.yml")
def publiccode_export(request: HttpRequest, slug: str):
    file_name, text = services.publiccode_export(slug)
    response = HttpResponse(text, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
