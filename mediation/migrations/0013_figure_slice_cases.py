"""Every slice of the kept figures counts its disputes (`cases`), for the queue's "all" tab.

The kept figures are emptied here; `mediation.figures` recounts them from the disputes after
`migrate` (its post_migrate handler fills empty figures), with the new column. At a million
disputes that recount takes seconds to a minute.
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
