"""The market's demo content (``ouvert demo``): six opportunities of the SCT, each at its point of the life of an
opportunity, all made through the services with a moved clock — so the audit log verifies, every OCDS release
passes libcoveocds, the sealed proposals stay sealed, the demo people can carry on where the demo stops, and a
second run changes nothing."""

import datetime
import io
import json
import re

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Membership, Organisation
from ouvert.market import delivery, demo, evaluation, opportunities, proposals
from ouvert.market.models import (
    Addendum,
    Contract,
    Evaluator,
    Opportunity,
    Proposal,
    Question,
    Release,
    Score,
    Submission,
    Supplier,
)

try:
    from .ocds_validate import assert_valid, wrap
except ImportError:  # pragma: no cover - run as a rootdir-less module
    from ocds_validate import assert_valid, wrap

pytestmark = pytest.mark.django_db

API = "/api/v1/market"
MONTREAL = demo.MONTREAL
CKAN, RDV, DASHBOARD, PUBLICCODE, FORMS, LIBRARIES = demo.TITLES
SUPPLIER_NAMES = ("Logilibre", "Pousse numérique", "Atelier Boréal")


@pytest.fixture
def sct():
    """The plan's public bodies (the SCT among them), as the plan's demo makes them before the market's."""
    from ouvert.plan.demo import load_plan_data

    load_plan_data()
    return core_services.organisation_get(slug="sct")


@pytest.fixture
def loaded(sct):
    out = io.StringIO()
    assert demo.load(out) == 6
    return out.getvalue()


def _opp(title) -> Opportunity:
    return Opportunity.objects.select_related("buyer").get(is_demo=True, title_fr=title)


def _user(email):
    return core_services.user_get_by_email(email=email)


def _supplier(key) -> Supplier:
    return Supplier.objects.select_related("organisation").get(neq=demo.SUPPLIERS[key]["neq"])


def _days_from_now(instant) -> float:
    return (instant - timezone.now()).total_seconds() / 86400


def _json(response):
    return json.loads(_body(response))


#: What differs between two answers of the same page (the CSRF token, the CSP nonce).
VOLATILE = re.compile(r"csrfmiddlewaretoken\" value=\"[^\"]+\"|nonce=\"[^\"]+\"")


def _body(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return VOLATILE.sub("", body.decode())


def _state() -> dict:
    """Every table's row count (as the command-line test counts them), and the audit chain's head."""
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()
              if m._meta.app_label not in {"sessions", "django_tasks_database", "admin"}}
    counts["audit head"] = AuditEntry.objects.order_by("-seq").values_list("entry_hash", flat=True).first()
    return counts


# --- What the loader makes ----------------------------------------------------------------------------

def test_the_accounts_the_suppliers_and_the_summary(loaded, sct, client):
    assert re.search(r"marchés : 6 opportunité\(s\) de démonstration chargée\(s\) \(6 en tout\), 3 fournisseurs, "
                     r"19 publications OCDS", loaded)
    assert "soumission" not in loaded and "proposition" not in loaded  # sealed: not even counted
    roles = {email: role for email, _name, role in demo.BUYER_PEOPLE}
    for email, role in roles.items():
        assert Membership.objects.get(user=_user(email), organisation=sct).role == role
        assert client.login(email=email, password="demo-ouvert-2021")
        client.logout()
    for key, spec in demo.SUPPLIERS.items():
        supplier = _supplier(key)
        assert supplier.is_demo and supplier.organisation.is_demo
        assert supplier.legal_name == spec["legal_name"] and re.fullmatch(r"\d{10}", supplier.neq)
        owner = _user(spec["email"])
        assert Membership.objects.get(user=owner, organisation=supplier.organisation).role == Membership.Role.ADMIN
        assert client.login(email=spec["email"], password="demo-ouvert-2021")
        client.logout()
    assert _supplier("pousse").is_startup and _supplier("logilibre").is_sme and _supplier("boreal").is_sme
    assert not Organisation.objects.get(slug="sct").is_demo  # the real body stays a real body
    assert set(Opportunity.objects.filter(is_demo=True).values_list("title_fr", flat=True)) == set(demo.TITLES)
    for opportunity in Opportunity.objects.filter(is_demo=True).prefetch_related("criteria", "skills"):
        assert opportunity.buyer_id == sct.pk
        assert opportunity.title_en and opportunity.teaser_fr and opportunity.teaser_en
        assert opportunity.description_fr.startswith("##") and opportunity.description_en
        assert sum(c.weight for c in opportunity.criteria.all()) == 100 and opportunity.criteria.count() == 3
        assert opportunity.skills.exists()
        assert opportunity.repository_url.startswith("https://git.demo.ouvert.local/sct/")


