"""CKAN dictionaries: real ``package_show`` answers (open.canada.ca, demo.ckan.org) go in through
``ckan_to_dataset_data`` and the service, and come back out of ``dataset_to_ckan`` with the same content.

Data: ``tests/catalog/data/ckan/`` — copies of ``/work/shared/corpus/ckan/`` (see its SOURCES.md:
open.canada.ca package_show answers, MIT / OGL-Canada; demo.ckan.org answer from Amsterdam/dcatd, MPL-2.0).
"""

import copy

import pytest
from django.core.exceptions import ValidationError

from ouvert.catalog import ckan_dict, services
from ouvert.catalog.models import Dataset

pytestmark = pytest.mark.django_db


def _import(package, actor=None):
    data = ckan_dict.ckan_to_dataset_data(package)
    return services.dataset_create(actor=actor, data=data)


def _out(dataset):
    fresh = ckan_dict.dataset_prefetch(Dataset.objects.filter(pk=dataset.pk)).get()
    return ckan_dict.dataset_to_ckan(fresh)


def _ckan_names(items):
    return sorted(i["name"] for i in items)


def _assert_same_content(original, result):
    """What a CKAN client compares: titles, descriptions, tags, groups, extras, resources, unknown fields."""
    for key in ("id", "name", "private", "url", "maintainer_email"):
        assert result[key] == (original.get(key) or ("" if key != "private" else False)), key
    if "title_translated" in original:
        # Titles are stored stripped of surrounding white space (some open.canada.ca titles end with one).
        assert result["title_translated"] == {k: (original["title_translated"].get(k) or "").strip()
                                              for k in ("fr", "en")}
        assert {k: v.strip() for k, v in result["notes_translated"].items()} == \
            {k: (original["notes_translated"].get(k) or "").strip() for k in ("fr", "en")}
    else:
        assert result["title"] == original["title"]
        assert result["notes"] == original["notes"]
    assert _ckan_names(result["tags"]) == _ckan_names(original["tags"])
    assert _ckan_names(result["groups"]) == _ckan_names(original["groups"])
    assert sorted((e["key"], e["value"]) for e in result["extras"]) == \
        sorted((e["key"], e["value"]) for e in original.get("extras", []))
    assert result["num_resources"] == len(original["resources"])
    originals = sorted(original["resources"], key=lambda r: r["position"])
    for got, want in zip(result["resources"], originals, strict=True):
        assert got["id"] == want["id"]
        assert got["url"] == want["url"]
        assert got["format"] == want["format"]
        if "name_translated" in want:
            assert got["name_translated"] == {k: (want["name_translated"].get(k) or "").strip()
                                              for k in ("fr", "en")}
        else:
            assert got["name"] == want["name"]
        for key in want:  # scheming fields of resources come back verbatim
            if key not in ckan_dict.RESOURCE_COMPUTED_KEYS and key not in got:
                raise AssertionError(f"resource key {key} lost")
        for key in ("language", "resource_type", "date_published", "character_set", "data_quality"):
            if key in want:
                assert got[key] == want[key], key
    computed = ckan_dict.COMPUTED_KEYS | {"resources", "tags", "groups", "extras"}
    for key, value in original.items():
        if key not in computed and key not in ("title", "notes", "title_translated", "notes_translated",
                                               "license_id"):  # CKAN ids mapped to the registry's (aliases)
            assert key in result, key
            if key in ("author", "author_email", "maintainer", "maintainer_email", "version", "url"):  # null → ""
                assert result[key] == (value or ""), key
            else:
                assert result[key] == value, key


