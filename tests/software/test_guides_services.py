"""The practice guides through their services: the shipped files loaded after ``migrate`` and by the sync (a
fresh load, no overwrite after the team's edit, a new shipped guide added, a changed shipped text taken when the
guide was not edited), the rendering with its table of contents, hostile Markdown sanitised, the team's edits
(audited, checked, refused to others) and the full-text search in French and English."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.software import guides, services
from ouvert.software.models import Guide

pytestmark = pytest.mark.django_db

SHIPPED = ("participer-aux-communautes", "publier-le-code-source", "interoperabilite-normes-ouvertes",
           "experimenter-une-solution-libre")


def write_guide(directory: Path, slug: str, *, topic="communities", position=1, title="Titre", body="## Une\n\nTexte.",
                title_en="Title", body_en="## One\n\nText."):
    (directory / f"{slug}.fr.md").write_text(
        f"---\ntopic: {topic}\nposition: {position}\ntitle: {title}\nsummary: Résumé de {slug}.\n---\n{body}\n",
        encoding="utf-8")
    if body_en is not None:
        (directory / f"{slug}.en.md").write_text(
            f"---\ntitle: {title_en}\nsummary: Summary of {slug}.\n---\n{body_en}\n", encoding="utf-8")


# --- The shipped guides --------------------------------------------------------------------------

def test_the_four_shipped_guides_are_there_after_migrate_in_both_languages():
    rows = {g.slug: g for g in Guide.objects.all()}
    assert set(SHIPPED) <= set(rows)
    assert [g.slug for g in services.guide_list() if g.slug in SHIPPED] == list(SHIPPED)
    for slug in SHIPPED:
        guide = rows[slug]
        assert guide.title_fr and guide.title_en and guide.summary_fr and guide.summary_en
        for body in (guide.body_fr, guide.body_en):
            assert 800 <= len(body.split()) <= 2000, (slug, len(body.split()))
        assert guide.source_hash == guides._row_hash(guide)
    assert {rows[s].topic for s in SHIPPED} == set(Guide.Topic.values)


def test_the_publishing_guide_names_the_liliq_family_by_their_spdx_identifiers():
    guide = services.guide_get(slug="publier-le-code-source")
    for text in (guide.body_fr, guide.body_en):
        for identifier in (*services.LILIQ, "publiccode.yml", "SECURITY", "CONTRIBUTING", "README"):
            assert identifier in text
    for identifier in services.LILIQ:  # the identifiers the guide gives are valid SPDX identifiers
        assert services.licence_expression_normalize(identifier) == identifier


def test_a_second_sync_changes_nothing():
    before = {g.slug: (g.updated_at, g.body_fr) for g in Guide.objects.all()}
    audit = AuditEntry.objects.count()
    counts = services.guides_sync()
    assert counts == {"created": 0, "updated": 0, "unchanged": len(guides.guides_shipped()), "kept": 0}
    assert {g.slug: (g.updated_at, g.body_fr) for g in Guide.objects.all()} == before
    assert AuditEntry.objects.count() == audit


def test_a_fresh_load_creates_every_guide_and_indexes_it():
    Guide.objects.all().delete()
    counts = services.guides_sync()
    assert counts["created"] == len(SHIPPED) and counts["updated"] == counts["kept"] == 0
    assert [r.slug for r in services.guide_search("LiLiQ")] == ["publier-le-code-source"]


def test_a_new_shipped_guide_is_added_and_the_others_are_left_alone(tmp_path):
    write_guide(tmp_path, "premier", position=1)
    services.guides_sync(directory=tmp_path)
    write_guide(tmp_path, "second", topic="publishing", position=2, title="Deuxième")
    counts = services.guides_sync(directory=tmp_path)
    assert counts == {"created": 1, "updated": 0, "unchanged": 1, "kept": 0}
    second = Guide.objects.get(slug="second")
    assert (second.topic, second.position, second.title_fr, second.title_en) == ("publishing", 2, "Deuxième", "Title")
    assert second.summary_fr == "Résumé de second." and second.body_en.startswith("## One")


def test_a_changed_shipped_text_replaces_a_guide_the_team_did_not_edit(tmp_path):
    write_guide(tmp_path, "premier", body="## Une\n\nPremière version.")
    services.guides_sync(directory=tmp_path)
    write_guide(tmp_path, "premier", body="## Une\n\nSeconde version.")
    assert services.guides_sync(directory=tmp_path)["updated"] == 1
    guide = Guide.objects.get(slug="premier")
    assert "Seconde version." in guide.body_fr and guide.source_hash == guides._row_hash(guide)
    assert [g.slug for g in services.guide_search("seconde")] == ["premier"]


def test_a_guide_the_team_edited_is_never_overwritten(tmp_path, team):
    write_guide(tmp_path, "premier", body="## Une\n\nPremière version.")
    services.guides_sync(directory=tmp_path)
    guide = Guide.objects.get(slug="premier")
    services.guide_update(actor=team, guide=guide, data={"body_fr": "## Une\n\nTexte de l'équipe."})
    write_guide(tmp_path, "premier", body="## Une\n\nNouvelle version livrée.")
    counts = services.guides_sync(directory=tmp_path)
    assert counts["kept"] == 1 and counts["updated"] == 0
    assert Guide.objects.get(slug="premier").body_fr == "## Une\n\nTexte de l'équipe."
    # the team's order counts as an edit too
    services.guide_update(actor=team, guide=Guide.objects.get(slug="premier"), data={"position": 7})
    assert services.guides_sync(directory=tmp_path)["kept"] == 1
    assert Guide.objects.get(slug="premier").position == 7


def test_a_shipped_file_without_front_matter_or_with_an_unknown_topic_is_refused(tmp_path):
    (tmp_path / "mauvais.fr.md").write_text("Pas d'en-tête", encoding="utf-8")
    with pytest.raises(ValueError, match="front matter"):
        services.guides_sync(directory=tmp_path)
    (tmp_path / "mauvais.fr.md").unlink()
    write_guide(tmp_path, "inconnu", topic="cuisine")
    with pytest.raises(ValueError, match="unknown topic"):
        services.guides_sync(directory=tmp_path)


def test_a_guide_without_english_text_is_loaded_in_french_only(tmp_path):
    write_guide(tmp_path, "francais", body_en=None)
    services.guides_sync(directory=tmp_path)
    guide = Guide.objects.get(slug="francais")
    assert guide.title_en == "" and guide.body_en == "" and guide.body_fr.startswith("## Une")


# --- Rendering -----------------------------------------------------------------------------------

def test_the_rendering_gives_headings_anchors_and_a_table_of_contents():
    rendered = services.guide_render("# Grand titre\n\nIntro.\n\n## Étape 1 : les besoins\n\nTexte.\n\n"
                                     "### Détail & nuances\n\nTexte.\n\n## Étape 1 : les besoins\n\n#### Fin")
    html = str(rendered["html"])
    assert '<h2 id="section-grand-titre">Grand titre</h2>' in html  # a level-1 heading moves under the page's h1
    assert '<h3 id="section-etape-1-les-besoins">' in html and '<h3 id="section-etape-1-les-besoins-2">' in html
    assert '<h4 id="section-detail-nuances">Détail &amp; nuances</h4>' in html
    assert rendered["toc"] == [
        {"level": 2, "id": "section-grand-titre", "text": "Grand titre"},
        {"level": 3, "id": "section-etape-1-les-besoins", "text": "Étape 1 : les besoins"},
        {"level": 3, "id": "section-etape-1-les-besoins-2", "text": "Étape 1 : les besoins"},
    ]


def test_a_shipped_guide_has_a_table_of_contents_of_its_sections():
    guide = services.guide_get(slug="experimenter-une-solution-libre")
    toc = services.guide_render(guide.body_fr)["toc"]
    assert [item["text"] for item in toc if item["level"] == 2][:3] == [
        "1. Définir les besoins", "2. Dresser la liste des candidates", "3. Évaluer avec une grille"]


@pytest.mark.parametrize("hostile", [
    "## Titre <script>alert(1)</script>\n\n<script>document.cookie</script>",
    "[cliquez](javascript:alert(1))",
    '<a href="javascript:alert(1)">lien</a> <img src="x" onerror="alert(1)">',
    '<h2 id="contenu" onclick="alert(1)">Titre</h2>\n\n<iframe src="https://example.org"></iframe>',
    '<style>body{display:none}</style><div style="position:fixed">x</div>',
])
def test_hostile_markdown_is_sanitised(hostile):
    html = str(services.guide_render(hostile)["html"]).lower()
    for bad in ("<script", "javascript:", "onerror", "onclick", "<iframe", "<style", "style=", 'id="contenu"'):
        assert bad not in html


def test_a_guide_too_deeply_nested_is_shown_escaped_instead_of_failing():
    rendered = services.guide_render("> " * 500 + "profond")
    assert "profond" in str(rendered["html"]) and rendered["toc"] == []


# --- The team's edits ----------------------------------------------------------------------------

def test_the_team_edits_a_guide_which_is_audited_and_reindexed(team):
    guide = services.guide_get(slug="interoperabilite-normes-ouvertes")
    services.guide_update(actor=team, guide=guide, data={
        "title_fr": "Normes ouvertes", "title_en": "Open standards", "summary_fr": "Court.",
        "body_fr": "## Formats\n\nLe format hippocampe est recommandé.", "position": "5"})
    guide.refresh_from_db()
    assert (guide.title_fr, guide.title_en, guide.position) == ("Normes ouvertes", "Open standards", 5)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "software.guide.update" and entry.actor == team
    assert entry.data["fields"] == ["body_fr", "position", "summary_fr", "title_en", "title_fr"]
    assert [g.slug for g in services.guide_search("hippocampe")] == [guide.slug]
    assert core_services.audit_verify().ok


def test_an_edit_that_changes_nothing_writes_nothing(team):
    guide = services.guide_get(slug="publier-le-code-source")
    audit = AuditEntry.objects.count()
    services.guide_update(actor=team, guide=guide, data={"title_fr": guide.title_fr})
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("who", ["anonymous", "stranger", "body_member", "body_admin"])
def test_only_the_team_and_platform_admins_edit_a_guide(who, request, platform_admin):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    guide = services.guide_get(slug="publier-le-code-source")
    with pytest.raises(PermissionDenied, match="équipe du logiciel libre"):
        services.guide_update(actor=user, guide=guide, data={"title_fr": "Piraté"})
    with pytest.raises(PermissionDenied):
        services.guide_preview(actor=user, guide=guide, data={"body_fr": "x"})
    assert services.guide_get(slug="publier-le-code-source").title_fr != "Piraté"
    services.guide_update(actor=platform_admin, guide=guide, data={"title_fr": "Publier du code"})
    assert services.guide_get(slug="publier-le-code-source").title_fr == "Publier du code"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title_fr": "  "}, "title_fr", "Écrivez le titre en français."),
    ({"body_fr": ""}, "body_fr", "Écrivez le texte en français."),
    ({"title_fr": "x" * 301}, "title_fr", "au plus 300 caractères"),
    ({"title_en": "Tab\x00nul"}, "title_en", "caractères de contrôle"),
    ({"body_en": "a\x1bb"}, "body_en", "caractères de contrôle"),
    ({"position": "premier"}, "position", "nombre entier de 0 à 32767"),
    ({"position": -1}, "position", "nombre entier de 0 à 32767"),
    ({"position": 10**9}, "position", "nombre entier de 0 à 32767"),
    ({"summary_fr": ["liste"]}, "summary_fr", "attend du texte"),
])
def test_bad_edits_are_refused_with_a_message_per_field_and_nothing_changes(team, data, field, message):
    guide = services.guide_get(slug="publier-le-code-source")
    before = {f: getattr(guide, f) for f in services.GUIDE_FIELDS}
    with pytest.raises(ValidationError) as caught:
        services.guide_update(actor=team, guide=guide, data=data)
    assert field in caught.value.message_dict and message in " ".join(caught.value.message_dict[field])
    guide.refresh_from_db()
    assert {f: getattr(guide, f) for f in services.GUIDE_FIELDS} == before


def test_the_preview_renders_without_saving(team):
    guide = services.guide_get(slug="publier-le-code-source")
    preview = services.guide_preview(actor=team, guide=guide, data={"body_fr": "## Nouveau\n\n<script>x</script>Ok"})
    assert preview["fr"]["toc"] == [{"level": 2, "id": "section-nouveau", "text": "Nouveau"}]
    assert "<script" not in str(preview["fr"]["html"])
    assert preview["values"]["title_fr"] == guide.title_fr
    assert "## Nouveau" not in services.guide_get(slug="publier-le-code-source").body_fr


# --- Reading and search --------------------------------------------------------------------------

def test_guides_are_grouped_by_topic_and_have_neighbours():
    groups = services.guide_topics(services.guide_list())
    assert [g["topic"] for g in groups] == ["communities", "publishing", "interoperability", "experimenting"]
    first, middle, last = (services.guide_get(slug=s) for s in (SHIPPED[0], SHIPPED[1], SHIPPED[3]))
    assert services.guide_neighbours(first) == (None, middle)
    previous, following = services.guide_neighbours(middle)
    assert (previous.slug, following.slug) == (SHIPPED[0], SHIPPED[2])
    assert services.guide_neighbours(last)[1] is None


def test_an_unknown_guide_is_not_found():
    for slug in ("inconnu", "x" * 500, "../etc"):
        with pytest.raises(core_services.NotFound):
            services.guide_get(slug=slug)


@pytest.mark.parametrize(("q", "expected"), [
    ("licences", "publier-le-code-source"),            # French, plural folded
    ("réciprocité forte", "publier-le-code-source"),
    ("reciprocite", "publier-le-code-source"),          # accents folded
    ("strong reciprocity", "publier-le-code-source"),   # English
    ("GeoJSON", "interoperabilite-normes-ouvertes"),
    ("calls for tenders", "interoperabilite-normes-ouvertes"),
    ("code de conduite", "participer-aux-communautes"),
    ("translations", "participer-aux-communautes"),
    ("coût total de possession", "experimenter-une-solution-libre"),
    ("pilots", "experimenter-une-solution-libre"),
])
def test_the_search_finds_guides_in_french_and_english(q, expected):
    found = services.guide_search(q)
    assert found is not None and found[0].slug == expected


def test_the_search_refuses_bad_queries_and_ignores_empty_ones():
    assert services.guide_search("   ") is None
    with pytest.raises(ValidationError):
        services.guide_search("x" * 201)
    with pytest.raises(ValidationError):
        services.guide_search("licence\x00")
    assert list(services.guide_search("pamplemousse")) == []


def test_reindex_rebuilds_the_guides_documents():
    assert services.guides_reindex() == Guide.objects.count()
    assert services.guide_search("LiLiQ")[0].slug == "publier-le-code-source"


def test_an_edit_made_on_an_outdated_version_is_refused_but_a_double_submit_is_harmless(team, platform_admin):
    guide = services.guide_get(slug="publier-le-code-source")
    opened = guide.updated_at.isoformat()
    services.guide_update(actor=team, guide=guide, data={"title_en": "First"}, expected_updated_at=opened)
    # the same form sent a second time: nothing to change, nothing refused
    services.guide_update(actor=team, guide=guide, data={"title_en": "First"}, expected_updated_at=opened)
    # someone else's change made on the version opened before the first one
    with pytest.raises(ValidationError) as caught:
        services.guide_update(actor=platform_admin, guide=guide, data={"title_en": "Second"},
                              expected_updated_at=opened)
    assert "modifié par une autre personne" in caught.value.message_dict["updated_at"][0]
    assert services.guide_get(slug="publier-le-code-source").title_en == "First"
