"""``parse_fq``: CKAN/Solr filter syntax to SQL, and syntax errors that say where."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ouvert.catalog.models import Dataset
from ouvert.catalog.package_search import parse_fq


@pytest.mark.parametrize(("fq", "position", "words"), [
    ("tags:(velo", 11, "« ) » attendu"),
    ("tags:", 5, "valeur attendue"),
    ("couleur:rouge", 1, "champ « couleur » inconnu"),
    ("tags:a AND", 8, "AND"),
    ("tags:a OR OR tags:b", 8, "OR"),
    ("metadata_modified:[2022-01-01 TO", 19, "intervalle sans"),
    ("metadata_modified:[2022-01-01]", 19, "[début TO fin]"),
    ('title:"pistes cyclables', 7, "guillemet"),
    ("tags:a)", 7, "« ) » inattendu"),
    ("(tags:a OR )", 9, "OR"),
    ("()", 2, "parenthèses vides"),
    ("private:peut-etre", 9, "true ou false"),
    ("metadata_created:[hier TO *]", 18, "date ISO 8601"),
    ("num_resources:[un TO 3]", 15, "nombre entier"),
    (":velo", 1, "sans nom de champ"),
    ("tags:a]", 7, "sans intervalle"),
    ("tags:(name:x)", 7, "dans la valeur du champ"),
    ("NOT", 1, "NOT"),
    ("extras_a b:c", 10, "champ « b » inconnu"),
])
def test_syntax_error_names_the_position(fq, position, words):
    with pytest.raises(ValidationError) as exc:
        parse_fq(fq)
    message = exc.value.message_dict["fq"][0]
    assert f"position {position} " in message
    assert words in message
    assert fq[:20] in message


def test_syntax_is_checked_before_anything_is_matched():
    # The bare word would need the search index; the error at the end is reported first.
    with pytest.raises(ValidationError, match="position 7 "):
        parse_fq("velo (")


def test_non_string_and_oversized_fq_are_refused():
    with pytest.raises(ValidationError):
        parse_fq(["tags:a"])
    with pytest.raises(ValidationError, match="trop long"):
        parse_fq("tags:a " * 3000)
    with pytest.raises(ValidationError, match="imbriquées"):
        parse_fq("(" * 60 + "tags:a" + ")" * 60)


def test_empty_fq_is_no_filter():
    assert parse_fq("") == parse_fq(None) == parse_fq("   ")


@pytest.fixture
def catalogue(dataset_factory, theme_factory, other_org, other_org_editor):
    theme_factory("transport", title_fr="Transport")
    theme_factory("environnement", title_fr="Environnement")
    velo = dataset_factory(name="comptages-velo", title_fr="Comptages de vélos", title_en="Bicycle counts",
                           tags=["vélo", "mobilité"], themes=["transport"], licence="CC-BY-4.0",
                           extras={"source": "compteurs"},
                           resources=[{"url": "https://example.org/velo.csv", "format": "CSV", "name_fr": "Comptages"},
                                      {"url": "https://example.org/velo.json", "format": "JSON"}])
    pistes = dataset_factory(name="pistes-cyclables", title_fr="Pistes cyclables", tags=["vélo"],
                             themes=["transport", "environnement"], licence="CC0-1.0",
                             resources=[{"url": "https://example.org/pistes.geojson", "format": "GeoJSON"}])
    arbres = dataset_factory(name="arbres-publics", title_fr="Arbres publics", tags=["arbres"],
                             themes=["environnement"], organisation=other_org, actor=other_org_editor,
                             extras={"source": "inventaire"})
    old = timezone.make_aware(dt.datetime(2021, 6, 1, 12, 0))
    Dataset.objects.filter(pk=arbres.pk).update(modified_at=old, created_at=old)
    return {"velo": velo, "pistes": pistes, "arbres": arbres}


def names(fq):
    return sorted(Dataset.objects.filter(parse_fq(fq)).values_list("name", flat=True))


@pytest.mark.parametrize(("fq", "expected"), [
    ("tags:vélo", ["comptages-velo", "pistes-cyclables"]),
    ('tags:"vélo"', ["comptages-velo", "pistes-cyclables"]),
    ("tags:vélo AND tags:mobilité", ["comptages-velo"]),
    ("tags:vélo tags:mobilité", ["comptages-velo"]),  # side by side: AND, as CKAN's schema did
    ("tags:vélo OR tags:arbres", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("tags:(mobilité OR arbres)", ["arbres-publics", "comptages-velo"]),
    ("groups:transport -groups:environnement", ["comptages-velo"]),
    ("groups:transport AND NOT groups:environnement", ["comptages-velo"]),
    ("+groups:environnement !tags:arbres", ["pistes-cyclables"]),
    ("organization:ville-de-quebec", ["arbres-publics"]),
    ("owner_org:mtmd", ["comptages-velo", "pistes-cyclables"]),
    ("res_format:csv", ["comptages-velo"]),
    ("res_format:GeoJSON OR res_format:JSON", ["comptages-velo", "pistes-cyclables"]),
    ("license_id:CC0-1.0", ["pistes-cyclables"]),
    ("name:pistes*", ["pistes-cyclables"]),
    ("name:*-velo", ["comptages-velo"]),
    ("name:p?stes-cyclables", ["pistes-cyclables"]),
    ("title:vélos", ["comptages-velo"]),
    ('title:"pistes cyclables"', ["pistes-cyclables"]),
    ("title:bicycle", ["comptages-velo"]),
    ("num_resources:[2 TO *]", ["comptages-velo"]),
    ("num_resources:0", ["arbres-publics"]),
    ("num_resources:{0 TO 2}", ["pistes-cyclables"]),
    ("num_tags:2", ["comptages-velo"]),
    ("metadata_modified:[2022-01-01T00:00:00Z TO *]", ["comptages-velo", "pistes-cyclables"]),
    ("metadata_modified:[* TO 2022-01-01]", ["arbres-publics"]),
    ("metadata_created:[NOW-1DAY TO NOW+1DAY]", ["comptages-velo", "pistes-cyclables"]),
    ("metadata_modified:[NOW/YEAR-10YEARS TO NOW-1MONTH]", ["arbres-publics"]),
    ("extras_source:compteurs", ["comptages-velo"]),
    ("extras_source:*", ["arbres-publics", "comptages-velo"]),
    ("state:active AND private:false", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("dataset_type:dataset", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("*:*", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
    ("-*:*", []),
    ("tags:*", ["arbres-publics", "comptages-velo", "pistes-cyclables"]),
])
def test_filters_match(catalogue, fq, expected):
    assert names(fq) == expected


def test_id_and_owner_org_by_ckan_id(catalogue, publisher_org):
    from ouvert.catalog.ckan_dict import organisation_ckan_id

    assert names(f"id:{catalogue['velo'].pk}") == ["comptages-velo"]
    assert names("id:pas-un-uuid") == []
    assert names(f'owner_org:"{organisation_ckan_id(publisher_org)}"') == ["comptages-velo", "pistes-cyclables"]


def test_escaped_characters_are_literal(catalogue):
    assert names(r"name:comptages\-velo") == ["comptages-velo"]
    assert names(r"name:comptages\*") == []
