"""Pages of the publiccode.yml part: « Valider un publiccode.yml » (anyone: paste or upload a file, see its
errors and warnings by key path; 400 when it has errors, 413 when too large), « Importer un publiccode.yml »
(the free-software team: the same, then the entry made or updated), and the export of an entry's file. Thin:
the rules are in ``publiccode`` (through ``services``)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ouvert.core import services as core_services
from ouvert.software import services

VALIDATE_TEMPLATE = "software/publiccode/validate.html"
IMPORT_TEMPLATE = "software/publiccode/import.html"


def _entry_url(software) -> str:
    """The entry's page in the catalogue (its file when the catalogue's pages are not there)."""
    for name in ("software:detail", "software:software_detail", "software:publiccode_export"):
        try:
            return reverse(name, kwargs={"slug": software.slug})
        except NoReverseMatch:
            continue
    return ""


def _read_input(request) -> tuple[bytes | str | None, str]:
    """The file posted (upload first, else the pasted text) and its name; ``PubliccodeTooLarge`` above the
    limit, before anything is read into memory."""
    try:
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
    except RequestDataTooBig:
        raise services.PubliccodeTooLarge(int(request.META.get("CONTENT_LENGTH") or 0),
                                          services.publiccode_max_bytes()) from None
    if upload is not None:
        services.publiccode_check_size(upload.size)
        return upload.read(), upload.name
    if text.strip():
        services.publiccode_check_size(len(text.encode("utf-8")))
        return text, ""
    return None, ""


def _context(**extra) -> dict:
    return {"max_bytes": services.publiccode_max_bytes(), **extra}


def _posted(request, template: str):
    """``(data, name, None)``, or ``(None, "", response)``: the form again with its error, for a file above the
    limit (413) or nothing given (400)."""
    try:
        data, name = _read_input(request)
    except services.PubliccodeTooLarge as exc:
        return None, "", render(request, template, _context(form_error=str(exc)), status=413)
    if data is None:
        return None, "", render(request, template, _context(
            form_error=_("Collez le contenu d'un publiccode.yml ou choisissez un fichier.")), status=400)
    return data, name, None


def _problem_rows(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"path": path, "message": message} for path, messages in exc.message_dict.items()
                for message in messages]
    return [{"path": "file", "message": message} for message in exc.messages]


@require_http_methods(["GET", "POST"])
def publiccode_validate(request):
    if request.method == "GET":
        return render(request, VALIDATE_TEMPLATE, _context())
    data, name, refused = _posted(request, VALIDATE_TEMPLATE)
    if refused is not None:
        return refused
    report = services.publiccode_validate(data)
    return render(request, VALIDATE_TEMPLATE,
                  _context(report=report, file_name=name, text=data if isinstance(data, str) else ""),
                  status=200 if report.ok else 400)


@require_http_methods(["GET", "POST"])
def publiccode_import(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.is_software_team(request.user):
        raise PermissionDenied(_("Seule l'équipe du logiciel libre de la plateforme importe des publiccode.yml."))
    if request.method == "GET":
        return render(request, IMPORT_TEMPLATE, _context())
    data, name, refused = _posted(request, IMPORT_TEMPLATE)
    if refused is not None:
        return refused
    text = data if isinstance(data, str) else ""
    try:
        software = services.publiccode_import(actor=request.user, data=data)
    except ValidationError as exc:
        report = services.publiccode_validate(data)
        rows = [p.as_dict() for p in report.errors] or _problem_rows(exc)
        return render(request, IMPORT_TEMPLATE,
                      _context(errors=rows, warnings=[p.as_dict() for p in report.warnings], file_name=name,
                               text=text), status=400)
    return render(request, IMPORT_TEMPLATE,
                  _context(software=software, entry_url=_entry_url(software), created=software.publiccode_created,
                           notes=software.publiccode_notes,
                           warnings=[p.as_dict() for p in software.publiccode_warnings]))


@require_safe
def publiccode_export(request, slug):
    try:
        file_name, text = services.publiccode_export(slug)
    except core_services.NotFound as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(text, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
