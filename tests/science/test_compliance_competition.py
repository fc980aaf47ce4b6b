"""The FRQ choose the policy version by the launch date of the grant's competition; without it, the
publication date decides — and the first step says which."""

import datetime

from ouvert.science import services
from ouvert.science.models import Compliance, Funding


def _late_deposit(publication_factory, **funding):
    """Published 2023-06-15 in a subscription journal; the accepted manuscript opened ten months later."""
    publication = publication_factory(
        published_on=datetime.date(2023, 6, 15), journal_title="Revue sur abonnement", version_deposited="accepted",
        repository_url="https://papyrus.example.org/1866/1", deposited_on=datetime.date(2024, 4, 15),
        deposit_open_on=datetime.date(2024, 4, 15), deposit_licence="CC-BY-4.0")
    Funding.objects.filter(publication=publication).update(**funding)
    return services.publication_recompute(publication)


def test_a_competition_launched_under_the_2019_policy_keeps_it(policies, publication_factory):
    publication = _late_deposit(publication_factory, competition_date=datetime.date(2021, 10, 1))
    funding = publication.fundings.get()
    assert funding.verdict == Compliance.COMPLIANT and funding.route == "repository"
    assert funding.policy_version == policies[("frqnt", "2019")]
    first = funding.reasons[0]
    assert first["code"] == "policy.version_by_competition"
    assert first["params"]["competition_date"] == "2021-10-01"
    assert "date de lancement du concours de la subvention (2021-10-01)" in services.reason_text(first)


def test_without_a_competition_date_the_publication_date_decides(policies, publication_factory):
    publication = _late_deposit(publication_factory)
    funding = publication.fundings.get()
    assert funding.policy_version == policies[("frqnt", "2022")]
    assert funding.verdict == Compliance.NOT_COMPLIANT
    assert funding.reasons[0]["code"] == "policy.version_applies"
    assert "repository.embargo_too_long" in [step["code"] for step in funding.reasons]


def test_a_competition_before_any_policy_has_no_version(policies, publication_factory):
    funding = _late_deposit(publication_factory, competition_date=datetime.date(2018, 1, 10)).fundings.get()
    assert funding.verdict == Compliance.UNKNOWN and funding.reasons[0]["code"] == "policy.no_version"


def test_bulk_recompute_judges_the_same(policies, publication_factory):
    publication = _late_deposit(publication_factory, competition_date=datetime.date(2021, 10, 1))
    Funding.objects.filter(publication=publication).update(verdict=Compliance.UNKNOWN, reasons=[])
    assert services.recompute(type(publication).objects.filter(pk=publication.pk)) == 1
    funding = publication.fundings.get()
    assert funding.verdict == Compliance.COMPLIANT and funding.reasons[0]["code"] == "policy.version_by_competition"


def test_a_bulk_recompute_refreshes_the_open_dataset_once(policies, publication_factory, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    from ouvert.core import registry as core_registry

    publications = [publication_factory() for _ in range(3)]
    refreshed = []
    monkeypatch.setattr(core_registry, "_open_data_refreshers", [refreshed.append])
    with django_capture_on_commit_callbacks(execute=True):
        services.recompute(type(publications[0]).objects.all(), chunk_size=2)
    assert refreshed == ["science"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.recompute(type(publications[0]).objects.none()) == 0
    assert refreshed == ["science"]


def test_a_changed_observed_status_moves_the_oai_datestamp(policies, publication_factory):
    """``updated_at`` is the OAI-PMH datestamp: harvesters see a record again when what it shows changes."""
    publication = services.publication_recompute(publication_factory(journal_title="Revue sur abonnement"))
    assert publication.oa_status == "closed"
    stamp = publication.updated_at
    services.publication_recompute(publication)
    assert type(publication).objects.get(pk=publication.pk).updated_at == stamp  # nothing changed
    type(publication).objects.filter(pk=publication.pk).update(
        repository_url="https://papyrus.example.org/1866/2", version_deposited="accepted",
        deposited_on=datetime.date(2023, 6, 15), deposit_open_on=datetime.date(2023, 6, 15))
    services.recompute(type(publication).objects.filter(pk=publication.pk))
    fresh = type(publication).objects.get(pk=publication.pk)
    assert fresh.oa_status == "green" and fresh.updated_at > stamp
