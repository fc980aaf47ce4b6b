"""The ``ouvert`` command: serve, demo, worker, scheduler, createadmin, token, audit, catalog, harvest,
datastore, check, manage.

Thin on purpose: each subcommand parses its arguments and calls a core service or a Django
management command. Django is set up only by the subcommands that need it. Errors a person
can fix (unknown e-mail, weak password, bad arguments) exit with code 2 and a message.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import subprocess
import sys

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _(message: str) -> str:
    """Translate ``message`` once Django is set up (French source strings; English catalogue)."""
    from django.apps import apps

    if not apps.ready:
        return message
    from django.utils.translation import gettext

    return gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """``_`` for a message with a plural form."""
    from django.apps import apps

    if not apps.ready:
        return singular if count == 1 else plural
    from django.utils.translation import ngettext as translate

    return translate(singular, plural, count)


class UsageError(Exception):
    """A mistake the person running the command can fix; exits with code 2."""


def _setup(*, debug_off: bool = False, demo: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    if debug_off:
        os.environ["DEBUG"] = "0"
    if demo:
        os.environ["OUVERT_DEMO"] = "1"
    import django
    from django.utils import translation

    django.setup()
    lang = os.environ.get("LANGUAGE") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    translation.activate("en" if lang.lower().startswith("en") else "fr")


def _message(exc) -> str:
    """Readable text of a ValidationError (keyed by field) or of any service error."""
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        return " ".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


# --- serve ----------------------------------------------------------------------------

def _run_gunicorn(host: str, port: int, workers: int, threads: int = 1) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    class OuvertServer(BaseApplication):
        def __init__(self, options):
            self.options = options
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            from ouvert.wsgi import application

            return application

    def warm_and_freeze(worker):
        # Import every view now (the URL configuration) and build the tables of reverse(), not on the
        # first requests (0.1 s each, in each process); then keep all
        # that is loaded, which lives as long as the worker, out of the garbage collector's full
        # passes: they otherwise walk it every few dozen requests (50-100 ms pauses on searches).
        import gc

        from django.conf import settings
        from django.urls import URLResolver, get_resolver
        from django.utils import translation

        def build(resolver):
            resolver.reverse_dict  # noqa: B018 - what reverse() looks up, made on first use otherwise
            for pattern in resolver.url_patterns:  # the first time: imports the views
                if isinstance(pattern, URLResolver):
                    build(pattern)

        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                build(get_resolver())
        gc.collect()
        gc.freeze()

    # Forked workers must not share the master's database connections.
    connections.close_all()
    OuvertServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "ouvert",
        # Several servers may run on one machine: no shared control socket in the home folder.
        "control_socket_disable": True,
        "post_worker_init": warm_and_freeze,
        # Threads (``--threads`` > 1): gthread workers, which also keep connections alive between
        # requests; one thread: gunicorn's sync workers (one request at a time, connection closed).
        **({"worker_class": "gthread", "threads": threads, "keepalive": 5} if threads > 1 else {}),
    }).run()


def _threads_default() -> int:
    try:
        return max(1, int(os.environ.get("OUVERT_THREADS") or 1))
    except ValueError:
        return 1


def cmd_serve(args) -> int:
    _setup(debug_off=True)
    if args.workers < 1:
        raise UsageError(_("--workers doit être au moins 1."))
    if args.threads < 1:
        raise UsageError(_("--threads doit être au moins 1."))
    from ouvert.core import setup

    if setup.collectstatic_if_needed():
        console.print(_("Fichiers statiques construits."))
    pending = setup.pending_migrations()
    if pending:
        err_console.print(_("Attention : %(count)d migration(s) en attente ; lancez « ouvert manage migrate ».")
                          % {"count": len(pending)}, style="bold yellow")
    console.print(_("Ouvert sur %(url)s (%(workers)d processus)")
                  % {"url": f"[bold]http://{args.host}:{args.port}/[/bold]", "workers": args.workers})
    _run_gunicorn(args.host, args.port, args.workers, args.threads)
    return 0


# --- demo -----------------------------------------------------------------------------

def cmd_demo(args) -> int:
    if not args.no_serve:
        # Loading runs in a child process: it uses DuckDB (ingestions, charts), whose threads and
        # locks do not survive the fork of gunicorn's workers — a worker inheriting them hangs.
        loaded = subprocess.run([sys.executable, "-m", "ouvert.cli", "demo", "--no-serve"], check=False)
        if loaded.returncode != 0:
            return loaded.returncode
        _setup(debug_off=True, demo=True)
        console.print(_("Ouvert (démonstration) sur %(url)s") % {"url": f"[bold]http://{args.host}:{args.port}/[/bold]"})
        _run_gunicorn(args.host, args.port, args.workers, args.threads)
        return 0
    _setup(debug_off=True, demo=True)
    from django.core.management import call_command

    with console.status(_("Préparation de la démonstration…")):
        call_command("demo", stdout=sys.stdout)
    return 0


# --- worker ---------------------------------------------------------------------------

def cmd_worker(args) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    options = list(args.options)
    if "--no-scheduler" in options:
        options.remove("--no-scheduler")
    elif "--batch" not in options:
        # Periodic jobs (core.registry.register_periodic) run beside the tasks; several workers
        # never run the same one twice (see ouvert.core.scheduler).
        from ouvert.core import scheduler

        scheduler.start_thread()
    execute_from_command_line(["ouvert", "db_worker", *options])
    return 0


def cmd_scheduler(args) -> int:
    _setup()
    import threading

    from ouvert.core import scheduler

    if args.once:
        ran = scheduler.run_due()
        console.print(_("Tâches planifiées lancées : %(names)s") % {"names": ", ".join(ran) or "—"})
        return 0
    if args.interval <= 0:
        raise UsageError(_("--interval doit être positif."))
    console.print(_("Planificateur en marche (toutes les %(seconds)s s); Ctrl+C pour arrêter.")
                  % {"seconds": args.interval})
    scheduler.loop(threading.Event(), interval=args.interval)
    return 0


# --- createadmin ----------------------------------------------------------------------

def cmd_createadmin(args) -> int:
    _setup()
    from ouvert.core import services

    password = args.password
    if password is None:
        try:
            password = getpass.getpass("Mot de passe : ")
            repeated = getpass.getpass("Mot de passe (encore) : ")
        except EOFError:
            raise UsageError(_("Aucun mot de passe reçu : utilisez --password ou saisissez-le deux fois.")) from None
        if password != repeated:
            raise UsageError(_("Les deux mots de passe ne correspondent pas."))
    user, created = services.admin_create(email=args.email, password=password)
    message = _("Compte administrateur créé : %(email)s") if created else _("Compte administrateur promu : %(email)s")
    console.print(message % {"email": user.email})
    return 0


# --- token ----------------------------------------------------------------------------

def cmd_token_create(args) -> int:
    _setup()
    from ouvert.core import services

    user = services.user_get_by_email(email=args.email)
    raw = services.token_create(user=user, name=args.name)
    err_console.print(_("Jeton créé pour %(email)s (affiché une seule fois) :") % {"email": user.email})
    print(raw)
    return 0


def cmd_token_revoke(args) -> int:
    _setup()
    from ouvert.core import services

    user = services.user_get_by_email(email=args.email)
    count = services.token_revoke(user=user, prefix=args.prefix)
    if not count:
        raise UsageError(_("Aucun jeton actif de %(email)s ne commence par « %(prefix)s ».")
                         % {"email": user.email, "prefix": args.prefix})
    console.print(_("%(count)d jeton(s) révoqué(s).") % {"count": count})
    return 0


# --- audit ----------------------------------------------------------------------------

def cmd_audit_verify(args) -> int:
    _setup()
    from ouvert.core import services

    report = services.audit_verify()
    if report.ok:
        console.print(_("OK, %(count)d entrées") % {"count": report.checked})
        return 0
    if report.first_bad_seq is not None:
        err_console.print(_("Journal d'audit altéré : entrée n° %(seq)s (%(reason)s) ; %(count)d entrée(s) intacte(s) "
                            "avant elle.") % {"seq": report.first_bad_seq, "reason": report.reason,
                                              "count": report.checked}, style="bold red")
    else:
        err_console.print(_("Chaîne du journal d'audit intacte (%(count)d entrées).") % {"count": report.checked})
    if report.problems:
        err_console.print(ngettext("Vérifications d'intégrité des modules : %(n)d problème.",
                                   "Vérifications d'intégrité des modules : %(n)d problèmes.", len(report.problems))
                          % {"n": len(report.problems)},
                          style="bold red")
        for problem in report.problems:
            err_console.print(f"- {problem}", markup=False, highlight=False)
    return 1


# --- catalog --------------------------------------------------------------------------

def cmd_catalog_reindex(args) -> int:
    _setup()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ouvert.catalog import indexing

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=not err_console.is_terminal) as bar:
        task = bar.add_task(_("Indexation des jeux de données"), total=None)
        count = indexing.reindex_datasets(progress=lambda done, total: bar.update(task, completed=done, total=total))
    from ouvert.core import services as core_services

    core_services.database_statistics_refresh()
    console.print(_("%(count)d jeu(x) de données indexé(s).") % {"count": count})
    return 0


def _progress_bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err_console, transient=not err_console.is_terminal)


@contextlib.contextmanager
def _stage_bars(labels: dict):
    """A progress bar per stage of a long job: yields ``progress(stage, done, total)``, the callback
    the services take; ``labels`` names the stages."""
    with _progress_bar() as bar:
        tasks: dict = {}

        def progress(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress


def cmd_catalog_import(args) -> int:
    _setup()
    from ouvert.catalog import jsonl
    from ouvert.core import services as core_services

    organisation = core_services.organisation_get(slug=args.organisation) if args.organisation else None
    try:
        with open(args.file, "rb") as handle:
            total = sum(1 for _line in handle)
            handle.seek(0)
            with _progress_bar() as bar:
                task = bar.add_task(_("Importation des jeux de données"), total=total)
                report = jsonl.jsonl_import(actor=None, lines=handle, organisation=organisation,
                                            progress=lambda done: bar.update(task, completed=done))
    except OSError as exc:
        raise UsageError(_("Lecture de %(file)s impossible : %(error)s") % {"file": args.file,
                                                                           "error": exc.strerror or exc}) from None
    core_services.database_statistics_refresh()
    for error in report.errors:
        details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error["errors"].items())
        err_console.print(_("Ligne %(line)s (%(name)s) : %(details)s")
                          % {"line": error["line"], "name": error["name"] or "?", "details": details},
                          style="yellow")
    console.print(_("%(created)d créé(s), %(updated)d mis à jour, %(unchanged)d inchangé(s), %(errors)d erreur(s).")
                  % {"created": len(report.created), "updated": len(report.updated),
                     "unchanged": len(report.unchanged), "errors": len(report.errors)})
    return 1 if report.errors else 0


def cmd_catalog_export(args) -> int:
    _setup()
    from ouvert.catalog import jsonl

    total = jsonl.export_queryset(include_private=args.include_private).count()
    with _progress_bar() as bar:
        task = bar.add_task(_("Exportation des jeux de données"), total=total)

        def write(out):
            return jsonl.jsonl_export(out=out, include_private=args.include_private,
                                      progress=lambda done: bar.update(task, completed=done))

        if args.file in (None, "-"):
            count = write(sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            try:
                with open(args.file, "wb") as out:
                    count = write(out)
            except OSError as exc:
                raise UsageError(_("Écriture de %(file)s impossible : %(error)s")
                                 % {"file": args.file, "error": exc.strerror or exc}) from None
    err_console.print(_("%(count)d jeu(x) de données exporté(s).") % {"count": count})
    return 0


# --- harvest --------------------------------------------------------------------------

def cmd_harvest_list(args) -> int:
    _setup()
    from rich.table import Table

    from ouvert.harvest import services

    table = Table(_("source"), _("type"), _("adresse"), _("organisation"), _("fréquence"), _("active"),
                  _("dernière moisson"))
    for source in services.source_list():
        last = services.job_list(source=source, limit=1)
        last = last[0] if last else None
        summary = "—" if last is None else (
            f"#{last.pk} {last.get_status_display()} {last.created_at:%Y-%m-%d %H:%M} "
            f"(+{last.created} ~{last.updated} -{last.deleted} ={last.unchanged} !{last.errors})")
        table.add_row(source.name, source.type, source.url, source.organisation.slug, source.frequency,
                      _("oui") if source.active else _("non"), summary)
    console.print(table)
    return 0


def cmd_harvest_add(args) -> int:
    _setup()
    from ouvert.core import services as core_services
    from ouvert.harvest import services

    organisation = core_services.organisation_get(slug=args.organisation)
    source = services.source_create(actor=None, name=args.name, type=args.type, url=args.url,
                                    organisation=organisation, title=args.title or "", frequency=args.frequency,
                                    config=args.config)
    console.print(_("Source « %(name)s » ajoutée.") % {"name": source.name})
    return 0


def cmd_harvest_run(args) -> int:
    _setup()
    from ouvert.harvest import services

    source = services.source_get(name=args.source)
    labels = {"gather": _("Collecte"), "import": _("Importation")}
    with _stage_bars(labels) as progress:
        job = services.harvest_run(actor=None, source=source, full=args.full, progress=progress)
    if job.status == "running":
        err_console.print(_("La moisson n° %(id)s de cette source est en cours dans un autre processus.")
                          % {"id": job.pk}, style="yellow")
        return 1
    for obj in services.object_list(job=job, status="error"):
        err_console.print(f"{obj.remote_name or obj.guid} : {obj.error}", style="yellow")
    for warning in (job.report or {}).get("warnings", []):
        err_console.print(warning, style="yellow")
    for note in (job.report or {}).get("notes", []):
        console.print(note)
    if job.status == "failed":
        err_console.print(f"[bold red]{_('Erreur')}[/bold red] : {job.report.get('error')}")
        return 1
    console.print(_("Moisson n° %(id)s : %(created)d créé(s), %(updated)d mis à jour, %(deleted)d supprimé(s), "
                    "%(unchanged)d inchangé(s), %(errors)d erreur(s).") % {"id": job.pk, **job.counts})
    return 1 if job.errors else 0


# --- datastore ------------------------------------------------------------------------

def cmd_datastore_load(args) -> int:
    _setup()
    from ouvert.catalog import services as catalog_services
    from ouvert.core import services as core_services
    from ouvert.datastore import services

    actor = core_services.user_get_by_email(email=args.user) if args.user else None
    resource = catalog_services.resource_get(id=args.resource, user=actor)
    labels = {"fetch": _("Téléchargement"), "ingest": _("Lecture et conversion en Parquet"),
              "profile": _("Profil des colonnes"), "validate": _("Validation"), "store": _("Enregistrement")}
    with _stage_bars(labels) as progress:
        table = services.load_file(resource=resource, path=args.file, actor=actor, progress=progress)
    for warning in table.warnings or []:
        err_console.print(warning.get("message") or warning, style="yellow")
    if table.status != "done":
        err_console.print(f"[bold red]{_('Erreur')}[/bold red] : {table.error_message} ({table.error_code})")
        return 1
    console.print(_("Table n° %(id)s : %(rows)s ligne(s), %(columns)s colonne(s), %(warnings)s avertissement(s).")
                  % {"id": table.pk, "rows": table.rows, "columns": len(table.columns or []),
                     "warnings": len(table.warnings or [])})
    if table.validation_valid is False:
        err_console.print(_("Validation : %(errors)s erreur(s) par rapport au schéma de la ressource.")
                          % {"errors": table.validation_errors}, style="yellow")
    return 0


# --- validate -------------------------------------------------------------------------

def cmd_validate(args) -> int:
    """Validate a table (CSV, TSV, Parquet) against a Table Schema, or each resource of a data
    package, as ``frictionless validate`` does: 0 valid, 1 errors found, 2 bad usage."""
    _setup()
    import json

    from ouvert.datastore import schema as table_schema
    from ouvert.datastore import validation

    if not os.path.isfile(args.file):
        raise UsageError(_("Le fichier %(file)s n'existe pas.") % {"file": args.file})
    if args.limit_errors < 0:
        raise UsageError(_("--limit-errors doit être positif ou nul (0 : toutes les erreurs)."))
    package = False
    if args.schema is None and args.file.lower().endswith(".json"):
        try:
            with open(args.file, encoding="utf-8-sig") as handle:
                document = json.load(handle)
            package = isinstance(document, dict) and isinstance(document.get("resources"), list)
        except (OSError, ValueError):
            package = False
    if args.schema is None and not package:
        raise UsageError(_("Indiquez le schéma avec --schema SCHEMA.json (sauf pour un datapackage.json)."))
    try:
        with _progress_bar() as bar:
            task = bar.add_task(_("Validation"), total=None)

            def progress(done, total):
                bar.update(task, completed=done, total=total)

            if package:
                reports = validation.validate_package(args.file, limit_errors=args.limit_errors, progress=progress)
            else:
                schema = table_schema.parse(args.schema)
                reports = [validation.validate(args.file, schema, limit_errors=args.limit_errors, progress=progress)]
    except table_schema.SchemaError as exc:
        err_console.print(f"[bold red]{_('Erreur')}[/bold red] : {_('Le schéma n’est pas valide.')}")
        for error in exc.errors:
            where = f"{error['path']} : " if error["path"] else ""
            err_console.print(f"  {where}{error['message']}", markup=False)
        return 2
    valid = all(report.valid for report in reports)
    if args.json:
        tasks = [report.as_dict()["tasks"][0] for report in reports]
        counts: dict = {}
        for report in reports:
            for code, count in report.counts.items():
                counts[code] = counts.get(code, 0) + count
        document = {"valid": valid,
                    "stats": {"tasks": len(tasks), "errors": sum(report.stats["errors"] for report in reports),
                              "warnings": sum(len(report.warnings) for report in reports),
                              "seconds": round(sum(report.stats["seconds"] for report in reports), 3)},
                    "warnings": [], "errors": [], "tasks": tasks, "counts": counts}
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return 0 if valid else 1
    from rich.table import Table

    for report in reports:
        stats = report.stats
        figures = _("%(rows)d ligne(s), %(fields)d champ(s), %(seconds)s s") % {
            "rows": stats["rows"], "fields": stats["fields"], "seconds": f"{stats['seconds']:.2f}".replace(".", ",")}
        if report.valid:
            console.print(f"[bold green]{_('Valide')}[/bold green] : {report.place} ({figures})")
            continue
        console.print(f"[bold red]{_('Non valide')}[/bold red] : {report.place} — "
                      + _("%(count)d erreur(s)") % {"count": stats["errors"]} + f" ({figures})")
        table = Table(_("code"), _("erreurs"))
        for code, count in report.counts.items():
            table.add_row(code, str(count))
        console.print(table)
        shown = report.errors[:20]
        if shown:
            console.print(_("Premières erreurs :"))
            for error in shown:
                where = []
                if error.get("rowNumber") is not None:
                    where.append(_("ligne %(row)d") % {"row": error["rowNumber"]})
                if error.get("fieldNumber") is not None:
                    where.append(_("champ %(number)d") % {"number": error["fieldNumber"]})
                place = ", ".join(where)
                console.print(f"  [{error['type']}] {place + ' : ' if place else ''}{error['message']}", markup=False)
        for warning in report.warnings:
            err_console.print(warning, style="yellow", markup=False)
    return 0 if valid else 1


# --- check, manage --------------------------------------------------------------------

def cmd_quality_score(args) -> int:
    _setup()
    from ouvert.quality import services

    with _progress_bar() as bar:
        task = bar.add_task(_("Calcul des scores de qualité"), total=None)
        count = services.scores_recompute(progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(_("%(count)d score(s) de qualité calculé(s).") % {"count": count})
    return 0


def cmd_quality_links(args) -> int:
    _setup()
    from ouvert.quality import services

    with _progress_bar() as bar:
        task = bar.add_task(_("Vérification des liens"), total=None)
        summary = services.links_check(due_only=not args.all,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(_("%(checked)d lien(s) vérifié(s) : %(available)d disponible(s), %(broken)d en échec.") % summary)
    return 0


def cmd_quality_verify(args) -> int:
    _setup()
    from ouvert.quality import services

    with _progress_bar() as bar:
        task = bar.add_task(_("Vérification des empreintes des fichiers"), total=None)
        report = services.files_verify(progress=lambda done, total: bar.update(task, completed=done, total=total))
    for problem in report["mismatches"]:
        err_console.print(f"[bold red]{problem['dataset']}[/bold red] {problem['resource_id']} "
                          f"v{problem['number']} : {problem['message']}")
    console.print(_("%(checked)d fichier(s) vérifié(s), %(bad)d anomalie(s).")
                  % {"checked": report["checked"], "bad": len(report["mismatches"])})
    return 1 if report["mismatches"] else 0


def cmd_check(args) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    argv = ["ouvert", "check"]
    if args.deploy:
        argv += ["--deploy", "--fail-level", "WARNING"]
    execute_from_command_line(argv)
    return 0


def cmd_manage(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ouvert.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ouvert manage", *args.options])
    return 0


# --- parser ---------------------------------------------------------------------------

def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port invalide : {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port hors limites (1-65535) : {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ouvert",
        description="Ouvert, plateforme de gouvernement ouvert / open-government platform.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    def server_options(p, workers_default=2):
        p.add_argument("--host", default=DEFAULT_HOST, help=f"adresse d'écoute (défaut {DEFAULT_HOST})")
        p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (défaut {DEFAULT_PORT})")
        p.add_argument("--workers", type=int, default=workers_default, help="processus Web (défaut 2)")
        p.add_argument("--threads", type=int, default=_threads_default(),
                       help="fils d'exécution par processus (défaut 1, ou la variable OUVERT_THREADS) ; "
                            "au-delà de 1, les processus gardent les connexions ouvertes entre deux requêtes "
                            "(gthread, keep-alive de 5 s) et servent plusieurs requêtes à la fois")

    p = sub.add_parser("serve", help="serveur de production (gunicorn, whitenoise)")
    server_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="migrer, charger la démonstration, puis servir")
    p.add_argument("--no-serve", action="store_true", help="préparer sans servir")
    server_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("worker", help="exécuter les tâches d'arrière-plan (db_worker) et les tâches planifiées "
                                      "(--no-scheduler : sans elles)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("scheduler", help="lancer les tâches planifiées seulement (sans exécuter les tâches)")
    p.add_argument("--once", action="store_true", help="une seule passe, puis quitter")
    p.add_argument("--interval", type=float, default=30, help="secondes entre deux passes (défaut 30)")
    p.set_defaults(func=cmd_scheduler)

    p = sub.add_parser("createadmin", help="créer ou promouvoir une administratrice ou un administrateur")
    p.add_argument("--email", required=True)
    p.add_argument("--password", help="sinon demandé deux fois")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("token", help="jetons d'API")
    tsub = p.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    tp = tsub.add_parser("create", help="créer un jeton (affiché une fois)")
    tp.add_argument("email")
    tp.add_argument("--name", default="cli", help="nom du jeton (défaut « cli »)")
    tp.set_defaults(func=cmd_token_create)
    tp = tsub.add_parser("revoke", help="révoquer un jeton par son début")
    tp.add_argument("email")
    tp.add_argument("prefix")
    tp.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser("audit", help="journal d'audit")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    ap = asub.add_parser("verify", help="vérifier la chaîne d'empreintes")
    ap.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("catalog", help="catalogue de données")
    csub = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    cp = csub.add_parser("reindex", help="reconstruire l'index de recherche des jeux de données")
    cp.set_defaults(func=cmd_catalog_reindex)
    cp = csub.add_parser("import", help="importer des jeux de données (JSON Lines de ckanapi)")
    cp.add_argument("file", metavar="FICHIER.jsonl")
    cp.add_argument("--organisation", help="identifiant de l'organisation qui publiera tous les jeux")
    cp.set_defaults(func=cmd_catalog_import)
    cp = csub.add_parser("export", help="exporter les jeux de données (JSON Lines de ckanapi)")
    cp.add_argument("file", nargs="?", metavar="FICHIER", help="défaut : la sortie standard")
    cp.add_argument("--include-private", action="store_true", help="aussi les jeux privés et les brouillons")
    cp.set_defaults(func=cmd_catalog_export)

    p = sub.add_parser("harvest", help="moissonnage de catalogues distants (CKAN, DCAT)")
    hsub = p.add_subparsers(dest="harvest_command", metavar="ACTION", required=True)
    hp = hsub.add_parser("list", help="lister les sources et leur dernière moisson")
    hp.set_defaults(func=cmd_harvest_list)
    hp = hsub.add_parser("add", help="ajouter une source")
    hp.add_argument("name", metavar="NOM")
    hp.add_argument("--type", required=True, choices=["ckan", "dcat"])
    hp.add_argument("--url", required=True)
    hp.add_argument("--organisation", required=True, help="organisation qui publiera les jeux moissonnés")
    hp.add_argument("--title")
    hp.add_argument("--frequency", default="manual", choices=["manual", "hourly", "daily", "weekly"])
    hp.add_argument("--config", help='JSON, par exemple \'{"fq": "organization:statcan"}\'')
    hp.set_defaults(func=cmd_harvest_add)
    hp = hsub.add_parser("run", help="moissonner une source maintenant (reprend une moisson interrompue)")
    hp.add_argument("source", metavar="SOURCE")
    hp.add_argument("--full", action="store_true", help="tout relire, pas seulement ce qui a changé")
    hp.set_defaults(func=cmd_harvest_run)

    p = sub.add_parser("datastore", help="données tabulaires des ressources")
    dsub = p.add_subparsers(dest="datastore_command", metavar="ACTION", required=True)
    dp = dsub.add_parser("load", help="téléverser un fichier comme nouvelle version d'une ressource et l'intégrer")
    dp.add_argument("file", metavar="FICHIER")
    dp.add_argument("--resource", required=True, metavar="ID", help="identifiant de la ressource")
    dp.add_argument("--user", metavar="COURRIEL", help="au nom de cette personne (sinon : la plateforme)")
    dp.set_defaults(func=cmd_datastore_load)

    p = sub.add_parser("validate", help="valider un tableau (CSV, TSV, Parquet) selon un schéma de table "
                                        "Frictionless, ou chaque ressource d'un datapackage.json")
    p.add_argument("file", metavar="FICHIER")
    p.add_argument("--schema", metavar="SCHEMA.json", help="le Table Schema (inutile pour un datapackage.json)")
    p.add_argument("--json", action="store_true", help="le rapport en JSON (forme du rapport de Frictionless)")
    p.add_argument("--limit-errors", type=int, default=1000, metavar="N",
                   help="erreurs listées au plus (défaut 1000 ; 0 : toutes) ; les comptes sont toujours complets")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("quality", help="qualité : scores, liens, empreintes des fichiers")
    qsub = p.add_subparsers(dest="quality_command", metavar="ACTION", required=True)
    qp = qsub.add_parser("score", help="recalculer le score de qualité de chaque jeu de données")
    qp.set_defaults(func=cmd_quality_score)
    qp = qsub.add_parser("links", help="vérifier les liens des ressources (ceux dont la vérification est due)")
    qp.add_argument("--all", action="store_true", help="tous les liens, même ceux vérifiés récemment")
    qp.set_defaults(func=cmd_quality_links)
    qp = qsub.add_parser("verify", help="recalculer l'empreinte SHA-256 de chaque fichier stocké et signaler "
                                        "tout écart (code de sortie 1)")
    qp.set_defaults(func=cmd_quality_verify)

    p = sub.add_parser("check", help="vérifications Django (--deploy : réglages de production)")
    p.add_argument("--deploy", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("manage", help="toute commande Django (ex. : ouvert manage migrate)", add_help=False)
    p.set_defaults(func=cmd_manage)
    return parser


#: Subcommands whose arguments go, untouched, to a Django command.
PASSTHROUGH = {"worker", "manage"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if argv and argv[0] in PASSTHROUGH:
        args = parser.parse_args(argv[:1])
        args.options = argv[1:]
    else:
        args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except UsageError as exc:
        err_console.print(f"[bold red]{_('Erreur')}[/bold red] : {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from django.apps import apps

        if not apps.ready:
            raise
        from django.core.exceptions import PermissionDenied, ValidationError

        from ouvert.core.services import NotFound

        if isinstance(exc, (ValidationError, NotFound, PermissionDenied)):
            err_console.print(f"[bold red]{_('Erreur')}[/bold red] : {_message(exc)}")
            return 2
        raise
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
