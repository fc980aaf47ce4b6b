"""Demo content of the processes part (order 200): the five demo consultations every other part fills,
their bodies, phases placed so that each is in its phase on the day the demo is loaded, categories,
documents (links) and the organisers' notes on the guiding principles. Idempotent: a process that
exists is left as it is."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ouvert.core import services as core_services

from . import demo_people, processes
from .demo_people import write as _write
from .models import Process

BODIES = {
    "sct": ("Secrétariat du Conseil du trésor", "Treasury Board Secretariat", "SCT"),
    "mtmd": ("Ministère des Transports et de la Mobilité durable", "Ministry of Transport and Sustainable Mobility",
             "MTMD"),
    "mamh": ("Ministère des Affaires municipales et de l'Habitation", "Ministry of Municipal Affairs and Housing",
             "MAMH"),
    "melccfp": ("Ministère de l'Environnement, de la Lutte contre les changements climatiques, de la Faune et "
                "des Parcs", "Ministry of the Environment, the Fight Against Climate Change, Wildlife and Parks",
                "MELCCFP"),
}

#: One organiser (editor) per body, same password as the other demo accounts.
ORGANISERS = {slug: f"organisation.{slug}@demo.ouvert.local" for slug in BODIES}

ALL = ["proposals", "supports", "comments", "surveys", "debates", "drafts", "opinions", "meetings"]

NOTES_COMMON = {
    "participants": "Les règles de participation sont publiées : on attend des échanges respectueux, sur le "
                    "sujet de la consultation. Les contenus signalés trois fois sont masqués en attendant "
                    "l'examen d'une modératrice. Les renseignements personnels ne sont jamais publiés.",
    "evaluation": "Chaque participant reçoit un court questionnaire de satisfaction ; le bilan de la démarche "
                  "est publié avec le rapport et sert à préparer la prochaine consultation.",
}

PROCESSES = [
    {
        "slug": "strategie-donnees-ouvertes", "body": "sct",
        "title_fr": "Stratégie québécoise des données ouvertes",
        "title_en": "Quebec Open Data Strategy",
        "summary_fr": "Quelles données publiques voulez-vous pouvoir réutiliser, et comment le gouvernement "
                      "devrait-il les publier ? Vos idées serviront à rédiger la prochaine stratégie.",
        "summary_en": "Which public data do you want to reuse, and how should the government publish it? Your "
                      "ideas will shape the next strategy.",
        "description_fr": (
            "Le gouvernement du Québec prépare sa prochaine **stratégie des données ouvertes**. Depuis 2012, les "
            "ministères et organismes publient leurs données sur Données Québec, mais la quantité, la qualité et "
            "la mise à jour restent inégales.\n\n"
            "Nous voulons savoir :\n\n"
            "- quelles données vous seraient le plus utiles (transport, santé, environnement, finances…) ;\n"
            "- ce qui vous empêche aujourd'hui de les réutiliser (formats, licences, documentation) ;\n"
            "- comment mesurer les progrès de la stratégie.\n\n"
            "Proposez vos idées, appuyez celles des autres, répondez au questionnaire et commentez le projet de "
            "texte, paragraphe par paragraphe. Une rencontre hybride aura lieu à Québec pendant la phase de "
            "contribution."),
        "decision_fr": "Le Secrétariat du Conseil du trésor rédigera la stratégie 2026-2030 à partir des "
                       "contributions ; le Conseil du trésor l'adoptera au printemps.",
        "influence": "consult", "theme": "Gouvernement ouvert", "territory": "Ensemble du Québec",
        "mode": "hybrid", "support_limit": 10, "support_threshold": 25, "amendments_enabled": True,
        "demographics_enabled": True,
        "contact": ("Équipe des données ouvertes", "donnees.ouvertes@sct.demo.ouvert.local", "418 555-0142"),
        "phases": [("information", -40, -11, ["meetings"]), ("contribution", -10, 35, ALL),
                   ("analysis", 36, 70, []), ("report", 71, 130, [])],
        "categories": [("Données à publier en priorité", "Data to publish first"),
                       ("Qualité et mise à jour", "Quality and updates"),
                       ("Formats et API", "Formats and APIs"), ("Licences et réutilisation", "Licences and reuse"),
                       ("Accompagnement et formation", "Support and training")],
        "documents": [("Stratégie gouvernementale des données ouvertes (bilan)", "Open data strategy (review)",
                       "https://www.donneesquebec.ca/"),
                      ("Licence CC BY 4.0 utilisée par Données Québec", "CC BY 4.0 licence",
                       "https://creativecommons.org/licenses/by/4.0/deed.fr")],
        "notes": {"engagement": "Le Secrétariat s'engage à répondre publiquement à chaque proposition qui atteint "
                                "25 appuis et à expliquer ce qu'il retient ou non.",
                  **NOTES_COMMON},
    },
    {
        "slug": "mobilite-durable-capitale", "body": "mtmd",
        "title_fr": "Plan de mobilité durable de la Capitale-Nationale",
        "title_en": "Sustainable Mobility Plan for the Capitale-Nationale",
        "summary_fr": "Transport collectif, vélo, marche, covoiturage : aidez-nous à planifier les "
                      "déplacements de la région de Québec pour les quinze prochaines années.",
        "summary_en": "Public transit, cycling, walking, carpooling: help us plan how people will move around the "
                      "Québec City region for the next fifteen years.",
        "description_fr": (
            "Le ministère des Transports et de la Mobilité durable prépare, avec les municipalités de la "
            "Capitale-Nationale, un **plan de mobilité durable** pour 2026-2040.\n\n"
            "Pendant la phase d'information, consultez le portrait des déplacements et participez aux séances "
            "d'information. La phase de contribution s'ouvre dans deux semaines : vous pourrez alors proposer "
            "des idées, répondre au questionnaire sur vos habitudes de déplacement et venir aux ateliers dans "
            "les secteurs de Charlevoix, de Portneuf et de la ville de Québec."),
        "decision_fr": "Le ministère adoptera le plan régional de mobilité durable ; les priorités "
                       "d'investissement seront fixées avec les municipalités et la Communauté métropolitaine.",
        "influence": "discuss", "theme": "Transport", "territory": "Capitale-Nationale", "mode": "hybrid",
        "support_limit": 5, "support_threshold": 50,
        "contact": ("Direction régionale de la Capitale-Nationale", "mobilite.capitale@mtmd.demo.ouvert.local",
                    "418 555-0175"),
        "phases": [("information", -7, 13, ["meetings"]),
                   ("contribution", 14, 59, ["proposals", "supports", "comments", "surveys", "meetings"]),
                   ("analysis", 60, 100, []), ("report", 101, 160, [])],
        "categories": [("Transport collectif", "Public transit"), ("Vélo et marche", "Cycling and walking"),
                       ("Sécurité routière", "Road safety"), ("Milieux ruraux", "Rural areas"),
                       ("Marchandises", "Freight")],
        "documents": [("Portrait des déplacements de la région (synthèse)", "Travel survey summary",
                       "https://www.transports.gouv.qc.ca/"),
                      ("Politique de mobilité durable 2030", "Sustainable Mobility Policy 2030",
                       "https://www.transports.gouv.qc.ca/fr/ministere/role_ministere/Pages/politique-mobilite-durable.aspx")],
        "notes": {"engagement": "Le ministère présentera le plan adopté en indiquant, thème par thème, ce qui "
                                "vient des contributions.", **NOTES_COMMON},
    },
    {
        "slug": "politique-habitation", "body": "mamh",
        "title_fr": "Politique nationale de l'habitation",
        "title_en": "National Housing Policy",
        "summary_fr": "Logement abordable, salubrité, accès à la propriété : la contribution est terminée et "
                      "nous analysons vos propositions, vos réponses au questionnaire et vos votes.",
        "summary_en": "Affordable housing, healthy homes, home ownership: contributions are closed and we are "
                      "analysing your proposals, survey answers and votes.",
        "description_fr": (
            "Le ministère des Affaires municipales et de l'Habitation élabore la **Politique nationale de "
            "l'habitation**. Plus de deux mois de contribution ont permis de recueillir des propositions, des "
            "réponses au questionnaire et des milliers de votes sur des énoncés.\n\n"
            "Nous répondons maintenant aux propositions les plus appuyées. Le rapport « Ce que nous avons "
            "entendu » sera publié au début de la phase de rapport."),
        "decision_fr": "La ministre déposera la politique à l'Assemblée nationale ; ses mesures seront "
                       "financées dans le prochain budget.",
        "influence": "consult", "theme": "Habitation", "territory": "Ensemble du Québec", "mode": "hybrid",
        "support_limit": 10, "support_threshold": 20, "demographics_enabled": True,
        "contact": ("Secrétariat de la politique", "politique.habitation@mamh.demo.ouvert.local", "418 555-0110"),
        "phases": [("information", -120, -91, []),
                   ("contribution", -90, -31, ["proposals", "supports", "comments", "surveys", "debates",
                                               "opinions", "meetings"]),
                   ("analysis", -30, 30, []), ("report", 31, 120, [])],
        "categories": [("Logement abordable", "Affordable housing"), ("Logement social et communautaire",
                                                                      "Social and community housing"),
                       ("Accès à la propriété", "Home ownership"), ("Salubrité et rénovation",
                                                                    "Healthy homes and renovation"),
                       ("Locataires", "Tenants"), ("Régions", "Regions")],
        "documents": [("Portrait de l'habitation au Québec", "Housing in Quebec: an overview",
                       "https://www.habitation.gouv.qc.ca/")],
        "notes": {"engagement": "Chaque proposition ayant atteint 20 appuis reçoit une réponse motivée de la "
                                "ministre.", **NOTES_COMMON},
    },
    {
        "slug": "plan-gouvernement-ouvert-2021", "body": "sct",
        "title_fr": "Plan d'action pour un gouvernement ouvert 2021-2023",
        "title_en": "Open Government Action Plan 2021-2023",
        "summary_fr": "La consultation est terminée : le rapport « Ce que nous avons entendu » est publié et "
                      "les résultats anonymisés sont en données ouvertes.",
        "summary_en": "The consultation is over: the “What we heard” report is published and the anonymised "
                      "results are open data.",
        "description_fr": (
            "Cette consultation a servi à choisir les engagements du **Plan d'action pour un gouvernement "
            "ouvert 2021-2023**. Les participantes et participants ont proposé des engagements, les ont "
            "appuyés et ont répondu à un questionnaire sur la transparence.\n\n"
            "Le rapport explique quels engagements ont été retenus et pourquoi."),
        "decision_fr": "Le Secrétariat du Conseil du trésor a retenu les engagements du plan d'action, adopté "
                       "par le gouvernement.",
        "influence": "consult", "theme": "Gouvernement ouvert", "territory": "Ensemble du Québec",
        "mode": "digital", "support_limit": 0, "support_threshold": 10,
        "contact": ("Gouvernement ouvert", "gouvernement.ouvert@sct.demo.ouvert.local", ""),
        "phases": [("information", -420, -391, []),
                   ("contribution", -390, -331, ["proposals", "supports", "comments", "surveys"]),
                   ("analysis", -330, -271, []), ("report", -270, 365, [])],
        "categories": [("Transparence", "Transparency"), ("Participation citoyenne", "Citizen participation"),
                       ("Données ouvertes", "Open data"), ("Reddition de comptes", "Accountability")],
        "documents": [("Plan d'action pour un gouvernement ouvert 2021-2023", "Open Government Action Plan",
                       "https://www.quebec.ca/gouvernement/gouvernement-ouvert")],
        "notes": {"engagement": "Chaque engagement du plan indique les propositions dont il est issu.",
                  **NOTES_COMMON},
    },
    {
        "slug": "audiences-parc-regional", "body": "melccfp",
        "title_fr": "Audiences publiques sur le parc régional du Massif-du-Sud",
        "title_en": "Public hearings on the Massif-du-Sud regional park",
        "summary_fr": "Des audiences en personne, dans les municipalités voisines du parc, sur le projet "
                      "d'agrandissement et le plan de conservation.",
        "summary_en": "In-person hearings, in the towns near the park, on the proposed expansion and the "
                      "conservation plan.",
        "description_fr": (
            "Le ministère tient des **audiences publiques en personne** sur le projet d'agrandissement du parc "
            "régional du Massif-du-Sud et sur son plan de conservation (milieux humides, habitats du caribou "
            "et de l'omble de fontaine, sentiers).\n\n"
            "Les procès-verbaux des séances passées sont publiés sur cette page ; les prochaines séances se "
            "tiennent à Saint-Philémon et à Buckland. Aucune inscription en ligne n'est nécessaire pour "
            "présenter un mémoire : apportez-le à la séance ou envoyez-le par la poste."),
        "decision_fr": "La ministre décidera du nouveau périmètre du parc et approuvera le plan de "
                       "conservation après avoir reçu le rapport de la commission.",
        "influence": "consult", "theme": "Environnement", "territory": "Chaudière-Appalaches",
        "mode": "in_person", "support_limit": 0, "support_threshold": 0,
        "contact": ("Commission des audiences", "audiences.massif@melccfp.demo.ouvert.local", "418 555-0190"),
        "phases": [("information", -60, -31, ["meetings"]), ("contribution", -30, 30, ["meetings", "comments"]),
                   ("analysis", 31, 75, []), ("report", 76, 140, [])],
        "categories": [("Conservation", "Conservation"), ("Loisirs et sentiers", "Recreation and trails"),
                       ("Économie locale", "Local economy"), ("Accès et transport", "Access and transport")],
        "documents": [("Carte du projet d'agrandissement", "Map of the proposed expansion",
                       "https://www.environnement.gouv.qc.ca/"),
                      ("Plan de conservation (version préliminaire)", "Conservation plan (draft)",
                       "https://www.environnement.gouv.qc.ca/")],
        "notes": {"engagement": "La commission remet son rapport à la ministre, qui le rend public avec sa "
                                "décision.", **NOTES_COMMON},
    },
]




def _body(slug: str):
    name_fr, name_en, acronym = BODIES[slug]
    return demo_people.body(slug, name_fr, name_en=name_en, acronym=acronym)


def _process(spec: dict, admin, today: datetime.date) -> bool:
    if Process.objects.filter(slug=spec["slug"]).exists():
        return False
    day = datetime.timedelta(days=1)
    organisation = _body(spec["body"])
    phases = [{"kind": kind, "starts_on": today + start * day, "ends_on": today + end * day,
               "components": components} for kind, start, end, components in spec["phases"]]
    name, email, phone = spec["contact"]
    data = {k: spec[k] for k in ("slug", "title_fr", "title_en", "summary_fr", "summary_en", "description_fr",
                                 "decision_fr", "influence", "theme", "territory", "mode")}
    data.update({k: spec.get(k, 0) for k in ("support_limit", "support_threshold")})
    data.update({"amendments_enabled": spec.get("amendments_enabled", False),
                 "demographics_enabled": spec.get("demographics_enabled", False),
                 "starts_on": phases[0]["starts_on"], "ends_on": phases[-1]["ends_on"],
                 "contact_name": name, "contact_email": email, "contact_phone": phone})
    process = processes.process_create(actor=admin, organisation=organisation, data=data)
    Process.objects.filter(pk=process.pk).update(is_demo=True)
    processes.phase_set(actor=admin, process=process, phases=phases)
    processes.category_set(actor=admin, process=process, names=spec["categories"])
    for title_fr, title_en, url in spec["documents"]:
        processes.document_add(actor=admin, process=process, title_fr=title_fr, title_en=title_en, url=url)
    processes.process_principles_set(actor=admin, process=process, notes=spec["notes"])
    processes.process_publish(actor=admin, process=process, confirm=True)
    return True


def load(stdout=None) -> None:
    """The demo loader (``ouvert demo``, order 200). Idempotent: existing processes are kept as they are."""
    today = timezone.localdate()
    with transaction.atomic():
        admin = demo_people.admin()
        demo_people.visitor()
        for slug, email in ORGANISERS.items():
            organiser = demo_people.user(email, f"Organisatrice {BODIES[slug][2]} (démo)",
                                         password=demo_people.DEMO_PASSWORD)
            organisation = _body(slug)
            if not core_services.user_has_role(organiser, organisation, ("editor", "admin")):
                core_services.membership_set(user=organiser, organisation=organisation, role="editor")
        created = sum(_process(spec, admin, today) for spec in PROCESSES)
    _write(stdout, f"consultations : {len(PROCESSES)} consultations de démonstration ({created} créées)")
