"""CSV imports of the journal registry (DOAJ export, our template) and of self-archiving policies: all or
nothing, every error by line, idempotent, size limit, permissions."""

import pathlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core.models import AuditEntry
from ouvert.science import csvfile, services
from ouvert.science.models import ArchivingPolicy, Journal

pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"


def doaj_bytes():
    return (DATA / "doaj_journals_sample.csv").read_bytes()


def template_bytes():
    return (DATA / "journals_template_cp1252.csv").read_bytes()


def messages(exc):
    return exc.value.messages


def test_doaj_export_imports_then_reimport_changes_nothing(funds, fund_staff):
    result = services.journals_import(actor=fund_staff, data=doaj_bytes(), filename="doaj.csv")
    assert result["format"] == "doaj" and result["encoding"] == "utf-8"
    assert (result["created"], result["updated"], result["unchanged"]) == (5, 0, 0)
    plos = services.journal_lookup(issn="1932-6203")
    assert plos.title == "PLOS ONE" and plos.is_open_access and plos.registry == "DOAJ"
    assert plos.licences == ["CC-BY-4.0"] and plos.apc is True and plos.source == "doaj-csv"
    biology = services.journal_lookup(issn="1544-9173")
    assert biology == services.journal_lookup(issn="15457885") and biology.issn_electronic == "1545-7885"
    bioethics = services.journal_lookup(issn="2561-4665")
    assert bioethics.apc is False and "Université de Montréal" in bioethics.publisher
    stamps = dict(Journal.objects.values_list("pk", "updated_at"))
    again = services.journals_import(actor=fund_staff, data=doaj_bytes(), filename="doaj.csv")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert dict(Journal.objects.values_list("pk", "updated_at")) == stamps
    entries = AuditEntry.objects.filter(action="science.journals.import").order_by("seq")
    assert [entry.data["created"] for entry in entries] == [5, 0]


def test_template_in_windows_1252_with_semicolons_updates_by_either_issn(funds, fund_staff):
    services.journals_import(actor=fund_staff, data=doaj_bytes())
    result = services.journals_import(actor=fund_staff, data=template_bytes(), filename="revues.csv")
    assert result["format"] == "template" and result["encoding"] == "windows-1252"
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 1, 0)
    nature = services.journal_lookup(issn="1476-4687")
    assert nature.title == "Nature" and not nature.is_open_access and nature.transformative and nature.apc
    bioethics = services.journal_lookup(issn="2561-4665")
    assert bioethics.title == "Revue canadienne de bioéthique"  # updated, the same journal
    assert Journal.objects.filter(issn_electronic="2561-4665").count() == 1


def test_errors_listed_by_line_and_nothing_written(funds, fund_staff):
    bad = ("titre;issn_imprime;issn_electronique;editeur;libre_acces;repertoire;licences;apc;entente_transformative;site\n"
           "Bonne revue;;1932-6203;Éditeur;oui;DOAJ;CC BY;non;non;\n"
           "Chiffre de contrôle faux;;1932-6204;Éditeur;oui;DOAJ;CC BY;non;non;\n"
           "Doublon;;1932-6203;Éditeur;oui;DOAJ;CC BY;non;non;\n"
           ";;2050-084X;Éditeur;peut-être;;CC BY;non;non;javascript:alert(1)\n"
           "<script>alert(1)</script>' OR '1'='1;;2167-8359;;oui;;Tous droits réservés;;;\n").encode()
    with pytest.raises(ValidationError) as exc:
        services.journals_import(actor=fund_staff, data=bad)
    lines = messages(exc)
    assert any(m.startswith("Ligne 3 :") and "1932-6204" in m for m in lines)
    assert any(m.startswith("Ligne 4 :") and "ligne 2" in m for m in lines)
    assert any(m.startswith("Ligne 5 :") and "Titre" in m for m in lines)
    assert any(m.startswith("Ligne 5 :") and "Libre accès" in m for m in lines)
    assert any(m.startswith("Ligne 5 :") and "adresse web" in m for m in lines)
    assert any(m.startswith("Ligne 6 :") and "Tous droits réservés" in m for m in lines)
    assert Journal.objects.count() == 0
    assert not AuditEntry.objects.filter(action="science.journals.import").exists()


