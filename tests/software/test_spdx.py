"""SPDX licence expressions, checked offline."""

import pytest
from django.core.exceptions import ValidationError

from ouvert.software import services


@pytest.mark.parametrize("typed, expected", [
    ("Apache-2.0", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),  # the non-conforming Catala file of the corpus writes it so
    ("MIT OR GPL-3.0-or-later", "MIT OR GPL-3.0-or-later"),
    ("  MIT   AND (Apache-2.0 OR BSD-3-Clause) ", "MIT AND (Apache-2.0 OR BSD-3-Clause)"),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
    ("LiLiQ-Rplus-1.1", "LiLiQ-Rplus-1.1"),
    ("GPL-3.0+", "GPL-3.0-or-later"),  # a deprecated identifier, written today's way
    ("", ""),
])
def test_valid_expressions_are_written_the_spdx_way(typed, expected):
    assert services.licence_expression_normalize(typed) == expected


@pytest.mark.parametrize("typed, says", [
    ("Foo-1.0", "identifiant inconnu Foo-1.0"),
    ("MIT WITH Foo", "identifiant inconnu Foo"),
    ("AGPL-3.0-or-later AND", "n'est pas une expression de licence SPDX valide"),
    ("(MIT", "n'est pas une expression de licence SPDX valide"),
    ("LicenseRef-Ville-1", "n'est pas une expression de licence SPDX valide"),
    ("MIT\x00", "illisible"),
    ("MIT OR " * 40 + "MIT", "trop longue"),
])
def test_bad_expressions_are_refused_naming_the_field(typed, says):
    with pytest.raises(ValidationError) as error:
        services.licence_expression_normalize(typed, "legal.license")
    assert says in error.value.message_dict["legal.license"][0]


def test_the_identifiers_an_expression_names():
    assert services.licence_identifiers("MIT AND (Apache-2.0 OR BSD-3-Clause)") == ["MIT", "Apache-2.0", "BSD-3-Clause"]
    assert services.licence_identifiers("GPL-2.0-only WITH Classpath-exception-2.0") == ["GPL-2.0-only"]
    assert services.licence_identifiers("") == [] and services.licence_identifiers("(MIT") == []
    assert set(services.LILIQ) == {"LiLiQ-P-1.1", "LiLiQ-R-1.1", "LiLiQ-Rplus-1.1"}
