# A secret token per mediator addressing their calendar feed.
#
# Django's recipe for a unique field on a table with rows: add it nullable, give every existing
# row its own value, then (in 0006, a separate transaction, so PostgreSQL never alters a table
# with pending trigger events) make it unique and required.

import secrets

from django.db import migrations, models


def fill_tokens(apps, schema_editor):
    Mediator = apps.get_model("mediation", "Mediator")
    for mediator in Mediator.objects.filter(calendar_token__isnull=True).only("pk"):
        mediator.calendar_token = secrets.token_urlsafe(32)
        mediator.save(update_fields=["calendar_token"])


class Migration(migrations.Migration):

    dependencies = [
        ("mediation", "0004_deadline_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="mediator",
            name="calendar_token",
            field=models.CharField(
                editable=False, max_length=64, null=True, verbose_name="calendar feed token"
            ),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
    ]
