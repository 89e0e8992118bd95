from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("parties", "0007_split_records_per_body")]

    operations = [
        migrations.AddConstraint(
            model_name='party',
            constraint=models.UniqueConstraint(condition=models.Q(('id_number_hash', ''), _negated=True), fields=('body', 'id_type', 'id_number_hash'), name='party_unique_identity'),
        ),
    ]
