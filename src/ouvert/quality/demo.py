"""Demo content of the quality module (``ouvert demo``, after the catalogue's and the datastore's).

Built from the real files the catalogue's demo already ships (``catalog/data/demo/files/``, copies of
``/work/shared/corpus/``; see ``demo_data/SOURCES.md``):

- « Territoires de l'agglomération de Montréal » (Ville de Montréal, CC-BY 4.0): the boundaries'
  GeoJSON, and the list of the 34 territories as CSV — the properties of the GeoJSON's features,
  unchanged, one row each — with a bilingual data dictionary and ``CODEMAMH`` as primary key:
  certified;
- the catalogue's « Comptage de vélos sur les pistes cyclables — 2012 » (the datastore's demo gives it
  a bilingual dictionary and ``Date`` as primary key): certified when it passes every criterion;
- « Régions administratives du Québec — liste » (MRNF): the regions' GeoJSON and their list as CSV (the
  features' ``cartodb_id`` and ``name``), a complete dictionary but no primary key, and the licence of
  the original is not stated: it fails « Identifiant unique » and « Licence ouverte », and says why.

The scores are computed here (``scoring.scores_recompute``) and the tabular files ingested and validated
in this process, so that the outcome does not depend on a worker. Certifications are made by the demo
administrator (``admin@demo.ouvert.local``, created by the plan's demo), once: a later run leaves
them as they are (withdrawn or lapsed ones too). Idempotent.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from django.core.files.base import ContentFile

import ouvert.catalog
from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services
from ouvert.datastore import services as datastore_services

from . import certification
from .models import Certification

FILES_DIR = Path(ouvert.catalog.__file__).resolve().parent / "data" / "demo" / "files"
DEMO_ADMIN_EMAIL = "admin@demo.ouvert.local"
BIKES_DATASET = "comptage-velos-pistes-cyclables-2012"
TERRITORIES_DATASET = "territoires-agglomeration-montreal"
REGIONS_DATASET = "regions-administratives-quebec-liste"

_MONTREAL_GEOJSON = "montreal_limites_administratives_agglomeration_WGS84.geojson"
_REGIONS_GEOJSON = "quebec_regions_administratives.geojson"


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _file_bytes(name: str) -> bytes:
    return gzip.decompress((FILES_DIR / f"{name}.gz").read_bytes())


def _features_csv(geojson: bytes, columns: list[str], sort_key: str) -> bytes:
    """The properties of a GeoJSON's features as CSV (UTF-8, comma, one row per feature, sorted)."""
    features = json.loads(geojson.decode("utf-8"))["features"]
    rows = sorted((feature["properties"] for feature in features), key=lambda props: props[sort_key])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for props in rows:
        writer.writerow(["" if props.get(column) is None else props[column] for column in columns])
    return out.getvalue().encode("utf-8")


TERRITORY_COLUMNS = ["CODEMAMH", "CODEID", "NUM", "NOM", "ABREV", "TYPE", "DATEMODIF", "COMMENT"]
TERRITORY_FIELDS = {
    # name: (type, description_fr, description_en)
    "CODEMAMH": ("string", "Code géographique du territoire attribué par le ministère des Affaires municipales "
                           "et de l’Habitation (REMnn pour un arrondissement, code municipal pour une ville liée).",
                 "Geographic code of the territory given by Québec’s ministry of municipal affairs (REMnn for a "
                 "borough, the municipal code for a related municipality)."),
    "CODEID": ("integer", "Numéro du territoire dans le fichier de la Ville de Montréal.",
               "Number of the territory in the City of Montréal’s file."),
    "NUM": ("integer", "Numéro d’ordre du territoire utilisé par la Ville de Montréal.",
            "Sequence number of the territory used by the City of Montréal."),
    "NOM": ("string", "Nom du territoire.", "Name of the territory."),
    "ABREV": ("string", "Abréviation de deux lettres du nom du territoire.",
              "Two-letter abbreviation of the territory’s name."),
    "TYPE": ("string", "Type de territoire : « Arrondissement » (de la Ville de Montréal) ou « Ville liée ».",
             "Kind of territory: “Arrondissement” (a borough of the City of Montréal) or “Ville liée” (a related "
             "municipality)."),
    "DATEMODIF": ("date", "Date de la dernière modification de la limite.",
                  "Date the boundary was last changed."),
    "COMMENT": ("string", "Remarque sur la limite, s’il y a lieu.", "Remark on the boundary, if any."),
}
REGION_COLUMNS = ["cartodb_id", "name"]
REGION_FIELDS = {
    "cartodb_id": ("integer", "Numéro de l’entité dans le fichier GeoJSON d’origine.",
                   "Number of the feature in the original GeoJSON file."),
    "name": ("string", "Nom de la région administrative.", "Name of the administrative region."),
}

