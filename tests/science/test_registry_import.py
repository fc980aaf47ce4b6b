"""Importing publications from CSV: a good file, every error by line and column with nothing written,
Windows-1252 and semicolons, hostile strings, files too large (413), re-importing (idempotent, then an update),
who may import, the page and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import Author, Funding, Publication

pytestmark = pytest.mark.django_db

HEADER = ("doi,titre,revue,issn,editeur,date_publication,licence,version_deposee,url_depot,date_depot,depot_ouvert_le,"
          "licence_depot,statut_acces,fonds,numero_subvention,auteurs,courriel_correspondance,etablissement")
GOOD = "\r\n".join([
    HEADER,
    '10.1371/journal.pone.0033693,"Methylphenidate Exposure Induces Dopamine Neuron Loss",PLoS ONE,1932-6203,PLoS,'
    '2023-03-21,CC BY 4.0,,,,,,or,FRQS,2022-S-1,"Chercheuse Tremblay* <0000-0002-1825-0097>; Autre Nom",'
    'chercheuse@umontreal.example.org,',
    'https://doi.org/10.1016/j.aim.2017.04.017,"The integer cohomology algebra of toric arrangements",'
    'Advances in Mathematics,0001-8708,Elsevier,2023-06-01,,acceptée,https://papyrus.example.org/handle/1866/1,'
    '2023-06-02,2023-06-02,CC-BY-4.0,vert,FRQNT; FRQSC,NC-1; SC-2,"Filippo Callegaro <https://orcid.org/0000-0002-2658-3721>; '
    'Emanuele Delucchi",f.callegaro@example.org,',
    '10.1038/d41586-020-02761-z,"Attention science: some people have only one name",Nature,0028-0836,Springer,'
    '2023-09-29,,,,,,,fermé,frqs,,Sheherazade*,,udem',
]).encode()


def import_(actor, data, **kwargs):
    return services.publication_import(actor=actor, data=data, **kwargs)


def test_a_good_file_imports_every_publication(institution_staff, udem, policies, journal_factory):
    journal_factory(title="PLoS ONE", issn_electronic="1932-6203")
    report = import_(institution_staff, GOOD)
    assert report == {"created": 3, "updated": 0, "unchanged": 0, "rows": 3, "encoding": "utf-8", "delimiter": ","}
    first = Publication.objects.get(doi="10.1371/journal.pone.0033693")
    assert first.source == Publication.Source.CSV and first.institution == udem
    assert first.declared_by == institution_staff and first.compliance == "compliant"
    authors = list(first.authors.order_by("position"))
    assert [(a.name, a.orcid, a.is_corresponding, a.email) for a in authors] == [
        ("Chercheuse Tremblay", "0000-0002-1825-0097", True, "chercheuse@umontreal.example.org"),
        ("Autre Nom", "", False, "")]
    second = Publication.objects.get(doi="10.1016/j.aim.2017.04.017")
    assert second.version_deposited == "accepted" and second.deposit_licence == "CC-BY-4.0"
    assert sorted((f.fund.acronym, f.grant_number) for f in second.fundings.all()) == [("FRQNT", "NC-1"), ("FRQSC", "SC-2")]
    assert second.authors.get(position=0).is_corresponding  # none marked: the first one, with the address
    assert second.authors.get(position=0).email == "f.callegaro@example.org"
    third = Publication.objects.get(doi="10.1038/d41586-020-02761-z")
    assert third.fundings.get().fund.slug == "frqs" and third.checked_at is not None
    assert AuditEntry.objects.filter(action="science.publication.import").count() == 1


def test_every_error_is_reported_by_line_and_column_and_nothing_is_written(institution_staff, policies):
    bad = "\r\n".join([
        HEADER,
        "pas-un-doi,Titre,,,,,,,,,,,,FRQS,,Quelqu'un,,",
        "10.5555/a,Titre A,,1234-5678,,2999-01-01,Tous droits réservés,,,,,,,FRQS,,Quelqu'un <0000-0002-1825-0098>,,",
        "10.5555/b,,,,,,,acceptée,,,,,,NSERC,,,pas-un-courriel,",
        "10.5555/a,Titre répété,,,,,,,,,,,,FRQS,,Quelqu'un,,",
        "10.5555/c,Titre C,,,,,,,,,,,,FRQS; FRQNT,1; 2; 3,Quelqu'un,,ailleurs",
    ]).encode()
    with pytest.raises(ValidationError) as caught:
        import_(institution_staff, bad)
    text = "\n".join(caught.value.messages)
    for expected in ["Ligne 2, colonne « doi » : « pas-un-doi » n'est pas un DOI",
                     "Ligne 3, colonne « issn »", "Ligne 3, colonne « date_publication »",
                     "Ligne 3, colonne « licence »", "Ligne 3, colonne « auteurs » : Auteur 1 : ORCID invalide",
                     "Ligne 4, colonne « titre »", "Ligne 4, colonne « url_depot »", "Ligne 4, colonne « fonds »",
                     "Ligne 4, colonne « auteurs »", "Ligne 5, colonne « doi » : Ce DOI figure déjà à la ligne 3",
                     "Ligne 6, colonne « numero_subvention »", "Ligne 6, colonne « etablissement »"]:
        assert expected in text, text
    assert not Publication.objects.exists() and not Author.objects.exists() and not Funding.objects.exists()


def test_windows_1252_with_semicolons(fund_staff, policies, udem):
    text = ("doi;titre;fonds;numero_subvention;auteurs;date_publication;etablissement\r\n"
            "10.5555/ete;Réchauffement et forêts boréales : l’été québécois;FRQNT;2021-NC-9;"
            "Émilie Côté* <0000-0002-1825-0097>;2023-01-15;UdeM\r\n")
    report = import_(fund_staff, text.encode("cp1252"))
    assert report["encoding"] == "windows-1252" and report["delimiter"] == ";" and report["created"] == 1
    publication = Publication.objects.get()
    assert publication.title == "Réchauffement et forêts boréales : l’été québécois"
    assert publication.authors.get().name == "Émilie Côté" and publication.institution == udem


def test_hostile_strings_are_text_and_control_characters_are_refused(fund_staff, policies):
    hostile = ('doi,titre,fonds,auteurs\r\n'
               '10.5555/x1,"<script>alert(1)</script>; DROP TABLE science_publication; --",FRQS,"=HYPERLINK(""http://x"")"\r\n')
    assert import_(fund_staff, hostile.encode())["created"] == 1
    publication = Publication.objects.get()
    assert publication.title.startswith("<script>alert(1)</script>")
    assert publication.authors.get().name.startswith("=HYPERLINK")
    exported = services.export_csv(services.publication_list_queryset()[0]).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported  # a spreadsheet will not run it
    control = 'doi,titre,fonds,auteurs\r\n10.5555/x2,"Titre\x1b[31m rouge",FRQS,Nom\r\n'
    with pytest.raises(ValidationError) as caught:
        import_(fund_staff, control.encode())
    assert "Ligne 2, colonne « titre » : Le titre contient des caractères de contrôle." in caught.value.messages
    assert Publication.objects.count() == 1


@pytest.mark.parametrize(("data", "words"), [
    (b"", "vide"),
    (b"doi,titre\r\n10.5555/a,Titre\r\n", "Colonnes manquantes : fonds"),
    (HEADER.encode() + b"\r\n", "aucune publication"),
    (b"\x00\x01\x02binaire", "octets nuls"),
])
def test_files_that_are_not_imports(fund_staff, funds, data, words):
    with pytest.raises(ValidationError) as caught:
        import_(fund_staff, data)
    assert any(words in m for m in caught.value.messages), caught.value.messages


def test_reimporting_changes_nothing_then_updates_what_changed(institution_staff, policies):
    import_(institution_staff, GOOD)
    stamps = dict(Publication.objects.values_list("doi", "updated_at"))
    assert import_(institution_staff, GOOD)["unchanged"] == 3
    assert dict(Publication.objects.values_list("doi", "updated_at")) == stamps
    changed = GOOD.replace(b"Sheherazade*", b"Sheherazade*; Ardiantiono")
    report = import_(institution_staff, changed)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    third = Publication.objects.get(doi="10.1038/d41586-020-02761-z")
    assert third.authors.count() == 2 and third.updated_at > stamps[third.doi]
    assert Publication.objects.count() == 3


def test_who_may_import(researcher, institution_staff, make_org, fund_staff, policies):
    with pytest.raises(PermissionDenied):
        import_(researcher, GOOD)
    make_org(slug="mcgill", kind="university", name_fr="Université McGill", acronym="McGill")
    with pytest.raises(PermissionDenied):
        import_(institution_staff, GOOD, institution="mcgill")
    elsewhere = GOOD.replace(b",udem", b",mcgill")
    with pytest.raises(ValidationError) as caught:
        import_(institution_staff, elsewhere)
    assert "Ligne 4, colonne « etablissement » : Vous n'importez que pour votre établissement." in caught.value.messages
    assert import_(fund_staff, elsewhere)["created"] == 3  # science managers import for any institution


def test_one_cannot_overwrite_someone_elses_declaration(researcher, institution_staff, policies):
    services.publication_create(actor=researcher, data={
        "doi": "10.1038/d41586-020-02761-z", "title": "Déclarée par la chercheuse", "authors": [{"name": "A"}],
        "fundings": [{"fund": "frqs"}]})
    with pytest.raises(ValidationError) as caught:
        import_(institution_staff, GOOD)
    assert any("Ligne 4, colonne « doi » : Ce DOI est déjà déclaré par quelqu'un d'autre" in m
               for m in caught.value.messages)
    assert Publication.objects.get().title == "Déclarée par la chercheuse"


def test_too_large_files_are_413_on_the_page_and_the_api(client, institution_staff, policies, settings):
    settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES = 200
    client.force_login(institution_staff)
    page = client.post(reverse("science:publication_import"), {"file": SimpleUploadedFile("p.csv", GOOD, "text/csv")})
    assert page.status_code == 413 and "la limite est de 200 octets" in page.content.decode()
    api = client.post("/api/v1/science/publications/import", {"file": SimpleUploadedFile("p.csv", GOOD, "text/csv")})
    assert api.status_code == 413 and "200" in api.json()["detail"]
    assert not Publication.objects.exists()


def test_the_import_page_and_the_api(client, institution_staff, policies):
    url = reverse("science:publication_import")
    client.force_login(institution_staff)
    page = client.get(url).content.decode()
    assert "courriel_correspondance" in page and "numero_subvention" in page
    assert client.post(url, {}).status_code == 400
    bad = client.post(url, {"file": SimpleUploadedFile("p.csv", b"doi,titre,fonds\r\nx,,FRQS\r\n", "text/csv")})
    assert bad.status_code == 400 and "Ligne 2, colonne « doi »" in bad.content.decode()
    good = client.post(url, {"file": SimpleUploadedFile("p.csv", GOOD, "text/csv")})
    assert good.status_code == 200 and "3 publication(s) ajoutée(s)" in good.content.decode()
    api = client.post("/api/v1/science/publications/import", {"file": SimpleUploadedFile("p.csv", GOOD, "text/csv")})
    assert api.status_code == 200 and api.json()["unchanged"] == 3
    refused = client.post("/api/v1/science/publications/import",
                          {"file": SimpleUploadedFile("p.csv", b"doi,titre,fonds\r\nx,,FRQS\r\n", "text/csv")})
    assert refused.status_code == 400 and "Ligne 2" in refused.json()["detail"]
