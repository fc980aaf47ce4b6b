"""Verdicts of the compliance engine, route by route, passing and failing, with their reason codes in order."""

import datetime

import pytest
from django.utils import timezone, translation

from ouvert.science import services
from ouvert.science.models import ArchivingPolicy, Deposit, Funding, RepositorySource

pytestmark = pytest.mark.django_db

D = datetime.date


def today():
    """Montreal's date when the test runs (not when the module was collected: a long run crosses midnight)."""
    return timezone.localdate()


def codes(verdict_or_steps):
    steps = verdict_or_steps.steps if hasattr(verdict_or_steps, "steps") else verdict_or_steps
    return [(step["code"], step["outcome"]) for step in steps]


def test_months_are_calendar_months():
    assert services.add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert services.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert services.add_months(D(2023, 6, 15), 12) == D(2024, 6, 15)
    assert services.add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert services.months_after(D(2023, 6, 15), D(2024, 8, 15)) == 14
    assert services.months_after(D(2023, 6, 15), D(2024, 8, 16)) == 15
    assert services.months_after(D(2023, 6, 15), D(2023, 6, 15)) == 0
    assert services.months_after(D(2023, 6, 15), D(2023, 6, 16)) == 1
    assert services.months_after(D(2023, 6, 15), D(2023, 1, 1)) == 0


