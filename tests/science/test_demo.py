"""The science module's demo content (``ouvert.science.demo``): it loads on an empty database (with only the
SCT, owner of the platform's open data, which the plan's demo makes), a second load changes nothing, and what
it loads shows what the module does — each verdict and route, both policy versions, a harvested run with
matches by DOI and by title, an unmatched and a deleted deposit, a withdrawn publication announced as a deleted
OAI-PMH record, a reminder, the FAQ in both languages, past webinars with attendance and recordings, a full one
with a waiting list, and the open dataset in the catalogue."""

import datetime

import pytest
from django.core import mail
from django.db.models import Count

from ouvert.core.models import AuditEntry, Organisation
from ouvert.science import demo, identifiers, services
from ouvert.science.models import (
    ArchivingPolicy,
    Deposit,
    FaqEntry,
    Fund,
    Funding,
    HarvestRun,
    Journal,
    PolicyVersion,
    Publication,
    Registration,
    Reminder,
    RepositorySource,
    Webinar,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        "funds": Fund.objects.count(), "versions": PolicyVersion.objects.count(), "journals": Journal.objects.count(),
        "archiving": ArchivingPolicy.objects.count(), "publications": Publication.objects.count(),
        "fundings": Funding.objects.count(), "deposits": Deposit.objects.count(), "runs": HarvestRun.objects.count(),
        "reminders": Reminder.objects.count(), "faq": FaqEntry.objects.count(), "webinars": Webinar.objects.count(),
        "registrations": Registration.objects.count(), "audit": AuditEntry.objects.count(),
        "verdicts": tuple(Funding.objects.values_list("publication__doi", "verdict", "route").order_by("pk")),
    }


@pytest.fixture
def loaded(make_org):
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")
    created = demo.load()
    assert created == len(demo.PUBLICATIONS) + len(demo.IMPORTED)
    return created


def test_it_loads_then_a_second_load_changes_nothing(loaded, capsys):
    before = _counts()
    assert before["funds"] == 3 and before["versions"] == 6
    assert before["journals"] == 28 and before["archiving"] == 9
    assert before["publications"] == 40 and before["faq"] == 12 and before["webinars"] == 4
    assert demo.loaded()
    from ouvert.core import services as core_services

    for email, _name in demo.PEOPLE:
        assert core_services.user_get_by_email(email=email).check_password(demo.DEMO_PASSWORD)
    assert core_services.user_get_by_email(email=demo.ADMIN).is_superuser
    assert services.is_science_manager(core_services.user_get_by_email(email=demo.FRQ_STAFF))
    assert list(services.staff_institutions(core_services.user_get_by_email(email=demo.LIBRARY))
                .values_list("slug", flat=True)) == ["udem"]

    class Out:
        text = ""

        def write(self, value):
            Out.text += value

    assert demo.load(stdout=Out()) == 0
    assert "déjà chargée" in Out.text
    assert _counts() == before


def test_a_load_interrupted_resumes_with_what_is_missing(make_org):
    make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor", acronym="SCT")
    demo.load()
    complete = _counts()
    # As if the run had stopped before the webinars and the FAQ.
    Webinar.objects.filter(slug=demo.WEBINARS[-1]["slug"]).delete()
    FaqEntry.objects.filter(slug=demo.FAQ[-1][1]).delete()
    assert not demo.loaded()
    assert demo.load() == 0
    again = _counts()
    assert {k: again[k] for k in ("publications", "deposits", "faq", "webinars", "verdicts")} == \
        {k: complete[k] for k in ("publications", "deposits", "faq", "webinars", "verdicts")}
    assert demo.loaded()


