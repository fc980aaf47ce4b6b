"""publiccode.yml validation: the real files of the corpus (checked by hand against the standard) and hostile
input (alias bombs, huge, Latin-1, binary, deep files), every problem at its key path."""

from pathlib import Path

import pytest
import yaml

from ouvert.software import services

DATA = Path(__file__).parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def paths(problems) -> list[str]:
    return [p.path for p in problems]


def minimal(**changes) -> dict:
    document = yaml.safe_load(read("standard_example_publiccode.minimal.yml"))
    document.update(changes)
    return document


def validate(document: dict):
    return services.publiccode_validate(yaml.safe_dump(document, allow_unicode=True))


# --- The corpus -------------------------------------------------------------------------------------

def test_standard_minimal_example_is_valid_without_warnings():
    report = services.publiccode_validate(read("standard_example_publiccode.minimal.yml"))
    assert report.ok, report.errors
    assert report.warnings == []
    assert report.version == "0"
    assert report.document["name"] == "Medusa"


def test_standard_full_example_is_valid_with_the_warnings_its_upper_case_country_codes_imply():
    report = services.publiccode_validate(read("standard_example_publiccode.yml"))
    assert report.ok, report.errors
    # The example writes countries IT, DE, US and the section IT: the standard asks for lower case.
    assert paths(report.warnings) == ["intendedAudience.countries[0]", "intendedAudience.countries[1]",
                                      "intendedAudience.unsupportedCountries[0]", "IT"]
    assert "« it »" in report.warnings[0].message


def test_italian_wai_portal_v02_with_its_country_section_is_valid():
    report = services.publiccode_validate(read("agid_wai-portal_publiccode.yml"))
    assert report.ok, report.errors
    assert report.version == "0.2"
    assert paths(report.warnings) == ["description.it.genericName"]  # deprecated since 0.3
    assert report.document["it"]["riuso"]["codiceIPA"] == "agid"  # the country section is kept


def test_catala_bilingual_file_is_valid():
    report = services.publiccode_validate(read("catala_publiccode.yml"))
    assert report.ok, report.errors
    assert report.warnings == []
    assert set(report.document["description"]) == {"en", "fr"}


def test_amsterdam_signals_v02_dutch_and_english_is_valid():
    report = services.publiccode_validate(read("amsterdam_signals-frontend_publiccode.yml"))
    assert report.ok, report.errors
    assert paths(report.warnings) == ["description.en.genericName", "description.nl.genericName"]


def test_catala_2023_fails_with_exactly_the_missing_keys_and_the_lower_case_licence():
    report = services.publiccode_validate(read("catala_publiccode_2023_incomplete.yml"))
    assert not report.ok
    assert paths(report.errors) == [
        "platforms", "developmentStatus",
        "description.en.longDescription", "description.en.features",
        "description.fr.longDescription", "description.fr.features",
        "legal.license",
        "localisation.localisationReady", "localisation.availableLanguages",
    ]
    licence = report.errors[6].message
    assert "apache-2.0" in licence and "Apache-2.0" in licence
    assert report.errors[0].message == "Clé obligatoire absente."
    assert set(paths(report.warnings)) == {"creationDate", "legal.authorsFile", "fundedBy[0].url"}


@pytest.mark.parametrize("name", ["ore-ero_code_city-of-montreal-qc.yml", "ore-ero_code_statcan.yml"])
def test_open_resource_exchange_files_are_not_publiccode(name):
    report = services.publiccode_validate(read(name))
    assert not report.ok and report.document is None
    assert paths(report.errors) == ["file"]
    assert "n'est pas un publiccode.yml" in report.errors[0].message
    assert "publiccodeYmlVersion" in report.errors[0].message


# --- Rules, one by one ------------------------------------------------------------------------------

def test_description_lengths_are_checked_per_language():
    document = minimal()
    document["description"]["fr"] = {"shortDescription": "x" * 151, "longDescription": "trop court",
                                     "features": ["Une"]}
    document["description"]["en"]["longDescription"] = "y" * 10_001
    report = validate(document)
    assert paths(report.errors) == ["description.en.longDescription", "description.fr.shortDescription",
                                    "description.fr.longDescription"]
    assert "151 caractères" in report.errors[1].message
    assert "10001 caractères" in report.errors[0].message


