"""Pages of the teaching section: the two learning paths, their pages, the glossary, the FAQ, the search,
and marking a page read or unread (signed-in people). Thin: everything goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ouvert.core.services import NotFound

from . import services


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _language() -> str:
    return services.teaching_language()


@require_safe
def home(request):
    paths = services.teaching_paths(_language())
    progress = services.teaching_progress(request.user)
    items = [{"path": p, "progress": services.teaching_path_progress(request.user, p, progress)} for p in paths]
    return render(request, "learn/teaching/home.html", {"items": items})


def _path_or_404(slug):
    try:
        return services.teaching_path(slug, _language())
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_safe
def path_page(request, path):
    learning_path = _path_or_404(path)
    progress = services.teaching_path_progress(request.user, learning_path)
    intro = services.teaching_render(learning_path.body, language=_language(), base_url=_base_url(request))
    return render(request, "learn/teaching/path.html", {"learning_path": learning_path, "progress": progress,
                                                        "intro": intro})


@require_safe
def page(request, path, page):
    language = _language()
    try:
        learning_path, current = services.teaching_page(path, page, language)
    except NotFound as exc:
        raise Http404(exc.message) from None
    rendered = services.teaching_render(current.body, language=language, base_url=_base_url(request))
    previous, following = learning_path.neighbours(current.slug)
    progress = services.teaching_path_progress(request.user, learning_path)
    glossary = {term.id: term for term in services.teaching_glossary(language)}
    terms = [glossary[t] for t in current.glossary if t in glossary]
    return render(request, "learn/teaching/page.html", {
        "learning_path": learning_path, "page": current, "rendered": rendered, "previous": previous,
        "next": following, "progress": progress, "terms": terms,
        "is_read": progress is not None and current.slug in progress["pages"],
        "position": learning_path.pages.index(current) + 1,
    })


@require_POST
def mark(request, path, page):
    """Mark the page read (``action=lu``) or unread (``action=non-lu``), then back to the page."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path().rsplit("lu/", 1)[0])
    action = request.POST.get("action", "lu")
    if action not in ("lu", "non-lu"):
        messages.error(request, _("Action inconnue."))
        action = None
    try:
        if action == "lu":
            services.teaching_mark_read(user=request.user, path=path, page=page)
            messages.success(request, _("Page marquée comme lue."))
        elif action == "non-lu":
            services.teaching_mark_unread(user=request.user, path=path, page=page)
            messages.success(request, _("Page marquée comme non lue."))
    except NotFound as exc:
        raise Http404(exc.message) from None
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        learning_path, current = services.teaching_page(path, page, _language())
        target = current.url()
    return HttpResponseRedirect(target)


@require_safe
def glossary(request):
    language = _language()
    terms = services.teaching_glossary(language)
    rendered = [{"term": term, "html": services.teaching_render(term.body, language=language,
                                                               base_url=_base_url(request)).html} for term in terms]
    return render(request, "learn/teaching/glossary.html", {"terms": rendered})


@require_safe
def faq(request):
    language = _language()
    rendered = [{"question": q, "html": services.teaching_render(q.body, language=language,
                                                                base_url=_base_url(request)).html}
                for q in services.teaching_faq(language)]
    return render(request, "learn/teaching/faq.html", {"questions": rendered})


@require_safe
def search(request):
    query = request.GET.get("q", "")
    error, results = "", []
    try:
        results = services.teaching_search(query, _language())
    except ValidationError as exc:
        error = exc.message_dict["q"][0]
    status = 400 if error else 200
    return render(request, "learn/teaching/search.html",
                  {"query": query[:services.SEARCH_MAX_LENGTH], "results": results, "error": error}, status=status)