def test_everything_is_marked_demo_and_identifiers_are_valid(loaded):
    for model in (Fund, PolicyVersion, Journal, ArchivingPolicy, Publication, FaqEntry, Webinar, RepositorySource):
        assert not model.objects.filter(is_demo=False).exists(), model
    universities = Organisation.objects.filter(kind="university")
    assert sorted(universities.filter(is_demo=True).values_list("slug", flat=True)) == ["mcgill", "udem", "ulaval", "uqam"]
    assert set(Fund.objects.values_list("organisation__slug", flat=True)) == {"frq"}
    for journal in Journal.objects.all():
        for issn in journal.issns:
            assert identifiers.issn_normalize(issn) == issn
    for publication in Publication.objects.prefetch_related("authors"):
        assert publication.doi is None or publication.doi.startswith("10.5555/")
        for author in publication.authors.all():
            assert not author.orcid or identifiers.orcid_normalize(author.orcid) == author.orcid
            assert not author.email or author.email.endswith("@demo.ouvert.local")
    assert {p.source for p in Publication.objects.all()} == {"form", "csv"}


def test_every_verdict_and_route_on_both_policy_versions(loaded):
    fundings = Funding.objects.filter(publication__withdrawn_at=None).select_related("policy_version", "publication")
    pairs = {(f.policy_version.code if f.policy_version else None, f.verdict) for f in fundings}
    for pair in [("2019", "compliant"), ("2019", "not_compliant"), ("2019", "unknown"),
                 ("2022", "compliant"), ("2022", "not_compliant"), ("2022", "unknown")]:
        assert pair in pairs, pair
    routes = set(fundings.filter(verdict="compliant").values_list("route", flat=True))
    assert routes == {"journal", "repository", "rights_retention"}

    def verdict(n, fund=None):
        funding = Funding.objects.select_related("policy_version").get(
            publication__doi=demo.doi(n), **({"fund__slug": fund} if fund else {}))
        return funding.policy_version.code if funding.policy_version else None, funding.verdict, funding.route

    assert verdict(11) == ("2022", "compliant", "journal")  # PLOS ONE, CC BY
    assert verdict(19) == ("2022", "compliant", "repository")  # accepted manuscript at once, CC BY
    assert verdict(21) == ("2022", "compliant", "rights_retention")  # The Lancet, Elsevier asks 12 months
    assert verdict(5) == ("2019", "compliant", "repository")  # ten months later, 2019 …
    assert verdict(25) == ("2022", "not_compliant", "")  # … and under 2022
    assert verdict(6) == ("2019", "not_compliant", "")  # fourteen months later
    assert verdict(23) == ("2022", "not_compliant", "")  # CC BY-NC-ND
    assert verdict(4) == ("2019", "compliant", "journal")  # CC BY-NC was fine in 2019 …
    assert verdict(24) == ("2022", "not_compliant", "")  # … not in 2022
    assert verdict(27)[1] == "unknown"  # no publication date
    assert "published_on" in Funding.objects.get(publication__doi=demo.doi(27)).missing
    assert verdict(28) == ("2022", "unknown", "")  # no licence
    assert "licence" in Funding.objects.get(publication__doi=demo.doi(28)).missing
    assert verdict(16, "frqs")[1] == verdict(16, "frqsc")[1] == "compliant"  # two funds
    # No deposit known: missing until the deadline plus the grace, then overdue.
    assert verdict(35) == ("2022", "unknown", "")  # published twelve days ago
    assert Funding.objects.get(publication__doi=demo.doi(35)).missing == ["deposit"]
    assert verdict(7) == ("2019", "not_compliant", "")  # twelve months and the grace long past
    assert "repository.deposit_overdue" in [step["code"] for step in Funding.objects.get(publication__doi=demo.doi(7)).reasons]
    assert verdict(10) == ("2019", "unknown", "")  # a deposit declared without its version
    assert Funding.objects.get(publication__doi=demo.doi(10)).missing == ["version_deposited"]
    # The competition's launch chooses the version: published after 1 July 2022, judged under 2019.
    publication = Publication.objects.get(doi=demo.doi(5))
    assert publication.published_on > datetime.date(2022, 7, 1)
    assert any(step["code"] == "policy.version_by_competition" for step in publication.fundings.get().reasons)


