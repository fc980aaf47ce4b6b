"""Demo content of the datastore (``ouvert demo``, after the catalogue's).

- Every ingestion the catalogue's demo files asked for is run now, in this process: ``ouvert demo``
  serves without a worker, and the previews must work at once. Links (the open.canada.ca
  datasets' files) are left to ``ouvert worker``: they need the network.
- The Montréal bike counts get a Table Schema (the data dictionary, in French and English, with
  the file's real dates and counters) and a saved visualisation (daily counts on Berri 1),
  made by the demo administrator — once; later runs leave them as they are.
"""

from __future__ import annotations

from ouvert.catalog import services as catalog_services
from ouvert.core import services as core_services

from . import services
from .models import DatastoreTable, Visualisation
from .visualisations import visualisation_create

BIKES_DATASET = "comptage-velos-pistes-cyclables-2012"
DEMO_ADMIN_EMAIL = "admin@demo.ouvert.local"


def _bikes_schema(columns: list[dict]) -> dict:
    """The bike file's inferred types, with a description of each column in both languages."""
    fields = []
    for column in columns:
        name = column["name"]
        if name == "Date":
            field = {"name": name, "type": "date", "constraints": {"required": True, "unique": True},
                     "description_fr": "Jour du comptage.", "description_en": "Day of the count."}
        else:
            field = {"name": name, "type": "integer", "constraints": {"minimum": 0},
                     "description_fr": f"Nombre de vélos comptés dans la journée au compteur « {name} ».",
                     "description_en": f"Bicycles counted during the day by the “{name}” counter."}
        fields.append(field)
    return {"fields": fields, "primaryKey": ["Date"]}


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def load(stdout=None) -> None:
    ran = 0
    waiting = DatastoreTable.objects.filter(status=DatastoreTable.Status.PENDING, origin=DatastoreTable.Origin.UPLOAD)
    for table_id in waiting.values_list("pk", flat=True):
        services.ingestion_run(table_id=table_id)
        ran += 1
    _write(stdout, f"données tabulaires : {ran} intégrations faites maintenant")

    try:
        dataset = catalog_services.dataset_get(name_or_id=BIKES_DATASET)
    except catalog_services.NotFound:
        return
    resource = catalog_services.resource_list(dataset=dataset).first()
    table = services.table_for_resource(resource) if resource is not None else None
    if table is None:
        return
    datastore = services.datastore_for(resource)
    if not datastore.schema:
        services.schema_set(actor=None, resource=resource, schema=_bikes_schema(table.columns))
        services.validation_run(table_id=table.pk)
        _write(stdout, "données tabulaires : dictionnaire de données des comptages de vélos")
    try:  # the plan's demo creates the demo accounts
        admin = core_services.user_get_by_email(email=DEMO_ADMIN_EMAIL)
    except core_services.NotFound:
        return
    if not Visualisation.objects.filter(dataset=dataset).exists():
        visualisation_create(actor=admin, resource=resource, data={
            "title_fr": "Vélos comptés chaque jour au compteur Berri 1",
            "title_en": "Bicycles counted each day at the Berri 1 counter",
            "description_fr": "Comptages quotidiens de 2012 : la saison cycliste monte au printemps et "
                              "culmine en été.",
            "description_en": "Daily counts in 2012: the cycling season rises in spring and peaks in summer.",
            "chart": {"type": "line", "x": "Date", "y": "Berri 1", "aggregate": "sum"},
            "view": {},
        })
        _write(stdout, "données tabulaires : une visualisation enregistrée")
