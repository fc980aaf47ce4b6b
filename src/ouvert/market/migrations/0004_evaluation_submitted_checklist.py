"""Evaluation: an evaluator's scores are frozen when submitted (``Score.submitted_at``); a delivery keeps the
acceptance criteria as checked at the decision (``Delivery.checklist``)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('market', '0002_question_decline_reason'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='checklist',
            field=models.JSONField(blank=True, default=list, verbose_name="critères d'acceptation vérifiés"),
        ),
        migrations.AddField(
            model_name='score',
            name='submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='soumise le'),
        ),
    ]
