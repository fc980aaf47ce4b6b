"""The people of the software module's demo, shared by every part's demo: the platform's free-software team (an
editor of the platform's organisation, ``OUVERT_OPEN_DATA_ORGANISATION``), the platform admin who decides the
catalogue's statuses, and the demo municipality with the member who speaks for it. Each function makes what is
missing and leaves the rest as it is; the demo password is given by ``demo.accounts``."""

from __future__ import annotations

from ouvert.core import services as core_services
from ouvert.core.models import Membership, Organisation, User

ADMIN_EMAIL = "admin@demo.ouvert.local"
TEAM_EMAIL = "logiciel-libre@demo.ouvert.local"
TEAM_NAME = "Équipe du logiciel libre (démo)"
BODY_SLUG = "municipalite-demo"
MEMBER_EMAIL = "ti@municipalite-demo.ouvert.local"
MEMBER_NAME = "Service des technologies (démo)"

_EDITING = [Membership.Role.EDITOR, Membership.Role.ADMIN]


def _user(email: str, full_name: str, **kwargs) -> User:
    return User.objects.filter(email=email).first() or core_services.user_upsert(
        email=email, password=None, full_name=full_name, **kwargs)


def _editor_of(user: User, organisation: Organisation) -> User:
    if not core_services.user_has_role(user, organisation, _EDITING):
        core_services.membership_set(user=user, organisation=organisation, role=Membership.Role.EDITOR)
    return user


def platform_organisation() -> Organisation:
    slug = core_services.open_data_organisation()
    return Organisation.objects.filter(slug=slug).first() or core_services.organisation_upsert(
        slug=slug, name_fr="Secrétariat du Conseil du trésor", name_en="Treasury Board Secretariat", acronym="SCT",
        kind="public_body", is_demo=True)


def team() -> User:
    """The platform's free-software team (editor of the platform's organisation)."""
    return _editor_of(_user(TEAM_EMAIL, TEAM_NAME), platform_organisation())


def admin() -> User:
    return _user(ADMIN_EMAIL, "Administration (démo)", is_superuser=True)


def body_and_member() -> tuple[Organisation, User]:
    """The demo municipality and its member (an editor: declares uses, makes grids, asks for accompaniment)."""
    body = Organisation.objects.filter(slug=BODY_SLUG).first() or core_services.organisation_upsert(
        slug=BODY_SLUG, name_fr="Municipalité de démonstration", name_en="Demo municipality", kind="municipality",
        is_demo=True)
    return body, _editor_of(_user(MEMBER_EMAIL, MEMBER_NAME), body)
