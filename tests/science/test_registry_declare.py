"""Declaring, changing and withdrawing publications of the registry: the services, the form (without
JavaScript), the page, the API; every validation failing clearly; who may do what; double submits."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from ouvert.core import search
from ouvert.core.models import AuditEntry
from ouvert.science import registry, services
from ouvert.science.models import Author, Compliance, Funding, Publication
from tests.concurrency import race

pytestmark = pytest.mark.django_db


def good_data(**changes):
    data = {
        "doi": "https://doi.org/10.1371/journal.pone.0033693",
        "title": "Methylphenidate Exposure Induces Dopamine Neuron Loss",
        "journal_title": "PLoS ONE", "issn": "1932-6203", "publisher": "Public Library of Science (PLoS)",
        "published_on": "2023-03-21", "licence": "CC BY 4.0",
        "authors": [{"name": "Chercheuse Tremblay", "orcid": "https://orcid.org/0000-0002-1825-0097",
                     "affiliation": "Université de Montréal", "is_corresponding": True,
                     "email": "Chercheuse@UMontreal.example.org"},
                    {"name": "Autre Nom", "orcid": "", "affiliation": "", "is_corresponding": False, "email": ""}],
        "fundings": [{"fund": "frqnt", "grant_number": "2023-NC-123456"}],
    }
    data.update(changes)
    return data


@pytest.fixture
def open_journal(journal_factory):
    return journal_factory(title="PLoS ONE", issn_electronic="1932-6203")


def test_a_researcher_declares_a_compliant_publication(researcher, policies, open_journal):
    publication = services.publication_create(actor=researcher, data=good_data())
    assert publication.doi == "10.1371/journal.pone.0033693"
    assert publication.declared_by == researcher and publication.source == Publication.Source.FORM
    assert publication.licence == "CC-BY-4.0" and publication.journal == open_journal
    authors = list(publication.authors.order_by("position"))
    assert [a.orcid for a in authors] == ["0000-0002-1825-0097", ""]
    assert authors[0].email == "chercheuse@umontreal.example.org"
    funding = publication.fundings.get()
    assert funding.verdict == Compliance.COMPLIANT and funding.route == "journal"
    assert publication.compliance == Compliance.COMPLIANT
    assert search.is_indexed(registry.SEARCH_KIND, publication.pk)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"doi": "pas un doi"}, "doi", "n'est pas un DOI"),
    ({"title": "   "}, "title", "titre est obligatoire"),
    ({"title": "Titre\x07 avec cloche"}, "title", "caractères de contrôle"),
    ({"issn": "1932-6204"}, "issn", "clé de contrôle"),
    ({"published_on": "2999-01-01"}, "published_on", "dans le futur"),
    ({"published_on": "21/03/2023"}, "published_on", "AAAA-MM-JJ"),
    ({"published_on": "1850-01-01"}, "published_on", "antérieure à 1900"),
    ({"licence": "Tous droits réservés"}, "licence", "pas une licence reconnue"),
    ({"version_deposited": "brouillon"}, "version_deposited", "pas une valeur permise"),
    ({"oa_status": "platine"}, "oa_status", "pas une valeur permise"),
    ({"repository_url": "javascript:alert(1)", "version_deposited": "accepted"}, "repository_url", "http:// ou https://"),
    ({"repository_url": "ftp://depot.example.org/x"}, "repository_url", "http:// ou https://"),
    ({"version_deposited": "accepted"}, "repository_url", "Donnez l'adresse de la copie déposée"),
    ({"repository_url": "https://depot.example.org/1", "deposited_on": "2023-05-02", "deposit_open_on": "2023-05-01"},
     "deposit_open_on", "avant d'avoir été déposée"),
    ({"deposited_on": "2999-01-01", "repository_url": "https://depot.example.org/1"}, "deposited_on", "dans le futur"),
    ({"institution": "nulle-part"}, "institution", "Établissement inconnu"),
    ({"authors": []}, "authors", "au moins un auteur"),
    ({"authors": [{"name": "A", "orcid": "0000-0002-1825-0098"}]}, "authors", "ORCID invalide"),
    ({"authors": [{"name": "A", "email": "pas-un-courriel"}]}, "authors", "courriel invalide"),
    ({"authors": [{"name": "", "orcid": "0000-0002-1825-0097"}]}, "authors", "nom est obligatoire"),
    ({"fundings": []}, "fundings", "au moins un financement"),
    ({"fundings": [{"fund": "nserc", "grant_number": "1"}]}, "fundings", "choisissez un fonds connu"),
    ({"fundings": [{"fund": "frqs", "grant_number": "1"}, {"fund": "FRQS", "grant_number": "1"}]}, "fundings",
     "déjà donnés"),
])
def test_every_validation_fails_clearly_and_writes_nothing(researcher, funds, changes, field, words):
    with pytest.raises(ValidationError) as caught:
        services.publication_create(actor=researcher, data=good_data(**changes))
    messages = caught.value.message_dict
    assert field in messages, messages
    assert any(words in m for m in messages[field]), messages[field]
    assert not Publication.objects.exists() and not Author.objects.exists() and not Funding.objects.exists()


def test_a_duplicate_doi_names_the_publication_already_declared(researcher, stranger, policies):
    first = services.publication_create(actor=researcher, data=good_data())
    with pytest.raises(ValidationError) as caught:
        services.publication_create(actor=stranger, data=good_data(doi="10.1371/JOURNAL.PONE.0033693"))
    [message] = caught.value.message_dict["doi"]
    assert "déjà déclaré" in message and first.title in message and f"/publications/{first.pk}/" in message
    assert Publication.objects.count() == 1


def test_hostile_strings_are_kept_as_text(researcher, policies, client):
    title = "<script>alert('x')</script> l'accès ; DROP TABLE science_publication; --"
    publication = services.publication_create(actor=researcher, data=good_data(title=title))
    assert Publication.objects.get(pk=publication.pk).title == title
    page = client.get(reverse("science:publication_detail", kwargs={"pk": publication.pk})).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_who_may_declare_change_and_withdraw(researcher, stranger, institution_staff, udem, fund_staff, policies):
    with pytest.raises(PermissionDenied):
        services.publication_create(actor=None, data=good_data())
    publication = services.publication_create(actor=researcher, data=good_data(institution="udem"))
    assert publication.institution == udem
    with pytest.raises(PermissionDenied):
        services.publication_update(actor=stranger, publication=publication, data=good_data(title="Pris"))
    with pytest.raises(PermissionDenied):
        services.publication_withdraw(actor=stranger, publication=publication, reason="Non")
    for person in (researcher, institution_staff, fund_staff):
        services.publication_update(actor=person, publication=publication, data=good_data(title=f"Par {person.email}",
                                                                                          institution="udem"))
        assert Publication.objects.get(pk=publication.pk).title == f"Par {person.email}"


def test_institution_staff_declare_for_their_institution(institution_staff, udem, policies):
    publication = services.publication_create(actor=institution_staff, data=good_data())
    assert publication.institution == udem


def test_update_replaces_authors_and_fundings_and_bumps_the_datestamp(researcher, policies):
    publication = services.publication_create(actor=researcher, data=good_data())
    before = publication.updated_at
    services.publication_update(actor=researcher, publication=publication, data=good_data(
        authors=[{"name": "Seule Autrice", "is_corresponding": True}],
        fundings=[{"fund": "frqs", "grant_number": "S-1"}, {"fund": "frqsc", "grant_number": ""}], licence=""))
    publication.refresh_from_db()
    assert publication.updated_at > before
    assert [a.name for a in publication.authors.all()] == ["Seule Autrice"]
    assert sorted(f.fund.slug for f in publication.fundings.all()) == ["frqs", "frqsc"]
    assert all(f.checked_at is not None for f in publication.fundings.all())


def test_withdraw_hides_keeps_and_audits(researcher, policies, client):
    publication = services.publication_create(actor=researcher, data=good_data())
    with pytest.raises(ValidationError):
        services.publication_withdraw(actor=researcher, publication=publication, reason="  ")
    before = publication.updated_at
    services.publication_withdraw(actor=researcher, publication=publication, reason="Déclarée en double")
    publication.refresh_from_db()
    assert publication.withdrawn_at is not None and publication.updated_at > before
    assert not search.is_indexed(registry.SEARCH_KIND, publication.pk)
    assert AuditEntry.objects.filter(action="science.publication.withdraw").count() == 1
    with pytest.raises(ValidationError):
        services.publication_withdraw(actor=researcher, publication=publication, reason="Encore")
    with pytest.raises(ValidationError):
        services.publication_update(actor=researcher, publication=publication, data=good_data())
    page = client.get(reverse("science:publication_detail", kwargs={"pk": publication.pk})).content.decode()
    assert "Publication retirée du registre" in page and "Déclarée en double" in page
    listing = client.get(reverse("science:publication_list")).content.decode()
    assert publication.title not in listing


# --- The form -------------------------------------------------------------------------------------

def form_post(**changes):
    post = {"doi": "10.1371/journal.pone.0033693", "title": "Un article déclaré par le formulaire",
            "journal_title": "PLoS ONE", "issn": "1932-6203", "published_on": "2023-03-21", "licence": "CC-BY-4.0",
            "author-0-name": "Chercheuse Tremblay", "author-0-orcid": "0000-0002-1825-0097",
            "author-0-affiliation": "UdeM", "author-0-email": "c@example.org", "author-0-is_corresponding": "on",
            "author-1-name": "", "author-1-orcid": "", "author-1-affiliation": "", "author-1-email": "",
            "funding-0-fund": "frqnt", "funding-0-grant_number": "2023-NC-1", "funding-0-competition_date": ""}
    post.update(changes)
    return post


def test_the_form_declares_without_javascript(client, researcher, policies):
    url = reverse("science:publication_create")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(researcher)
    page = client.get(url)
    assert page.status_code == 200 and b'name="author-0-name"' in page.content and b'name="funding-0-fund"' in page.content
    more = client.post(url, form_post(add_author="1"))
    assert more.status_code == 200 and b'name="author-2-name"' in more.content
    assert b"Un article d\xc3\xa9clar\xc3\xa9 par le formulaire" in more.content and not Publication.objects.exists()
    response = client.post(url, form_post())
    publication = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("science:publication_detail",
                                                                          kwargs={"pk": publication.pk})
    assert publication.authors.get().is_corresponding
    detail = client.get(response["Location"]).content.decode()
    assert "c@example.org" not in detail  # never the authors' e-mails
    assert "https://doi.org/10.1371/journal.pone.0033693" in detail and "FRQNT" in detail


def test_the_form_shows_errors_linked_to_their_fields(client, researcher, funds):
    client.force_login(researcher)
    response = client.post(reverse("science:publication_create"), form_post(issn="1234-5678", **{"funding-0-fund": ""}))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and 'href="#p-issn"' in page and 'href="#f-0-fund"' in page
    assert 'value="Un article déclaré par le formulaire"' not in page  # the title is a textarea
    assert "Un article déclaré par le formulaire" in page and not Publication.objects.exists()


def test_double_submit_of_the_form_makes_one_publication(client, researcher, policies):
    client.force_login(researcher)
    url = reverse("science:publication_create")
    assert client.post(url, form_post()).status_code == 302
    second = client.post(url, form_post())
    assert second.status_code == 400 and "déjà déclaré" in second.content.decode()
    assert Publication.objects.count() == 1


def test_edit_and_withdraw_pages(client, researcher, stranger, policies):
    publication = services.publication_create(actor=researcher, data=good_data())
    edit = reverse("science:publication_edit", kwargs={"pk": publication.pk})
    client.force_login(stranger)
    assert client.get(edit).status_code == 403
    client.force_login(researcher)
    page = client.get(edit)
    assert page.status_code == 200 and "Chercheuse Tremblay" in page.content.decode()
    assert client.post(edit, form_post(title="Titre corrigé")).status_code == 302
    assert Publication.objects.get(pk=publication.pk).title == "Titre corrigé"
    withdraw = reverse("science:publication_withdraw", kwargs={"pk": publication.pk})
    assert client.post(withdraw, {"reason": ""}).status_code == 400
    assert client.post(withdraw, {"reason": "Erreur de saisie"}).status_code == 302
    assert Publication.objects.get(pk=publication.pk).withdrawn_at is not None


def test_my_publications(client, researcher, institution_staff, stranger, publication_factory, udem, policies):
    mine = services.publication_create(actor=researcher, data=good_data(institution="udem"))
    other = publication_factory(title="Une autre publication")
    url = reverse("science:my_publications")
    client.force_login(institution_staff)
    page = client.get(url).content.decode()
    assert mine.title in page and other.title not in page
    client.force_login(stranger)
    assert mine.title not in client.get(url).content.decode()


# --- The API ----------------------------------------------------------------------------------------

def test_api_declare_change_withdraw(client, researcher, stranger, policies, open_journal):
    url = "/api/v1/science/publications"
    data = good_data()
    assert client.post(url, data, content_type="application/json").status_code == 401
    client.force_login(researcher)
    bad = client.post(url, good_data(issn="0000-0000X"), content_type="application/json")
    assert bad.status_code == 400 and "issn" in bad.json()["errors"]
    created = client.post(url, data, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["doi"] == "10.1371/journal.pone.0033693" and body["compliance"] == "compliant"
    assert body["fundings"][0]["reasons"] and "email" not in str(body["authors"])
    assert Publication.objects.get().source == Publication.Source.API
    again = client.post(url, data, content_type="application/json")
    assert again.status_code == 400 and "déjà déclaré" in again.json()["detail"]
    pk = body["id"]
    changed = client.patch(f"{url}/{pk}", {"title": "Nouveau titre"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["title"] == "Nouveau titre"
    assert client.patch(f"{url}/{pk}", {"colour": "bleu"}, content_type="application/json").status_code == 400
    client.force_login(stranger)
    assert client.patch(f"{url}/{pk}", {"title": "X"}, content_type="application/json").status_code == 403
    client.force_login(researcher)
    gone = client.post(f"{url}/{pk}/withdraw", {"reason": "Doublon"}, content_type="application/json")
    assert gone.status_code == 200 and gone.json()["withdrawn_at"]
    assert client.get(f"{url}/{pk}").json()["withdrawn_reason"] == "Doublon"
    assert client.get(f"{url}/999999").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_simultaneous_declarations_of_one_doi_make_one_publication(researcher, stranger, policies):
    results = race([lambda person=person: services.publication_create(actor=person, data=good_data())
                    for person in (researcher, stranger)])
    assert sum(isinstance(r, Publication) for r in results) == 1
    [refusal] = [r for r in results if not isinstance(r, Publication)]
    assert isinstance(refusal, ValidationError) and "déjà déclaré" in str(refusal)
    assert Publication.objects.count() == 1 and Funding.objects.count() == 1


def test_dates_are_checked_against_montreal_today(researcher, policies):
    tomorrow = registry.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.publication_create(actor=researcher, data=good_data(published_on=tomorrow.isoformat()))
    publication = services.publication_create(actor=researcher, data=good_data(
        published_on=registry.today().isoformat(), repository_url="https://depot.example.org/1",
        version_deposited="accepted", deposited_on=registry.today().isoformat(),
        deposit_open_on=(registry.today() + datetime.timedelta(days=180)).isoformat()))
    assert publication.deposit_open_on > registry.today()  # an embargo's end may be ahead


def test_the_admin_lists_changes_and_recomputes(client, platform_admin, researcher, policies, journal_factory):
    publication = services.publication_create(actor=researcher, data=good_data())
    client.force_login(platform_admin)
    assert client.get(reverse("admin:science_publication_changelist")).status_code == 200
    change = client.get(reverse("admin:science_publication_change", args=[publication.pk]))
    assert change.status_code == 200 and "2023-NC-123456" in change.content.decode()
    assert client.get(reverse("admin:science_reminder_changelist")).status_code == 200
    assert client.get(reverse("admin:science_reminder_add")).status_code == 403  # reminders are records of e-mails sent
    assert publication.compliance != Compliance.COMPLIANT  # the journal is not in the registry yet
    journal_factory(title="PLoS ONE", issn_electronic="1932-6203")  # now the journal is known as open access
    before = Publication.objects.get(pk=publication.pk).updated_at
    from django.contrib import admin as django_admin

    from ouvert.science.admin_registry import PublicationAdmin

    model_admin = PublicationAdmin(Publication, django_admin.site)
    request = type("R", (), {"user": platform_admin})()
    form = type("F", (), {"instance": publication, "save_m2m": lambda self: None})()
    model_admin.save_related(request, form, [], True)
    publication.refresh_from_db()
    assert publication.compliance == Compliance.COMPLIANT and publication.updated_at > before
