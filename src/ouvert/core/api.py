"""Core API (mounted at /api/v1/core/): organisations, the signed-in person, notifications."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ouvert.api import AUTH

from . import services
from .models import Organisation

router = Router(tags=["core"])


class OrganisationOut(Schema):
    slug: str
    name_fr: str
    name_en: str
    acronym: str
    kind: str
    website: str
    description_fr: str
    description_en: str
    parent: str | None = Field(None, description="identifiant (slug) de l'organisation mère")
    is_demo: bool

    @staticmethod
    def resolve_parent(obj: Organisation) -> str | None:
        return obj.parent.slug if obj.parent_id else None


class PersonOut(Schema):
    name: str
    role: str
    is_respondent: bool


class OrganisationDetailOut(OrganisationOut):
    members: list[PersonOut]
    respondents: list[PersonOut]
    children: list[str]


class MembershipOut(Schema):
    organisation: str
    organisation_name_fr: str
    role: str
    is_respondent: bool


class MeOut(Schema):
    email: str
    full_name: str
    preferred_language: str
    is_platform_admin: bool
    memberships: list[MembershipOut]
    unread_notifications: int


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(Schema):
    id: int | None = Field(None, description="une notification ; toutes quand absent")


class MarkReadOut(Schema):
    marked: int


def _person(membership) -> dict:
    return {"name": membership.user.display_name, "role": membership.role,
            "is_respondent": membership.is_respondent}


def organisation_detail_payload(detail: dict) -> dict:
    """The one data shape of an organisation page and of its API answer."""
    org = detail["organisation"]
    data = OrganisationOut.from_orm(org).dict()
    data["members"] = [_person(m) for m in detail["members"]]
    data["respondents"] = [_person(m) for m in detail["respondents"]]
    data["children"] = [child.slug for child in detail["children"]]
    return data


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations")
def organisations(request: HttpRequest, kind: Organisation.Kind | None = None):
    return services.organisation_list(kind=kind).select_related("parent")


@router.get("/organisations/{slug}", response=OrganisationDetailOut, summary="Organisation, membres et répondants")
def organisation(request: HttpRequest, slug: str):
    return organisation_detail_payload(services.organisation_detail(slug=slug))


@router.get("/me", response=MeOut, auth=AUTH, summary="La personne authentifiée")
def me(request: HttpRequest):
    user = request.auth
    memberships = services.membership_list(user=user)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "preferred_language": user.preferred_language,
        "is_platform_admin": user.is_superuser,
        "memberships": [{"organisation": m.organisation.slug, "organisation_name_fr": m.organisation.name_fr,
                         "role": m.role, "is_respondent": m.is_respondent} for m in memberships],
        "unread_notifications": services.notification_list(user=user, unread_only=True).count(),
    }


@router.get("/notifications", response=list[NotificationOut], auth=AUTH, summary="Mes notifications")
def notifications(request: HttpRequest, unread: bool = False):
    return services.notification_list(user=request.auth, unread_only=unread)[:200]


@router.post("/notifications/read", response=MarkReadOut, auth=AUTH, summary="Marquer comme lues")
def notifications_read(request: HttpRequest, payload: MarkReadIn | None = None):
    notification_id = payload.id if payload is not None else None
    return {"marked": services.notification_mark_read(user=request.auth, notification_id=notification_id)}
