"""Demo content of the market module (``ouvert demo``, order 300, after the plan's demo which makes the SCT).

The Secrétariat du Conseil du trésor (``sct``) buys six pieces of free software tied to the action plan's
commitments, each at a different point of its life:

1. « Connecteur de moissonnage CKAN pour Données Québec » — awarded about ninety days ago to Logilibre, delivered
   (a first delivery sent back for corrections, the second accepted), paid: a reusable component, with the OCDS
   award, contract and implementation releases;
2. « Module libre de prise de rendez-vous » — deadline passed five days ago, three proposals (Pousse withdrew
   then resubmitted its own), a panel of two who declared no conflict: the chair has submitted her scores of
   every proposal, the other evaluator has not yet (the demo evaluator carries on), no consensus yet;
3. « Tableau de bord public du suivi du plan d'action » — published ten days ago, deadline in twenty days: a
   notice, a supplier's question answered as an addendum, a declined question, a deadline extension; a proposal
   submitted by Pousse and a draft by Logilibre, both sealed;
4. « Validateur de fichiers publiccode.yml » — published today, no addenda;
5. « Numérisation des formulaires de subvention » — cancelled with its reason, after an addendum;
6. « API des heures d'ouverture des bibliothèques » — submitted for review, waiting for the SCT's admin.

Everything goes through the services, with the past played by moving the clock (``time_machine.travel``
around each past step), so the audit log, the notifications, the seals and the OCDS releases are the real
ones. Accounts (password ``demo-ouvert-2021``): ``acheteuse.sct@…`` (SCT editor), ``direction.sct@…`` (SCT
admin), ``evaluatrice.sct@…`` (panel chair) and ``evaluateur.sct@…``, and one admin per supplier
(``fournisseur.logilibre@…``, ``fournisseur.pousse@…``, ``fournisseur.boreal@…``), all ``@demo.ouvert.local``.

Idempotent: when the six demo opportunities exist, nothing is done (« marchés : déjà chargés »). Each
opportunity is loaded in its own transaction, so an interrupted run resumes with the ones missing (found by
title among the demo opportunities).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.core.montreal import MONTREAL

from . import delivery, evaluation, opportunities, proposals, suppliers
from .models import BuyerSettings, Opportunity, Proposal, Release, Supplier

DEMO_PASSWORD = "demo-ouvert-2021"
BUYER_SLUG = "sct"
GIT = "https://git.demo.ouvert.local/sct"

ACHETEUSE = "acheteuse.sct@demo.ouvert.local"
DIRECTION = "direction.sct@demo.ouvert.local"
EVALUATRICE = "evaluatrice.sct@demo.ouvert.local"
EVALUATEUR = "evaluateur.sct@demo.ouvert.local"

#: (e-mail, full name, role in the SCT)
BUYER_PEOPLE = [
    (ACHETEUSE, "Acheteuse SCT (démo)", Membership.Role.EDITOR),
    (DIRECTION, "Direction des acquisitions SCT (démo)", Membership.Role.ADMIN),
    (EVALUATRICE, "Évaluatrice SCT (démo)", Membership.Role.MEMBER),
    (EVALUATEUR, "Évaluateur SCT (démo)", Membership.Role.MEMBER),
]

#: The demo suppliers. Their NEQs are FICTITIOUS: ten digits, as the format asks, beginning with 9 (a prefix
#: the Registraire des entreprises does not give), so that no real enterprise is named.
SUPPLIERS = {
    "logilibre": {"email": "fournisseur.logilibre@demo.ouvert.local", "full_name": "Fournisseur Logilibre (démo)",
                  "legal_name": "Logilibre, coopérative de travail", "neq": "9000000011", "is_sme": True,
                  "is_startup": False, "contact_name": "Maude Tremblay", "contact_phone": "418 555-0142",
                  "address": "275, rue du Parvis, Québec (Québec) G1K 6G7"},
    "pousse": {"email": "fournisseur.pousse@demo.ouvert.local", "full_name": "Fournisseur Pousse (démo)",
               "legal_name": "Pousse numérique inc.", "neq": "9000000022", "is_sme": False, "is_startup": True,
               "contact_name": "Karim Haddad", "contact_phone": "514 555-0177",
               "address": "5333, avenue Casgrain, Montréal (Québec) H2T 1X3"},
    "boreal": {"email": "fournisseur.boreal@demo.ouvert.local", "full_name": "Fournisseur Boréal (démo)",
               "legal_name": "Atelier Boréal inc.", "neq": "9000000033", "is_sme": True, "is_startup": False,
               "contact_name": "Élise Gagnon", "contact_phone": "819 555-0108",
               "address": "1175, rue Lavigerie, Sherbrooke (Québec) J1H 5N4"},
}

TITLES = [
    "Connecteur de moissonnage CKAN pour Données Québec",
    "Module libre de prise de rendez-vous",
    "Tableau de bord public du suivi du plan d'action",
    "Validateur de fichiers publiccode.yml",
    "Numérisation des formulaires de subvention",
    "API des heures d'ouverture des bibliothèques",
]


# --- Time ------------------------------------------------------------------------------------------

class Clock:
    """Instants relative to the day of the load, in Montreal time (``at(-5, 14)``: five days ago, 14:00)."""

    def __init__(self, now=None):
        self.now = now or timezone.now()
        self.today = self.now.astimezone(MONTREAL).date()

    def at(self, days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        day = self.today + datetime.timedelta(days=days)
        local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MONTREAL)
        return local.astimezone(datetime.UTC)


def _past(instant: datetime.datetime):
    """The platform's clock at ``instant`` (ticking from there) for one past step."""
    if instant > timezone.now():  # never into the future: a step of today may not have come yet
        instant = timezone.now()
    return time_machine.travel(instant, tick=True)


