"""The form that edits one party of a case: its record's particulars, and before acceptance its
role and whom an agent or guardian acts for. The service (`parties.services.update_case_party`)
decides what may change; its field errors come back next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mediation.cases.models import Dispute
from mediation.kernel.choices import PRINCIPAL_ROLES, State
from mediation.workbench.forms import BLANK, PARTICULAR_FIELDS, PartyForm
from parties.models import CaseParty, PartyKind

PERSON_ONLY = ("sex", "birth_date", "ethnicity")
ORGANIZATION_ONLY = ("organization_type", "legal_representative", "legal_representative_title")


class PartyEditForm(PartyForm):
    """One party of a case, as the registration's row, without its kind."""

    def __init__(self, *args: Any, case_party: CaseParty, dispute: Dispute, **kwargs: Any) -> None:
        party = case_party.party
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(party, name) for name in PARTICULAR_FIELDS},
                "role": case_party.role,
                "represents": case_party.represents_id,
            }
        super().__init__(*args, **kwargs)
        self.case_party = case_party
        del self.fields["kind"]
        # Only what the party's kind has (an organization has no sex, a person no legal
        # representative), as the API's shapes.
        for name in PERSON_ONLY if party.kind == PartyKind.ORGANIZATION else ORGANIZATION_ONLY:
            del self.fields[name]
        self.roles_fixed = dispute.state != State.REGISTERED
        if self.roles_fixed:
            del self.fields["role"]
            del self.fields["represents"]
        else:
            principals = dispute.case_parties.filter(role__in=PRINCIPAL_ROLES).exclude(
                pk=case_party.pk
            )
            self.fields["represents"] = forms.TypedChoiceField(
                label=_("Acts for"),
                choices=BLANK
                + [(cp.pk, f"{cp.get_role_display()}: {cp.party.name}") for cp in principals],
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_("Agents and guardians only."),
            )

    def clean(self) -> dict[str, Any]:
        # The service checks the particulars with the record's kind and what it must keep (a
        # portal account's identity); the registration row's check would not know them.
        return forms.Form.clean(self)

    def changes(self) -> dict[str, Any]:
        """What differs from the record and the case party now: only that is sent, so that an
        untouched field (a portal account's phone) is never "changed" to itself."""
        data = self.cleaned_data
        party = self.case_party.party
        changes: dict[str, Any] = {}
        for name in PARTICULAR_FIELDS:
            if name not in self.fields:
                continue
            value = data.get(name) if name == "birth_date" else (data.get(name) or "")
            if value != getattr(party, name):
                changes[name] = value
        if not self.roles_fixed:
            if data.get("role") != self.case_party.role:
                changes["role"] = data.get("role")
            if data.get("represents") != self.case_party.represents_id:
                changes["represents"] = data.get("represents")
            if "role" in changes or "represents" in changes:
                changes.setdefault("role", self.case_party.role)
                changes.setdefault("represents", data.get("represents"))
        return changes
