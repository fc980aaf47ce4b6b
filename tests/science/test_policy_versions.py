"""Funds and policy versions: validation, permissions, audit, and verdicts recomputed when they change."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Funding, PolicyVersion

pytestmark = pytest.mark.django_db

D = datetime.date


def version_data(**overrides):
    data = {"code": "2025", "title_fr": "Politique révisée", "effective_from": "2025-01-01",
            "max_embargo_months": 0, "licences": "CC BY 4.0; CC0",
            "routes": {"journal": {}, "repository": {"versions": ["accepted"]}}}
    data.update(overrides)
    return data


def test_policy_current_by_date(funds, policies):
    fund = funds["frqnt"]
    assert services.policy_current(fund, D(2022, 3, 31)) == policies[("frqnt", "2019")]
    assert services.policy_current(fund, D(2022, 4, 1)) == policies[("frqnt", "2022")]
    assert services.policy_current(fund, D(2019, 3, 31)) is None
    assert services.policy_current(fund) == policies[("frqnt", "2022")]
    assert [f.slug for f in services.fund_list()] == ["frqnt", "frqs", "frqsc"]


def test_create_validates_and_audits(funds, policies, fund_staff):
    version = services.policy_version_create(actor=fund_staff, fund=funds["frqs"], data=version_data())
    assert version.licences == ["CC-BY-4.0", "CC0-1.0"]
    assert version.routes == {"journal": {}, "repository": {"versions": ["accepted"]}}
    entry = AuditEntry.objects.filter(action="science.policy.create").get()
    assert entry.data["code"] == "2025" and entry.data["fund"] == "frqs"


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"routes": {"green_light": {}}}, "routes", "green_light"),
    ({"routes": {"repository": {"embargo": 3}}}, "routes", "embargo"),
    ({"routes": {"repository": {"versions": ["draft"]}}}, "routes", "versions"),
    ({"routes": {"hybrid": {"transformative_only": "yes"}}}, "routes", "transformative_only"),
    ({"routes": ["journal"]}, "routes", "objet"),
    ({"licences": "CC BY; tous droits réservés"}, "licences", "tous droits réservés"),
    ({"effective_from": "2022-04-01"}, "effective_from", "2022-04-01"),
    ({"code": "2019"}, "code", "2019"),
    ({"effective_from": "1er avril"}, "effective_from", "AAAA-MM-JJ"),
    ({"max_embargo_months": "-1"}, "max_embargo_months", "0 à 120"),
    ({"title_fr": "<b>\x00</b>"}, "title_fr", "contrôle"),
    ({"routes": {"rights_retention": {}}}, "rights_retention_fr", "formule"),
])
def test_create_refuses_bad_input(funds, policies, fund_staff, overrides, field, text):
    with pytest.raises(ValidationError) as exc:
        services.policy_version_create(actor=fund_staff, fund=funds["frqnt"], data=version_data(**overrides))
    assert field in exc.value.message_dict
    assert any(text in message for message in exc.value.message_dict[field])
    assert PolicyVersion.objects.filter(fund=funds["frqnt"]).count() == 2


def test_only_managers_write(funds, policies, researcher, stranger, institution_staff):
    version = policies[("frqnt", "2022")]
    for person in (researcher, stranger, institution_staff, None):
        with pytest.raises(PermissionDenied):
            services.policy_version_create(actor=person, fund=funds["frqnt"], data=version_data())
        with pytest.raises(PermissionDenied):
            services.policy_version_update(actor=person, version=version, data={"max_embargo_months": 6})
        with pytest.raises(PermissionDenied):
            services.policy_version_delete(actor=person, version=version)
        with pytest.raises(PermissionDenied):
            services.fund_create(actor=person, data={"acronym": "X", "name_fr": "X"})
    version.refresh_from_db()
    assert version.max_embargo_months == 0


def test_changing_a_version_flips_verdicts_and_is_audited(funds, policies, fund_staff, publication_factory):
    """An accepted manuscript opened 6 months after publication: not compliant under the 2022 version
    (immediate), compliant once the version allows 6 months."""
    publication = publication_factory(issn="0028-0836", version_deposited="accepted",
                                      repository_url="https://papyrus.example.org/handle/1866/20",
                                      deposited_on=D(2023, 12, 15), deposit_licence="CC-BY-4.0")
    services.publication_recompute(publication)
    funding = Funding.objects.get(publication=publication)
    assert funding.verdict == "not_compliant"
    services.policy_version_update(actor=fund_staff, version=policies[("frqnt", "2022")],
                                   data={"max_embargo_months": 6})
    funding.refresh_from_db()
    publication.refresh_from_db()
    assert funding.verdict == "compliant" and funding.route == "repository"
    assert publication.compliance == "compliant"
    run = AuditEntry.objects.filter(action="science.verdicts.recompute").order_by("-seq").first()
    assert run.data["reason"] == "policy.update" and run.data["publications"] == 1 and run.data["changed"] == 1
    assert AuditEntry.objects.filter(action="science.policy.update").get().data["changed"] == ["max_embargo_months"]


def test_a_new_version_takes_over_its_dates_and_deleting_it_gives_them_back(funds, policies, fund_staff,
                                                                                 publication_factory):
    publication = publication_factory(published_on=D(2025, 3, 1))
    services.publication_recompute(publication)
    funding = Funding.objects.get(publication=publication)
    assert funding.policy_version == policies[("frqnt", "2022")]
    version = services.policy_version_create(actor=fund_staff, fund=funds["frqnt"], data=version_data())
    funding.refresh_from_db()
    assert funding.policy_version == version
    assert services.policy_version_delete(actor=fund_staff, version=version) == 1
    funding.refresh_from_db()
    assert funding.policy_version == policies[("frqnt", "2022")]
    assert AuditEntry.objects.filter(action="science.policy.delete").get().data["fundings"] == 1


def test_fund_delete_refused_while_it_funds(funds, policies, fund_staff, publication_factory):
    publication_factory(fund="frqs")
    with pytest.raises(ValidationError):
        services.fund_delete(actor=fund_staff, fund=funds["frqs"])
    fund = services.fund_create(actor=fund_staff, data={"acronym": "FRQ-X", "name_fr": "Fonds d'essai"})
    assert fund.slug == "frq-x"
    services.fund_update(actor=fund_staff, fund=fund, data={"name_en": "Test fund"})
    services.fund_delete(actor=fund_staff, fund=fund)
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="science.fund.").order_by("seq")] == [
        "science.fund.create", "science.fund.update", "science.fund.delete"]
