"""The access rules every part applies: seeing, managing, taking part, the participation record."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from ouvert.consult import services
from ouvert.consult.models import Block, Invitation, Participation, Process
from ouvert.core import services as core_services

pytestmark = pytest.mark.django_db


def test_private_process_is_not_found_for_people_not_invited(process_factory, citizen, organiser):
    process = process_factory(visibility=Process.Visibility.PRIVATE)
    outsider, guest = citizen(1), citizen(2)
    Invitation.objects.create(process=process, email=guest.email, user=guest, token_hash="x" * 64,
                              accepted_at=process.published_at)
    with pytest.raises(core_services.NotFound):
        services.process_get(slug=process.slug, user=outsider)
    assert services.process_get(slug=process.slug, user=guest) == process
    assert services.process_get(slug=process.slug, user=organiser) == process


def test_draft_is_seen_by_its_managers_only(process_factory, organiser, mamh_member, citizen):
    process = process_factory(published_at=None)
    assert services.can_view(organiser, process)
    assert not services.can_view(mamh_member, process)
    assert not services.can_view(citizen(1), process)


def test_participation_check_says_why(process_factory, process, citizen, phase_move, organiser):
    person = citizen(1)
    services.participation_check(user=person, process=process, component="proposals")
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        services.participation_check(user=None, process=process)
    phase_move(process, "analysis")
    with pytest.raises(PermissionDenied, match="pas ouverte"):
        services.participation_check(user=person, process=process, component="proposals")
    Block.objects.create(user=person, reason="Propos haineux répétés", blocked_by=organiser)
    with pytest.raises(PermissionDenied, match="bloqué"):
        services.participation_check(user=person, process=process)


def test_postal_code_verification(process_factory, citizen):
    process = process_factory(verification=Process.Verification.POSTAL_CODE)
    person = citizen(1)
    with pytest.raises(PermissionDenied, match="code postal"):
        services.participation_check(user=person, process=process, component="proposals")
    with pytest.raises(ValidationError):
        services.verification_set(user=person, postal_code="K1A 0B1")  # Ottawa, not Quebec
    assert services.verification_set(user=person, postal_code="g1r4s9").postal_code == "G1R 4S9"
    services.participation_check(user=person, process=process, component="proposals")


def test_participation_record_counts_people_once(process, citizens):
    for person in citizens + citizens[:2]:
        services.participation_record(process=process, user=person)
    assert Participation.objects.filter(process=process).count() == len(citizens)
    assert Participation.objects.get(process=process, user=citizens[0]).actions == 2


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=2)
def test_posting_rate_limit(citizen):
    person = citizen(1)
    services.posting_rate_check(person, "comment")
    services.posting_rate_check(person, "comment")
    with pytest.raises(core_services.RateLimited) as info:
        services.posting_rate_check(person, "comment")
    assert 0 < info.value.retry_after <= 60


def test_participation_check_is_one_query_and_keeps_every_rule(process_factory, citizen, organiser,
                                                               django_assert_num_queries, phase_move):
    """The facts (blocked, manager, invited, verified, current phase) are read in one statement."""
    person = citizen(1)
    process = services.process_get(slug=process_factory(verification=Process.Verification.POSTAL_CODE,
                                                         visibility=Process.Visibility.PRIVATE).slug,
                                   user=organiser)
    with django_assert_num_queries(1):
        services.participation_check(user=organiser, process=process, component="supports")
    with django_assert_num_queries(1), pytest.raises(core_services.NotFound):
        services.participation_check(user=person, process=process, component="supports")
    Invitation.objects.create(process=process, email=person.email, user=person, token_hash="y" * 64,
                              accepted_at=process.published_at)
    with django_assert_num_queries(1), pytest.raises(PermissionDenied, match="code postal"):
        services.participation_check(user=person, process=process, component="supports")
    services.verification_set(user=person, postal_code="g1r4s9")
    with django_assert_num_queries(1):
        services.participation_check(user=person, process=process, component="supports")
    phase_move(process, "analysis")
    with pytest.raises(PermissionDenied, match="pas ouverte"):
        services.participation_check(user=person, process=process, component="supports")
    services.participation_check(user=person, process=process)  # no component: still allowed
    Block.objects.create(user=person, reason="Propos haineux répétés", blocked_by=organiser)
    with django_assert_num_queries(1), pytest.raises(PermissionDenied, match="bloqué"):
        services.participation_check(user=person, process=process)


def test_public_process_is_seen_without_a_query(process, citizen, django_assert_num_queries):
    person = citizen(1)
    with django_assert_num_queries(0):
        assert services.can_view(person, process)
