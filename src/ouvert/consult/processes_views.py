"""Pages of the processes part: the organisers' guides, the list of processes one manages, the creation
wizard, a process's page, following it, invitations and the participants' verification. Thin: the rules
are in ``processes`` and ``access``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from ouvert.core import services as core_services

from . import access, outreach, processes, results
from . import processes_forms as forms
from .models import Phase, Process, TargetKind
from .views_common import process_or_404 as _process


def _not_found(exc):
    return Http404(getattr(exc, "message", str(exc)))




def _managed(request, slug) -> Process:
    process = _process(request, slug)
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les administrateurs et éditeurs de l'organisme responsable gèrent "
                                 "cette consultation."))
    return process


# --- Guides ----------------------------------------------------------------------------------------

@require_GET
def guide_list(request):
    return render(request, "consult/processes/guide_list.html", {"guides": processes.guide_list()})


@require_GET
def guide_detail(request, slug):
    try:
        guide = processes.guide_get(slug)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    return render(request, "consult/processes/guide_detail.html",
                  {"guide": guide, "guides": processes.guide_list()})


# --- Managing ----------------------------------------------------------------------------------------

@require_GET
def manage(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    rows = [{"process": p, "status": access.process_status(p), "phase": access.current_phase(p)}
            for p in processes.process_manage_list(user=request.user)]
    return render(request, "consult/processes/manage.html", {
        "rows": rows, "can_create": bool(processes.organisations_for_processes(request.user))})


@require_http_methods(["GET", "POST"])
def process_new(request):
    """The wizard's first step for a new process: its body, title and object."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    organisations = processes.organisations_for_processes(request.user)
    if not organisations:
        raise PermissionDenied(_("Seuls les administrateurs et éditeurs d'un organisme créent des consultations."))
    values = request.POST.dict() if request.method == "POST" else {"influence": Process.Influence.CONSULT}
    errors: list[str] = []
    if request.method == "POST":
        organisation = next((o for o in organisations if o.slug == request.POST.get("organisation")), None)
        if organisation is None:
            errors = [_("Choisissez l'organisme responsable.")]
        else:
            data = forms.fields_from_post(request.POST, forms.OBJECT_FIELDS)
            data["slug"] = request.POST.get("slug", "").strip()
            try:
                process = processes.process_create(actor=request.user, organisation=organisation, data=data)
            except ValidationError as exc:
                errors = forms.error_lines(exc)
            else:
                messages.success(request, _("La consultation est créée (brouillon). Planifiez maintenant son "
                                            "calendrier."))
                return HttpResponseRedirect(reverse("consult:wizard", kwargs={"slug": process.slug,
                                                                              "step": "calendrier"}))
    return render(request, "consult/processes/wizard.html", {
        "step": "objet", "steps": forms.STEPS, "values": values, "errors": errors, "organisations": organisations,
        "influences": Process.Influence.choices, "new": True, "principles": _principles_blank(),
        "step_guide": "niveau-influence"}, status=400 if errors else 200)


def _principles_blank():
    return processes.process_principles_check(Process(principles={}))


def _step_context(process: Process, step: str) -> dict:
    phases = {p.kind: p for p in process.phases.all()}
    context = {
        "process": process, "step": step, "steps": forms.STEPS,
        "step_guide": dict((s, g) for s, _t, g in forms.STEPS)[step],
        "principles": processes.process_principles_check(process),
        "influences": Process.Influence.choices, "modes": Process.Mode.choices,
        "visibilities": Process.Visibility.choices, "verifications": Process.Verification.choices,
        "components": Phase.Component.choices,
        "phase_rows": [{"kind": kind, "label": Phase.Kind(kind).label, "enabled": kind in phases,
                        "starts_on": phases[kind].starts_on.isoformat() if kind in phases else "",
                        "ends_on": phases[kind].ends_on.isoformat() if kind in phases else "",
                        "description": phases[kind].description_fr if kind in phases else ""}
                       for kind in processes.PHASE_ORDER],
        "phases": sorted(phases.values(), key=lambda p: p.starts_on),
    }
    context["unmet"] = [p for p in context["principles"] if not p["satisfied"]]
    if step == "participation":
        context["invitations"] = list(process.invitations.select_related("user").order_by("email"))
    if step == "principes":
        context["documents_count"] = process.documents.count()
    if step == "information":
        context["documents"] = list(process.documents.all())
        context["categories_text"] = forms.categories_to_text(process.categories.all())
    return context


