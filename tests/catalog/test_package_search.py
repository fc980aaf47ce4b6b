"""``package_search``: full text, facets, sorting, paging, visibility, and a constant number of queries."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog.package_search import package_search

FACETS = '["organization", "groups", "tags", "res_format", "license_id"]'


@pytest.fixture
def catalogue(dataset_factory, theme_factory, other_org, other_org_editor):
    theme_factory("transport", title_fr="Transport")
    made = [
        dataset_factory(name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
                        notes_fr="Passages de vélos aux compteurs automatiques de Montréal.",
                        tags=["vélo", "mobilité"], themes=["transport"],
                        resources=[{"url": "https://example.org/velo.csv", "format": "CSV"},
                                   {"url": "https://example.org/velo.json", "format": "JSON"}]),
        dataset_factory(name="pistes-cyclables", title_fr="Pistes cyclables", tags=["vélo"],
                        notes_fr="Réseau cyclable : pistes, bandes et chaussées désignées.",
                        themes=["transport"], licence="CC0-1.0",
                        resources=[{"url": "https://example.org/pistes.csv", "format": "CSV"}]),
        dataset_factory(name="arbres-publics", title_fr="Arbres publics", tags=["arbres"],
                        notes_fr="Inventaire des arbres sur le domaine public.",
                        organisation=other_org, actor=other_org_editor),
        dataset_factory(name="budget-prive", title_fr="Budget interne", private=True),
        dataset_factory(name="brouillon", title_fr="Brouillon de données vélo", state="draft"),
    ]
    return made


def names(result):
    return [r["name"] for r in result["results"]]


def test_default_answer_has_ckan_keys_and_only_public_published(catalogue):
    result = package_search(user=None, params={})
    assert set(result) == {"count", "results", "facets", "search_facets", "sort"}
    assert result["count"] == 3
    assert set(names(result)) == {"comptages-velo", "pistes-cyclables", "arbres-publics"}
    assert result["sort"] == "score desc, metadata_modified desc"
    assert result["facets"] == {} and result["search_facets"] == {}
    first = result["results"][0]
    for key in ("id", "name", "title", "notes", "owner_org", "organization", "resources", "tags", "groups",
                "license_id", "metadata_modified", "num_resources", "num_tags", "private", "state", "type"):
        assert key in first


def test_full_text_folds_accents_and_stems(catalogue):
    assert set(names(package_search(user=None, params={"q": "velos"}))) == {"comptages-velo", "pistes-cyclables"}
    assert names(package_search(user=None, params={"q": "donnees velo"})) == []  # the draft is not public
    assert names(package_search(user=None, params={"q": "arbres"})) == ["arbres-publics"]
    # Title matches rank first.
    assert names(package_search(user=None, params={"q": "cyclables"}))[0] == "pistes-cyclables"


def test_q_in_solr_syntax_is_a_filter(catalogue):
    assert names(package_search(user=None, params={"q": "tags:arbres"})) == ["arbres-publics"]
    with pytest.raises(ValidationError) as exc:
        package_search(user=None, params={"q": "tags:(arbres"})
    assert "position 13" in exc.value.message_dict["q"][0]


def test_facets_count_datasets(catalogue):
    result = package_search(user=None, params={"facet.field": FACETS})
    assert result["facets"]["tags"] == {"vélo": 2, "mobilité": 1, "arbres": 1}
    assert result["facets"]["organization"] == {"mtmd": 2, "ville-de-quebec": 1}
    assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1}
    assert result["facets"]["license_id"] == {"CC-BY-4.0": 2, "CC0-1.0": 1}
    assert result["facets"]["groups"] == {"transport": 2}
    items = result["search_facets"]["organization"]["items"]
    assert items[0] == {"name": "mtmd", "display_name": "Ministère des Transports et de la Mobilité durable",
                        "count": 2}
    assert result["search_facets"]["tags"]["title"] == "tags"
    # Facets follow the filter.
    filtered = package_search(user=None, params={"fq": "organization:mtmd", "facet.field": '["tags"]'})
    assert filtered["facets"]["tags"] == {"vélo": 2, "mobilité": 1}


def test_facet_limit_and_mincount(catalogue):
    limited = package_search(user=None, params={"facet.field": '["tags"]', "facet.limit": "1"})
    assert limited["facets"]["tags"] == {"vélo": 2}
    assert len(package_search(user=None, params={"facet.field": ["tags"], "facet.limit": -1})["facets"]["tags"]) == 3
    frequent = package_search(user=None, params={"facet.field": '["tags"]', "facet.mincount": "2"})
    assert frequent["facets"]["tags"] == {"vélo": 2}
    assert package_search(user=None, params={"facet.field": '["tags"]', "facet": "false"})["facets"] == {}


@pytest.mark.parametrize(("sort", "expected"), [
    ("name asc", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("name desc", ["pistes-cyclables", "comptages-velo", "arbres-publics"]),
    ("title_string asc", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("metadata_modified desc", ["arbres-publics", "pistes-cyclables", "comptages-velo"]),
    ("metadata_created asc", ["comptages-velo", "pistes-cyclables", "arbres-publics"]),
    ("num_resources desc, name asc", ["comptages-velo", "pistes-cyclables", "arbres-publics"]),
    ("score desc, metadata_modified desc", ["arbres-publics", "pistes-cyclables", "comptages-velo"]),
])
def test_sort(catalogue, sort, expected):
    result = package_search(user=None, params={"sort": sort})
    assert names(result) == expected
    assert result["sort"] == sort


def test_paging(catalogue):
    pages = [names(package_search(user=None, params={"sort": "name asc", "rows": 2, "start": start}))
             for start in (0, 2, 4)]
    assert pages == [["arbres-publics", "comptages-velo"], ["pistes-cyclables"], []]
    assert package_search(user=None, params={"rows": "0"})["count"] == 3
    assert len(package_search(user=None, params={"rows": 5000})["results"]) == 3  # capped at 1000, no error


@pytest.mark.parametrize(("params", "key"), [
    ({"rows": "dix"}, "rows"),
    ({"rows": -1}, "rows"),
    ({"start": "-5"}, "start"),
    ({"sort": "popularite desc"}, "sort"),
    ({"sort": "name sideways"}, "sort"),
    ({"facet.field": '["couleur"]'}, "facet.field"),
    ({"facet.field": '["tags"'}, "facet.field"),
    ({"facet.limit": "beaucoup"}, "facet.limit"),
    ({"include_private": "peut-être"}, "include_private"),
    ({"fq": "tags:("}, "fq"),
    ({"fq_list": '["tags:a", "tags:("]'}, "fq"),
    ({"q": ["a", "b"]}, "q"),
])
def test_bad_parameters_are_validation_errors(catalogue, params, key):
    with pytest.raises(ValidationError) as exc:
        package_search(user=None, params=params)
    assert key in exc.value.message_dict


def test_private_and_drafts_for_members_only(catalogue, member, other_org_editor, admin_user):
    assert "budget-prive" not in names(package_search(user=member, params={}))
    assert "budget-prive" in names(package_search(user=member, params={"include_private": "true"}))
    assert "budget-prive" not in names(package_search(user=other_org_editor, params={"include_private": True}))
    assert "brouillon" not in names(package_search(user=member, params={"include_private": True}))
    assert "brouillon" in names(package_search(user=member, params={"include_drafts": True}))
    assert package_search(user=admin_user, params={"include_private": True, "include_drafts": True})["count"] == 5


def test_fq_list_and_fl(catalogue):
    result = package_search(user=None, params={"fq_list": ["tags:vélo", "res_format:JSON"], "fl": "id,name"})
    assert [set(r) for r in result["results"]] == [{"id", "name"}]
    assert result["results"][0]["name"] == "comptages-velo"


def _queries(params, user=None):
    with CaptureQueriesContext(connection) as ctx:
        result = package_search(user=user, params=params)
    return len(ctx.captured_queries), result


@pytest.mark.parametrize("params", [
    {"rows": 1000, "facet.field": FACETS},
    {"q": "jeu", "fq": "tags:vélo OR res_format:CSV", "facet.field": FACETS, "sort": "metadata_modified desc"},
])
def test_constant_number_of_queries(dataset_factory, theme_factory, member, params):
    theme_factory("transport")

    def grow(upto):
        while grow.n < upto:
            grow.n += 1
            dataset_factory(title_fr=f"Jeu {grow.n}", tags=["vélo", f"t{grow.n}"], themes=["transport"],
                            resources=[{"url": f"https://example.org/{grow.n}.csv", "format": "CSV"},
                                       {"url": f"https://example.org/{grow.n}.json", "format": "JSON"}])
    grow.n = 0
    grow(5)
    small, result5 = _queries(params, member)
    grow(50)
    large, result50 = _queries(params, member)
    assert result5["count"] == 5 and result50["count"] == 50
    assert small == large
    assert large <= 13  # membership, kinds in the index, count, page, 5 facets, 4 prefetches


@pytest.mark.parametrize("params", [
    {"q": "vélo", "facet.field": FACETS},
    {"q": "vélo", "facet.field": FACETS, "sort": "metadata_modified desc", "rows": 1},
    {"q": "vélo", "facet.field": FACETS, "start": 1, "rows": 1, "sort": "score desc"},
    {"fq": "tags:vélo OR organization:*", "facet.field": FACETS, "sort": "title_string asc"},
    {"facet.field": FACETS, "facet.limit": 1},
])
def test_answers_identical_with_and_without_the_id_list(catalogue, member, monkeypatch, params):
    """With facets, a small matching set is read once as ids (``ID_LIST_MAX``); a large one is counted
    and faceted by subqueries. Both paths give the same count, page, order and facets."""
    from ouvert.catalog import package_search as module

    by_list = package_search(user=member, params=dict(params, include_private="true"))
    monkeypatch.setattr(module, "ID_LIST_MAX", 0)
    by_subquery = package_search(user=member, params=dict(params, include_private="true"))
    assert by_list == by_subquery
    assert by_list["count"] > 0 and by_list["results"]


@pytest.mark.parametrize("id_list_max", [0, 1, 2, 3])
@pytest.mark.parametrize("params", [
    {"q": "vélo", "facet.field": FACETS, "rows": 2},
    {"q": "vélo", "facet.field": FACETS, "start": 1, "rows": 2},
    {"q": "vélo", "facet.field": FACETS, "start": 1, "rows": 5, "sort": "score desc, name desc"},
])
def test_relevance_page_sliced_from_the_ranked_ids_wherever_the_id_list_stops(catalogue, member, monkeypatch,
                                                                               params, id_list_max):
    """Sorted by relevance with facets, the ids are read in the page's order and the page is a slice of
    them when it lies within; past them, the page is read on its own. Same answer either way."""
    from ouvert.catalog import package_search as module

    expected = package_search(user=member, params=dict(params, include_private="true"))
    monkeypatch.setattr(module, "ID_LIST_MAX", id_list_max)
    assert package_search(user=member, params=dict(params, include_private="true")) == expected
    assert expected["count"] > 0 and expected["results"]


def test_a_page_past_the_end_still_counts(catalogue, member):
    """Without facets the page carries the count on PostgreSQL (COUNT(*) OVER ()); a page past the end
    is empty and still gives the count."""
    full = package_search(user=member, params={"q": "vélo", "include_private": "true"})
    past = package_search(user=member, params={"q": "vélo", "include_private": "true", "start": 1000})
    assert full["count"] > 0 and full["results"]
    assert past["count"] == full["count"] and past["results"] == []


def test_page_keeps_the_sort_order_when_read_by_ids(dataset_factory):
    """The page is read as ordered ids first, then the datasets: the order must survive."""
    for i in range(8):
        dataset_factory(name=f"jeu-{i}", title_fr=f"Jeu {chr(ord('h') - i)}")
    by_title = names(package_search(user=None, params={"sort": "title_string asc", "rows": 5, "start": 1}))
    assert by_title == ["jeu-6", "jeu-5", "jeu-4", "jeu-3", "jeu-2"]
    by_name_desc = names(package_search(user=None, params={"sort": "name desc", "rows": 3}))
    assert by_name_desc == ["jeu-7", "jeu-6", "jeu-5"]


def test_facets_without_full_text_are_cached_until_a_dataset_changes(catalogue, editor):
    """The search page as it opens counts facets over every public dataset: cached, keyed by the
    search index's generation, which every dataset write changes."""
    from ouvert.catalog import services

    params = {"facet.field": FACETS, "facet.limit": -1}
    first_queries, first = _queries(params)
    again_queries, again = _queries(params)
    assert again["facets"] == first["facets"] and again["facets"]["tags"] == {"vélo": 2, "mobilité": 1, "arbres": 1}
    assert again_queries == first_queries - 5  # the five facet queries
    member_view = package_search(user=editor, params={**params, "include_private": True})
    assert member_view["facets"]["tags"] == first["facets"]["tags"] and member_view["count"] == 4
    services.dataset_update(actor=editor, dataset=catalogue[0], data={"tags": ["hiver"]}, partial=True)
    after = package_search(user=None, params=params)
    assert after["facets"]["tags"] == {"vélo": 1, "hiver": 1, "arbres": 1}
    services.dataset_delete(actor=editor, dataset=catalogue[1])
    assert package_search(user=None, params=params)["facets"]["organization"] == {"mtmd": 1, "ville-de-quebec": 1}