def test_hostile_title_is_stored_as_text(funds, fund_staff):
    data = (b"titre,issn_imprime,issn_electronique,editeur,libre_acces\n"
            b"\"<script>alert(1)</script>'; DROP TABLE science_journal; --\",,2167-8359,,oui\n")
    services.journals_import(actor=fund_staff, data=data)
    assert services.journal_lookup(issn="2167-8359").title.startswith("<script>")
    control = b"titre,issn_imprime,issn_electronique,editeur,libre_acces\nRevue\x07,,2050-084X,,oui\n"
    with pytest.raises(ValidationError) as exc:
        services.journals_import(actor=fund_staff, data=control)
    assert "contrôle" in messages(exc)[0]


def test_missing_columns_unknown_format_empty_and_binary(funds, fund_staff):
    with pytest.raises(ValidationError) as exc:
        services.journals_import(actor=fund_staff, data=b"Journal title,Publisher\nPLOS ONE,PLoS\n")
    assert "journal issn print version" in messages(exc)[0]
    with pytest.raises(ValidationError) as exc:
        services.journals_import(actor=fund_staff, data=b"nom,code\na,b\n")
    assert "Format inconnu" in messages(exc)[0]
    with pytest.raises(ValidationError):
        services.journals_import(actor=fund_staff, data=b"")
    with pytest.raises(ValidationError):
        services.journals_import(actor=fund_staff, data=b"\x00\x01\x02PK\x03\x04")
    with pytest.raises(ValidationError) as exc:
        services.journals_import(actor=fund_staff, data=b"titre,issn imprime,issn electronique,libre acces\n")
    assert "aucune revue" in messages(exc)[0]


def test_too_large_is_refused(funds, fund_staff, settings):
    settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES = 1000
    with pytest.raises(csvfile.ImportTooLarge):
        services.journals_import(actor=fund_staff, data=doaj_bytes())
    assert Journal.objects.count() == 0


def test_only_managers_import(funds, researcher, stranger, institution_staff, platform_admin):
    for person in (researcher, stranger, institution_staff):
        with pytest.raises(PermissionDenied):
            services.journals_import(actor=person, data=doaj_bytes())
        with pytest.raises(PermissionDenied):
            services.archiving_policies_import(actor=person, data=(DATA / "archiving_policies.csv").read_bytes())
    assert Journal.objects.count() == 0
    assert services.journals_import(actor=platform_admin, data=doaj_bytes())["created"] == 5


def test_archiving_policies_import(funds, fund_staff):
    services.journals_import(actor=fund_staff, data=template_bytes())
    data = (DATA / "archiving_policies.csv").read_bytes()
    result = services.archiving_policies_import(actor=fund_staff, data=data, filename="romeo.csv")
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    nature = services.journal_lookup(issn="0028-0836")
    accepted = ArchivingPolicy.objects.get(journal=nature, version="accepted")
    assert accepted.embargo_months == 6 and accepted.locations == ["institutional_repository", "funder_repository"]
    aaas = ArchivingPolicy.objects.get(journal=None)
    assert aaas.publisher == "American Association for the Advancement of Science"
    science = services.journal_lookup(issn="0036-8075")
    assert services.archiving_policies_for(science) == [aaas]
    again = services.archiving_policies_import(actor=fund_staff, data=data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = data.replace(b"funder_repository,6", b"funder_repository,12")
    assert services.archiving_policies_import(actor=fund_staff, data=changed)["updated"] == 1
    accepted.refresh_from_db()
    assert accepted.embargo_months == 12


def test_archiving_policies_errors(funds, fund_staff):
    data = ("issn;editeur;version;lieux;embargo_mois;licence\n"
            "2049-3630;;accepted;;0;\n"
            "1234-5678;;accepted;;0;\n"
            ";Éditeur;brouillon;;0;\n"
            ";Éditeur;accepté;;-3;\n"
            ";;published;;0;\n"
            ";Éditeur;publié;;0;licence maison\n").encode("cp1252")
    with pytest.raises(ValidationError) as exc:
        services.archiving_policies_import(actor=fund_staff, data=data)
    lines = messages(exc)
    assert any(m.startswith("Ligne 2 :") and "aucune revue" in m for m in lines)
    assert any(m.startswith("Ligne 3 :") and "1234-5678" in m for m in lines)
    assert any(m.startswith("Ligne 4 :") and "brouillon" in m for m in lines)
    assert any(m.startswith("Ligne 5 :") and "Embargo" in m for m in lines)
    assert any(m.startswith("Ligne 6 :") and "éditeur" in m for m in lines)
    assert any(m.startswith("Ligne 7 :") and "licence maison" in m for m in lines)
    assert ArchivingPolicy.objects.count() == 0
    with pytest.raises(ValidationError) as exc:
        services.archiving_policies_import(actor=fund_staff, data=b"issn,embargo\n0028-0836,0\n")
    assert "version" in messages(exc)[0]
