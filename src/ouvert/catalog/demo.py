"""The demo catalogue (``ouvert demo``), built from real material only (``data/demo/SOURCES.md``).

- Metadata of real datasets published on open.canada.ca (Agence spatiale canadienne, Statistique
  Canada), loaded through the CKAN dictionaries as a harvest would, under their real publishers;
  each says where its metadata comes from (``extras["source_metadonnees"]``). Their resources are
  links to the addresses open.canada.ca gives.
- Datasets built around real files (``data/demo/files/``, gzip-compressed copies uploaded
  decompressed, byte for byte), under their real publishers: Ville de Montréal, Ville de Québec,
  Environnement et Changement climatique Canada, Statistique Canada, the Québec ministry of
  natural resources. Their descriptions state only what the files show, and where the copies
  come from.
- Themes (transport, environnement, économie, géographie, gouvernement, sciences, société), then
  every open-data publication of the platform (``core.registry``; the plan's, among others).

``load(stdout)`` is idempotent: a second run changes nothing (no activity, no file version).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
from pathlib import Path

from django.core.files import File
from django.db import transaction

from ouvert.core import registry
from ouvert.core import services as core_services

from . import ckan_dict, services
from .models import Dataset

DATA_DIR = Path(__file__).resolve().parent / "data" / "demo"
FILES_DIR = DATA_DIR / "files"

THEMES = [
    # name, title_fr, title_en, description_fr, description_en
    ("transport", "Transport", "Transportation",
     "Réseaux, déplacements et mobilité : vélo, rail, routes.", "Networks, trips and mobility: cycling, rail, roads."),
    ("environnement", "Environnement", "Environment",
     "Météo, climat, qualité de l'air et milieux naturels.", "Weather, climate, air quality and natural environments."),
    ("economie", "Économie", "Economy",
     "Prix, production et échanges.", "Prices, production and trade."),
    ("geographie", "Géographie", "Geography",
     "Limites administratives, lieux et données géospatiales.", "Administrative boundaries, places and geospatial data."),
    ("gouvernement", "Gouvernement", "Government",
     "Fonctionnement de l'État, gouvernement ouvert, services publics.",
     "How government works, open government, public services."),
    ("sciences", "Sciences et technologie", "Science and technology",
     "Recherche, observation de la Terre et de l'espace.", "Research, Earth and space observation."),
    ("societe", "Société et culture", "Society and culture",
     "Population, conditions de vie et culture.", "Population, living conditions and culture."),
]

ORGANISATIONS = [
    # slug, name_fr, name_en, acronym, kind, website
    ("ville-de-montreal", "Ville de Montréal", "City of Montréal", "", "municipality",
     "https://montreal.ca/"),
    ("ville-de-quebec", "Ville de Québec", "Québec City", "", "municipality", "https://www.ville.quebec.qc.ca/"),
    ("mrnf", "Ministère des Ressources naturelles et des Forêts", "Ministère des Ressources naturelles et des "
     "Forêts (Natural Resources and Forests)", "MRNF", "public_body", "https://www.quebec.ca/gouvernement/ministere/"
     "ressources-naturelles-forets"),
    # Federal bodies, under the names and short forms open.canada.ca gives them.
    ("statcan", "Statistique Canada", "Statistics Canada", "StatCan", "public_body", "https://www.statcan.gc.ca/"),
    ("ec", "Environnement et Changement climatique Canada", "Environment and Climate Change Canada", "ECCC",
     "public_body", "https://www.canada.ca/fr/environnement-changement-climatique.html"),
    ("csa-asc", "Agence spatiale canadienne", "Canadian Space Agency", "ASC", "public_body",
     "https://www.asc-csa.gc.ca/"),
]

#: open.canada.ca ``subject`` codes → themes.
SUBJECT_THEMES = {
    "science_and_technology": "sciences",
    "nature_and_environment": "environnement",
    "government_and_politics": "gouvernement",
    "society_and_culture": "societe",
    "persons": "societe",
    "economics_and_industry": "economie",
    "transport": "transport",
}

_COPY_FR = "Copie du fichier tirée de"
_COPY_EN = "Copy of the file taken from"

#: Datasets built around real files. ``files``: (file in ``files/`` without ``.gz``, name_fr,
#: name_en, format, description_fr, description_en).
FILE_DATASETS = [
    {
        "organisation": "ville-de-montreal",
        "data": {
            "name": "comptage-velos-pistes-cyclables-2012",
            "title_fr": "Comptage de vélos sur les pistes cyclables — 2012",
            "title_en": "Bicycle counts on cycle paths — 2012",
            "notes_fr": (
                "Nombre de passages de vélos par jour, du 1er janvier au 5 novembre 2012, à chacun des "
                "compteurs de Montréal : Berri, Brébeuf, Côte-Sainte-Catherine, Maisonneuve (deux compteurs), "
                "du Parc, Pierre-Dupuy, Rachel et St-Urbain. Les compteurs Brébeuf et St-Urbain n'ont pas de "
                "données pour cette année (« données non disponibles » dans l'en-tête).\n\n"
                "Fichier tel que publié : encodage ISO-8859-1, séparateur point-virgule, dates au format "
                "jj/mm/aaaa.\n\n"
                f"{_COPY_FR} `jvns/pandas-cookbook` (`cookbook/data/bikes.csv`), qui l'a repris du jeu "
                "*velos-comptage* des données ouvertes de la Ville de Montréal."),
            "notes_en": (
                "Number of bicycles counted per day, from January 1 to November 5, 2012, at each of "
                "Montréal's counters: Berri, Brébeuf, Côte-Sainte-Catherine, Maisonneuve (two counters), "
                "du Parc, Pierre-Dupuy, Rachel and St-Urbain. The Brébeuf and St-Urbain counters have no data "
                "for that year.\n\n"
                "File as published: ISO-8859-1 encoding, semicolon separator, dd/mm/yyyy dates.\n\n"
                f"{_COPY_EN} `jvns/pandas-cookbook` (`cookbook/data/bikes.csv`), which took it from the City "
                "of Montréal's *velos-comptage* open dataset."),
            "tags": ["vélo", "cyclisme", "comptage", "pistes cyclables", "bicycle"],
            "themes": ["transport"],
            "licence": "CC-BY-4.0",
            "frequency": "NEVER",
            "temporal_start": "2012-01-01", "temporal_end": "2012-11-05",
            "spatial_name": "Montréal (06)", "languages": ["fr"],
            "bbox_west": -73.97, "bbox_south": 45.41, "bbox_east": -73.47, "bbox_north": 45.71,
        },
        "files": [("montreal_velos_comptage_2012_latin1_semicolon.csv", "Comptages quotidiens 2012",
                   "Daily counts 2012", "CSV", "Une ligne par jour, une colonne par compteur.",
                   "One row per day, one column per counter.")],
    },
    {
        "organisation": "ec",
        "data": {
            "name": "meteo-horaire-montreal-2012",
            "title_fr": "Données météorologiques horaires de Montréal — 2012",
            "title_en": "Hourly weather data for Montréal — 2012",
            "notes_fr": (
                "Relevés horaires d'Environnement Canada à Montréal pour l'année 2012 (8 784 heures) : "
                "température, point de rosée, humidité relative, vitesse du vent, visibilité, pression à "
                "la station et conditions observées (« Fog », « Snow », « Rain »…, en anglais).\n\n"
                f"{_COPY_FR} `jvns/pandas-cookbook` (`cookbook/data/weather_2012.csv`)."),
            "notes_en": (
                "Environment Canada's hourly observations in Montréal for 2012 (8,784 hours): temperature, "
                "dew point, relative humidity, wind speed, visibility, station pressure and observed "
                "conditions (\"Fog\", \"Snow\", \"Rain\"…).\n\n"
                f"{_COPY_EN} `jvns/pandas-cookbook` (`cookbook/data/weather_2012.csv`)."),
            "tags": ["météo", "température", "climat", "weather"],
            "themes": ["environnement"],
            "licence": "OGL-Canada-2.0",
            "frequency": "NEVER",
            "temporal_start": "2012-01-01", "temporal_end": "2012-12-31",
            "spatial_name": "Montréal (06)", "languages": ["en"],
        },
        "files": [("montreal_weather_2012_hourly_envcanada.csv", "Relevés horaires 2012", "Hourly observations 2012",
                   "CSV", "Une ligne par heure ; unités dans les en-têtes (`Temp (C)`, `Rel Hum (%)`…).",
                   "One row per hour; units in the headers (`Temp (C)`, `Rel Hum (%)`…).")],
    },
    {
        "organisation": "statcan",
        "data": {
            "name": "indices-prix-vente-electricite-mensuel",
            "title_fr": "Indices des prix de vente d'électricité, mensuel (tableau 18-10-0204-01)",
            "title_en": "Electric power selling price index, monthly (table 18-10-0204-01)",
            "notes_fr": (
                "Indices mensuels des prix de vente d'électricité (2014 = 100), de janvier 1981 à octobre 2018, "
                "pour le Canada, ses régions et ses provinces : total national, ventes de plus de 5 000 kW et "
                "de moins de 5 000 kW. Téléchargement du tableau complet de Statistique Canada (anciennement "
                "CANSIM 329-0079), en anglais, avec son fichier de métadonnées. Des valeurs sont supprimées "
                "(`STATUS` = `x`) pour respecter la confidentialité.\n\n"
                "Licence : Licence ouverte de Statistique Canada.\n\n"
                f"{_COPY_FR} `ianepreston/stats_can` (`tests/test_files/18100204-eng.zip`, téléchargement du "
                "11 décembre 2018)."),
            "notes_en": (
                "Monthly electric power selling price indexes (2014 = 100), January 1981 to October 2018, for "
                "Canada, its regions and provinces: national total, sales over 5000 kW and under 5000 kW. "
                "Statistics Canada's full-table download (formerly CANSIM 329-0079), with its metadata file. "
                "Some values are suppressed (`STATUS` = `x`) for confidentiality.\n\n"
                "Licence: Statistics Canada Open Licence.\n\n"
                f"{_COPY_EN} `ianepreston/stats_can` (`tests/test_files/18100204-eng.zip`, downloaded "
                "December 11, 2018)."),
            "tags": ["électricité", "indice des prix", "énergie", "electricity"],
            "themes": ["economie"],
            "licence": "other-open",
            "frequency": "MONTHLY",
            "temporal_start": "1981-01-01", "temporal_end": "2018-10-31",
            "spatial_name": "Canada", "languages": ["en"],
            "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=1810020401",
        },
        "files": [("statcan_18100204_electric_power_price_index.csv", "Tableau 18-10-0204-01 (données)",
                   "Table 18-10-0204-01 (data)", "CSV",
                   "Disposition normalisée de Statistique Canada (`REF_DATE`, `GEO`, `VALUE`, `STATUS`…).",
                   "Statistics Canada's standard layout (`REF_DATE`, `GEO`, `VALUE`, `STATUS`…)."),
                  ("statcan_18100204_MetaData.csv", "Tableau 18-10-0204-01 (métadonnées)",
                   "Table 18-10-0204-01 (metadata)", "CSV",
                   "Plusieurs sections séparées par des lignes vides : tableau, dimensions, membres, notes.",
                   "Several sections separated by blank lines: cube, dimensions, members, notes.")],
    },
    {
        "organisation": "statcan",
        "data": {
            "name": "chargements-ferroviaires-mensuel-extrait",
            "title_fr": "Statistiques des chargements ferroviaires, par marchandise et par région, mensuel "
                        "(tableau 23-10-0216-01, extrait)",
            "title_en": "Railway carloading statistics, by commodity, by region, monthly "
                        "(table 23-10-0216-01, excerpt)",
            "notes_fr": (
                "Chargements ferroviaires mensuels (en tonnes et en wagons) par marchandise, pour le Canada et "
                "ses divisions Est et Ouest. **Extrait** : les 49 999 premières lignes de données du "
                "tableau complet de Statistique Canada (anciennement CANSIM 404-0002), soit de janvier 1999 "
                "à juin 2008 ; le tableau publié va jusqu'à octobre 2018. Le fichier de métadonnées est "
                "complet.\n\n"
                "Licence : Licence ouverte de Statistique Canada.\n\n"
                f"{_COPY_FR} `ianepreston/stats_can` (`tests/test_files/23100216-eng.zip`), tronqué."),
            "notes_en": (
                "Monthly railway carloadings (tonnes and cars) by commodity, for Canada and its Eastern and "
                "Western divisions. **Excerpt**: the first 49,999 data rows of Statistics Canada's full table "
                "(formerly CANSIM 404-0002), January 1999 to June 2008; the published table runs to October "
                "2018. The metadata file is complete.\n\n"
                "Licence: Statistics Canada Open Licence.\n\n"
                f"{_COPY_EN} `ianepreston/stats_can` (`tests/test_files/23100216-eng.zip`), truncated."),
            "tags": ["rail", "marchandises", "transport ferroviaire", "railway"],
            "themes": ["transport", "economie"],
            "licence": "other-open",
            "frequency": "MONTHLY",
            "temporal_start": "1999-01-01", "temporal_end": "2008-06-30",
            "spatial_name": "Canada", "languages": ["en"],
            "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=2310021601",
        },
        "files": [("statcan_23100216_railway_carloadings_TRUNCATED_50000lines.csv",
                   "Tableau 23-10-0216-01 (données, extrait)", "Table 23-10-0216-01 (data, excerpt)", "CSV",
                   "Les 50 000 premières lignes du fichier (en-tête compris).",
                   "The first 50,000 lines of the file (header included)."),
                  ("statcan_23100216_MetaData.csv", "Tableau 23-10-0216-01 (métadonnées)",
                   "Table 23-10-0216-01 (metadata)", "CSV", "", "")],
    },
    {
        "organisation": "mrnf",
        "data": {
            "name": "regions-administratives-quebec",
            "title_fr": "Régions administratives du Québec",
            "title_en": "Administrative regions of Québec",
            "notes_fr": (
                "Les 17 régions administratives du Québec (Bas-Saint-Laurent, Saguenay–Lac-Saint-Jean, "
                "Capitale-Nationale… Laval, Montréal), en multipolygones GeoJSON (WGS84), avec leur nom.\n\n"
                f"{_COPY_FR} `codeforgermany/click_that_hood` (`public/data/quebec.geojson`), dont la source "
                "indiquée est Ressources naturelles Québec. La licence d'origine n'y est pas précisée."),
            "notes_en": (
                "Québec's 17 administrative regions as GeoJSON multipolygons (WGS84), with their names.\n\n"
                f"{_COPY_EN} `codeforgermany/click_that_hood` (`public/data/quebec.geojson`), whose stated "
                "source is Ressources naturelles Québec. The original licence is not stated there."),
            "tags": ["régions administratives", "limites", "découpage territorial", "GeoJSON"],
            "themes": ["geographie", "gouvernement"],
            "licence": "notspecified",
            "spatial_name": "Québec", "languages": ["fr"],
            "bbox_west": -79.77, "bbox_south": 44.99, "bbox_east": -56.93, "bbox_north": 62.59,
        },
        "files": [("quebec_regions_administratives.geojson", "Régions administratives (GeoJSON)",
                   "Administrative regions (GeoJSON)", "GeoJSON", "17 multipolygones, propriété `name`.",
                   "17 multipolygons, `name` property.")],
    },
    {
        "organisation": "ville-de-quebec",
        "data": {
            "name": "reseau-cyclable-ville-de-quebec",
            "title_fr": "Réseau cyclable — Ville de Québec",
            "title_en": "Cycling network — Québec City",
            "notes_fr": (
                "Les 3 466 tronçons du réseau cyclable de la ville de Québec, en lignes GeoJSON (WGS84) : "
                "nom de la voie, type d'aménagement (bande cyclable, piste cyclable, chaussée désignée), "
                "sens unique et longueur en mètres.\n\n"
                f"{_COPY_FR} `isabelalara04/applicationsInteractives` (`reseaucyclable.geojson`), export "
                "`vdq-reseaucyclable.geojson` des données ouvertes de la Ville de Québec."),
            "notes_en": (
                "The 3,466 segments of Québec City's cycling network as GeoJSON lines (WGS84): street name, "
                "facility type (bike lane, bike path, designated roadway), one-way flag and length in "
                "metres.\n\n"
                f"{_COPY_EN} `isabelalara04/applicationsInteractives` (`reseaucyclable.geojson`), Québec City's "
                "open-data export `vdq-reseaucyclable.geojson`."),
            "tags": ["vélo", "réseau cyclable", "pistes cyclables", "GeoJSON"],
            "themes": ["transport", "geographie"],
            "licence": "CC-BY-4.0",
            "spatial_name": "Québec (Capitale-Nationale, 03)", "languages": ["fr"],
            "bbox_west": -71.54, "bbox_south": 46.72, "bbox_east": -71.14, "bbox_north": 46.92,
        },
        "files": [("quebec_city_reseau_cyclable_lines.geojson", "Réseau cyclable (GeoJSON)",
                   "Cycling network (GeoJSON)", "GeoJSON",
                   "Propriétés `NOM_TOPOGRAPHIE`, `TYPE`, `SENS_UNIQUE`, `LONGUEUR`.",
                   "Properties `NOM_TOPOGRAPHIE`, `TYPE`, `SENS_UNIQUE`, `LONGUEUR`.")],
    },
    {
        "organisation": "ville-de-quebec",
        "data": {
            "name": "arrondissements-ville-de-quebec",
            "title_fr": "Arrondissements — Ville de Québec",
            "title_en": "Boroughs — Québec City",
            "notes_fr": (
                "Les six arrondissements de la ville de Québec (La Cité-Limoilou, Les Rivières, "
                "Sainte-Foy–Sillery–Cap-Rouge, Charlesbourg, Beauport, La Haute-Saint-Charles) : nom, "
                "abréviation, superficie et périmètre, en polygones GeoJSON (WGS84).\n\n"
                f"{_COPY_FR} `isabelalara04/applicationsInteractives` (`vdqarrondissement.geojson`)."),
            "notes_en": (
                "Québec City's six boroughs: name, abbreviation, area and perimeter, as GeoJSON polygons "
                "(WGS84).\n\n"
                f"{_COPY_EN} `isabelalara04/applicationsInteractives` (`vdqarrondissement.geojson`)."),
            "tags": ["arrondissements", "limites", "GeoJSON"],
            "themes": ["geographie", "gouvernement"],
            "licence": "CC-BY-4.0",
            "spatial_name": "Québec (Capitale-Nationale, 03)", "languages": ["fr"],
            "bbox_west": -71.55, "bbox_south": 46.73, "bbox_east": -71.13, "bbox_north": 46.99,
        },
        "files": [("quebec_city_arrondissements.geojson", "Arrondissements (GeoJSON)", "Boroughs (GeoJSON)",
                   "GeoJSON", "", "")],
    },
    {
        "organisation": "ville-de-quebec",
        "data": {
            "name": "lieux-publics-ville-de-quebec",
            "title_fr": "Lieux publics — Ville de Québec",
            "title_en": "Public places — Québec City",
            "notes_fr": (
                "1 345 lieux publics de la ville de Québec en points GeoJSON (WGS84) : stationnements, bassins "
                "de rétention, pavillons de services, écoles, centres communautaires… avec leur nom, leur "
                "adresse et leur catégorie (`DESCRIPTION`).\n\n"
                f"{_COPY_FR} `isabelalara04/applicationsInteractives` (`vdqlieupublic.js`, dont seul le "
                "préfixe JavaScript a été retiré)."),
            "notes_en": (
                "1,345 public places of Québec City as GeoJSON points (WGS84): parking lots, retention ponds, "
                "service buildings, schools, community centres… with their name, address and category "
                "(`DESCRIPTION`).\n\n"
                f"{_COPY_EN} `isabelalara04/applicationsInteractives` (`vdqlieupublic.js`, with only its "
                "JavaScript prefix removed)."),
            "tags": ["lieux publics", "équipements", "écoles", "GeoJSON"],
            "themes": ["geographie", "societe"],
            "licence": "CC-BY-4.0",
            "spatial_name": "Québec (Capitale-Nationale, 03)", "languages": ["fr"],
            "bbox_west": -71.50, "bbox_south": 46.73, "bbox_east": -71.15, "bbox_north": 46.96,
        },
        "files": [("quebec_city_lieux_publics_points.geojson", "Lieux publics (GeoJSON)", "Public places (GeoJSON)",
                   "GeoJSON", "", "")],
    },
    {
        "organisation": "ville-de-montreal",
        "data": {
            "name": "limites-administratives-agglomeration-montreal",
            "title_fr": "Limites administratives de l'agglomération de Montréal",
            "title_en": "Administrative boundaries of the Montréal agglomeration",
            "notes_fr": (
                "Les 34 territoires de l'agglomération de Montréal : les 19 arrondissements de la Ville de "
                "Montréal et les 15 villes liées, avec leur nom, leur code et leur type, en multipolygones "
                "GeoJSON (WGS84).\n\n"
                f"{_COPY_FR} `cimadure/ind6212` (`limites-administratives-agglomeration.geojson`), copie du "
                "jeu `vmtl-limites-administratives-agglomeration` de Données Québec."),
            "notes_en": (
                "The 34 territories of the Montréal agglomeration: the City of Montréal's 19 boroughs and the "
                "15 related municipalities, with name, code and type, as GeoJSON multipolygons (WGS84).\n\n"
                f"{_COPY_EN} `cimadure/ind6212` (`limites-administratives-agglomeration.geojson`), a copy of "
                "Données Québec's `vmtl-limites-administratives-agglomeration`."),
            "tags": ["arrondissements", "villes liées", "limites", "GeoJSON"],
            "themes": ["geographie", "gouvernement"],
            "licence": "CC-BY-4.0",
            "spatial_name": "Montréal (06)", "languages": ["fr"],
            "bbox_west": -74.00, "bbox_south": 45.38, "bbox_east": -73.47, "bbox_north": 45.71,
        },
        "files": [("montreal_limites_administratives_agglomeration_WGS84.geojson",
                   "Limites administratives (GeoJSON, WGS84)", "Administrative boundaries (GeoJSON, WGS84)",
                   "GeoJSON", "Propriétés `NOM`, `CODEMAMH`, `TYPE` (Arrondissement, Ville liée), `DATEMODIF`.",
                   "Properties `NOM`, `CODEMAMH`, `TYPE` (Arrondissement, Ville liée), `DATEMODIF`.")],
    },
]


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _file_bytes(name: str) -> bytes:
    return gzip.decompress((FILES_DIR / f"{name}.gz").read_bytes())


def _organisations() -> dict:
    return {slug: core_services.organisation_upsert(slug=slug, name_fr=fr, name_en=en, acronym=acronym, kind=kind,
                                                    website=website)
            for slug, fr, en, acronym, kind, website in ORGANISATIONS}


def _themes() -> None:
    for name, title_fr, title_en, description_fr, description_en in THEMES:
        services.theme_upsert(actor=None, name=name, title_fr=title_fr, title_en=title_en,
                              description_fr=description_fr, description_en=description_en)


def _upsert(*, organisation, data: dict) -> tuple[Dataset, bool]:
    """Create the dataset, or update it only if that changes something (returns it and whether it changed).

    The update runs in a savepoint and is rolled back when the dataset's state is the same after
    it, so that a second load records no activity.
    """
    existing = Dataset.objects.filter(name=data["name"]).first()
    if existing is None and data.get("id"):
        existing = Dataset.objects.filter(pk=data["id"]).first()
    if existing is None:
        return services.dataset_create(actor=None, organisation=organisation, data=data), True
    before = services._dataset_state(existing)
    savepoint = transaction.savepoint()
    update = {k: v for k, v in data.items() if k != "id"}
    dataset = services.dataset_update(actor=None, dataset=existing, data={**update, "organisation": organisation})
    if services._dataset_state(dataset) == before:
        transaction.savepoint_rollback(savepoint)
        existing.refresh_from_db()
        return existing, False
    transaction.savepoint_commit(savepoint)
    return dataset, True


def _upload(dataset: Dataset, files: list) -> int:
    """Upload each file as a resource (matched by French name); a new version only if its bytes changed."""
    existing = {r.name_fr: r for r in services.resource_list(dataset=dataset)}
    uploaded = 0
    for position, (filename, name_fr, name_en, fmt, description_fr, description_en) in enumerate(files):
        content = _file_bytes(filename)
        data = {"name_fr": name_fr, "name_en": name_en, "format": fmt, "description_fr": description_fr,
                "description_en": description_en, "position": position}
        resource = existing.get(name_fr)
        if resource is not None and resource.sha256 == hashlib.sha256(content).hexdigest() and all(
                getattr(resource, k) == v for k, v in data.items()):
            continue
        upload = File(io.BytesIO(content), name=filename)
        if resource is None:
            services.resource_create(actor=None, dataset=dataset, data=data, upload=upload)
        else:
            same_file = resource.sha256 == hashlib.sha256(content).hexdigest()
            services.resource_update(actor=None, resource=resource, data=data,
                                     upload=None if same_file else upload, partial=True)
        uploaded += 1
    return uploaded


def _open_canada_data(package: dict) -> dict:
    """A real open.canada.ca package as ``data``, with themes from its subjects and its provenance."""
    package = copy.deepcopy(package)
    data = ckan_dict.ckan_to_dataset_data(package)
    themes = []
    for subject in package.get("subject") or []:
        theme = SUBJECT_THEMES.get(subject)
        if theme and theme not in themes:
            themes.append(theme)
    data["themes"] = themes
    data["extras"] = {**data.get("extras", {}),
                      "source_metadonnees": f"https://open.canada.ca/data/fr/dataset/{package['id']}"}
    return data


def load_open_canada(organisations: dict, stdout=None) -> int:
    """Real open.canada.ca metadata: 31 datasets of the CSA, 4 Statistics Canada documents."""
    packages = json.loads((DATA_DIR / "open_canada_csa_datasets.json").read_text(encoding="utf-8"))
    lines = (DATA_DIR / "open_canada_obd_sample_2.jsonl").read_text(encoding="utf-8").splitlines()
    packages += [json.loads(line) for line in lines if line.strip()]
    changed = 0
    for package in packages:
        data = _open_canada_data(package)
        organisation = data.pop("organisation")
        changed += _upsert(organisation=organisation, data=data)[1]
    _write(stdout, f"catalogue : {len(packages)} jeux de données d'open.canada.ca ({changed} créés ou modifiés)")
    return len(packages)


def load_files(organisations: dict, stdout=None) -> int:
    """Datasets built around the real files of ``data/demo/files/``."""
    changed = uploaded = 0
    for item in FILE_DATASETS:
        dataset, was_changed = _upsert(organisation=organisations[item["organisation"]], data=dict(item["data"]))
        changed += was_changed
        uploaded += _upload(dataset, item["files"])
    _write(stdout, f"catalogue : {len(FILE_DATASETS)} jeux de données avec fichiers ({changed} créés ou "
                   f"modifiés, {uploaded} fichiers téléversés)")
    return len(FILE_DATASETS)


def publish_open_data(stdout=None) -> int:
    """Every open-data publication of the platform (the plan's among them), now."""
    published = 0
    for publisher in registry.open_data_publishers():
        if services.open_data_refresh(publisher.key) is not None:
            published += 1
    _write(stdout, f"catalogue : {published} publication(s) de données ouvertes de la plateforme")
    return published


def load(stdout=None) -> None:
    """The demo loader (``ouvert demo``, after the plan's). Idempotent."""
    with transaction.atomic():
        organisations = _organisations()
        _themes()
        load_open_canada(organisations, stdout)
        load_files(organisations, stdout)
    publish_open_data(stdout)
