"""Pages of debates and draft texts (``/<lang>/consultations/<slug>/debats/…`` and ``…/textes/…``). Thin:
the rules are in ``debates`` (and ``comments`` for the arguments and comments themselves)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ouvert.core import services as core_services
from ouvert.core.markdown import render_markdown

from . import access, debates
from .debates_forms import debate_data, draft_data, error_lines
from .models import Comment, TargetKind
from .views_common import process_or_404 as _process


def _debate(request, process, pk):
    try:
        return debates.debate_get(process=process, pk=pk, user=request.user)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _draft(process, slug):
    try:
        return debates.draft_get(process=process, slug=slug)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None


def _manager_only(request, process):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.can_manage(request.user, process):
        raise PermissionDenied(_("Seuls les organisateurs de la consultation peuvent faire cela."))
    return None


def _thread(process, kind, target_id, user, *, next_url: str, stance=None, sort="newest", page=1, closed=False):
    """The comments part's thread of a target (back to ``next_url`` after posting); one per stance in a
    debate (its own ``dom_id``); in a closed debate nobody may post or reply."""
    from .comments import comment_thread as thread_of

    try:
        thread = thread_of(process=process, target_kind=kind, target_id=target_id, user=user, stance=stance,
                           sort=sort, page=page)
    except ValidationError:  # an unknown sort or page in the address: the default thread
        thread = thread_of(process=process, target_kind=kind, target_id=target_id, user=user, stance=stance)
    thread["next"] = next_url
    if stance:
        thread["dom_id"] = f"{thread['dom_id']}-{stance}"
        # The argument form above the columns posts arguments with their stance (and says why one may
        # not, or to sign in); each column only lists, and replies: no form, login link or reason of its own.
        thread["can_post"] = False
        thread["stances"] = []
        thread["signed_in"] = True
        thread["denied"] = ""
    if closed:
        thread["can_post"] = False
        if not stance:
            thread["denied"] = _("Ce débat est fermé : il ne reçoit plus d'arguments.")

        def freeze(nodes):
            for node in nodes:
                node["can_reply"] = False
                freeze(node.get("replies", []))

        freeze(thread.get("comments", []))
    return thread


# --- Debates ---------------------------------------------------------------------------------------

@require_GET
def debate_list(request, slug):
    process = _process(request, slug)
    rows = debates.debate_list(process=process, user=request.user)
    return render(request, "consult/debates/debate_list.html", {
        "process": process, "tab": "debates", "rows": rows,
        "manager": access.can_manage(request.user, process),
        "open_now": access.component_open(process, "debates")})


@require_http_methods(["GET", "POST"])
def debate_new(request, slug):
    process = _process(request, slug)
    redirect = _manager_only(request, process)
    if redirect:
        return redirect
    values = request.POST.dict() if request.method == "POST" else {}
    errors: list[str] = []
    if request.method == "POST":
        try:
            debate = debates.debate_create(actor=request.user, process=process, data=debate_data(request.POST))
        except ValidationError as exc:
            errors = error_lines(exc)
        else:
            messages.success(request, _("Le débat est créé."))
            return HttpResponseRedirect(reverse("consult:debate", kwargs={"slug": slug, "pk": debate.pk}))
    return render(request, "consult/debates/debate_form.html", {
        "process": process, "tab": "debates", "values": values, "errors": errors, "debate": None},
        status=400 if errors else 200)


def _debate_page(request, process, debate, *, errors=None, values=None, status=200):
    closed = debate.closed_at is not None
    sort = request.GET.get("sort") or "newest"
    next_url = reverse("consult:debate", kwargs={"slug": process.slug, "pk": debate.pk})
    columns = []
    for stance, label in ((Comment.Stance.FOR, _("Pour")), (Comment.Stance.AGAINST, _("Contre"))):
        columns.append({"stance": stance, "label": label,
                        "thread": _thread(process, TargetKind.DEBATE, debate.pk, request.user, stance=stance,
                                          sort=sort, closed=closed, next_url=next_url)})
    denied = ""
    if closed:
        denied = _("Ce débat est fermé : il ne reçoit plus d'arguments.")
    else:
        try:
            debates.debate_open_check(debate=debate, user=request.user)
        except (PermissionDenied, core_services.NotFound) as exc:
            denied = str(getattr(exc, "message", "") or exc)
    return render(request, "consult/debates/debate_detail.html", {
        "process": process, "tab": "debates", "debate": debate, "counts": debates.debate_summary(debate),
        "columns": columns, "closed": closed, "denied": denied, "manager": access.can_manage(request.user, process),
        "description_html": render_markdown(debate.description),
        "conclusions_html": render_markdown(debate.conclusions) if debate.conclusions else "",
        "errors": errors or [], "values": values or {}}, status=status)


@require_GET
def debate_detail(request, slug, pk):
    process = _process(request, slug)
    return _debate_page(request, process, _debate(request, process, pk))


@require_POST
def debate_argument(request, slug, pk):
    """Post an argument for or against (a comment with its stance)."""
    process = _process(request, slug)
    debate = _debate(request, process, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:debate", kwargs={"slug": slug, "pk": debate.pk}))
    values = {"stance": request.POST.get("stance", ""), "body": request.POST.get("body", "")}
    try:
        comment = debates.debate_argument_post(user=request.user, debate=debate, body=values["body"],
                                               stance=values["stance"])
    except ValidationError as exc:
        return _debate_page(request, process, debate, errors=error_lines(exc), values=values, status=400)
    except PermissionDenied as exc:
        return _debate_page(request, process, debate, errors=[str(exc)], values=values, status=403)
    except core_services.RateLimited as exc:
        response = _debate_page(request, process, debate, errors=[exc.message], values=values, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    messages.success(request, _("Votre argument est publié."))
    return HttpResponseRedirect(reverse("consult:debate", kwargs={"slug": slug, "pk": debate.pk})
                                + f"#commentaire-{comment.pk}")


@require_http_methods(["GET", "POST"])
def debate_edit(request, slug, pk):
    process = _process(request, slug)
    redirect = _manager_only(request, process)
    if redirect:
        return redirect
    debate = _debate(request, process, pk)
    values = request.POST.dict() if request.method == "POST" else {f: getattr(debate, f) for f in
                                                                   debates._DEBATE_FIELDS}
    errors: list[str] = []
    if request.method == "POST":
        try:
            debates.debate_update(actor=request.user, debate=debate, data=debate_data(request.POST))
        except ValidationError as exc:
            errors = error_lines(exc)
        else:
            messages.success(request, _("Le débat est modifié."))
            return HttpResponseRedirect(reverse("consult:debate", kwargs={"slug": slug, "pk": debate.pk}))
    return render(request, "consult/debates/debate_form.html", {
        "process": process, "tab": "debates", "values": values, "errors": errors, "debate": debate},
        status=400 if errors else 200)


@require_POST
def debate_close(request, slug, pk):
    """Close (with conclusions) or reopen a debate."""
    process = _process(request, slug)
    redirect = _manager_only(request, process)
    if redirect:
        return redirect
    debate = _debate(request, process, pk)
    try:
        if request.POST.get("action") == "reopen":
            debates.debate_reopen(actor=request.user, debate=debate)
            messages.success(request, _("Le débat est rouvert."))
        else:
            debates.debate_close(actor=request.user, debate=debate,
                                 conclusions_fr=request.POST.get("conclusions_fr", ""),
                                 conclusions_en=request.POST.get("conclusions_en", ""))
            messages.success(request, _("Le débat est fermé."))
    except ValidationError as exc:
        values = {f: getattr(debate, f) for f in debates._DEBATE_FIELDS} | request.POST.dict()
        return render(request, "consult/debates/debate_form.html", {
            "process": process, "tab": "debates", "values": values, "errors": error_lines(exc), "debate": debate},
            status=400)
    return HttpResponseRedirect(reverse("consult:debate", kwargs={"slug": slug, "pk": debate.pk}))


# --- Draft texts -----------------------------------------------------------------------------------

@require_GET
def draft_list(request, slug):
    process = _process(request, slug)
    return render(request, "consult/debates/draft_list.html", {
        "process": process, "tab": "drafts", "rows": debates.draft_list(process=process),
        "manager": access.can_manage(request.user, process)})


@require_http_methods(["GET", "POST"])
def draft_new(request, slug):
    process = _process(request, slug)
    redirect = _manager_only(request, process)
    if redirect:
        return redirect
    values = request.POST.dict() if request.method == "POST" else {"format": "markdown"}
    errors: list[str] = []
    if request.method == "POST":
        try:
            draft = debates.draft_create(actor=request.user, process=process,
                                         data=draft_data(request.POST, request.FILES))
        except ValidationError as exc:
            errors = error_lines(exc)
        else:
            messages.success(request, _("Le texte est publié : %(n)s paragraphes.")
                             % {"n": draft.paragraphs.count()})
            return HttpResponseRedirect(reverse("consult:draft", kwargs={"slug": slug, "draft": draft.slug}))
    return render(request, "consult/debates/draft_form.html", {
        "process": process, "tab": "drafts", "values": values, "errors": errors, "draft": None},
        status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def draft_version(request, slug, draft):
    process = _process(request, slug)
    redirect = _manager_only(request, process)
    if redirect:
        return redirect
    draft = _draft(process, draft)
    values = request.POST.dict() if request.method == "POST" else {"format": "markdown"}
    errors: list[str] = []
    if request.method == "POST":
        try:
            data = draft_data(request.POST, request.FILES)
            debates.draft_new_version(actor=request.user, draft=draft, source_fr=data.get("source_fr", ""),
                                      source_en=data.get("source_en", ""), format=data.get("format") or "markdown")
        except ValidationError as exc:
            errors = error_lines(exc)
        else:
            messages.success(request, _("La version %(v)s du texte est publiée.") % {"v": draft.version})
            return HttpResponseRedirect(reverse("consult:draft", kwargs={"slug": slug, "draft": draft.slug}))
    return render(request, "consult/debates/draft_form.html", {
        "process": process, "tab": "drafts", "values": values, "errors": errors, "draft": draft},
        status=400 if errors else 200)


def _selected(request) -> int | None:
    try:
        value = int(request.GET.get("paragraphe", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _paragraph_url(process, draft, paragraph) -> str:
    """The draft page with this paragraph's comments open beside it."""
    return (reverse("consult:draft", kwargs={"slug": process.slug, "draft": draft.slug})
            + f"?paragraphe={paragraph.position}#p-{paragraph.position}")