@require_http_methods(["GET", "POST"])
def wizard(request, slug, step):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if step not in forms.STEP_SLUGS:
        raise Http404(_("Étape inconnue."))
    process = _managed(request, slug)
    errors: list[str] = []
    values = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            done = _wizard_post(request, process, step, action)
        except ValidationError as exc:
            errors = forms.error_lines(exc)
            values = request.POST.dict()
        except core_services.NotFound as exc:
            errors = [exc.message]
        else:
            if done:
                return done
        process = _managed(request, slug)
    context = _step_context(process, step)
    context.update({"errors": errors, "values": values or _values(process, step)})
    if values and step == "calendrier":  # show what was typed, not what is stored
        context["phase_rows"] = [{**row, "enabled": values.get(f"{row['kind']}-enabled") == "on",
                                  "starts_on": values.get(f"{row['kind']}-starts_on", ""),
                                  "ends_on": values.get(f"{row['kind']}-ends_on", ""),
                                  "description": values.get(f"{row['kind']}-description_fr", "")}
                                 for row in context["phase_rows"]]
    return render(request, "consult/processes/wizard.html", context, status=400 if errors else 200)


def _values(process: Process, step: str) -> dict:
    fields = {"objet": forms.OBJECT_FIELDS + ("slug",),
              "participation": forms.PARTICIPATION_FIELDS + forms.PARTICIPATION_FLAGS,
              "information": forms.INFORMATION_FIELDS}.get(step, ())
    values = {f: getattr(process, f) for f in fields}
    if step == "calendrier":
        values = {"starts_on": process.starts_on.isoformat() if process.starts_on else "",
                  "ends_on": process.ends_on.isoformat() if process.ends_on else ""}
    if step == "principes":
        values = {f"principle-{k}": v for k, v in (process.principles or {}).items()}
    if step == "information":
        values["categories"] = forms.categories_to_text(process.categories.all())
    return values


def _next(process, step, message):
    def go(request):
        messages.success(request, message)
        index = forms.STEP_SLUGS.index(step)
        following = forms.STEP_SLUGS[min(index + 1, len(forms.STEP_SLUGS) - 1)]
        return HttpResponseRedirect(reverse("consult:wizard", kwargs={"slug": process.slug, "step": following}))
    return go


def _stay(request, process, step, message):
    messages.success(request, message)
    return HttpResponseRedirect(reverse("consult:wizard", kwargs={"slug": process.slug, "step": step}))


def _wizard_post(request, process: Process, step: str, action: str):
    user, post = request.user, request.POST
    saved = _("Étape enregistrée.")
    if step == "objet":
        data = forms.fields_from_post(post, forms.OBJECT_FIELDS)
        if "slug" in post:
            data["slug"] = post.get("slug", "").strip()
        processes.process_update(actor=user, process=process, data=data)
        return _next(process, step, saved)(request)
    if step == "calendrier":
        existing = {p.kind: p for p in process.phases.all()}
        processes.phase_set(actor=user, process=process, phases=forms.phases_from_post(post, existing),
                            starts_on=post.get("starts_on", ""), ends_on=post.get("ends_on", ""))
        return _next(process, step, saved)(request)
    if step == "participation":
        if action == "revoke":
            processes.invitation_revoke(actor=user, process=process, invitation_id=_int(post.get("invitation")))
            return _stay(request, process, step, _("L'invitation est retirée."))
        if action == "invite":
            emails = forms.emails_from_text(post.get("emails", ""))
            if not emails:
                raise ValidationError({"emails": [_("Entrez au moins une adresse courriel.")]})
            errors = {}
            for email in emails:  # validate every address before sending any
                try:
                    from django.core.validators import validate_email

                    validate_email(email)
                except ValidationError:
                    errors.setdefault("emails", []).append(
                        _("« %(email)s » n'est pas une adresse courriel valide.") % {"email": email[:100]})
            if errors:
                raise ValidationError(errors)
            for email in emails:
                processes.invitation_create(actor=user, process=process, email=email,
                                            base_url=request.build_absolute_uri("/"))
            return _stay(request, process, step, _("Invitations envoyées : %(n)s.") % {"n": len(emails)})
        data = forms.fields_from_post(post, forms.PARTICIPATION_FIELDS, forms.PARTICIPATION_FLAGS)
        processes.process_update(actor=user, process=process, data=data)
        return _next(process, step, saved)(request)
    if step == "composantes":
        phases = sorted(process.phases.all(), key=lambda p: p.starts_on)
        if not phases:
            raise ValidationError({"phases": [_("Planifiez d'abord les phases (étape Calendrier et phases).")]})
        processes.phase_set(actor=user, process=process, phases=forms.components_from_post(post, phases))
        return _next(process, step, saved)(request)
    if step == "information":
        if action == "document":
            processes.document_add(actor=user, process=process, title_fr=post.get("document_title_fr", ""),
                                   title_en=post.get("document_title_en", ""),
                                   file=request.FILES.get("document_file"), url=post.get("document_url", ""))
            return _stay(request, process, step, _("Le document est ajouté."))
        if action == "document_remove":
            processes.document_remove(actor=user, process=process, document_id=_int(post.get("document")))
            return _stay(request, process, step, _("Le document est retiré."))
        categories = forms.categories_from_text(post.get("categories", ""))
        with transaction.atomic():  # both or neither
            processes.process_update(actor=user, process=process,
                                     data=forms.fields_from_post(post, forms.INFORMATION_FIELDS))
            processes.category_set(actor=user, process=process, names=categories)
        return _next(process, step, saved)(request)
    if step == "principes":
        processes.process_principles_set(actor=user, process=process, notes=forms.notes_from_post(post))
        if action == "publish":
            processes.process_publish(actor=user, process=process, confirm=post.get("confirm") == "on")
            messages.success(request, _("La consultation est publiée."))
            return HttpResponseRedirect(reverse("consult:process", kwargs={"slug": process.slug}))
        if action == "unpublish":
            processes.process_unpublish(actor=user, process=process)
            return _stay(request, process, step, _("La consultation est retirée de la publication (brouillon)."))
        return _stay(request, process, step, _("Notes enregistrées."))
    return None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise core_services.NotFound(_("Élément introuvable.")) from None