@pytest.mark.parametrize("tag, ok", [("fr", True), ("fr-CA", True), ("en-US", True), ("sl-IT-nedis", True),
                                     ("nl", True), ("fr_CA", False), ("français", False), ("f", False)])
def test_language_tags_are_bcp47(tag, ok):
    document = minimal()
    document["localisation"]["availableLanguages"] = ["en", tag]
    report = validate(document)
    assert report.ok is ok
    if not ok:
        assert paths(report.errors) == ["localisation.availableLanguages[1]"]
    if tag == "fr_CA":
        assert "« fr-CA »" in report.errors[0].message


def test_description_language_keys_are_bcp47():
    document = minimal()
    document["description"]["english"] = document["description"].pop("en")
    report = validate(document)
    assert paths(report.errors) == ["description.english"]


def test_contacts_email_and_contractors_are_checked_at_their_path():
    document = minimal()
    document["maintenance"] = {"type": "contract", "contacts": [{"name": "A", "email": "pas-une-adresse"}]}
    report = validate(document)
    assert paths(report.errors) == ["maintenance.contacts[0].email", "maintenance.contractors"]
    document["maintenance"]["contractors"] = [{"name": "Fournisseur", "until": "2025-13-01"}]
    document["maintenance"]["contacts"][0]["email"] = "a@example.org"
    report = validate(document)
    assert paths(report.errors) == ["maintenance.contractors[0].until"]
    assert "AAAA-MM-JJ" in report.errors[0].message


@pytest.mark.parametrize("kind", ["internal", "community"])
def test_internal_and_community_maintenance_need_contacts(kind):
    report = validate(minimal(maintenance={"type": kind}))
    assert paths(report.errors) == ["maintenance.contacts"]


def test_controlled_vocabularies():
    document = minimal(developmentStatus="finished", softwareType="standalone", categories=["office", "jeux"],
                       intendedAudience={"scope": ["education", "astrologie"], "countries": ["ca", "quebec"]})
    report = validate(document)
    assert paths(report.errors) == ["categories[1]", "developmentStatus", "softwareType", "intendedAudience.countries[1]",
                                    "intendedAudience.scope[1]"]


def test_urls_and_dates():
    report = validate(minimal(url="pas une adresse", landingURL="ftp://example.org", releaseDate="15/04/2017"))
    assert paths(report.errors) == ["url", "landingURL", "releaseDate"]


def test_unquoted_release_date_is_read_as_a_date_and_kept_as_text():
    text = read("standard_example_publiccode.minimal.yml").decode() + "releaseDate: 2024-05-31\n"
    report = services.publiccode_validate(text)
    assert report.ok
    assert report.document["releaseDate"] == "2024-05-31"


@pytest.mark.parametrize("licence, error", [
    ("MIT", None), ("GPL-3.0-or-later OR LiLiQ-R-1.1", None), ("LiLiQ-Rplus-1.1", None),
    ("apache-2.0", "Apache-2.0"), ("mit", "« MIT »"), ("Licence maison", "n'est pas une expression"),
])
def test_licence_is_an_exact_spdx_expression(licence, error):
    document = minimal()
    document["legal"]["license"] = licence
    report = validate(document)
    if error is None:
        assert report.ok, report.errors
    else:
        assert paths(report.errors) == ["legal.license"]
        assert error in report.errors[0].message


def test_deprecated_spdx_identifier_is_a_warning_with_its_current_name():
    document = minimal()
    document["legal"]["license"] = "AGPL-3.0"
    report = validate(document)
    assert report.ok
    assert paths(report.warnings) == ["legal.license"]
    assert "AGPL-3.0-only" in report.warnings[0].message


def test_versions():
    for version in ("0", "0.2", "0.3", "0.4", "0.4.0"):
        assert validate(minimal(publiccodeYmlVersion=version)).ok, version
    report = validate(minimal(publiccodeYmlVersion="2.0"))
    assert paths(report.errors) == ["publiccodeYmlVersion"]
    report = validate(minimal(publiccodeYmlVersion=0.2))  # unquoted: a YAML number
    assert report.ok and paths(report.warnings) == ["publiccodeYmlVersion"]


