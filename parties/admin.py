from django.contrib import admin

from parties.models import CaseParty, Party


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["user"]


@admin.register(CaseParty)
class CasePartyAdmin(admin.ModelAdmin):
    list_display = ["dispute", "party", "role", "represents"]
    list_filter = ["role"]
    search_fields = ["dispute__reference", "party__name"]
    raw_id_fields = ["dispute", "party", "represents"]
