"""Ouvert harvests Ouvert: a live server of our own CKAN API and DCAT catalogue as the source.

The ultimate compatibility check: what Ouvert publishes, Ouvert's harvester reads back. Both
catalogues live in one database here, so the copies go to another organisation, the source is
narrowed to the original publisher (``fq`` for CKAN, ``?fq=`` in the catalogue address for
DCAT), and the ids and names of the copies cannot be the originals' (derived ids, ``-2`` names).
"""

import pytest

from ouvert.catalog import services as catalog_services
from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(dataset_factory, theme_factory):
    theme_factory("transport", title_fr="Transport")
    return [
        dataset_factory(name="feux-circulation", title_fr="Feux de circulation", title_en="Traffic lights",
                        notes_fr="Emplacement des feux.", tags=["circulation", "sécurité"], themes=["transport"],
                        resources=[{"url": "https://example.org/feux.csv", "format": "CSV", "name_fr": "Feux"}]),
        dataset_factory(name="pistes-cyclables", title_fr="Pistes cyclables", keywords={"fr": ["vélo"]},
                        resources=[{"url": "https://example.org/pistes.geojson", "name_fr": "Pistes"},
                                   {"url": "https://example.org/pistes.csv", "name_fr": "Pistes (CSV)"}]),
        dataset_factory(name="stationnements", title_fr="Stationnements", frequency="MONTHLY"),
    ]


def _copies(source):
    return {d.extras["harvest_remote_name"]: d for d in Dataset.objects.filter(extras__harvest_source_id=str(source.pk))}


def test_ckan_harvest_of_ouvert(live_server, allow_local_outbound, published, other_org, editor, theme_factory):
    source = services.source_create(actor=None, name="ouvert", type="ckan", url=live_server.url,
                                    organisation=other_org, config={"fq": "organization:mtmd", "rows": 2})
    job = services.harvest_run(actor=None, source=source)
    assert job.status == HarvestJob.Status.FINISHED, job.report
    assert job.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    copies = _copies(source)
    for original in published:
        copy = copies[original.name]
        assert copy.pk != original.pk and copy.name == f"{original.name}-2" and copy.organisation == other_org
        assert (copy.title_fr, copy.title_en, copy.notes_fr) == (original.title_fr, original.title_en,
                                                                 original.notes_fr)
        assert copy.frequency == original.frequency and copy.keywords == original.keywords
        assert sorted(t.name for t in copy.tags.all()) == sorted(t.name for t in original.tags.all())
        assert [r.url for r in copy.resources.order_by("position")] == \
            [r.url for r in original.resources.order_by("position")]
    assert [t.name for t in copies["feux-circulation"].themes.all()] == ["transport"]

    # Changed, deleted at the source; the copies follow.
    catalog_services.dataset_update(actor=editor, dataset=published[0], partial=True,
                                    data={"title_fr": "Feux de circulation (révisé)"})
    catalog_services.dataset_delete(actor=editor, dataset=published[2])
    job = services.harvest_run(actor=None, source=source)
    assert job.status == HarvestJob.Status.FINISHED, job.report
    assert (job.updated, job.deleted, job.created, job.errors) == (1, 1, 0, 0), job.counts
    copies = _copies(source)
    assert copies["feux-circulation"].title_fr == "Feux de circulation (révisé)"
    assert copies["stationnements"].state == Dataset.State.DELETED
    # The resource of the updated copy kept its (derived) id: matched, not recreated.
    assert copies["feux-circulation"].resources.filter(state="active").count() == 1
    assert copies["feux-circulation"].resources.count() == 1


def test_dcat_harvest_of_ouvert(live_server, allow_local_outbound, published, other_org, monkeypatch, settings):
    from ouvert.catalog import dcat

    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    settings.OUVERT_BASE_URL = live_server.url  # the paging links the catalogue writes
    source = services.source_create(actor=None, name="ouvert-dcat", type="dcat",
                                    url=f"{live_server.url}/catalog.ttl?fq=organization:mtmd",
                                    organisation=other_org)
    job = services.harvest_run(actor=None, source=source)
    assert job.status == HarvestJob.Status.FINISHED, job.report
    assert job.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    copies = {d.title_fr: d for d in Dataset.objects.filter(extras__harvest_source_id=str(source.pk))}
    assert set(copies) == {d.title_fr for d in published}
    assert copies["Pistes cyclables"].resources.count() == 2
    assert copies["Stationnements"].frequency == "MONTHLY"

    again = services.harvest_run(actor=None, source=source)
    assert again.counts == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 3, "errors": 0}