_CONTACT = {"maintainer": "Service des données ouvertes", "languages": ["fr", "en"]}

DATASETS = [
    {
        "organisation": ("ville-de-montreal", "Ville de Montréal", "City of Montréal", "municipality"),
        "data": {
            "name": TERRITORIES_DATASET,
            "title_fr": "Territoires de l'agglomération de Montréal",
            "title_en": "Territories of the Montréal agglomeration",
            "notes_fr": (
                "Les 34 territoires de l'agglomération de Montréal — les 19 arrondissements de la Ville de Montréal "
                "et les 15 villes liées — avec leur code géographique (`CODEMAMH`), leur nom, leur abréviation, "
                "leur type et la date de la dernière modification de leur limite : une liste de référence pour "
                "joindre d'autres données par territoire, et les limites en GeoJSON (WGS84).\n\n"
                "La liste CSV reprend telles quelles les propriétés des entités du GeoJSON, une ligne par "
                "territoire. Copie tirée de `cimadure/ind6212` (`limites-administratives-agglomeration.geojson`), "
                "copie du jeu `vmtl-limites-administratives-agglomeration` de Données Québec."),
            "notes_en": (
                "The 34 territories of the Montréal agglomeration — the City of Montréal's 19 boroughs and the 15 "
                "related municipalities — with their geographic code (`CODEMAMH`), name, abbreviation, kind and "
                "the date their boundary last changed: a reference list to join other data by territory, and the "
                "boundaries as GeoJSON (WGS84).\n\n"
                "The CSV list holds the GeoJSON features' properties unchanged, one row per territory. Copy taken "
                "from `cimadure/ind6212`, itself a copy of Données Québec's "
                "`vmtl-limites-administratives-agglomeration`."),
            "tags": ["arrondissements", "villes liées", "limites", "codes géographiques", "référence"],
            "themes": ["geographie", "gouvernement"],
            "licence": "CC-BY-4.0",
            "frequency": "ANNUAL",
            "temporal_start": "2022-08-24",
            "spatial_name": "Montréal (06)",
            "bbox_west": -74.00, "bbox_south": 45.38, "bbox_east": -73.47, "bbox_north": 45.71,
            "maintainer_email": "donnees.ouvertes@montreal.example",
            "url": "https://www.donneesquebec.ca/recherche/dataset/vmtl-limites-administratives-agglomeration",
            **_CONTACT,
        },
        "resources": [
            {"file": "territoires.csv", "derived": (_MONTREAL_GEOJSON, TERRITORY_COLUMNS, "CODEID"),
             "name_fr": "Liste des territoires (CSV)", "name_en": "List of territories (CSV)", "format": "CSV",
             "media_type": "text/csv",
             "description_fr": "Une ligne par territoire ; clé primaire `CODEMAMH`.",
             "description_en": "One row per territory; primary key `CODEMAMH`.",
             "schema": (TERRITORY_FIELDS, ["CODEMAMH"])},
            {"file": _MONTREAL_GEOJSON, "name_fr": "Limites des territoires (GeoJSON)",
             "name_en": "Boundaries of the territories (GeoJSON)", "format": "GeoJSON",
             "media_type": "application/geo+json",
             "description_fr": "34 multipolygones, mêmes propriétés que la liste.",
             "description_en": "34 multipolygons, same properties as the list."},
        ],
        "certify": True,
    },
    {
        "organisation": ("mrnf", "Ministère des Ressources naturelles et des Forêts",
                         "Ministère des Ressources naturelles et des Forêts (Natural Resources and Forests)",
                         "public_body"),
        "data": {
            "name": REGIONS_DATASET,
            "title_fr": "Régions administratives du Québec — liste",
            "title_en": "Administrative regions of Québec — list",
            "notes_fr": (
                "Les 17 régions administratives du Québec : leur nom et le numéro de leur entité dans le fichier "
                "d'origine, en CSV, et leurs limites en GeoJSON (WGS84).\n\n"
                "La liste CSV reprend telles quelles les propriétés `cartodb_id` et `name` des entités du GeoJSON. "
                "Copie tirée de `codeforgermany/click_that_hood` (`public/data/quebec.geojson`), dont la source "
                "indiquée est Ressources naturelles Québec. La licence d'origine n'y est pas précisée."),
            "notes_en": (
                "Québec's 17 administrative regions: their name and the number of their feature in the original "
                "file, as CSV, and their boundaries as GeoJSON (WGS84).\n\n"
                "The CSV list holds the GeoJSON features' `cartodb_id` and `name` properties unchanged. Copy taken "
                "from `codeforgermany/click_that_hood`, whose stated source is Ressources naturelles Québec. The "
                "original licence is not stated there."),
            "tags": ["régions administratives", "limites", "découpage territorial"],
            "themes": ["geographie", "gouvernement"],
            "licence": "notspecified",
            "frequency": "IRREG",
            "spatial_name": "Québec",
            "bbox_west": -79.77, "bbox_south": 44.99, "bbox_east": -56.93, "bbox_north": 62.59,
            "maintainer_email": "donnees.ouvertes@mrnf.example",
            **_CONTACT,
        },
        "resources": [
            {"file": "regions.csv", "derived": (_REGIONS_GEOJSON, REGION_COLUMNS, "cartodb_id"),
             "name_fr": "Liste des régions (CSV)", "name_en": "List of regions (CSV)", "format": "CSV",
             "media_type": "text/csv", "description_fr": "Une ligne par région.",
             "description_en": "One row per region.",
             "schema": (REGION_FIELDS, [])},
            {"file": _REGIONS_GEOJSON, "name_fr": "Limites des régions (GeoJSON)",
             "name_en": "Boundaries of the regions (GeoJSON)", "format": "GeoJSON",
             "media_type": "application/geo+json", "description_fr": "17 multipolygones, propriété `name`.",
             "description_en": "17 multipolygons, `name` property."},
        ],
        "certify": False,
    },
]


