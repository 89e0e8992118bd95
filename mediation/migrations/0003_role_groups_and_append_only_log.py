from django.db import migrations

ROLES = ["clerk", "mediator", "director", "court", "party", "analyst"]

# On PostgreSQL the database itself refuses to change or remove log rows, whatever the code does.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION mediation_transitionlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'mediation_transitionlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mediation_transitionlog_no_update_delete
    BEFORE UPDATE OR DELETE ON mediation_transitionlog
    FOR EACH ROW EXECUTE FUNCTION mediation_transitionlog_append_only();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS mediation_transitionlog_no_update_delete ON mediation_transitionlog;
DROP FUNCTION IF EXISTS mediation_transitionlog_append_only();
"""


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def guard_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def unguard_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(guard_log, unguard_log),
    ]