# --- The process's page ------------------------------------------------------------------------------

@require_GET
def process_detail(request, slug):
    process = _process(request, slug)
    phases = sorted(process.phases.all(), key=lambda p: (p.starts_on, p.position))
    valid = {c.value: c.label for c in Phase.Component}
    for phase in phases:
        phase.component_labels = [valid[c] for c in (phase.components or []) if c in valid]
    current = access.current_phase(process)
    user = request.user
    manager = access.can_manage(user, process)
    open_now = []
    if current:
        from .templatetags.consult_tags import TABS

        names = dict(TABS)
        for component in current.components or []:
            name = names.get(component)
            if name:
                url = reverse(f"consult:{name}", kwargs={"slug": process.slug})
                open_now.append({"label": Phase.Component(component).label, "url": url})
    state = None
    if user.is_authenticated:
        state = {
            "verified": access.is_verified(user, process),
            "invited": access.is_invited(user, process),
            "blocked": access.is_blocked(user),
            "following": outreach.is_following(user=user, target_kind=TargetKind.PROCESS, target_id=process.pk),
        }
    return render(request, "consult/processes/process_detail.html", {
        "process": process, "tab": "process", "phases": phases, "current": current, "open_now": open_now,
        "documents": list(process.documents.all()), "categories": list(process.categories.all()),
        "manager": manager, "state": state, "status": access.process_status(process),
        "satisfaction_prompt": results.satisfaction_prompt(process=process, user=user),
        "principles": processes.process_principles_check(process) if manager else None,
        "commitments": [{"title": p.title, "note": (process.principles or {}).get(p.key)}
                        for p in processes.PRINCIPLES if (process.principles or {}).get(p.key)],
        "steps": forms.STEPS,
    })


# --- Invitations and verification ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def invitation(request, token):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            accepted = processes.invitation_accept(user=request.user, token=token)
        except core_services.NotFound as exc:
            errors, status = [exc.message], 404
        except PermissionDenied as exc:
            errors, status = [str(exc)], 403
        except ValidationError as exc:
            errors, status = forms.error_lines(exc), 400
        else:
            messages.success(request, _("Invitation acceptée : vous pouvez prendre part à la consultation."))
            return HttpResponseRedirect(reverse("consult:process", kwargs={"slug": accepted.process.slug}))
    return render(request, "consult/processes/invitation.html", {"token": token, "errors": errors},
                  status=status)


@require_http_methods(["GET", "POST"])
def verification(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = ""
    try:
        current = request.user.consult_verification
    except Exception:  # noqa: BLE001 — no verification yet
        current = None
    errors: list[str] = []
    value = request.POST.get("postal_code", "") if request.method == "POST" else (
        current.postal_code if current else "")
    if request.method == "POST":
        try:
            access.verification_set(user=request.user, postal_code=value)
        except ValidationError as exc:
            errors = forms.error_lines(exc)
        else:
            messages.success(request, _("Votre code postal est enregistré."))
            return HttpResponseRedirect(target or reverse("consult:verification"))
    return render(request, "consult/processes/verification.html",
                  {"value": value, "errors": errors, "next": target, "current": current},
                  status=400 if errors else 200)


# --- Documents -------------------------------------------------------------------------------------

@require_safe
def document(request, slug, pk):
    """An uploaded document, streamed from the storage to the people who may see its consultation (404 for
    anyone else, as for the consultation itself): never linked by its storage address."""
    try:
        process = access.process_get(slug=slug, user=request.user)
        _document, handle, name, content_type = processes.document_open(user=request.user, process=process,
                                                                        document_id=pk)
    except core_services.NotFound as exc:
        raise _not_found(exc) from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if process.visibility != Process.Visibility.PUBLIC or process.published_at is None:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
