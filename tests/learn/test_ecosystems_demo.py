"""The ecosystems part's demo loader: idempotent, says it is demo content, invents no finding or document."""

from django.urls import reverse

from ouvert.learn import ecosystems_demo
from ouvert.learn.models import Ecosystem, EcosystemOrganisation, Publication, StandardVersion


def test_demo_twice_same_result(db, make_org):
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    ecosystems_demo.load()
    state = (list(Ecosystem.objects.values_list("name", "is_demo")), StandardVersion.objects.count(),
             EcosystemOrganisation.objects.count(), Publication.objects.count())
    ecosystems_demo.load()
    assert state == (list(Ecosystem.objects.values_list("name", "is_demo")), StandardVersion.objects.count(),
                     EcosystemOrganisation.objects.count(), Publication.objects.count())
    assert sorted(state[0]) == [("culture", True), ("urbanisme", True)]
    assert state[1] == 3
    study = Publication.objects.get()
    assert not study.document and study.findings == [] and study.date_is_planned
    assert "CeRTIA" in study.institution and study.published_on.isoformat() == "2022-11-30"


def test_dataset_panel_links_the_ecosystem(client, eco_declared):
    html = client.get(reverse("catalog:dataset", kwargs={"name": "velos"})).content.decode()
    assert "Écosystèmes et standards" in html and "/apprendre/ecosystemes/urbanisme/conformite/" in html