def test_the_harvested_repository(loaded):
    source = RepositorySource.objects.get(slug="papyrus-demo")
    assert not source.is_active and source.organisation.slug == "udem"
    run = HarvestRun.objects.get(source=source)
    assert (run.status, run.pages, run.records, run.deleted, run.matched) == ("done", 1, 9, 1, 7)
    deposits = Deposit.objects.filter(source=source)
    assert dict(deposits.values_list("matched_by").annotate(n=Count("pk"))) == {"doi": 6, "title": 1, "": 2}
    by_title = deposits.get(matched_by="title")
    assert by_title.publication.doi is None and by_title.embargo_until == datetime.date(2023, 5, 2)
    assert deposits.filter(deleted=True).count() == 1
    assert deposits.filter(deleted=False, publication=None).count() == 1  # a thesis, not in the registry
    # The harvested copies changed the verdicts: unknown when declared, decided once harvested.
    assert Funding.objects.get(publication__doi=demo.doi(29)).route == "repository"
    assert Funding.objects.get(publication__doi=demo.doi(31)).route == "rights_retention"
    assert Funding.objects.get(publication=by_title.publication).route == "repository"
    embargoed = Funding.objects.get(publication__doi=demo.doi(32))
    assert embargoed.verdict == "not_compliant"
    assert any(step["code"] == "rights_retention.embargo" for step in embargoed.reasons)
    assert AuditEntry.objects.filter(action="science.harvest.run", target_id=str(source.pk)).count() == 1


def test_the_withdrawn_publication_is_a_deleted_oai_record(loaded):
    withdrawn = Publication.objects.get(doi=demo.doi(demo.WITHDRAWN))
    assert withdrawn.withdrawn_at is not None and "double" in withdrawn.withdrawn_reason
    body = services.oai_respond({"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                 "identifier": services.oai_identifier(withdrawn)},
                                base_url="https://ouvert.example.org/oai").decode()
    assert 'status="deleted"' in body
    assert AuditEntry.objects.filter(action="science.publication.withdraw").count() == 1
    found = services.publication_search(q="Vaccine hesitancy")["queryset"]
    assert [p.doi for p in found] == ["10.5555/frq-demo.18"]  # the withdrawn duplicate is out of the search


def test_the_reminder_the_faq_and_the_open_data(loaded):
    reminder = Reminder.objects.select_related("publication", "sent_by").get()
    assert reminder.publication.doi == demo.doi(demo.REMINDED)
    assert reminder.email == "priya.raman@demo.ouvert.local" and reminder.sent_by.email == demo.FRQ_STAFF
    assert any(m.to == ["priya.raman@demo.ouvert.local"] and "Libre accès" in m.subject for m in mail.outbox)
    entries = FaqEntry.objects.all()
    assert entries.values("category_fr").distinct().count() == 4
    assert all(e.question_en and e.answer_en and e.category_en for e in entries)
    assert services.faq_search("rétention")  # the search index knows them
    from ouvert.catalog.models import Dataset

    dataset = Dataset.objects.get(name="registre-publications-financees-frq")
    assert dataset.resources.count() == 3


def test_the_webinars(loaded):
    now = datetime.datetime.now(datetime.UTC)
    past = Webinar.objects.filter(ends_at__lt=now)
    upcoming = Webinar.objects.filter(starts_at__gt=now)
    assert past.count() == 2 and upcoming.count() == 2
    for webinar in past:
        assert webinar.recording_url and webinar.slides_url
        assert not Registration.objects.filter(webinar=webinar, status="confirmed", attended=None).exists()
        assert webinar.speakers.exclude(affiliation="").exists()
    assert Registration.objects.filter(webinar__slug="politique-revisee-ce-qui-change", attended=False).count() == 1
    full = Webinar.objects.get(capacity=3)
    statuses = list(full.registrations.order_by("created_at", "pk").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "confirmed", "waiting"]
    assert services.seats(full)["left"] == 0
    assert {w.language for w in Webinar.objects.all()} == {"fr", "en"}
