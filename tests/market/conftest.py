"""Test kit of the market module.

- the clock: time_machine's ``time_machine`` fixture (``time_machine.move_to(dt, tick=False)``); every
  service reads ``django.utils.timezone.now()``, so moving it moves the platform (live servers too);
- ``mcn``: the buying public body; ``buyer`` is an editor of it, ``buyer_admin`` an admin, ``buyer_member``
  a plain member (no right to manage); ``platform_admin`` a superuser; ``stranger`` a signed-in person;
- ``supplier_factory(slug, neq, **flags)`` → a ``Supplier`` with an admin member (``supplier.owner``);
  ``supplier_a`` / ``supplier_b`` are two of them (A is an SME, B a start-up);
- ``evaluators``: two people named on no panel yet;
- ``opportunity_factory(**overrides)``: an opportunity made in the database directly (the opportunities
  part's own tests go through its services); published by default, deadline in 20 days, three
  criteria weighing 40/35/25;
- ``sealed_submission(opportunity, supplier, content=None)``: a submitted proposal sealed the way the
  proposals part seals (``seal``'s document format), for the parts that come after the deadline.
"""

import base64
import datetime
import secrets
from decimal import Decimal

import pytest
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.market import seal
from ouvert.market.models import Criterion, Opportunity, Proposal, Skill, Submission, Supplier

MONTREAL = datetime.timezone(datetime.timedelta(hours=-5))  # EST, for readable fixed instants


@pytest.fixture
def mcn(make_org):
    return make_org(slug="mcn", name_fr="Ministère de la Cybersécurité et du Numérique", acronym="MCN")


@pytest.fixture
def buyer(make_user, mcn):
    user = make_user(email="acheteuse@mcn.example.org", full_name="Acheteuse MCN")
    core_services.membership_set(user=user, organisation=mcn, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def buyer_admin(make_user, mcn):
    user = make_user(email="direction@mcn.example.org", full_name="Direction MCN")
    core_services.membership_set(user=user, organisation=mcn, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def buyer_member(make_user, mcn):
    user = make_user(email="membre@mcn.example.org", full_name="Membre MCN")
    core_services.membership_set(user=user, organisation=mcn, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@ouvert.example.org", full_name="Administration", is_superuser=True)


@pytest.fixture
def stranger(make_user):
    return make_user(email="curieux@example.org", full_name="Personne curieuse")


@pytest.fixture
def supplier_factory(make_user, make_org):
    def make(slug, neq, *, legal_name=None, is_sme=True, is_startup=False, role=Membership.Role.ADMIN):
        legal_name = legal_name or f"{slug.title()} inc."
        org = make_org(slug=slug, kind="supplier", name_fr=legal_name)
        supplier = Supplier.objects.create(organisation=org, legal_name=legal_name, neq=neq, is_sme=is_sme,
                                           is_startup=is_startup, contact_email=f"contact@{slug}.example.com")
        owner = make_user(email=f"equipe@{slug}.example.com", full_name=f"Équipe {legal_name}")
        core_services.membership_set(user=owner, organisation=org, role=role)
        supplier.owner = owner
        return supplier

    return make


@pytest.fixture
def supplier_a(supplier_factory):
    return supplier_factory("logilibre", "1171234567", legal_name="Logilibre coop", is_sme=True)


@pytest.fixture
def supplier_b(supplier_factory):
    return supplier_factory("pousse", "3345678901", legal_name="Pousse numérique inc.", is_sme=True, is_startup=True)


@pytest.fixture
def evaluators(make_user):
    return [make_user(email=f"evaluation{n}@mcn.example.org", full_name=f"Évaluatrice {n}") for n in (1, 2)]


@pytest.fixture
def opportunity_factory(mcn, buyer):
    counter = {"n": 0}

    def make(**overrides):
        counter["n"] += 1
        now = timezone.now()
        status = overrides.pop("status", Opportunity.Status.PUBLISHED)
        criteria = overrides.pop("criteria", [("Compréhension du besoin", 40), ("Démarche proposée", 35),
                                              ("Expérience de l'équipe", 25)])
        skills = overrides.pop("skills", ["python", "django"])
        fields = {
            "reference": f"DAN-TEST-{counter['n']:04d}",
            "buyer": mcn,
            "created_by": buyer,
            "status": status,
            "title_fr": f"Module de réservation en ligne {counter['n']}",
            "title_en": f"Online booking module {counter['n']}",
            "teaser_fr": "Un module libre de réservation de salles.",
            "description_fr": "## Contexte\n\nLe ministère veut un module **libre** de réservation.",
            "acceptance_fr": "- Tests automatisés\n- Documentation en français",
            "price": Decimal("45000.00"),
            "deadline": now + datetime.timedelta(days=20),
            "repository_url": "https://git.example.org/mcn/reservation",
        }
        if status != Opportunity.Status.DRAFT:
            fields["published_at"] = now - datetime.timedelta(days=1)
        fields.update(overrides)
        opportunity = Opportunity.objects.create(**fields)
        for position, (name, weight) in enumerate(criteria):
            Criterion.objects.create(opportunity=opportunity, position=position, name_fr=name, weight=weight)
        for slug in skills:
            skill, _ = Skill.objects.get_or_create(slug=slug, defaults={"name_fr": slug.title()})
            opportunity.skills.add(skill)
        return opportunity

    return make


@pytest.fixture
def sealed_submission():
    """A submitted proposal (version 1) sealed in ``seal``'s format; returns ``(proposal, submission)``."""

    def make(opportunity, supplier, content=None, *, attachments=(), submitted_at=None, by=None):
        submitted_at = submitted_at or timezone.now()
        proposal = Proposal.objects.create(opportunity=opportunity, supplier=supplier, status=Proposal.Status.SUBMITTED,
                                           created_by=by or getattr(supplier, "owner", None), draft_revision=1)
        criteria = {str(c.pk): f"Réponse au critère « {c.name_fr} »." for c in opportunity.criteria.all()}
        body = {"summary": f"Proposition de {supplier.legal_name}.", "approach": "Itérations de deux semaines.",
                "team": "Deux développeuses.", "schedule": "Huit semaines.", "criteria": criteria}
        body.update(content or {})
        document = {
            "format": seal.DOCUMENT_FORMAT,
            "opportunity": opportunity.reference,
            "supplier": {"neq": supplier.neq, "legal_name": supplier.legal_name},
            "version": 1,
            "submitted_at": submitted_at.astimezone(datetime.UTC).isoformat(),
            "salt": secrets.token_hex(16),
            "content": body,
            "attachments": [{"name": name, "content_type": "application/pdf", "size": len(data),
                             "sha256": seal.sha256(data), "data": base64.b64encode(data).decode()}
                            for name, data in attachments],
            "attestations": {"no_conflict_of_interest": True, "terms_accepted": True},
        }
        sealed = seal.seal(document, aad=seal.submission_aad(proposal.pk, 1))
        submission = Submission.objects.create(
            proposal=proposal, version=1, draft_revision=1, sealed=sealed.ciphertext, wrapped_key=sealed.wrapped_key,
            key_id=sealed.key_id, receipt=sealed.digest, sealed_sha256=sealed.sealed_digest, submitted_at=submitted_at,
            submitted_by=by or getattr(supplier, "owner", None), coi_attested=True, terms_accepted=True)
        return proposal, submission

    return make
