"""The results demo, after every other consult part's demo: satisfaction answers, the published report
of the 2021-2023 plan (generated from the other demos' data, then edited), the open dataset, suggestions
(one answered); a second run changes nothing."""

import pytest

from ouvert.consult import results_demo
from ouvert.consult.models import ProcessReport, SatisfactionResponse, Suggestion
from ouvert.core import registry
from ouvert.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db


def snapshot():
    from ouvert.catalog import services as catalog_services

    dataset = catalog_services.open_data_dataset("consult-results")
    return (SatisfactionResponse.objects.count(), Suggestion.objects.count(), AuditEntry.objects.count(),
            Notification.objects.count(),
            list(ProcessReport.objects.order_by("pk").values_list("body_fr", "body_en", "published_at", "edited_at")),
            dataset.modified_at if dataset else None,
            sorted(dataset.resources.values_list("name_fr", "modified_at")) if dataset else None)


def test_demo_loads_once(make_org):
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    loaders = [loader for loader in registry.demo_loaders() if loader.name.startswith("consult_")]
    assert loaders[-1].name == "consult_results"
    for loader in loaders:
        loader.func()
    first = snapshot()
    assert SatisfactionResponse.objects.filter(process__slug="politique-habitation").exists()
    assert SatisfactionResponse.objects.filter(process__slug="plan-gouvernement-ouvert-2021").exists()
    report = ProcessReport.objects.get(process__slug="plan-gouvernement-ouvert-2021")
    assert report.published_at and report.edited_at
    assert report.body_fr.startswith("# Ce que nous avons entendu") and "Mot de l'organisme" in report.body_fr
    assert "## Prochaines étapes" in report.body_fr and "## Next steps" in report.body_en
    assert "| Personnes participantes (au moins une action) |" in report.body_fr
    assert Suggestion.objects.count() == 3 and Suggestion.objects.filter(status="answered").count() == 1
    assert first[5] is not None  # the open dataset is published
    results_demo.load()
    assert snapshot() == first
