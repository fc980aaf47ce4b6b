"""Reuse pages over HTTP: the gallery and its filters, a reuse's page, proposing, editing, moderating,
the dataset page's « Utilisé par » panel and the counts in the catalogue's lists (constant queries)."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from ouvert.catalog import services
from ouvert.catalog.models import Reuse
from ouvert.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(make_user):
    return make_user(email="citoyen@example.org", full_name="Citoyen")


@pytest.fixture
def moderator(make_user):
    user = make_user(email="moderatrice@example.org")
    user.user_permissions.add(Permission.objects.get(codename="moderate_reuse", content_type__app_label="catalog"))
    return user


@pytest.fixture
def velo(dataset_factory, theme_factory):
    theme_factory("transport", title_fr="Transport")
    return dataset_factory(name="comptage-velos", title_fr="Comptage des vélos", themes=["transport"])


@pytest.fixture
def publish(citizen, moderator):
    counter = {"n": 0}

    def make(**extra):
        counter["n"] += 1
        data = {"kind": "application", "title_fr": f"Réutilisation {counter['n']}",
                "url": f"https://exemple.org/r{counter['n']}", "datasets": ["comptage-velos"], **extra}
        reuse = services.reuse_submit(actor=citizen, data=data)
        return services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")

    return make


def queries(func) -> int:
    """How many queries ``func()`` runs (counted as they run: ``connection.queries`` is capped in long tests)."""
    count = []
    with connection.execute_wrapper(lambda execute, *args: count.append(1) or execute(*args)):
        func()
    return len(count)


def png_upload():
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 120, 60)).save(out, "PNG")
    return SimpleUploadedFile("capture.png", out.getvalue(), content_type="image/png")


def test_gallery_filters_and_pagination(client, velo, publish, dataset_factory, other_org, other_org_editor):
    dataset_factory(name="pistes-quebec", title_fr="Pistes de Québec", actor=other_org_editor, organisation=other_org)
    publish(title_fr="Carte des pistes")
    publish(title_fr="Article vélo d’hiver", kind="article", datasets=["pistes-quebec"])
    html = client.get("/fr/catalogue/reutilisations/").content.decode()
    assert "2 réutilisations" in html and "Carte des pistes" in html and "Article vélo d’hiver" in html

    def titles(query):
        response = client.get(f"/fr/catalogue/reutilisations/?{query}")
        assert response.status_code == 200
        return re.findall(r'<h3><a href="/fr/catalogue/reutilisations/[^"]+/">([^<]+)</a>', response.content.decode())

    assert titles("kind=article") == ["Article vélo d’hiver"]
    assert titles("dataset=comptage-velos") == ["Carte des pistes"]
    assert titles(f"organisation={other_org.slug}") == ["Article vélo d’hiver"]
    assert titles("theme=transport") == ["Carte des pistes"]
    assert titles("q=hiver") == ["Article vélo d’hiver"]
    assert client.get("/fr/catalogue/reutilisations/?kind=jeu").status_code == 400
    assert client.get("/fr/catalogue/reutilisations/?page=abc").status_code == 400
    assert client.get("/fr/catalogue/reutilisations/?page=9").status_code == 404
    for _ in range(12):
        publish()
    first = client.get("/fr/catalogue/reutilisations/").content.decode()
    assert "Page 1 sur 2" in first and 'rel="next"' in first
    assert "Page 2 sur 2" in client.get("/fr/catalogue/reutilisations/?page=2").content.decode()


def test_gallery_queries_do_not_grow(client, velo, publish, django_assert_max_num_queries):
    publish()
    few = queries(lambda: client.get("/fr/catalogue/reutilisations/"))
    for _ in range(8):
        publish()
    with django_assert_max_num_queries(few):
        assert client.get("/fr/catalogue/reutilisations/").status_code == 200


def test_reuse_page_visibility(client, velo, citizen, moderator):
    reuse = services.reuse_submit(actor=citizen, data={"title_fr": "Carte", "url": "https://exemple.org/c",
                                                       "datasets": ["comptage-velos"], "description_fr": "<b>gras</b>"})
    url = f"/fr/catalogue/reutilisations/{reuse.name}/"
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    html = client.get(url).content.decode()
    assert "En attente de modération" in html and "&lt;b&gt;gras&lt;/b&gt;" in html
    assert "Enregistrer la décision" not in html
    client.force_login(moderator)
    assert "Enregistrer la décision" in client.get(url).content.decode()
    services.reuse_moderate(actor=moderator, reuse=reuse, decision="publish")
    client.logout()
    html = client.get(url).content.decode()
    assert "Comptage des vélos" in html and 'rel="nofollow noopener ugc"' in html


def test_propose_through_the_form(client, velo, citizen, admin_user):
    response = client.get("/fr/catalogue/reutilisations/proposer/")
    assert response.status_code == 302 and "/connexion" in response["Location"] or "login" in response["Location"]
    client.force_login(citizen)
    form = client.get("/fr/catalogue/reutilisations/proposer/?jeu=comptage-velos").content.decode()
    assert "comptage-velos</textarea>" in form
    response = client.post("/fr/catalogue/reutilisations/proposer/", {
        "kind": "visualisation", "title_fr": "Vélos et météo", "url": "javascript:alert(1)", "datasets": "comptage-velos"})
    assert response.status_code == 400 and "http" in response.content.decode()
    assert not Reuse.objects.exists()
    response = client.post("/fr/catalogue/reutilisations/proposer/", {
        "kind": "visualisation", "title_fr": "Vélos et météo", "url": "https://exemple.org/v",
        "datasets": "", "datasets_pick": ["comptage-velos"], "image": png_upload()})
    reuse = Reuse.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fr/catalogue/reutilisations/{reuse.name}/"
    assert reuse.status == "pending" and reuse.thumbnail and [d.name for d in reuse.datasets.all()] == ["comptage-velos"]
    again = client.post("/fr/catalogue/reutilisations/proposer/", {
        "kind": "visualisation", "title_fr": "Vélos et météo", "url": "https://exemple.org/v", "datasets": "comptage-velos"})
    assert again.status_code == 400 and "déjà proposé" in again.content.decode()
    response = client.post("/fr/catalogue/reutilisations/proposer/", {
        "kind": "visualisation", "title_fr": "Faux", "url": "https://exemple.org/f", "datasets": "comptage-velos",
        "image": SimpleUploadedFile("x.png", b"GIF89a not really", content_type="image/png")})
    assert response.status_code == 400 and "PNG, JPEG ou WebP" in response.content.decode()
    assert Reuse.objects.count() == 1
    mine = client.get("/fr/catalogue/reutilisations/mes-propositions/").content.decode()
    assert "Vélos et météo" in mine and "En attente de modération" in mine
    suggest = client.get("/fr/catalogue/reutilisations/jeux-suggeres/?q=vélo").content.decode()
    assert 'value="comptage-velos"' in suggest


def test_moderation_queue_and_decision(client, velo, citizen, moderator):
    reuse = services.reuse_submit(actor=citizen, data={"title_fr": "Carte", "url": "https://exemple.org/c",
                                                       "datasets": ["comptage-velos"]})
    client.force_login(citizen)
    assert client.get("/fr/catalogue/reutilisations/moderation/").status_code == 403
    assert client.post(f"/fr/catalogue/reutilisations/{reuse.name}/moderer/", {"decision": "publish"}).status_code == 403
    client.force_login(moderator)
    queue = client.get("/fr/catalogue/reutilisations/moderation/").content.decode()
    assert "Carte" in queue
    response = client.post(f"/fr/catalogue/reutilisations/{reuse.name}/moderer/", {"decision": "reject", "note": ""})
    assert response.status_code == 400 and "motif" in response.content.decode()
    response = client.post(f"/fr/catalogue/reutilisations/{reuse.name}/moderer/",
                           {"decision": "publish", "next": "queue"})
    assert response.status_code == 302 and response["Location"] == "/fr/catalogue/reutilisations/moderation/"
    reuse.refresh_from_db()
    assert reuse.status == "published"
    assert Notification.objects.filter(recipient=citizen, subject__contains="publiée").exists()


def test_edit_sends_back_to_moderation(client, velo, citizen, moderator, make_user, publish):
    reuse = publish(title_fr="Carte")
    url = f"/fr/catalogue/reutilisations/{reuse.name}/modifier/"
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    client.force_login(citizen)
    assert "Une modification renvoie la réutilisation en modération" in client.get(url).content.decode()
    response = client.post(url, {"kind": "application", "title_fr": "Carte 2", "url": "https://exemple.org/r1",
                                 "datasets": "comptage-velos"})
    assert response.status_code == 302
    reuse.refresh_from_db()
    assert reuse.status == "pending" and reuse.title_fr == "Carte 2"


def test_dataset_page_panel_and_counts_in_constant_queries(client, velo, publish, dataset_factory,
                                                          django_assert_max_num_queries):
    page = f"/fr/catalogue/jeux/{velo.name}/"
    html = client.get(page).content.decode()
    assert "Aucune réutilisation publiée" in html and "/fr/catalogue/reutilisations/proposer/?jeu=comptage-velos" in html
    publish(title_fr="Carte des pistes")
    html = client.get(page).content.decode()
    assert "Utilisé par 1 réutilisation" in html and "Carte des pistes" in html
    few = queries(lambda: client.get(page))
    for _ in range(8):
        publish()
    with django_assert_max_num_queries(few):
        html = client.get(page).content.decode()
    assert "Utilisé par 9 réutilisations" in html and "Voir les 9 réutilisations" in html

    for n in range(3):
        dataset_factory(name=f"autre-{n}", title_fr=f"Autre {n}")
    search = client.get("/fr/catalogue/recherche/").content.decode()
    assert "9 réutilisations" in search and "?dataset=comptage-velos" in search
    home = client.get("/fr/catalogue/").content.decode()
    assert "9 réutilisations des données publiées" in home
    assert re.search(r"Comptage des vélos</a>\s*<span class=\"meta\">[^<]*9 réutilisations", home)
    before = queries(lambda: client.get("/fr/catalogue/recherche/"))
    for n in range(3, 9):
        dataset_factory(name=f"autre-{n}", title_fr=f"Autre {n}")
        publish(datasets=[f"autre-{n}"])
    client.get("/fr/catalogue/recherche/")  # as warm as the first measure (cached facets…)
    with django_assert_max_num_queries(before):
        client.get("/fr/catalogue/recherche/")


def test_english_pages_show_english_content(client, velo, publish):
    reuse = publish(title_fr="Carte des pistes", title_en="Bike path map")
    gallery = client.get("/en/catalogue/reutilisations/").content.decode()
    assert "Bike path map" in gallery
    page = client.get(f"/en/catalogue/reutilisations/{reuse.name}/").content.decode()
    assert "<h1>Bike path map</h1>" in page


def test_admin_lists_and_publishes_through_the_service(client, velo, citizen, admin_user):
    reuse = services.reuse_submit(actor=citizen, data={"title_fr": "Carte", "url": "https://exemple.org/c",
                                                       "datasets": ["comptage-velos"]})
    client.force_login(admin_user)
    assert "Carte" in client.get("/fr/admin/catalog/reuse/").content.decode()
    assert client.get(f"/fr/admin/catalog/reuse/{reuse.pk}/change/").status_code == 200
    response = client.post("/fr/admin/catalog/reuse/", {"action": "publish", "_selected_action": [str(reuse.pk)]})
    assert response.status_code == 302
    reuse.refresh_from_db()
    assert reuse.status == "published" and reuse.moderated_by == admin_user
    assert Notification.objects.filter(recipient=citizen, subject__contains="publiée").exists()


def test_edit_replaces_or_removes_the_image(client, velo, citizen):
    reuse = services.reuse_submit(actor=citizen, data={"title_fr": "Carte", "url": "https://exemple.org/c",
                                                       "datasets": ["comptage-velos"]}, image=png_upload())
    first = reuse.image.name
    client.force_login(citizen)
    url = f"/fr/catalogue/reutilisations/{reuse.name}/modifier/"
    fields = {"kind": "application", "title_fr": "Carte", "url": "https://exemple.org/c", "datasets": "comptage-velos"}
    assert 'name="image-clear"' in client.get(url).content.decode()
    assert client.post(url, {**fields, "image": png_upload()}).status_code == 302
    reuse.refresh_from_db()
    assert reuse.image.name != first and reuse.thumbnail
    assert client.post(url, {**fields, "image-clear": "on"}).status_code == 302
    reuse.refresh_from_db()
    assert not reuse.image and not reuse.thumbnail
