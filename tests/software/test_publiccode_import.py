"""publiccode.yml import into the catalogue and export from it: the mapping of every field, updates by
repository address, permissions, refusals that leave the catalogue intact, and the round trip."""

import datetime
import threading
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from ouvert.core.models import AuditEntry
from ouvert.software import services
from ouvert.software.models import Software

DATA = Path(__file__).parent / "data"
VALID = ["standard_example_publiccode.minimal.yml", "standard_example_publiccode.yml",
         "agid_wai-portal_publiccode.yml", "catala_publiccode.yml", "amsterdam_signals-frontend_publiccode.yml"]


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_catala_import_maps_every_field(team):
    software = services.publiccode_import(actor=team, data=read("catala_publiccode.yml"))
    software.refresh_from_db()
    assert software.name == "Catala"
    assert software.short_description_fr.startswith("Langage de programmation dédié")
    assert software.short_description_en.startswith("Domain-specific programming language")
    assert software.long_description_fr.startswith("Catala est un langage de programmation")
    assert software.features_fr[0] == "Programmation lettrée adaptée aux textes législatifs"
    assert software.features_en[-1] == "Multiple compilation targets"
    assert software.categories == ["it-development"]
    assert software.licence == "Apache-2.0"
    assert software.latest_version == "1.2.1"
    assert software.release_date == datetime.date(2026, 5, 29)
    assert software.website_url == "https://catala-lang.org"
    assert software.repository_url == "https://github.com/CatalaLang/catala"
    assert software.software_type == "standalone/other"
    assert software.development_status == "stable"
    assert software.platforms == ["linux", "macos", "windows"]
    assert software.available_languages == ["en", "fr"]
    assert "Denis Merigoux" in software.maintainer_name
    assert software.publiccode["usedBy"][0].startswith("Direction Générale")
    assert software.publiccode_created is True
    assert any("https://github.com/CatalaLang.png" in note for note in software.publiccode_notes)
    assert AuditEntry.objects.filter(action="software.publiccode.import", target_id=str(software.pk)).exists()


def test_same_repository_updates_instead_of_duplicating(team):
    first = services.publiccode_import(actor=team, data=read("catala_publiccode.yml"))
    text = read("catala_publiccode.yml").decode().replace('softwareVersion: "1.2.1"', 'softwareVersion: "1.3.0"')
    text = text.replace("url: https://github.com/CatalaLang/catala\n", "url: https://GitHub.com/CatalaLang/catala.git/\n")
    second = services.publiccode_import(actor=team, data=text)
    assert second.pk == first.pk and second.publiccode_created is False
    assert Software.objects.count() == 1
    second.refresh_from_db()
    assert second.latest_version == "1.3.0"


def test_given_entry_is_updated(team, software_factory):
    entry = software_factory(name="Ancien nom")
    saved = services.publiccode_import(actor=team, data=read("standard_example_publiccode.minimal.yml"), software=entry)
    assert saved.pk == entry.pk
    entry.refresh_from_db()
    assert entry.name == "Medusa" and entry.licence == "AGPL-3.0-or-later"


def test_french_canadian_and_american_english_are_chosen(team):
    document = yaml.safe_load(read("standard_example_publiccode.minimal.yml"))
    en = document["description"].pop("en")
    document["description"]["en-US"] = en
    document["description"]["fr-CA"] = dict(en, shortDescription="Une description courte en français du Québec")
    document["description"]["it"] = dict(en, shortDescription="Una breve descrizione")
    software = services.publiccode_import(actor=team, data=yaml.safe_dump(document, allow_unicode=True))
    assert software.short_description_fr == "Une description courte en français du Québec"
    assert software.short_description_en.startswith("A rather short description")