def _posting(days: int) -> datetime.timedelta:
    """A posting period of ``days`` days, or longer if the platform's minimum asks for it."""
    return datetime.timedelta(days=max(days, settings.OUVERT_MARKET_MIN_POSTING_DAYS + 1))


def _price(value: str) -> Decimal:
    return min(Decimal(value), Decimal(settings.OUVERT_MARKET_CEILING))


def _local_day(instant: datetime.datetime, days: int = 0) -> datetime.date:
    return instant.astimezone(MONTREAL).date() + datetime.timedelta(days=days)


# --- People and suppliers ----------------------------------------------------------------------------

def _person(email: str, full_name: str):
    """The account ``email`` as it is (never changed again), or a new one with the demo password."""
    try:
        return core_services.user_get_by_email(email=email)
    except core_services.NotFound:
        return core_services.user_upsert(email=email, password=DEMO_PASSWORD, full_name=full_name)


def _people(sct) -> dict:
    people = {}
    for email, name, role in BUYER_PEOPLE:
        user = _person(email, name)
        if not core_services.user_has_role(user, sct.pk):
            core_services.membership_set(user=user, organisation=sct, role=role)
        people[email] = user
    if not BuyerSettings.objects.filter(organisation=sct).exists():
        opportunities.buyer_settings_set(actor=people[DIRECTION], organisation=sct, default_licence="LiLiQ-R-1.1",
                                         contact_email="acquisitions.sct@demo.ouvert.local")
    return people


def _suppliers() -> dict:
    found = {}
    for key, spec in SUPPLIERS.items():
        user = _person(spec["email"], spec["full_name"])
        supplier = Supplier.objects.select_related("organisation").filter(neq=spec["neq"]).first()
        if supplier is None:
            supplier = suppliers.supplier_register(
                user=user, legal_name=spec["legal_name"], neq=spec["neq"], is_sme=spec["is_sme"],
                is_startup=spec["is_startup"], contact_name=spec["contact_name"], contact_email=spec["email"],
                contact_phone=spec["contact_phone"], address=spec["address"])
            Supplier.objects.filter(pk=supplier.pk).update(is_demo=True)
            org = supplier.organisation
            core_services.organisation_upsert(slug=org.slug, name_fr=org.name_fr, kind=org.kind, is_demo=True)
        supplier.user = user
        found[key] = supplier
    return found


# --- The opportunities' content -------------------------------------------------------------------

def _criteria(*rows) -> list[dict]:
    return [{"name_fr": fr, "name_en": en, "description_fr": dfr, "description_en": den, "weight": w}
            for fr, en, dfr, den, w in rows]


STANDARD_CRITERIA = _criteria(
    ("Compréhension du besoin et démarche proposée", "Understanding of the need and proposed approach",
     "La proposition montre qu'elle a compris le besoin et décrit une démarche réaliste, par itérations.",
     "The proposal shows it understood the need and describes a realistic, iterative approach.", 40),
    ("Expérience et compétences de l'équipe", "Team experience and skills",
     "Réalisations comparables, maîtrise des technologies demandées, contributions au logiciel libre.",
     "Comparable work, command of the required technologies, free-software contributions.", 35),
    ("Plan de travail et échéancier", "Work plan and schedule",
     "Étapes, livrables intermédiaires et risques, compatibles avec les dates prévues.",
     "Steps, intermediate deliverables and risks, consistent with the planned dates.", 25),
)


def _spec_ckan() -> dict:
    return {
        "title_fr": TITLES[0],
        "title_en": "CKAN harvesting connector for Données Québec",
        "teaser_fr": "Moissonner automatiquement les catalogues CKAN des municipalités et organismes vers Données "
                     "Québec, avec un rapport d'erreurs lisible.",
        "teaser_en": "Automatically harvest the CKAN catalogues of municipalities and public bodies into Données "
                     "Québec, with a readable error report.",
        "description_fr": (
            "## Contexte\n\n"
            "L'engagement 1 du *Plan d'action pour un gouvernement ouvert 2021-2023* vise à enrichir Données "
            "Québec. Plusieurs municipalités publient déjà leurs données dans leur propre portail CKAN ; leurs "
            "jeux de données doivent aujourd'hui être recopiés à la main.\n\n"
            "## Travail demandé\n\n"
            "- un connecteur de moissonnage CKAN (API Action v3) qui crée et met à jour les jeux de données et "
            "leurs ressources ;\n"
            "- la correspondance des métadonnées vers le profil DCAT-AP de Données Québec ;\n"
            "- un rapport de moissonnage (jeux ajoutés, modifiés, retirés, erreurs) lisible par les "
            "administrateurs ;\n"
            "- la documentation d'installation et d'exploitation, en français.\n\n"
            "Le code est publié sous licence libre dès le premier jour, dans le dépôt indiqué."),
        "description_en": (
            "## Context\n\n"
            "Commitment 1 of the 2021-2023 open government action plan aims to enrich Données Québec. Several "
            "municipalities already publish their data in their own CKAN portal; their datasets are copied by "
            "hand today.\n\n"
            "## Work requested\n\n"
            "- a CKAN harvesting connector (Action API v3) that creates and updates datasets and resources;\n"
            "- the mapping of metadata to the DCAT-AP profile of Données Québec;\n"
            "- a harvest report (datasets added, changed, withdrawn, errors) readable by administrators;\n"
            "- installation and operations documentation, in French.\n\n"
            "The code is published under a free licence from day one, in the repository named."),
        "acceptance_fr": (
            "- Le moissonnage complet d'un portail CKAN de test réussit sans erreur.\n"
            "- Un second moissonnage ne crée aucun doublon et retire les jeux supprimés à la source.\n"
            "- Les tests automatisés couvrent au moins 80 % du code.\n"
            "- La documentation d'installation est publiée en français dans le dépôt."),
        "acceptance_en": (
            "- A full harvest of a test CKAN portal succeeds without error.\n"
            "- A second harvest creates no duplicates and withdraws the datasets deleted at the source.\n"
            "- Automated tests cover at least 80% of the code.\n"
            "- The installation documentation is published in French in the repository."),
        "price": _price("48500.00"), "remote_ok": True, "location": "Québec",
        "licence": "LiLiQ-R-1.1", "repository_url": f"{GIT}/moissonneur-ckan",
        "skills": ["Python", "CKAN", "API REST", "DCAT-AP", "Tests automatisés"],
        "criteria": STANDARD_CRITERIA,
    }