def _organisation(slug, name_fr, name_en, kind):
    try:
        return core_services.organisation_get(slug=slug)
    except core_services.NotFound:
        return core_services.organisation_upsert(slug=slug, name_fr=name_fr, name_en=name_en, kind=kind)


def _dataset(item: dict):
    try:
        return catalog_services.dataset_get(name_or_id=item["data"]["name"], user=None), False
    except catalog_services.NotFound:
        pass
    organisation = _organisation(*item["organisation"])
    return catalog_services.dataset_create(actor=None, organisation=organisation, data=dict(item["data"])), True


def _content(spec: dict) -> bytes:
    if "derived" in spec:
        source, columns, sort_key = spec["derived"]
        return _features_csv(_file_bytes(source), columns, sort_key)
    return _file_bytes(spec["file"])


def _resources(dataset, specs: list[dict]) -> dict:
    """Each file as a resource (matched by French name; uploaded once): ``{file: resource}``."""
    existing = {resource.name_fr: resource for resource in catalog_services.resource_list(dataset=dataset)}
    found = {}
    for position, spec in enumerate(specs):
        resource = existing.get(spec["name_fr"])
        if resource is None:
            data = {key: spec[key] for key in ("name_fr", "name_en", "format", "media_type", "description_fr",
                                               "description_en")}
            data["position"] = position
            resource = catalog_services.resource_create(actor=None, dataset=dataset, data=data,
                                                        upload=ContentFile(_content(spec), name=spec["file"]))
        found[spec["file"]] = resource
    return found


