"""The processes part's data migration 0002: the organisers' notes move from the principles' old keys to
the keys of the seven principles as the Cadre de référence names them, and back."""

import importlib

import pytest
from django.apps import apps

from ouvert.consult import processes

pytestmark = pytest.mark.django_db

migration = importlib.import_module("ouvert.consult.migrations.0002_principles_keys")

OLD = {"engagement": "Réponse publique.", "information": "Portrait publié.", "respect": "Modération.",
       "accessibility": "45 jours.", "inclusion": "Rencontres en région.", "transparency": "Rapport publié.",
       "evaluation": "Questionnaire.", "autre": "Note sous une clé inconnue."}
NEW = {"engagement": "Réponse publique.", "information": "Portrait publié.", "participants": "Modération.",
       "mechanisms": "45 jours.", "promotion": "Rencontres en région.", "feedback": "Rapport publié.",
       "evaluation": "Questionnaire.", "autre": "Note sous une clé inconnue."}


def _notes(process) -> dict:
    process.refresh_from_db()
    return process.principles


def test_forwards_renames_the_old_keys_and_backwards_restores_them(process_factory):
    old = process_factory(principles=OLD)
    empty = process_factory(principles={})
    current = process_factory(principles={"participants": "Déjà à jour."})
    migration.forwards(apps, None)
    assert _notes(old) == NEW and _notes(empty) == {} and _notes(current) == {"participants": "Déjà à jour."}
    assert set(NEW) - {"autre"} == set(processes.PRINCIPLE_KEYS)
    assert [p["note"] for p in processes.process_principles_check(old)] == [
        NEW[key] for key in processes.PRINCIPLE_KEYS]
    migration.forwards(apps, None)  # again: nothing changes
    assert _notes(old) == NEW
    migration.backwards(apps, None)
    assert _notes(old) == OLD and _notes(current) == {"respect": "Déjà à jour."}


def test_a_note_under_both_keys_is_kept():
    notes = {"respect": "Ancienne.", "participants": "Nouvelle."}
    assert migration.rename_keys(notes, migration.RENAMES) == notes
    assert migration.rename_keys({"inclusion": "x"}, migration.RENAMES) == {"promotion": "x"}
    assert migration.rename_keys(["pas", "un", "objet"], migration.RENAMES) == ["pas", "un", "objet"]