def _spec_rdv() -> dict:
    return {
        "title_fr": TITLES[1],
        "title_en": "Free appointment-booking module",
        "teaser_fr": "Un module de prise de rendez-vous accessible, réutilisable par tous les organismes qui "
                     "reçoivent le public en personne.",
        "teaser_en": "An accessible appointment-booking module that every body receiving the public in person can "
                     "reuse.",
        "description_fr": (
            "## Contexte\n\n"
            "Plusieurs organismes développent chacun leur propre outil de prise de rendez-vous. L'engagement 5 du "
            "plan d'action (logiciel libre) invite à mettre en commun ces développements.\n\n"
            "## Travail demandé\n\n"
            "- un module web de prise de rendez-vous (plages horaires, rappels par courriel, annulation) ;\n"
            "- une interface conforme aux WCAG 2.1 AA, en français et en anglais ;\n"
            "- une API documentée (OpenAPI) pour l'intégrer aux sites existants ;\n"
            "- un guide de déploiement pour les autres organismes."),
        "description_en": (
            "## Context\n\n"
            "Several public bodies each build their own appointment tool. Commitment 5 of the action plan (free "
            "software) calls for pooling that work.\n\n"
            "## Work requested\n\n"
            "- a web appointment-booking module (time slots, e-mail reminders, cancellation);\n"
            "- an interface meeting WCAG 2.1 AA, in French and English;\n"
            "- a documented API (OpenAPI) to plug it into existing sites;\n"
            "- a deployment guide for other public bodies."),
        "acceptance_fr": (
            "- Une personne prend, déplace et annule un rendez-vous au clavier seulement.\n"
            "- L'audit d'accessibilité automatisé ne relève aucune erreur.\n"
            "- L'API est décrite en OpenAPI 3 et testée.\n"
            "- Le guide de déploiement permet une installation en moins d'une heure."),
        "acceptance_en": (
            "- A person books, moves and cancels an appointment with the keyboard only.\n"
            "- The automated accessibility audit finds no error.\n"
            "- The API is described in OpenAPI 3 and tested.\n"
            "- The deployment guide allows an installation in under an hour."),
        "price": _price("72000.00"), "remote_ok": True, "location": "",
        "licence": "AGPL-3.0-or-later", "repository_url": f"{GIT}/rendez-vous",
        "skills": ["Python", "Django", "Accessibilité (WCAG)", "API REST"],
        "criteria": STANDARD_CRITERIA,
    }


def _spec_dashboard() -> dict:
    return {
        "title_fr": TITLES[2],
        "title_en": "Public dashboard tracking the action plan",
        "teaser_fr": "Montrer au public, en un coup d'œil, où en est chaque engagement du plan d'action pour un "
                     "gouvernement ouvert.",
        "teaser_en": "Show the public, at a glance, where each commitment of the open government action plan "
                     "stands.",
        "description_fr": (
            "## Contexte\n\n"
            "Le plan d'action prévoit un suivi public de ses engagements et jalons. Les données d'avancement sont "
            "publiées en données ouvertes ; il manque une visualisation claire pour le grand public.\n\n"
            "## Travail demandé\n\n"
            "- un tableau de bord web lisant les données ouvertes du suivi (JSON, CSV) ;\n"
            "- des graphiques accessibles (alternatives textuelles, tableaux équivalents) ;\n"
            "- une vue par engagement, par organisme responsable et par échéance ;\n"
            "- un déploiement statique, sans service tiers."),
        "description_en": (
            "## Context\n\n"
            "The action plan calls for a public follow-up of its commitments and milestones. Progress data is "
            "published as open data; a clear visualisation for the general public is missing.\n\n"
            "## Work requested\n\n"
            "- a web dashboard reading the follow-up's open data (JSON, CSV);\n"
            "- accessible charts (text alternatives, equivalent tables);\n"
            "- views by commitment, by lead body and by due date;\n"
            "- a static deployment, with no third-party service."),
        "acceptance_fr": (
            "- Chaque graphique a un tableau de données équivalent.\n"
            "- Le tableau de bord se met à jour à partir des données ouvertes sans intervention manuelle.\n"
            "- Les pages passent l'audit d'accessibilité automatisé sans erreur."),
        "acceptance_en": (
            "- Every chart has an equivalent data table.\n"
            "- The dashboard updates from the open data with no manual step.\n"
            "- The pages pass the automated accessibility audit without error."),
        "price": _price("39000.00"), "remote_ok": True, "location": "",
        "licence": "LiLiQ-P-1.1", "repository_url": f"{GIT}/tableau-de-bord-plan",
        "skills": ["JavaScript", "Visualisation de données", "Accessibilité (WCAG)"],
        "criteria": STANDARD_CRITERIA,
    }


