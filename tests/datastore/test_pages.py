"""Datastore pages through Django's test client, on SQLite and PostgreSQL (``DATABASE_URL``): the preview
(table, paging, sorting, filters, full text, htmx fragments, the same without JavaScript), the column
profile, the ingestion status for publishers, the validation report and badge, the data dictionary,
downloads of the filtered view, the chart builder, saved visualisations (page, embed framed by other
sites, the dataset page's list); permissions (private and draft datasets are 404 for others) and a
constant number of SQL queries whatever the size of the table."""

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog import services as catalog_services
from ouvert.datastore import selectors, services
from ouvert.datastore.models import DatastoreTable
from ouvert.datastore.visualisations import Visualisation
from tests.datastore.kit import *  # noqa: F403  (fixtures)
from tests.datastore.kit import BIKES, csv_bytes

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bikes(dataset_factory, upload):
    """The real Montréal bike counts (Latin-1, ``;``, ragged rows) uploaded to a public dataset."""
    dataset = dataset_factory(name="velos-comptage", title_fr="Comptage des vélos", title_en="Bicycle counts")
    resource = upload(dataset, "comptages-2012.csv", BIKES.read_bytes(), format="CSV",
                      name_fr="Comptages 2012", name_en="Counts 2012")
    assert selectors.table_for_resource(resource) is not None
    return resource


def url(resource, page="apercu/", dataset=None):
    name = (dataset or resource.dataset).name
    return f"/fr/catalogue/jeux/{name}/ressources/{resource.pk}/{page}"


def html_of(response) -> str:
    return response.content.decode()


def test_preview_shows_the_table_profile_and_downloads(client, bikes):
    response = client.get(url(bikes))
    assert response.status_code == 200
    html = html_of(response)
    assert "Aperçu : Comptages 2012" in html
    assert "310 lignes, 10 colonnes" in html
    assert "Lignes 1 à 25 sur 310" in html
    # Headers exactly as in the file, accents included; the first row as DuckDB typed it.
    assert ">Brébeuf (données non disponibles)<" in html and ">Côte-Sainte-Catherine<" in html
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert "2012-01-01" in first and ">35<" in first
    # The column profile beside it, with an accessible histogram.
    assert "Profil des colonnes" in html and "Valeurs vides" in html
    assert "Histogramme :" in html and "<svg viewBox=\"0 0 100 40\"" in html
    # Downloads of the whole table in four formats.
    for fmt in ("csv", "json", "parquet", "xlsx"):
        assert f"/ressources/{bikes.pk}/donnees/{fmt}/" in html
    # Publishers' details are not shown to the public.
    assert "Traitement des données" not in html and "295 lignes" not in html
    english = html_of(client.get(url(bikes).replace("/fr/", "/en/")))
    assert "Preview" in english or "Aperçu" in english


def test_paging_and_sorting_with_plain_links(client, bikes):
    html = html_of(client.get(url(bikes) + "?page=2"))
    assert "Lignes 26 à 50 sur 310" in html
    assert re.search(r'<th scope="row" class="num">26</th>', html)
    sorted_html = html_of(client.get(url(bikes) + "?tri=-Berri+1"))
    assert 'aria-sort="descending"' in sorted_html
    first = sorted_html.split("<tbody>")[1].split("</tr>")[0]
    assert ">7077<" in first  # the busiest day first
    # The header's link toggles to ascending; the pager keeps the sort.
    assert "?tri=Berri+1" in sorted_html
    assert "tri=-Berri+1&amp;page=2" in sorted_html
    last = html_of(client.get(url(bikes) + "?page=13"))
    assert "Lignes 301 à 310 sur 310" in last and "Page 13 sur 13" in last
    assert html_of(client.get(url(bikes) + "?par=100")).count("<tr><th scope=\"row\" class=\"num\">") == 100


