"""Demo content of the catalogue: twelve real free software with facts checked against their own sites (licence,
site, source repository, Wikidata identifier when sure; a version is given with its release date, as known when
the demo was written: newer ones have come out since), five proprietary products they can replace, and
statuses with their history (one withdrawn with its reason). The statuses are demonstration decisions, not the
government's. Everything goes through ``software_save`` and ``status_set``; idempotent (an entry already there
is left as it is, a status already decided is not decided again); rows marked ``is_demo``."""

from __future__ import annotations

from . import catalogue, demo_people
from .models import CatalogueStatus, Software

PROPRIETARY = [
    {"slug": "microsoft-office", "name": "Microsoft Office", "wikidata_id": "Q11255",
     "short_description_fr": "Suite bureautique propriétaire de Microsoft.",
     "short_description_en": "Microsoft's proprietary office suite.", "categories": ["office"],
     "website_url": "https://www.microsoft.com/microsoft-365"},
    {"slug": "arcgis-pro", "name": "ArcGIS Pro", "short_description_fr": "Logiciel propriétaire de SIG d'Esri.",
     "short_description_en": "Esri's proprietary GIS software.", "categories": ["geographic-information-systems"],
     "website_url": "https://www.esri.com/arcgis/products/arcgis-pro"},
    {"slug": "oracle-database", "name": "Oracle Database",
     "short_description_fr": "Système de gestion de bases de données propriétaire d'Oracle.",
     "short_description_en": "Oracle's proprietary database management system.",
     "website_url": "https://www.oracle.com/database/"},
    {"slug": "google-analytics", "name": "Google Analytics",
     "short_description_fr": "Service propriétaire de mesure d'audience de Google.",
     "short_description_en": "Google's proprietary web analytics service.", "categories": ["data-analytics"],
     "website_url": "https://marketingplatform.google.com/about/analytics/"},
    {"slug": "zoom", "name": "Zoom", "short_description_fr": "Service propriétaire de vidéoconférence.",
     "short_description_en": "A proprietary video-conferencing service.", "categories": ["video-conferencing"],
     "website_url": "https://zoom.us"},
]