def _spec_publiccode() -> dict:
    return {
        "title_fr": TITLES[3],
        "title_en": "publiccode.yml file validator",
        "teaser_fr": "Vérifier, en ligne et en intégration continue, les fichiers publiccode.yml qui décrivent les "
                     "logiciels libres de l'administration.",
        "teaser_en": "Check, online and in continuous integration, the publiccode.yml files describing the "
                     "administration's free software.",
        "description_fr": (
            "## Contexte\n\n"
            "L'engagement 5 (logiciel libre) s'appuie sur le standard `publiccode.yml` pour cataloguer les "
            "logiciels publics. Les organismes ont besoin d'un outil simple pour valider leurs fichiers.\n\n"
            "## Travail demandé\n\n"
            "- une bibliothèque et un outil en ligne de commande qui valident un fichier `publiccode.yml` "
            "(schéma, champs obligatoires, extensions du Québec) ;\n"
            "- des messages d'erreur en français et en anglais, qui nomment la ligne et le champ ;\n"
            "- une image de conteneur pour l'intégration continue."),
        "description_en": (
            "## Context\n\n"
            "Commitment 5 (free software) relies on the `publiccode.yml` standard to catalogue public software. "
            "Public bodies need a simple tool to validate their files.\n\n"
            "## Work requested\n\n"
            "- a library and a command-line tool validating a `publiccode.yml` file (schema, required fields, "
            "Quebec extensions);\n"
            "- error messages in French and English naming the line and the field;\n"
            "- a container image for continuous integration."),
        "acceptance_fr": (
            "- Les fichiers d'exemple du standard sont acceptés ; les exemples fautifs sont refusés avec la ligne.\n"
            "- L'outil s'exécute dans l'intégration continue d'un dépôt de test.\n"
            "- La documentation est publiée en français et en anglais."),
        "acceptance_en": (
            "- The standard's sample files pass; the faulty ones fail with their line.\n"
            "- The tool runs in the continuous integration of a test repository.\n"
            "- The documentation is published in French and English."),
        "price": _price("24000.00"), "remote_ok": True, "location": "",
        "licence": "EUPL-1.2", "repository_url": f"{GIT}/validateur-publiccode",
        "skills": ["Go", "YAML", "Intégration continue"],
        "criteria": STANDARD_CRITERIA,
    }


def _spec_forms() -> dict:
    return {
        "title_fr": TITLES[4],
        "title_en": "Digitising grant application forms",
        "teaser_fr": "Transformer les formulaires PDF de demande de subvention en formulaires web accessibles.",
        "teaser_en": "Turn the PDF grant application forms into accessible web forms.",
        "description_fr": (
            "## Travail demandé\n\n"
            "- convertir douze formulaires PDF de demande de subvention en formulaires web ;\n"
            "- valider les champs à la saisie et produire un accusé de réception ;\n"
            "- publier les modèles de formulaires sous licence libre."),
        "description_en": (
            "## Work requested\n\n"
            "- convert twelve PDF grant application forms into web forms;\n"
            "- validate fields on entry and produce an acknowledgement;\n"
            "- publish the form templates under a free licence."),
        "acceptance_fr": (
            "- Les douze formulaires sont en ligne et passent l'audit d'accessibilité.\n"
            "- Chaque envoi produit un accusé de réception."),
        "acceptance_en": (
            "- The twelve forms are online and pass the accessibility audit.\n"
            "- Every submission produces an acknowledgement."),
        "price": _price("55000.00"), "remote_ok": False, "location": "Québec (875, Grande Allée Est)",
        "licence": "LiLiQ-R-1.1", "repository_url": f"{GIT}/formulaires-subvention",
        "skills": ["Formulaires web", "Accessibilité (WCAG)", "JavaScript"],
        "criteria": STANDARD_CRITERIA,
    }


def _spec_libraries() -> dict:
    return {
        "title_fr": TITLES[5],
        "title_en": "Library opening hours API",
        "teaser_fr": "Publier en données ouvertes, par une API, les heures d'ouverture des bibliothèques publiques.",
        "teaser_en": "Publish the opening hours of public libraries as open data, through an API.",
        "description_fr": (
            "## Contexte\n\n"
            "Les heures d'ouverture des bibliothèques publiques sont dispersées dans des dizaines de sites. "
            "L'engagement 1 vise à publier les données de référence les plus demandées.\n\n"
            "## Travail demandé\n\n"
            "- un modèle de données des heures d'ouverture (horaires réguliers, exceptions, fériés) ;\n"
            "- une API publique documentée et un export quotidien en CSV pour Données Québec ;\n"
            "- une interface de saisie simple pour le personnel des bibliothèques."),
        "description_en": (
            "## Context\n\n"
            "Public library opening hours are scattered across dozens of sites. Commitment 1 aims to publish the "
            "most requested reference data.\n\n"
            "## Work requested\n\n"
            "- a data model of opening hours (regular hours, exceptions, holidays);\n"
            "- a documented public API and a daily CSV export for Données Québec;\n"
            "- a simple entry interface for library staff."),
        "acceptance_fr": (
            "- L'API répond selon sa description OpenAPI, tests à l'appui.\n"
            "- L'export CSV quotidien passe la validation du schéma de données.\n"
            "- Le personnel saisit une fermeture exceptionnelle en moins d'une minute."),
        "acceptance_en": (
            "- The API answers as its OpenAPI description says, with tests.\n"
            "- The daily CSV export passes the data schema validation.\n"
            "- Staff enter an exceptional closure in under a minute."),
        "price": _price("31500.00"), "remote_ok": True, "location": "",
        "licence": "MIT", "repository_url": f"{GIT}/api-heures-bibliotheques",
        "skills": ["Python", "API REST", "Données ouvertes"],
        "criteria": STANDARD_CRITERIA,
    }


