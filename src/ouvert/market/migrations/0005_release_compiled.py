"""Open data: each OCDS release keeps the compiled release of its opportunity as of that release
(``Release.compiled``), so that records are read rather than merged again at each request."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('market', '0004_evaluation_submitted_checklist'),
    ]

    operations = [
        migrations.AddField(
            model_name='release',
            name='compiled',
            field=models.JSONField(blank=True, null=True, verbose_name='publication compilée à cette date'),
        ),
    ]
