"""Declaring the same use at the same instant, for real (threads, each with its own PostgreSQL connection,
released together by ``tests.concurrency.race``): one row, the other submits get a clear 400; and two imports of
the same new inventory at once leave each address once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ouvert.core.models import Organisation
from ouvert.software import services
from ouvert.software.models import CodeRepository, Software, Usage
from tests.concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="in-process threads need PostgreSQL")]


def test_a_double_submit_makes_one_use(software_factory, mcn, body_member, body_admin):
    office = software_factory(slug="libreoffice", name="LibreOffice")

    def declare(user):
        def call():
            return services.usage_declare(actor=user, software=Software.objects.get(pk=office.pk),
                                          organisation=Organisation.objects.get(pk=mcn.pk),
                                          data={"purpose_fr": "Bureautique.", "referents": [{"name": "Luc"}]})
        return call

    results = race([declare(body_member), declare(body_member), declare(body_admin), declare(body_admin)])
    made = [r for r in results if isinstance(r, Usage)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert all("a déjà déclaré" in r.message_dict["organisation"][0] for r in refused)
    assert Usage.objects.count() == 1 and Usage.objects.get().referents.count() == 1


def test_two_imports_of_the_same_list_at_once(team, mcn):
    data = "url;nom;organisme\n" + "".join(f"https://github.com/mcn/d{n};D{n};mcn\n" for n in range(20))

    def run():
        return services.repositories_import(actor=team, data=data.encode(), filename="x.csv")

    results = race([run, run])
    assert not [r for r in results if not isinstance(r, dict | ValidationError)], results
    assert CodeRepository.objects.count() == 20
    assert services.repositories_import(actor=team, data=data.encode(), filename="x.csv")["unchanged"] == 20
