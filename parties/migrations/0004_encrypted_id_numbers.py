"""ID numbers encrypted at rest with a keyed search hash (parties/crypto.py).

Every stored ID number, in the parties and in their field history, is rewritten encrypted and
its hash filled in, before the uniqueness constraint moves to (ID type, hash). Reversible: going
back writes the plaintext again.
"""

import parties.crypto
from django.conf import settings
from django.db import migrations, models


def _encrypt(apps, schema_editor):
    from parties.crypto import search_hash

    for name in ("Party", "HistoricalParty"):
        model = apps.get_model("parties", name)
        key = "history_id" if name == "HistoricalParty" else "id"
        rows = model.objects.exclude(id_number="").values_list(key, "id_number")
        # Read as plaintext (rows without the prefix come back as they are), written encrypted.
        for pk, number in rows.iterator(chunk_size=2000):
            model.objects.filter(**{key: pk}).update(
                id_number=number, id_number_hash=search_hash(number)
            )


def _decrypt(apps, schema_editor):
    for name in ("Party", "HistoricalParty"):
        model = apps.get_model("parties", name)
        key = "history_id" if name == "HistoricalParty" else "id"
        with schema_editor.connection.cursor() as cursor:
            for pk, number in model.objects.exclude(id_number="").values_list(key, "id_number"):
                cursor.execute(
                    f"UPDATE {model._meta.db_table} SET id_number = %s WHERE {key} = %s",
                    [number, pk],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0003_historicalparty"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="party",
            name="party_unique_identity",
        ),
        migrations.AddField(
            model_name="historicalparty",
            name="id_number_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="party",
            name="id_number_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="historicalparty",
            name="id_number",
            field=parties.crypto.EncryptedTextField(blank=True, verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="party",
            name="id_number",
            field=parties.crypto.EncryptedTextField(blank=True, verbose_name="ID number"),
        ),
        migrations.RunPython(_encrypt, _decrypt),
        migrations.AddConstraint(
            model_name="party",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_hash", ""), _negated=True),
                fields=("id_type", "id_number_hash"),
                name="party_unique_identity",
            ),
        ),
    ]
