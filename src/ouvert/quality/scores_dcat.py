"""The quality scores in the catalogue's exports: W3C DQV in DCAT, a ``quality`` key in CKAN's ``package_show``.

DCAT (through ``catalog.dcat``'s contributor hook, once per graph: one query for a whole page of
the catalogue). Each dataset gets six ``dqv:hasQualityMeasurement``: one per MQA dimension and one
for the total, each a ``dqv:QualityMeasurement`` with ``dqv:computedOn`` (the dataset),
``dqv:isMeasurementOf`` (the metric) and ``dqv:value`` (points, ``xsd:integer``). The metrics and
their dimensions are defined under the site (``OUVERT_BASE_URL``), like the catalogue's themes:

- ``<base>/quality/metric/<name>`` — a ``dqv:Metric`` for ``findability``, ``accessibility``,
  ``interoperability``, ``reusability``, ``contextuality`` (the points of that MQA dimension, 0 to
  its maximum) and ``total`` (0 to 405); each says its maximum in ``rdfs:comment`` and its
  ``dqv:expectedDataType`` (``xsd:integer``);
- ``<base>/quality/dimension/<name>`` — the ``dqv:Dimension`` each metric measures, in the category
  ``<base>/quality/mqa`` (a ``dqv:Category``: data.europa.eu's Metadata Quality Assessment).

CKAN (through ``catalog.ckan_dict``'s ``package_show`` hook): ``"quality": {"points", "max_points",
"rating", "dimensions"}``; ``package_search`` results do not carry it.
"""

from __future__ import annotations

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from . import mqa
from .models import DatasetScore

DQV = Namespace("http://www.w3.org/ns/dqv#")

#: French and English labels of the metrics (fixed texts of the exported RDF, whatever the request's language).
METRIC_LABELS = {
    "findability": ("Repérabilité (points MQA)", "Findability (MQA points)"),
    "accessibility": ("Accessibilité (points MQA)", "Accessibility (MQA points)"),
    "interoperability": ("Interopérabilité (points MQA)", "Interoperability (MQA points)"),
    "reusability": ("Réutilisabilité (points MQA)", "Reusability (MQA points)"),
    "contextuality": ("Contexte (points MQA)", "Contextuality (MQA points)"),
    "total": ("Qualité des métadonnées (points MQA)", "Metadata quality (MQA points)"),
}
DIMENSION_LABELS = {
    "findability": ("Repérabilité", "Findability"), "accessibility": ("Accessibilité", "Accessibility"),
    "interoperability": ("Interopérabilité", "Interoperability"), "reusability": ("Réutilisabilité", "Reusability"),
    "contextuality": ("Contexte", "Contextuality"), "total": ("Qualité des métadonnées", "Metadata quality"),
}
MAXIMUM = {**mqa.DIMENSIONS, "total": mqa.MAX_POINTS}


def _base() -> str:
    from django.conf import settings

    return settings.OUVERT_BASE_URL.rstrip("/")


def metric_uri(name: str) -> URIRef:
    return URIRef(f"{_base()}/quality/metric/{name}")


def dimension_uri(name: str) -> URIRef:
    return URIRef(f"{_base()}/quality/dimension/{name}")


def category_uri() -> URIRef:
    return URIRef(f"{_base()}/quality/mqa")


def _define_metrics(graph) -> None:
    category = category_uri()
    graph.add((category, RDF.type, DQV.Category))
    graph.add((category, SKOS.prefLabel, Literal("Évaluation de la qualité des métadonnées (MQA)", lang="fr")))
    graph.add((category, SKOS.prefLabel, Literal("Metadata Quality Assessment (MQA)", lang="en")))
    graph.add((category, RDFS.seeAlso, URIRef("https://data.europa.eu/mqa/methodology")))
    for name, maximum in MAXIMUM.items():
        metric, dimension = metric_uri(name), dimension_uri(name)
        graph.add((dimension, RDF.type, DQV.Dimension))
        graph.add((dimension, DQV.inCategory, category))
        fr, en = DIMENSION_LABELS[name]
        graph.add((dimension, SKOS.prefLabel, Literal(fr, lang="fr")))
        graph.add((dimension, SKOS.prefLabel, Literal(en, lang="en")))
        graph.add((metric, RDF.type, DQV.Metric))
        graph.add((metric, DQV.inDimension, dimension))
        graph.add((metric, DQV.expectedDataType, XSD.integer))
        fr, en = METRIC_LABELS[name]
        graph.add((metric, SKOS.prefLabel, Literal(fr, lang="fr")))
        graph.add((metric, SKOS.prefLabel, Literal(en, lang="en")))
        graph.add((metric, RDFS.comment, Literal(f"Points de 0 à {maximum}.", lang="fr")))
        graph.add((metric, RDFS.comment, Literal(f"Points from 0 to {maximum}.", lang="en")))


def _scores(datasets: list) -> dict:
    """``{dataset id: score row}`` for ``datasets``, computing the missing ones (in bulk)."""
    from .scoring import scores_recompute

    fields = ("dataset_id", "points", *mqa.DIMENSIONS)
    ids = [dataset.pk for dataset in datasets]
    found = {row["dataset_id"]: row for row in DatasetScore.objects.filter(dataset_id__in=ids).values(*fields)}
    missing = [dataset.pk for dataset in datasets if dataset.pk not in found and dataset.state != "deleted"]
    if missing:
        scores_recompute(ids=missing)
        found.update({row["dataset_id"]: row for row in
                      DatasetScore.objects.filter(dataset_id__in=missing).values(*fields)})
    return found


def dqv_contribute(graph, pairs: list) -> None:
    """The DCAT contributor: the DQV measurements of every dataset of the graph (one query)."""
    scores = _scores([dataset for dataset, _node in pairs])
    if not scores:
        return
    graph.bind("dqv", DQV, override=True)
    _define_metrics(graph)
    for dataset, node in pairs:
        row = scores.get(dataset.pk)
        if row is None:
            continue
        values = {**{name: row[name] for name in mqa.DIMENSIONS}, "total": row["points"]}
        for name, value in values.items():
            measurement = BNode(f"quality-{dataset.pk}-{name}")
            graph.add((node, DQV.hasQualityMeasurement, measurement))
            graph.add((measurement, RDF.type, DQV.QualityMeasurement))
            graph.add((measurement, DQV.computedOn, node))
            graph.add((measurement, DQV.isMeasurementOf, metric_uri(name)))
            graph.add((measurement, DQV.value, Literal(int(value), datatype=XSD.integer)))


def package_show_quality(dataset) -> dict:
    """The ``package_show`` contributor: ``{"quality": {"points", "max_points", "rating", "dimensions"}}``."""
    from .scoring import score_for, score_summary

    score = score_for(dataset)
    return {"quality": score_summary(score)} if score is not None else {}


def register() -> None:
    from ouvert.catalog import services as catalog_services

    catalog_services.dcat_contributor_register(dqv_contribute)
    catalog_services.package_show_contributor_register(package_show_quality, keys=("quality",))
