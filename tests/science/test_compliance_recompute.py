"""Verdicts stored and recomputed: per publication, in bulk (a fixed number of queries), after a journal
import or an edit of the registries, and the observed open-access status."""

import datetime
import pathlib

import pytest

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import ArchivingPolicy, Deposit, Funding, Publication, RepositorySource

pytestmark = pytest.mark.django_db

D = datetime.date
DATA = pathlib.Path(__file__).parent / "data"


def test_summary_over_fundings(funds, policies, journal_factory, publication_factory):
    journal_factory()
    publication = publication_factory(issn="1932-6203", licence="CC-BY-4.0")
    Funding.objects.create(publication=publication, fund=funds["frqs"], grant_number="S-1")
    services.publication_recompute(publication)
    publication.refresh_from_db()
    assert publication.compliance == "compliant" and publication.oa_status == "gold"
    assert sorted(publication.fundings.values_list("verdict", flat=True)) == ["compliant", "compliant"]
    lonely = publication_factory(fund=None)
    services.publication_recompute(lonely)
    lonely.refresh_from_db()
    assert lonely.compliance == "unknown" and lonely.checked_at is not None


def test_journal_import_flips_the_verdict(funds, policies, fund_staff, publication_factory):
    publication = publication_factory(issn="2050-084X", licence="CC-BY-4.0")
    services.publication_recompute(publication)
    publication.refresh_from_db()
    assert publication.compliance == "not_compliant"  # eLife not yet in the registry, no deposit (overdue)
    result = services.journals_import(actor=fund_staff, data=(DATA / "doaj_journals_sample.csv").read_bytes())
    assert result["recomputed"] == 1
    publication.refresh_from_db()
    assert publication.compliance == "compliant" and publication.oa_status == "gold"
    assert Funding.objects.get(publication=publication).route == "journal"
    run = AuditEntry.objects.filter(action="science.verdicts.recompute").order_by("-seq").first()
    assert run.data["reason"] == "journals.import" and run.data["changed"] == 1
    # Editing the journal (no longer open access) flips it back.
    journal = services.journal_lookup(issn="2050-084X")
    services.journal_update(actor=fund_staff, journal=journal, data={"is_open_access": False})
    publication.refresh_from_db()
    assert publication.compliance == "not_compliant" and publication.oa_status == "hybrid"


def test_publication_declared_by_journal_title_is_recomputed(funds, policies, fund_staff, publication_factory):
    publication = publication_factory(journal_title="PeerJ", licence="CC-BY-4.0")
    other_issn = publication_factory(journal_title="eLife", issn="2049-3630", licence="CC-BY-4.0")
    services.recompute(Publication.objects.all())
    services.journals_import(actor=fund_staff, data=(DATA / "doaj_journals_sample.csv").read_bytes())
    publication.refresh_from_db()
    other_issn.refresh_from_db()
    assert publication.compliance == "compliant"
    assert other_issn.compliance == "compliant"  # its ISSN is unknown to the registry; its title is


def test_archiving_policy_edit_flips_the_verdict(funds, policies, fund_staff, journal_factory, publication_factory):
    journal = journal_factory(title="Nature", issn_print="0028-0836", issn_electronic="1476-4687",
                              is_open_access=False, registry="", licences=[], publisher="Springer Nature")
    policy = ArchivingPolicy.objects.create(journal=journal, version="published", embargo_months=0)
    publication = publication_factory(journal=journal, version_deposited="published",
                                      repository_url="https://papyrus.example.org/handle/1866/30",
                                      deposited_on=D(2023, 6, 15), licence="CC-BY-4.0")
    services.publication_recompute(publication)
    funding = Funding.objects.get(publication=publication)
    assert (funding.verdict, funding.route) == ("compliant", "repository")
    services.archiving_policy_update(actor=fund_staff, policy=policy, data={"embargo_months": 12})
    funding.refresh_from_db()
    assert (funding.verdict, funding.route) == ("not_compliant", "")
    assert [step["code"] for step in funding.reasons if step["outcome"] == "fail"] == [
        "journal.not_open_access", "repository.publisher_disallows", "rights_retention.no_accepted_manuscript"]
    assert AuditEntry.objects.filter(action="science.archiving.update").exists()


def test_bulk_recompute_does_not_grow_with_rows(funds, policies, journal_factory, publication_factory,
                                                django_assert_max_num_queries):
    journal_factory()
    source = RepositorySource.objects.create(slug="papyrus", name="Papyrus", base_url="https://papyrus.example.org/oai")

    def make(count):
        for number in range(count):
            publication = publication_factory(issn="1932-6203" if number % 2 else "0028-0836", licence="CC-BY-4.0")
            Deposit.objects.create(source=source, identifier=f"oai:papyrus:{publication.pk}", version="accepted",
                                   url=f"https://papyrus.example.org/{publication.pk}", publication=publication,
                                   licence="CC-BY-4.0", datestamp=datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC))

    make(3)
    with django_assert_max_num_queries(15) as few:
        assert services.recompute(Publication.objects.all()) == 3
    make(30)
    with django_assert_max_num_queries(15) as many:
        assert services.recompute(Publication.objects.all()) == 33
    assert len(many) == len(few)
    assert set(Publication.objects.values_list("compliance", flat=True)) == {"compliant"}
    assert set(Publication.objects.values_list("oa_status", flat=True)) == {"gold", "hybrid"}


def test_large_sets_go_through_the_task(funds, policies, fund_staff, publication_factory, monkeypatch):
    from ouvert.science import compliance

    monkeypatch.setattr(compliance, "TASK_THRESHOLD", 2)
    for _ in range(3):
        publication_factory()
    services.policy_version_update(actor=fund_staff, version=policies[("frqnt", "2022")],
                                   data={"max_embargo_months": 1})
    assert Funding.objects.filter(checked_at__isnull=False).count() == 3  # immediate backend in tests
    run = AuditEntry.objects.filter(action="science.verdicts.recompute").get()
    assert run.actor is None and run.data["publications"] == 3


