"""Test kit of the science module.

- ``frq``: the Fonds de recherche du Québec (a public body) and its three funds, ``funds["frqnt"]``,
  ``funds["frqs"]``, ``funds["frqsc"]``, each with two policy versions (``policies[(slug, "2019")]`` and
  ``policies[(slug, "2022")]``):
  - 2019, from 2019-04-01: open access within 12 months, any licence; routes ``journal`` and
    ``repository`` (accepted manuscript or version of record);
  - 2022, from 2022-04-01: immediate open access under CC BY (or CC BY-SA, CC0); routes ``journal``,
    ``repository`` and ``rights_retention``;
- people: ``fund_staff`` (editor of the FRQ: a science manager), ``platform_admin``, ``researcher`` and
  ``stranger`` (signed-in people with no role), ``udem`` (a university) and ``institution_staff`` (its editor);
- ``journal_factory(**fields)`` → a ``Journal`` (fully open access under CC BY by default);
- ``publication_factory(fund="frqnt", grant="…", authors=[…], **fields)`` → a ``Publication`` made in the
  database directly with its funding and authors (the registry's own tests go through its services).
"""

import datetime

import pytest

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.science.models import Author, Fund, Funding, Journal, PolicyVersion, Publication

RIGHTS_RETENTION_FR = ("Ce travail a été financé par les Fonds de recherche du Québec. À des fins de libre accès, "
                       "l'auteur a appliqué une licence CC BY à toute version du manuscrit accepté pour publication "
                       "découlant de cette soumission.")
RIGHTS_RETENTION_EN = ("This research was funded by the Fonds de recherche du Québec. For the purpose of open access, "
                       "the author has applied a CC BY public copyright licence to any Author Accepted Manuscript "
                       "version arising from this submission.")

FUNDS = [
    ("frqnt", "FRQNT", "Fonds de recherche du Québec — Nature et technologies",
     "Fonds de recherche du Québec — Nature and technology"),
    ("frqs", "FRQS", "Fonds de recherche du Québec — Santé", "Fonds de recherche du Québec — Health"),
    ("frqsc", "FRQSC", "Fonds de recherche du Québec — Société et culture",
     "Fonds de recherche du Québec — Society and culture"),
]


@pytest.fixture
def frq(make_org):
    return make_org(slug="frq", name_fr="Fonds de recherche du Québec", acronym="FRQ")


@pytest.fixture
def funds(frq):
    return {slug: Fund.objects.create(slug=slug, acronym=acronym, name_fr=name_fr, name_en=name_en,
                                      organisation=frq, position=position)
            for position, (slug, acronym, name_fr, name_en) in enumerate(FUNDS)}


@pytest.fixture
def policies(funds):
    versions = {}
    for slug, fund in funds.items():
        versions[(slug, "2019")] = PolicyVersion.objects.create(
            fund=fund, code="2019", title_fr="Politique de diffusion en libre accès (2019)",
            title_en="Open Access Policy (2019)", effective_from=datetime.date(2019, 4, 1), max_embargo_months=12,
            licences=[], routes={"journal": {}, "repository": {"versions": ["accepted", "published"]}})
        versions[(slug, "2022")] = PolicyVersion.objects.create(
            fund=fund, code="2022", title_fr="Politique de diffusion en libre accès (libre accès immédiat)",
            title_en="Open Access Policy (immediate open access)", effective_from=datetime.date(2022, 4, 1),
            max_embargo_months=0, licences=["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"],
            routes={"journal": {}, "repository": {"versions": ["accepted", "published"]}, "rights_retention": {}},
            rights_retention_fr=RIGHTS_RETENTION_FR, rights_retention_en=RIGHTS_RETENTION_EN)
    return versions


@pytest.fixture
def fund_staff(make_user, frq):
    user = make_user(email="libre-acces@frq.example.org", full_name="Équipe libre accès FRQ")
    core_services.membership_set(user=user, organisation=frq, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@ouvert.example.org", full_name="Administration", is_superuser=True)


@pytest.fixture
def researcher(make_user):
    return make_user(email="chercheuse@umontreal.example.org", full_name="Chercheuse Tremblay")


@pytest.fixture
def stranger(make_user):
    return make_user(email="curieux@example.org", full_name="Personne curieuse")


@pytest.fixture
def udem(make_org):
    return make_org(slug="udem", kind="university", name_fr="Université de Montréal", acronym="UdeM")


@pytest.fixture
def institution_staff(make_user, udem):
    user = make_user(email="bibliotheque@umontreal.example.org", full_name="Bibliothèque UdeM")
    core_services.membership_set(user=user, organisation=udem, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def journal_factory(db):
    def make(**fields):
        values = {"title": "Revue ouverte de sciences", "issn_electronic": "1932-6203", "publisher": "Éditions Libres",
                  "is_open_access": True, "registry": "DOAJ", "licences": ["CC-BY-4.0"]}
        values.update(fields)
        return Journal.objects.create(**values)
    return make


@pytest.fixture
def publication_factory(db, funds):
    counter = iter(range(1, 100000))

    def make(*, fund="frqnt", grant="2023-NC-123456", authors=None, **fields):
        number = next(counter)
        values = {"doi": f"10.5555/ouvert.{number}", "title": f"Article financé numéro {number}",
                  "published_on": datetime.date(2023, 6, 15)}
        values.update(fields)
        publication = Publication.objects.create(**values)
        for position, author in enumerate(authors or [{"name": "Chercheuse Tremblay", "orcid": "0000-0002-1825-0097",
                                                       "is_corresponding": True,
                                                       "email": "chercheuse@umontreal.example.org"}]):
            Author.objects.create(publication=publication, position=position, **author)
        if fund:
            Funding.objects.create(publication=publication, fund=funds[fund], grant_number=grant)
        return publication
    return make