def test_open_canada_package_round_trip(ckan_corpus, make_org):
    make_org(slug="csa-asc", name_fr="Agence spatiale canadienne", name_en="Canadian Space Agency")
    original = ckan_corpus("open_canada_package_show_single_dataset.json")["result"]
    dataset = _import(copy.deepcopy(original))
    result = _out(dataset)
    _assert_same_content(original, result)
    assert dataset.title_fr == "Archive des données de WINDII" and dataset.title_en == "WINDII Data Archive"
    assert dataset.licence_id == "OGL-Canada-2.0"
    assert dataset.keywords == original["keywords"] and result["keywords"] == original["keywords"]
    assert result["frequency"] == "as_needed"  # not an Ouvert frequency: kept and given back verbatim
    assert result["organization"]["name"] == "csa-asc"
    assert result["owner_org"] == ckan_dict.organisation_ckan_id(dataset.organisation)
    assert result["resources"][0]["size"] == 410169376768


def test_all_127_open_canada_packages_round_trip(ckan_corpus, make_org):
    make_org(slug="csa-asc", name_fr="Agence spatiale canadienne")
    for envelope in ckan_corpus("open_canada_package_show_responses_x127.json"):
        original = envelope["result"]
        result = _out(_import(copy.deepcopy(original)))
        _assert_same_content(original, result)
        assert result["type"] == original["type"]
    assert Dataset.objects.count() == 127


def test_demo_ckan_org_package_round_trip(ckan_corpus, make_org):
    make_org(slug="demo-ckan", name_fr="Démo CKAN")
    original = ckan_corpus("demo_ckan_org_package_show_62513382.json")["result"]
    package = copy.deepcopy(original)
    package["owner_org"] = "demo-ckan"  # this package has no organisation; Ouvert requires one
    dataset = _import(package)
    result = _out(dataset)
    _assert_same_content(original, result)
    assert result["license_id"] == "other-open" and result["isopen"] is True
    assert (result["maintainer"], result["author"]) == ("TKKIM", "TKKIM")


def test_second_pass_through_ouvert_is_identical(ckan_corpus, make_org, theme_factory, dataset_factory, editor):
    """dataset_to_ckan → ckan_to_dataset_data → update gives the same dictionary (ckanapi dump/load)."""
    theme_factory("transport", title_fr="Transport")
    dataset = dataset_factory(title_fr="Vélos", title_en="Bikes", notes_fr="Les **vélos**", tags=["vélo"],
                              themes=["transport"], extras={"source": "SIG"}, frequency="ANNUAL",
                              bbox_west=-74, bbox_south=45, bbox_east=-73, bbox_north=46, languages=["fr"],
                              temporal_start="2020-01-01", keywords={"fr": ["vélo"]},
                              resources=[{"name_fr": "Carte", "url": "https://example.org/c.geojson"}])
    first = _out(dataset)
    data = ckan_dict.ckan_to_dataset_data(copy.deepcopy(first))
    assert data["organisation"] == dataset.organisation
    assert "extra_fields" not in data or data["extra_fields"] == {}
    services.dataset_update(actor=editor, dataset=dataset, data=data)
    second = _out(dataset)
    for key in ("metadata_modified",):
        first.pop(key), second.pop(key)
    for res in first["resources"] + second["resources"]:
        res.pop("last_modified"), res.pop("metadata_modified")
    assert second == first


def test_unknown_organisation_and_bad_shapes_are_validation_errors():
    with pytest.raises(ValidationError) as excinfo:
        ckan_dict.ckan_to_dataset_data({"name": "x", "owner_org": "inconnue"})
    assert "owner_org" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        ckan_dict.ckan_to_dataset_data(["pas", "un", "objet"])
    with pytest.raises(ValidationError) as excinfo:
        ckan_dict.ckan_to_dataset_data({"name": "x", "resources": "non"})
    assert "resources" in excinfo.value.message_dict


def test_licence_aliases_and_organisation_ids(make_org):
    org = make_org(slug="sct", name_fr="Secrétariat du Conseil du trésor")
    assert ckan_dict.ckan_licence_id("cc-by") == "CC-BY-4.0"
    assert ckan_dict.ckan_licence_id("odc-odbl") == "ODbL-1.0"
    identifier = ckan_dict.organisation_ckan_id(org)
    assert identifier == ckan_dict.organisation_ckan_id(org)  # stable
    assert ckan_dict.organisation_resolve(identifier) == org
    assert ckan_dict.organisation_resolve("sct") == org
    assert ckan_dict.organisation_resolve({"name": "sct"}) == org
    assert ckan_dict.organisation_to_ckan(org)["name"] == "sct"


