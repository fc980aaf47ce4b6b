"""What the suppliers and proposals tests share: a complete draft's content, saving and submitting through the
services, API clients with a token."""

import datetime

from django.test import Client

from ouvert.core import services as core_services
from ouvert.market import proposals

MONTREAL = datetime.timezone(datetime.timedelta(hours=-5))


def content_for(opportunity, **overrides) -> dict:
    content = {"summary": "Un module libre, testé et documenté.", "approach": "Itérations de deux semaines.",
               "team": "Deux développeuses, une designer.", "schedule": "Huit semaines.",
               "criteria": {str(c.pk): f"Réponse au critère « {c.name_fr} »." for c in opportunity.criteria.all()}}
    content.update(overrides)
    return content


def save(opportunity, supplier, user=None, **overrides):
    return proposals.proposal_draft_save(opportunity=opportunity, supplier=supplier, user=user or supplier.owner,
                                         content=content_for(opportunity, **overrides))


def owner(supplier):
    """The supplier's first admin (``supplier.owner`` is lost when the instance is reloaded)."""
    from ouvert.core.models import Membership

    return getattr(supplier, "owner", None) or Membership.objects.filter(
        organisation_id=supplier.organisation_id, role=Membership.Role.ADMIN).order_by("id").first().user


def submit(proposal, user=None, revision=None):
    return proposals.proposal_submit(proposal=proposal, user=user or owner(proposal.supplier),
                                     draft_revision=revision, no_conflict_of_interest=True, terms_accepted=True)


def save_and_submit(opportunity, supplier, user=None, **overrides):
    proposal = save(opportunity, supplier, user, **overrides)
    return proposal, submit(proposal, user).submission


def api(user=None) -> Client:
    """A Django client that speaks to the API with ``user``'s token (anonymous without a user)."""
    if user is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=core_services.token_create(user=user, name="tests"))
