"""Splitting a draft into paragraphs, and reading an uploaded draft file (no database)."""

import pytest
from django.core.exceptions import ValidationError

from ouvert.consult.debates import draft_source_decode, draft_split, heading_level, heading_text


def _texts(source, **kwargs):
    return [(p["is_heading"], p["text"]) for p in draft_split(source, **kwargs)]


def test_blank_lines_separate_paragraphs_and_lines_stay_together():
    assert _texts("Un\ndeux lignes.\n\nTrois.\n\n\n\nQuatre.") == [
        (False, "Un\ndeux lignes."), (False, "Trois."), (False, "Quatre.")]


def test_headings_are_their_own_paragraphs_even_without_blank_lines():
    assert _texts("# Titre\nTexte qui suit.\n## Sous-titre ##\nAutre texte.") == [
        (True, "# Titre"), (False, "Texte qui suit."), (True, "## Sous-titre"), (False, "Autre texte.")]


def test_hash_without_space_or_seven_hashes_is_not_a_heading():
    assert _texts("#motclic dans le texte\n\n####### sept") == [
        (False, "#motclic dans le texte"), (False, "####### sept")]


def test_lists_stay_with_the_paragraph_that_introduces_them():
    source = "Les organismes doivent :\n\n- publier;\n- décrire;\n\n- mettre à jour.\n\nParagraphe suivant."
    assert _texts(source) == [
        (False, "Les organismes doivent :\n\n- publier;\n- décrire;\n\n- mettre à jour."),
        (False, "Paragraphe suivant.")]


def test_numbered_list_and_list_after_heading():
    assert _texts("# Étapes\n\n1. Lire\n2) Commenter\n\nFin.") == [
        (True, "# Étapes"), (False, "1. Lire\n2) Commenter"), (False, "Fin.")]


def test_windows_and_old_mac_line_ends_and_bom():
    assert _texts("\ufeff# Titre\r\n\r\nUn\r\nsuite\r\n\r\nDeux\rTrois\r\rQuatre") == [
        (True, "# Titre"), (False, "Un\nsuite"), (False, "Deux\nTrois"), (False, "Quatre")]


def test_empty_and_whitespace_only_paragraphs_are_dropped():
    assert _texts("\n\n   \n\t\n") == []
    assert _texts("") == []
    assert _texts("  \n\nUn seul.  \n   \n") == [(False, "Un seul.")]


def test_fenced_code_is_never_cut():
    source = "Avant.\n\n```\n# pas un titre\n\nligne\n```\n\nAprès."
    assert _texts(source) == [(False, "Avant."), (False, "```\n# pas un titre\n\nligne\n```"), (False, "Après.")]


def test_plain_text_mode_has_no_headings_or_list_merging():
    assert _texts("# un\n\n- deux\n\ntrois", markdown=False) == [
        (False, "# un"), (False, "- deux"), (False, "trois")]


def test_hostile_markdown_is_kept_as_text_to_be_sanitised_when_shown():
    from ouvert.core.markdown import render_markdown

    source = "<script>alert(1)</script>\n\n[clic](javascript:alert(2))\n\n<img src=x onerror=alert(3)>"
    paragraphs = draft_split(source)
    assert len(paragraphs) == 3
    html = "".join(str(render_markdown(p["text"])) for p in paragraphs)
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_heading_helpers():
    assert heading_text("## Article 1") == "Article 1" and heading_level("## Article 1") == 2
    assert heading_level("###### six") == 6


def test_decode_utf8_with_or_without_bom():
    assert draft_source_decode("Élan\n".encode(), filename="texte.md") == "Élan\n"
    assert draft_source_decode("\ufeffÉlan".encode(), filename="texte.TXT") == "Élan"


def test_decode_wrong_encoding_is_a_clear_error():
    with pytest.raises(ValidationError) as caught:
        draft_source_decode("Préambule".encode("latin-1"), filename="texte.md")
    message = caught.value.message_dict["file"][0]
    assert "UTF-8" in message and "position 2" in message


@pytest.mark.parametrize("data, filename, words", [
    (b"texte", "texte.pdf", ".md ou .txt"),
    (b"a\x00b", "texte.txt", "octets nuls"),
    (b"x" * 1_000_001, "gros.md", "au plus"),
])
def test_decode_refuses_other_files(data, filename, words):
    with pytest.raises(ValidationError) as caught:
        draft_source_decode(data, filename=filename, field="file_fr")
    assert words in caught.value.message_dict["file_fr"][0]
