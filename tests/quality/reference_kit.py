"""Test kit of the reference datasets' tests: a dataset that meets every certification criterion, made
through the real services (catalogue, datastore ingestion and validation, scores), and ways to break
each criterion.

- ``reference_factory(**overrides)``: a published dataset with complete metadata and one uploaded CSV
  with a bilingual data dictionary and a primary key, ingested and validated, scored;
- ``upload_csv(dataset, content, …)``, ``set_schema(resource, schema)``: the same steps one by one;
- ``CSV``, ``SCHEMA``: the file and its dictionary.
"""

import pytest
from django.core.files.base import ContentFile

from ouvert.catalog import services as catalog_services
from ouvert.datastore import query
from ouvert.datastore import services as datastore_services
from ouvert.quality import scoring

CSV = (b"code,nom,population\n"
       b"REM09,Anjou,42796\n"
       b"REM19,Ville-Marie,89170\n"
       b"66032,Westmount,19658\n")

SCHEMA = {
    "fields": [
        {"name": "code", "type": "string", "description_fr": "Code géographique du territoire.",
         "description_en": "Geographic code of the territory."},
        {"name": "nom", "type": "string", "description_fr": "Nom du territoire.",
         "description_en": "Name of the territory."},
        {"name": "population", "type": "integer", "description_fr": "Population.",
         "description_en": "Population."},
    ],
    "primaryKey": ["code"],
}

METADATA = {
    "title_en": "Territories",
    "notes_fr": ("Liste des territoires avec leur code géographique, leur nom et leur population : une liste de "
                 "référence pour joindre d'autres données par territoire. Mise à jour chaque année."),
    "notes_en": "List of territories with their geographic code, name and population.",
    "tags": ["territoires", "codes", "référence"],
    "licence": "CC-BY-4.0",
    "frequency": "ANNUAL",
    "temporal_start": "2022-01-01",
    "temporal_end": "2022-12-31",
    "spatial_name": "Montréal",
    "bbox_west": -74.0, "bbox_south": 45.38, "bbox_east": -73.47, "bbox_north": 45.71,
    "maintainer": "Service des données ouvertes",
    "maintainer_email": "donnees@example.org",
    "author": "Service des données ouvertes",
    "languages": ["fr", "en"],
}


@pytest.fixture(autouse=True)
def fresh_datastore():
    query.clear()
    yield
    query.clear()


@pytest.fixture
def upload_csv(editor, django_capture_on_commit_callbacks):
    def make(dataset, content: bytes = CSV, *, filename="territoires.csv", actor=None, **data):
        data.setdefault("name_fr", "Liste des territoires")
        data.setdefault("name_en", "List of territories")
        data.setdefault("format", "CSV")
        data.setdefault("media_type", "text/csv")
        data.setdefault("description_fr", "Une ligne par territoire.")
        data.setdefault("description_en", "One row per territory.")
        with django_capture_on_commit_callbacks(execute=True):
            return catalog_services.resource_create(actor=actor or editor, dataset=dataset, data=data,
                                                    upload=ContentFile(content, name=filename))

    return make


@pytest.fixture
def set_schema(editor, django_capture_on_commit_callbacks):
    def make(resource, schema: dict, *, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            datastore_services.schema_set(actor=actor or editor, resource=resource, schema=schema)

    return make


@pytest.fixture
def reference_factory(dataset_factory, theme_factory, upload_csv, set_schema, django_capture_on_commit_callbacks):
    """``reference_factory(schema=…, content=…, **metadata)`` → a dataset meeting every criterion
    (unless the arguments say otherwise), scored."""
    theme = theme_factory("geographie", title_fr="Géographie", title_en="Geography")

    def make(*, schema=SCHEMA, content=CSV, resource=True, **data):
        values = {**METADATA, "themes": [theme.name], **data}
        with django_capture_on_commit_callbacks(execute=True):
            dataset = dataset_factory(**values)
        if resource:
            created = upload_csv(dataset, content)
            if schema is not None:
                set_schema(created, schema)
        scoring.scores_recompute(ids=[dataset.pk])
        return dataset

    return make
