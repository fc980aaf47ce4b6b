"""The harvesting pages (``/fr/catalogue/moissonnage/``): who may see them, the sources list (no N+1),
creating and editing a source through the services, « Lancer maintenant » (background task, double
submit), a job's report with its objects filtered by status."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ouvert.catalog.models import Dataset
from ouvert.harvest import services
from ouvert.harvest.models import HarvestJob, HarvestObject, HarvestSource

pytestmark = pytest.mark.django_db

LIST = "/fr/catalogue/moissonnage/"
NEW = "/fr/catalogue/moissonnage/nouvelle/"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def source(fake_ckan, publisher_org):
    return services.source_create(actor=None, name="canada", title="Portail du Canada", type="ckan",
                                  url=f"{fake_ckan.url}/", organisation=publisher_org, config={"rows": 4})


def _urls(source, job=None):
    base = f"/fr/catalogue/moissonnage/sources/{source.name}/"
    urls = {"source": base, "edit": f"{base}modifier/"}
    if job is not None:
        urls["job"] = f"{base}moissons/{job.pk}/"
    return urls


# --- Who may see them -------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_the_login_page(source):
    job, _created = services.job_create(actor=None, source=source)
    anonymous = _client()
    for url in [LIST, NEW, *_urls(source, job).values()]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/compte/login/" in response["Location"], url
    response = anonymous.post(f"{_urls(source)['source']}lancer/")
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert HarvestJob.objects.count() == 1


def test_people_without_an_editor_role_get_a_403(source, make_user, member):
    for user in (make_user(), member):  # no organisation; a mere member of the source's organisation
        client = _client(user)
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.get(_urls(source)["source"]).status_code == 403


def test_an_editor_of_another_organisation_cannot_reach_the_source(source, other_org_editor, other_org):
    job, _created = services.job_create(actor=None, source=source)
    services.source_create(actor=None, name="ville", title="Catalogue de la Ville", type="dcat",
                           url="https://example.org/catalogue.ttl", organisation=other_org)
    client = _client(other_org_editor)
    listing = _text(client.get(LIST))
    assert "Catalogue de la Ville" in listing and "Portail du Canada" not in listing
    for url in _urls(source, job).values():
        assert client.get(url).status_code == 403, url
    assert client.post(f"{_urls(source)['source']}lancer/").status_code == 403
    assert client.post(_urls(source)["edit"], {"title": "Pris", "url": "https://example.org/",
                                               "organisation": other_org.slug, "frequency": "manual"}).status_code == 403
    assert HarvestJob.objects.count() == 1
    source.refresh_from_db()
    assert source.title == "Portail du Canada" and source.organisation.slug == "mtmd"
    assert client.get("/fr/catalogue/moissonnage/sources/inconnue/").status_code == 404


def test_the_publishing_area_links_to_harvesting(editor, source):
    assert LIST in _text(_client(editor).get("/fr/catalogue/"))
    assert LIST not in _text(_client().get("/fr/catalogue/"))


# --- The list ---------------------------------------------------------------------------------

def test_the_list_shows_each_source_with_its_last_job_and_next_run(source, editor, publisher_org, admin_user):
    daily = services.source_create(actor=None, name="quotidienne", title="Source quotidienne", type="dcat",
                                   url="https://example.org/catalogue.ttl", organisation=publisher_org,
                                   frequency="daily")
    job = HarvestJob.objects.create(source=source, status=HarvestJob.Status.FINISHED, created=3, updated=1,
                                    errors=2)
    daily_job = HarvestJob.objects.create(source=daily, status=HarvestJob.Status.FAILED)
    page = _text(_client(editor).get(LIST))
    assert "Portail du Canada" in page and "Source quotidienne" in page
    assert f"{_urls(source)['source']}moissons/{job.pk}/" in page
    assert "Terminée" in page and "créés : 3" in page and "erreurs : 2" in page and "Échouée" in page
    assert "Aucune (moisson manuelle)" in page and "CKAN (API Action v3)" in page
    assert services.next_run(daily, daily_job) == daily_job.created_at + services.PERIODS["daily"]
    # An admin of the platform sees every source.
    assert "Portail du Canada" in _text(_client(admin_user).get(LIST))


def test_the_list_reads_a_constant_number_of_queries(editor, publisher_org):
    client = _client(editor)

    def add(n):
        for i in range(n):
            source = services.source_create(actor=None, name=f"source-{HarvestSource.objects.count()}-{i}",
                                            type="ckan", url="https://example.org/", organisation=publisher_org)
            for status in ("finished", "failed", "finished"):
                HarvestJob.objects.create(source=source, status=status, created=i)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured.captured_queries)

    add(2)
    few = queries()
    add(8)
    assert queries() == few
    assert _text(client.get(LIST)).count("Terminée") == 10


# --- Creating and editing a source ------------------------------------------------------------

def test_create_a_source(editor, publisher_org, other_org):
    client = _client(editor)
    form = _text(client.get(NEW))
    assert 'name="config"' in form and other_org.name_fr not in form  # only its own organisations
    response = client.post(NEW, {"name": "statcan", "title": "Statistique Canada", "type": "dcat",
                                 "url": "https://example.org/catalog.ttl", "organisation": publisher_org.slug,
                                 "frequency": "weekly", "config": '{"modified_since": "modified_since"}',
                                 "active": "on"})
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/moissonnage/sources/statcan/"
    created = HarvestSource.objects.get(name="statcan")
    assert (created.type, created.frequency, created.organisation, created.created_by) == \
        ("dcat", "weekly", publisher_org, editor)
    assert created.config == {"modified_since": "modified_since"} and created.active
    page = _text(client.get(response["Location"]))
    assert "Statistique Canada" in page and "Lancer maintenant" in page and "jamais été moissonnée" in page


def test_service_errors_are_shown_next_to_the_fields(editor, publisher_org, source, other_org):
    client = _client(editor)
    response = client.post(NEW, {"name": "Pas Bon", "type": "dcat", "url": "ftp://example.org/",
                                 "organisation": publisher_org.slug, "frequency": "manual",
                                 "config": '{"rows": 10, "format": "csv"'})
    assert response.status_code == 400
    page = _text(response)
    assert re.search(r'id="id_name_erreurs"><li>Utilisez de 2 à 100 caractères', page)
    assert re.search(r'id="id_url_erreurs"><li>Une adresse http ou https est attendue', page)
    assert re.search(r'id="id_config_erreurs"><li>La configuration n’est pas du JSON valide|'
                     r'id="id_config_erreurs"><li>La configuration n&#x27;est pas du JSON valide', page)
    assert 'aria-invalid="true"' in page and "La source n’a pas été enregistrée" in page

    response = client.post(NEW, {"name": "canada", "type": "dcat", "url": "https://example.org/",
                                 "organisation": publisher_org.slug, "frequency": "manual",
                                 "config": '{"rows": 10}'})
    page = _text(response)
    assert response.status_code == 400 and "Une source porte déjà le nom « canada »" in page
    assert re.search(r'id="id_config_erreurs"><li>Clé « rows » inconnue', page)  # a CKAN key for DCAT
    # An organisation the editor does not manage is not a choice.
    response = client.post(NEW, {"name": "ailleurs", "type": "ckan", "url": "https://example.org/",
                                 "organisation": other_org.slug, "frequency": "manual"})
    assert response.status_code == 400 and 'id="id_organisation_erreurs"' in _text(response)
    assert HarvestSource.objects.count() == 1


def test_edit_a_source(editor, publisher_org, source):
    client = _client(editor)
    url = _urls(source)["edit"]
    page = _text(client.get(url))
    assert 'value="Portail du Canada"' in page and "{&quot;rows&quot;: 4}" in page and 'name="name"' not in page
    response = client.post(url, {"title": "Portail fédéral", "url": source.url, "organisation": publisher_org.slug,
                                 "frequency": "hourly", "config": '{"rows": 5000}', "active": "on"})
    assert response.status_code == 400
    assert re.search(r'id="id_config_erreurs"><li>« rows » : au plus 1000', _text(response))
    source.refresh_from_db()
    assert source.title == "Portail du Canada" and source.config == {"rows": 4}

    response = client.post(url, {"title": "Portail fédéral", "url": source.url, "organisation": publisher_org.slug,
                                 "frequency": "hourly", "config": '{"rows": 50, "fq": "organization:statcan"}'})
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.title, source.frequency, source.active) == ("Portail fédéral", "hourly", False)
    assert source.config == {"rows": 50, "fq": "organization:statcan"}


# --- Running a source -------------------------------------------------------------------------

def test_run_now_starts_one_job_in_the_background_and_a_second_click_says_so(source, editor):
    client = _client(editor)
    run = f"{_urls(source)['source']}lancer/"
    assert client.get(run).status_code == 405  # POST only
    response = client.post(run, {"full": "on"})
    job = HarvestJob.objects.get()
    assert response.status_code == 302 and response["Location"] == _urls(source, job)["job"]
    # The test's transaction never commits, so the task has not run: the job waits.
    assert job.status == HarvestJob.Status.PENDING and job.full
    page = _text(client.get(response["Location"]))
    assert f"Moisson n° {job.pk} lancée" in page and "En attente" in page and 'hx-trigger="every 3s"' in page

    again = client.post(run, follow=True)
    assert HarvestJob.objects.count() == 1
    page = _text(again)
    assert again.redirect_chain[-1][0] == _urls(source, job)["job"]
    assert f"Aucune nouvelle moisson n’a été lancée : la moisson n° {job.pk} de cette source n’est pas finie" in page
    assert f"La moisson n° {job.pk} n’est pas finie" in _text(client.get(_urls(source)["source"]))

    # CSRF is checked.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(run).status_code == 403


def test_a_job_started_from_the_page_runs_as_a_task_and_its_report_lists_the_objects(
        source, editor, fake_ckan, canada_packages, django_capture_on_commit_callbacks):
    for package in canada_packages[:4]:
        fake_ckan.add(package)
    failing = canada_packages[2]
    fake_ckan.fail_show.add(failing["id"])
    client = _client(editor)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs when the transaction commits
        response = client.post(f"{_urls(source)['source']}lancer/")
    job = HarvestJob.objects.get()
    assert job.status == HarvestJob.Status.FINISHED
    assert job.counts == {"created": 3, "updated": 0, "deleted": 0, "unchanged": 0, "errors": 1}

    page = _text(client.get(response["Location"]))
    assert "Terminée" in page and "hx-trigger" not in page
    assert re.search(r"<strong>3</strong> Créés.*<strong>1</strong> Erreurs", page)
    created = Dataset.objects.get(pk=canada_packages[0]["id"])
    assert f'href="/fr/catalogue/jeux/{created.name}/"' in page

    errors = _text(client.get(response["Location"], {"etat": "error"}))
    failed = job.harvest_objects.get(status=HarvestObject.Status.ERROR)
    assert failing["name"] in errors and canada_packages[0]["name"] not in errors
    assert "Not found" in errors and 'class="errorlist"' in errors
    assert "Erreur (1)" in errors and "Créé (3)" in errors
    assert failed.error["__all__"][0] in errors.replace("&#x27;", "'")
    assert client.get(response["Location"], {"etat": "nimporte"}).status_code == 400

    # The source page lists the job; the list shows it as the last one.
    assert f"moissons/{job.pk}/" in _text(client.get(_urls(source)["source"]))
    assert "créés : 3" in _text(client.get(LIST))


def test_the_report_shows_warnings_notes_and_a_failure(source, editor):
    job = HarvestJob.objects.create(source=source, status=HarvestJob.Status.FAILED, full=True,
                                    report={"error": "https://example.org : le serveur a répondu 500.",
                                            "warnings": ["Collecte arrêtée après 3 pages (max_pages)."],
                                            "notes": ["Moisson incrémentale : suppressions non propagées."]})
    HarvestObject.objects.create(job=job, guid="abc", remote_name="jeu-a", status=HarvestObject.Status.UNCHANGED,
                                 error={"warnings": ["Licence « x » inconnue ici."]})
    page = _text(_client(editor).get(_urls(source, job)["job"]))
    assert "La moisson a échoué" in page and "répondu 500" in page
    assert "Collecte arrêtée après 3 pages" in page and "suppressions non propagées" in page
    assert "Licence « x » inconnue ici." in page and "complète (tout relire)" in page


def test_jobs_are_paged_and_a_job_of_another_source_is_not_found(source, editor, publisher_org):
    other = services.source_create(actor=None, name="autre", type="ckan", url="https://example.org/",
                                   organisation=publisher_org)
    foreign = HarvestJob.objects.create(source=other, status=HarvestJob.Status.FINISHED)
    for _n in range(25):
        HarvestJob.objects.create(source=source, status=HarvestJob.Status.FINISHED)
    client = _client(editor)
    first = _text(client.get(_urls(source)["source"]))
    assert first.count("moissons/") == 20 and "?page=2" in first
    second = _text(client.get(_urls(source)["source"], {"page": 2}))
    assert second.count("moissons/") == 5 and "?page=1" in second
    assert client.get(f"{_urls(source)['source']}moissons/{foreign.pk}/").status_code == 404
    assert reverse("harvest:job", kwargs={"name": "autre", "job_id": foreign.pk}) == \
        f"/fr/catalogue/moissonnage/sources/autre/moissons/{foreign.pk}/"


def test_the_pages_speak_english(source, editor):
    client = _client(editor)
    page = _text(client.get("/en/catalogue/moissonnage/"))
    assert "The harvest sources you can manage" in page and "Never harvested" in page and 'lang="en-CA"' in page
    job, _created = services.job_start(actor=editor, source=source)
    page = _text(client.get(f"/en/catalogue/moissonnage/sources/{source.name}/moissons/{job.pk}/"))
    assert f"Harvest no. {job.pk}" in page and "Datasets processed" in page and "Pending" in page
