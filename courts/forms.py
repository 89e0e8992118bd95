"""Forms of the court inbox: one per referral step.

They check only what the page sends (a known decision, a whole number of days, parties of this
case); what the step means — a reason is required, a case number is well formed and belongs to
the court, every party consented — stays in `courts.services`, whose field errors are put back
on these forms so they show next to the field.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courts.models import DECISIONS_BY_KIND, Referral, ReferralDecision, ReferralKind, ReferralState
from parties.models import CaseParty


class StepForm(forms.Form):
    """Base of every step form: knows its referral and carries the state the user saw."""

    step: ClassVar[str] = ""

    # The state shown on the page; a different current state answers 409 (stale page).
    expected_state = forms.ChoiceField(
        choices=ReferralState.choices, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        # Several step forms share one page: give each its own element ids.
        kwargs.setdefault("auto_id", f"id_{self.step}_%s")
        kwargs.setdefault("initial", {"expected_state": referral.state})
        super().__init__(*args, **kwargs)
        self.referral = referral

    def service_data(self) -> dict[str, Any]:
        """What `take_referral_transition` gets as `data` (everything but expected_state)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "expected_state"}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show the service's field errors next to our fields, the rest above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


def _example(referral: Referral, case_type: str) -> str:
    """A placeholder case number of the referral's court, e.g. (2026)赣0102民初1号."""
    return f"({timezone.localdate().year}){referral.court.code}{case_type}1号"


def _reason_field(label: Any, *, required_in_page: bool = False) -> forms.CharField:
    # Required-ness is the service's rule; the HTML attribute only spares a round trip.
    attrs = {"rows": 2, "maxlength": 2000}
    if required_in_page:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.Textarea(attrs=attrs)
    )


class ReceiveForm(StepForm):
    step = "receive"


class ReturnForm(StepForm):
    step = "return_referral"

    reason = _reason_field(_("Reason for returning"), required_in_page=True)


class FileForm(StepForm):
    step = "file"

    case_number = forms.CharField(label=_("Filing number (民初)"), required=False, max_length=60)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["case_number"].widget.attrs["placeholder"] = _example(referral, "民初")


class DecideForm(StepForm):
    step = "decide"

    decision = forms.ChoiceField(label=_("Decision"))
    reason = _reason_field(_("Reasons"))

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        allowed = DECISIONS_BY_KIND[referral.kind]
        self.fields["decision"].choices = [("", "---------")] + [
            (value, ReferralDecision(value).label) for value in allowed
        ]
        if referral.kind == ReferralKind.CONFIRMATION:
            # The ruling's number (民特): required to confirm, optional with a denial's reasons.
            self.fields["case_number"] = forms.CharField(
                label=_("Ruling number (民特)"),
                required=False,
                max_length=60,
                help_text=_("Required when the agreement is confirmed; optional for a denial."),
                widget=forms.TextInput(attrs={"placeholder": _example(referral, "民特")}),
            )
            self.order_fields(["expected_state", "decision", "case_number", "reason"])


class PartyChoiceField(forms.ModelMultipleChoiceField):
    """A case party by role and name; an agent or guardian also by whom they act for, since
    their consent stands for that party's."""

    def label_from_instance(self, obj: CaseParty) -> str:
        values = {"role": obj.get_role_display(), "name": obj.party.name}
        if obj.represents is not None:
            return _("%(role)s: %(name)s, for %(principal)s") % {
                **values,
                "principal": obj.represents.party.name,
            }
        return _("%(role)s: %(name)s") % values


class ExtendForm(StepForm):
    step = "extend"

    days = forms.IntegerField(label=_("Extend by (days)"), required=False)
    consenting_parties = PartyChoiceField(
        label=_("Parties who consented"),
        queryset=CaseParty.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = _reason_field(_("Note"))

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["consenting_parties"].queryset = (
            CaseParty.objects.filter(dispute_id=referral.dispute_id)
            .select_related("party", "represents__party")
            .order_by("id")
        )

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["consenting_parties"] = [cp.pk for cp in data.get("consenting_parties") or []]
        return data


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form for form in (ReceiveForm, ReturnForm, FileForm, DecideForm, ExtendForm)
}
