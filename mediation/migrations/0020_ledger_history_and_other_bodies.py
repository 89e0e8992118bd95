"""Imported cases are marked as ledger history; an imported case still open as the ledger left
it loses the deadline the import had started years back, so it is no longer overdue work.
A ledger import reports the rows of other bodies and its errors by reason."""

from django.db import migrations, models

OPEN_STATES = ("registered", "accepted", "assigned", "mediating", "agreed")


def mark_ledger_cases(apps, schema_editor):
    Dispute = apps.get_model("mediation", "Dispute")
    TransitionLog = apps.get_model("mediation", "TransitionLog")
    imported = TransitionLog.objects.filter(transition="import").values("dispute_id")
    Dispute.objects.filter(pk__in=imported).update(from_ledger=True)
    # Only those no one has worked on here since: a step taken in Fengqiao set its own clock.
    worked_on = TransitionLog.objects.exclude(transition="import").values("dispute_id")
    Dispute.objects.filter(from_ledger=True, state__in=OPEN_STATES).exclude(
        pk__in=worked_on
    ).update(deadline=None, due_soon_on=None, deadline_status="", deadline_status_since=None)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0019_body_short_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="from_ledger",
            field=models.BooleanField(default=False, verbose_name="historical ledger case"),
        ),
        migrations.AddField(
            model_name="historicaldispute",
            name="from_ledger",
            field=models.BooleanField(default=False, verbose_name="historical ledger case"),
        ),
        migrations.AddField(
            model_name="ledgerimport",
            name="error_summary",
            field=models.JSONField(blank=True, default=list, verbose_name="errors by reason"),
        ),
        migrations.AddField(
            model_name="ledgerimport",
            name="other_bodies",
            field=models.JSONField(blank=True, default=list, verbose_name="other bodies"),
        ),
        migrations.AddField(
            model_name="ledgerimport",
            name="other_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows of other bodies"),
        ),
        migrations.RunPython(mark_ledger_cases, migrations.RunPython.noop, elidable=True),
    ]
