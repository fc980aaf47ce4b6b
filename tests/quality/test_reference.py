"""Certification of reference datasets: each criterion passing and failing, certify and withdraw
(permissions, errors, double submits), lapse after the grace period, notifications, history entries,
audit log, the dataset listener and the hourly job. Inputs made through the real services."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ouvert.catalog import services as catalog_services
from ouvert.catalog.models import Activity
from ouvert.core import registry
from ouvert.core import services as core_services
from ouvert.core.models import AuditEntry, Notification
from ouvert.quality import availability, certification, linkcheck, scoring
from ouvert.quality import services as quality_services
from ouvert.quality.models import Certification, CertificationEvent
from tests.quality.reference_kit import *  # noqa: F403  (fixtures)
from tests.quality.reference_kit import CSV, SCHEMA

pytestmark = pytest.mark.django_db


def _by_id(criteria):
    return {item["id"]: item for item in criteria}


def _evaluate(dataset):
    return _by_id(certification.criteria_evaluate([dataset.pk])[dataset.pk])


def _text(item, dataset=None):
    names = certification.criteria_resource_names(dataset) if dataset is not None else None
    return certification.criterion_text(item, names=names)


# --- Criteria ------------------------------------------------------------------------------------

def test_a_complete_dataset_meets_every_criterion(reference_factory):
    dataset = reference_factory()
    criteria = certification.criteria_evaluate([dataset.pk])[dataset.pk]
    assert [item["id"] for item in criteria] == list(certification.CRITERIA)
    assert all(item["passed"] for item in criteria), criteria
    by_id = _by_id(criteria)
    assert _text(by_id["identifier"], dataset) == "La clé primaire « code » de « Liste des territoires » est unique."
    assert by_id["availability"]["detail"]["params"]["uptime"] == 1.0
    assert _text(by_id["availability"]) == "Disponible 100,00 % du temps sur 30 jours."
    assert by_id["metadata_rating"]["detail"]["params"]["rating"] in ("excellent", "good")
    assert _text(by_id["dictionary_complete"]) == "Les 3 champ(s) sont décrits en français et en anglais."
    assert certification.criteria_passed(criteria)


def test_identifier_fails_without_tabular_data(reference_factory):
    item = _evaluate(reference_factory(resource=False))["identifier"]
    assert not item["passed"] and item["detail"]["code"] == "identifier.no_tabular"
    assert _text(item) == "Aucune ressource tabulaire n’a été intégrée."


def test_identifier_fails_without_a_primary_key(reference_factory):
    schema = {key: value for key, value in SCHEMA.items() if key != "primaryKey"}
    item = _evaluate(reference_factory(schema=schema))["identifier"]
    assert not item["passed"] and item["detail"]["code"] == "identifier.no_key"
    assert _text(item) == "Aucune ressource tabulaire ne déclare de clé primaire."


def test_identifier_fails_when_the_key_repeats(reference_factory):
    content = CSV + b"REM09,Anjou (doublon),1\n"
    dataset = reference_factory(content=content)
    criteria = _evaluate(dataset)
    item = criteria["identifier"]
    assert not item["passed"] and item["detail"]["code"] == "identifier.duplicates"
    assert item["detail"]["params"]["duplicates"] >= 1
    assert "« code » de « Liste des territoires » est vide ou répétée" in _text(item, dataset)
    assert not criteria["schema_valid"]["passed"]  # the key's uniqueness is part of the schema


def test_schema_valid_fails_without_a_schema(reference_factory):
    dataset = reference_factory(schema=None)
    criteria = _evaluate(dataset)
    assert criteria["schema_valid"]["detail"]["code"] == "schema_valid.no_schema"
    assert _text(criteria["schema_valid"], dataset) == "Sans schéma de table : « Liste des territoires »."
    assert criteria["dictionary_complete"]["detail"]["code"] == "dictionary_complete.no_schema"
    assert not criteria["identifier"]["passed"]


def test_schema_valid_fails_when_the_data_breaks_the_schema(reference_factory):
    content = CSV + b"REM99,Nulle part,beaucoup\n"
    dataset = reference_factory(content=content)
    item = _evaluate(dataset)["schema_valid"]
    assert not item["passed"] and item["detail"]["code"] == "schema_valid.invalid"
    assert item["detail"]["params"]["errors"] >= 1
    assert _text(item, dataset).startswith("Données non conformes au schéma (")
    assert _text(item, dataset).endswith(": « Liste des territoires ».")


def test_dictionary_incomplete_names_the_fields(reference_factory):
    schema = {**SCHEMA, "fields": [dict(field) for field in SCHEMA["fields"]]}
    schema["fields"][2]["description_en"] = ""
    schema["fields"][1].pop("description_fr")
    dataset = reference_factory(schema=schema)
    criteria = _evaluate(dataset)
    item = criteria["dictionary_complete"]
    assert not item["passed"]
    assert item["detail"] == {"code": "dictionary_complete.missing",
                              "params": {"fields": ["nom", "population"], "count": 2}}
    assert _text(item) == "2 champ(s) sans description en français ou en anglais : nom, population."
    assert criteria["schema_valid"]["passed"] and criteria["identifier"]["passed"]


def test_frequency_fails_when_none_is_declared(reference_factory):
    dataset = reference_factory(frequency="")
    item = _evaluate(dataset)["frequency"]
    assert not item["passed"] and item["detail"]["code"] == "frequency.late"
    assert _text(item) == ("La fréquence de mise à jour annoncée n’est pas respectée, ou aucune n’est déclarée. "
                           "Indiquez la fréquence de mise à jour.")


def test_frequency_fails_when_the_dataset_is_late(reference_factory):
    dataset = reference_factory(frequency="MONTHLY")
    assert _evaluate(dataset)["frequency"]["passed"]
    # Time moves: the last change was 100 days ago (a monthly dataset is then late).
    past = timezone.now() - datetime.timedelta(days=100)
    catalog_services.Dataset.objects.filter(pk=dataset.pk).update(modified_at=past)
    catalog_services.Resource.objects.filter(dataset_id=dataset.pk).update(modified_at=past)
    scoring.scores_recompute(ids=[dataset.pk])
    item = _evaluate(dataset)["frequency"]
    assert not item["passed"]
    assert "Dernière mise à jour il y a 100 jours" in _text(item)


def _link(dataset, editor, url="https://donnees.example.org/territoires.json"):
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={
        "name_fr": "Service JSON", "url": url, "format": "JSON", "media_type": "application/json",
        "description_fr": "Les mêmes données en JSON."})
    return next(row for row in catalog_services.link_resources(resource_ids=[resource.pk]))


def test_availability_not_measured_until_links_are_checked(reference_factory, editor):
    dataset = reference_factory()
    _link(dataset, editor)
    item = _evaluate(dataset)["availability"]
    assert not item["passed"] and item["detail"]["code"] == "availability.not_measured"
    assert _text(item).startswith("Disponibilité pas encore mesurée")


def test_availability_fails_below_99_percent(reference_factory, editor):
    dataset = reference_factory()
    link = _link(dataset, editor)
    now = timezone.now()
    url = link["url"]
    availability.link_record(resource=link, result=linkcheck.LinkResult(url=url, status=200),
                             now=now - datetime.timedelta(days=30))
    availability.link_record(resource=link, result=linkcheck.LinkResult(url=url, outcome="http_error", status=500),
                             now=now - datetime.timedelta(days=3))
    item = _evaluate(dataset)["availability"]
    assert not item["passed"] and item["detail"]["code"] == "availability.low"
    assert item["detail"]["params"]["uptime"] < 0.99
    assert "(99 % demandés)" in _text(item)
    availability.link_record(resource=link, result=linkcheck.LinkResult(url=url, status=200),
                             now=now - datetime.timedelta(days=3) + datetime.timedelta(minutes=5))
    assert _evaluate(dataset)["availability"]["passed"]


def test_metadata_rating_fails_when_the_metadata_is_poor(dataset_factory):
    dataset = dataset_factory(title_fr="Territoires")
    scoring.scores_recompute(ids=[dataset.pk])
    item = _evaluate(dataset)["metadata_rating"]
    assert not item["passed"] and item["detail"]["code"] == "metadata_rating.low"
    assert item["detail"]["params"]["rating"] not in ("excellent", "good")
    assert "« Bonne » au moins est demandée" in _text(item)


def test_scores_not_computed_yet(reference_factory):
    dataset = reference_factory()
    scoring.DatasetScore.objects.filter(dataset_id=dataset.pk).delete()
    criteria = _evaluate(dataset)
    for criterion in ("frequency", "metadata_rating", "open_format", "open_licence"):
        assert criteria[criterion]["detail"]["code"] == "score.missing"
        assert _text(criteria[criterion]) == "Le score de qualité n’est pas encore calculé."


def test_open_format_fails_for_a_pdf(reference_factory, upload_csv):
    dataset = reference_factory()
    upload_csv(dataset, b"%PDF-1.4 rapport", filename="rapport.pdf", name_fr="Rapport", name_en="Report",
               format="PDF", media_type="application/pdf")
    scoring.scores_recompute(ids=[dataset.pk])
    item = _evaluate(dataset)["open_format"]
    assert not item["passed"] and item["detail"]["code"] == "open_format.failed"
    text = _text(item)
    assert text.startswith("Au moins une ressource n’est pas dans un format ouvert.")
    assert "ressource 2" in text and "PDF" in text


def test_open_licence_fails_for_an_unstated_licence(reference_factory):
    item = _evaluate(reference_factory(licence="notspecified"))["open_licence"]
    assert not item["passed"] and item["detail"]["code"] == "open_licence.failed"
    assert _text(item).startswith("La licence n’est pas une licence ouverte")


def test_criteria_are_computed_in_a_constant_number_of_queries(reference_factory):
    first = reference_factory()
    with CaptureQueriesContext(connection) as one:
        certification.criteria_evaluate([first.pk])
    others = [reference_factory() for _ in range(3)]
    with CaptureQueriesContext(connection) as four:
        result = certification.criteria_evaluate([first.pk] + [d.pk for d in others])
    assert len(result) == 4 and all(certification.criteria_passed(c) for c in result.values())
    assert len(four.captured_queries) == len(one.captured_queries)


def test_ids_may_be_given_as_text(reference_factory):
    dataset = reference_factory()
    result = certification.criteria_evaluate([str(dataset.pk), "pas-un-uuid", None])
    assert list(result) == [dataset.pk] and certification.criteria_passed(result[dataset.pk])
    assert certification.criteria_evaluate([]) == {}


def test_stored_criteria_hold_codes_never_text(reference_factory, admin_user):
    dataset = reference_factory()
    stored = certification.certify(actor=admin_user, dataset=dataset).criteria
    assert {item["detail"]["code"] for item in stored} >= {"identifier.ok", "open_licence.ok"}
    assert all(set(item) == {"id", "passed", "detail"} for item in stored)


# --- Certify and withdraw ------------------------------------------------------------------------

def test_admin_certifies_a_dataset_that_meets_every_criterion(reference_factory, admin_user, editor):
    dataset = reference_factory()
    done = certification.certify(actor=admin_user, dataset=dataset)
    assert done.status == Certification.Status.CERTIFIED and done.certified_by == admin_user
    assert done.certified_at is not None and done.failing_since is None
    event = CertificationEvent.objects.get(dataset=dataset)
    assert event.kind == CertificationEvent.Kind.CERTIFIED and event.actor == admin_user
    note = Activity.objects.get(dataset=dataset, activity_type=Activity.Type.CERTIFICATION)
    assert note.diff == {"certification": {"before": None, "after": "certified"}}
    assert note.actor == admin_user
    audit = AuditEntry.objects.get(action="quality.certification.certify")
    assert audit.target_id == str(dataset.pk) and audit.data["after"] == "certified"
    assert core_services.audit_verify().ok
    notes = Notification.objects.filter(recipient=editor)
    assert [n.subject for n in notes] == [f"Données de référence : « {dataset.title_fr} » est certifié"]
    assert notes[0].url == f"/fr/catalogue/donnees-de-reference/{dataset.name}/"
    assert list(certification.certified_dataset_ids().values_list("dataset_id", flat=True)) == [dataset.pk]


@pytest.mark.parametrize("who", ["editor", "member", "other_org_editor", "anonymous"])
def test_only_platform_admins_certify_or_withdraw(reference_factory, who, request, admin_user):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    dataset = reference_factory()
    with pytest.raises(PermissionDenied):
        certification.certify(actor=actor, dataset=dataset)
    assert not Certification.objects.exists()
    certification.certify(actor=admin_user, dataset=dataset)
    with pytest.raises(PermissionDenied):
        certification.withdraw(actor=actor, dataset=dataset, reason="Je n'aime pas.")
    assert Certification.objects.get().status == Certification.Status.CERTIFIED


def test_certification_is_refused_while_a_criterion_fails(reference_factory, admin_user):
    dataset = reference_factory(licence="notspecified", schema=None)
    with pytest.raises(ValidationError) as caught:
        certification.certify(actor=admin_user, dataset=dataset)
    messages = caught.value.message_dict["criteria"]
    assert messages[0] == "Certification impossible : un critère n’est pas rempli."
    assert "Schéma de table et données valides : Sans schéma de table : « Liste des territoires »." in messages
    assert any(m.startswith("Licence ouverte : La licence n’est pas une licence ouverte") for m in messages)
    assert not any(m.startswith("Formats ouverts") for m in messages)
    assert not Certification.objects.exists() and not CertificationEvent.objects.exists()
    assert not Activity.objects.filter(activity_type=Activity.Type.CERTIFICATION).exists()


@pytest.mark.parametrize("change", [{"private": True}, {"state": "draft"}])
def test_only_published_public_datasets_are_certified(reference_factory, admin_user, editor, change):
    dataset = reference_factory()
    dataset = catalog_services.dataset_update(actor=editor, dataset=dataset, data=change, partial=True)
    with pytest.raises(ValidationError) as caught:
        certification.certify(actor=admin_user, dataset=dataset)
    assert caught.value.message_dict == {"dataset": [
        "Seul un jeu de données publié et public peut être certifié comme donnée de référence."]}
    assert not Certification.objects.exists()


def test_a_second_submit_is_told_it_is_already_certified(reference_factory, admin_user):
    dataset = reference_factory()
    certification.certify(actor=admin_user, dataset=dataset)
    with pytest.raises(certification.CertificationConflict) as caught:
        certification.certify(actor=admin_user, dataset=dataset)
    assert caught.value.message == "Ce jeu de données est déjà certifié."
    assert CertificationEvent.objects.count() == 1
    assert Activity.objects.filter(activity_type=Activity.Type.CERTIFICATION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_certifications_make_one(reference_factory, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: two transactions never run at once")
    dataset = reference_factory()
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        from django.db import connections

        try:
            barrier.wait()
            certification.certify(actor=admin_user, dataset=dataset)
            outcomes.append("certified")
        except certification.CertificationConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["certified", "conflict"]
    assert CertificationEvent.objects.filter(dataset=dataset).count() == 1
    assert Certification.objects.get(dataset=dataset).status == Certification.Status.CERTIFIED


def test_withdraw_needs_a_reason_and_a_certified_dataset(reference_factory, admin_user):
    dataset = reference_factory()
    with pytest.raises(certification.CertificationConflict) as caught:
        certification.withdraw(actor=admin_user, dataset=dataset, reason="Données périmées.")
    assert caught.value.message == "Ce jeu de données n’est pas certifié."
    certification.certify(actor=admin_user, dataset=dataset)
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as caught:
            certification.withdraw(actor=admin_user, dataset=dataset, reason=reason)
        assert caught.value.message_dict == {"reason": ["Indiquez le motif du retrait de la certification."]}
    with pytest.raises(ValidationError):
        certification.withdraw(actor=admin_user, dataset=dataset, reason="x" * 2001)
    assert Certification.objects.get().status == Certification.Status.CERTIFIED


def test_admin_withdraws_with_a_reason(reference_factory, admin_user, editor):
    dataset = reference_factory()
    certification.certify(actor=admin_user, dataset=dataset)
    done = certification.withdraw(actor=admin_user, dataset=dataset, reason="  Le fichier n'est plus tenu à jour.  ")
    assert done.status == Certification.Status.WITHDRAWN and done.ended_at is not None
    event = CertificationEvent.objects.filter(dataset=dataset).first()
    assert event.kind == CertificationEvent.Kind.WITHDRAWN and event.reason == "Le fichier n'est plus tenu à jour."
    notes = Activity.objects.filter(dataset=dataset, activity_type=Activity.Type.CERTIFICATION).order_by("timestamp")
    assert [n.diff["certification"] for n in notes] == [{"before": None, "after": "certified"},
                                                        {"before": "certified", "after": "withdrawn"}]
    assert AuditEntry.objects.get(action="quality.certification.withdraw").data["reason"] == \
        "Le fichier n'est plus tenu à jour."
    latest = Notification.objects.filter(recipient=editor).order_by("-pk").first()
    assert "certification retirée" in latest.subject and "Le fichier n'est plus tenu à jour." in latest.body
    assert not certification.certified_dataset_ids().exists()
    with pytest.raises(certification.CertificationConflict):
        certification.withdraw(actor=admin_user, dataset=dataset, reason="Encore.")
    # Certified again later: the same row, a new event.
    again = certification.certify(actor=admin_user, dataset=dataset)
    assert again.status == Certification.Status.CERTIFIED and again.ended_at is None
    assert Certification.objects.count() == 1
    assert Activity.objects.filter(activity_type=Activity.Type.CERTIFICATION).latest("timestamp").diff == \
        {"certification": {"before": "withdrawn", "after": "certified"}}


# --- Lapse -------------------------------------------------------------------------------------------

def _break_dictionary(resource, set_schema):
    schema = {**SCHEMA, "fields": [dict(field) for field in SCHEMA["fields"]]}
    schema["fields"][2]["description_en"] = ""
    set_schema(resource, schema)


def _certified(reference_factory, admin_user):
    dataset = reference_factory()
    certification.certify(actor=admin_user, dataset=dataset)
    resource = catalog_services.resource_list(dataset=dataset).get()
    return dataset, resource


def test_a_failing_criterion_starts_the_grace_period_and_tells_the_publisher(reference_factory, admin_user, editor,
                                                                            set_schema, settings):
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = 14
    dataset, resource = _certified(reference_factory, admin_user)
    _break_dictionary(resource, set_schema)
    before = Notification.objects.filter(recipient=editor).count()
    counts = certification.certifications_review()
    assert counts == {"evaluated": 1, "failed": 1, "restored": 0, "lapsed": 0}
    state = Certification.objects.get(dataset=dataset)
    assert state.status == Certification.Status.CERTIFIED and state.failing_since is not None
    assert not _by_id(state.criteria)["dictionary_complete"]["passed"]
    event = CertificationEvent.objects.filter(dataset=dataset).first()
    assert event.kind == CertificationEvent.Kind.CRITERION_FAILED
    assert "Dictionnaire de données complet : 1 champ(s) sans description en français ou en anglais : population." \
        in event.reason
    note = Notification.objects.filter(recipient=editor).order_by("-pk").first()
    assert Notification.objects.filter(recipient=editor).count() == before + 1
    assert note.subject == f"Données de référence : un critère n’est plus rempli par « {dataset.title_fr} »"
    assert "population" in note.body and "Sans correction d’ici le" in note.body
    # Still failing an hour later: nothing new.
    assert certification.certifications_review() == {"evaluated": 1, "failed": 0, "restored": 0, "lapsed": 0}
    assert CertificationEvent.objects.filter(dataset=dataset).count() == 2
    # Not a history entry of the dataset: only changes of status are.
    assert Activity.objects.filter(dataset=dataset, activity_type=Activity.Type.CERTIFICATION).count() == 1


def test_criteria_met_again_end_the_grace_period(reference_factory, admin_user, editor, set_schema):
    dataset, resource = _certified(reference_factory, admin_user)
    _break_dictionary(resource, set_schema)
    certification.certifications_review()
    set_schema(resource, SCHEMA)
    counts = certification.certifications_review()
    assert counts["restored"] == 1
    state = Certification.objects.get(dataset=dataset)
    assert state.failing_since is None and state.status == Certification.Status.CERTIFIED
    assert CertificationEvent.objects.filter(dataset=dataset).first().kind == CertificationEvent.Kind.CRITERIA_RESTORED
    assert "remplit de nouveau tous les critères" in Notification.objects.filter(recipient=editor).latest("pk").subject


def test_the_certification_lapses_after_the_grace_period(reference_factory, admin_user, editor, set_schema, settings):
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = 3
    dataset, resource = _certified(reference_factory, admin_user)
    _break_dictionary(resource, set_schema)
    certification.certifications_review()
    # Two days later: still within the grace period.
    Certification.objects.filter(dataset=dataset).update(failing_since=timezone.now() - datetime.timedelta(days=2))
    assert certification.certifications_review()["lapsed"] == 0
    assert Certification.objects.get(dataset=dataset).status == Certification.Status.CERTIFIED
    # Four days later: lapsed.
    Certification.objects.filter(dataset=dataset).update(failing_since=timezone.now() - datetime.timedelta(days=4))
    assert certification.certifications_review() == {"evaluated": 1, "failed": 0, "restored": 0, "lapsed": 1}
    state = Certification.objects.get(dataset=dataset)
    assert state.status == Certification.Status.LAPSED and state.ended_at is not None
    event = CertificationEvent.objects.filter(dataset=dataset).first()
    assert event.kind == CertificationEvent.Kind.LAPSED and event.actor is None
    assert "population" in event.reason
    history = Activity.objects.filter(dataset=dataset, activity_type=Activity.Type.CERTIFICATION).latest("timestamp")
    assert history.diff == {"certification": {"before": "certified", "after": "lapsed"}} and history.actor is None
    audit = AuditEntry.objects.get(action="quality.certification.lapse")
    assert audit.actor_label == "system" and audit.data["failing"] == ["dictionary_complete"]
    note = Notification.objects.filter(recipient=editor).latest("pk")
    assert note.subject == f"Données de référence : la certification de « {dataset.title_fr} » est échue"
    assert "depuis plus de 3 jours" in note.body
    assert not certification.certified_dataset_ids().exists()
    # A lapsed dataset is no longer reviewed; certified again once the criteria are met.
    assert certification.certifications_review()["evaluated"] == 0
    set_schema(resource, SCHEMA)
    assert certification.certify(actor=admin_user, dataset=dataset).status == Certification.Status.CERTIFIED


def test_without_grace_the_certification_lapses_at_once(reference_factory, admin_user, set_schema, settings):
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = 0
    dataset, resource = _certified(reference_factory, admin_user)
    _break_dictionary(resource, set_schema)
    assert certification.certifications_review() == {"evaluated": 1, "failed": 1, "restored": 0, "lapsed": 1}
    assert Certification.objects.get(dataset=dataset).status == Certification.Status.LAPSED


def test_grace_days_setting(settings):
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = 30
    assert certification.certification_grace_days() == 30
    del settings.OUVERT_CERTIFICATION_GRACE_DAYS
    assert certification.certification_grace_days() == 14
    settings.OUVERT_CERTIFICATION_GRACE_DAYS = "pas un nombre"
    assert certification.certification_grace_days() == 14


def test_a_certified_dataset_is_evaluated_again_when_it_changes(reference_factory, admin_user, editor,
                                                                django_capture_on_commit_callbacks):
    dataset, _resource = _certified(reference_factory, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_update(actor=editor, dataset=dataset, data={"licence": "notspecified"}, partial=True)
    state = Certification.objects.get(dataset=dataset)
    assert state.failing_since is not None
    assert not _by_id(state.criteria)["open_licence"]["passed"]
    assert CertificationEvent.objects.filter(dataset=dataset).first().kind == CertificationEvent.Kind.CRITERION_FAILED


def test_hooks_are_registered():
    jobs = {job.name: job for job in registry.periodic_jobs()}
    assert jobs["quality.certification"].every_seconds == 3600
    assert certification.certification_reevaluate in registry.dataset_listeners()
    assert "reference" in {panel.name for panel in registry.dataset_panels()}
    assert "quality:reference" in {link.url_name for link in registry.menu_links()}
    assert catalog_services.SEARCH_FLAGS["reference"]["label_fr"] == "Données de référence"
    assert catalog_services.SEARCH_FLAGS["reference"]["label_en"] == "Reference data"
    # The module's façade offers the part's functions.
    assert quality_services.certify is certification.certify
    assert quality_services.criteria_evaluate is certification.criteria_evaluate


def test_the_hourly_job_reviews_certified_datasets(reference_factory, admin_user, set_schema):
    dataset, resource = _certified(reference_factory, admin_user)
    _break_dictionary(resource, set_schema)
    job = next(job for job in registry.periodic_jobs() if job.name == "quality.certification")
    job.func()
    assert Certification.objects.get(dataset=dataset).failing_since is not None
