# Every mediator now has a token (0005); make it unique and required.

from django.db import migrations, models

import mediation.models


class Migration(migrations.Migration):

    dependencies = [
        ("mediation", "0005_mediator_calendar_token"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mediator",
            name="calendar_token",
            field=models.CharField(
                default=mediation.models.new_calendar_token,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="calendar feed token",
            ),
        ),
    ]