def test_filters_ranges_text_and_full_text(client, bikes, dataset_factory, upload):
    html = html_of(client.get(url(bikes), {"min.Berri 1": "6000", "max.Date": "2012-06-30"}))
    count = sum(1 for row in csv.DictReader(io.StringIO(BIKES.read_text("latin-1")), delimiter=";")
                if int(row["Berri 1"]) >= 6000 and row["Date"].split("/")[1] <= "06")
    assert f"sur {count}" in html and "(filtrées)" in html and count > 0
    # A bad bound is reported next to its field; the page is a 400, the rest still applies.
    response = client.get(url(bikes), {"min.Date": "hier", "min.Berri 1": "6000"})
    assert response.status_code == 400
    bad = html_of(response)
    assert 'aria-invalid="true"' in bad and "hier" in bad
    # Text columns: contains (accents and case ignored) or exactly.
    dataset = dataset_factory(name="lieux")
    places = upload(dataset, "lieux.csv", csv_bytes(
        [["Parc La Fontaine", "Plateau-Mont-Royal", 34], ["Parc Jarry", "Villeray–Saint-Michel", 36],
         ["Bibliothèque Marc-Favreau", "Rosemont–La Petite-Patrie", 3]],
        header=["Nom du lieu", "Arrondissement", "Superficie"]), format="CSV")
    assert "sur 2" in html_of(client.get(url(places), {"f.Nom du lieu": "PARC"}))
    assert "Aucune ligne ne correspond" in html_of(client.get(url(places), {"f.Nom du lieu": "parc",
                                                                            "m.Nom du lieu": "egal"}))
    assert "sur 1" in html_of(client.get(url(places), {"f.Nom du lieu": "Parc Jarry", "m.Nom du lieu": "egal"}))
    assert "sur 1" in html_of(client.get(url(places), {"q": "bibliotheque"}))
    # Hostile values are values, never SQL.
    hostile = client.get(url(places), {"f.Nom du lieu": "'; DROP TABLE x; --", "q": "\" OR 1=1 --",
                                       "tri": "Nom du lieu; DROP"})
    assert hostile.status_code == 400 and "Tri impossible" in html_of(hostile)
    assert "sur 3" in html_of(client.get(url(places)))


def test_htmx_asks_only_for_the_part_it_replaces(client, bikes):
    response = client.get(url(bikes) + "?page=2", HTTP_HX_TARGET="tableau-zone", **HTMX)
    html = html_of(response)
    assert html.startswith('<div id="tableau-zone"') and "Lignes 26 à 50" in html
    assert "<html" not in html and "Profil des colonnes" not in html
    assert "HX-Target" in response["Vary"]
    zone = html_of(client.get(url(bikes) + "?min.Berri+1=6000", HTTP_HX_TARGET="apercu-zone", **HTMX))
    assert zone.startswith('<div id="apercu-zone"') and "(filtrées)" in zone and 'id="graphique-zone"' in zone
    chart = html_of(client.get(url(bikes), {"g-type": "bar", "g-x": "Date", "g-aggregate": "sum", "g-y": "Berri 1",
                                            "g-time_unit": "month"}, HTTP_HX_TARGET="graphique-zone", **HTMX))
    assert chart.startswith('<div id="graphique-zone"') and 'id="graphique-spec"' in chart
    assert "Lignes 1 à" not in chart


def test_chart_builder_embeds_aggregated_values_without_javascript(client, bikes):
    response = client.get(url(bikes), {"min.Date": "2012-07-01", "g-type": "line", "g-x": "Date",
                                       "g-aggregate": "sum", "g-y": "Berri 1", "g-time_unit": "month"})
    assert response.status_code == 200
    html = html_of(response)
    spec = json.loads(html.split('<script id="graphique-spec" type="application/json">')[1].split("</script>")[0])
    assert spec["mark"]["type"] == "line"
    assert [v["x"] for v in spec["data"]["values"]] == ["2012-07-01", "2012-08-01", "2012-09-01", "2012-10-01",
                                                         "2012-11-01"]
    july = sum(int(row["Berri 1"]) for row in csv.DictReader(io.StringIO(BIKES.read_text("latin-1")), delimiter=";")
               if row["Date"].endswith("/07/2012"))
    assert spec["data"]["values"][0]["y"] == july
    # The accessible alternative: the same figures in a table, and a sentence.
    assert "Les données du graphique (tableau)" in html and f"<td>{july}</td>" in html
    assert "Courbe : somme (Berri 1) selon « Date »." in html
    # Anonymous people cannot save it.
    assert "Enregistrer cette visualisation" not in html
    # A bad choice is said next to its field (400 without JavaScript).
    bad = client.get(url(bikes), {"g-type": "histogram", "g-x": "Brébeuf (données non disponibles)"})
    assert bad.status_code == 400 and "doit contenir des nombres ou des dates" in html_of(bad)
    assert 'id="id_g-x_erreurs"' in html_of(bad)


