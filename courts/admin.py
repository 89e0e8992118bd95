from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from courts.models import Court, CourtStaff, Referral, ReferralLog


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "region"]
    list_filter = ["level"]
    search_fields = ["name", "code", "region"]


@admin.register(CourtStaff)
class CourtStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "court", "active"]
    list_filter = ["court", "active"]
    autocomplete_fields = ["user", "court"]


class ReferralLogInline(admin.TabularInline):
    model = ReferralLog
    fields = ["at", "action", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only: referrals move through the API, the court inbox and the dispute's transitions,
    which keep the dispute and its referrals in step."""

    list_display = ["id", "kind", "state", "court", "dispute", "case_number", "sent_at"]
    list_filter = ["kind", "state", "court"]
    search_fields = ["case_number", "dispute__reference"]
    list_select_related = ["court", "dispute"]
    inlines = [ReferralLogInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReferralLog)
class ReferralLogAdmin(admin.ModelAdmin):
    """Append-only: no add, change or delete, not even for superusers."""

    list_display = ["at", "referral", "action", "from_state", "to_state", "actor"]
    list_filter = ["action", "to_state"]
    search_fields = ["referral__case_number", "referral__dispute__reference"]
    list_select_related = ["referral__court", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
