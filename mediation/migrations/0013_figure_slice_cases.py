"""Every slice of the kept figures counts its disputes (`cases`), for the queue's "all" tab.

The kept figures are emptied here; `mediation.figures` recounts them from the disputes after
`migrate` (its post_migrate handler fills empty figures), with the new column. Until that recount
commits the rates and the dashboard read zeros: migrate in a quiet moment (`rebuild_figures`
took 25 s at 1.4M disputes on the benchmark machine of bench/README.md).
"""

from django.db import migrations, models


def empty_the_figures(apps, schema_editor):
    apps.get_model("mediation", "FigureSlice").objects.all().delete()
    apps.get_model("mediation", "FigureDays").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0012_drop_state_deadline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="figureslice",
            name="cases",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(empty_the_figures, migrations.RunPython.noop),
    ]
