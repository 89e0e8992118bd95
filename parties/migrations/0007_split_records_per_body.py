"""Records per body: split the shared records, then give the users they pointed at accounts."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone


def split_per_body(apps, schema_editor):
    """Give every record the body of its cases; a record in several bodies' cases is copied, one
    record per body, and each body's case roles point at that body's copy."""
    Party = apps.get_model("parties", "Party")
    CaseParty = apps.get_model("parties", "CaseParty")
    first_body = (
        CaseParty.objects.filter(party=OuterRef("pk")).order_by("id").values("dispute__body_id")[:1]
    )
    Party.objects.filter(body__isnull=True).update(body_id=Subquery(first_body))
    strays = (
        CaseParty.objects.exclude(dispute__body_id=F("party__body_id"))
        .values_list("party_id", "dispute__body_id")
        .distinct()
    )
    for party_id, body_id in sorted(set(strays)):
        record = Party.objects.get(pk=party_id)
        record.pk = None
        record.id = None
        record.body_id = body_id
        record.save()
        CaseParty.objects.filter(party_id=party_id, dispute__body_id=body_id).update(
            party_id=record.pk
        )


def make_portal_accounts(apps, schema_editor):
    """An account for each user a record pointed at, with the record's phone taken as proved
    (that number has been signing the user in) and the record's identity."""
    Party = apps.get_model("parties", "Party")
    PortalAccount = apps.get_model("parties", "PortalAccount")
    now = timezone.now()
    taken: set[str] = set()
    for record in Party.objects.filter(user__isnull=False).exclude(phone="").order_by("id"):
        if PortalAccount.objects.filter(user_id=record.user_id).exists() or record.phone in taken:
            continue
        taken.add(record.phone)
        PortalAccount.objects.create(
            user_id=record.user_id,
            name=record.name,
            phone=record.phone,
            phone_verified_at=now,
            id_type=record.id_type if record.id_number_hash else "",
            id_number_hash=record.id_number_hash,
        )


class Migration(migrations.Migration):
    dependencies = [("parties", "0006_party_records_per_body")]

    operations = [
        migrations.RunPython(split_per_body, migrations.RunPython.noop),
        migrations.RunPython(make_portal_accounts, migrations.RunPython.noop),
    ]