def test_opportunity_1_is_awarded_delivered_and_paid(loaded):
    opportunity = _opp(CKAN)
    assert opportunity.status == Opportunity.Status.AWARDED
    assert 85 <= -_days_from_now(opportunity.awarded_at) <= 95
    assert opportunity.published_at < opportunity.deadline < opportunity.closed_at < opportunity.awarded_at
    contract = Contract.objects.select_related("proposal__supplier").get(opportunity=opportunity)
    assert contract.proposal.supplier == _supplier("logilibre")
    assert contract.status == Contract.Status.ACCEPTED and contract.payment_status == Contract.Payment.PAID
    assert [d.decision for d in delivery.deliveries_of(contract)] == ["corrections", "accepted"]
    components = [c for c in delivery.components_list() if c["reference"] == opportunity.reference]
    assert components and components[0]["licence"] == "LiLiQ-R-1.1"
    tags = [r.tags for r in Release.objects.filter(opportunity=opportunity).order_by("date", "id")]
    assert tags[:3] == [["tender"], ["tenderUpdate"], ["award", "contract"]]
    assert tags[3:] == [["implementation"]] * 6  # two deliveries, two decisions, approved, paid


def test_opportunity_2_waits_for_the_second_evaluator(loaded):
    opportunity = _opp(RDV)
    assert opportunity.status == Opportunity.Status.EVALUATION
    assert 4.3 <= -_days_from_now(opportunity.deadline) <= 6
    current = Submission.objects.filter(proposal__opportunity=opportunity, superseded_at__isnull=True,
                                        withdrawn_at__isnull=True)
    assert sorted(current.values_list("proposal__supplier__neq", flat=True)) == ["9000000011", "9000000022",
                                                                                  "9000000033"]
    pousse = Proposal.objects.get(opportunity=opportunity, supplier=_supplier("pousse"))
    assert [(s.version, bool(s.withdrawn_at)) for s in pousse.submissions.order_by("version")] == [(1, True), (2, False)]
    chair = Evaluator.objects.get(opportunity=opportunity, user=_user(demo.EVALUATRICE))
    other = Evaluator.objects.get(opportunity=opportunity, user=_user(demo.EVALUATEUR))
    assert chair.is_chair and not other.is_chair
    assert chair.may_read and other.may_read
    submitted = Score.objects.filter(proposal__opportunity=opportunity, submitted_at__isnull=False)
    assert submitted.filter(evaluator=chair).count() == 3 * 3
    assert not submitted.filter(evaluator=other).exists()
    assert not Score.objects.filter(proposal__opportunity=opportunity, evaluator__isnull=True).exists()


def test_the_demo_evaluator_carries_on_to_the_award(loaded):
    """Where the demo stops, its people go on: the second evaluator scores, the chair records the consensus, the
    SCT's admin awards."""
    opportunity = _opp(RDV)
    member, chair = _user(demo.EVALUATEUR), _user(demo.EVALUATRICE)
    rows = evaluation.evaluation_proposals(opportunity=opportunity, user=member)
    assert len(rows) == 3 and not any(r["mine_submitted"] for r in rows)
    keys = {spec["neq"]: key for key, spec in demo.SUPPLIERS.items()}
    for row in rows:
        proposal = row["proposal"]
        evaluation.scores_submit(user=member, proposal=proposal,
                                 scores=demo._scores(opportunity, keys[proposal.supplier.neq], "-1"))
    for row in rows:
        proposal = Proposal.objects.select_related("opportunity", "supplier").get(pk=row["proposal"].pk)
        evaluation.consensus_record(actor=chair, proposal=proposal,
                                    scores=demo._scores(opportunity, keys[proposal.supplier.neq], "-0.5"))
    ranked = evaluation.ranking(opportunity=opportunity, user=_user(demo.DIRECTION))
    assert ranked["can_award"]
    contract = evaluation.award(actor=_user(demo.DIRECTION), opportunity=opportunity,
                                proposal_id=ranked["rows"][0]["proposal"].pk)
    assert contract.proposal.supplier == _supplier("logilibre")


