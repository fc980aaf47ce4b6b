"""``ouvert demo`` (without serving): migrate, set the Site, build static files, load demo content."""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand

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
        self.stdout.write(f"migrations: {applied} appliquée(s)")
        site = services.site_ensure(base_url=settings.OUVERT_BASE_URL)
        self.stdout.write(f"site: {site.domain}")
        if not skip_static:
            built = setup.collectstatic_if_needed(stdout=self.stdout)
            self.stdout.write("fichiers statiques: " + ("construits" if built else "à jour"))
        for loader in registry.demo_loaders():
            t0 = time.monotonic()
            loader.func(self.stdout)
            self.stdout.write(f"démo {loader.name}: {time.monotonic() - t0:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Démo prête en {time.monotonic() - started:.1f} s"))
