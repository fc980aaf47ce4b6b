"""The CSV reader every import of the module shares."""

import pytest
from django.core.exceptions import ValidationError

from ouvert.science import csvfile


def test_utf8_with_bom_semicolons_and_folded_column_names():
    table = csvfile.read("\ufeffTitre;Journal ISSN (print version);Éditeur\r\nL'accès;1932-6203;Éd. « Libre »\r\n\r\n"
                         .encode("utf-8"), required=["titre", "editeur"])
    assert table.columns == ["titre", "journal issn print version", "editeur"]
    assert table.delimiter == ";" and table.encoding == "utf-8"
    assert table.rows == [(2, {"titre": "L'accès", "journal issn print version": "1932-6203",
                               "editeur": "Éd. « Libre »"})]


def test_windows_1252_is_read_and_said():
    table = csvfile.read("titre,éditeur\nÉté québécois,Presses\n".encode("cp1252"))
    assert table.encoding == "windows-1252" and table.rows[0][1]["titre"] == "Été québécois"


def test_quoted_newlines_keep_their_line_numbers():
    table = csvfile.read(b'titre\tnote\n"Deux\nlignes"\tx\nTrois\ty\n')
    assert [line for line, _row in table.rows] == [3, 4]


@pytest.mark.parametrize("data, message", [
    (b"", "vide"), (b"   \n", "vide"), (b"PK\x03\x04\x00\x00", "octets nuls"),
    (b"titre\n", None), (b"doi,titre\n10.1/x,a,b\n", "Ligne 2 : 3 valeurs pour 2 colonnes"),
])
def test_what_cannot_be_imported(data, message):
    if message is None:
        assert csvfile.read(data).rows == []
        return
    with pytest.raises(ValidationError) as caught:
        csvfile.read(data)
    assert message in caught.value.messages[0]


def test_missing_columns_are_named():
    with pytest.raises(ValidationError) as caught:
        csvfile.read(b"title,year\nx,2020\n", required=["doi", "title"])
    assert caught.value.messages == ["Colonnes manquantes : doi (colonnes trouvées : title, year)."]


def test_size_limit(settings):
    settings.OUVERT_SCIENCE_IMPORT_MAX_BYTES = 10
    with pytest.raises(csvfile.ImportTooLarge):
        csvfile.read(b"titre\nabcdefghij\n")
