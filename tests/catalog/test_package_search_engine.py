"""``package_search`` answered by the search engine alone (filter terms in the index).

When ``q`` is plain full text and every filter can be said with filter terms, the count, the
ranked page and the facets come from the engine's own query (``SearchPlan.engine``), never from
joining the matches to the datasets. These tests hold that query to the SQL rule it replaces:
for each person and each filter, the engine's matches are exactly the datasets of
``SearchPlan.queryset`` (visibility in ``selectors``, ``fq`` in SQL), and they stay so as the
datasets change.
"""

import pytest

from ouvert.catalog import services
from ouvert.catalog.models import Dataset
from ouvert.catalog.package_search import _facets, package_search, search_plan
from ouvert.core import search

FACET_FIELDS = ["organization", "groups", "tags", "res_format", "license_id"]


@pytest.fixture
def catalogue(dataset_factory, theme_factory, other_org, other_org_editor):
    theme_factory("transport", title_fr="Transport")
    theme_factory("environnement", title_fr="Environnement")
    return {
        "velo": dataset_factory(name="comptages-velo", title_fr="Comptages de vélos", tags=["vélo", "mobilité"],
                                themes=["transport"], notes_fr="Données de comptage des vélos à Montréal.",
                                resources=[{"url": "https://example.org/a.csv", "format": "CSV"},
                                           {"url": "https://example.org/a.json", "format": "json"}]),
        "pistes": dataset_factory(name="pistes-cyclables", title_fr="Pistes cyclables", tags=["vélo"],
                                  notes_fr="Données du réseau cyclable.", themes=["transport"], licence="CC0-1.0",
                                  resources=[{"url": "https://example.org/b.geojson", "format": "GeoJSON"}]),
        "arbres": dataset_factory(name="arbres-publics", title_fr="Arbres publics", tags=["arbres"],
                                  notes_fr="Données des arbres publics, vélo-boulevard compris.",
                                  themes=["environnement"], organisation=other_org, actor=other_org_editor,
                                  resources=[{"url": "https://example.org/c.csv", "format": "CSV"}]),
        "prive": dataset_factory(name="budget-prive", title_fr="Budget vélo interne", private=True,
                                 notes_fr="Données internes."),
        "brouillon": dataset_factory(name="brouillon-velo", title_fr="Brouillon de données vélo", state="draft"),
        "prive-ailleurs": dataset_factory(name="prive-ailleurs", title_fr="Vélos privés d'ailleurs", private=True,
                                          organisation=other_org, actor=other_org_editor, tags=["vélo"]),
    }


def _both(user, params):
    """(the engine's matches, the SQL rule's matches) for ``params``; the engine must be used."""
    plan = search_plan(user=user, params=params)
    assert plan.engine is not None, params
    engine = set(plan.engine.restrict(Dataset.objects.all()).values_list("name", flat=True))
    rule = set(plan.queryset.values_list("name", flat=True))
    assert plan.engine.count() == len(engine)
    return engine, rule


FILTERS = [
    {},
    {"fq": "organization:ville-de-quebec"},
    {"fq": "owner_org:ville-de-quebec"},
    {"fq": "-organization:ville-de-quebec"},
    {"fq": "tags:vélo"},
    {"fq": 'tags:"vélo" AND tags:mobilité'},
    {"fq": "tags:vélo OR groups:environnement"},
    {"fq": "res_format:csv"},
    {"fq": "res_format:JSON AND NOT license_id:CC0-1.0"},
    {"fq": "license_id:CC0-1.0"},
    {"fq": "organization:inconnue"},
    {"fq_list": '["groups:transport", "-tags:mobilité"]'},
]


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize("who", ["anonymous", "member", "other_org_editor", "admin_user"])
@pytest.mark.parametrize("include", [{}, {"include_private": True}, {"include_private": True, "include_drafts": True},
                                     {"include_drafts": True}])
def test_engine_matches_are_the_sql_rule(catalogue, request, who, params, include):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    for q in ("données", "vélo", "velos publics"):
        engine, rule = _both(user, {"q": q, **params, **include})
        assert engine == rule, (who, q, params, include)


def test_each_person_sees_what_the_rule_lets_them_see(catalogue, member, other_org_editor, admin_user):
    assert _both(None, {"q": "vélo"})[0] == {"comptages-velo", "pistes-cyclables", "arbres-publics"}
    assert _both(member, {"q": "vélo", "include_private": True, "include_drafts": True})[0] == {
        "comptages-velo", "pistes-cyclables", "arbres-publics", "budget-prive", "brouillon-velo"}
    assert _both(other_org_editor, {"q": "vélo", "include_private": True})[0] == {
        "comptages-velo", "pistes-cyclables", "arbres-publics", "prive-ailleurs"}
    assert len(_both(admin_user, {"q": "vélo", "include_private": True, "include_drafts": True})[0]) == 6


def test_facets_and_page_from_the_engine_equal_the_sql_rule(catalogue, member):
    params = {"q": "données", "include_private": True, "fq": "-tags:arbres"}
    plan = search_plan(user=member, params=params)
    from_engine = _facets(None, FACET_FIELDS, limit=-1, mincount=1, ids=plan.engine.object_ids(Dataset))
    from_sql = _facets(plan.queryset, FACET_FIELDS, limit=-1, mincount=1)
    assert from_engine == from_sql
    assert from_engine[0]["res_format"] == {"CSV": 1, "json": 1, "GeoJSON": 1}
    result = package_search(user=member, params={**params, "facet.field": str(FACET_FIELDS).replace("'", '"')})
    assert result["count"] == 3 and result["facets"] == from_engine[0]
    # Title matches first, then the rest, as in the SQL rule.
    ranked = package_search(user=None, params={"q": "vélo"})
    assert [r["name"] for r in ranked["results"]][:1] == ["comptages-velo"]
    assert [r["name"] for r in ranked["results"]][-1] == "arbres-publics"


