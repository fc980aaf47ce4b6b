"""Demo content: opportunities and suppliers made by ``ouvert demo`` are flagged (``is_demo``) and shown with
a « donnée de démonstration » badge."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('market', '0005_release_compiled'),
    ]

    operations = [
        migrations.AddField(
            model_name='opportunity',
            name='is_demo',
            field=models.BooleanField(default=False, verbose_name='donnée de démonstration'),
        ),
        migrations.AddField(
            model_name='supplier',
            name='is_demo',
            field=models.BooleanField(default=False, verbose_name='donnée de démonstration'),
        ),
    ]
