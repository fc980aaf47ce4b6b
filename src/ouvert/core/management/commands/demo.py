"""``ouvert demo`` (without serving): migrate, set the Site, build static files, load demo content."""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ouvert.core import registry, services, setup


class Command(BaseCommand):
    help = "Prépare une instance de démonstration : migrations, site, fichiers statiques, contenu de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("--skip-static", action="store_true", help="Ne pas construire les fichiers statiques.")

    def handle(self, *args, skip_static=False, **options):
        os.environ["OUVERT_DEMO"] = "1"
        settings.OUVERT_DEMO = True
        started = time.monotonic()

        applied = setup.migrate_if_needed(stdout=self.stdout)
        self.stdout.write(_("migrations : %(count)d appliquée(s)") % {"count": applied})
        site = services.site_ensure(base_url=settings.OUVERT_BASE_URL)
        self.stdout.write(_("site : %(domain)s") % {"domain": site.domain})
        if not skip_static:
            built = setup.collectstatic_if_needed(stdout=self.stdout)
            self.stdout.write(_("fichiers statiques : construits") if built else _("fichiers statiques : à jour"))
        for loader in registry.demo_loaders():
            t0 = time.monotonic()
            loader.func(self.stdout)
            self.stdout.write(_("démo %(name)s : %(seconds).1f s") % {"name": loader.name,
                                                                      "seconds": time.monotonic() - t0})
        self.stdout.write(self.style.SUCCESS(_("Démo prête en %(seconds).1f s")
                                             % {"seconds": time.monotonic() - started}))
