# Every body gets the short name its case numbers need (（2026）东湖医调字第123号), by the rule
# new bodies follow (`mediation.cases.bodies.derive_short_name`, docs/decisions.md).

from django.db import migrations

from mediation.cases.bodies import derive_short_name, free_short_name


def give_short_names(apps, schema_editor):
    Body = apps.get_model("mediation", "MediationBody")
    taken = set(Body.objects.exclude(short_name="").values_list("short_name", flat=True))
    for body in Body.objects.filter(short_name="").order_by("pk"):
        body.short_name = free_short_name(derive_short_name(body.name), taken)
        taken.add(body.short_name)
        body.save(update_fields=["short_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0018_session_recorded_by"),
    ]

    operations = [
        # Backwards leaves the names: which were derived here is not known afterwards.
        migrations.RunPython(give_short_names, migrations.RunPython.noop),
    ]
