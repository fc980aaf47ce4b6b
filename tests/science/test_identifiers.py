"""DOI, ISSN, ORCID and titles are normalised one way for every part."""

import pytest

from ouvert.science import services


@pytest.mark.parametrize("raw, expected", [
    ("10.1371/journal.pone.0000001", "10.1371/journal.pone.0000001"),
    ("https://doi.org/10.1371/JOURNAL.PONE.0000001", "10.1371/journal.pone.0000001"),
    ("http://dx.doi.org/10.1000/xyz123.", "10.1000/xyz123"),
    ("doi: 10.1000/abc", "10.1000/abc"),
    ("info:doi/10.1000%2Fabc", "10.1000/abc"),
    ("11.1000/abc", None), ("10.12/abc", None), ("", None), (None, None), ("10.1000/ abc", None),
])
def test_doi(raw, expected):
    assert services.doi_normalize(raw) == expected


def test_doi_found_in_text():
    assert services.doi_find("oai:arXiv.org:1234 doi:10.1103/PhysRevD.76.013009 suite") == "10.1103/physrevd.76.013009"
    assert services.doi_find("http://hdl.handle.net/1765/1234") is None


@pytest.mark.parametrize("raw, expected", [
    ("1932-6203", "1932-6203"), ("19326203", "1932-6203"), ("0378-5955", "0378-5955"), ("2434-561x", "2434-561X"),
    ("1932-6204", None), ("1932-620", None), ("abcd-efgh", None), ("", None),
])
def test_issn_check_digit(raw, expected):
    assert services.issn_normalize(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("0000-0002-1825-0097", "0000-0002-1825-0097"), ("https://orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
    ("0000000218250097", "0000-0002-1825-0097"), ("0000-0002-1694-233x", "0000-0002-1694-233X"),
    ("0000-0002-1825-0098", None), ("0000-0002-1825", None), ("", None),
])
def test_orcid_checksum(raw, expected):
    assert services.orcid_normalize(raw) == expected


def test_titles_fold_accents_case_punctuation_and_markup():
    assert services.title_normalize("L’Accès  libre : un <i>bilan</i>. Œuvres") == "l acces libre un bilan oeuvres"
    assert services.title_normalize("Open-access: A review!") == services.title_normalize("open access a REVIEW")


def test_models_keep_the_normalised_title(publication_factory, journal_factory):
    assert publication_factory(title="Économie  du Libre-accès").title_normalized == "economie du libre acces"
    assert journal_factory(title="PLOS ONE").title_normalized == "plos one"


@pytest.mark.parametrize("raw, expected", [
    ("CC BY 4.0", "CC-BY-4.0"), ("cc-by", "CC-BY-4.0"), ("CC-BY-SA-4.0", "CC-BY-SA-4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/3.0/", "CC-BY-NC-ND-3.0"),
    ("http://creativecommons.org/licenses/by/4.0/legalcode", "CC-BY-4.0"),
    ("Creative Commons Attribution 4.0 International", "CC-BY-4.0"), ("CC BY-NC-SA", "CC-BY-NC-SA-4.0"),
    ("CC0", "CC0-1.0"), ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("info:eu-repo/semantics/openAccess", None), ("All rights reserved", None), ("CC BY ND SA", None), ("", None),
])
def test_licences_as_spdx(raw, expected):
    assert services.licence_normalize(raw) == expected
