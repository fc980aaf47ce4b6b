"""The teaching section's services: the content files (both languages alike), rendering (sanitised, anchors,
placeholders, glossary links, code blocks), the example dataset rule, reuses, search ranking, progress."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core.services import NotFound
from ouvert.learn import services, teaching
from ouvert.learn.models import ReadingProgress

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("teaching_fresh")]


def test_both_languages_have_the_same_paths_pages_and_glossary_terms():
    for lang in ("fr", "en"):
        assert [p.slug for p in services.teaching_paths(lang)] == ["decouvrir", "api"]
    for fr, en in zip(services.teaching_paths("fr"), services.teaching_paths("en"), strict=True):
        assert [p.slug for p in fr.pages] == [p.slug for p in en.pages]
        for page_fr, page_en in zip(fr.pages, en.pages, strict=True):
            assert page_fr.glossary == page_en.glossary and page_fr.order == page_en.order
            assert page_fr.title != page_en.title and page_fr.summary and page_en.summary
    assert [t.id for t in services.teaching_glossary("fr")] != []
    assert {t.id for t in services.teaching_glossary("fr")} == {t.id for t in services.teaching_glossary("en")}
    assert [q.id for q in services.teaching_faq("fr")] == [q.id for q in services.teaching_faq("en")]


def test_every_glossary_reference_exists():
    known = {t.id for t in services.teaching_glossary("fr")}
    for lang in ("fr", "en"):
        for learning_path in services.teaching_paths(lang):
            for page in learning_path.pages:
                assert set(page.glossary) <= known, page.key
                for found in teaching.GLOSSARY_LINK_RE.finditer(page.body):
                    assert found["id"] in known, (page.key, found["id"])


def test_unknown_path_or_page_is_not_found():
    with pytest.raises(NotFound):
        services.teaching_path("nope")
    with pytest.raises(NotFound):
        services.teaching_page("api", "../../settings")


def test_render_sanitises_and_adds_anchors_toc_and_copy_buttons():
    rendered = services.teaching_render(
        "## Première étape\n\nTexte <script>alert(1)</script> <a href=\"javascript:alert(1)\">x</a> "
        "<img src=x onerror=alert(1)>\n\n### Détail\n\n```python\nprint('{{ adresse }}')\n```\n\n"
        "Un [terme](glossaire:csv).", language="fr", placeholders={"adresse": "https://donnees.example"})
    html = str(rendered.html)
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert '<h2 id="premiere-etape">Première étape</h2>' in html
    assert rendered.toc == [{"id": "premiere-etape", "title": "Première étape",
                             "children": [{"id": "detail", "title": "Détail"}]}]
    assert 'print(&#x27;https://donnees.example&#x27;)' in html or "print('https://donnees.example')" in html
    assert '<button type="button" class="copy-button" data-copy-target="code-1"' in html
    assert '<a href="/fr/apprendre/glossaire/#csv">terme</a>' in html
    english = services.teaching_render("```r\ncat(1)\n```\n[t](glossaire:csv)", language="en", placeholders={})
    assert "Copy the code" in str(english.html) and "/en/apprendre/glossaire/#csv" in str(english.html)


def test_examples_are_extracted_with_their_expected_output():
    examples = services.teaching_examples("all")
    assert len(examples) >= 30
    first = next(e for e in examples if e.id == "api/api-ckan:fr:1-curl")
    assert first.code.startswith('curl -s "{{ adresse }}/api/3/action/package_show?id={{ jeu_exemple }}"')
    assert first.expected == '"name": "{{ jeu_exemple }}"'
    replaced = next(e for e in services.teaching_examples("fr", placeholders={
        "adresse": "http://h", "jeu_exemple": "velos", "ressource_exemple": "r"}) if e.id == first.id)
    assert replaced.code.startswith('curl -s "http://h/api/3/action/package_show?id=velos"')
    assert replaced.expected == '"name": "velos"'
    # Each page has the same examples in both languages.
    count = {}
    for e in examples:
        count.setdefault((e.page, e.kind, e.number), set()).add(e.language)
    assert all(langs == {"fr", "en"} for langs in count.values())


def test_example_dataset_rule_and_pin(teaching_instance, dataset_factory, settings):
    found = services.teaching_example_dataset(fresh=True)
    assert found["dataset"] == "comptage-velos-2012"
    assert found["resource"] == str(teaching_instance["resource"].pk)
    # A dataset without a DataStore table is never the example, even first by name.
    dataset_factory(name="aaa-sans-table", title_fr="Sans table")
    assert services.teaching_example_dataset(fresh=True)["dataset"] == "comptage-velos-2012"
    # Pinned to a dataset that has no table: no example.
    settings.OUVERT_LEARN_EXAMPLE_DATASET = "aaa-sans-table"
    assert services.teaching_example_dataset(fresh=True) is None
    settings.OUVERT_LEARN_EXAMPLE_DATASET = "comptage-velos-2012"
    assert services.teaching_example_dataset(fresh=True)["dataset"] == "comptage-velos-2012"
    values = services.teaching_placeholders(base_url="https://donnees.example/")
    assert values == {"adresse": "https://donnees.example", "jeu_exemple": "comptage-velos-2012",
                      "ressource_exemple": str(teaching_instance["resource"].pk)}


def test_reuse_examples_link_published_reuses(teaching_instance, make_user, admin_user):
    from ouvert.catalog import services as catalog_services

    # No published reuse: the datasets instead.
    markdown = teaching._reuse_examples("fr")
    assert "[Comptage des vélos 2012](/fr/catalogue/jeux/comptage-velos-2012/)" in markdown
    citizen = make_user(email="citoyenne@example.org")
    reuse = catalog_services.reuse_submit(actor=citizen, data={
        "kind": "visualisation", "title_fr": "Saison cycliste", "title_en": "Cycling season",
        "url": "https://exemple.org/saison", "datasets": ["comptage-velos-2012"], "author_name": "Labo"})
    assert "/catalogue/reutilisations/" not in teaching._reuse_examples("fr")  # pending: not shown
    catalog_services.reuse_moderate(actor=admin_user, reuse=reuse, decision="publish")
    assert f"[Saison cycliste](/fr/catalogue/reutilisations/{reuse.name}/)" in teaching._reuse_examples("fr")
    assert f"[Cycling season](/en/catalogue/reutilisations/{reuse.name}/)" in teaching._reuse_examples("en")


def test_search_folds_accents_ranks_titles_first_and_highlights():
    results = services.teaching_search("encodage", "fr")
    assert results[0]["kind"] == "glossary" and results[0]["title"] == "Encodage"
    assert any(r["url"] == "/fr/apprendre/decouvrir/ouvrir-un-csv/" for r in results)
    assert "<mark>encodage</mark>" in str(results[0]["excerpt"]).lower()
    # Accents and case folded, plurals ignored, prefixes of 3 letters or more.
    assert [r["url"] for r in services.teaching_search("VELO", "fr")] == \
           [r["url"] for r in services.teaching_search("vélos", "fr")]
    assert services.teaching_search("tableau croisé", "fr")[0]["title"] in (
        "Tableau croisé dynamique", "Filtrer, faire un tableau croisé dynamique et un graphique")
    # Every word must be found.
    assert services.teaching_search("encodage zzzzqqq", "fr") == []
    english = services.teaching_search("pivot table", "en")
    assert english and english[0]["url"].startswith("/en/apprendre/")
    assert services.teaching_search("", "fr") == [] and services.teaching_search("  !!! ", "fr") == []


def test_search_excerpt_is_escaped():
    results = services.teaching_search("action", "fr")
    assert results
    for r in results:
        assert "<" not in str(r["excerpt"]).replace("<mark>", "").replace("</mark>", "")


def test_search_refuses_too_long_and_control_characters():
    with pytest.raises(ValidationError):
        services.teaching_search("a" * 201)
    with pytest.raises(ValidationError):
        services.teaching_search("csv\x00")
    assert isinstance(services.teaching_search("a" * 200), list)


def test_progress_mark_unmark_idempotent_and_checked(make_user):
    user, other = make_user(), make_user()
    assert services.teaching_mark_read(user=user, path="decouvrir", page="ouvrir-un-csv") is True
    assert services.teaching_mark_read(user=user, path="decouvrir", page="ouvrir-un-csv") is False
    assert ReadingProgress.objects.filter(user=user).count() == 1
    with pytest.raises(NotFound):
        services.teaching_mark_read(user=user, path="decouvrir", page="inconnue")
    with pytest.raises(NotFound):
        services.teaching_mark_read(user=user, path="inconnu", page="ouvrir-un-csv")
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.teaching_mark_read(user=AnonymousUser(), path="decouvrir", page="ouvrir-un-csv")
    assert ReadingProgress.objects.count() == 1
    decouvrir = services.teaching_path("decouvrir")
    state = services.teaching_path_progress(user, decouvrir)
    assert (state["read"], state["total"], state["percent"]) == (1, 5, 20)
    assert state["next"].slug == "donnees-ouvertes"
    assert services.teaching_path_progress(other, decouvrir)["read"] == 0
    assert services.teaching_path_progress(AnonymousUser(), decouvrir) is None
    assert services.teaching_progress(AnonymousUser()) == {}
    # A page removed from the content is not counted.
    ReadingProgress.objects.create(user=user, path="decouvrir", page="retiree")
    assert services.teaching_progress(user)["decouvrir"] == {"ouvrir-un-csv"}
    assert services.teaching_mark_unread(user=user, path="decouvrir", page="ouvrir-un-csv") is True
    assert services.teaching_mark_unread(user=user, path="decouvrir", page="ouvrir-un-csv") is False


def test_demo_loader_reports_the_example_dataset(teaching_instance):
    import io

    out = io.StringIO()
    teaching._demo_load(out)
    assert "comptage-velos-2012" in out.getvalue()