def test_opportunity_3_is_open_with_its_addenda_and_sealed_proposals(loaded):
    opportunity = _opp(DASHBOARD)
    assert opportunity.status == Opportunity.Status.PUBLISHED and opportunity.is_open()
    assert 9 <= -_days_from_now(opportunity.published_at) <= 11
    assert 19 <= _days_from_now(opportunity.deadline) <= 21
    addenda = list(opportunity.addenda.order_by("number"))
    assert [a.kind for a in addenda] == [Addendum.Kind.NOTICE, Addendum.Kind.ANSWER, Addendum.Kind.DEADLINE]
    extension = addenda[2]
    assert extension.previous_deadline < extension.new_deadline == opportunity.deadline
    assert "Boréal" not in addenda[1].body_fr  # the answer never names the asker
    assert sorted(Question.objects.filter(opportunity=opportunity).values_list("status", flat=True)) == [
        "answered", "declined"]
    pousse = Proposal.objects.get(opportunity=opportunity, supplier=_supplier("pousse"))
    logilibre = Proposal.objects.get(opportunity=opportunity, supplier=_supplier("logilibre"))
    assert pousse.status == Proposal.Status.SUBMITTED and pousse.submissions.count() == 1
    assert logilibre.status == Proposal.Status.DRAFT and not logilibre.submissions.exists()
    # Sealed: the buyer's admin cannot open them, nor list them; the supplier reads its own draft only.
    with pytest.raises(PermissionDenied):
        proposals.proposal_open(pousse, _user(demo.DIRECTION))
    assert not proposals.proposals_opened(opportunity, _user(demo.DIRECTION))
    draft = proposals.proposal_draft(logilibre, _user(demo.SUPPLIERS["logilibre"]["email"]))
    assert draft["content"]["summary"].startswith("Logilibre") and not draft["content"]["team"]
    assert all(not r.data.get("tender", {}).get("tenderers") and "numberOfTenderers" not in r.data.get("tender", {})
               for r in Release.objects.filter(opportunity=opportunity))


def test_opportunities_4_5_6(loaded):
    publiccode = _opp(PUBLICCODE)
    assert publiccode.status == Opportunity.Status.PUBLISHED and not publiccode.addenda.exists()
    assert publiccode.published_at.astimezone(MONTREAL).date() == timezone.now().astimezone(MONTREAL).date()
    assert 29 <= _days_from_now(publiccode.deadline) <= 31
    forms = _opp(FORMS)
    assert forms.status == Opportunity.Status.CANCELLED and forms.status_reason.startswith("Le besoin")
    assert [a.kind for a in forms.addenda.order_by("number")] == [Addendum.Kind.NOTICE, Addendum.Kind.STATUS]
    assert forms.published_at < forms.addenda.get(number=1).published_at < forms.cancelled_at
    assert Release.objects.filter(opportunity=forms).order_by("-date", "-id").first().tags == ["tenderCancellation"]
    libraries = _opp(LIBRARIES)
    assert libraries.status == Opportunity.Status.REVIEW and libraries.published_at is None
    assert not Release.objects.filter(opportunity=libraries).exists()
    # The SCT's admin finds it in the review queue and may publish it.
    direction = _user(demo.DIRECTION)
    assert libraries in opportunities.review_queue(user=direction)
    assert opportunities.opportunity_publish(actor=direction, opportunity=libraries).status == "published"


# --- Sealed, audited, valid ------------------------------------------------------------------------------

def test_opportunity_3_public_page_and_api_tell_nothing_of_its_proposals(loaded, client, time_machine):
    """Before the deadline the public page and API are the same whether the proposals are there or not: withdrawing
    Pousse's submission (the only one) changes neither, and no supplier's name appears."""
    time_machine.move_to(timezone.now(), tick=False)
    opportunity = _opp(DASHBOARD)
    page_url = f"/fr/marches/{opportunity.reference}/"
    urls = [page_url, f"{API}/opportunities/{opportunity.reference}", f"{API}/opportunities",
            f"{API}/ocds/{opportunity.reference}/releases.json", f"{API}/ocds/{opportunity.reference}/record.json"]
    before = [client.get(url) for url in urls]
    assert all(r.status_code == 200 for r in before), [r.status_code for r in before]
    page = before[0].content.decode()
    assert "donnée de démonstration" in page
    for name in SUPPLIER_NAMES:
        assert all(name not in _body(r) for r in before)
    detail = before[1].json()
    assert detail["is_demo"] is True and not any("propos" in key or "tender" in key for key in detail)
    pousse = Proposal.objects.select_related("supplier", "opportunity").get(opportunity=opportunity,
                                                                              supplier=_supplier("pousse"))
    proposals.proposal_withdraw(proposal=pousse, user=_user(demo.SUPPLIERS["pousse"]["email"]))
    after = [client.get(url) for url in urls]
    assert [_body(r) for r in after] == [_body(r) for r in before]