@require_GET
def draft_detail(request, slug, draft):
    """The text paragraph by paragraph; ``?paragraphe=<position>`` opens that paragraph's comments beside it
    (without JavaScript; with it, ``draft_paragraph`` fills the side column in place)."""
    process = _process(request, slug)
    draft = _draft(process, draft)
    paragraphs = debates.draft_paragraphs(draft)
    selected = _selected(request)
    thread = None
    for paragraph in paragraphs:
        paragraph.html = render_markdown(paragraph.text)
        if paragraph.position == selected and not paragraph.is_heading:
            thread = _thread(process, TargetKind.PARAGRAPH, paragraph.pk, request.user,
                             next_url=_paragraph_url(process, draft, paragraph),
                             sort=request.GET.get("sort") or "newest", page=request.GET.get("page") or 1)
    manager = access.can_manage(request.user, process)
    heat = debates.draft_heat(paragraphs)
    return render(request, "consult/debates/draft_detail.html", {
        "process": process, "tab": "drafts", "draft": draft, "paragraphs": paragraphs, "selected": selected,
        "thread": thread, "manager": manager, "heat": heat if manager else None, "total_comments": heat["total"],
        "paragraph_count": len(heat["rows"]), "introduction_html": render_markdown(draft.introduction),
        "open_now": access.component_open(process, "drafts")})


@require_GET
def draft_paragraph(request, slug, draft, position):
    """The comments of one paragraph, as the fragment the draft page's script puts beside it."""
    process = _process(request, slug)
    draft = _draft(process, draft)
    try:
        paragraph = debates.draft_paragraph_get(draft=draft, position=position)
    except core_services.NotFound as exc:
        raise Http404(exc.message) from None
    if paragraph.is_heading:
        raise Http404(_("Les titres ne se commentent pas."))
    thread = _thread(process, TargetKind.PARAGRAPH, paragraph.pk, request.user,
                     next_url=_paragraph_url(process, draft, paragraph),
                     sort=request.GET.get("sort") or "newest", page=request.GET.get("page") or 1)
    return render(request, "consult/debates/_paragraph_thread.html", {
        "process": process, "draft": draft, "paragraph": paragraph, "thread": thread})