def test_paging_by_relevance_and_by_date(catalogue):
    everything = package_search(user=None, params={"q": "données", "rows": 10})
    assert everything["count"] == 3
    pages = [package_search(user=None, params={"q": "données", "rows": 1, "start": n}) for n in range(4)]
    assert [p["count"] for p in pages] == [3, 3, 3, 3]
    assert [r["name"] for p in pages for r in p["results"]] == [r["name"] for r in everything["results"]]
    by_date = package_search(user=None, params={"q": "données", "sort": "metadata_modified desc"})
    dates = [r["metadata_modified"] for r in by_date["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3


def test_filters_that_terms_cannot_say_use_sql(catalogue):
    for params in ({"q": "vélo", "fq": "name:comptages*"}, {"q": "vélo", "fq": "metadata_modified:[2000-01-01 TO *]"},
                   {"q": "vélo", "fq": "title:vélos"}, {"q": "vélo", "include_deleted": True}, {"q": "tags:vélo"}):
        assert search_plan(user=None, params=params).engine is None, params
    assert {r["name"] for r in package_search(user=None, params={"q": "vélo", "fq": "name:comptages*"})["results"]} \
        == {"comptages-velo"}


def test_filter_terms_follow_every_change(catalogue, editor, other_org, admin_user):
    def found(**params):
        return {r["name"] for r in package_search(user=None, params={"q": "données", **params})["results"]}

    velo = catalogue["velo"]
    services.dataset_update(actor=editor, dataset=velo, data={"private": True}, partial=True)
    assert "comptages-velo" not in found()
    services.dataset_update(actor=editor, dataset=velo, data={"private": False, "tags": ["hiver"]}, partial=True)
    assert "comptages-velo" in found(fq="tags:hiver") and "comptages-velo" not in found(fq="tags:vélo")
    brouillon = catalogue["brouillon"]
    services.dataset_update(actor=editor, dataset=brouillon, data={"state": "active", "notes_fr": "Données."}, partial=True)
    assert "brouillon-velo" in found()
    pistes = catalogue["pistes"]
    services.dataset_delete(actor=editor, dataset=pistes)
    assert "pistes-cyclables" not in found(include_deleted=True) | found()
    resource = catalogue["arbres"].resources.get()
    services.resource_update(actor=admin_user, resource=resource, data={"format": "XLSX"}, partial=True)
    assert found(fq="res_format:xlsx") == {"arbres-publics"} and "arbres-publics" not in found(fq="res_format:CSV")


def test_what_everybody_sees_is_one_term_where_exclusions_are_dear(catalogue, editor):
    """On PostgreSQL, a query with ``!`` makes GIN read every match's row again: what everybody sees
    is then said with the positive "public" term, which follows publication and privacy."""
    from ouvert.catalog import indexing, selectors

    terms = selectors.dataset_visibility(None, include_private=False, include_drafts=False)[1]
    if search.exclusions_are_cheap():
        assert all(isinstance(item, search.Not) for item in terms.items)
    else:
        assert terms == search.AllOf((search.Term(*indexing.PUBLIC_TERM),))
    public = search.match(indexing.KIND, "données", terms=search.Term(*indexing.PUBLIC_TERM))

    def sees(name):
        return search.object_key(catalogue[name].pk) in {key for key, _rank in public.ranked(limit=50)}

    assert sees("velo") and not sees("brouillon") and not sees("prive")
    services.dataset_update(actor=editor, dataset=catalogue["velo"], data={"private": True}, partial=True)
    assert not sees("velo")
    services.dataset_update(actor=editor, dataset=catalogue["brouillon"], data={"state": "active"}, partial=True)
    assert sees("brouillon")


def test_documents_of_other_kinds_never_come_back(catalogue):
    search.index("autre-chose", 1, title="Données vélo", terms=[("org", str(catalogue["velo"].organisation_id))])
    result = package_search(user=None, params={"q": "données vélo", "fq": f"owner_org:{catalogue['velo'].organisation.slug}",
                                               "facet.field": '["organization"]'})
    assert {r["name"] for r in result["results"]} == {"comptages-velo", "pistes-cyclables"}
    assert result["count"] == 2
    assert search.match("autre-chose", "vélo").count() == 1


def test_filter_terms_typed_in_a_text_are_not_terms(catalogue, editor, publisher_org, other_org, other_org_editor):
    """A description that spells another publisher's or a public dataset's filter tokens gains nothing:
    such words are never indexed, and FTS5 looks for terms in the terms column only."""
    forged = " ".join([search.term_token("org", str(other_org.pk)), search.term_token("state", "active"),
                       search.term_token("private", "0"), search.term_token("public", "1"),
                       search.term_token("tag", "vélo"), search.ALL_TOKEN])
    services.dataset_create(actor=editor, organisation=publisher_org, data={
        "name": "secret-force", "title_fr": "Données secrètes", "private": True, "notes_fr": forged})
    for user, params in ((other_org_editor, {"include_private": True}), (None, {}), (None, {"fq": "tags:vélo"})):
        engine, rule = _both(user, {"q": "données", **params})
        assert "secret-force" not in engine and engine == rule