def test_italian_only_file_leaves_descriptions_empty_with_a_note(team):
    software = services.publiccode_import(actor=team, data=read("agid_wai-portal_publiccode.yml"))
    assert software.short_description_fr == "" and software.short_description_en == ""
    assert any("ni en français ni en anglais" in note for note in software.publiccode_notes)
    assert software.maintainer_name == "Indra Italia"  # the contractor of a contract maintenance
    assert software.publiccode["it"]["piattaforme"]["spid"] is True


def test_file_with_errors_is_refused_by_key_path_and_nothing_is_written(team, software_factory):
    entry = software_factory(name="Catala", repository_url="https://github.com/CatalaLang/catala", licence="MIT")
    with pytest.raises(ValidationError) as caught:
        services.publiccode_import(actor=team, data=read("catala_publiccode_2023_incomplete.yml"))
    errors = caught.value.message_dict
    assert set(errors) == {"platforms", "developmentStatus", "description.en.longDescription", "description.en.features",
                           "description.fr.longDescription", "description.fr.features", "legal.license",
                           "localisation.localisationReady", "localisation.availableLanguages"}
    entry.refresh_from_db()
    assert entry.licence == "MIT" and entry.publiccode is None
    assert Software.objects.count() == 1


def test_not_a_publiccode_file_is_refused(team):
    with pytest.raises(ValidationError) as caught:
        services.publiccode_import(actor=team, data=read("ore-ero_code_statcan.yml"))
    assert "n'est pas un publiccode.yml" in caught.value.message_dict["file"][0]
    assert not Software.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "body_member", None])
def test_only_the_team_imports(db, request, who):
    actor = request.getfixturevalue(who) if who else None
    from django.contrib.auth.models import AnonymousUser
    with pytest.raises(PermissionDenied):
        services.publiccode_import(actor=actor or AnonymousUser(), data=read("catala_publiccode.yml"))
    assert not Software.objects.exists()


def test_platform_admin_imports(platform_admin):
    assert services.publiccode_import(actor=platform_admin, data=read("catala_publiccode.yml")).pk


# --- Export and round trip --------------------------------------------------------------------------

FIELDS = ("name", "short_description_fr", "short_description_en", "long_description_fr", "long_description_en",
          "features_fr", "features_en", "categories", "licence", "latest_version", "release_date", "website_url",
          "repository_url", "software_type", "development_status", "platforms", "available_languages",
          "maintainer_name")


def values(software) -> dict:
    software.refresh_from_db()
    return {name: getattr(software, name) for name in FIELDS}


@pytest.mark.parametrize("name", VALID)
def test_every_corpus_file_round_trips(team, name):
    software = services.publiccode_import(actor=team, data=read(name))
    before = values(software)
    text = services.publiccode_generate(software)
    report = services.publiccode_validate(text)
    assert report.ok, report.errors
    assert report.version == "0.4"
    again = services.publiccode_import(actor=team, data=text)
    assert again.pk == software.pk or not software.repository_url
    assert values(again) == before


def test_complete_entry_generates_a_valid_bilingual_file_and_round_trips(team, software_factory):
    entry = software_factory(
        name="Décidim", slug="decidim", licence="AGPL-3.0-or-later", short_description_fr="Plateforme de participation.",
        short_description_en="Participatory democracy platform.", long_description_fr=("Décidim aide " * 20).strip(),
        long_description_en=("Decidim helps " * 20).strip(), features_fr=["Budgets participatifs"],
        features_en=["Participatory budgets"], categories=["collaboration"], latest_version="0.28.0",
        release_date=datetime.date(2024, 3, 1), website_url="https://decidim.org",
        repository_url="https://github.com/decidim/decidim", software_type="standalone/web",
        development_status="stable", platforms=["web"], available_languages=["fr", "en"])
    before = values(entry)
    text = services.publiccode_generate(entry)
    assert text.startswith("# publiccode.yml de « Décidim »")
    # Nothing says who maintains it: the one value the file had to fill in.
    assert text.splitlines()[1].endswith(": maintenance.type")
    document = yaml.safe_load(text)
    assert document["publiccodeYmlVersion"] == "0.4"
    assert set(document["description"]) == {"fr", "en"}
    assert services.publiccode_validate(text).ok
    again = services.publiccode_import(actor=team, data=text)
    assert again.pk == entry.pk
    assert values(again) == before