# --- Proposals ---------------------------------------------------------------------------------------

VOICES = {
    "logilibre": {
        "summary": "Logilibre, coopérative de travail de Québec, propose de réaliser « {title} » en quatre "
                   "itérations de deux semaines, avec une démonstration à la fin de chacune.",
        "approach": "Nous commençons par un atelier d'une demi-journée avec l'équipe du SCT pour préciser les cas "
                    "d'usage, puis nous livrons par petites demandes de fusion revues en continu. Le code est "
                    "écrit avec ses tests dès le départ et publié dans le dépôt public du projet.",
        "team": "Trois membres-travailleurs : une développeuse principale (10 ans d'expérience, contributrice à "
                "CKAN), un développeur Python et une conceptrice en accessibilité.",
        "schedule": "Semaine 1 : atelier et cadrage. Semaines 2 à 7 : trois itérations. Semaine 8 : "
                    "documentation, transfert et livraison finale.",
        "criterion": "Notre coopérative a déjà réalisé des travaux semblables pour deux municipalités ; pour le "
                     "critère « {name} », nous joignons au dépôt des exemples publics de ces réalisations.",
    },
    "pousse": {
        "summary": "Pousse numérique, jeune pousse montréalaise, propose une réalisation rapide de « {title} », "
                   "centrée sur les personnes qui l'utiliseront.",
        "approach": "Nous partons de prototypes testés auprès de cinq personnes usagères, puis développons par "
                    "cycles courts. Chaque cycle se termine par un test d'utilisabilité et un audit "
                    "d'accessibilité.",
        "team": "Deux cofondateurs (conception et développement) et une développeuse à temps plein, appuyés par "
                "un mentor de l'incubateur.",
        "schedule": "Mois 1 : prototypes et tests. Mois 2 : développement. Mois 3 : ajustements, documentation et "
                    "livraison.",
        "criterion": "Pour le critère « {name} », nous mettons de l'avant notre démarche centrée sur les "
                     "personnes et nos réalisations récentes en logiciel libre.",
    },
    "boreal": {
        "summary": "Atelier Boréal, PME de Sherbrooke, propose de livrer « {title} » avec une équipe stable et "
                   "expérimentée en services publics numériques.",
        "approach": "Nous suivons une démarche éprouvée : analyse, conception technique validée avec le SCT, "
                    "développement piloté par les tests, puis recette selon les critères d'acceptation.",
        "team": "Un chargé de projet, deux développeurs principaux et une analyste en assurance qualité, tous "
                "basés au Québec.",
        "schedule": "Phase 1 (2 semaines) : analyse. Phase 2 (6 semaines) : développement. Phase 3 (2 semaines) : "
                    "recette et livraison.",
        "criterion": "Pour le critère « {name} », nous présentons trois mandats comparables réalisés pour des "
                     "organismes publics depuis 2019.",
    },
}


def _content(opportunity: Opportunity, key: str, *, note: str = "", partial: bool = False) -> dict:
    voice = VOICES[key]
    content = {field: voice[field].format(title=opportunity.title_fr) for field in ("summary", "approach", "team",
                                                                                     "schedule")}
    if note:
        content["summary"] += " " + note
    content["criteria"] = {str(c.pk): voice["criterion"].format(name=c.name_fr)
                           for c in opportunity.criteria.all()}
    if partial:  # a draft being written: the summary and the approach only
        content = {"summary": content["summary"], "approach": content["approach"]}
    return content


def _bid(opportunity: Opportunity, supplier: Supplier, key: str, *, note: str = "", attachments=()) -> Proposal:
    proposal = proposals.proposal_draft_save(opportunity=opportunity, supplier=supplier, user=supplier.user,
                                             content=_content(opportunity, key, note=note), attachments=attachments)
    proposals.proposal_submit(proposal=proposal, user=supplier.user, no_conflict_of_interest=True,
                              terms_accepted=True)
    return proposal


def _fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("opportunity", "supplier").get(pk=proposal.pk)


#: Each evaluator's scores by supplier, one per criterion (in the criteria's order), with a comment each.
SCORES = {
    "logilibre": ["8.5", "9", "8"],
    "pousse": ["8", "7", "7.5"],
    "boreal": ["7", "8", "6.5"],
}
COMMENTS = ["Démarche claire et itérative, bien ancrée dans le besoin.",
            "Équipe expérimentée, réalisations comparables vérifiables.",
            "Échéancier réaliste ; les risques sont nommés."]


def _scores(opportunity: Opportunity, key: str, shift: str = "0") -> dict:
    criteria = list(opportunity.criteria.all())
    return {str(c.pk): {"score": str(min(Decimal(10), Decimal(value) + Decimal(shift))), "comment": comment}
            for c, value, comment in zip(criteria, SCORES[key], COMMENTS, strict=True)}


# --- Common steps ------------------------------------------------------------------------------------

