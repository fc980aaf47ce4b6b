"""The opportunities services: drafts and their rules (ceiling, weights, dates, licence), the status
machine by role and time (the 15-day rule at its exact boundary), closing at the deadline, addenda
(extension only), questions, follows and the public history."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from opportunities_kit import *  # noqa: F403
from opportunities_kit import DAY, START, complete_data, reload

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Notification
from ouvert.market import formats
from ouvert.market import opportunities as svc
from ouvert.market.models import Addendum, BuyerSettings, Opportunity, Proposal, Question, Release, Skill

pytestmark = pytest.mark.django_db
S = Opportunity.Status
UTC = datetime.UTC


def _messages(exc) -> str:
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


# --- Drafts ------------------------------------------------------------------------------------------

def test_a_buyer_editor_creates_a_draft_numbered_per_year(clock, buyer, mcn):
    first = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    second = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(title_fr="Autre"))
    assert (first.reference, second.reference) == ("DAN-2026-0001", "DAN-2026-0002")
    assert first.status == S.DRAFT and first.created_by == buyer and first.price == Decimal("45000.00")
    assert first.deadline == datetime.datetime(2026, 3, 22, 21, 0, tzinfo=UTC)  # 17:00 EDT
    assert sorted(s.slug for s in first.skills.all()) == ["django", "python"]
    assert [(c.name_fr, c.weight) for c in first.criteria.all()] == [
        ("Compréhension du besoin", 40), ("Démarche proposée", 35), ("Expérience de l'équipe", 25)]
    assert Skill.objects.count() == 2  # the second draft reused them
    entry = AuditEntry.objects.get(action="market.opportunities.create", target_id=str(first.pk))
    assert entry.actor == buyer and entry.data["reference"] == "DAN-2026-0001"
    clock.move_to(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=svc.MONTREAL), tick=False)
    assert svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data()).reference == "DAN-2027-0001"


def test_the_licence_defaults_to_the_buyers_setting(clock, buyer, buyer_admin, mcn):
    assert svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data()).licence == "LiLiQ-R-1.1"
    svc.buyer_settings_set(actor=buyer_admin, organisation=mcn, default_licence="AGPL-3.0-or-later")
    assert svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data()).licence == "AGPL-3.0-or-later"
    assert svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(licence="MIT")).licence == "MIT"
    with pytest.raises(PermissionDenied):
        svc.buyer_settings_set(actor=buyer, organisation=mcn, default_licence="MIT")
    with pytest.raises(ValidationError) as exc:
        svc.buyer_settings_set(actor=buyer_admin, organisation=mcn, default_licence="WTFPL")
    assert "default_licence" in exc.value.message_dict
    assert BuyerSettings.objects.get(organisation=mcn).default_licence == "AGPL-3.0-or-later"


def test_only_editors_and_admins_of_a_buying_body_create(clock, people, mcn, supplier_a):
    for role in ("anonymous", "stranger", "supplier", "buyer_member", "other_admin", "platform_admin"):
        with pytest.raises(PermissionDenied):
            svc.opportunity_create(actor=people[role], buyer=mcn, data=complete_data())
    for role in ("buyer_editor", "buyer_admin"):
        svc.opportunity_create(actor=people[role], buyer=mcn, data=complete_data())
    # a supplier's own admin cannot make its organisation a buyer
    with pytest.raises(PermissionDenied) as exc:
        svc.opportunity_create(actor=supplier_a.owner, buyer=supplier_a.organisation, data=complete_data())
    assert "fournisseur" in str(exc.value)
    assert Opportunity.objects.count() == 2


def test_the_ceiling_accepts_90000_00_and_refuses_90000_01_citing_the_rule(clock, buyer, mcn):
    assert svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(price="90000.00")).price == 90000
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(price="90000.01"))
    assert exc.value.message_dict["price"] == [
        "Le prix fixe (90 000,01 $) dépasse le plafond de 90 000 $ des micro-acquisitions (engagement 4 du plan "
        "d'action ; réglage OUVERT_MARKET_CEILING)."]
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(price="95 000,00"))
    assert "Le prix fixe (95 000 $) dépasse le plafond de 90 000 $" in exc.value.message_dict["price"][0]
    assert Opportunity.objects.count() == 1


def test_the_ceiling_is_a_setting(clock, buyer, mcn, settings):
    settings.OUVERT_MARKET_CEILING = 25000
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(price="25000.50"))
    assert "plafond de 25 000 $" in exc.value.message_dict["price"][0]


@pytest.mark.parametrize("price, message", [("", "Indiquez le prix fixe."), ("abc", "Entrez un montant"),
                                            ("0", "positif"), ("-5", "positif"), ("12.345", "deux décimales"), ("45,000", "sans ambiguïté"),
                                            ("NaN", "Entrez un montant"), ("1e400", "dépasse le plafond")])
def test_bad_prices_are_refused_naming_the_field(clock, buyer, mcn, price, message):
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(price=price))
    assert message in exc.value.message_dict["price"][0]
    assert not Opportunity.objects.exists()


def test_dates_must_follow_each_other(clock, buyer, mcn):
    cases = [({"assignment_date": "2026-03-22"}, "assignment_date"),  # the deadline's own day
             ({"start_date": "2026-03-31"}, "start_date"),
             ({"completion_date": "2026-04-06"}, "completion_date"),
             ({"deadline": "2026-13-01T10:00"}, "deadline"),
             ({"start_date": "demain"}, "start_date")]
    for change, field in cases:
        with pytest.raises(ValidationError) as exc:
            svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(**change))
        assert field in exc.value.message_dict, change
    # assignment on the start day is allowed (assignment ≤ start)
    svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(assignment_date="2026-04-06"))


def test_other_bad_input_is_refused_by_field(clock, buyer, mcn):
    for change, field in [({"title_fr": "  "}, "title_fr"), ({"title_fr": "x" * 201}, "title_fr"),
                          ({"licence": "Proprietary"}, "licence"), ({"repository_url": "javascript:alert(1)"},
                                                                     "repository_url"),
                          ({"criteria": [{"name_fr": "Prix", "weight": 0}]}, "criteria"),
                          ({"criteria": [{"name_fr": "", "weight": 50}]}, "criteria"),
                          ({"criteria": "beaucoup"}, "criteria"), ({"teaser_fr": "a\x00b"}, "teaser_fr")]:
        with pytest.raises(ValidationError) as exc:
            svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(**change))
        assert field in exc.value.message_dict, change
    assert not Opportunity.objects.exists()


def test_a_draft_changes_until_it_is_submitted(draft, buyer, buyer_admin, stranger, buyer_member):
    svc.opportunity_update(actor=buyer, opportunity=draft, data={
        "title_fr": "Nouveau titre", "skills": ["Vue.js"],
        "criteria": [{"name_fr": "Qualité", "weight": 60}, {"name_fr": "Prix", "weight": 40}]})
    draft = reload(draft)
    assert draft.title_fr == "Nouveau titre" and [s.slug for s in draft.skills.all()] == ["vuejs"]
    assert [c.weight for c in draft.criteria.all()] == [60, 40]
    for user in (stranger, buyer_member):
        with pytest.raises(PermissionDenied):
            svc.opportunity_update(actor=user, opportunity=draft, data={"title_fr": "Piraté"})
    with pytest.raises(ValidationError):
        svc.opportunity_update(actor=buyer, opportunity=draft, data={"price": "100000"})
    assert reload(draft).price == Decimal("45000.00")
    svc.opportunity_submit_for_review(actor=buyer, opportunity=draft)
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_update(actor=buyer_admin, opportunity=draft, data={"title_fr": "Trop tard"})
    assert "Seul un brouillon se modifie" in _messages(exc)
    assert reload(draft).title_fr == "Nouveau titre"


# --- Review and publication -----------------------------------------------------------------------

@pytest.mark.parametrize("weights, ok", [((40, 35, 24), False), ((40, 35, 25), True), ((40, 35, 26), False)])
def test_weights_must_sum_to_exactly_100_at_submission(clock, buyer, mcn, weights, ok):
    criteria = [{"name_fr": f"Critère {n}", "weight": w} for n, w in enumerate(weights)]
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(criteria=criteria))
    if ok:
        assert svc.opportunity_submit_for_review(actor=buyer, opportunity=draft).status == S.REVIEW
    else:
        with pytest.raises(ValidationError) as exc:
            svc.opportunity_submit_for_review(actor=buyer, opportunity=draft)
        assert exc.value.message_dict["criteria"] == [
            f"Les pondérations des critères totalisent {sum(weights)} % ; elles doivent totaliser exactement 100 %."]
        assert reload(draft).status == S.DRAFT


def test_weights_are_checked_again_at_publication(in_review, buyer_admin):
    criterion = in_review.criteria.first()
    criterion.weight -= 1  # e.g. through the admin
    criterion.save()
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_publish(actor=buyer_admin, opportunity=in_review)
    assert "totalisent 99 %" in exc.value.message_dict["criteria"][0]
    assert reload(in_review).status == S.REVIEW


def test_submission_lists_everything_missing(clock, buyer, mcn):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data={"title_fr": "Esquisse", "price": "1000",
                                                                  "remote_ok": False})
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_submit_for_review(actor=buyer, opportunity=draft)
    assert set(exc.value.message_dict) == {"teaser_fr", "description_fr", "acceptance_fr", "location", "deadline",
                                           "assignment_date", "start_date", "completion_date", "criteria"}


def test_the_15_day_rule_at_its_exact_boundary_across_the_change_to_summer_time(clock, buyer, buyer_admin, mcn):
    # START is noon EST; 15 days later it is summer time (EDT): exactly 15 × 24 h is 13:00 on 17 March.
    exact = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(deadline="2026-03-17T13:00"))
    short = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data(deadline="2026-03-17T12:59"))
    for o in (exact, short):
        clock.move_to(START - DAY, tick=False)
        svc.opportunity_submit_for_review(actor=buyer, opportunity=o)
    clock.move_to(START, tick=False)
    assert exact.deadline - START == 15 * DAY
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_publish(actor=buyer_admin, opportunity=short)
    assert exc.value.message_dict["deadline"] == [
        "La date limite du 17 mars 2026 à 12 h 59 (heure de Montréal) doit laisser au moins 15 jours aux "
        "fournisseurs à compter de la publication : au plus tôt le 17 mars 2026 à 13 h 00 (heure de Montréal) "
        "(réglage OUVERT_MARKET_MIN_POSTING_DAYS)."]
    assert reload(short).status == S.REVIEW and reload(short).published_at is None
    published = svc.opportunity_publish(actor=buyer_admin, opportunity=exact)
    assert published.status == S.PUBLISHED and published.published_at == START


def test_the_minimum_posting_period_is_a_setting(in_review, buyer_admin, settings):
    settings.OUVERT_MARKET_MIN_POSTING_DAYS = 30
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_publish(actor=buyer_admin, opportunity=in_review)
    assert "au moins 30 jours" in exc.value.message_dict["deadline"][0]


def test_publication_writes_a_tender_release_an_audit_entry_and_tells_the_editors(published, buyer, buyer_admin):
    release = Release.objects.get(opportunity=published)
    assert release.tags == ["tender"] and release.data["tender"]["status"] == "active"
    entry = AuditEntry.objects.filter(action="market.opportunities.publish").get()
    assert entry.actor == buyer_admin and entry.data["to"] == "published"
    assert Notification.objects.filter(recipient=buyer, subject__contains="Opportunité publiée").exists()
    # the admin was told when it was submitted for review
    assert Notification.objects.filter(recipient=buyer_admin, subject__contains="à réviser").exists()


def test_review_is_sent_back_with_a_reason(in_review, buyer, buyer_admin):
    with pytest.raises(ValidationError):
        svc.opportunity_send_back(actor=buyer_admin, opportunity=in_review, reason=" ")
    back = svc.opportunity_send_back(actor=buyer_admin, opportunity=in_review, reason="Précisez le livrable.")
    assert back.status == S.DRAFT and back.status_reason == "Précisez le livrable."
    assert Notification.objects.filter(recipient=buyer, body="Précisez le livrable.").exists()
    svc.opportunity_update(actor=buyer, opportunity=back, data={"acceptance_fr": "- Livrable précisé"})
    assert svc.opportunity_submit_for_review(actor=buyer, opportunity=back).status == S.REVIEW


def test_wrong_status_transitions_are_refused_with_the_status(published, buyer, buyer_admin):
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_publish(actor=buyer_admin, opportunity=published)
    assert "Publiée" in _messages(exc)
    with pytest.raises(ValidationError):
        svc.opportunity_submit_for_review(actor=buyer, opportunity=published)
    with pytest.raises(ValidationError):
        svc.opportunity_send_back(actor=buyer_admin, opportunity=published, reason="non")
    with pytest.raises(ValidationError):
        svc.opportunity_resume(actor=buyer_admin, opportunity=published)


# --- The permission matrix of every transition ------------------------------------------------------

MATRIX = {
    # action: roles allowed
    "submit": {"buyer_editor", "buyer_admin"},
    "send_back": {"buyer_admin", "platform_admin"},
    "publish": {"buyer_admin", "platform_admin"},
    "suspend": {"buyer_admin", "platform_admin"},
    "resume": {"buyer_admin", "platform_admin"},
    "cancel_draft": {"buyer_editor", "buyer_admin", "platform_admin"},
    "cancel_published": {"buyer_admin", "platform_admin"},
    "addendum": {"buyer_editor", "buyer_admin"},
    "update": {"buyer_editor", "buyer_admin"},
}


def _setup(action, buyer, buyer_admin, mcn):
    o = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    if action in ("update", "submit", "cancel_draft"):
        return o
    svc.opportunity_submit_for_review(actor=buyer, opportunity=o)
    if action in ("send_back", "publish"):
        return o
    svc.opportunity_publish(actor=buyer_admin, opportunity=o)
    if action == "resume":
        svc.opportunity_suspend(actor=buyer_admin, opportunity=o, reason="Vérification")
    return reload(o)


def _fresh(action, buyer, buyer_admin, mcn):
    return reload(_setup(action, buyer, buyer_admin, mcn))


def _do(action, user, o):
    return {
        "submit": lambda: svc.opportunity_submit_for_review(actor=user, opportunity=o),
        "send_back": lambda: svc.opportunity_send_back(actor=user, opportunity=o, reason="À revoir"),
        "publish": lambda: svc.opportunity_publish(actor=user, opportunity=o),
        "suspend": lambda: svc.opportunity_suspend(actor=user, opportunity=o, reason="Vérification"),
        "resume": lambda: svc.opportunity_resume(actor=user, opportunity=o),
        "cancel_draft": lambda: svc.opportunity_cancel(actor=user, opportunity=o, reason="Abandon"),
        "cancel_published": lambda: svc.opportunity_cancel(actor=user, opportunity=o, reason="Abandon"),
        "addendum": lambda: svc.addendum_publish(actor=user, opportunity=o, body_fr="Précision."),
        "update": lambda: svc.opportunity_update(actor=user, opportunity=o, data={"title_fr": "Changé"}),
    }[action]()


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix_of_the_transitions(clock, people, buyer, buyer_admin, mcn, action):
    for role, user in people.items():
        o = _fresh(action, buyer, buyer_admin, mcn)
        before = (o.status, o.title_fr, o.addenda.count())
        if role in MATRIX[action]:
            _do(action, user, o)
            after = reload(o)
            assert (after.status, after.title_fr, after.addenda.count()) != before, (action, role)
        else:
            with pytest.raises(PermissionDenied):
                _do(action, user, o)
            after = reload(o)
            assert (after.status, after.title_fr, after.addenda.count()) == before, (action, role)


# --- Suspension, resumption, cancellation ---------------------------------------------------------------

def test_suspend_and_resume_publish_status_addenda_and_amendment_releases(published, buyer_admin, clock):
    suspended = svc.opportunity_suspend(actor=buyer_admin, opportunity=published, reason="Erreur dans l'annexe")
    assert suspended.status == S.SUSPENDED and not suspended.is_open()
    resumed = svc.opportunity_resume(actor=buyer_admin, opportunity=suspended)
    assert resumed.status == S.PUBLISHED and resumed.deadline == published.deadline
    assert [(a.number, a.kind) for a in published.addenda.all()] == [(1, "status"), (2, "status")]
    assert "Erreur dans l'annexe" in published.addenda.get(number=1).body_fr
    assert list(Release.objects.filter(opportunity=published).values_list("tags", flat=True)) == [
        ["tender"], ["tenderAmendment"], ["tenderAmendment"]]


def test_resuming_near_or_past_the_deadline_requires_an_extension(published, buyer_admin, clock):
    svc.opportunity_suspend(actor=buyer_admin, opportunity=published, reason="Vérification")
    clock.move_to(published.deadline - 4 * DAY, tick=False)
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_resume(actor=buyer_admin, opportunity=published)
    assert "exige de la reporter" in exc.value.message_dict["new_deadline"][0]
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_resume(actor=buyer_admin, opportunity=published,
                               new_deadline=published.deadline - datetime.timedelta(hours=1))
    assert "ne peut qu'être reportée" in exc.value.message_dict["new_deadline"][0]
    clock.move_to(published.deadline + DAY, tick=False)  # suspended past its deadline: not closed
    assert svc.opportunity_close_due() == 0 and reload(published).status == S.SUSPENDED
    with pytest.raises(ValidationError):
        svc.opportunity_resume(actor=buyer_admin, opportunity=published, new_deadline=published.deadline + 2 * DAY)
    old = published.deadline
    new = (old + 8 * DAY).astimezone(svc.MONTREAL).replace(tzinfo=None).isoformat()
    resumed = svc.opportunity_resume(actor=buyer_admin, opportunity=published, new_deadline=new)
    assert resumed is published  # the caller's instance is brought up to date
    assert resumed.status == S.PUBLISHED and reload(published).deadline == old + 8 * DAY
    last = resumed.addenda.order_by("-number").first()
    assert last.kind == "status" and last.previous_deadline == old
    assert last.new_deadline == resumed.deadline and "reportée" in last.body_fr


def test_cancellation(published, buyer, buyer_admin, mcn):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    with pytest.raises(ValidationError):
        svc.opportunity_cancel(actor=buyer, opportunity=draft, reason="")
    cancelled = svc.opportunity_cancel(actor=buyer, opportunity=draft, reason="Besoin abandonné")
    assert cancelled.status == S.CANCELLED and cancelled.cancelled_at == START
    assert not svc.is_public(cancelled) and not cancelled.addenda.exists()
    assert not Release.objects.filter(opportunity=draft).exists()  # never public: no release
    cancelled = svc.opportunity_cancel(actor=buyer_admin, opportunity=published, reason="Budget retiré")
    assert svc.is_public(cancelled) and cancelled.addenda.get().kind == "status"
    assert Release.objects.filter(opportunity=published).last().tags == ["tenderCancellation"]
    with pytest.raises(ValidationError):
        svc.opportunity_cancel(actor=buyer_admin, opportunity=cancelled, reason="Encore")


def test_no_cancellation_after_award(published, buyer_admin):
    Opportunity.objects.filter(pk=published.pk).update(status=S.AWARDED)
    with pytest.raises(ValidationError) as exc:
        svc.opportunity_cancel(actor=buyer_admin, opportunity=published, reason="Trop tard")
    assert "Adjugée" in _messages(exc)
    assert reload(published).status == S.AWARDED


def test_an_opportunity_in_evaluation_may_be_cancelled(published, buyer_admin, clock):
    clock.move_to(published.deadline, tick=False)
    assert svc.opportunity_close_due() == 1
    assert svc.opportunity_cancel(actor=buyer_admin, opportunity=published, reason="Aucune offre").status == S.CANCELLED


# --- Closing at the deadline --------------------------------------------------------------------------

def test_closing_at_the_deadline_exactly(published, clock, buyer_member):
    clock.move_to(published.deadline - datetime.timedelta(microseconds=1), tick=False)
    assert svc.opportunity_close_due() == 0 and reload(published).is_open()
    clock.move_to(published.deadline, tick=False)
    assert svc.opportunity_close_due() == 1
    closed = reload(published)
    assert closed.status == S.EVALUATION and closed.closed_at == published.deadline
    assert svc.opportunity_close_due() == 0  # once
    assert AuditEntry.objects.filter(action="market.opportunities.close").count() == 1
    assert Release.objects.filter(opportunity=published).last().tags == ["tenderUpdate"]


def test_closing_lazily_when_read(published, clock, stranger):
    clock.move_to(published.deadline + datetime.timedelta(seconds=1), tick=False)
    seen = svc.opportunity_get(reference=published.reference, user=stranger)
    assert seen.status == S.EVALUATION
    assert svc.opportunity_close_due() == 0


def test_the_periodic_job_is_registered():
    from ouvert.core import registry

    jobs = {job.name: job for job in registry.periodic_jobs()}
    assert jobs["market.opportunities_close_due"].every_seconds == 60
    assert jobs["market.opportunities_close_due"].func is svc.opportunity_close_due
    assert any(link.url_name == "market:opportunity_list" for link in registry.menu_links())


# --- Visibility ---------------------------------------------------------------------------------------

def test_drafts_and_reviews_are_seen_only_by_the_body_and_platform_admins(in_review, people):
    for role in ("anonymous", "stranger", "supplier", "other_admin"):
        with pytest.raises(core_services.NotFound):
            svc.opportunity_get(reference=in_review.reference, user=people[role])
    for role in ("buyer_member", "buyer_editor", "buyer_admin", "platform_admin"):
        assert svc.opportunity_get(reference=in_review.reference, user=people[role]) == in_review
    with pytest.raises(core_services.NotFound):
        svc.opportunity_get(reference="DAN-2099-9999", user=people["platform_admin"])
    assert not svc.opportunity_list().exists()


def test_the_public_list_and_its_filters(clock, opportunity_factory, make_org):
    from ouvert.market.models import Skill as SkillModel

    other = make_org(slug="ville", kind="municipality", name_fr="Ville de Québec")
    a = opportunity_factory(price=Decimal("20000"), skills=["python"])
    b = opportunity_factory(price=Decimal("80000"), skills=["rust"], remote_ok=False, location="Québec", buyer=other)
    c = opportunity_factory(status=S.CANCELLED)
    d = opportunity_factory(status=S.AWARDED)
    opportunity_factory(status=S.DRAFT, published_at=None)
    opportunity_factory(status=S.CANCELLED, published_at=None)
    opportunity_factory(status=S.REVIEW, published_at=None)

    def refs(**filters):
        return sorted(o.reference for o in svc.opportunity_list(filters=filters))

    assert refs() == sorted([a.reference, b.reference, c.reference, d.reference])
    assert refs(status="cancelled") == [c.reference]
    assert refs(status=["published", "awarded"]) == sorted([a.reference, b.reference, d.reference])
    assert refs(skills=["rust"]) == [b.reference]
    assert refs(value_min="50000") == [b.reference]
    assert refs(value_max="30 000") == [a.reference]
    assert refs(buyer="ville") == [b.reference]
    assert refs(remote="false") == [b.reference]
    assert refs(q=b.reference) == [b.reference]
    assert SkillModel.objects.filter(slug="rust").exists()
    for bad in ({"status": "draft"}, {"value_min": "beaucoup"}, {"remote": "peut-être"}):
        with pytest.raises(ValidationError):
            svc.opportunity_list(filters=bad)


# --- Addenda ------------------------------------------------------------------------------------------

def test_addenda_are_numbered_and_tell_followers_and_suppliers_with_a_proposal(
        published, buyer, stranger, supplier_a, supplier_b, supplier_factory, make_user, mailoutbox):
    svc.follow_set(actor=stranger, opportunity=published)
    Proposal.objects.create(opportunity=published, supplier=supplier_a, status=Proposal.Status.DRAFT)
    submitted = supplier_factory("troisieme", "5512345678")
    Proposal.objects.create(opportunity=published, supplier=submitted, status=Proposal.Status.SUBMITTED)
    colleague = make_user(email="dev@logilibre.example.com")
    core_services.membership_set(user=colleague, organisation=supplier_a.organisation)
    first = svc.addendum_publish(actor=buyer, opportunity=published, body_fr="La réunion d'information est le 10.")
    second = svc.addendum_publish(actor=buyer, opportunity=published, kind="notice", body_fr="Nouvelle annexe.")
    assert (first.number, second.number) == (1, 2) and first.published_by == buyer
    told = set(Notification.objects.filter(subject__contains="addenda n° 2").values_list("recipient__email",
                                                                                         flat=True))
    assert told == {stranger.email, supplier_a.owner.email, colleague.email, submitted.owner.email}  # not B
    assert any("addenda n° 1" in m.subject for m in mailoutbox)
    assert [r.tags for r in Release.objects.filter(opportunity=published)][-2:] == [["tenderAmendment"]] * 2


def test_a_deadline_addendum_only_extends(published, buyer, clock):
    earlier = published.deadline - DAY
    with pytest.raises(ValidationError) as exc:
        svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Avancée.",
                             new_deadline=earlier)
    assert exc.value.message_dict["new_deadline"] == [
        "La date limite ne peut qu'être reportée : la nouvelle, le 21 mars 2026 à 17 h 00 (heure de Montréal), "
        "ne suit pas l'actuelle, le 22 mars 2026 à 17 h 00 (heure de Montréal)."]
    with pytest.raises(ValidationError):
        svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Même.",
                             new_deadline=published.deadline)
    with pytest.raises(ValidationError) as exc:
        svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Sans date.")
    assert "new_deadline" in exc.value.message_dict
    with pytest.raises(ValidationError):  # past the expected assignment (1 April)
        svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Trop loin.",
                             new_deadline="2026-04-02T12:00")
    old = published.deadline
    assert reload(published).deadline == old and not published.addenda.exists()
    addendum = svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Reportée.",
                                    new_deadline="2026-03-29T17:00")
    assert addendum.previous_deadline == old
    assert reload(published).deadline == addendum.new_deadline == datetime.datetime(2026, 3, 29, 21, tzinfo=UTC)
    assert published.deadline == addendum.new_deadline  # the caller's instance too


def test_a_suspended_opportunity_takes_addenda(published, buyer, buyer_admin, clock, supplier_a):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="L'annexe B est vide ?")
    svc.opportunity_suspend(actor=buyer_admin, opportunity=published, reason="Annexe B manquante")
    assert "addendum" in svc.opportunity_allowed_actions(buyer, published)
    svc.addendum_publish(actor=buyer, opportunity=published, body_fr="L'annexe B est maintenant jointe.")
    svc.question_answer(actor=buyer, question=question, question_fr="L'annexe B est vide ?", answer_fr="Corrigé.")
    clock.move_to(published.deadline + DAY, tick=False)
    with pytest.raises(ValidationError) as exc:  # an extension still in the past
        svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Report.",
                             new_deadline=published.deadline + datetime.timedelta(hours=12))
    assert "déjà passée" in exc.value.message_dict["new_deadline"][0]
    svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Report.",
                         new_deadline="2026-03-30T17:00")
    assert svc.opportunity_resume(actor=buyer_admin, opportunity=published).status == S.PUBLISHED
    assert [a.kind for a in published.addenda.all()] == ["status", "notice", "answer", "deadline", "status"]


def test_addenda_are_refused_on_the_wrong_status_or_kind(published, buyer, clock, mcn):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    with pytest.raises(ValidationError):
        svc.addendum_publish(actor=buyer, opportunity=draft, body_fr="Trop tôt.")
    with pytest.raises(ValidationError) as exc:
        svc.addendum_publish(actor=buyer, opportunity=published, kind="status", body_fr="Suspendue.")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError):
        svc.addendum_publish(actor=buyer, opportunity=published, body_fr="   ")
    clock.move_to(published.deadline, tick=False)
    with pytest.raises(ValidationError) as exc:
        svc.addendum_publish(actor=buyer, opportunity=published, body_fr="Après.")
    assert "En évaluation" in _messages(exc)
    assert not Addendum.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_when_created_at_once(clock, buyer, buyer_admin, mcn):
    """Four threads create drafts, then four publish addenda on one opportunity, at once (PostgreSQL: the
    in-memory SQLite test database cannot be shared by threads)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL (run with DATABASE_URL=postgres://…)")
    opportunity = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    svc.opportunity_submit_for_review(actor=buyer, opportunity=opportunity)
    svc.opportunity_publish(actor=buyer_admin, opportunity=opportunity)
    barrier = threading.Barrier(4)
    errors = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            work()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    for work in (lambda: svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data()),
                 lambda: svc.addendum_publish(actor=buyer, opportunity=opportunity, body_fr="Précision.")):
        threads = [threading.Thread(target=run, args=(work,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(Opportunity.objects.values_list("reference", flat=True)) == [
        f"DAN-2026-{n:04d}" for n in range(1, 6)]
    assert sorted(opportunity.addenda.values_list("number", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_closing_at_once_from_four_workers_closes_once(clock, buyer, buyer_admin, mcn):
    """Four workers (threads) run the periodic closing at the deadline at once (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL (run with DATABASE_URL=postgres://…)")
    opportunity = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    svc.opportunity_submit_for_review(actor=buyer, opportunity=opportunity)
    svc.opportunity_publish(actor=buyer_admin, opportunity=opportunity)
    clock.move_to(opportunity.deadline, tick=False)
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            counts.append(svc.opportunity_close_due())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(counts) == [0, 0, 0, 1]
    assert AuditEntry.objects.filter(action="market.opportunities.close").count() == 1
    assert Release.objects.filter(opportunity=opportunity, tags=["tenderUpdate"]).count() == 1
    assert reload(opportunity).status == S.EVALUATION


# --- Questions ----------------------------------------------------------------------------------------

def test_a_supplier_asks_and_the_buyer_answers_without_naming_the_asker(published, supplier_a, buyer, stranger):
    asker = supplier_a.owner
    question = svc.question_ask(actor=asker, opportunity=published, body="Le code doit-il être en Python ? — Équipe Logilibre")
    assert Notification.objects.filter(recipient=buyer, subject__contains="Nouvelle question").exists()
    assert svc.questions_for(user=asker, opportunity=published) == [question]
    assert svc.questions_for(user=stranger, opportunity=published) == []
    assert svc.questions_for(user=buyer, opportunity=published) == [question]
    addendum = svc.question_answer(actor=buyer, question=question, question_fr="Le code doit-il être en Python ?",
                                   answer_fr="Oui, Python 3.11 ou plus récent.")
    assert addendum.kind == "answer" and addendum.number == 1
    assert "> Le code doit-il être en Python ?" in addendum.body_fr and "Oui, Python 3.11" in addendum.body_fr
    for secret in ("Logilibre", asker.email, asker.full_name):
        assert secret not in addendum.body_fr
    question.refresh_from_db()
    assert question.status == "answered" and question.addendum == addendum
    assert Notification.objects.filter(recipient=asker, subject__contains="Réponse à votre question").exists()
    with pytest.raises(ValidationError):  # once
        svc.question_answer(actor=buyer, question=question, question_fr="Q", answer_fr="R")


def test_a_question_is_declined_with_a_reason_told_to_the_asker(published, supplier_a, buyer, supplier_b):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Quel est votre budget réel ?")
    with pytest.raises(PermissionDenied):
        svc.question_decline(actor=supplier_b.owner, question=question, reason="non")
    with pytest.raises(ValidationError):
        svc.question_decline(actor=buyer, question=question, reason="")
    svc.question_decline(actor=buyer, question=question, reason="Le prix fixe est publié.")
    question.refresh_from_db()
    assert question.status == "declined" and question.decline_reason == "Le prix fixe est publié."
    assert Notification.objects.get(recipient=supplier_a.owner, subject__contains="sans suite").body == \
        "Le prix fixe est publié."
    assert not published.addenda.exists()


def test_who_may_ask_and_when(published, people, clock, supplier_a, buyer, mcn):
    draft = svc.opportunity_create(actor=buyer, buyer=mcn, data=complete_data())
    for role in ("anonymous", "stranger", "buyer_member", "buyer_editor", "buyer_admin", "platform_admin"):
        with pytest.raises(PermissionDenied):
            svc.question_ask(actor=people[role], opportunity=published, body="Question ?")
    with pytest.raises(ValidationError):
        svc.question_ask(actor=supplier_a.owner, opportunity=draft, body="Question ?")
    with pytest.raises(ValidationError):
        svc.question_ask(actor=supplier_a.owner, opportunity=published, body="   ")
    clock.move_to(published.deadline, tick=False)
    with pytest.raises(ValidationError) as exc:
        svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Trop tard ?")
    assert "est passée" in exc.value.message_dict["body"][0]
    assert not Question.objects.exists()


def test_questions_are_rate_limited(published, supplier_a):
    for n in range(svc.QUESTIONS_PER_HOUR):
        svc.question_ask(actor=supplier_a.owner, opportunity=published, body=f"Question {n} ?")
    with pytest.raises(core_services.RateLimited):
        svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Encore une ?")
    assert Question.objects.count() == svc.QUESTIONS_PER_HOUR


def test_only_the_buyer_answers(published, supplier_a, people):
    question = svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Question ?")
    for role in ("anonymous", "stranger", "supplier", "buyer_member", "other_admin", "platform_admin"):
        with pytest.raises(PermissionDenied):
            svc.question_answer(actor=people[role], question=question, question_fr="Q ?", answer_fr="R.")
    with pytest.raises(core_services.NotFound):
        svc.question_get(user=people["stranger"], opportunity=published, question_id=question.pk)
    assert svc.question_get(user=people["buyer_member"], opportunity=published, question_id=question.pk) == question


# --- Follows and history -------------------------------------------------------------------------------

def test_follow_and_unfollow(published, stranger):
    from django.contrib.auth.models import AnonymousUser

    assert svc.follow_set(actor=stranger, opportunity=published) is True
    assert svc.follow_set(actor=stranger, opportunity=published) is True  # twice: one row
    assert svc.is_following(stranger, published) and published.follows.count() == 1
    assert svc.follow_set(actor=stranger, opportunity=published, follow=False) is False
    assert not svc.is_following(stranger, published)
    with pytest.raises(PermissionDenied):
        svc.follow_set(actor=AnonymousUser(), opportunity=published)


def test_follow_a_draft_is_not_found(draft, stranger):
    with pytest.raises(core_services.NotFound):
        svc.follow_set(actor=stranger, opportunity=draft)


def test_the_public_history_tells_what_was_published_when(published, buyer, buyer_admin, supplier_a, clock):
    svc.question_ask(actor=supplier_a.owner, opportunity=published, body="Question privée ?")
    clock.move_to(START + DAY, tick=False)
    svc.addendum_publish(actor=buyer, opportunity=published, kind="deadline", body_fr="Report.",
                         new_deadline="2026-03-25T17:00")
    clock.move_to(START + 2 * DAY, tick=False)
    svc.opportunity_suspend(actor=buyer_admin, opportunity=published, reason="Vérification juridique")
    svc.opportunity_resume(actor=buyer_admin, opportunity=published)
    clock.move_to(reload(published).deadline, tick=False)
    svc.opportunity_close_due()
    Opportunity.objects.filter(pk=published.pk).update(status=S.AWARDED, awarded_at=reload(published).deadline + DAY)
    history = svc.opportunity_history(reload(published))
    assert [e["action"] for e in history] == ["publish", "addendum", "suspend", "resume", "close", "award"]
    assert history[1]["label"] == "Addenda n° 1 : Report de la date limite"
    assert "reportée du 22 mars 2026 à 17 h 00" in history[1]["detail"]
    assert history[2]["detail"] == "Motif : Vérification juridique"
    text = repr(history)
    assert "Question privée" not in text and "question" not in text.lower()
    assert svc.opportunity_history(Opportunity(status=S.DRAFT)) == []


def test_time_left(clock):
    assert formats.time_left(START + DAY + datetime.timedelta(hours=1, minutes=30)) == "1 jour et 1 heure"
    assert formats.time_left(START + 3 * DAY) == "3 jours"
    assert formats.time_left(START + datetime.timedelta(hours=2, minutes=5)) == "2 heures et 5 minutes"
    assert formats.time_left(START + datetime.timedelta(seconds=20)) == "1 minute"
    assert formats.time_left(START) == "" and formats.time_left(None) == ""


def test_format_and_money_helpers():
    assert formats.money(Decimal("1234567.5")) == "1 234 567,50 $" and formats.money(90000) == "90 000 $"
    assert formats.montreal_text(datetime.datetime(2026, 1, 15, 22, 0, tzinfo=UTC)) == \
        "15 janvier 2026 à 17 h 00 (heure de Montréal)"
    assert formats.montreal_text(datetime.datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == \
        "1 juillet 2026 à 9 h 05 (heure de Montréal)"
    assert svc.parse_deadline("2026-07-01T09:30") == datetime.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert svc.parse_deadline("2026-07-01T09:30+00:00") == datetime.datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    for bad in ("le premier juillet", "9999-12-31T23:59", "2026-02-30T10:00"):
        with pytest.raises(ValidationError):
            svc.parse_deadline(bad)
    assert mail.outbox == []


@pytest.mark.parametrize("typed, expected", [
    ("45000", "45000"), ("45 000", "45000"), ("45 000,50", "45000.50"), ("45000,5", "45000.5"),
    ("45,000.50", "45000.50"), ("45.000,50", "45000.50"), ("45000.00", "45000.00"), ("1,234,567", "1234567"),
])
def test_amounts_are_read_as_people_type_them_in_either_language(typed, expected):
    assert svc._decimal(typed, "price") == Decimal(expected)


@pytest.mark.parametrize("typed", ["45,000", "12.345"])
def test_an_amount_that_could_be_read_two_ways_is_refused(typed):
    with pytest.raises(ValidationError, match="sans ambiguïté"):
        svc._decimal(typed, "price")
