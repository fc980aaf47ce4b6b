"""Incremental DCAT harvesting: ``{"modified_since": "<query parameter>"}`` in a DCAT source's config.

Two remote catalogues: a local static server (it records every request, so that the test sees
the query parameter really sent) and a live Ouvert, whose ``/catalog.ttl`` really filters on
``modified_since``.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob, HarvestObject

PREFIXES = (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n"
            b"<http://example.org/catalogue> a dcat:Catalog .\n")


def _dataset(key: str, title: str) -> bytes:
    return (f'<http://example.org/ds/{key}> a dcat:Dataset ; dct:identifier "{key}" ; dct:title "{title}"@fr ; '
            f'dcat:distribution <http://example.org/ds/{key}/csv> .\n'
            f'<http://example.org/ds/{key}/csv> a dcat:Distribution ; '
            f'dcat:accessURL <https://example.org/{key}.csv> .\n').encode()


def _catalogue(*datasets: bytes) -> bytes:
    return PREFIXES + b"".join(datasets)


def _run(source, **kwargs):
    job = services.harvest_run(actor=None, source=source, **kwargs)
    job.refresh_from_db()
    return job


def _query(path: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def _copy(source, key):
    return Dataset.objects.get(extras__harvest_source_id=str(source.pk), extras__harvest_remote_id=f"http://example.org/ds/{key}")


@pytest.mark.django_db
def test_config_names_the_query_parameter(harvest_org):
    for bad, message in (("pas bon !", "paramètre"), (3, "texte"), ("", "paramètre")):
        with pytest.raises(ValidationError) as exc:
            services.source_create(actor=None, name="mauvaise", type="dcat", url="https://example.org/c.ttl",
                                   organisation=harvest_org, config={"modified_since": bad})
        assert message in " ".join(exc.value.message_dict["config"])
    with pytest.raises(ValidationError) as exc:  # a DCAT key only
        services.source_create(actor=None, name="ckan", type="ckan", url="https://example.org/",
                               organisation=harvest_org, config={"modified_since": "modified_since"})
    assert "inconnue" in " ".join(exc.value.message_dict["config"])
    source = services.source_create(actor=None, name="bonne", type="dcat", url="https://example.org/c.ttl",
                                    organisation=harvest_org, config='{"modified_since": "updated[gte]"}')
    assert source.config == {"modified_since": "updated[gte]"}


@pytest.mark.django_db
def test_incremental_asks_for_changes_keeps_deletions_for_full_runs(static_server, harvest_org):
    url = static_server.put("/catalogue.ttl", _catalogue(_dataset("a", "Alpha"), _dataset("b", "Bêta"),
                                                         _dataset("c", "Gamma")))
    source = services.source_create(actor=None, name="incremental", type="dcat", url=f"{url}?lang=fr",
                                    organisation=harvest_org, config={"modified_since": "depuis"})

    # First run: nothing to compare with, everything is asked for (no parameter).
    first = _run(source)
    assert first.status == HarvestJob.Status.FINISHED and first.full and first.since is None
    assert first.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}
    assert static_server.requests == ["/catalogue.ttl?lang=fr"]

    # The remote catalogue answers with what changed since: "a" changed, "b" and "c" did not (it
    # leaves them out; "c" is in fact gone), "d" is new and has no title (one failed object).
    static_server.requests.clear()
    untitled = b'<http://example.org/ds/d> a dcat:Dataset ; dct:identifier "d" .\n'
    static_server.put("/catalogue.ttl", _catalogue(_dataset("a", "Alpha révisé"), untitled))
    second = _run(source)
    assert second.status == HarvestJob.Status.FINISHED and not second.full and second.since is not None
    [request] = static_server.requests
    assert urlsplit(request).path == "/catalogue.ttl"
    sent = _query(request)
    assert sent == {"lang": "fr", "depuis": sent["depuis"]}
    assert sent["depuis"] == second.since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert second.since == first.started_at - services.SINCE_MARGIN
    assert second.counts == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 0, "errors": 1}
    assert _copy(source, "a").title_fr == "Alpha révisé"
    assert _copy(source, "b").state == _copy(source, "c").state == Dataset.State.ACTIVE  # not inferred deleted
    [note] = second.report["notes"]
    assert "depuis=" in note and "complète" in note
    assert second.harvest_objects.get(status=HarvestObject.Status.ERROR).guid == "http://example.org/ds/d"

    # Next incremental run: nothing changed remotely, the failed one is tried again all the same.
    static_server.put("/catalogue.ttl", _catalogue())
    third = _run(source)
    assert third.counts == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 1}
    assert third.harvest_objects.get().guid == "http://example.org/ds/d"

    # A full run asks for everything (no parameter) and propagates the deletions.
    static_server.requests.clear()
    static_server.put("/catalogue.ttl", _catalogue(_dataset("a", "Alpha révisé"), _dataset("b", "Bêta")))
    full = _run(source, full=True)
    assert static_server.requests == ["/catalogue.ttl?lang=fr"]
    assert full.full and "notes" not in full.report
    assert full.counts == {"created": 0, "updated": 0, "deleted": 1, "unchanged": 2, "errors": 0}
    assert _copy(source, "c").state == Dataset.State.DELETED


@pytest.mark.django_db
def test_without_the_config_key_every_run_reads_everything(static_server, harvest_org):
    url = static_server.put("/catalogue.ttl", _catalogue(_dataset("a", "Alpha"), _dataset("b", "Bêta")))
    source = services.source_create(actor=None, name="complete", type="dcat", url=url, organisation=harvest_org)
    _run(source)
    static_server.put("/catalogue.ttl", _catalogue(_dataset("a", "Alpha")))
    again = _run(source)
    assert static_server.requests == ["/catalogue.ttl", "/catalogue.ttl"]
    assert again.counts == {"created": 0, "updated": 0, "deleted": 1, "unchanged": 1, "errors": 0}


@pytest.mark.django_db(transaction=True)
def test_incremental_harvest_of_ouvert(live_server, allow_local_outbound, dataset_factory, other_org, editor,
                                      monkeypatch, settings):
    """Ouvert's own ``/catalog.ttl?modified_since=`` as the source: only what changed comes back."""
    from ouvert.catalog import dcat

    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    settings.OUVERT_BASE_URL = live_server.url  # the paging links the catalogue writes
    published = [dataset_factory(name=name, title_fr=title,
                                 resources=[{"url": f"https://example.org/{name}.csv", "name_fr": title}])
                 for name, title in (("feux", "Feux de circulation"), ("pistes", "Pistes cyclables"),
                                     ("stationnements", "Stationnements"))]
    # Published two days ago: older than any "since" of the runs below.
    Dataset.objects.filter(pk__in=[d.pk for d in published]).update(
        modified_at=timezone.now() - datetime.timedelta(days=2))
    source = services.source_create(actor=None, name="ouvert-incremental", type="dcat",
                                    url=f"{live_server.url}/catalog.ttl?fq=organization:mtmd",
                                    organisation=other_org, config={"modified_since": "modified_since"})
    first = _run(source)
    assert first.status == HarvestJob.Status.FINISHED, first.report
    assert first.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 0}

    catalog_services.dataset_update(actor=editor, dataset=published[0], partial=True,
                                    data={"title_fr": "Feux de circulation (révisé)"})
    second = _run(source)
    assert second.status == HarvestJob.Status.FINISHED, second.report
    assert second.harvest_objects.count() == 1  # the catalogue gave the changed dataset only
    assert second.counts == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 0, "errors": 0}
    assert "modified_since=" in second.report["notes"][0]
    copies = {d.extras["harvest_remote_name"]: d for d in Dataset.objects.filter(
        extras__harvest_source_id=str(source.pk))}
    assert copies["Feux de circulation (révisé)"].title_fr == "Feux de circulation (révisé)"

    catalog_services.dataset_delete(actor=editor, dataset=published[2])
    third = _run(source)
    assert third.counts["deleted"] == 0 and third.counts["errors"] == 0
    assert Dataset.objects.get(extras__harvest_source_id=str(source.pk), title_fr="Stationnements").state == \
        Dataset.State.ACTIVE

    full = _run(source, full=True)
    assert full.counts == {"created": 0, "updated": 0, "deleted": 1, "unchanged": 2, "errors": 0}
    assert Dataset.objects.get(extras__harvest_source_id=str(source.pk), title_fr="Stationnements").state == \
        Dataset.State.DELETED
