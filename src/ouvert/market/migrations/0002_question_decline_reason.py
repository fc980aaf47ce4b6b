"""The reason given to the asker when the buyer declines a question (shown to the asker only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("market", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="decline_reason",
            field=models.TextField(blank=True, verbose_name="motif (question sans suite)"),
        ),
    ]
