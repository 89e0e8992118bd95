# Indexes for a million disputes, chosen from EXPLAIN ANALYZE of the list API,
# the workbench queue and the rates on data made by `generate_cases` (see bench/README.md).
#
# On a live database this size, each CREATE INDEX blocks writes to its table for a few seconds;
# to avoid that, create them by hand first with CREATE INDEX CONCURRENTLY under the same names
# (the SQL is in `sqlmigrate mediation 0008`) and then run this migration with --fake.

from django.db import migrations, models

# The rates (mediation.stats) count a success as judicially confirmed when its log shows it
# reached `confirmed`, by probing the log once per successful case; a partial index of just those
# log rows makes each probe a lookup in a small index instead of reading the case's whole log.
# Not declared in TransitionLog.Meta (this issue touches the Dispute model only), hence SQL; the
# statement is the same on PostgreSQL and SQLite.
LOG_CONFIRMED_INDEX = "transitionlog_confirmed"


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0007_ledger_import"),
    ]

    operations = [
        # Each new index starts with the columns of the one it replaces.
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                fields=["body", "state", "received_at", "id"], name="dispute_body_state_recv"
            ),
        ),
        migrations.RemoveIndex(
            model_name="dispute",
            name="dispute_body_state",
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                fields=["category", "state", "body", "received_at", "id"],
                name="dispute_category_state_body",
            ),
        ),
        migrations.RemoveIndex(
            model_name="dispute",
            name="dispute_category_state",
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["body", "received_at", "id"], name="dispute_body_received"),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(fields=["received_at", "id"], name="dispute_received"),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ("registered", "accepted", "assigned", "mediating", "agreed"))
                ),
                fields=["body", "deadline", "id", "state", "mediator", "due_soon_on"],
                name="dispute_open_by_deadline",
            ),
        ),
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX {LOG_CONFIRMED_INDEX} ON mediation_transitionlog (dispute_id) "
                "WHERE to_state = 'confirmed'"
            ),
            reverse_sql=f"DROP INDEX {LOG_CONFIRMED_INDEX}",
            elidable=False,
        ),
    ]