FREE = [
    {"slug": "libreoffice", "name": "LibreOffice", "licence": "MPL-2.0", "wikidata_id": "Q10135",
     "function_fr": "suite bureautique", "function_en": "office suite",
     "short_description_fr": "Suite bureautique libre : traitement de texte, tableur, présentations, dessin.",
     "short_description_en": "Free office suite: word processor, spreadsheet, presentations, drawing.",
     "features_fr": ["Traitement de texte (Writer)", "Tableur (Calc)", "Présentations (Impress)",
                     "Format OpenDocument (ISO/IEC 26300)"],
     "features_en": ["Word processor (Writer)", "Spreadsheet (Calc)", "Presentations (Impress)",
                     "OpenDocument format (ISO/IEC 26300)"],
     "categories": ["office", "productivity-suite"], "latest_version": "24.8", "release_date": "2024-08-22",
     "website_url": "https://www.libreoffice.org", "repository_url": "https://git.libreoffice.org/core",
     "software_type": "standalone/desktop", "development_status": "stable",
     "platforms": ["windows", "mac", "linux"], "available_languages": ["fr", "en"],
     "maintainer_name": "The Document Foundation", "replaces": ["microsoft-office"]},
    {"slug": "qgis", "name": "QGIS", "licence": "GPL-2.0-or-later", "wikidata_id": "Q1329181",
     "function_fr": "système d'information géographique", "function_en": "geographic information system",
     "short_description_fr": "Système d'information géographique libre : créer, analyser et publier des cartes.",
     "short_description_en": "Free geographic information system: create, analyse and publish maps.",
     "categories": ["geographic-information-systems", "data-visualization"],
     "latest_version": "3.40", "release_date": "2024-10-25",
     "website_url": "https://qgis.org", "repository_url": "https://github.com/qgis/QGIS",
     "software_type": "standalone/desktop", "development_status": "stable",
     "platforms": ["windows", "mac", "linux"], "available_languages": ["fr", "en"],
     "maintainer_name": "QGIS.org", "replaces": ["arcgis-pro"]},
    {"slug": "nextcloud", "name": "Nextcloud", "licence": "AGPL-3.0-or-later",
     "function_fr": "partage de fichiers et collaboration", "function_en": "file sharing and collaboration",
     "short_description_fr": "Plateforme libre de partage de fichiers, d'agendas et de collaboration, hébergée "
                             "chez soi.",
     "short_description_en": "Self-hosted free platform for file sharing, calendars and collaboration.",
     "categories": ["collaboration", "document-management"], "latest_version": "30", "release_date": "2024-09-14",
     "website_url": "https://nextcloud.com", "repository_url": "https://github.com/nextcloud/server",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web", "linux"],
     "available_languages": ["fr", "en"], "maintainer_name": "Nextcloud GmbH"},
    {"slug": "moodle", "name": "Moodle", "licence": "GPL-3.0-or-later", "wikidata_id": "Q190434",
     "function_fr": "plateforme d'apprentissage en ligne", "function_en": "learning management system",
     "short_description_fr": "Plateforme libre d'apprentissage en ligne : cours, activités, évaluations.",
     "short_description_en": "Free learning platform: courses, activities, assessments.",
     "categories": ["learning-management-system", "educational-content"],
     "latest_version": "4.5", "release_date": "2024-10-07",
     "website_url": "https://moodle.org", "repository_url": "https://github.com/moodle/moodle",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"], "maintainer_name": "Moodle HQ"},
    {"slug": "decidim", "name": "Decidim", "licence": "AGPL-3.0-only",
     "function_fr": "participation citoyenne", "function_en": "citizen participation",
     "short_description_fr": "Plateforme libre de participation citoyenne : consultations, budgets participatifs, "
                             "assemblées.",
     "short_description_en": "Free citizen participation platform: consultations, participatory budgets, "
                             "assemblies.",
     "categories": ["digital-citizenship", "online-community"],
     "website_url": "https://decidim.org", "repository_url": "https://github.com/decidim/decidim",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"]},
    {"slug": "ckan", "name": "CKAN", "licence": "AGPL-3.0-only",
     "function_fr": "portail de données ouvertes", "function_en": "open data portal",
     "short_description_fr": "Logiciel libre de portail de données ouvertes : catalogue, API, moissonnage.",
     "short_description_en": "Free open data portal software: catalogue, API, harvesting.",
     "categories": ["data-collection", "knowledge-management"],
     "website_url": "https://ckan.org", "repository_url": "https://github.com/ckan/ckan",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"]},
    {"slug": "postgresql", "name": "PostgreSQL", "licence": "PostgreSQL", "wikidata_id": "Q192490",
     "function_fr": "système de gestion de bases de données", "function_en": "database management system",
     "short_description_fr": "Système libre de gestion de bases de données relationnelles.",
     "short_description_en": "Free relational database management system.",
     "categories": ["application-development"], "latest_version": "17", "release_date": "2024-09-26",
     "website_url": "https://www.postgresql.org", "repository_url": "https://github.com/postgres/postgres",
     "software_type": "standalone/backend", "development_status": "stable",
     "platforms": ["windows", "mac", "linux"], "maintainer_name": "PostgreSQL Global Development Group",
     "replaces": ["oracle-database"]},
    {"slug": "keycloak", "name": "Keycloak", "licence": "Apache-2.0",
     "function_fr": "gestion des identités et des accès", "function_en": "identity and access management",
     "short_description_fr": "Gestion libre des identités et des accès : authentification unique, OpenID Connect, "
                             "SAML.",
     "short_description_en": "Free identity and access management: single sign-on, OpenID Connect, SAML.",
     "categories": ["identity-management", "it-security"],
     "website_url": "https://www.keycloak.org", "repository_url": "https://github.com/keycloak/keycloak",
     "software_type": "standalone/backend", "development_status": "stable", "platforms": ["web", "linux"]},
    {"slug": "matomo", "name": "Matomo", "licence": "GPL-3.0-or-later",
     "function_fr": "mesure d'audience web", "function_en": "web analytics",
     "short_description_fr": "Mesure d'audience web libre, respectueuse de la vie privée, hébergée chez soi.",
     "short_description_en": "Free, privacy-friendly, self-hosted web analytics.",
     "categories": ["data-analytics"],
     "website_url": "https://matomo.org", "repository_url": "https://github.com/matomo-org/matomo",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"], "replaces": ["google-analytics"]},
    {"slug": "jitsi-meet", "name": "Jitsi Meet", "licence": "Apache-2.0",
     "function_fr": "vidéoconférence", "function_en": "video conferencing",
     "short_description_fr": "Vidéoconférence libre dans le navigateur, sans compte.",
     "short_description_en": "Free video conferencing in the browser, without an account.",
     "categories": ["video-conferencing", "web-conferencing"],
     "website_url": "https://jitsi.org/jitsi-meet/", "repository_url": "https://github.com/jitsi/jitsi-meet",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web", "android", "ios"],
     "available_languages": ["fr", "en"], "replaces": ["zoom"], "similar": ["bigbluebutton"]},
    {"slug": "bigbluebutton", "name": "BigBlueButton", "licence": "LGPL-3.0-or-later",
     "function_fr": "classe virtuelle", "function_en": "virtual classroom",
     "short_description_fr": "Classe virtuelle libre : vidéoconférence, tableau blanc, partage d'écran, sondages.",
     "short_description_en": "Free virtual classroom: video conferencing, whiteboard, screen sharing, polls.",
     "categories": ["web-conferencing", "learning-management-system"],
     "website_url": "https://bigbluebutton.org", "repository_url": "https://github.com/bigbluebutton/bigbluebutton",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"], "replaces": ["zoom"]},
    {"slug": "drupal", "name": "Drupal", "licence": "GPL-2.0-or-later", "wikidata_id": "Q170855",
     "function_fr": "gestion de contenu web", "function_en": "web content management",
     "short_description_fr": "Système libre de gestion de contenu pour les sites web.",
     "short_description_en": "Free content management system for websites.",
     "categories": ["content-management", "website-builder"], "latest_version": "11", "release_date": "2024-08-02",
     "website_url": "https://www.drupal.org", "repository_url": "https://git.drupalcode.org/project/drupal",
     "software_type": "standalone/web", "development_status": "stable", "platforms": ["web"],
     "available_languages": ["fr", "en"]},
]

#: Demonstration decisions, in order: ``(slug, status, reason)``.
STATUSES = [
    ("libreoffice", CatalogueStatus.RECOMMENDED, ""),
    ("qgis", CatalogueStatus.RECOMMENDED, ""),
    ("postgresql", CatalogueStatus.RECOMMENDED, ""),
    ("moodle", CatalogueStatus.OBSERVATION, "Démonstration : essai en cours dans deux organismes."),
    ("bigbluebutton", CatalogueStatus.RECOMMENDED, ""),
    ("bigbluebutton", CatalogueStatus.WITHDRAWN,
     "Démonstration : retiré au profit de Jitsi Meet pour les réunions ; la version recommandée reste indiquée."),
]


def load(stdout=None) -> dict:
    """Add the demo entries not yet there, then the statuses not yet decided; ``{"created", "kept",
    "statuses"}``."""
    admin, team = demo_people.admin(), demo_people.team()
    created = kept = 0
    for spec in PROPRIETARY + FREE:
        if Software.objects.filter(slug=spec["slug"]).exists():
            kept += 1
            continue
        data = dict(spec)
        related = {key: data.pop(key) for key in ("similar", "replaces") if key in data}
        if spec in PROPRIETARY:
            data["is_proprietary"] = True
        software = catalogue.software_save(actor=team, data=data)
        Software.objects.filter(pk=software.pk).update(is_demo=True)
        related = {key: [s for s in slugs if Software.objects.filter(slug=s).exists()] for key, slugs in related.items()}
        if any(related.values()):
            catalogue.software_save(actor=team, software=software, data=related)
        created += 1
    # The similar entries named before they existed (Jitsi Meet → BigBlueButton).
    for spec in FREE:
        if "similar" in spec:
            software = Software.objects.get(slug=spec["slug"])
            if not software.similar.exists():
                catalogue.software_save(actor=team, software=software, data={"similar": spec["similar"]})
    decided = 0
    if admin is not None and admin.is_superuser:
        for slug, status, reason in STATUSES:
            software = Software.objects.get(slug=slug)
            history = list(software.status_changes.order_by("created_at", "pk").values_list("status_after", flat=True))
            wanted = [s for sl, s, _r in STATUSES if sl == slug]
            position = wanted.index(status) if wanted.count(status) == 1 else None
            if position is None or len(history) > position:
                continue
            catalogue.status_set(actor=admin, software=software, status=status, reason=reason)
            decided += 1
    if stdout is not None:
        stdout.write(f"catalogue des logiciels : {created} ajouté(s), {kept} déjà là, {decided} état(s) décidé(s)\n")
    return {"created": created, "kept": kept, "statuses": decided}
