from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parties.models import CaseParty, Party
from parties.services import IDENTITY_FIELDS


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    """A body's record with the particulars People's Mediation Law art. 29 asks for; its field
    history under "History". The portal account is set only by `parties.accounts`, and a record
    an account acts for keeps the identity and phone the link rests on (docs/decisions.md
    "Parties"): a new phone goes through the phone-change procedure."""

    list_display = [
        "name",
        "kind",
        "id_type",
        "masked_id_number",
        "masked_phone",
        "organization_type",
    ]
    list_filter = ["kind", "organization_type", "id_type"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["body", "kind", "name", "id_type", "id_number", "phone", "user"]}),
        (_("Person"), {"fields": ["sex", "birth_date", "ethnicity", "occupation", "address"]}),
        (
            _("Organization"),
            {
                "fields": [
                    "organization_type",
                    "legal_representative",
                    "legal_representative_title",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Party | None = None) -> list[str]:
        if obj is not None and obj.user_id is not None:
            return ["user", *IDENTITY_FIELDS]
        return ["user"]


@admin.register(CaseParty)
class CasePartyAdmin(admin.ModelAdmin):
    list_display = ["dispute", "party", "role", "represents", "authority_document"]
    list_filter = ["role"]
    search_fields = ["dispute__reference", "party__name"]
    raw_id_fields = ["dispute", "party", "represents"]
