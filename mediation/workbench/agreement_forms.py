"""Forms of the workbench's agreement editor, session scheduling and in-person signing.

They check only what the page sends (numbers, dates, known choices); what an agreement or a
session must be stays in `documents.services` and `mediation.cases.services`, whose field errors
(`obligations[0].instalments[1].due_date`) are put back next to the field they name.

The editor is one page of plain forms with prefixes, so that it works without JavaScript:
clauses are `clause` (repeated), obligation i is prefix `ob<i>` and its instalment j is prefix
`ob<i>-in<j>`; the counts travel as `obligations` and `ob<i>-instalments`.
"""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Agreement, PaymentMethod, Schedule
from documents.services import AgreementInput, InstalmentInput, ObligationInput
from mediation.cases.models import Dispute, Mediator
from mediation.kernel.choices import SessionKind, SessionStatus
from mediation.workbench.forms import ErrorMappingMixin, active_mediators
from parties.models import PRINCIPAL_ROLES, CaseParty
from parties.selectors import case_parties

MAX_CLAUSE_ROWS = 50
MAX_OBLIGATION_ROWS = 20
MAX_INSTALMENT_ROWS = 60


class CheckedOnSave(forms.Form):
    """A bound form that has errors only once it has been checked (`is_valid`). The editor binds
    every row to what was typed, also to show the page again after an add/remove button or with a
    blank row beside a failed save; rendering would otherwise validate those rows and mark their
    empty fields invalid (Django sets `aria-invalid` on any field with errors) before any save."""

    checked = False

    def full_clean(self) -> None:
        if not self.checked:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def is_valid(self) -> bool:
        if not self.checked:
            self.checked = True
            self._errors = None
        return super().is_valid()


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def yuan(amount: Decimal | None) -> str:
    """¥86,000.00"""
    return f"¥{(amount or Decimal(0)):,.2f}"


# --- sessions ------------------------------------------------------------------------------------


class PartyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CaseParty) -> str:
        return f"{obj.get_role_display()}: {obj.party.name}"


class MediatorsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class SessionForm(ErrorMappingMixin, forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    attendees = PartyChoiceField(
        label=_("Attendees"),
        queryset=CaseParty.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mediators = MediatorsChoiceField(
        label=_("Mediators"),
        queryset=Mediator.objects.none(),
        required=False,
        help_text=_("The case's mediator when none is chosen."),
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in (SessionStatus.SCHEDULED, SessionStatus.HELD)],
        initial=SessionStatus.SCHEDULED,
    )
    # Not required: a form posted without it (an older page) schedules a joint session.
    kind = forms.ChoiceField(
        label=_("Kind of session"),
        choices=SessionKind.choices,
        initial=SessionKind.JOINT,
        required=False,
        help_text=_("A caucus's minutes are read by the body's staff only."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        help_text=_("For a session already held."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_session_%s")
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.fields["attendees"].queryset = case_parties(dispute.pk)
        self.fields["mediators"].queryset = active_mediators(dispute.body)
        if not self.is_bound:
            self.initial.setdefault(
                "attendees", list(self.fields["attendees"].queryset.values_list("pk", flat=True))
            )


# --- the agreement editor ------------------------------------------------------------------------


class AgreementForm(ErrorMappingMixin, CheckedOnSave):
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    agreement_date = forms.DateField(label=_("Agreement date"), widget=_date_widget())
    facts = forms.CharField(
        label=_("Facts"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    disputed_matters = forms.CharField(
        label=_("Disputed matters"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsibilities = forms.CharField(
        label=_("Responsibilities"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    performance = forms.CharField(
        label=_("How and when the agreement is performed"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CasePartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CaseParty) -> str:
        return f"{obj.get_role_display()}: {obj.party.name}"


class ObligationForm(CheckedOnSave):
    # A row left empty is dropped on save, so the browser must not refuse the save over it.
    use_required_attribute = False

    payer = CasePartyChoiceField(label=_("Payer"), queryset=CaseParty.objects.none())
    payee = CasePartyChoiceField(label=_("Payee"), queryset=CaseParty.objects.none())
    schedule = forms.ChoiceField(label=_("Schedule"), choices=Schedule.choices)
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = parties
        self.fields["payee"].queryset = parties
        self.instalments: list[InstalmentForm] = []

    def is_blank(self) -> bool:
        return (
            not self.data.get(self.add_prefix("payer"))
            and not self.data.get(self.add_prefix("payee"))
            and not self.data.get(self.add_prefix("note"), "").strip()
            and all(i.is_blank() for i in self.instalments)
        )

    def kept_instalments(self) -> list[InstalmentForm]:
        return [i for i in self.instalments if not i.is_blank()]

    def total(self) -> Decimal:
        return sum((i.typed_amount() for i in self.instalments), Decimal(0))

    def total_display(self) -> str:
        return yuan(self.total())


class InstalmentForm(CheckedOnSave):
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-amount": ""}),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=_date_widget())

    def is_blank(self) -> bool:
        return not self.data.get(self.add_prefix("amount"), "").strip() and not self.data.get(
            self.add_prefix("due_date"), ""
        )

    def typed_amount(self) -> Decimal:
        if self.is_bound:
            try:
                value = Decimal(str(self.data.get(self.add_prefix("amount"), "")).strip())
            except ArithmeticError:
                return Decimal(0)
            return value if value.is_finite() and value > 0 else Decimal(0)
        return Decimal(str(self.initial.get("amount") or 0))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_blank():
            return data
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount."))
        if data.get("due_date") is None and "due_date" not in self.errors:
            self.add_error("due_date", _("Enter the due date."))
        return data


def _count(data: QueryDict, key: str, default: int, limit: int) -> int:
    try:
        return max(0, min(int(data.get(key, default)), limit))
    except (TypeError, ValueError):
        return default


class AgreementEditor:
    """The whole editor: the agreement's fields, its clauses and its obligations."""

    def __init__(
        self,
        dispute: Dispute,
        agreement: Agreement | None,
        data: QueryDict | None = None,
        *,
        version: int = 0,
    ) -> None:
        self.dispute = dispute
        self.parties = case_parties(dispute.pk, roles=PRINCIPAL_ROLES)
        self.errors: list[str] = []
        self.obligations: list[ObligationForm] = []
        if data is None:
            self._initial(agreement, version)
        else:
            self._bound(data)

    def _initial(self, agreement: Agreement | None, version: int) -> None:
        if agreement is None:
            initial = {
                "expected_version": 0,
                "agreement_date": timezone.localdate(),
                "facts": self.dispute.facts,
            }
            self.clauses: list[str] = [""]
            obligations: list[Any] = []
        else:
            initial = {
                "expected_version": agreement.version,
                "agreement_date": agreement.agreement_date,
                "facts": agreement.facts,
                "disputed_matters": agreement.disputed_matters,
                "responsibilities": agreement.responsibilities,
                "performance": agreement.performance,
            }
            self.clauses = list(agreement.clauses) or [""]
            obligations = list(
                agreement.obligations.select_related("payer", "payee").prefetch_related(
                    "instalments"
                )
            )
        self.form = AgreementForm(initial=initial)
        for i, obligation in enumerate(obligations):
            form = ObligationForm(
                prefix=f"ob{i}",
                parties=self.parties,
                initial={
                    "payer": obligation.payer_id,
                    "payee": obligation.payee_id,
                    "schedule": obligation.schedule,
                    "method": obligation.method,
                    "note": obligation.note,
                },
            )
            form.instalments = [
                InstalmentForm(
                    prefix=f"ob{i}-in{j}",
                    initial={"amount": f"{inst.amount:.2f}", "due_date": inst.due_date},
                )
                for j, inst in enumerate(obligation.instalments.all())
            ]
            self.obligations.append(form)

    def _bound(self, data: QueryDict) -> None:
        self.data = data
        self.form = AgreementForm(data)
        self.clauses = data.getlist("clause")[:MAX_CLAUSE_ROWS]
        for i in range(_count(data, "obligations", 0, MAX_OBLIGATION_ROWS)):
            form = ObligationForm(data, prefix=f"ob{i}", parties=self.parties)
            form.instalments = [
                InstalmentForm(data, prefix=f"ob{i}-in{j}")
                for j in range(_count(data, f"ob{i}-instalments", 1, MAX_INSTALMENT_ROWS))
            ]
            self.obligations.append(form)

    # --- rows without JavaScript --------------------------------------------------------------

    def change_rows(self, action: str) -> bool:
        """Apply an add/remove button; answers whether `action` was one. The page is then shown
        again with what was typed, without errors."""
        data = self.data.copy()
        if action == "add_clause":
            data.setlist("clause", [*self.clauses, ""][:MAX_CLAUSE_ROWS])
        elif (match := re.fullmatch(r"remove_clause:(\d+)", action)) is not None:
            clauses = list(self.clauses)
            if int(match[1]) < len(clauses):
                del clauses[int(match[1])]
            data.setlist("clause", clauses)
        elif action == "add_obligation":
            n = len(self.obligations)
            if n < MAX_OBLIGATION_ROWS:
                data["obligations"] = str(n + 1)
                data[f"ob{n}-instalments"] = "1"
                data[f"ob{n}-schedule"] = Schedule.LUMP_SUM
                data[f"ob{n}-method"] = PaymentMethod.BANK_TRANSFER
        elif (match := re.fullmatch(r"remove_obligation:(\d+)", action)) is not None:
            data = self._without_obligation(int(match[1]))
        elif (match := re.fullmatch(r"add_instalment:(\d+)", action)) is not None:
            i = int(match[1])
            if i < len(self.obligations):
                n = len(self.obligations[i].instalments)
                data[f"ob{i}-instalments"] = str(min(n + 1, MAX_INSTALMENT_ROWS))
                if n + 1 >= 2:
                    data[f"ob{i}-schedule"] = Schedule.INSTALMENTS
        elif (match := re.fullmatch(r"remove_instalment:(\d+):(\d+)", action)) is not None:
            data = self._without_instalment(int(match[1]), int(match[2]))
        else:
            return False
        self.obligations = []
        self._bound(data)
        return True

    def _rows(self) -> list[dict[str, Any]]:
        """The obligations as typed: fields and lists of instalment fields."""
        rows = []
        for i, form in enumerate(self.obligations):
            fields = {
                name: self.data.get(form.add_prefix(name), "")
                for name in ("payer", "payee", "schedule", "method", "note")
            }
            instalments = [
                {name: self.data.get(f"ob{i}-in{j}-{name}", "") for name in ("amount", "due_date")}
                for j in range(len(form.instalments))
            ]
            rows.append({"fields": fields, "instalments": instalments})
        return rows

    def _data_from_rows(self, rows: list[dict[str, Any]]) -> QueryDict:
        data = self.data.copy()
        for key in list(data.keys()):
            if key.startswith("ob") and key != "obligations":
                del data[key]
        data["obligations"] = str(len(rows))
        for i, row in enumerate(rows):
            for name, value in row["fields"].items():
                data[f"ob{i}-{name}"] = value
            data[f"ob{i}-instalments"] = str(len(row["instalments"]))
            for j, instalment in enumerate(row["instalments"]):
                for name, value in instalment.items():
                    data[f"ob{i}-in{j}-{name}"] = value
        return data

    def _without_obligation(self, index: int) -> QueryDict:
        rows = self._rows()
        if index < len(rows):
            del rows[index]
        return self._data_from_rows(rows)

    def _without_instalment(self, i: int, j: int) -> QueryDict:
        rows = self._rows()
        if i < len(rows) and j < len(rows[i]["instalments"]) and len(rows[i]["instalments"]) > 1:
            del rows[i]["instalments"][j]
            if len(rows[i]["instalments"]) == 1:
                rows[i]["fields"]["schedule"] = Schedule.LUMP_SUM
        return self._data_from_rows(rows)

    # --- checking and saving --------------------------------------------------------------------

    def kept_obligations(self) -> list[ObligationForm]:
        return [o for o in self.obligations if not o.is_blank()]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for obligation in self.kept_obligations():
            valid = obligation.is_valid() and valid
            for instalment in obligation.kept_instalments():
                valid = instalment.is_valid() and valid
        return valid

    def to_input(self) -> AgreementInput:
        data = self.form.cleaned_data
        return AgreementInput(
            facts=data.get("facts") or "",
            disputed_matters=data.get("disputed_matters") or "",
            responsibilities=data.get("responsibilities") or "",
            performance=data.get("performance") or "",
            clauses=[c for c in self.clauses if c.strip()],
            agreement_date=data.get("agreement_date"),
            obligations=[
                ObligationInput(
                    payer=o.cleaned_data["payer"].pk,
                    payee=o.cleaned_data["payee"].pk,
                    schedule=o.cleaned_data["schedule"],
                    method=o.cleaned_data["method"],
                    note=o.cleaned_data.get("note") or "",
                    instalments=[
                        InstalmentInput(
                            amount=i.cleaned_data["amount"], due_date=i.cleaned_data["due_date"]
                        )
                        for i in o.kept_instalments()
                    ],
                )
                for o in self.kept_obligations()
            ],
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put `obligations[0].instalments[1].due_date` and the like next to their field."""
        if not hasattr(exc, "error_dict"):
            self.errors += exc.messages
            return
        kept = self.kept_obligations()
        for key, messages in exc.message_dict.items():
            match = re.fullmatch(r"obligations\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\]\.(\w+))?", key)
            if match is None:
                if key in self.form.fields:
                    self.form.add_error(key, messages)
                else:
                    self.errors += messages
                continue
            index, name, sub, sub_name = match.groups()
            if int(index) >= len(kept):
                self.errors += messages
                continue
            obligation = kept[int(index)]
            if sub is not None:
                instalments = obligation.kept_instalments()
                if int(sub) < len(instalments) and sub_name in ("amount", "due_date"):
                    instalments[int(sub)].add_error(sub_name, messages)
                else:
                    obligation.add_error(None, messages)
            elif name in obligation.fields:
                obligation.add_error(name, messages)
            else:
                obligation.add_error(None, messages)

    def total(self) -> Decimal:
        return sum((o.total() for o in self.obligations), Decimal(0))


# --- in-person signatures ------------------------------------------------------------------------


class SignatureForm(forms.Form):
    signatory = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    signer = forms.TypedChoiceField(label=_("Signed by"), coerce=int)
    signer_name = forms.CharField(
        label=_("Name, typed by the signer"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The drawing, as a PNG data URI. A page refused for another field sends it back in this
    # field, and static/js/signature.js draws it on the pad again.
    image = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-image": ""}))
    # An organisation signs through a named person and its seal (asked for organisations only).
    representative_role = forms.CharField(
        label=_("Signs for the organisation as"),
        max_length=100,
        required=False,
        help_text=_("e.g. 法定代表人, 理赔经办人"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    seal_affixed = forms.BooleanField(label=_("The organisation's seal is affixed"), required=False)

    def __init__(
        self, *args: Any, signers: list[CaseParty], organization: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signer"].choices = [
            (cp.pk, f"{cp.party.name} ({cp.get_role_display()})") for cp in signers
        ]
        self.organization = organization
        if organization:
            self.fields["signer_name"].label = _("Name of the person who signs for it")
        else:
            del self.fields["representative_role"]
            del self.fields["seal_affixed"]

    def clean_image(self) -> bytes:
        return _drawn_image(self.cleaned_data.get("image") or "")

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class MediatorSignatureForm(forms.Form):
    """The mediator's own signature, last: typed name and drawing, as the parties sign."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    signer_name = forms.CharField(
        label=_("Your name, as the body records it"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    image = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-image": ""}))

    def clean_image(self) -> bytes:
        return _drawn_image(self.cleaned_data.get("image") or "")

    add_service_errors = SignatureForm.add_service_errors


def _drawn_image(value: str) -> bytes:
    """The drawn signature sent as a data URI (or bare base64), decoded; the service checks it."""
    if not value:
        return b""
    limit = settings.FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES
    if len(value) > limit * 4 // 3 + 100:
        raise ValidationError(
            _("The signature image is too large (at most %(kb)d KB).") % {"kb": limit // 1024}
        )
    if value.startswith("data:"):
        header, _sep, value = value.partition(",")
        if ";base64" not in header:
            raise ValidationError(_("Send the image base64-encoded."))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("The image is not valid base64.")) from exc


class SessionOutcomeForm(forms.Form):
    """After a scheduled session: held, with its minutes, or cancelled. One per scheduled session
    on the case page, so each gets its own element ids."""

    def __init__(self, *args: Any, session_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_outcome{session_id}_%s")
        super().__init__(*args, **kwargs)

    # The session's own outcome (held or cancelled), not the case's: "Outcome" alone reads as
    # how the case ended (结案方式).
    status = forms.ChoiceField(
        label=_("Session outcome"),
        help_text=_("Held or cancelled"),
        choices=[
            (SessionStatus.HELD, SessionStatus.HELD.label),
            (SessionStatus.CANCELLED, SessionStatus.CANCELLED.label),
        ],
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
