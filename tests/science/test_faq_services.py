"""The researchers' FAQ through its services: managers create, edit, reorder, publish, unpublish and delete
entries (audited); the full-text search (kind ``science.faq``) folds accents and plurals, reads French as
French and English as English, ranks by relevance, is reindexed on every change and never finds an
unpublished entry; hostile input is refused and leaves the stored entries intact."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ouvert.core import search
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry
from ouvert.science import services
from ouvert.science.models import FaqEntry
from tests.science.webinars_kit import *  # noqa: F403  (fixtures: webinar_factory, people, faq_entries…)
from tests.science.webinars_kit import FAQ_ENTRIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("with_funds")]


def slugs(found):
    return [e.slug for e in found] if found is not None else None


def test_managers_create_entries_in_order_with_anchors_and_an_audit_trail(faq_entries, fund_staff):
    assert [e.slug for e in services.faq_list()] == [e["slug"] for e in FAQ_ENTRIES]
    assert [e.position for e in services.faq_list()] == [1, 2, 3]
    entry = services.faq_create(actor=fund_staff, data={"question_fr": "Qu'est-ce qu'une licence CC BY ?",
                                                        "answer_fr": "Une licence **ouverte**."})
    assert entry.slug == "quest-ce-quune-licence-cc-by" and entry.is_published and entry.position == 4
    assert AuditEntry.objects.filter(action="science.faq.create").count() == 4


def test_only_science_managers_write_the_faq(faq_entries, researcher, institution_staff, platform_admin):
    entry = faq_entries[0]
    for person in (researcher, institution_staff):
        with pytest.raises(PermissionDenied):
            services.faq_create(actor=person, data={"question_fr": "Q", "answer_fr": "R"})
        with pytest.raises(PermissionDenied):
            services.faq_update(actor=person, entry=entry, data={"question_fr": "Piratée"})
        with pytest.raises(PermissionDenied):
            services.faq_delete(actor=person, entry=entry)
        with pytest.raises(PermissionDenied):
            services.faq_move(actor=person, entry=entry, direction="down")
    assert FaqEntry.objects.get(pk=entry.pk).question_fr == FAQ_ENTRIES[0]["question_fr"]
    services.faq_update(actor=platform_admin, entry=entry, data={"category_fr": "Politique"})
    assert FaqEntry.objects.get(pk=entry.pk).category_fr == "Politique"


def test_reordering_moves_one_place_and_stops_at_the_ends(faq_entries, fund_staff):
    a, b, c = faq_entries
    services.faq_move(actor=fund_staff, entry=c, direction="up")
    assert [e.pk for e in services.faq_list()] == [a.pk, c.pk, b.pk]
    services.faq_move(actor=fund_staff, entry=a, direction="up")  # already first
    assert [e.pk for e in services.faq_list()] == [a.pk, c.pk, b.pk]
    services.faq_move(actor=fund_staff, entry=a, direction="down")
    assert [e.pk for e in services.faq_list()] == [c.pk, a.pk, b.pk]
    with pytest.raises(ValidationError):
        services.faq_move(actor=fund_staff, entry=a, direction="sideways")


@pytest.mark.parametrize(("q", "expected"), [
    ("embargo", ["embargo-editeur", "libre-acces-immediat"]),
    ("embargos", ["embargo-editeur", "libre-acces-immediat"]),  # the plural finds the singular
    ("EMBARGO", ["embargo-editeur", "libre-acces-immediat"]),
    ("dépôt institutionnel", ["ou-deposer"]),
    ("depot institutionnel", ["ou-deposer"]),  # accents folded
    ("déposer", ["ou-deposer"]),
    ("institutional repository", ["ou-deposer"]),  # the English fields, as English
    ("repositories", ["ou-deposer"]),
    ("publisher", ["embargo-editeur"]),
    ("immédiat", ["libre-acces-immediat"]),
    ("la politique", ["libre-acces-immediat", "embargo-editeur"]),  # the category
    ("brevet", []),
])
def test_the_search_folds_accents_and_plurals_in_both_languages_best_first(faq_entries, q, expected):
    found = services.faq_search(q)
    if expected == ["libre-acces-immediat", "embargo-editeur"]:
        assert sorted(slugs(found)) == sorted(expected)
    else:
        assert slugs(found) == expected


def test_a_question_matching_in_its_title_ranks_first(faq_entries):
    ranked = list(services.faq_search("embargo"))
    assert ranked[0].slug == "embargo-editeur" and ranked[0].search_rank > ranked[1].search_rank


def test_an_empty_query_searches_nothing_and_hostile_queries_are_harmless(faq_entries):
    assert services.faq_search("") is None and services.faq_search("   ") is None
    assert services.faq_search("le la les") is None  # only stop words
    assert slugs(services.faq_search("'; DROP TABLE science_faqentry; --")) == []
    assert slugs(services.faq_search('"<script>alert(1)</script>"')) == []
    assert slugs(services.faq_search("embargo*")) == ["embargo-editeur", "libre-acces-immediat"]
    with pytest.raises(ValidationError):
        services.faq_search("embargo\x00")
    with pytest.raises(ValidationError):
        services.faq_search("x" * 201)
    assert FaqEntry.objects.count() == 3


def test_every_change_is_reindexed_and_unpublished_entries_are_never_found(faq_entries, fund_staff):
    entry = faq_entries[2]
    services.faq_update(actor=fund_staff, entry=entry, data={
        "question_fr": "Où verser mon article dans une archive ouverte ?", "answer_fr": "Dans HAL ou Papyrus.",
        "answer_en": "In HAL or Papyrus."})
    assert slugs(services.faq_search("archive")) == ["ou-deposer"]
    assert slugs(services.faq_search("Corpus")) == []  # the old answer's words are gone
    services.faq_set_published(actor=fund_staff, entry=entry, published=False)
    assert slugs(services.faq_search("archive")) == []
    assert not search.is_indexed(services.FAQ_SEARCH_KIND, entry.pk)
    assert entry.pk not in [e.pk for e in services.faq_list()]
    assert entry.pk in [e.pk for e in services.faq_list(user=fund_staff, include_unpublished=True)]
    with pytest.raises(core_services.NotFound):
        services.faq_get(pk=entry.pk)
    services.faq_set_published(actor=fund_staff, entry=entry, published=True)
    assert slugs(services.faq_search("archive")) == ["ou-deposer"]
    services.faq_delete(actor=fund_staff, entry=entry)
    assert slugs(services.faq_search("archive")) == []
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEntry.objects.filter(action="science.faq.delete").count() == 1


def test_an_unpublished_entry_is_not_found_even_if_its_document_were_left_in_the_index(faq_entries, fund_staff):
    entry = faq_entries[0]
    FaqEntry.objects.filter(pk=entry.pk).update(is_published=False)  # as if indexed before being hidden
    assert "libre-acces-immediat" not in slugs(services.faq_search("immédiat"))
    assert services.faq_reindex() == 2


def test_bad_entries_are_refused_field_by_field_and_nothing_changes(faq_entries, fund_staff):
    with pytest.raises(ValidationError) as caught:
        services.faq_create(actor=fund_staff, data={"question_fr": "", "answer_fr": "", "slug": "Pas Bon !"})
    assert set(caught.value.message_dict) == {"question_fr", "answer_fr", "slug"}
    with pytest.raises(ValidationError) as caught:
        services.faq_create(actor=fund_staff, data={"question_fr": "Q\x1b[31m", "answer_fr": "R\x00",
                                                    "category_fr": "x" * 121})
    assert set(caught.value.message_dict) == {"question_fr", "answer_fr", "category_fr"}
    with pytest.raises(ValidationError, match="déjà prise"):
        services.faq_create(actor=fund_staff, data={"question_fr": "Q", "answer_fr": "R", "slug": "ou-deposer"})
    with pytest.raises(ValidationError, match="déjà prise"):
        services.faq_update(actor=fund_staff, entry=faq_entries[0], data={"slug": "ou-deposer"})
    assert FaqEntry.objects.count() == 3
    assert FaqEntry.objects.get(pk=faq_entries[0].pk).slug == "libre-acces-immediat"


def test_hostile_markdown_is_stored_as_typed_and_its_text_only_is_indexed(fund_staff):
    entry = services.faq_create(actor=fund_staff, data={
        "question_fr": "<script>alert('q')</script> Licence ?", "answer_fr": "<script>alert(1)</script> Réponse **CC BY**."})
    assert FaqEntry.objects.get(pk=entry.pk).answer_fr.startswith("<script>")
    assert slugs(services.faq_search("alert")) == [entry.slug]  # the question's text, as typed
    assert slugs(services.faq_search("réponse")) == [entry.slug]
