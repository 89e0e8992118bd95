from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mediation.cases import services
from mediation.cases.models import (
    Dispute,
    MediationBody,
    MediationSession,
    Mediator,
    StaffMember,
    TransitionLog,
)
from mediation.kernel.exceptions import ServiceError
from parties.models import CaseParty


class MediationBodyForm(forms.ModelForm):
    """A body needs its short name: its case numbers are printed with it
    (（2026）东湖医调字第1号)."""

    class Meta:
        model = MediationBody
        fields = [
            "name",
            "short_name",
            "kind",
            "track",
            "region",
            "address",
            "phone",
            "categories",
            "default_deadline_days",
            "deadline_days_by_category",
            "court",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["short_name"]
        field.required = True
        field.help_text = _(
            "Printed in its case numbers, e.g. 东湖医调 in （2026）东湖医调字第123号; unique."
        )

    def clean_short_name(self) -> str:
        value = "".join((self.cleaned_data.get("short_name") or "").split())
        if not value:
            raise ValidationError(_("Give the body a short name for its case numbers."))
        return value


@admin.register(MediationBody)
class MediationBodyAdmin(admin.ModelAdmin):
    form = MediationBodyForm
    list_display = [
        "name",
        "short_name",
        "kind",
        "track",
        "region",
        "court",
        "default_deadline_days",
    ]
    list_filter = ["kind", "track"]
    search_fields = ["name", "short_name", "region"]
    autocomplete_fields = ["court"]


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "body", "active"]
    list_filter = ["body", "active"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    autocomplete_fields = ["user", "body"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "body", "active"]
    list_filter = ["body", "active"]
    autocomplete_fields = ["user", "body"]


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    fk_name = "dispute"
    fields = ["party", "role", "represents"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionLogInline(admin.TabularInline):
    model = TransitionLog
    fields = ["at", "transition", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Disputes are registered and moved through the API or the workbench, which run the
    services; here staff can read them and correct the editable facts (through the service)."""

    list_display = [
        "reference",
        "title",
        "category",
        "track",
        "state",
        "body",
        "mediator",
        "deadline",
    ]
    list_filter = ["state", "category", "track", "channel", "body"]
    search_fields = ["reference", "title"]
    list_select_related = ["body", "mediator__user"]
    fields = [
        "reference",
        "state",
        "title",
        "facts",
        "claimed_amount",
        "category",
        "family_matter",
        "channel",
        "track",
        "body",
        "mediator",
        "court",
        "court_case_number",
        "received_at",
        "accepted_at",
        "concluded_at",
        "deadline",
        "outcome",
        "close_outcome",
    ]
    editable = {"title", "facts", "claimed_amount", "family_matter"}
    inlines = [CasePartyInline, TransitionLogInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [name for name in self.fields if name not in self.editable]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Dispute, form: Any, change: bool) -> None:
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in self.editable
        }
        try:
            services.update_dispute(actor=request.user, dispute_id=obj.pk, changes=changes)
        except (ServiceError, ValidationError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    """Append-only: no add, change or delete, not even for superusers."""

    list_display = ["at", "dispute", "transition", "from_state", "to_state", "actor"]
    list_filter = ["transition", "to_state"]
    search_fields = ["dispute__reference"]
    list_select_related = ["dispute", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MediationSession)
class MediationSessionAdmin(admin.ModelAdmin):
    list_display = ["dispute", "scheduled_at", "place", "kind", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["dispute__reference", "place"]
    readonly_fields = ["dispute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
