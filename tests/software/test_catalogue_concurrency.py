"""Double submits at the same instant, for real (threads, each with its own PostgreSQL connection, released
together by ``tests.concurrency.race``): one entry per repository, one status change; the others get a clear
400 and the stored data stays whole."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ouvert.software import services
from ouvert.software.models import Software, StatusChange
from tests.concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="in-process threads need PostgreSQL")]


def test_a_double_submit_makes_one_entry(team):
    def add(name):
        def call():
            return services.software_save(actor=team, data={"name": name, "licence": "MIT",
                                                            "repository_url": "https://github.com/mcn/outil"})
        return call

    results = race([add("Outil"), add("Outil"), add("Outil de l'organisme"), add("outil")])
    made = [r for r in results if isinstance(r, Software)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert Software.objects.count() == 1


def test_two_admins_recommend_at_once(team, platform_admin, make_user):
    other_admin = make_user(email="autre-admin@ouvert.example.org", is_superuser=True)
    software = services.software_save(actor=team, data={"name": "Moodle", "licence": "GPL-3.0-or-later"})

    def recommend(user):
        def call():
            return services.status_set(actor=user, software=Software.objects.get(pk=software.pk), status="recommended")
        return call

    results = race([recommend(platform_admin), recommend(other_admin), recommend(platform_admin)])
    assert len([r for r in results if isinstance(r, Software)]) == 1, results
    assert len([r for r in results if isinstance(r, ValidationError)]) == 2, results
    assert StatusChange.objects.count() == 1
