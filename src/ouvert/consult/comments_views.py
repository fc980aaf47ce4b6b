"""Pages of the comments part. Thin: the rules are in ``comments``.

Every form works without JavaScript (POST, then back to ``next``, a local address); the script
``consult/comments.js`` sends the same forms with ``X-Requested-With: fetch`` and gets JSON back (the
thread re-rendered, or the errors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import services as core_services

from . import comments
from .views_common import process_or_404 as _process


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [str(m) for ms in exc.message_dict.values() for m in ms]
        return [str(m) for m in exc.messages]
    return [str(getattr(exc, "message", "") or exc)]


def _status(exc) -> int:
    if isinstance(exc, ValidationError):
        return 400
    if isinstance(exc, core_services.RateLimited):
        return 429
    if isinstance(exc, core_services.NotFound):
        return 404
    return 403


def _safe_next(request, fallback: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()) and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return fallback or "/"


def _is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"




def _thread_html(request, process, target_kind, target_id, next_url: str) -> str:
    thread = comments.comment_thread(process=process, target_kind=target_kind, target_id=target_id,
                                     user=request.user, sort=request.POST.get("sort") or "newest")
    thread["next"] = next_url
    return render_to_string("consult/comments/_thread.html", {"thread": thread}, request=request)


def _done(request, *, process, message: str, target_kind=None, target_id=None, anchor: str = "",
          fallback: str = ""):
    next_url = _safe_next(request, fallback)
    if _is_fetch(request):
        body = {"ok": True, "message": message}
        if target_kind and target_id:
            try:
                body["html"] = _thread_html(request, process, target_kind, target_id, next_url)
            except (ValidationError, PermissionDenied, core_services.NotFound):
                pass
        return JsonResponse(body)
    messages.success(request, message)
    if anchor and "#" not in next_url:
        next_url = f"{next_url}#{anchor}"
    return HttpResponseRedirect(next_url)


def _failed(request, exc, *, process=None, form: dict | None = None, fallback: str = ""):
    status = _status(exc)
    errors = _messages(exc)
    if _is_fetch(request):
        response = JsonResponse({"ok": False, "detail": errors[0] if errors else "", "errors": errors},
                                status=status)
    else:
        response = render(request, "consult/comments/error.html", {
            "process": process, "errors": errors, "form": form or {}, "next": _safe_next(request, fallback),
            "login": not request.user.is_authenticated, "max_length": comments.COMMENT_BODY_MAX,
        }, status=status)
    if isinstance(exc, core_services.RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


ERRORS = (ValidationError, PermissionDenied, core_services.NotFound, core_services.RateLimited)


# --- Comments --------------------------------------------------------------------------------------

@require_POST
def comment_new(request, slug):
    process = _process(request, slug)
    data = {key: request.POST.get(key, "") for key in ("target_kind", "target_id", "body", "parent", "stance")}
    try:
        comment = comments.comment_post(user=request.user, process=process, target_kind=data["target_kind"],
                                        target_id=data["target_id"], body=data["body"],
                                        parent=data["parent"] or None, stance=data["stance"])
    except ERRORS as exc:
        return _failed(request, exc, process=process, form={"action": "post", **data})
    return _done(request, process=process, message=_("Votre commentaire est publié."),
                 target_kind=comment.target_kind, target_id=comment.target_id, anchor=f"commentaire-{comment.pk}")


def _own(request, process, pk):
    try:
        return comments.comment_get(pk=pk, user=request.user, process=process)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


@require_POST
def comment_change(request, slug, pk):
    process = _process(request, slug)
    comment = _own(request, process, pk)
    body = request.POST.get("body", "")
    try:
        comment = comments.comment_edit(user=request.user, comment=comment.pk, body=body)
    except ERRORS as exc:
        return _failed(request, exc, process=process, form={"action": "edit", "pk": comment.pk, "body": body})
    return _done(request, process=process, message=_("Votre commentaire est modifié."),
                 target_kind=comment.target_kind, target_id=comment.target_id, anchor=f"commentaire-{comment.pk}")


@require_POST
def comment_remove(request, slug, pk):
    process = _process(request, slug)
    comment = _own(request, process, pk)
    try:
        comment = comments.comment_delete(user=request.user, comment=comment.pk)
    except ERRORS as exc:
        return _failed(request, exc, process=process)
    return _done(request, process=process, message=_("Votre commentaire est supprimé."),
                 target_kind=comment.target_kind, target_id=comment.target_id, anchor=f"commentaire-{comment.pk}")


@require_POST
def comment_vote(request, slug, pk):
    process = _process(request, slug)
    comment = _own(request, process, pk)
    try:
        comment = comments.comment_vote(user=request.user, comment=comment.pk, value=request.POST.get("value"))
    except ERRORS as exc:
        return _failed(request, exc, process=process)
    return _done(request, process=process, message=_("Votre vote est enregistré."),
                 target_kind=comment.target_kind, target_id=comment.target_id, anchor=f"commentaire-{comment.pk}")


@require_GET
def thread_fragment(request, slug):
    """The thread alone (the script reloads it after an action, or to change its sort or page)."""
    process = _process(request, slug)
    try:
        thread = comments.comment_thread(process=process, target_kind=request.GET.get("target_kind"),
                                         target_id=request.GET.get("target_id"), user=request.user,
                                         sort=request.GET.get("sort") or "newest",
                                         stance=request.GET.get("stance") or None, page=request.GET.get("page"))
    except ValidationError as exc:
        return JsonResponse({"ok": False, "errors": _messages(exc)}, status=400)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    thread["next"] = _safe_next(request, comments.comment_target_url(
        process=process, target_kind=thread["target_kind"], target_id=thread["target_id"]))
    return render(request, "consult/comments/_thread.html", {"thread": thread})


# --- Reports ---------------------------------------------------------------------------------------

@require_POST
def flag_new(request, slug):
    process = _process(request, slug)
    data = {key: request.POST.get(key, "") for key in ("target_kind", "target_id", "reason", "details")}
    try:
        comments.flag_create(user=request.user, process=process, target_kind=data["target_kind"],
                             target_id=data["target_id"], reason=data["reason"], details=data["details"])
    except ERRORS as exc:
        return _failed(request, exc, process=process, form={"action": "flag", **data})
    message = _("Merci : votre signalement est transmis à la modération.")
    if _is_fetch(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    return HttpResponseRedirect(_safe_next(request))


# --- Moderation ------------------------------------------------------------------------------------

@require_GET
def moderation(request):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    processes = list(comments.moderation_processes(request.user).select_related("organisation")
                     .order_by("title_fr"))
    if not processes and not request.user.is_superuser:
        raise PermissionDenied(_("Vous ne gérez aucune consultation : la file de modération ne vous est pas "
                                 "ouverte."))
    errors: list[str] = []
    slug = request.GET.get("consultation") or ""
    chosen = next((p for p in processes if p.slug == slug), None)
    try:
        queue = comments.moderation_queue(user=request.user, status=request.GET.get("etat") or "open",
                                          process=chosen, page=request.GET.get("page"))
    except ValidationError as exc:
        errors = _messages(exc)
        queue = comments.moderation_queue(user=request.user, process=chosen)
    blocks = list(comments.block_list(actor=request.user)) if request.user.is_superuser else []
    statuses = [("open", _("À examiner")), ("hidden", _("Masqués")), ("reviewed", _("Examinés")),
                ("all", _("Tous"))]
    return render(request, "consult/comments/moderation.html", {
        "queue": queue, "processes": processes, "chosen": chosen, "statuses": statuses, "blocks": blocks,
        "errors": errors, "is_superuser": request.user.is_superuser,
    }, status=400 if errors else 200)


ACTIONS = {"masquer": "hide", "afficher": "unhide", "examine": "review"}


@require_POST
def moderation_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404(_("Action inconnue."))
    fallback = reverse("consult:moderation")
    try:
        row = comments.moderation_get(pk=pk, user=request.user)
        if ACTIONS[action] == "hide":
            comments.moderation_hide(user=request.user, moderation=row)
            message = _("Le contenu est masqué.")
        elif ACTIONS[action] == "unhide":
            comments.moderation_unhide(user=request.user, moderation=row)
            message = _("Le contenu est de nouveau visible.")
        else:
            comments.moderation_review(user=request.user, moderation=row)
            message = _("Le signalement est marqué comme examiné.")
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    except ERRORS as exc:
        return _failed(request, exc, fallback=fallback)
    if _is_fetch(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    return HttpResponseRedirect(_safe_next(request, fallback))


@require_POST
def moderation_target(request, slug):
    """A moderator hides or shows content from where it is (a thread, a proposal's page)."""
    process = _process(request, slug)
    target_kind, target_id = request.POST.get("target_kind"), request.POST.get("target_id")
    hide = request.POST.get("action") != "unhide"
    try:
        if hide:
            comments.moderation_hide(user=request.user, process=process, target_kind=target_kind,
                                     target_id=target_id)
        else:
            comments.moderation_unhide(user=request.user, process=process, target_kind=target_kind,
                                       target_id=target_id)
    except ERRORS as exc:
        return _failed(request, exc, process=process)
    message = _("Le contenu est masqué.") if hide else _("Le contenu est de nouveau visible.")
    thread_kind, thread_id = target_kind, target_id
    if target_kind == "comment":
        comment = comments.comment_get(pk=target_id, user=request.user, process=process)
        thread_kind, thread_id = comment.target_kind, comment.target_id
        anchor = f"commentaire-{comment.pk}"
    else:
        thread_kind = thread_id = None
        anchor = ""
    return _done(request, process=process, message=message, target_kind=thread_kind, target_id=thread_id,
                 anchor=anchor)


@require_POST
def block_add(request):
    fallback = reverse("consult:moderation")
    try:
        comments.block_create(actor=request.user, user=request.POST.get("user_id"),
                              reason=request.POST.get("reason", ""))
    except ERRORS as exc:
        return _failed(request, exc, fallback=fallback)
    messages.success(request, _("La personne est bloquée : elle ne peut plus prendre part aux consultations."))
    return HttpResponseRedirect(_safe_next(request, fallback))


@require_http_methods(["POST"])
def block_remove(request, user_id):
    fallback = reverse("consult:moderation")
    try:
        comments.block_lift(actor=request.user, user=user_id)
    except ERRORS as exc:
        return _failed(request, exc, fallback=fallback)
    messages.success(request, _("Le blocage est levé."))
    return HttpResponseRedirect(_safe_next(request, fallback))