def test_sparse_entry_is_completed_and_the_comment_says_what(software_factory):
    entry = software_factory(name="Outil", slug="outil", licence="MIT", short_description_fr="")
    text = services.publiccode_generate(entry)
    report = services.publiccode_validate(text)
    assert report.ok, report.errors
    comment = text.splitlines()[1]
    for key in ("url", "platforms", "developmentStatus", "softwareType", "description.fr.longDescription",
                "description.fr.features", "maintenance.type", "localisation.availableLanguages"):
        assert key in comment
    assert "/fr/logiciel-libre/catalogue/outil/" in text


def test_long_short_description_is_cut_to_150(software_factory):
    entry = software_factory(short_description_fr="a" * 280, long_description_fr="b" * 200)
    text = services.publiccode_generate(entry)
    document = yaml.safe_load(text)
    assert len(document["description"]["fr"]["shortDescription"]) == 150
    assert services.publiccode_validate(text).ok


def test_proprietary_product_has_no_file(software_factory):
    entry = software_factory(name="Produit fermé", licence="", is_proprietary=True)
    with pytest.raises(ValidationError):
        services.publiccode_generate(entry)


def test_hostile_text_is_written_as_yaml_text(software_factory):
    entry = software_factory(name="x: &a [*a]", short_description_fr="- liste\n# commentaire\n'quote\" <b>")
    text = services.publiccode_generate(entry)
    document = yaml.safe_load(text)
    assert document["name"] == "x: &a [*a]"
    assert services.publiccode_validate(text).ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_import_makes_one_entry(team):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; the advisory lock is PostgreSQL's")
    data = read("catala_publiccode.yml")
    results, errors = [], []

    def run():
        try:
            results.append(services.publiccode_import(actor=team, data=data).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Software.objects.count() == 1 and len(set(results)) == 1


def test_odd_values_of_unknown_keys_are_stored_on_both_databases(team):
    text = read("catala_publiccode.yml").decode() + "extra:\n  big: .inf\n  when: 2020-01-01T10:00:00Z\n  1: un\n"
    software = services.publiccode_import(actor=team, data=text)
    software.refresh_from_db()
    assert software.publiccode["extra"] == {"big": "inf", "when": "2020-01-01T10:00:00+00:00", "1": "un"}


def test_update_keeps_what_the_file_does_not_say(team):
    software = services.publiccode_import(actor=team, data=read("amsterdam_signals-frontend_publiccode.yml"))
    assert software.function_en == "Signalen frontend"  # from the deprecated genericName
    software.short_description_fr = "Signalements sur l'espace public, triés et acheminés."
    software.save()
    text = services.publiccode_generate(software)
    assert "genericName" not in text
    again = services.publiccode_import(actor=team, data=text)
    again.refresh_from_db()
    assert again.pk == software.pk
    assert again.function_en == "Signalen frontend"
    assert again.short_description_fr == "Signalements sur l'espace public, triés et acheminés."
    # The Dutch description of the first file is kept in the generated one.
    assert again.publiccode["description"]["nl"]["features"][0] == "Meldingen classificeren"


def test_non_web_repository_address_is_found_again_by_the_stored_file(team):
    text = read("catala_publiccode.yml").decode().replace("url: https://github.com/CatalaLang/catala\n",
                                                          "url: git://git.example.org/catala.git\n")
    first = services.publiccode_import(actor=team, data=text)
    assert first.repository_url == ""
    assert any("git://git.example.org/catala.git" in note for note in first.publiccode_notes)
    second = services.publiccode_import(actor=team, data=text)
    assert second.pk == first.pk and Software.objects.count() == 1