def test_source_size_and_hash_of_links_are_kept(ckan_corpus, make_org):
    """A file uploaded to another CKAN arrives as a link: its declared size and checksum stay."""
    make_org(slug="csa-asc", name_fr="Agence spatiale canadienne")
    answers = [e["result"] for e in ckan_corpus("open_canada_package_show_responses_x127.json")]
    # Real open.canada.ca packages whose uploaded resources carry a size and an MD5 ``hash``.
    original = next(p for p in answers if any(r.get("hash") and r.get("url_type") == "upload"
                                               and isinstance(r.get("size"), int) for r in p["resources"]))
    result = _out(_import(copy.deepcopy(original)))
    for got, want in zip(result["resources"], sorted(original["resources"], key=lambda r: r["position"]),
                         strict=True):
        assert got["size"] == want["size"]
        assert got["hash"] == want["hash"]
        assert got["url_type"] is None  # a link here, to the source's download address
    md5 = next(r for r in original["resources"] if r.get("hash"))
    resource = services.resource_get(id=md5["id"])
    assert resource.sha256 == "" and resource.extra_fields["hash"] == md5["hash"]


def test_a_links_sha256_is_stored_and_shown_as_hash(make_org, editor, publisher_org):
    digest = "1d5a3926327046c8fcd75652c6e44d3c74004c6727939f33fb05e16e324df241"
    package = {"name": "lieferservices", "title": "Lieferservices", "owner_org": "mtmd",
               "resources": [{"url": "https://example.org/a.json", "hash": f"sha256:{digest.upper()}", "size": 147253},
                             {"url": "https://example.org/b.json", "sha256": digest},
                             {"url": "https://example.org/c.json", "hash": "d41d8cd98f00b204e9800998ecf8427e"}]}
    data = ckan_dict.ckan_to_dataset_data(package)
    assert [r.get("sha256") for r in data["resources"]] == [digest, digest, None]
    dataset = services.dataset_create(actor=editor, data=data)
    a, b, c = services.resource_list(dataset=dataset)
    assert (a.sha256, a.size, b.sha256, c.sha256) == (digest, 147253, digest, "")
    assert c.extra_fields == {"hash": "d41d8cd98f00b204e9800998ecf8427e"}
    shown = _out(dataset)["resources"]
    assert [r["hash"] for r in shown] == [digest, digest, "d41d8cd98f00b204e9800998ecf8427e"]
    # A new address without a checksum drops the old one (it described another file).
    services.resource_update(actor=editor, resource=a, data={"url": "https://example.org/autre.json"}, partial=True)
    a.refresh_from_db()
    assert a.sha256 == ""
    with pytest.raises(ValidationError) as excinfo:
        services.resource_update(actor=editor, resource=b, data={"sha256": "pas-une-empreinte"}, partial=True)
    assert "sha256" in excinfo.value.message_dict


def test_unknown_remote_owner_org_falls_back_to_the_organization_name(make_org):
    org = make_org(slug="csa-asc", name_fr="Agence spatiale canadienne")
    data = ckan_dict.ckan_to_dataset_data({"name": "x", "owner_org": "95F65CF9-ED6A-4630-9C1A-8339FDB15CF0",
                                           "organization": {"id": "95F65CF9-ED6A-4630-9C1A-8339FDB15CF0",
                                                            "name": "csa-asc"}})
    assert data["organisation"] == org
    with pytest.raises(ValidationError) as excinfo:
        ckan_dict.ckan_to_dataset_data({"name": "x", "owner_org": "95F65CF9-ED6A-4630-9C1A-8339FDB15CF0",
                                        "organization": {"name": "inconnue"}})
    assert "owner_org" in excinfo.value.message_dict
