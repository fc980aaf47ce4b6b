"""The organisers' notes on the guiding principles (``Process.principles``, ``{key: note}``) follow the
seven principles as the *Cadre de référence gouvernemental sur la participation publique* names them:
respect → participants, accessibility → mechanisms, inclusion → promotion, transparency → feedback
(engagement, information and evaluation keep their keys). Notes under any other key are left as they
are, and so is an old key whose new key already holds a note (nothing is lost). Reversible."""

from django.db import migrations

RENAMES = {
    "respect": "participants",
    "accessibility": "mechanisms",
    "inclusion": "promotion",
    "transparency": "feedback",
}


def rename_keys(notes, renames: dict):
    """``notes`` with its keys renamed by ``renames``; the same object when nothing changes."""
    if not isinstance(notes, dict) or not any(old in notes for old in renames):
        return notes
    renamed = {}
    for key, value in notes.items():
        new = renames.get(key)
        if new is not None and new not in notes:
            renamed[new] = value
        else:
            renamed.setdefault(key, value)
    return renamed


def _apply(apps, renames: dict) -> None:
    Process = apps.get_model("consult", "Process")
    for pk, notes in Process.objects.values_list("pk", "principles").iterator():
        renamed = rename_keys(notes, renames)
        if renamed is not notes:
            Process.objects.filter(pk=pk).update(principles=renamed)


def forwards(apps, schema_editor):
    _apply(apps, RENAMES)


def backwards(apps, schema_editor):
    _apply(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("consult", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