def _draft_to_published(spec: dict, people: dict, sct, *, published_at, deadline) -> Opportunity:
    """Create (two days before ``published_at``), submit for review (the day before), publish (at
    ``published_at``, by the SCT's admin)."""
    spec = dict(spec)
    spec["deadline"] = deadline
    if "assignment_date" not in spec:
        spec["assignment_date"] = _local_day(deadline, 14)
        spec["start_date"] = _local_day(deadline, 21)
        spec["completion_date"] = _local_day(deadline, 111)
    with _past(published_at - datetime.timedelta(days=2, hours=1)):
        opportunity = opportunities.opportunity_create(actor=people[ACHETEUSE], buyer=sct, data=spec)
        Opportunity.objects.filter(pk=opportunity.pk).update(is_demo=True)
        opportunity.is_demo = True
    with _past(published_at - datetime.timedelta(days=1, hours=-4)):
        opportunities.opportunity_submit_for_review(actor=people[ACHETEUSE], opportunity=opportunity)
    with _past(published_at):
        opportunities.opportunity_publish(actor=people[DIRECTION], opportunity=opportunity)
    return opportunity


def _panel(opportunity: Opportunity, people: dict, when) -> None:
    with _past(when):
        evaluation.evaluator_name(actor=people[DIRECTION], opportunity=opportunity, email=EVALUATRICE, is_chair=True)
        evaluation.evaluator_name(actor=people[DIRECTION], opportunity=opportunity, email=EVALUATEUR)


def _close(opportunity: Opportunity) -> Opportunity:
    """The deadline comes: the opportunity moves to evaluation, and its panel is told (the periodic jobs)."""
    with _past(opportunity.deadline + datetime.timedelta(minutes=1)):
        opportunity = opportunities.opportunity_close_if_due(opportunity)
        evaluation.panels_open_notify()
    return opportunity


def _declare(opportunity: Opportunity, user, when) -> None:
    with _past(when):
        evaluation.coi_declare(user=user, opportunity=opportunity, has_conflict=False, confirm=True)


# --- The six opportunities -------------------------------------------------------------------------

