"""OCDS releases: one for each event of an opportunity, each a valid snapshot that tells nothing of the
proposals before the deadline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ouvert.market import ocds
from ouvert.market.models import Addendum, Contract, Delivery, Opportunity, Proposal, Release

try:
    from .ocds_validate import assert_valid, wrap
except ImportError:  # tests/market is not a package
    from ocds_validate import assert_valid, wrap

START = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def opportunity(clock, opportunity_factory):
    return opportunity_factory(reference="DAN-2026-001", assignment_date=datetime.date(2026, 4, 10),
                               start_date=datetime.date(2026, 4, 15), completion_date=datetime.date(2026, 6, 30))


def test_tender_release_snapshot(opportunity):
    release = ocds.release_add(opportunity, ["tender"])
    data = release.data
    assert release.release_id == data["id"] == "ocds-ouvert-DAN-2026-001-0001"
    assert data["ocid"] == "ocds-ouvert-DAN-2026-001"
    assert data["tag"] == ["tender"] and release.tags == ["tender"]
    assert data["initiationType"] == "tender" and data["language"] == "fr"
    assert data["date"] == "2026-03-02T14:00:00Z"
    assert data["buyer"] == {"id": "mcn", "name": "Ministère de la Cybersécurité et du Numérique"}
    assert data["parties"] == [{"id": "mcn", "name": "Ministère de la Cybersécurité et du Numérique",
                                "roles": ["buyer", "procuringEntity"]}]
    tender = data["tender"]
    assert tender["id"] == "DAN-2026-001" and tender["status"] == "active"
    assert tender["title"] == "Module de réservation en ligne 1" and tender["title_en"] == "Online booking module 1"
    assert tender["value"] == {"amount": 45000, "currency": "CAD"}
    assert tender["procurementMethod"] == "open"
    assert tender["procurementMethodDetails"] == "Micro-acquisition (moins de 90 000 $) — Développe avec nous"
    assert tender["mainProcurementCategory"] == "services"
    assert tender["awardCriteria"] == "ratedCriteria"
    assert "Compréhension du besoin (40 %)" in tender["awardCriteriaDetails"]
    assert "Démarche proposée (35 %) ; Expérience de l'équipe (25 %)." in tender["awardCriteriaDetails"]
    assert tender["submissionMethod"] == ["electronicSubmission"]
    assert "90 000 $" in tender["eligibilityCriteria"] and "conflit d'intérêts" in tender["eligibilityCriteria"]
    assert tender["tenderPeriod"] == {"startDate": "2026-03-01T14:00:00Z", "endDate": "2026-03-22T14:00:00Z"}
    assert tender["contractPeriod"] == {"startDate": "2026-04-15T00:00:00-04:00",
                                       "endDate": "2026-06-30T23:59:59-04:00"}
    assert tender["awardPeriod"] == {"startDate": "2026-03-22T14:00:00Z", "endDate": "2026-04-10T23:59:59-04:00"}
    assert tender["items"][0]["classification"]["scheme"] == "UNSPSC"
    # Sealed: nothing about proposals before the deadline.
    assert "numberOfTenderers" not in tender and "tenderers" not in tender
    assert "awards" not in data and "contracts" not in data
    assert_valid(wrap(data))


def test_the_buyer_contact_point(opportunity, mcn):
    from ouvert.market.models import BuyerSettings

    BuyerSettings.objects.create(organisation=mcn, contact_email="acquisitions@mcn.example.org")
    mcn.website = "https://mcn.example.org"
    mcn.save()
    data = ocds.release_add(opportunity, ["tender"]).data
    assert data["parties"][0]["contactPoint"] == {"name": "Ministère de la Cybersécurité et du Numérique",
                                                  "email": "acquisitions@mcn.example.org",
                                                  "url": "https://mcn.example.org"}
    assert_valid(wrap(data))


def test_release_ids_are_numbered_and_stable(opportunity, clock):
    first = ocds.release_add(opportunity, ["tender"])
    clock.move_to(START + datetime.timedelta(hours=1), tick=False)
    second = ocds.release_add(opportunity, ["tenderAmendment"])
    assert [first.release_id, second.release_id] == ["ocds-ouvert-DAN-2026-001-0001",
                                                     "ocds-ouvert-DAN-2026-001-0002"]
    first.refresh_from_db()
    assert first.data["tag"] == ["tender"]  # the first snapshot is left as it was


def test_bad_tags_and_private_opportunities_are_refused(opportunity_factory, clock):
    published = opportunity_factory()
    with pytest.raises(ValueError):
        ocds.release_add(published, ["tenderNope"])
    with pytest.raises(ValueError):
        ocds.release_add(published, [])
    for status in (Opportunity.Status.DRAFT, Opportunity.Status.REVIEW):
        with pytest.raises(ValueError):
            ocds.release_add(opportunity_factory(status=status), ["tender"])
    with pytest.raises(ValueError):  # a draft cancelled before it was ever published
        ocds.release_add(opportunity_factory(status=Opportunity.Status.CANCELLED, published_at=None),
                         ["tenderCancellation"])
    assert Release.objects.count() == 0


def test_addendum_answer_and_deadline_extension(opportunity, clock):
    ocds.release_add(opportunity, ["tender"])
    clock.move_to(START + datetime.timedelta(days=2), tick=False)
    Addendum.objects.create(opportunity=opportunity, number=1, kind=Addendum.Kind.ANSWER,
                            body_fr="Q : le code doit-il être en Python ?\n\nR : oui.", published_at=timezone.now())
    answer = ocds.release_add(opportunity, ["tenderAmendment"]).data
    document = {d["id"]: d for d in answer["tender"]["documents"]}["addenda-1"]
    assert document["documentType"] == "clarifications"
    assert document["title"] == "Addenda n° 1 — Réponse à une question"
    assert document["datePublished"] == "2026-03-04T14:00:00Z"
    assert answer["tender"]["amendments"] == [{"id": "addenda-1", "date": "2026-03-04T14:00:00Z",
                                               "rationale": "Réponse à une question",
                                               "description": "Q : le code doit-il être en Python ?\n\nR : oui."}]

    clock.move_to(START + datetime.timedelta(days=3), tick=False)
    old = opportunity.deadline
    opportunity.deadline = old + datetime.timedelta(days=7)
    opportunity.save()
    Addendum.objects.create(opportunity=opportunity, number=2, kind=Addendum.Kind.DEADLINE,
                            body_fr="La date limite est reportée d'une semaine.", previous_deadline=old,
                            new_deadline=opportunity.deadline, published_at=timezone.now())
    extension = ocds.release_add(opportunity, ["tenderAmendment"]).data
    assert extension["tender"]["tenderPeriod"]["endDate"] == "2026-03-29T14:00:00Z"
    amendment = extension["tender"]["amendments"][1]
    assert amendment["rationale"] == "Report de la date limite"
    assert "du 2026-03-22 10:00 au 2026-03-29 10:00" in amendment["description"]
    assert {d["id"]: d for d in extension["tender"]["documents"]}["addenda-2"]["documentType"] == "tenderNotice"
    assert_valid(wrap(answer, extension))


def test_suspension_and_cancellation(opportunity, clock):
    ocds.release_add(opportunity, ["tender"])
    opportunity.status = Opportunity.Status.SUSPENDED
    opportunity.status_reason = "Vérification d'un document."
    opportunity.save()
    Addendum.objects.create(opportunity=opportunity, number=1, kind=Addendum.Kind.STATUS,
                            body_fr="L'opportunité est suspendue.", published_at=timezone.now())
    suspended = ocds.release_add(opportunity, ["tenderAmendment"]).data
    assert suspended["tender"]["status"] == "active"
    assert suspended["tender"]["amendments"][0]["rationale"] == "Suspension, reprise ou annulation"

    opportunity.status = Opportunity.Status.CANCELLED
    opportunity.cancelled_at = timezone.now()
    opportunity.save()
    cancelled = ocds.release_add(opportunity, ["tenderCancellation"]).data
    assert cancelled["tag"] == ["tenderCancellation"]
    assert cancelled["tender"]["status"] == "cancelled"
    assert "numberOfTenderers" not in cancelled["tender"]
    assert_valid(wrap(suspended, cancelled))


def _close(opportunity, clock):
    clock.move_to(opportunity.deadline, tick=False)
    opportunity.status = Opportunity.Status.EVALUATION
    opportunity.closed_at = timezone.now()
    opportunity.save()
    return ocds.release_add(opportunity, ["tenderUpdate"]).data


def test_tenderers_only_from_the_deadline(opportunity, clock, supplier_a, supplier_b, supplier_factory,
                                          sealed_submission):
    ocds.release_add(opportunity, ["tender"])
    sealed_submission(opportunity, supplier_a)
    sealed_submission(opportunity, supplier_b)
    withdrawn, submission = sealed_submission(opportunity, supplier_factory("retrait", "2212345678"))
    withdrawn.status = Proposal.Status.WITHDRAWN
    withdrawn.save()
    submission.withdrawn_at = timezone.now()
    submission.save()
    Proposal.objects.create(opportunity=opportunity, supplier=supplier_factory("brouillon", "4412345678"))

    # One second before the deadline: a release (an addendum) still tells nothing.
    clock.move_to(opportunity.deadline - datetime.timedelta(seconds=1), tick=False)
    Addendum.objects.create(opportunity=opportunity, number=1, body_fr="Précision.", published_at=timezone.now())
    before = ocds.release_add(opportunity, ["tenderAmendment"]).data
    assert "numberOfTenderers" not in before["tender"] and "tenderers" not in before["tender"]
    assert [p["id"] for p in before["parties"]] == ["mcn"]
    assert "1171234567" not in str(before) and "Logilibre" not in str(before)

    closing = _close(opportunity, clock)
    assert closing["tag"] == ["tenderUpdate"]
    assert closing["tender"]["status"] == "active"
    assert closing["tender"]["numberOfTenderers"] == 2
    assert closing["tender"]["tenderers"] == [{"id": "CA-NEQ-1171234567", "name": "Logilibre coop"},
                                              {"id": "CA-NEQ-3345678901", "name": "Pousse numérique inc."}]
    parties = {p["id"]: p for p in closing["parties"]}
    assert parties["CA-NEQ-1171234567"] == {"id": "CA-NEQ-1171234567", "name": "Logilibre coop",
                                            "identifier": {"scheme": "CA-NEQ", "id": "1171234567",
                                                           "legalName": "Logilibre coop"},
                                            "roles": ["tenderer"]}
    assert set(parties) == {"mcn", "CA-NEQ-1171234567", "CA-NEQ-3345678901"}
    assert_valid(wrap(before, closing))


def test_award_contract_delivery_and_payment(opportunity, clock, supplier_a, supplier_b, sealed_submission):
    ocds.release_add(opportunity, ["tender"])
    winner, _ = sealed_submission(opportunity, supplier_a)
    sealed_submission(opportunity, supplier_b)
    _close(opportunity, clock)

    clock.move_to(opportunity.deadline + datetime.timedelta(days=5), tick=False)
    contract = Contract.objects.create(opportunity=opportunity, proposal=winner, value=Decimal("45000.00"),
                                       awarded_at=timezone.now(), award_note="Meilleure note consensuelle (87/100).")
    opportunity.status = Opportunity.Status.AWARDED
    opportunity.awarded_at = timezone.now()
    opportunity.save()
    award = ocds.release_add(opportunity, ["award", "contract"]).data
    assert award["tender"]["status"] == "complete"
    assert award["tender"]["awardPeriod"]["endDate"] == "2026-03-27T14:00:00Z"
    assert award["awards"] == [{
        "id": "DAN-2026-001-adjudication", "title": "Module de réservation en ligne 1",
        "title_en": "Online booking module 1", "description": "Meilleure note consensuelle (87/100).",
        "status": "active", "date": "2026-03-27T14:00:00Z", "value": {"amount": 45000, "currency": "CAD"},
        "suppliers": [{"id": "CA-NEQ-1171234567", "name": "Logilibre coop"}],
        "contractPeriod": {"startDate": "2026-04-15T00:00:00-04:00", "endDate": "2026-06-30T23:59:59-04:00"}}]
    (contract_data,) = award["contracts"]
    assert contract_data["id"] == "DAN-2026-001-contrat" and contract_data["awardID"] == "DAN-2026-001-adjudication"
    assert contract_data["status"] == "active" and contract_data["dateSigned"] == "2026-03-27T14:00:00Z"
    assert "implementation" not in contract_data
    parties = {p["id"]: p["roles"] for p in award["parties"]}
    assert parties == {"mcn": ["buyer", "procuringEntity"], "CA-NEQ-1171234567": ["tenderer", "supplier"],
                       "CA-NEQ-3345678901": ["tenderer"]}

    clock.move_to(datetime.datetime(2026, 6, 1, 15, tzinfo=datetime.UTC), tick=False)
    first = Delivery.objects.create(contract=contract, repository_url="https://git.example.org/mcn/reservation",
                                    delivered_at=timezone.now())
    pending = ocds.release_add(opportunity, ["implementation"]).data
    assert pending["contracts"][0]["implementation"]["milestones"][0]["status"] == "scheduled"
    first.decision, first.decided_at = Delivery.Decision.CORRECTIONS, timezone.now() + datetime.timedelta(days=1)
    first.decision_note = "Les tests ne passent pas."
    first.save()
    clock.move_to(datetime.datetime(2026, 6, 2, 15, tzinfo=datetime.UTC), tick=False)
    corrections = ocds.release_add(opportunity, ["implementation"]).data
    (milestone,) = corrections["contracts"][0]["implementation"]["milestones"]
    assert milestone["status"] == "notMet" and "dateMet" not in milestone
    assert "Les tests ne passent pas" not in str(corrections)  # the decision's reasons stay with the parties

    clock.move_to(datetime.datetime(2026, 6, 10, 15, tzinfo=datetime.UTC), tick=False)
    Delivery.objects.create(contract=contract, repository_url="https://git.example.org/logilibre/reservation",
                            delivered_at=timezone.now() - datetime.timedelta(days=2),
                            decision=Delivery.Decision.ACCEPTED, decided_at=timezone.now())
    contract.status, contract.accepted_at = Contract.Status.ACCEPTED, timezone.now()
    contract.save()
    accepted = ocds.release_add(opportunity, ["implementation"]).data
    implementation = accepted["contracts"][0]["implementation"]
    assert [m["status"] for m in implementation["milestones"]] == ["notMet", "met"]
    assert implementation["milestones"][1]["dateMet"] == "2026-06-10T15:00:00Z"
    assert implementation["documents"] == [{
        "id": "livrable-2", "title": "Dépôt du livrable (licence LiLiQ-R-1.1)",
        "url": "https://git.example.org/logilibre/reservation", "datePublished": "2026-06-10T15:00:00Z",
        "format": "text/html", "language": "fr"}]
    assert accepted["contracts"][0]["status"] == "active"  # not paid yet
    assert "transactions" not in implementation

    clock.move_to(datetime.datetime(2026, 6, 20, 15, tzinfo=datetime.UTC), tick=False)
    contract.payment_status, contract.paid_at = Contract.Payment.PAID, timezone.now()
    contract.save()
    paid = ocds.release_add(opportunity, ["implementation"]).data
    assert paid["contracts"][0]["status"] == "terminated"
    assert paid["contracts"][0]["implementation"]["transactions"] == [{
        "id": "DAN-2026-001-paiement", "date": "2026-06-20T15:00:00Z",
        "value": {"amount": 45000, "currency": "CAD"},
        "payer": {"id": "mcn", "name": "Ministère de la Cybersécurité et du Numérique"},
        "payee": {"id": "CA-NEQ-1171234567", "name": "Logilibre coop"}}]
    roles = {p["id"]: p["roles"] for p in paid["parties"]}
    assert roles["mcn"] == ["buyer", "procuringEntity", "payer"]
    assert roles["CA-NEQ-1171234567"] == ["tenderer", "supplier", "payee"]
    assert_valid(wrap(award, pending, corrections, accepted, paid))
    assert Release.objects.filter(opportunity=opportunity).count() == 7


def test_terminated_contract(opportunity, clock, supplier_a, sealed_submission):
    ocds.release_add(opportunity, ["tender"])
    winner, _ = sealed_submission(opportunity, supplier_a)
    _close(opportunity, clock)
    contract = Contract.objects.create(opportunity=opportunity, proposal=winner, value=Decimal("44999.50"),
                                       awarded_at=timezone.now(), status=Contract.Status.TERMINATED)
    opportunity.status = Opportunity.Status.AWARDED
    opportunity.save()
    data = ocds.release_add(opportunity, ["contractAmendment"]).data
    assert data["contracts"][0]["status"] == "terminated"
    assert data["contracts"][0]["value"] == {"amount": 44999.5, "currency": "CAD"}
    assert contract.pk
    assert_valid(wrap(data))


def test_each_release_keeps_the_compiled_release_so_far(opportunity, clock, supplier_a, sealed_submission):
    import ocdsmerge

    merger = ocdsmerge.Merger(schema=ocds.release_schema())
    ocds.release_add(opportunity, ["tender"])
    winner, _ = sealed_submission(opportunity, supplier_a)
    _close(opportunity, clock)
    rows = list(Release.objects.filter(opportunity=opportunity).order_by("date", "id"))
    assert rows[0].compiled == merger.create_compiled_release([rows[0].data])
    assert rows[1].compiled == merger.create_compiled_release([r.data for r in rows])
    assert rows[0].compiled["tender"].get("numberOfTenderers") is None
    assert rows[1].compiled["tag"] == ["compiled"] and rows[1].compiled["tender"]["numberOfTenderers"] == 1
    assert winner.pk


@pytest.mark.django_db(transaction=True)
def test_releases_written_at_once_get_distinct_numbers(clock, opportunity_factory):
    """Six threads write a release of one opportunity at once: six numbers, no clash, each compiled release
    merging the ones written before it (PostgreSQL: the in-memory SQLite test database cannot be shared by
    threads)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL (run with DATABASE_URL=postgres://…)")
    opportunity = opportunity_factory()
    barrier = threading.Barrier(6)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            ocds.release_add(opportunity, ["tenderAmendment"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(Release.objects.filter(opportunity=opportunity).order_by("pk"))
    assert [r.release_id[-4:] for r in rows] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert rows[-1].compiled["id"].startswith(ocds.ocid(opportunity))
