"""Demo reuses (``ouvert demo``, after the catalogue's datasets): a handful of illustrative reuses of the
demo datasets, proposed by a demo citizen through the real service, most published by the demo admin,
one left pending. Idempotent (a reuse is found again by its link). The reuses and their addresses
(``www.example.org``, reserved for examples) are illustrative, not real projects; their images are drawn
here with Pillow."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.core import services as core_services

from . import services
from .models import Dataset, Reuse

DEMO_PASSWORD = "demo-ouvert-2021"
DEMO_ADMIN_EMAIL = "admin@demo.ouvert.local"
DEMO_CITIZEN_EMAIL = "citoyenne@demo.ouvert.local"

REUSES = [
    {
        "kind": "application", "publish": True, "colour": (31, 94, 153),
        "title_fr": "Vélo-Québec au quotidien : carte des pistes et des lieux publics",
        "title_en": "Everyday cycling in Québec City: map of bike paths and public places",
        "description_fr": "Application web qui superpose le réseau cyclable de la Ville de Québec, ses "
                          "arrondissements et ses lieux publics pour planifier un trajet à vélo vers une "
                          "bibliothèque, une école ou un centre communautaire. (Exemple de démonstration.)",
        "description_en": "A web application that overlays Québec City's cycling network, boroughs and public "
                          "places to plan a bike trip to a library, a school or a community centre. (Demo example.)",
        "url": "https://www.example.org/demo/velo-quebec-carte",
        "author_name": "Collectif citoyen Roulons Québec",
        "datasets": ["reseau-cyclable-ville-de-quebec", "arrondissements-ville-de-quebec",
                     "lieux-publics-ville-de-quebec"],
    },
    {
        "kind": "visualisation", "publish": True, "colour": (46, 125, 50),
        "title_fr": "Pluie et pédalage : la météo freine-t-elle les cyclistes montréalais ?",
        "title_en": "Rain and pedalling: does the weather slow down Montréal cyclists?",
        "description_fr": "Visualisation qui croise les comptages de vélos sur les pistes cyclables de Montréal "
                          "en 2012 avec la météo horaire : les jours de pluie, le passage baisse nettement sur "
                          "tous les compteurs. (Exemple de démonstration.)",
        "description_en": "A visualisation crossing Montréal's 2012 bike counts with hourly weather: on rainy days "
                          "traffic drops sharply at every counter. (Demo example.)",
        "url": "https://www.example.org/demo/pluie-et-pedalage",
        "author_name": "Laboratoire de données urbaines (démo)",
        "datasets": ["comptage-velos-pistes-cyclables-2012", "meteo-horaire-montreal-2012"],
    },
    {
        "kind": "article", "publish": True, "colour": (183, 28, 28),
        "title_fr": "Le prix de l’électricité au Canada, dix ans de hausses expliquées",
        "title_en": "Electricity prices in Canada: ten years of increases explained",
        "description_fr": "Article de vulgarisation qui s’appuie sur les indices mensuels des prix de vente de "
                          "l’électricité pour comparer les hausses selon les catégories de clients. "
                          "(Exemple de démonstration.)",
        "description_en": "An explanatory article based on the monthly electricity selling price indexes to "
                          "compare increases across customer classes. (Demo example.)",
        "url": "https://www.example.org/demo/prix-electricite-article",
        "author_name": "Journal local (démo)",
        "datasets": ["indices-prix-vente-electricite-mensuel"],
    },
    {
        "kind": "paper", "publish": True, "colour": (106, 27, 154),
        "title_fr": "Découpages administratifs et accès aux services : une analyse régionale du Québec",
        "title_en": "Administrative boundaries and access to services: a regional analysis of Québec",
        "description_fr": "Mémoire de recherche qui utilise les régions administratives du Québec et les limites "
                          "de l’agglomération de Montréal pour comparer l’accès aux services publics. "
                          "(Exemple de démonstration.)",
        "description_en": "A research thesis using Québec's administrative regions and the boundaries of the "
                          "Montréal agglomeration to compare access to public services. (Demo example.)",
        "url": "https://www.example.org/demo/decoupages-administratifs-memoire",
        "author_name": "Université (démo)",
        "datasets": ["regions-administratives-quebec", "limites-administratives-agglomeration-montreal"],
    },
    {
        "kind": "api", "publish": False, "colour": (230, 81, 0),
        "title_fr": "API des chargements ferroviaires mensuels",
        "title_en": "Monthly rail carloadings API",
        "description_fr": "Une API JSON qui sert l’extrait des chargements ferroviaires mensuels par "
                          "marchandise, avec filtres par période. En attente de modération. "
                          "(Exemple de démonstration.)",
        "description_en": "A JSON API serving the monthly rail carloadings extract by commodity, with period "
                          "filters. Awaiting moderation. (Demo example.)",
        "url": "https://www.example.org/demo/api-chargements-ferroviaires",
        "author_name": "Développeuse indépendante (démo)",
        "datasets": ["chargements-ferroviaires-mensuel-extrait"],
    },
]


def _image(colour, seed: int) -> SimpleUploadedFile:
    """A small bar chart drawn in ``colour`` (the reuse's illustration)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    heights = [(seed * 37 + i * 53) % 380 + 120 for i in range(8)]
    for i, height in enumerate(heights):
        x = 80 + i * 105
        draw.rectangle([x, 580 - height, x + 70, 580], fill=colour)
    draw.line([60, 580, 900, 580], fill=(40, 40, 40), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile(f"reutilisation-{seed}.png", out.getvalue(), content_type="image/png")


def load(stdout=None) -> None:
    admin = core_services.user_upsert(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD,
                                      full_name="Administratrice (démo)", is_superuser=True) \
        if not _exists(DEMO_ADMIN_EMAIL) else core_services.user_get_by_email(email=DEMO_ADMIN_EMAIL)
    citizen = core_services.user_upsert(email=DEMO_CITIZEN_EMAIL, password=DEMO_PASSWORD,
                                        full_name="Citoyenne (démo)") \
        if not _exists(DEMO_CITIZEN_EMAIL) else core_services.user_get_by_email(email=DEMO_CITIZEN_EMAIL)
    public = set(Dataset.objects.filter(state=Dataset.State.ACTIVE, private=False).values_list("name", flat=True))
    created = published = 0
    for seed, item in enumerate(REUSES, start=1):
        datasets = [name for name in item["datasets"] if name in public]
        if not datasets:
            continue
        reuse = Reuse.objects.filter(url=item["url"]).first()
        if reuse is None:
            data = {k: item[k] for k in ("kind", "title_fr", "title_en", "description_fr", "description_en",
                                         "url", "author_name")}
            reuse = services.reuse_submit(actor=citizen, data={**data, "datasets": datasets},
                                          image=_image(item["colour"], seed))
            created += 1
        if item["publish"] and reuse.status == Reuse.Status.PENDING:
            services.reuse_moderate(actor=admin, reuse=reuse, decision="publish",
                                    note="Réutilisation de démonstration vérifiée.")
            published += 1
    # The open dataset of the published reuses, at once (no worker runs during the demo).
    services.open_data_refresh(services.REUSE_OPEN_DATA_KEY)
    if stdout is not None:
        stdout.write(f"réutilisations : {created} proposées, {published} publiées\n")


def _exists(email: str) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email=email).exists()