def test_journal_route_passes(funds, policies, journal_factory, publication_factory):
    journal = journal_factory()
    publication = publication_factory(issn="1932-6203", licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "journal"
    assert verdict.policy_version == policies[("frqnt", "2022")]
    assert codes(verdict) == [("policy.version_applies", "ok"), ("journal.open_access", "ok"),
                              ("journal.licence_accepted", "ok"), ("journal.compliant", "ok")]
    assert verdict.steps[1]["params"]["journal"] == journal.title


def test_journal_route_fails_on_licence_then_the_deposit_is_missing_then_overdue(funds, policies, journal_factory,
                                                                                publication_factory):
    journal_factory()
    recent = publication_factory(issn="1932-6203", licence="CC-BY-NC-4.0", published_on=today() - datetime.timedelta(days=5))
    verdict = services.evaluate(recent, funds["frqnt"])
    assert verdict.verdict == "unknown"
    assert verdict.missing == ["deposit"]
    assert codes(verdict) == [
        ("policy.version_applies", "ok"), ("journal.open_access", "ok"), ("journal.licence_not_accepted", "fail"),
        ("repository.no_deposit", "missing"), ("rights_retention.no_deposit", "missing")]
    due = (today() + datetime.timedelta(days=25)).isoformat()  # immediate open access, plus 30 days of grace
    assert verdict.steps[3]["params"]["due"] == due
    with translation.override("fr"):
        assert services.reason_text(verdict.steps[3]).endswith(f"il est attendu au plus tard le {due}.")
    old = publication_factory(issn="1932-6203", licence="CC-BY-NC-4.0")  # 15 June 2023
    verdict = services.evaluate(old, funds["frqnt"])
    assert verdict.verdict == "not_compliant" and verdict.missing == []
    assert codes(verdict)[3:] == [("repository.deposit_overdue", "fail"), ("rights_retention.deposit_overdue", "fail")]
    assert verdict.steps[3]["params"] == {"deadline": "2023-06-15", "due": "2023-07-15", "grace": 30}
    with translation.override("fr"):
        text = services.reason_text(verdict.steps[3])
    assert "au plus tard le 2023-06-15" in text and "30 jours échu le 2023-07-15" in text
    with translation.override("en"):
        assert "2023-07-15" in services.reason_text(verdict.steps[4])
    assert services.reason_text({"code": "repository.no_deposit", "params": {}}).endswith("(déclaré ou moissonné).")


def test_the_grace_is_counted_in_days_after_the_deadline(settings, funds, policies, publication_factory):
    def verdict(days_ago):
        return services.evaluate(publication_factory(published_on=today() - datetime.timedelta(days=days_ago),
                                                     issn="0028-0836", licence="CC-BY-4.0"), funds["frqnt"]).verdict
    settings.OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS = 30
    assert verdict(30) == "unknown" and verdict(31) == "not_compliant"
    settings.OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS = 0
    assert verdict(0) == "unknown" and verdict(1) == "not_compliant"
    settings.OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS = -4  # a negative grace counts as none
    assert verdict(0) == "unknown" and verdict(1) == "not_compliant"


def test_journal_route_under_2019_accepts_any_licence(funds, policies, journal_factory, publication_factory):
    journal_factory()
    publication = publication_factory(issn="1932-6203", published_on=D(2020, 1, 10))
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "journal"
    assert codes(verdict) == [("policy.version_applies", "ok"), ("journal.open_access", "ok"),
                              ("journal.licence_any", "ok"), ("journal.compliant", "ok")]
    assert services.reason_text(verdict.steps[2]) == "Cette version de la politique accepte toute licence pour l'article."


def test_journal_not_in_registry_and_subscription_journal_fail(funds, policies, journal_factory, publication_factory):
    journal_factory(title="Revue sur abonnement", issn_electronic="0028-0836", is_open_access=False,
                    registry="", licences=[])
    unknown = publication_factory(issn="2049-3630", licence="CC-BY-4.0")
    subscription = publication_factory(issn="0028-0836", licence="CC-BY-4.0")
    assert codes(services.evaluate(unknown, funds["frqnt"]))[1] == ("journal.not_in_registry", "fail")
    assert codes(services.evaluate(subscription, funds["frqnt"]))[1] == ("journal.not_open_access", "fail")


def test_no_journal_no_deposit_is_unknown_with_what_is_missing(funds, policies, publication_factory):
    publication = publication_factory()
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "unknown"  # a journal could still make it compliant; the deposit is overdue
    assert verdict.missing == ["journal"]
    assert codes(verdict) == [("policy.version_applies", "ok"), ("journal.unknown", "missing"),
                              ("repository.deposit_overdue", "fail"), ("rights_retention.deposit_overdue", "fail")]
    recent = publication_factory(published_on=today())
    assert services.evaluate(recent, funds["frqnt"]).missing == ["journal", "deposit"]


def test_repository_route_passes_with_accepted_manuscript_at_publication(funds, policies, publication_factory):
    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/1",
                                      deposited_on=D(2023, 6, 15), deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "repository"
    assert codes(verdict) == [
        ("policy.version_applies", "ok"), ("journal.not_in_registry", "fail"), ("repository.copy", "ok"),
        ("repository.version_allowed", "ok"), ("repository.licence_accepted", "ok"),
        ("repository.open_in_time", "ok"), ("repository.publisher_policy_unknown", "ok"),
        ("repository.compliant", "ok")]


def test_repository_embargo_too_long_under_2022_but_not_2019(funds, policies, publication_factory):
    """A 2023 article, accepted manuscript opened 14 months later: not compliant under 2022 (14 > 0)."""
    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/2",
                                      deposited_on=D(2024, 8, 15), deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "not_compliant"
    failing = [step for step in verdict.steps if step["code"] == "repository.embargo_too_long"][0]
    assert failing["params"] == {"open_on": "2024-08-15", "deadline": "2023-06-15", "months": 14, "allowed": 0}
    assert ("rights_retention.embargo", "fail") in codes(verdict)
    assert "14" in services.reason_text(failing)
    # The same deposit for a 2021 article (2019 policy, 12 months): 14 > 12 fails, 12 passes.
    late = publication_factory(issn="0028-0836", published_on=D(2021, 6, 15), version_deposited="accepted",
                               repository_url="https://papyrus.example.org/handle/1866/3",
                               deposited_on=D(2022, 8, 15))
    verdict = services.evaluate(late, funds["frqnt"])
    assert verdict.verdict == "not_compliant" and verdict.policy_version == policies[("frqnt", "2019")]
    in_time = publication_factory(issn="0028-0836", published_on=D(2021, 6, 15), version_deposited="accepted",
                                  repository_url="https://papyrus.example.org/handle/1866/4",
                                  deposited_on=D(2022, 6, 15))
    verdict = services.evaluate(in_time, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "repository"
    assert ("repository.licence_any", "ok") in codes(verdict)  # 2019: any licence


def test_version_chosen_by_publication_date(funds, policies, publication_factory):
    before = publication_factory(published_on=D(2022, 3, 31))
    on = publication_factory(published_on=D(2022, 4, 1))
    assert services.evaluate(before, funds["frqs"]).policy_version == policies[("frqs", "2019")]
    step = services.evaluate(before, funds["frqs"]).steps[0]
    assert step["params"]["until"] == "2022-03-31" and step["params"]["effective_from"] == "2019-04-01"
    assert services.evaluate(on, funds["frqs"]).policy_version == policies[("frqs", "2022")]
    too_early = publication_factory(published_on=D(2019, 3, 31))
    verdict = services.evaluate(too_early, funds["frqs"])
    assert verdict.verdict == "unknown" and codes(verdict) == [("policy.no_version", "fail")]
    undated = publication_factory(published_on=None)
    verdict = services.evaluate(undated, funds["frqs"])
    assert verdict.verdict == "unknown" and verdict.missing == ["published_on"]
    assert codes(verdict) == [("policy.published_on_missing", "missing")]


def test_version_not_allowed_and_licence_not_accepted(funds, policies, publication_factory):
    submitted = publication_factory(issn="0028-0836", version_deposited="submitted",
                                    repository_url="https://arxiv.example.org/abs/1", deposited_on=D(2023, 6, 1),
                                    deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(submitted, funds["frqnt"])
    assert verdict.verdict == "not_compliant"
    assert codes(verdict)[2:] == [("repository.copy", "ok"), ("repository.version_not_allowed", "fail"),
                                  ("rights_retention.no_accepted_manuscript", "fail")]
    nc = publication_factory(issn="0028-0836", version_deposited="accepted",
                             repository_url="https://papyrus.example.org/handle/1866/5", deposited_on=D(2023, 6, 1),
                             deposit_licence="CC-BY-NC-4.0")
    verdict = services.evaluate(nc, funds["frqnt"])
    assert verdict.verdict == "not_compliant"
    assert ("repository.licence_not_accepted", "fail") in codes(verdict)
    assert ("rights_retention.licence_not_accepted", "fail") in codes(verdict)


def test_deposit_with_missing_data_is_unknown(funds, policies, publication_factory):
    publication = publication_factory(issn="0028-0836", repository_url="https://papyrus.example.org/handle/1866/6")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "unknown"
    assert verdict.missing == ["version_deposited", "deposit_licence", "deposit_open_on"]


def test_rights_retention_overrides_publisher_embargo(funds, policies, journal_factory, publication_factory):
    journal = journal_factory(title="Revue sur abonnement", issn_electronic="0028-0836", is_open_access=False,
                              registry="", licences=[], publisher="Grand Éditeur")
    ArchivingPolicy.objects.create(journal=journal, version="accepted", locations=["institutional_repository"],
                                   embargo_months=12)
    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/7",
                                      deposited_on=D(2023, 6, 15), deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "rights_retention"
    assert codes(verdict) == [
        ("policy.version_applies", "ok"), ("journal.not_open_access", "fail"),
        ("repository.copy", "ok"), ("repository.version_allowed", "ok"), ("repository.licence_accepted", "ok"),
        ("repository.open_in_time", "ok"), ("repository.publisher_disallows", "fail"),
        ("repository.copy", "ok"), ("rights_retention.licence_accepted", "ok"),
        ("rights_retention.open_at_publication", "ok"), ("rights_retention.publisher_overridden", "ok"),
        ("rights_retention.compliant", "ok")]
    overridden = verdict.steps[-2]
    assert "12" in services.reason_text(overridden)
    # Under 2019 (no rights-retention route) the same publisher policy makes it fail.
    old = publication_factory(issn="0028-0836", published_on=D(2021, 6, 15), version_deposited="accepted",
                              repository_url="https://papyrus.example.org/handle/1866/8", deposited_on=D(2021, 7, 1))
    assert services.evaluate(old, funds["frqnt"]).verdict == "compliant"  # 12 months allowed: publisher allows
    late = publication_factory(issn="0028-0836", published_on=D(2021, 6, 15), version_deposited="published",
                               repository_url="https://papyrus.example.org/handle/1866/9", deposited_on=D(2021, 7, 1))
    verdict = services.evaluate(late, funds["frqnt"])
    assert verdict.verdict == "not_compliant"
    assert codes(verdict)[-1] == ("repository.publisher_disallows", "fail")


def test_rights_retention_fails_with_embargo(funds, policies, publication_factory):
    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/10",
                                      deposited_on=D(2023, 6, 1), deposit_open_on=D(2023, 7, 1),
                                      deposit_licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "not_compliant"
    assert codes(verdict)[-1] == ("rights_retention.embargo", "fail")


def test_hybrid_route_when_enabled(funds, policies, journal_factory, publication_factory):
    version = policies[("frqsc", "2022")]
    version.routes = {"journal": {}, "hybrid": {"transformative_only": True}}
    version.save()
    journal = journal_factory(title="Revue hybride", issn_electronic="0028-0836", is_open_access=False,
                              registry="", licences=[])
    publication = publication_factory(fund="frqsc", issn="0028-0836", licence="CC-BY-4.0")
    verdict = services.evaluate(publication, funds["frqsc"])
    assert verdict.verdict == "not_compliant"
    assert codes(verdict)[-1] == ("hybrid.not_transformative", "fail")
    journal.transformative = True
    journal.save()
    verdict = services.evaluate(publication, funds["frqsc"])
    assert verdict.verdict == "compliant" and verdict.route == "hybrid"
    assert codes(verdict)[-3:] == [("hybrid.transformative", "ok"), ("hybrid.licence_accepted", "ok"),
                                   ("hybrid.compliant", "ok")]
    no_licence = publication_factory(fund="frqsc", issn="0028-0836")
    verdict = services.evaluate(no_licence, funds["frqsc"])
    assert verdict.verdict == "unknown" and verdict.missing == ["licence"]


def test_harvested_deposit_counts(funds, policies, publication_factory):
    source = RepositorySource.objects.create(slug="papyrus", name="Papyrus", base_url="https://papyrus.example.org/oai")
    publication = publication_factory(issn="0028-0836")
    Deposit.objects.create(source=source, identifier="oai:papyrus:1", title=publication.title, version="accepted",
                           licence="CC-BY-4.0", url="https://papyrus.example.org/handle/1866/11",
                           datestamp=datetime.datetime(2023, 6, 10, tzinfo=datetime.UTC), publication=publication)
    Deposit.objects.create(source=source, identifier="oai:papyrus:2", title=publication.title, version="accepted",
                           licence="CC-BY-4.0", url="https://papyrus.example.org/handle/1866/12", deleted=True,
                           datestamp=datetime.datetime(2023, 6, 10, tzinfo=datetime.UTC), publication=publication)
    verdict = services.evaluate(publication, funds["frqnt"])
    assert verdict.verdict == "compliant" and verdict.route == "repository"
    assert verdict.steps[2]["params"]["kind"] == "harvested"
    stored = services.publication_recompute(publication)
    assert stored.compliance == "compliant" and stored.oa_status == "green"
    funding = Funding.objects.get(publication=publication)
    assert funding.verdict == "compliant" and funding.route == "repository"
    assert funding.policy_version == policies[("frqnt", "2022")] and funding.checked_at is not None
    assert funding.reasons == verdict.steps
