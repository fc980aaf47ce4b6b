"""Extension points that core offers to every module (filled in each ``AppConfig.ready()``).

Core never imports a concrete module; modules register here instead:

- ``register_demo_loader(name, func, order)``: ``func(stdout)`` loads the module's demo
  content, idempotently, when ``ouvert demo`` runs.
- ``register_menu_link(label, url_name, order)``: a link in the main navigation.
- ``register_open_data_publisher(key, func)``: open by default. ``func()`` returns what the
  module publishes as a dataset of the catalogue: ``{"organisation": slug, "metadata": {...},
  "resources": [{"name_fr", "name_en", "format", "filename", "content": bytes}, ...]}``, or
  ``None`` when it has nothing to publish yet. The module calls
  ``ouvert.core.services.open_data_changed(key)`` after each change of its public data.
- ``register_open_data_refresher(func)``: the catalogue's ``func(key)`` enqueues the refresh of
  the dataset of publisher ``key`` (one refresher; core never imports the catalogue).
- ``register_periodic(name, func, every_seconds)``: ``func()`` runs every ``every_seconds``
  (at most once per period whatever the number of workers).
- ``register_resource_listener(func)``: ``func(event, resource_id)`` is called after a catalogue
  resource is created, changed or deleted (``event`` is ``"created"``, ``"updated"`` or
  ``"deleted"``), once the transaction commits; the catalogue calls ``resource_changed``.
- ``register_dataset_listener(func)``: ``func(event, dataset_id)`` is called after a catalogue
  dataset is created, changed (its metadata or one of its resources), deleted, restored or purged
  (``event`` is ``"created"``, ``"updated"``, ``"deleted"``, ``"restored"`` or ``"purged"``), once the
  transaction commits; the catalogue calls ``dataset_changed``.
- ``register_dataset_panel(name, func, order)``: ``func(request=, dataset=, resources=, can_edit=)``
  adds to a catalogue dataset's page: ``{"template": name, "context": {...}}`` (a section included
  after the resources), ``"resource_links": {resource id: [{"label", "url"}]}`` (links beside a
  resource) and ``"resource_notes": {resource id: [text]}``; or ``None``.
- ``register_audit_check(name, func)``: ``func()`` returns the problems (strings) that a module's own
  integrity check finds (e.g. sealed proposals against their audited fingerprints); ``ouvert audit
  verify`` runs every check after the hash chain and fails when any reports a problem.
- ``register_audit_hidden(func)``: ``func(queryset)`` returns the ``AuditEntry`` queryset without the
  entries that would reveal facts still sealed now (e.g. that a supplier bids before the deadline); every
  listing of the audit log (the admin, ``audit_list``) applies them all.
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


# --- Periodic jobs ----------------------------------------------------------------------
# ``register_periodic(name, func, every_seconds)``: ``func()`` runs at most once every
# ``every_seconds`` across every worker (``ouvert worker`` or ``ouvert scheduler``); the claim is a
# conditional UPDATE of ``core.PeriodicRun`` (see ``ouvert.core.scheduler``).


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable
    every_seconds: int


_periodic_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, func: Callable, every_seconds: int) -> None:
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")
    _periodic_jobs[name] = PeriodicJob(name, func, int(every_seconds))


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_periodic_jobs.values(), key=lambda job: job.name)


# --- Open by default --------------------------------------------------------------------

@dataclass(frozen=True)
class OpenDataPublisher:
    key: str
    func: Callable


_open_data_publishers: dict[str, OpenDataPublisher] = {}
_open_data_refreshers: list[Callable] = []


def register_open_data_publisher(key: str, func: Callable) -> None:
    _open_data_publishers[key] = OpenDataPublisher(key, func)


def open_data_publishers() -> list[OpenDataPublisher]:
    return sorted(_open_data_publishers.values(), key=lambda publisher: publisher.key)


def open_data_publisher(key: str) -> OpenDataPublisher | None:
    return _open_data_publishers.get(key)


def register_open_data_refresher(func: Callable) -> None:
    _open_data_refreshers[:] = [func]


def open_data_refresher() -> Callable | None:
    return _open_data_refreshers[0] if _open_data_refreshers else None


# --- Catalogue resources ------------------------------------------------------------------

_resource_listeners: list[Callable] = []


def register_resource_listener(func: Callable) -> None:
    if func not in _resource_listeners:
        _resource_listeners.append(func)


def resource_listeners() -> list[Callable]:
    return list(_resource_listeners)


def resource_changed(event: str, resource_id) -> None:
    """Tell every listener; one that fails is logged and never undoes nor stops the others."""
    import logging

    for func in resource_listeners():
        try:
            func(event, resource_id)
        except Exception:
            logging.getLogger("ouvert.registry").exception("resource listener %r failed", func)


# --- Catalogue datasets -------------------------------------------------------------------

_dataset_listeners: list[Callable] = []


def register_dataset_listener(func: Callable) -> None:
    if func not in _dataset_listeners:
        _dataset_listeners.append(func)


def dataset_listeners() -> list[Callable]:
    return list(_dataset_listeners)


def dataset_changed(event: str, dataset_id) -> None:
    """Tell every listener; one that fails is logged and never undoes nor stops the others."""
    import logging

    for func in dataset_listeners():
        try:
            func(event, dataset_id)
        except Exception:
            logging.getLogger("ouvert.registry").exception("dataset listener %r failed", func)


# --- Catalogue dataset pages --------------------------------------------------------------

@dataclass(frozen=True)
class DatasetPanel:
    name: str
    func: Callable
    order: int = 100


_dataset_panels: dict[str, DatasetPanel] = {}


def register_dataset_panel(name: str, func: Callable, order: int = 100) -> None:
    _dataset_panels[name] = DatasetPanel(name, func, order)


def dataset_panels() -> list[DatasetPanel]:
    return sorted(_dataset_panels.values(), key=lambda panel: (panel.order, panel.name))


# --- Audit log: modules' integrity checks and sealed entries -------------------------------

_audit_checks: dict[str, Callable] = {}
_audit_hidden: list[Callable] = []


def register_audit_check(name: str, func: Callable) -> None:
    _audit_checks[name] = func


def audit_checks() -> list[tuple[str, Callable]]:
    return sorted(_audit_checks.items())


def register_audit_hidden(func: Callable) -> None:
    if func not in _audit_hidden:
        _audit_hidden.append(func)


def audit_hidden(queryset):
    """``queryset`` (of ``AuditEntry``) without what any module hides now."""
    for func in _audit_hidden:
        queryset = func(queryset)
    return queryset
