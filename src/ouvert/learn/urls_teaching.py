"""Addresses of the teaching part (``/<lang>/apprendre/…``).

A learning path's address matches only the paths of ``content/`` (a converter built from its folders), so
the other parts' addresses under ``/apprendre/`` are never taken for a path."""

from django.urls import path, register_converter

from . import teaching_views as views
from .teaching import CONTENT_DIR, SLUG_RE


class PathConverter:
    regex = "|".join(sorted((folder.name for folder in CONTENT_DIR.iterdir()
                             if folder.is_dir() and SLUG_RE.match(folder.name)
                             and (folder / "_path.fr.md").exists()), key=len, reverse=True)) or "(?!)"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PathConverter, "learning_path")

urlpatterns = [
    path("", views.home, name="teaching_home"),
    path("glossaire/", views.glossary, name="teaching_glossary"),
    path("faq/", views.faq, name="teaching_faq"),
    path("recherche/", views.search, name="teaching_search"),
    path("<learning_path:path>/", views.path_page, name="teaching_path"),
    path("<learning_path:path>/<slug:page>/", views.page, name="teaching_page"),
    path("<learning_path:path>/<slug:page>/lu/", views.mark, name="teaching_mark"),
]