def test_the_audit_log_verifies_and_every_release_passes_libcoveocds(loaded, client):
    report = core_services.audit_verify()
    assert report.ok, (report.reason, report.problems)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    for action in ("market.opportunities.publish", "market.proposals.submit", "market.proposals.withdraw",
                   "market.evaluation.award", "market.delivery.payment", "market.opportunities.cancel"):
        assert action in actions
    releases = [r.data for r in Release.objects.filter(opportunity__is_demo=True).order_by("date", "id")]
    assert len(releases) >= 18
    assert_valid(wrap(*releases))
    assert_valid(_json(client.get(f"{API}/ocds/releases.json")))
    assert_valid(_json(client.get(f"{API}/ocds/records.json")), record_pkg=True)
    # The past was played on the clock: each opportunity's releases are dated in the order of their events.
    for opportunity in Opportunity.objects.filter(is_demo=True):
        dates = list(Release.objects.filter(opportunity=opportunity).order_by("id").values_list("date", flat=True))
        assert dates == sorted(dates)
    assert Release.objects.filter(opportunity__is_demo=True).order_by("date").first().date < (
        timezone.now() - datetime.timedelta(days=100))


def test_the_badges_and_the_api_flag(loaded, client, opportunity_factory):
    real = opportunity_factory(title_fr="Une opportunité réelle")
    listing = client.get("/fr/marches/").content.decode()
    assert listing.count("donnée de démonstration") == 5  # opportunities 1 to 5 (the 6th is under review)
    rows = {row["title_fr"]: row["is_demo"] for row in client.get(f"{API}/opportunities?per_page=100").json()["results"]}
    assert rows[real.title_fr] is False and rows[CKAN] is True
    assert "donnée de démonstration" not in client.get(f"/fr/marches/{real.reference}/").content.decode()
    client.force_login(_user(demo.SUPPLIERS["boreal"]["email"]))
    slug = _supplier("boreal").organisation.slug
    assert "donnée de démonstration" in client.get(f"/fr/marches/fournisseurs/{slug}/").content.decode()


# --- Idempotent and resumable ----------------------------------------------------------------------------

def test_a_second_run_changes_nothing(loaded):
    before = _state()
    out = io.StringIO()
    assert demo.load(out) == 0
    assert out.getvalue() == "marchés : déjà chargés\n"
    assert _state() == before


def test_an_interrupted_run_resumes_with_the_missing_opportunities(sct, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("interrupted")

    loaders = list(demo.LOADERS)
    monkeypatch.setattr(demo, "LOADERS", loaders[:4] + [broken] + loaders[5:])
    with pytest.raises(RuntimeError):
        demo.load()
    assert set(Opportunity.objects.filter(is_demo=True).values_list("title_fr", flat=True)) == set(demo.TITLES[:4])
    monkeypatch.setattr(demo, "LOADERS", loaders)
    out = io.StringIO()
    assert demo.load(out) == 2
    assert sorted(Opportunity.objects.filter(is_demo=True).values_list("title_fr", flat=True)) == sorted(demo.TITLES)
    assert Supplier.objects.filter(is_demo=True).count() == 3
    assert core_services.audit_verify().ok


def test_without_the_plan_s_bodies_nothing_is_loaded():
    out = io.StringIO()
    assert demo.load(out) == 0
    assert "absent" in out.getvalue() and not Opportunity.objects.exists()


def test_other_settings_of_the_platform_still_load_the_same_story(sct, settings):
    """A longer minimum posting period and a lower ceiling: the demo publishes earlier and prices lower, and every
    opportunity still ends in its state."""
    settings.OUVERT_MARKET_MIN_POSTING_DAYS = 30
    settings.OUVERT_MARKET_CEILING = 50000
    assert demo.load() == 6
    states = dict(Opportunity.objects.filter(is_demo=True).values_list("title_fr", "status"))
    assert states == {CKAN: "awarded", RDV: "evaluation", DASHBOARD: "published", PUBLICCODE: "published",
                      FORMS: "cancelled", LIBRARIES: "review"}
    assert max(Opportunity.objects.filter(is_demo=True).values_list("price", flat=True)) == 50000
    for opportunity in Opportunity.objects.filter(is_demo=True, published_at__isnull=False):
        first = Release.objects.filter(opportunity=opportunity).order_by("date", "id").first()
        assert first.data["tender"]["tenderPeriod"]["endDate"] >= (
            opportunity.published_at + datetime.timedelta(days=30)).isoformat()[:10]
    assert core_services.audit_verify().ok