def _load_ckan(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """1. Awarded about ninety days ago, delivered twice (corrections, then accepted), paid."""
    deadline = clock.at(-112, 14)
    published = deadline - _posting(22)
    published = published.astimezone(MONTREAL).replace(hour=10, minute=0).astimezone(datetime.UTC)
    opportunity = _draft_to_published(_spec_ckan(), people, sct, published_at=published, deadline=deadline)
    _panel(opportunity, people, published + datetime.timedelta(days=6))
    with _past(deadline - datetime.timedelta(days=6, hours=3)):
        logilibre = _bid(opportunity, sup["logilibre"], "logilibre", attachments=[(
            "calendrier.md", "# Calendrier\n\n- Semaine 1 : atelier\n- Semaines 2 à 7 : itérations\n"
                             "- Semaine 8 : livraison\n".encode())])
    with _past(deadline - datetime.timedelta(days=2, hours=5)):
        boreal = _bid(opportunity, sup["boreal"], "boreal")
    opportunity = _close(opportunity)
    chair, member = people[EVALUATRICE], people[EVALUATEUR]
    _declare(opportunity, chair, deadline + datetime.timedelta(hours=19))
    _declare(opportunity, member, deadline + datetime.timedelta(hours=20))
    for offset, (user, shift) in enumerate(((chair, "0"), (member, "-0.5"))):
        with _past(deadline + datetime.timedelta(days=2 + offset, hours=1)):
            for proposal, key in ((logilibre, "logilibre"), (boreal, "boreal")):
                evaluation.scores_submit(user=user, proposal=_fresh(proposal),
                                         scores=_scores(opportunity, key, shift))
    with _past(deadline + datetime.timedelta(days=7)):
        for proposal, key in ((logilibre, "logilibre"), (boreal, "boreal")):
            evaluation.consensus_record(actor=chair, proposal=_fresh(proposal),
                                        scores=_scores(opportunity, key, "-0.25"))
    with _past(clock.at(-90, 10)):
        evaluation.award(actor=people[DIRECTION], opportunity=Opportunity.objects.get(pk=opportunity.pk),
                         proposal_id=logilibre.pk)
    contract = delivery.contract_for(reference=opportunity.reference)
    repo = opportunity.repository_url
    with _past(clock.at(-55, 16)):
        first = delivery.delivery_submit(
            actor=sup["logilibre"].user, contract=contract, repository_url=repo,
            merge_request_url=f"{repo}/-/merge_requests/12",
            note="Première livraison : moissonnage complet, rapport d'erreurs et documentation.")
    with _past(clock.at(-52, 11)):
        delivery.delivery_decide(
            actor=people[ACHETEUSE], delivery=first, decision="corrections", checklist=[0, 3],
            note="Un second moissonnage crée des doublons quand un jeu change d'identifiant, et la couverture "
                 "des tests est de 71 %. Merci de corriger ces deux points.")
    contract = delivery.contract_for(reference=opportunity.reference)
    with _past(clock.at(-30, 15)):
        second = delivery.delivery_submit(
            actor=sup["logilibre"].user, contract=contract, repository_url=repo,
            merge_request_url=f"{repo}/-/merge_requests/19",
            note="Doublons corrigés (identifiants suivis par leur URI), couverture des tests portée à 86 %.")
    with _past(clock.at(-26, 10)):
        items = delivery.acceptance_items(opportunity)
        delivery.delivery_decide(actor=people[ACHETEUSE], delivery=second, decision="accepted",
                                 checklist=list(range(len(items))),
                                 note="Tous les critères d'acceptation sont remplis. Merci à l'équipe.")
    contract = delivery.contract_for(reference=opportunity.reference)
    with _past(clock.at(-20, 14)):
        contract = delivery.payment_set(actor=people[DIRECTION], contract=contract, status="approved")
    with _past(clock.at(-12, 9)):
        delivery.payment_set(actor=people[ACHETEUSE], contract=contract, status="paid")
    return opportunity


def _load_rdv(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """2. Deadline passed five days ago: three proposals, the chair has scored them, the other evaluator not yet."""
    deadline = clock.at(-5, 14)
    published = (deadline - _posting(25)).astimezone(MONTREAL).replace(hour=10, minute=0).astimezone(datetime.UTC)
    opportunity = _draft_to_published(_spec_rdv(), people, sct, published_at=published, deadline=deadline)
    _panel(opportunity, people, published + datetime.timedelta(days=4))
    with _past(deadline - datetime.timedelta(days=13, hours=2)):
        logilibre = _bid(opportunity, sup["logilibre"], "logilibre")
    with _past(deadline - datetime.timedelta(days=11, hours=4)):
        pousse = _bid(opportunity, sup["pousse"], "pousse")
    with _past(deadline - datetime.timedelta(days=9, hours=1)):
        proposals.proposal_withdraw(proposal=_fresh(pousse), user=sup["pousse"].user)
    with _past(deadline - datetime.timedelta(days=7, hours=6)):
        pousse = _bid(opportunity, sup["pousse"], "pousse",
                      note="Version révisée : nous ajoutons un volet de tests avec des personnes ayant une "
                           "incapacité visuelle.")
    with _past(deadline - datetime.timedelta(days=4, hours=3)):
        boreal = _bid(opportunity, sup["boreal"], "boreal")
    opportunity = _close(opportunity)
    chair, member = people[EVALUATRICE], people[EVALUATEUR]
    _declare(opportunity, chair, clock.at(-4, 9, 30))
    _declare(opportunity, member, clock.at(-4, 11))
    with _past(clock.at(-3, 10)):
        for proposal, key in ((logilibre, "logilibre"), (pousse, "pousse")):
            evaluation.scores_submit(user=chair, proposal=_fresh(proposal), scores=_scores(opportunity, key))
    with _past(clock.at(-2, 14)):
        evaluation.scores_submit(user=chair, proposal=_fresh(boreal), scores=_scores(opportunity, "boreal"))
    with _past(clock.at(-1, 16)):  # the other evaluator has begun: one criterion noted, nothing submitted
        first = opportunity.criteria.all()[0]
        evaluation.scores_save(user=member, proposal=_fresh(logilibre), scores={
            str(first.pk): {"score": "8", "comment": "Démarche solide ; à comparer avec les deux autres."}})
    return opportunity


def _load_dashboard(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """3. Published ten days ago, deadline in twenty days: addenda, questions, one proposal and one draft (sealed)."""
    published = clock.at(-10, 10)
    first_deadline = published + _posting(23)
    first_deadline = first_deadline.astimezone(MONTREAL).replace(hour=14, minute=0).astimezone(datetime.UTC)
    final_deadline = max(clock.at(20, 14), first_deadline + datetime.timedelta(days=7))
    spec = _spec_dashboard()
    spec.update(assignment_date=_local_day(final_deadline, 10), start_date=_local_day(final_deadline, 17),
                completion_date=_local_day(final_deadline, 90))
    opportunity = _draft_to_published(spec, people, sct, published_at=published, deadline=first_deadline)
    buyer = people[ACHETEUSE]
    with _past(clock.at(-9, 13)):
        opportunities.follow_set(actor=sup["boreal"].user, opportunity=opportunity)
        opportunities.follow_set(actor=sup["logilibre"].user, opportunity=opportunity)
    with _past(clock.at(-8, 11)):
        opportunities.addendum_publish(
            actor=buyer, opportunity=opportunity, kind="notice",
            body_fr="Les données ouvertes du suivi du plan sont disponibles en JSON et en CSV sur Données Québec ; "
                    "le tableau de bord lira la version JSON.",
            body_en="The plan follow-up's open data is available in JSON and CSV on Données Québec; the dashboard "
                    "will read the JSON version.")
    with _past(clock.at(-7, 9, 45)):
        answered = opportunities.question_ask(
            actor=sup["boreal"].user, opportunity=opportunity,
            body="Bonjour, le tableau de bord doit-il fonctionner sans JavaScript, ou une version dégradée "
                 "suffit-elle ? Merci, l'équipe d'Atelier Boréal.")
    with _past(clock.at(-6, 15)):
        opportunities.question_answer(
            actor=buyer, question=answered,
            question_fr="Le tableau de bord doit-il fonctionner sans JavaScript ?",
            answer_fr="Les tableaux de données équivalents doivent être lisibles sans JavaScript ; les graphiques "
                      "peuvent en dépendre.",
            question_en="Must the dashboard work without JavaScript?",
            answer_en="The equivalent data tables must be readable without JavaScript; the charts may depend on it.")
    with _past(clock.at(-5, 10)):
        declined = opportunities.question_ask(
            actor=sup["pousse"].user, opportunity=opportunity,
            body="Combien de fournisseurs ont déjà déposé une proposition ?")
    with _past(clock.at(-4, 14)):
        opportunities.question_decline(
            actor=buyer, question=declined,
            reason="Cette information n'est pas communiquée : les propositions restent scellées jusqu'à la date "
                   "limite, et personne ne peut en connaître le nombre avant.")
    with _past(clock.at(-3, 11)):
        opportunities.addendum_publish(
            actor=buyer, opportunity=opportunity, kind="deadline", new_deadline=final_deadline,
            body_fr="La date limite est reportée pour laisser aux fournisseurs le temps de tenir compte des "
                    "précisions des addendas n° 1 et 2.",
            body_en="The deadline is extended to give suppliers time to take the clarifications of addenda 1 and "
                    "2 into account.")
    opportunity.refresh_from_db()
    with _past(clock.at(-2, 16)):
        _bid(opportunity, sup["pousse"], "pousse")
    with _past(clock.at(-1, 11)):
        proposals.proposal_draft_save(opportunity=opportunity, supplier=sup["logilibre"],
                                      user=sup["logilibre"].user,
                                      content=_content(opportunity, "logilibre", partial=True))
    return opportunity


def _load_publiccode(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """4. Published today (the deadline thirty days ahead), no addenda."""
    now = timezone.now()
    deadline = max(clock.at(30, 14), now + _posting(0) + datetime.timedelta(days=1))
    spec = _spec_publiccode()
    spec["deadline"] = deadline
    spec.update(assignment_date=_local_day(deadline, 14), start_date=_local_day(deadline, 21),
                completion_date=_local_day(deadline, 80))
    opportunity = opportunities.opportunity_create(actor=people[ACHETEUSE], buyer=sct, data=spec)
    Opportunity.objects.filter(pk=opportunity.pk).update(is_demo=True)
    opportunities.opportunity_submit_for_review(actor=people[ACHETEUSE], opportunity=opportunity)
    opportunities.opportunity_publish(actor=people[DIRECTION], opportunity=opportunity)
    return opportunity


def _load_forms(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """5. Cancelled with its reason, after an addendum."""
    published = clock.at(-45, 10)
    deadline = (published + _posting(24)).astimezone(MONTREAL).replace(hour=14, minute=0).astimezone(datetime.UTC)
    opportunity = _draft_to_published(_spec_forms(), people, sct, published_at=published, deadline=deadline)
    with _past(clock.at(-40, 13)):
        opportunities.addendum_publish(
            actor=people[ACHETEUSE], opportunity=opportunity, kind="notice",
            body_fr="Précision : les douze formulaires visés sont ceux du programme d'aide aux initiatives "
                    "numériques ; leur liste est donnée en annexe de la description.",
            body_en="Clarification: the twelve forms are those of the digital initiatives grant programme.")
    with _past(clock.at(-33, 9)):
        opportunities.opportunity_cancel(
            actor=people[DIRECTION], opportunity=opportunity,
            reason="Le besoin sera couvert par le service gouvernemental de formulaires en ligne, qui offrira ces "
                   "formulaires à tous les ministères : un développement distinct ferait double emploi.")
    return opportunity


def _load_libraries(clock: Clock, people: dict, sct, sup: dict) -> Opportunity:
    """6. Submitted for review, waiting for the SCT's admin (who may publish it)."""
    deadline = max(clock.at(35, 14), timezone.now() + _posting(0) + datetime.timedelta(days=5))
    spec = _spec_libraries()
    spec.update(deadline=deadline, assignment_date=_local_day(deadline, 14), start_date=_local_day(deadline, 21),
                completion_date=_local_day(deadline, 100))
    with _past(clock.at(-3, 11)):
        opportunity = opportunities.opportunity_create(actor=people[ACHETEUSE], buyer=sct, data=spec)
        Opportunity.objects.filter(pk=opportunity.pk).update(is_demo=True)
    with _past(clock.at(-2, 15)):
        opportunities.opportunity_submit_for_review(actor=people[ACHETEUSE], opportunity=opportunity)
    return opportunity


LOADERS = [_load_ckan, _load_rdv, _load_dashboard, _load_publiccode, _load_forms, _load_libraries]


# --- The loader ----------------------------------------------------------------------------------

def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _loaded_titles() -> set[str]:
    return set(Opportunity.objects.filter(is_demo=True, title_fr__in=TITLES).values_list("title_fr", flat=True))


def load(stdout=None) -> int:
    """The demo loader (``ouvert demo``). Returns how many opportunities it loaded (0 when already there)."""
    loaded = _loaded_titles()
    if len(loaded) == len(TITLES):
        _write(stdout, "marchés : déjà chargés")
        return 0
    try:
        sct = core_services.organisation_get(slug=BUYER_SLUG)
    except core_services.NotFound:
        _write(stdout, "marchés : organisme « sct » absent (la démo du plan le crée) ; rien n'est chargé")
        return 0
    clock = Clock()
    with transaction.atomic():
        people = _people(sct)
        sup = _suppliers()
    created = 0
    for title, loader in zip(TITLES, LOADERS, strict=True):
        if title in loaded:
            continue
        with transaction.atomic():
            loader(clock, people, sct, sup)
        created += 1
    if created:
        # The market's open dataset in the catalogue, at once (no worker runs during the demo).
        from ouvert.catalog import services as catalog_services

        from .ocds import OPEN_DATA_KEY

        catalog_services.open_data_refresh(OPEN_DATA_KEY)
    demo = Opportunity.objects.filter(is_demo=True)
    # No count of proposals here: some are still sealed, and their number is part of the seal.
    _write(stdout, f"marchés : {created} opportunité(s) de démonstration chargée(s) ({demo.count()} en tout), "
                   f"{Supplier.objects.filter(is_demo=True).count()} fournisseurs, "
                   f"{Release.objects.filter(opportunity__in=demo).count()} publications OCDS "
                   f"(mot de passe des comptes « {DEMO_PASSWORD} »)")
    return created


def register() -> None:
    """The demo loader, after the plan's (which makes the SCT) and the catalogue's."""
    from ouvert.core import registry

    registry.register_demo_loader("market", load, order=300)

