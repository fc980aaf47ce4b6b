"""Extension points that core offers to every module (filled in each ``AppConfig.ready()``).

Core never imports a concrete module; modules register here instead:

- ``register_demo_loader(name, func, order)``: ``func(stdout)`` loads the module's demo
  content, idempotently, when ``ouvert demo`` runs.
- ``register_menu_link(label, url_name, order)``: a link in the main navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoLoader:
    name: str
    func: Callable
    order: int = 100


@dataclass(frozen=True)
class MenuLink:
    label: str  # a lazily translated string
    url_name: str
    order: int = 100


_demo_loaders: dict[str, DemoLoader] = {}
_menu_links: dict[str, MenuLink] = {}


def register_demo_loader(name: str, func: Callable, order: int = 100) -> None:
    _demo_loaders[name] = DemoLoader(name, func, order)


def demo_loaders() -> list[DemoLoader]:
    return sorted(_demo_loaders.values(), key=lambda loader: (loader.order, loader.name))


def register_menu_link(label, url_name: str, order: int = 100) -> None:
    _menu_links[url_name] = MenuLink(label, url_name, order)


def menu_links() -> list[MenuLink]:
    return sorted(_menu_links.values(), key=lambda link: (link.order, link.url_name))
