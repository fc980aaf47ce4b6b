"""The harvester reading the provider: the registry's own OAI-PMH feed (both formats, paged by resumption
tokens, deleted records) harvested through a live server by ``oai_client`` — what one Ouvert publishes, another
reads, field by field."""

import datetime
import time

import pytest
from django.utils import timezone

from ouvert.science import services
from ouvert.science.models import Deposit, Publication, RepositorySource

UTC = datetime.UTC


@pytest.mark.parametrize("prefix", ["oai_openaire", "oai_dc"])
def test_the_harvester_reads_the_provider(transactional_db, live_server, allow_local_outbound, settings, prefix,
                                          publication_factory, fund_staff):
    settings.OUVERT_SCIENCE_OAI_REPOSITORY_ID = "ouvert.example.org"
    settings.OUVERT_SCIENCE_OAI_PAGE_SIZE = 2
    embargo = timezone.localdate() + datetime.timedelta(days=60)
    open_copy = publication_factory(doi="10.5555/rt.1", licence="CC-BY-4.0", version_deposited="accepted",
                                    repository_url="https://papyrus.example.org/handle/1866/1",
                                    deposit_open_on=datetime.date(2023, 6, 15))
    embargoed = publication_factory(doi="10.5555/rt.2", deposit_licence="CC-BY-NC-4.0", version_deposited="published",
                                    repository_url="https://papyrus.example.org/handle/1866/2", deposit_open_on=embargo)
    no_doi = publication_factory(doi=None, title="Un article sans DOI du registre")
    gone = publication_factory(doi="10.5555/rt.4", withdrawn_at=timezone.now())
    others = [publication_factory() for _n in range(3)]
    Publication.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    source = RepositorySource.objects.create(slug="ouvert", name="Ouvert", base_url=live_server.url + "/oai",
                                             metadata_prefix=prefix)
    run = services.harvest(actor=fund_staff, source=source)
    assert run.status == "done", run.error
    assert (run.pages, run.records, run.deleted, run.skipped) == (4, 7, 1, 0)
    source.refresh_from_db()
    assert source.granularity == "YYYY-MM-DDThh:mm:ssZ"
    deposits = {d.identifier: d for d in Deposit.objects.filter(source=source)}
    assert len(deposits) == 7

    def of(publication) -> Deposit:
        return deposits[f"oai:ouvert.example.org:publication/{publication.pk}"]

    # Each deposit found its own publication: by DOI, or by title when there is none.
    for publication in [open_copy, embargoed, *others]:
        assert (of(publication).publication_id, of(publication).matched_by) == (publication.pk, "doi")
    assert (of(no_doi).publication_id, of(no_doi).matched_by) == (no_doi.pk, "title")
    assert of(gone).deleted and of(gone).publication is None
    first = of(open_copy)
    assert (first.doi, first.url, first.version, first.licence) == (
        "10.5555/rt.1", "https://papyrus.example.org/handle/1866/1", "accepted", "CC-BY-4.0")
    assert first.title == open_copy.title
    second = of(embargoed)
    assert (second.url, second.licence) == ("https://papyrus.example.org/handle/1866/2", "CC-BY-NC-4.0")
    if prefix == "oai_openaire":
        assert second.version == "published"
        assert second.embargo_until == embargo
        assert first.date == "2023-06-15"
    else:
        assert second.version == "published"
        assert first.date == "2023-06-15"
    # Incremental: « from » is where the first run stopped (to the second); only what changed since comes: the
    # six publications whose records now show the deposit just found, and a new one. Then it settles.
    mark = source.harvested_until
    assert timezone.now() - mark < datetime.timedelta(minutes=5)
    later = publication_factory(doi="10.5555/rt.9")
    counts = []
    for _n in range(3):
        time.sleep(1.1)  # datestamps are to the second and « from » is inclusive
        run = services.harvest(actor=fund_staff, source=source)
        assert run.status == "done", run.error
        if not counts:
            assert run.from_param == mark.strftime("%Y-%m-%dT%H:%M:%SZ")
        counts.append(run.records)
    assert counts == [7, 1, 0]
    assert Deposit.objects.get(identifier=f"oai:ouvert.example.org:publication/{later.pk}").publication_id == later.pk