def test_observed_oa_status(funds, policies, journal_factory, publication_factory):
    today = D(2024, 1, 10)
    journal_factory()
    assert services.observed_oa_status(publication_factory(issn="1932-6203"), today=today) == "gold"
    assert services.observed_oa_status(publication_factory(issn="0028-0836", licence="CC-BY-4.0"), today=today) \
        == "hybrid"
    green = publication_factory(repository_url="https://papyrus.example.org/1", deposit_open_on=D(2024, 1, 1))
    assert services.observed_oa_status(green, today=today) == "green"
    embargoed = publication_factory(repository_url="https://papyrus.example.org/2", deposit_open_on=D(2024, 6, 1))
    assert services.observed_oa_status(embargoed, today=today) == "closed"
    source = RepositorySource.objects.create(slug="p", name="P", base_url="https://p.example.org/oai")
    harvested = publication_factory()
    Deposit.objects.create(source=source, identifier="a", url="https://p.example.org/a", publication=harvested,
                           embargo_until=D(2024, 6, 1))
    assert services.observed_oa_status(harvested, today=today) == "closed"
    Deposit.objects.create(source=source, identifier="b", url="https://p.example.org/b", publication=harvested,
                           deleted=True)
    assert services.observed_oa_status(harvested, today=today) == "closed"
    Deposit.objects.create(source=source, identifier="c", url="https://p.example.org/c", publication=harvested)
    assert services.observed_oa_status(harvested, today=today) == "green"
    bronze = publication_factory(oa_status="bronze")
    assert services.observed_oa_status(bronze, today=today) == "bronze"
    assert services.observed_oa_status(publication_factory(), today=today) == "closed"


def test_reason_text_in_both_languages(funds, policies, publication_factory):
    from django.utils import translation

    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/40",
                                      deposited_on=D(2024, 8, 15), deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    step = next(s for s in verdict.steps if s["code"] == "repository.embargo_too_long")
    with translation.override("fr"):
        text = services.reason_text(step)
    assert "14 mois" in text and "2024-08-15" in text
    assert services.reason_text({"code": "unknown.code", "params": {}}) == "unknown.code"
    assert services.reason_text({"code": "repository.embargo_too_long", "params": {}})  # never raises
    assert services.missing_text("deposit_open_on").startswith("la date")


def test_embargoes_lifted_job(funds, policies, publication_factory):
    from ouvert.core import registry

    assert "science.embargoes_lifted" in [job.name for job in registry.periodic_jobs()]
    source = RepositorySource.objects.create(slug="p", name="P", base_url="https://p.example.org/oai")
    declared = publication_factory(repository_url="https://p.example.org/1", deposit_open_on=D(2024, 6, 1))
    harvested = publication_factory()
    Deposit.objects.create(source=source, identifier="a", url="https://p.example.org/a", publication=harvested,
                           embargo_until=D(2024, 6, 3))
    untouched = publication_factory()
    services.recompute(Publication.objects.all(), today=D(2024, 5, 20))
    assert set(Publication.objects.values_list("oa_status", flat=True)) == {"closed"}
    assert services.embargoes_lifted(today=D(2024, 5, 31)) == 0
    assert services.embargoes_lifted(today=D(2024, 6, 4)) == 2
    declared.refresh_from_db()
    harvested.refresh_from_db()
    untouched.refresh_from_db()
    assert (declared.oa_status, harvested.oa_status, untouched.oa_status) == ("green", "green", "closed")
    assert services.embargoes_lifted(today=D(2024, 6, 5)) == 0  # already green: nothing to do
    run = AuditEntry.objects.filter(action="science.verdicts.recompute").get()
    assert run.data["reason"] == "embargoes_lifted" and run.data["publications"] == 2


def test_deposits_overdue_job(funds, policies, publication_factory):
    from ouvert.core import registry

    assert "science.deposits_overdue" in [job.name for job in registry.periodic_jobs()]
    journal = {"issn": "0028-0836", "licence": "CC-BY-4.0"}  # not in the registry: only a deposit can do
    within_12 = publication_factory(published_on=D(2021, 3, 10), **journal)  # 2019: due 9 April 2022
    immediate = publication_factory(published_on=D(2022, 4, 1), **journal)  # 2022: due 1 May 2022
    later = publication_factory(published_on=D(2022, 3, 31), **journal)  # 2019: due 30 April 2023
    services.recompute(Publication.objects.all(), today=D(2022, 4, 9))

    def verdicts():
        return [p.compliance for p in Publication.objects.filter(pk__in=[within_12.pk, immediate.pk, later.pk])
                .order_by("pk")]
    assert verdicts() == ["unknown", "unknown", "unknown"]
    services.deposits_overdue(today=D(2022, 4, 9))
    assert verdicts() == ["unknown", "unknown", "unknown"]
    assert services.deposits_overdue(today=D(2022, 4, 10)) >= 1
    assert verdicts() == ["not_compliant", "unknown", "unknown"]
    services.deposits_overdue(today=D(2022, 5, 1))
    assert verdicts() == ["not_compliant", "unknown", "unknown"]
    services.deposits_overdue(today=D(2022, 5, 2))
    assert verdicts() == ["not_compliant", "not_compliant", "unknown"]
    run = AuditEntry.objects.filter(action="science.verdicts.recompute").order_by("-seq").first()
    assert run.data["reason"] == "deposits_overdue" and run.data["today"] == "2022-05-02"