def test_unknown_keys_are_warnings_and_country_sections_are_accepted():
    report = validate(minimal(favouriteColour="bleu", fr={"conforme": True}, monochromeLogo="logo.svg"))
    assert report.ok
    assert paths(report.warnings) == ["favouriteColour", "monochromeLogo"]
    assert "inconnue" in report.warnings[0].message and "dépréciée" in report.warnings[1].message


def test_missing_sections():
    document = minimal()
    for key in ("description", "legal", "maintenance", "localisation", "name"):
        document.pop(key)
    report = validate(document)
    assert paths(report.errors) == ["name", "description", "legal.license", "maintenance",
                                    "localisation.localisationReady", "localisation.availableLanguages"]


# --- Hostile input ----------------------------------------------------------------------------------

def test_alias_bomb_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        previous, name = chr(96 + n), chr(97 + n)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    report = services.publiccode_validate("\n".join(lines))
    assert paths(report.errors) == ["file"]
    assert "bombe" in report.errors[0].message


def test_many_aliases_are_refused():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 150) + "]\n"
    report = services.publiccode_validate(text)
    assert "alias" in report.errors[0].message


def test_recursive_alias_is_refused():
    report = services.publiccode_validate("a: &a [*a]\n")
    assert "récursive" in report.errors[0].message


def test_a_100_level_nesting_is_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "fin: 1\n"
    report = services.publiccode_validate(text)
    assert paths(report.errors) == ["file"]
    assert "niveaux" in report.errors[0].message
    report = services.publiccode_validate("a: " + "[" * 100 + "]" * 100)
    assert "niveaux" in report.errors[0].message


def test_a_10_mb_file_is_too_large(settings):
    with pytest.raises(services.PubliccodeTooLarge) as caught:
        services.publiccode_validate(b"name: x\n" + b"#" * (10 * 1024 * 1024))
    assert caught.value.limit == 512 * 1024
    settings.OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES = 100
    with pytest.raises(services.PubliccodeTooLarge):
        services.publiccode_validate(read("standard_example_publiccode.minimal.yml"))


def test_latin1_file_says_its_encoding():
    data = read("catala_publiccode.yml").decode("utf-8").encode("latin-1", "replace")
    report = services.publiccode_validate(data)
    assert paths(report.errors) == ["file"]
    assert "UTF-8" in report.errors[0].message and "Latin-1" in report.errors[0].message


def test_bom_is_fine():
    report = services.publiccode_validate(b"\xef\xbb\xbf" + read("catala_publiccode.yml"))
    assert report.ok


def test_top_level_list_binary_and_empty_files():
    assert "une liste" in services.publiccode_validate("- name: x\n- url: y\n").errors[0].message
    assert "octets nuls" in services.publiccode_validate(bytes(range(256)) * 4).errors[0].message
    assert "vide" in services.publiccode_validate(b"   \n").errors[0].message
    assert "UTF-16" in services.publiccode_validate("name: x".encode("utf-16")).errors[0].message


def test_yaml_syntax_error_says_line_and_column():
    report = services.publiccode_validate("publiccodeYmlVersion: '0.4'\nname: [pas fermé\nurl: x\n")
    message = report.errors[0].message
    assert "ligne 3" in message and "colonne" in message


def test_hostile_strings_stay_text():
    document = minimal(name="<script>alert(1)</script>")
    report = validate(document)
    assert report.ok
    assert report.document["name"] == "<script>alert(1)</script>"


def test_nul_character_and_infinite_numbers():
    text = read("standard_example_publiccode.minimal.yml").decode()
    report = services.publiccode_validate(text.replace("name: Medusa", 'name: "Med\\0usa"'))
    assert paths(report.errors) == ["file"] and "caractère nul" in report.errors[0].message
    report = services.publiccode_validate(text + "extra: .inf\n")
    assert report.ok and report.document["extra"] == "inf"


def test_ten_thousand_levels_say_so_in_french():
    report = services.publiccode_validate("a: " + "[" * 10_000 + "]" * 10_000)
    assert "niveaux" in report.errors[0].message