def test_downloads_of_the_filtered_view_in_every_format(client, bikes):
    response = client.get(url(bikes, "donnees/csv/"), {"min.Berri 1": "6000", "tri": "-Berri 1"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="comptages-2012-extrait.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Date", "Berri 1", "Brébeuf (données non disponibles)"]
    values = [int(row[1]) for row in rows[1:]]
    assert values == sorted(values, reverse=True) and min(values) >= 6000 and values
    whole = client.get(url(bikes, "donnees/json/"))
    assert whole["Content-Disposition"] == 'attachment; filename="comptages-2012.json"'
    assert len(json.loads(b"".join(whole.streaming_content))) == 310
    parquet = client.get(url(bikes, "donnees/parquet/"))
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    assert b"".join(parquet.streaming_content)[:4] == b"PAR1"
    xlsx = client.get(url(bikes, "donnees/xlsx/"), {"max.Date": "2012-01-31"})
    assert xlsx["X-Ouvert-Rows"] == "31"
    assert client.get(url(bikes, "donnees/pdf/")).status_code == 404
    assert client.get(url(bikes, "donnees/csv/"), {"min.Date": "hier"}).status_code == 400


def test_private_and_draft_datasets_are_404_for_others(client, dataset_factory, upload, member, other_org_editor):
    private = dataset_factory(name="prive", private=True)
    resource = upload(private, "p.csv", csv_bytes([[1, "a"]], header=["n", "t"]), format="CSV")
    draft = dataset_factory(name="brouillon", state="draft")
    draft_resource = upload(draft, "d.csv", csv_bytes([[1, "a"]], header=["n", "t"]), format="CSV")
    for target in (resource, draft_resource):
        for page in ("apercu/", "donnees/csv/", "validation/"):
            assert client.get(url(target, page)).status_code == 404
        client.force_login(other_org_editor)
        assert client.get(url(target)).status_code == 404
        client.force_login(member)
        assert client.get(url(target)).status_code == 200
        client.logout()


def test_a_resource_that_is_not_a_table_has_no_preview(client, dataset_factory, upload):
    dataset = dataset_factory(name="docs")
    pdf = upload(dataset, "guide.pdf", b"%PDF-1.4 rien", format="PDF")
    assert client.get(url(pdf)).status_code == 404
    assert client.get("/fr/catalogue/jeux/docs/ressources/00000000-0000-0000-0000-000000000000/apercu/"
                      ).status_code == 404


def test_publishers_see_the_ingestion_status_and_errors(client, bikes, editor, new_version):
    client.force_login(editor)
    html = html_of(client.get(url(bikes)))
    assert "Traitement des données" in html and "Terminée" in html
    assert "Avertissements de la lecture du fichier" in html
    assert html.count("295 lignes") == 1  # the ingestion's ragged-rows warning, said once
    # A broken new version: the error is shown, the previous table still served.
    new_version(bikes, "comptages-2012.csv", b"\x00\x01\x02 binaire \x00" * 100)
    html = html_of(client.get(url(bikes)))
    assert "Échec :" in html and "La version précédente des données reste servie" in html
    assert "Lignes 1 à 25 sur 310" in html
    dataset_html = html_of(client.get("/fr/catalogue/jeux/velos-comptage/", **BROWSER))
    assert "échec du traitement" in dataset_html and "La version précédente reste servie" in dataset_html
    client.logout()
    public = html_of(client.get("/fr/catalogue/jeux/velos-comptage/", **BROWSER))
    assert "échec du traitement" not in public and "Aperçu et graphiques" in public


def test_validation_badge_and_report(client, bikes, editor, django_capture_on_commit_callbacks):
    schema = {"fields": [{"name": "Date", "type": "date"},
                         {"name": "Berri 1", "type": "integer", "constraints": {"maximum": 5000}},
                         {"name": "Brébeuf (données non disponibles)", "type": "string"},
                         {"name": "Côte-Sainte-Catherine", "type": "integer"},
                         {"name": "Maisonneuve 1", "type": "integer"}, {"name": "Maisonneuve 2", "type": "integer"},
                         {"name": "du Parc", "type": "integer"}, {"name": "Pierre-Dupuy", "type": "integer"},
                         {"name": "Rachel1", "type": "integer"},
                         {"name": "St-Urbain (données non disponibles)", "type": "string"}]}
    with django_capture_on_commit_callbacks(execute=True):
        services.schema_set(actor=editor, resource=bikes, schema=schema)
    # The report of the datastore's validator on the served table, stored as the ingestion stores it.
    from ouvert.datastore import validation

    table = selectors.table_for_resource(bikes)
    report = validation.validate_parquet(services.local_parquet(table), schema)
    table.validation, table.validation_valid = report.as_dict(), report.valid
    table.validation_errors = report.stats["errors"]
    table.save(update_fields=["validation", "validation_valid", "validation_errors"])
    over = sum(1 for row in csv.DictReader(io.StringIO(BIKES.read_text("latin-1")), delimiter=";")
               if int(row["Berri 1"]) > 5000)
    assert report.counts == {"constraint-error": over} and over > 0
    html = html_of(client.get(url(bikes)))
    assert f"{over} erreur(s) de validation" in html and f"/ressources/{bikes.pk}/validation/" in html
    response = client.get(url(bikes, "validation/"))
    assert response.status_code == 200
    text = html_of(response)
    assert "non conforme" in text and f"{over} erreurs trouvées" in text
    assert "<code>constraint-error</code></td><td class=\"num\">" + str(over) in text
    first = report.errors[0]
    assert f'<td class="num">{first["rowNumber"]}</td><td>Berri 1' in text
    only = html_of(client.get(url(bikes, "validation/"), {"code": "constraint-error"}))
    assert "Erreurs « constraint-error »" in only
    assert client.get(url(bikes, "validation/"), {"code": "<script>", "page": "x"}).status_code == 200


def test_data_dictionary_edited_by_the_publisher(client, bikes, editor, member, django_capture_on_commit_callbacks):
    assert "Modifier les descriptions" not in html_of(client.get(url(bikes)))
    client.force_login(member)
    assert client.get(url(bikes, "dictionnaire/")).status_code == 403
    client.force_login(editor)
    form = client.get(url(bikes, "dictionnaire/"))
    assert form.status_code == 200 and "Brébeuf (données non disponibles)" in html_of(form)
    data = {f"fr_{i}": "" for i in range(10)} | {f"en_{i}": "" for i in range(10)}
    data |= {"fr_1": "Passages de vélos au compteur Berri", "en_1": "Bicycles at the Berri counter"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(bikes, "dictionnaire/"), data)
    assert response.status_code == 302
    datastore = selectors.datastore_for(bikes)
    berri = next(f for f in datastore.schema["fields"] if f["name"] == "Berri 1")
    assert berri["description_fr"] == "Passages de vélos au compteur Berri"
    assert berri["description_en"] == "Bicycles at the Berri counter"
    assert "Passages de vélos au compteur Berri" in html_of(client.get(url(bikes)))
    english = html_of(client.get(url(bikes).replace("/fr/", "/en/")))
    assert "Bicycles at the Berri counter" in english
    info = services.info(user=None, params={"resource_id": str(bikes.pk)})
    assert next(f for f in info["fields"] if f["id"] == "Berri 1")["info"]["notes_en"] == \
        "Bicycles at the Berri counter"


def save(client, resource, **extra):
    data = {"title_fr": "Passages mensuels, rue Berri", "title_en": "Monthly counts, Berri Street",
            "description_fr": "Somme des passages par mois.",
            "chart": json.dumps({"type": "bar", "x": "Date", "aggregate": "sum", "y": "Berri 1",
                                 "time_unit": "month"}),
            "view": json.dumps({"min.Date": "2012-04-01"})}
    data.update(extra)
    return client.post(url(resource, "visualisations/nouvelle/"), data)


def test_editor_saves_a_visualisation_listed_shared_and_embedded(client, bikes, editor):
    client.force_login(editor)
    built = html_of(client.get(url(bikes), {"min.Date": "2012-04-01", "g-type": "bar", "g-x": "Date",
                                            "g-aggregate": "sum", "g-y": "Berri 1", "g-time_unit": "month"}))
    assert "Enregistrer cette visualisation" in built
    response = save(client, bikes)
    assert response.status_code == 302
    saved = Visualisation.objects.get()
    assert response["Location"] == f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/"
    assert saved.dataset_id == bikes.dataset_id and saved.chart["type"] == "bar"
    assert saved.view == {"min.Date": "2012-04-01"} and saved.created_by == editor
    client.logout()
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["X-Frame-Options"] == "DENY"
    html = html_of(page)
    assert "<h1>Passages mensuels, rue Berri</h1>" in html
    spec = json.loads(html.split('<script id="visualisation-spec" type="application/json">')[1].split("</script>")[0])
    assert [v["x"] for v in spec["data"]["values"]][:2] == ["2012-04-01", "2012-05-01"]
    assert "&lt;iframe src=&quot;http://testserver/fr/catalogue/jeux/velos-comptage/visualisations/" in html
    # Listed on the dataset page.
    dataset_html = html_of(client.get("/fr/catalogue/jeux/velos-comptage/", **BROWSER))
    assert "Passages mensuels, rue Berri" in dataset_html and f"/visualisations/{saved.pk}/" in dataset_html
    # The embed: no site chrome, framing allowed for that view only.
    embed = client.get(f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/integrer/")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed
    assert embed["Content-Security-Policy"] == "frame-ancestors *"
    embed_html = html_of(embed)
    assert 'class="site-header"' not in embed_html and "visualisation-spec" in embed_html
    # In English, the English title.
    assert "Monthly counts, Berri Street" in html_of(client.get(response["Location"].replace("/fr/", "/en/")))


def test_only_the_dataset_editors_save_change_and_delete(client, bikes, editor, member, other_org_editor):
    client.force_login(member)
    assert save(client, bikes).status_code == 403
    client.force_login(other_org_editor)
    assert save(client, bikes).status_code == 403
    client.force_login(editor)
    bad = save(client, bikes, title_fr="")
    assert bad.status_code == 400 and 'id="id_title_fr_erreurs"><li>Ce champ est obligatoire.' in html_of(bad)
    bad = save(client, bikes, chart=json.dumps({"type": "bar", "x": "Inconnue"}), view='{"min.Date": "hier"}')
    assert bad.status_code == 400
    assert "Graphique — Axe horizontal (x) : Colonne inconnue « Inconnue »." in html_of(bad)
    assert "Filtres du tableau — " in html_of(bad)
    assert not Visualisation.objects.exists()
    assert save(client, bikes).status_code == 302
    saved = Visualisation.objects.get()
    edit = f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/modifier/"
    assert client.post(edit, {"title_fr": "Nouveau titre"}).status_code == 302
    saved.refresh_from_db()
    assert saved.title_fr == "Nouveau titre" and saved.chart["type"] == "bar"
    client.force_login(member)
    assert client.post(edit, {"title_fr": "x"}).status_code == 403
    assert client.post(f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/supprimer/").status_code == 403
    client.force_login(editor)
    assert client.post(f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/supprimer/").status_code == 302
    assert not Visualisation.objects.exists()


def test_visualisations_of_a_private_dataset_are_404_for_others(client, dataset_factory, upload, editor):
    dataset = dataset_factory(name="prive-vis", private=True)
    resource = upload(dataset, "p.csv", csv_bytes([[1, "a"], [2, "b"]], header=["n", "t"]), format="CSV")
    client.force_login(editor)
    assert save(client, resource, chart=json.dumps({"type": "bar", "x": "t"}), view="{}").status_code == 302
    saved = Visualisation.objects.get()
    client.logout()
    for page in ("", "integrer/"):
        assert client.get(f"/fr/catalogue/jeux/prive-vis/visualisations/{saved.pk}/{page}").status_code == 404
    assert client.get(f"/fr/catalogue/jeux/velos-autre/visualisations/{saved.pk}/").status_code == 404


def test_a_visualisation_follows_new_data_and_says_when_columns_are_gone(client, bikes, editor, new_version):
    client.force_login(editor)
    save(client, bikes)
    saved = Visualisation.objects.get()
    new_version(bikes, "autre.csv", csv_bytes([["2013-01-01", 5]], header=["Jour", "Total"]))
    assert selectors.table_for_resource(bikes).rows == 1
    html = html_of(client.get(f"/fr/catalogue/jeux/velos-comptage/visualisations/{saved.pk}/"))
    assert "Les données ont changé" in html


def _queries(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target, **BROWSER).status_code == 200
    return len(ctx.captured_queries)


def test_preview_runs_a_constant_number_of_queries(client, dataset_factory, upload, editor):
    dataset = dataset_factory(name="taille")
    small = upload(dataset, "petit.csv", csv_bytes([[i, f"t{i}", i * 1.5] for i in range(10)],
                                                  header=["n", "texte", "mesure"]), format="CSV")
    big = upload(dataset, "grand.csv", csv_bytes([[i, f"t{i}", i * 1.5] for i in range(50_000)],
                                                header=["n", "texte", "mesure"]), format="CSV")
    params = "?tri=-mesure&min.n=5&g-type=bar&g-x=texte"
    for who in (None, editor):
        if who:
            client.force_login(who)
        client.get(url(small) + params)
        assert _queries(client, url(small) + params) == _queries(client, url(big) + params)
        assert _queries(client, url(small, "donnees/csv/") + params) == _queries(client, url(big, "donnees/csv/")
                                                                                + params)
    assert DatastoreTable.objects.get(datastore_id=big.pk).rows == 50_000


def test_dataset_page_shows_preview_links(client, bikes, dataset_factory):
    html = html_of(client.get("/fr/catalogue/jeux/velos-comptage/", **BROWSER))
    assert f'href="/fr/catalogue/jeux/velos-comptage/ressources/{bikes.pk}/apercu/"' in html
    assert "Aperçu et graphiques" in html
    catalog_services.resource_create(actor=None, dataset=bikes.dataset, data={
        "name_fr": "Lien", "url": "https://example.org/doc.pdf", "format": "PDF"})
    html = html_of(client.get("/fr/catalogue/jeux/velos-comptage/", **BROWSER))
    assert html.count("Aperçu et graphiques") == 1


def test_old_dataset_names_redirect_with_the_view(client, bikes, editor):
    catalog_services.dataset_update(actor=editor, dataset=bikes.dataset, data={"name": "velos-2012"}, partial=True)
    response = client.get(url(bikes, dataset=type("Old", (), {"name": "velos-comptage"})) + "?page=2&tri=Date")
    assert response.status_code == 301
    assert response["Location"] == f"/fr/catalogue/jeux/velos-2012/ressources/{bikes.pk}/apercu/?page=2&tri=Date"
    assert client.get(response["Location"]).status_code == 200
    moved = client.get(f"/fr/catalogue/jeux/velos-comptage/ressources/{bikes.pk}/donnees/csv/")
    assert moved.status_code == 301 and moved["Location"].endswith(f"/velos-2012/ressources/{bikes.pk}/donnees/csv/")
