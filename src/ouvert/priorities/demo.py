"""Demo content of the priorities module (``ouvert demo``; idempotent: a second run changes nothing).

- Data requests in French at every status: one published and linked to a demo dataset of the catalogue,
  one declined with its reason, others submitted, under review or planned, with supports and comments.
- A closed campaign modelled on the BAnQ culture pilot of the 2021-2023 plan (milestone 1.4), saying in
  its description that it is demo content: invited groups of the cultural sector, four criteria inspired
  by the International Open Data Charter, ballots from demo people, computed and published results (the
  selected candidate becomes a planned data request, the results a dataset of the catalogue).
- An open campaign (everyone signed in, ranking) where the demo visitor ``citoyenne@demo.ouvert.local``
  can vote.

The people are demo accounts (``@demo.ouvert.local``); the ballots of the closed campaign are cast through
the services while it is open, then its dates are set to those of the pilot (2022) before the results are
computed: the only write outside the services, and only here.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ouvert.core import services as core_services

from . import services
from .models import Campaign, DataRequest

#: Same password as every demo account (see the README's demo accounts; demo mode only).
DEMO_PASSWORD = "demo-ouvert-2021"
DEMO_ADMIN_EMAIL = "admin@demo.ouvert.local"
VISITOR_EMAIL = "citoyenne@demo.ouvert.local"
PILOT_SLUG = "pilote-banq-donnees-culturelles"
OPEN_SLUG = "mobilite-active-ville-de-quebec"

PEOPLE = [
    # e-mail, full name, group
    ("bibliotheque.publique@demo.ouvert.local", "Bibliothécaire, réseau des bibliothèques publiques (démo)",
     "Bibliothèques publiques"),
    ("musee.regional@demo.ouvert.local", "Responsable des collections, musée régional (démo)", "Musées"),
    ("archiviste@demo.ouvert.local", "Archiviste, service d'archives privé agréé (démo)", "Archives"),
    ("chercheuse.culture@demo.ouvert.local", "Chercheuse en humanités numériques (démo)", "Recherche"),
    ("editeur.livres@demo.ouvert.local", "Éditeur de livres (démo)", "Édition"),
    ("developpeuse.app@demo.ouvert.local", "Développeuse d'applications culturelles (démo)", "Entreprises"),
    ("mediateur.culturel@demo.ouvert.local", "Médiateur culturel (démo)", "Médiation culturelle"),
    ("genealogiste@demo.ouvert.local", "Généalogiste, société d'histoire (démo)", "Sociétés d'histoire"),
]

REQUESTS = [
    {"data": {"title_fr": "Comptages de vélos sur les pistes cyclables de Montréal",
              "description_fr": "Les passages de vélos comptés chaque jour par les compteurs automatiques des "
                                "pistes cyclables, avec l'emplacement de chaque compteur.",
              "purpose_fr": "Mesurer l'effet des nouveaux aménagements cyclables de mon quartier et préparer "
                            "une présentation au conseil d'arrondissement.",
              "organisation": "ville-de-montreal", "theme": "transport"},
     "supporters": 5, "steps": [("review", {}), ("published", {"dataset": "comptage-velos-pistes-cyclables-2012",
                                                                "message": "Les données de 2012 sont publiées ; "
                                                                           "les années suivantes suivront."})]},
    {"data": {"title_fr": "Noms et adresses des abonnés des bibliothèques",
              "description_fr": "La liste des abonnés des bibliothèques publiques, avec leur adresse.",
              "purpose_fr": "Envoyer de la publicité pour ma librairie.",
              "organisation": "banq", "theme": "culture"},
     "supporters": 0, "steps": [("declined", {"reason": "Ces données contiennent des renseignements personnels "
                                                        "protégés par la Loi sur l'accès aux documents des "
                                                        "organismes publics et sur la protection des "
                                                        "renseignements personnels : elles ne peuvent pas être "
                                                        "ouvertes. Les statistiques agrégées de fréquentation "
                                                        "sont, elles, à l'étude."})]},
    {"data": {"title_fr": "Arrêts et horaires du transport adapté",
              "description_fr": "Les zones desservies, les horaires et les règles de réservation du transport "
                                "adapté, dans un format réutilisable (GTFS ou CSV).",
              "purpose_fr": "Intégrer le transport adapté dans une application de planification de trajets "
                            "accessible.",
              "organisation": "ville-de-quebec", "theme": "transport"},
     "supporters": 7, "steps": [("review", {"message": "Nous vérifions avec le Réseau de transport de la "
                                                       "Capitale qui détient ces données."})]},
    {"data": {"title_fr": "Qualité de l'eau des plages publiques",
              "description_fr": "Les résultats des analyses bactériologiques des plages publiques, par plage et "
                                "par date de prélèvement, pendant la saison estivale.",
              "purpose_fr": "Afficher sur une carte les plages où la baignade est permise.",
              "holder_text": "Ministère de l'Environnement, de la Lutte contre les changements climatiques, "
                             "de la Faune et des Parcs", "theme": "environnement"},
     "supporters": 3, "steps": []},
    {"data": {"title_fr": "Fréquentation des lieux publics de la ville de Québec",
              "description_fr": "Le nombre de visiteurs des bibliothèques, arénas et centres communautaires, "
                                "par mois.",
              "purpose_fr": "Étudier l'usage des équipements de loisir pour un travail universitaire.",
              "organisation": "ville-de-quebec", "theme": "societe"},
     "supporters": 2, "steps": [("review", {}), ("planned", {"message": "Publication prévue au prochain "
                                                                         "trimestre."})]},
]

PILOT = {
    "slug": PILOT_SLUG,
    "title_fr": "Priorisation des données culturelles de BAnQ — projet pilote",
    "title_en": "Prioritising BAnQ's cultural data — pilot project",
    "description_fr": (
        "Contenu de démonstration, inspiré du jalon 1.4 du Plan d'action en gouvernement ouvert 2021-2023 : "
        "« Réaliser un projet pilote de priorisation avec la population pour une thématique d'ouverture de "
        "données ouvertes » (responsable : BAnQ). Des acteurs du milieu de la culture, invités par groupe, "
        "ont noté quatre jeux de données candidats selon des critères inspirés de la Charte internationale "
        "des données ouvertes. Les personnes, les bulletins et les résultats sont fictifs."),
    "theme": "culture", "method": "rating", "audience": "invited", "scale_max": 5, "selected_count": 1,
    "criteria": [
        {"name_fr": "Demande des utilisateurs", "weight": 3,
         "description_fr": "Les données sont-elles demandées par les utilisateurs du milieu ?"},
        {"name_fr": "Impact attendu", "weight": 3,
         "description_fr": "Leur ouverture créera-t-elle de la valeur (culturelle, sociale, économique) ?"},
        {"name_fr": "Faisabilité", "weight": 2,
         "description_fr": "Les données sont-elles prêtes à ouvrir (droits, renseignements personnels, format) ?"},
        {"name_fr": "Interopérabilité", "weight": 1,
         "description_fr": "Suivent-elles un standard qui permet de les croiser avec d'autres données ?"},
    ],
    "candidates": [
        {"title_fr": "Notices bibliographiques du dépôt légal",
         "description_fr": "Les notices des documents publiés au Québec et déposés à BAnQ (livres, revues, "
                           "musique), au format MARC et en données liées.", "holder": "BAnQ"},
        {"title_fr": "Statistiques des bibliothèques publiques",
         "description_fr": "Collections, prêts, abonnés et heures d'ouverture des bibliothèques publiques "
                           "autonomes, par année.", "holder": "BAnQ"},
        {"title_fr": "Métadonnées des cartes postales numérisées",
         "description_fr": "Titre, lieu, date et éditeur des cartes postales anciennes de la collection "
                           "patrimoniale, avec le lien vers l'image numérisée.", "holder": "BAnQ"},
        {"title_fr": "Calendrier des activités culturelles",
         "description_fr": "Les activités offertes à la Grande Bibliothèque et dans les centres d'archives : "
                           "date, lieu, public visé.", "holder": "BAnQ"},
    ],
}
#: Scores per person (rows) for each candidate, criteria in order; None = abstention.
PILOT_SCORES = [
    [[5, 4, 3, 5], [4, 4, 5, 3], [3, 4, 4, 3], [2, 2, 5, 2]],
    [[4, 4, 3, 4], [3, 3, 5, 3], [5, 5, 4, 4], [3, 3, 5, 2]],
    [[4, 3, 3, 5], [3, 3, 4, 3], [5, 5, 3, 4], [1, 2, 5, 1]],
    [[5, 5, 3, 5], [4, 4, 4, 4], [4, 4, 4, 3], [2, 2, 4, None]],
    [[5, 5, 4, 5], [3, 3, 5, 3], [3, 3, 4, 3], [2, 3, 5, 2]],
    [[4, 4, 3, 5], [4, 5, 5, 4], [5, 4, 4, 4], [4, 4, 5, 3]],
    [[3, 3, 3, 3], [3, 4, 5, 3], [4, 5, 4, 3], [5, 5, 5, 3]],
    [[5, 4, 2, 4], [2, 2, 5, 2], [5, 5, 3, 4], [1, 1, 5, None]],
]

OPEN = {
    "slug": OPEN_SLUG,
    "title_fr": "Mobilité active : quelles données ouvrir en premier ?",
    "title_en": "Active mobility: which data should be opened first?",
    "description_fr": (
        "Contenu de démonstration. La Ville de Québec propose cinq jeux de données sur la marche et le vélo. "
        "Toute personne connectée peut les classer, du plus utile au moins utile ; le bulletin peut être "
        "modifié jusqu'à la clôture."),
    "theme": "transport", "method": "ranking", "audience": "everyone", "selected_count": 2,
    "criteria": [],
    "candidates": [
        {"title_fr": "Entraves à la circulation sur les pistes cyclables",
         "description_fr": "Travaux et fermetures temporaires, avec dates et détours.", "holder": "Ville de Québec"},
        {"title_fr": "Supports à vélos", "description_fr": "Emplacement et capacité des supports à vélos publics.",
         "holder": "Ville de Québec"},
        {"title_fr": "Déneigement des trottoirs et des pistes quatre saisons",
         "description_fr": "Ordre de priorité et état du déneigement, en temps réel.", "holder": "Ville de Québec"},
        {"title_fr": "Feux piétons sonores", "description_fr": "Intersections équipées de feux sonores.",
         "holder": "Ville de Québec"},
        {"title_fr": "Comptages de piétons", "description_fr": "Passages comptés aux principaux carrefours.",
         "holder": "Ville de Québec"},
    ],
}


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _organisation(slug: str, name_fr: str, kind: str = "public_body"):
    from ouvert.core.models import Organisation

    return Organisation.objects.filter(slug=slug).first() or core_services.organisation_upsert(
        slug=slug, name_fr=name_fr, kind=kind)


def _requests(admin, people) -> int:
    created = 0
    for index, spec in enumerate(REQUESTS):
        if DataRequest.objects.filter(title_fr=spec["data"]["title_fr"], is_demo=True).exists():
            continue
        requester = people[index % len(people)]
        data = dict(spec["data"])
        from ouvert.core.models import Organisation

        if data.get("organisation") and not Organisation.objects.filter(slug=data["organisation"]).exists():
            data["holder_text"], data["organisation"] = data["organisation"], ""
        item = services.request_create(actor=requester, data=data, is_demo=True)
        for supporter in [p for p in people if p.pk != requester.pk][:spec["supporters"]]:
            services.request_support(actor=supporter, data_request=item)
        if spec["supporters"]:
            services.comment_add(actor=people[(index + 1) % len(people)], data_request=item,
                                 body="J'appuie : ces données me seraient utiles aussi.")
        for status, extra in spec["steps"]:
            if status == "published":
                from ouvert.catalog.models import Dataset

                if not Dataset.objects.filter(name=extra["dataset"]).exists():
                    break
            services.request_set_status(actor=admin, data_request=item, status=status, **extra)
        created += 1
    return created


def _pilot(admin, people, banq) -> str:
    campaign = Campaign.objects.filter(slug=PILOT_SLUG).first()
    if campaign is not None and campaign.results is not None:
        return "déjà chargée"
    if campaign is None:
        now = timezone.now()
        data = dict(PILOT, opens_at=datetime.datetime(2022, 5, 2, 9, tzinfo=datetime.UTC),
                    closes_at=now + datetime.timedelta(hours=1),
                    invitations=[{"email": email, "group": group} for email, _name, group in PEOPLE])
        campaign = services.campaign_create(actor=admin, organisation=banq, data=data, is_demo=True)
        candidates = list(campaign.candidates.order_by("position"))
        criteria = list(campaign.criteria.order_by("position"))
        for person, rows in zip(people, PILOT_SCORES, strict=True):
            ratings = {c.pk: {k.pk: score for k, score in zip(criteria, scores, strict=True)}
                       for c, scores in zip(candidates, rows, strict=True)}
            services.ballot_submit(actor=person, campaign=campaign, ratings=ratings, is_demo=True)
    # The pilot's real calendar (milestone 1.4 was due on 31 October 2022): closed in June 2022.
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=datetime.datetime(2022, 6, 17, 17, tzinfo=datetime.UTC))
    campaign.refresh_from_db()
    services.campaign_finalise(actor=None, campaign=campaign)
    return "résultats calculés"


def _open_campaign(admin, people, city) -> str:
    if Campaign.objects.filter(slug=OPEN_SLUG).exists():
        return "déjà chargée"
    now = timezone.now()
    data = dict(OPEN, opens_at=now - datetime.timedelta(days=7), closes_at=now + datetime.timedelta(days=90))
    campaign = services.campaign_create(actor=admin, organisation=city, data=data, is_demo=True)
    ids = list(campaign.candidates.order_by("position").values_list("pk", flat=True))
    for shift, person in enumerate(people[:3]):
        services.ballot_submit(actor=person, campaign=campaign, ranking=ids[shift:] + ids[:shift], is_demo=True)
    return "ouverte"


def load(stdout=None) -> None:
    """The demo loader (``ouvert demo``, after the catalogue's). Idempotent."""
    with transaction.atomic():
        admin = core_services.user_upsert(email=DEMO_ADMIN_EMAIL, full_name="Administratrice (démo)",
                                          is_superuser=True)
        core_services.user_upsert(email=VISITOR_EMAIL, password=DEMO_PASSWORD, full_name="Citoyenne (démo)")
        people = [core_services.user_upsert(email=email, full_name=name) for email, name, _group in PEOPLE]
        banq = _organisation("banq", "Bibliothèque et Archives nationales du Québec")
        city = _organisation("ville-de-quebec", "Ville de Québec", kind="municipality")
        _organisation("sct", "Secrétariat du Conseil du trésor")
        created = _requests(admin, people)
        pilot = _pilot(admin, people, banq)
        opened = _open_campaign(admin, people, city)
    from ouvert.catalog import services as catalog_services

    catalog_services.open_data_refresh(services.REQUESTS_OPEN_DATA_KEY)
    _write(stdout, f"priorisation : {len(REQUESTS)} demandes de données ({created} créées), campagne pilote BAnQ "
                   f"({pilot}), campagne ouverte au vote ({opened})")
