"""Demo content of the ecosystems part (``ouvert demo``, after the plan's, the catalogue's and the datastore's).

- Two ecosystems — culture and urbanisme — both marked as demo content: the plan says the first ones
  targeted were « en culture et en urbanisme » (plan 2021-2023, milestone 1.5); the members and datasets
  here are illustrations built from the demo catalogue, not a real ecosystem.
- The standard « Comptages quotidiens de vélos » built on the real table of the demo catalogue
  (Montréal's 2012 bike counts, the datastore's demo: its columns): version 1.0.0 (counters optional)
  and 2.0.0 (every counter required: the file's two counters « données non disponibles » are empty,
  so the bike dataset does not conform to it).
- The standard « Relevés météorologiques horaires » 1.0.0 built on the hourly weather table (Environment
  Canada, Montréal 2012): that dataset declares it and conforms.
- The CeRTIA study's page from what the plan says (objective, institution, due date 30 November 2022),
  with no findings and no document: « étude en cours — document à venir » until an admin attaches them.

Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import ecosystems as eco
from .models import Ecosystem, EcosystemOrganisation, Publication, Standard, StandardVersion

BIKES = "comptage-velos-pistes-cyclables-2012"
WEATHER = "meteo-horaire-montreal-2012"
LIEUX = "lieux-publics-ville-de-quebec"
NOT_AVAILABLE = "(données non disponibles)"


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _dataset(name):
    try:
        return catalog_services.dataset_get(name_or_id=name)
    except core_services.NotFound:
        return None


def _org(slug):
    try:
        return core_services.organisation_get(slug=slug)
    except core_services.NotFound:
        return None


def bikes_schema(*, all_required: bool) -> dict:
    """The bike file's columns (the datastore's demo table: ``Date`` then one column per counter)."""
    counters = ["Berri 1", "Brébeuf (données non disponibles)", "Côte-Sainte-Catherine", "Maisonneuve 1",
                "Maisonneuve 2", "du Parc", "Pierre-Dupuy", "Rachel1", "St-Urbain (données non disponibles)"]
    fields = [{"name": "Date", "type": "date", "constraints": {"required": True, "unique": True},
               "description_fr": "Jour du comptage.", "description_en": "Day of the count.",
               "example": "2012-01-01"}]
    for name in counters:
        constraints = {"minimum": 0}
        if all_required:
            constraints["required"] = True
        fields.append({"name": name, "type": "integer", "constraints": constraints,
                       "description_fr": f"Vélos comptés dans la journée au compteur « {name} ».",
                       "description_en": f"Bicycles counted during the day by the “{name}” counter.",
                       "example": "35"})
    return {"fields": fields, "primaryKey": ["Date"]}


def weather_schema() -> dict:
    def number(name, fr, en, **constraints):
        field = {"name": name, "type": "number", "description_fr": fr, "description_en": en}
        if constraints:
            field["constraints"] = constraints
        return field

    return {"fields": [
        {"name": "Date/Time", "type": "datetime", "constraints": {"required": True, "unique": True},
         "description_fr": "Heure du relevé (heure normale locale).", "description_en": "Time of the reading.",
         "example": "2012-01-01 00:00:00"},
        number("Temp (C)", "Température de l'air (°C).", "Air temperature (°C).", minimum=-60, maximum=50),
        number("Dew Point Temp (C)", "Point de rosée (°C).", "Dew point (°C).", minimum=-70, maximum=40),
        {"name": "Rel Hum (%)", "type": "integer", "constraints": {"minimum": 0, "maximum": 100},
         "description_fr": "Humidité relative (%).", "description_en": "Relative humidity (%)."},
        number("Wind Spd (km/h)", "Vitesse du vent (km/h).", "Wind speed (km/h).", minimum=0),
        number("Visibility (km)", "Visibilité (km).", "Visibility (km).", minimum=0),
        number("Stn Press (kPa)", "Pression à la station (kPa).", "Station pressure (kPa).", minimum=80, maximum=110),
        {"name": "Weather", "type": "string", "description_fr": "Conditions observées (en anglais).",
         "description_en": "Observed conditions.", "example": "Fog"},
    ], "primaryKey": ["Date/Time"]}


def _version(standard, version, schema, status, changelog_fr, changelog_en, released_on):
    found = StandardVersion.objects.filter(standard=standard, version=version).first()
    if found is not None:
        return found
    return eco.version_create(actor=None, standard=standard, data={
        "version": version, "schema": schema, "status": status, "changelog_fr": changelog_fr,
        "changelog_en": changelog_en, "released_on": released_on})


def load(stdout=None) -> None:
    montreal, quebec, sct = _org("ville-de-montreal"), _org("ville-de-quebec"), _org("sct")
    banq, ec = _org("banq"), _org("ec")

    bikes_standard = Standard.objects.filter(name="comptages-velos-quotidiens").first() or eco.standard_upsert(
        actor=None, organisation=montreal, data={
        "name": "comptages-velos-quotidiens", "is_demo": True, "domain": "mobilité",
        "title_fr": "Comptages quotidiens de vélos", "title_en": "Daily bicycle counts",
        "description_fr": "Nombre de vélos comptés chaque jour par les compteurs d'un réseau cyclable : une ligne "
                          "par jour, une colonne par compteur. Bâti sur le fichier des comptages 2012 de Montréal "
                          "(contenu de démonstration).",
        "description_en": "Bicycles counted each day by the counters of a cycling network: one row per day, one "
                          "column per counter. Built on Montréal's 2012 counts (demo content).",
        "licence": "CC BY 4.0",
        "links": [{"label": "Table Schema (Frictionless)", "url": "https://specs.frictionlessdata.io/table-schema/"}],
    })
    _version(bikes_standard, "1.0.0", bikes_schema(all_required=False), "published",
             "Première version : la date, et le nombre de vélos de chaque compteur (facultatif).",
             "First version: the date, and each counter's count (optional).", "2022-06-01")
    _version(bikes_standard, "2.0.0", bikes_schema(all_required=True), "published",
             "Chaque compteur doit avoir une valeur chaque jour (changement incompatible).",
             "Every counter must have a value each day (breaking change).", "2022-11-01")
    weather_standard = Standard.objects.filter(name="releves-meteo-horaires").first() or eco.standard_upsert(
        actor=None, organisation=ec, data={
        "name": "releves-meteo-horaires", "is_demo": True, "domain": "environnement",
        "title_fr": "Relevés météorologiques horaires", "title_en": "Hourly weather observations",
        "description_fr": "Relevés horaires d'une station météorologique (bâti sur les relevés de Montréal en 2012 "
                          "d'Environnement Canada; contenu de démonstration).",
        "description_en": "Hourly readings of a weather station (built on Environment Canada's 2012 Montréal "
                          "readings; demo content).",
        "licence": "Licence du gouvernement ouvert – Canada",
    })
    _version(weather_standard, "1.0.0", weather_schema(), "published", "Première version.", "First version.",
             "2022-06-01")

    urban = Ecosystem.objects.filter(name="urbanisme").first() or eco.ecosystem_upsert(actor=None, data={
        "name": "urbanisme", "is_demo": True, "domain": "urbanisme",
        "title_fr": "Urbanisme et mobilité", "title_en": "Urban planning and mobility",
        "description_fr": "Contenu de démonstration. Les villes, ministères et groupes qui publient et réutilisent "
                          "des données d'aménagement, de déplacements et d'environnement urbain. Le plan d'action "
                          "cite l'urbanisme parmi les premiers écosystèmes ciblés.",
        "description_en": "Demo content. Cities, departments and groups who publish and reuse data on planning, "
                          "travel and the urban environment.",
    })
    culture = Ecosystem.objects.filter(name="culture").first() or eco.ecosystem_upsert(actor=None, data={
        "name": "culture", "is_demo": True, "domain": "culture",
        "title_fr": "Culture", "title_en": "Culture",
        "description_fr": "Contenu de démonstration. Les bibliothèques, musées, diffuseurs et municipalités qui "
                          "partagent des données sur les lieux, les collections et les activités culturelles. Le "
                          "plan d'action cite la culture parmi les premiers écosystèmes ciblés.",
        "description_en": "Demo content. Libraries, museums, presenters and cities sharing data on cultural "
                          "venues, collections and activities.",
    })
    for ecosystem, members in ((urban, [(sct, "Coordination (démonstration)", "Coordination (demo)", True),
                                        (montreal, "Producteur de données", "Data producer", False),
                                        (quebec, "Producteur de données", "Data producer", False),
                                        (ec, "Producteur de données", "Data producer", False)]),
                               (culture, [(sct, "Coordination (démonstration)", "Coordination (demo)", True),
                                          (banq, "Producteur et réutilisateur", "Producer and reuser", False),
                                          (quebec, "Producteur de données", "Data producer", False)])):
        for organisation, role_fr, role_en, coordinator in members:
            if organisation is not None and not EcosystemOrganisation.objects.filter(
                    ecosystem=ecosystem, organisation=organisation).exists():
                eco.ecosystem_organisation_set(actor=None, ecosystem=ecosystem, organisation=organisation,
                                               role_fr=role_fr, role_en=role_en, is_coordinator=coordinator)
    urban.standards.add(bikes_standard, weather_standard)
    bikes, weather, lieux = _dataset(BIKES), _dataset(WEATHER), _dataset(LIEUX)
    if lieux is not None:
        eco.ecosystem_dataset_add(actor=None, ecosystem=culture, dataset=lieux)
    declared = 0
    for dataset, version in ((bikes, StandardVersion.objects.get(standard=bikes_standard, version="2.0.0")),
                             (weather, StandardVersion.objects.get(standard=weather_standard, version="1.0.0"))):
        if dataset is None:
            continue
        entry = eco.ecosystem_dataset_add(actor=None, ecosystem=urban, dataset=dataset)
        if entry.standard_version_id != version.pk:
            eco.dataset_declare(actor=None, ecosystem=urban, dataset=dataset, version=version)
            declared += 1
    # ``ouvert demo`` serves without a worker: the checks run now.
    from .models import Conformity

    for conformity in Conformity.objects.filter(status=Conformity.Status.PENDING):
        eco.conformity_run(resource_id=conformity.resource_id, version_id=conformity.standard_version_id)

    publication, created = Publication.objects.get_or_create(slug="certia-ecosystemes-donnees-ouvertes", defaults={
        "title_fr": "Projet de recherche sur de potentiels écosystèmes en données ouvertes et les défis "
                    "d'interopérabilité",
        "title_en": "Research project on potential open data ecosystems and interoperability challenges",
        "institution": "Centre de recherche en technologies de l'information et affaires (CeRTIA), Université Laval",
        "published_on": datetime.date(2022, 11, 30), "date_is_planned": True,
        "summary_fr": "Objectif, selon le plan d'action : cibler de nouveaux écosystèmes potentiels de données "
                      "ouvertes et les défis d'interopérabilité relatifs au partage de données entre les diverses "
                      "parties prenantes. Responsable : Secrétariat du Conseil du trésor; collaboration : "
                      "Université Laval (CeRTIA); échéance : 30 novembre 2022.",
        "summary_en": "Aim, according to the action plan: identify new potential open data ecosystems and the "
                      "interoperability challenges of sharing data between stakeholders. Lead: Treasury Board "
                      "Secretariat; collaboration: Université Laval (CeRTIA); due 30 November 2022.",
        "source_note": "Plan d'action favorisant un gouvernement ouvert 2021-2023, jalon 1.5.",
    })
    publication.ecosystems.add(urban, culture)
    # Open by default: the registry and the conformity as a dataset of the catalogue, now (no worker here).
    catalog_services.open_data_refresh(eco.OPEN_DATA_KEY)
    _write(stdout, f"écosystèmes : 2 écosystèmes, 2 standards, {declared} déclaration(s), "
                   f"publication CeRTIA {'créée' if created else 'déjà là'}")
