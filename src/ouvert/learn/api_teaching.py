"""``/api/v1/learn/…`` of the teaching part: the learning paths and their pages, a page's metadata, the
search over the section, and the reading progress of the person signed in (token or session).

- ``GET /paths`` — the paths and their pages (``?lang=fr|en``, French by default);
- ``GET /paths/{path}`` — one path; ``GET /paths/{path}/pages/{page}`` — one page's metadata;
- ``GET /search?q=…`` — results with highlighted excerpts (400 for a query too long or with control
  characters);
- ``GET /progress`` — the pages read, per path (401 without credentials);
- ``POST /progress/{path}/{page}`` — mark read (201 the first time, 200 after: idempotent);
  ``DELETE /progress/{path}/{page}`` — mark unread (204). An unknown path or page is a 404 and nothing is
  stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja import Status as HttpStatus

from ouvert.api import AUTH

from . import services

router = Router(tags=["learn"])


def _lang(lang: str) -> str:
    if lang not in services.LANGUAGES:
        raise ValidationError({"lang": [_("Langue inconnue : fr ou en.")]})
    return lang


def _page(page) -> dict:
    return {"path": page.path, "page": page.slug, "title": page.title, "summary": page.summary,
            "order": page.order, "level": page.level, "duration": page.duration, "glossary": page.glossary,
            "url": page.url()}


def _path(learning_path, progress=None) -> dict:
    data = {"path": learning_path.slug, "title": learning_path.title, "summary": learning_path.summary,
            "audience": learning_path.audience, "url": learning_path.url(),
            "pages": [_page(page) for page in learning_path.pages]}
    return data


@router.get("/paths", summary="Parcours d'apprentissage / Learning paths")
def paths(request: HttpRequest, lang: str = "fr"):
    return {"results": [_path(p) for p in services.teaching_paths(_lang(lang))]}


@router.get("/paths/{path}", summary="Un parcours / One learning path")
def path_detail(request: HttpRequest, path: str, lang: str = "fr"):
    return _path(services.teaching_path(path, _lang(lang)))


@router.get("/paths/{path}/pages/{page}", summary="Une page d'un parcours / One page of a path")
def page_detail(request: HttpRequest, path: str, page: str, lang: str = "fr"):
    learning_path, found = services.teaching_page(path, page, _lang(lang))
    previous, following = learning_path.neighbours(found.slug)
    return {**_page(found), "path_title": learning_path.title,
            "previous": previous.slug if previous else None, "next": following.slug if following else None,
            "examples": [{"kind": e.kind, "number": e.number} for e in services.teaching_examples(lang)
                         if e.page == found.key]}


@router.get("/search", summary="Recherche dans la section Apprendre / Search the teaching section")
def search(request: HttpRequest, q: str = "", lang: str = "fr", limit: int = 20):
    if limit < 1 or limit > 50:
        raise ValidationError({"limit": [_("limit est un nombre entier entre 1 et 50.")]})
    results = services.teaching_search(q, _lang(lang), limit=limit)
    return {"count": len(results), "results": [{**r, "excerpt": str(r["excerpt"])} for r in results]}


def _progress(user) -> dict:
    read = services.teaching_progress(user)
    out = []
    for learning_path in services.teaching_paths("fr"):
        state = services.teaching_path_progress(user, learning_path, read)
        out.append({"path": learning_path.slug, "read": state["read"], "total": state["total"],
                    "percent": state["percent"], "pages": sorted(state["pages"]),
                    "next": state["next"].slug if state["next"] else None})
    return {"results": out}


@router.get("/progress", auth=AUTH, summary="Ma progression / My reading progress")
def progress(request: HttpRequest):
    return _progress(request.auth)


@router.post("/progress/{path}/{page}", auth=AUTH, response={200: dict, 201: dict},
             summary="Marquer une page lue / Mark a page read")
def mark_read(request: HttpRequest, path: str, page: str):
    created = services.teaching_mark_read(user=request.auth, path=path, page=page)
    return HttpStatus(201 if created else 200, {"path": path, "page": page, "read": True, "created": created})


@router.delete("/progress/{path}/{page}", auth=AUTH, response={204: None},
               summary="Marquer une page non lue / Mark a page unread")
def mark_unread(request: HttpRequest, path: str, page: str):
    services.teaching_mark_unread(user=request.auth, path=path, page=page)
    return HttpStatus(204, None)
