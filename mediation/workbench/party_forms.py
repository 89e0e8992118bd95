"""The forms of one party of a case: its record's particulars, and before acceptance its role and
whom an agent or guardian acts for; an agent's special power of attorney, on the case page. The
services (`parties.services.update_case_party`, `parties.authority.record_power_of_attorney`)
decide what may change; their field errors come back next to the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mediation.cases.models import Dispute
from mediation.kernel.choices import PRINCIPAL_ROLES, PartyRole, State
from mediation.workbench.forms import (
    BLANK,
    PARTICULAR_FIELDS,
    ErrorMappingMixin,
    PartyForm,
)
from parties import selectors as party_selectors
from parties.authority import may_record_authority
from parties.models import AuthorityScope, CaseParty, PartyKind

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


class PowerOfAttorneyForm(ErrorMappingMixin, forms.Form):
    """An agent's special power of attorney (特别授权): what it covers, its date, its paper. No
    scope ticked withdraws it; the service says what else it needs."""

    scope = forms.MultipleChoiceField(
        label=_("Special authority"),
        choices=AuthorityScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    dated = forms.DateField(
        label=_("Power of attorney dated"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document = forms.CharField(
        label=_("Power of attorney (document reference)"),
        max_length=200,
        required=False,
        help_text=_("e.g. 授权委托书 of 2026-11-01, kept in the case file"),
    )

    def __init__(self, *args: Any, agent: CaseParty, **kwargs: Any) -> None:
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "scope": list(agent.authority_scope or []),
                "dated": agent.authority_date,
                "document": agent.authority_document,
            }
        # Ids of its own: the case page shows one form per agent.
        kwargs.setdefault("auto_id", f"id_poa_{agent.pk}_%s")
        super().__init__(*args, **kwargs)
        self.agent = agent


@dataclass
class AgentRow:
    agent: CaseParty
    principal: CaseParty | None
    scope_labels: list[str]
    form: PowerOfAttorneyForm | None
    is_open: bool


def powers_of_attorney_context(
    user: Any, dispute: Dispute, failed: PowerOfAttorneyForm | None = None
) -> dict[str, Any] | None:
    """The case's agents and the special authority recorded for each, with a form for those who
    may record it (the body's clerks and directors, the case's mediator); `failed` is the form
    refused, shown again with what was typed. None for a case without agents."""
    agents = [
        cp
        for cp in party_selectors.case_parties(dispute.pk, roles=[PartyRole.AGENT]).select_related(
            "represents__party"
        )
        if cp.represents_id is not None
    ]
    if not agents:
        return None
    may_record = may_record_authority(user, dispute)
    labels = dict(AuthorityScope.choices)
    rows = []
    for agent in agents:
        is_failed = failed is not None and failed.agent.pk == agent.pk
        form = None
        if may_record:
            form = failed if is_failed else PowerOfAttorneyForm(agent=agent)
        rows.append(
            AgentRow(
                agent=agent,
                principal=agent.represents,
                scope_labels=[str(labels[s]) for s in agent.authority_scope or [] if s in labels],
                form=form,
                is_open=is_failed,
            )
        )
    return {"rows": rows, "may_record": may_record}