def _schema(columns: list[dict], fields: dict, key: list[str]) -> dict:
    described = []
    for column in columns:
        name = column["name"]
        kind, description_fr, description_en = fields.get(name, (column.get("type") or "string", "", ""))
        described.append({"name": name, "type": kind, "description_fr": description_fr,
                          "description_en": description_en})
    schema = {"fields": described}
    if key:
        schema["primaryKey"] = key
    return schema


def _ingest(resource) -> None:
    """The resource's pending ingestion, now (``ouvert demo`` serves without a worker)."""
    table = datastore_services.latest_table(resource)
    if table is None:  # its commit not seen yet (a loader inside a transaction): asked for here
        table = datastore_services.ingestion_request(resource=resource)
    if table is not None and table.status == table.Status.PENDING:
        datastore_services.ingestion_run(table_id=table.pk)


def _dictionary(resource, fields: dict, key: list[str]) -> bool:
    """Give the resource its data dictionary once, and validate its table against it now."""
    _ingest(resource)
    table = datastore_services.table_for_resource(resource)
    if table is None:
        return False
    datastore = datastore_services.datastore_for(resource)
    if datastore is not None and datastore.schema:
        return False
    datastore_services.schema_set(actor=None, resource=resource, schema=_schema(table.columns, fields, key))
    datastore_services.validation_run(table_id=table.pk)
    return True


def _admin():
    try:
        return core_services.user_get_by_email(email=DEMO_ADMIN_EMAIL)
    except core_services.NotFound:
        return None


def load(stdout=None) -> None:
    from . import scoring

    ids, to_certify, created = [], [], 0
    for item in DATASETS:
        dataset, was_created = _dataset(item)
        created += was_created
        resources = _resources(dataset, item["resources"])
        for spec in item["resources"]:
            if "schema" in spec:
                _dictionary(resources[spec["file"]], *spec["schema"])
            else:
                _ingest(resources[spec["file"]])
        ids.append(dataset.pk)
        if item["certify"]:
            to_certify.append(dataset)
    try:
        bikes = catalog_services.dataset_get(name_or_id=BIKES_DATASET, user=None)
    except catalog_services.NotFound:
        bikes = None
    if bikes is not None:
        ids.append(bikes.pk)
        to_certify.append(bikes)
    scoring.scores_recompute(ids=ids)
    _write(stdout, f"données de référence : {len(DATASETS)} jeux de données ({created} créés)")

    admin = _admin()
    if admin is None:
        _write(stdout, "données de référence : pas d'administrateur de démonstration, aucune certification")
        return
    evaluated = certification.criteria_evaluate([dataset.pk for dataset in to_certify])
    certified = 0
    for dataset in to_certify:
        if Certification.objects.filter(dataset_id=dataset.pk).exists():
            continue
        criteria = evaluated.get(dataset.pk) or []
        if certification.criteria_passed(criteria):
            certification.certify(actor=admin, dataset=dataset)
            certified += 1
        else:
            failing = ", ".join(c["id"] for c in criteria if not c["passed"])
            _write(stdout, f"données de référence : « {dataset.name} » non certifié (critères en échec : {failing})")
    _write(stdout, f"données de référence : {certified} certification(s) accordée(s)")
