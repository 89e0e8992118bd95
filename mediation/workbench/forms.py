"""Forms of the mediator workbench: the queue's filters, the transitions' forms (built from the
table of transitions), registration.

They check only what the page sends (known choices, numbers, dates, a party's particulars as the
model checks them); what a step means — a reason is required, the mediator belongs to the body,
the court is the delegating one, an agent acts for an earlier party — stays in
`mediation.cases.services`, whose field errors are put back on these forms next to the field.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, F, OrderBy, Q, QuerySet, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courts.models import Court
from mediation.cases.deadlines import due_soon_q, overdue_q
from mediation.cases.models import Dispute, MediationBody, Mediator
from mediation.cases.workflow import STEPS, Input, Step
from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    OPEN_STATES,
    Category,
    Channel,
    CloseOutcome,
    DeclineGround,
    State,
    Track,
)
from parties.models import (
    ETHNICITY_CHOICES,
    CaseParty,
    IdType,
    OrganizationType,
    PartyKind,
    PartyRole,
    Sex,
)
from parties.services import PartyInput, build_party

BLANK = [("", "---------")]


def _any(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ErrorMappingMixin:
    """Put a service's ValidationError next to the fields it names, the rest above the form."""

    def add_service_errors(self, exc: ValidationError) -> None:
        form: Any = self
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)


class MediatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Mediator) -> str:
        return obj.display_name


# --- queue ---------------------------------------------------------------------------------------

QUEUE_TABS: dict[str, Any] = {
    "mine": _("My open cases"),
    "unassigned": _("Unassigned"),
    "open": _("All open"),
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "agreed": _("Awaiting signatures"),
    "all": _("All cases"),
}
UNASSIGNED_STATES = (State.REGISTERED, State.ACCEPTED)


def tab_q(tab: str, *, mediator_id: int | None, today: datetime.date) -> Q | None:
    """The cases a queue tab lists (None: every case)."""
    if tab == "mine":
        return Q(mediator_id=mediator_id, state__in=OPEN_STATES)
    if tab == "unassigned":
        return Q(mediator__isnull=True, state__in=UNASSIGNED_STATES)
    if tab == "open":
        return Q(state__in=OPEN_STATES)
    if tab == "due_soon":
        return due_soon_q(today)
    if tab == "overdue":
        return overdue_q(today)
    if tab == "agreed":
        return Q(state=State.AGREED)
    return None


SORT_KEYS: dict[str, Any] = {
    "received": _("Received"),
    "deadline": _("Deadline"),
    "reference": _("Reference"),
    "state": _("State"),
}
SORT_CHOICES = [(key, key) for key in SORT_KEYS] + [(f"-{key}", f"-{key}") for key in SORT_KEYS]
# The order of SPEC §3's table: sorting by state follows a case's way through the centre.
STATE_RANK = Case(
    *[When(state=value, then=Value(rank)) for rank, value in enumerate(State.values)],
    default=Value(len(State.values)),
)


def sort_order(sort: str) -> list[OrderBy | F | str]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    expression = {
        "received": F("received_at"),
        "deadline": F("deadline"),
        "reference": F("reference"),
        "state": STATE_RANK,
    }[key]
    primary = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    tie = F("id").desc() if descending else F("id").asc()
    return [primary, tie]


class QueueFilterForm(forms.Form):
    """The queue's GET parameters: tab, sort, and the filters of SPEC §7's list."""

    tab = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference, title or a party's name"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=_any(Category.choices), required=False
    )
    track = forms.ChoiceField(label=_("Track"), choices=_any(Track.choices), required=False)
    state = forms.ChoiceField(label=_("State"), choices=_any(State.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_any(Channel.choices), required=False)
    mediator = MediatorChoiceField(
        label=_("Mediator"), queryset=Mediator.objects.none(), required=False, empty_label=_("Any")
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=_date_widget())
    received_to = forms.DateField(label=_("Received to"), required=False, widget=_date_widget())

    def __init__(
        self, *args: Any, tabs: Sequence[str], mediators: QuerySet[Mediator], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tab"].choices = [(tab, tab) for tab in tabs]
        self.fields["mediator"].queryset = mediators

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the range is before its start."))
        return cleaned

    # Filters that are dimensions of the kept figures' slices (`mediation.figures.kept`).
    SLICE_FILTERS = frozenset({"category", "track", "channel", "mediator"})

    def slice_filters(self) -> dict[str, Any] | None:
        """The valid filters in use, when every one is a slice dimension, so the kept figures
        can count what they select; None when another filter (state, dates, text…) is in use.
        Any filter field added later counts as another."""
        data = getattr(self, "cleaned_data", {})
        used = {name: data[name] for name in set(self.fields) - {"tab", "sort"} if data.get(name)}
        return used if used.keys() <= self.SLICE_FILTERS else None

    def filter(self, disputes: QuerySet[Dispute]) -> QuerySet[Dispute]:
        """Apply the valid filters (an invalid one is shown with its error and ignored)."""
        data = getattr(self, "cleaned_data", {})
        for name in ("category", "track", "state", "channel"):
            if data.get(name):
                disputes = disputes.filter(**{name: data[name]})
        if data.get("mediator"):
            disputes = disputes.filter(mediator=data["mediator"])
        if data.get("received_from"):
            disputes = disputes.filter(received_at__gte=data["received_from"])
        if data.get("received_to"):
            disputes = disputes.filter(received_at__lte=data["received_to"])
        text = (data.get("q") or "").strip()
        if text:
            by_party = CaseParty.objects.filter(party__name__icontains=text).values("dispute_id")
            disputes = disputes.filter(
                Q(reference__icontains=text)
                | Q(case_number__icontains=text)
                | Q(title__icontains=text)
                | Q(pk__in=by_party)
            )
        return disputes


# --- transitions ---------------------------------------------------------------------------------


def _reason_field(label: Any, *, required_in_page: bool = False) -> forms.CharField:
    # Whether a reason is required is the service's rule; the HTML attribute spares a round trip.
    attrs: dict[str, Any] = {"rows": 2, "maxlength": 2000}
    if required_in_page:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.Textarea(attrs=attrs)
    )


class CourtChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Court) -> str:
        return obj.name


def _mediator_field(spec: Input, dispute: Dispute) -> forms.Field:
    return MediatorChoiceField(label=spec.page_label, queryset=active_mediators(dispute.body))


def _track_field(spec: Input, dispute: Dispute) -> forms.Field:
    return forms.ChoiceField(
        label=spec.page_label, choices=Track.choices, initial=dispute.track or dispute.body.track
    )


def _terms_field(spec: Input, dispute: Dispute) -> forms.Field:
    return forms.CharField(
        label=spec.page_label,
        required=False,
        help_text=_(
            "Optional when the agreement already has clauses; terms typed here are added to it "
            "as a clause."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _court_field(spec: Input, dispute: Dispute) -> forms.Field:
    return CourtChoiceField(
        label=spec.page_label, queryset=Court.objects.all(), initial=dispute.court_id or None
    )


def _case_number_field(spec: Input, dispute: Dispute) -> forms.Field:
    # Whether the number is required is the service's rule, said next to the field.
    return forms.CharField(label=spec.page_label, max_length=60, required=False)


def _outcome_field(spec: Input, dispute: Dispute) -> forms.Field:
    allowed = CLOSE_OUTCOMES_BY_STATE.get(dispute.state, ())
    return forms.ChoiceField(
        label=spec.page_label,
        choices=BLANK + [(value, CloseOutcome(value).label) for value in allowed],
    )


def _ground_field(spec: Input, dispute: Dispute) -> forms.Field:
    return forms.ChoiceField(label=spec.page_label, choices=BLANK + list(DeclineGround.choices))


def _advice_field(spec: Input, dispute: Dispute) -> forms.Field:
    # Required by the service, which says so next to the field; the attribute spares a round trip.
    return forms.CharField(
        label=spec.page_label,
        required=False,
        max_length=500,
        help_text=_("E.g. the people's court, the competent authority, another committee."),
        widget=forms.TextInput(attrs={"required": True, "maxlength": 500}),
    )


def _content_field(spec: Input, dispute: Dispute) -> forms.Field:
    return forms.CharField(
        label=spec.page_label,
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True, "maxlength": 4000}),
    )


def _assent_field(spec: Input, dispute: Dispute) -> forms.Field:
    return forms.BooleanField(label=spec.page_label, required=False)


def _reason_input(spec: Input, dispute: Dispute) -> forms.Field:
    return _reason_field(spec.page_label, required_in_page=spec.required)


# The page's field for each input a transition can take (`mediation.cases.workflow.Input`).
PAGE_FIELDS: dict[str, Callable[[Input, Dispute], forms.Field]] = {
    "reason": _reason_input,
    "ground": _ground_field,
    "content": _content_field,
    "performance": _content_field,
    "assent": _assent_field,
    "advice": _advice_field,
    "mediator": _mediator_field,
    "track": _track_field,
    "terms": _terms_field,
    "court": _court_field,
    "case_number": _case_number_field,
    "outcome": _outcome_field,
}


class TransitionForm(ErrorMappingMixin, forms.Form):
    """The form of one transition, its fields those its step asks of the page."""

    # The state shown on the page; another state now answers 409 (a stale page, a double click).
    expected_state = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, step: Step, dispute: Dispute, **kwargs: Any) -> None:
        # Several transition forms share one page: give each its own element ids.
        kwargs.setdefault("auto_id", f"id_{step.name}_%s")
        kwargs.setdefault("initial", {"expected_state": dispute.state})
        super().__init__(*args, **kwargs)
        self.step = step
        self.transition = step.name
        self.dispute = dispute
        for name, spec in step.page_inputs.items():
            self.fields[name] = PAGE_FIELDS[name](spec, dispute)

    def service_data(self) -> dict[str, Any]:
        """What `take_transition` gets as `data`: everything given but expected_state."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "expected_state" and value not in (None, "")
        }


def page_step(name: str) -> Step | None:
    """The step of a transition offered on the page; None for those another service takes (the
    mediator's signature takes `sign`) and for unknown names."""
    found = STEPS.get(name)
    return found if found is not None and not found.system else None


def active_mediators(body: MediationBody) -> QuerySet[Mediator]:
    return Mediator.objects.filter(body=body, active=True).select_related("user")


# --- registration --------------------------------------------------------------------------------

MAX_PARTIES = 50


class DisputeRegistrationForm(ErrorMappingMixin, forms.Form):
    """The dispute's own fields of a registration (SPEC §7.1); the body is the user's."""

    category = forms.ChoiceField(label=_("Category"))
    channel = forms.ChoiceField(label=_("Intake channel"), choices=BLANK + Channel.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    facts = forms.CharField(
        label=_("Facts"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    claimed_amount = forms.DecimalField(
        label=_("Claimed amount (CNY)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    received_at = forms.DateField(label=_("Received on"), widget=_date_widget())
    court = CourtChoiceField(
        label=_("Delegating court"), queryset=Court.objects.all(), required=False
    )
    court_case_number = forms.CharField(
        label=_("Court case number"),
        max_length=60,
        required=False,
        help_text=_("民诉前调 for a delegation; the pending suit's number for an entrustment."),
    )

    def __init__(self, *args: Any, body: MediationBody, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = [(v, label) for v, label in Category.choices if v in body.categories]
        self.fields["category"].choices = BLANK + (categories or list(Category.choices))

    @property
    def shows_court_fields(self) -> bool:
        """Court fields are for court channels; shown anyway when they hold a value or error."""
        value = self["channel"].value()
        if value in (Channel.COURT_DELEGATED, Channel.COURT_ENTRUSTED):
            return True
        return any(
            self[name].value() or self[name].errors for name in ("court", "court_case_number")
        )


# What a page may write on a party's record; `kind` is chosen once, at registration.
PARTICULAR_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "organization_type",
    "sex",
    "birth_date",
    "ethnicity",
    "occupation",
    "address",
    "legal_representative",
    "legal_representative_title",
)


class PartyForm(ErrorMappingMixin, forms.Form):
    """One party of a registration, checked by the model as the API checks it."""

    role = forms.ChoiceField(label=_("Role"), choices=BLANK + PartyRole.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + PartyKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    id_type = forms.ChoiceField(label=_("ID type"), choices=BLANK + IdType.choices, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    organization_type = forms.ChoiceField(
        label=_("Organization type"), choices=BLANK + OrganizationType.choices, required=False
    )
    represents = forms.IntegerField(
        label=_("Acts for party no."),
        min_value=1,
        required=False,
        help_text=_("Agents and guardians only: the number of a party listed above."),
    )
    # The particulars of People's Mediation Law art. 29 (parties.models.Party).
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=BLANK + Sex.choices,
        required=False,
        help_text=_("Read from a resident ID number; confirm it with the party."),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=_date_widget(),
        help_text=_("Read from a resident ID number; confirm it with the party."),
    )
    ethnicity = forms.ChoiceField(
        label=_("Ethnicity"), choices=BLANK + ETHNICITY_CHOICES, required=False
    )
    occupation = forms.CharField(label=_("Occupation or employer"), max_length=100, required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("A person's domicile or residence; an organization's registered address."),
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=100, required=False
    )
    legal_representative_title = forms.CharField(
        label=_("Their title"), max_length=50, required=False
    )

    def particulars(self) -> dict[str, Any]:
        """The record's particulars as typed (blank where left blank)."""
        data = self.cleaned_data
        values: dict[str, Any] = {name: data.get(name) or "" for name in PARTICULAR_FIELDS}
        values["birth_date"] = data.get("birth_date")
        return values

    def party_input(self, represents: int | None = None) -> PartyInput:
        data = self.cleaned_data
        return PartyInput(
            role=data["role"],
            kind=data["kind"],
            represents=represents,
            **self.particulars(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if all(name in cleaned for name in ("role", "kind", "name")):
            # The model's own checks (GB 11643 / GB 32100 / phone), as the API's serializer does.
            try:
                build_party(self.party_input())
            except ValidationError as exc:
                self.add_service_errors(exc)
        return cleaned


class BasePartyFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this party")

    def kept(self) -> list[int]:
        """Indexes of the forms that are registered: filled in and not removed."""
        return [
            index
            for index, form in enumerate(self.forms)
            if not self._should_delete_form(form) and form.cleaned_data
        ]

    def party_inputs(self) -> list[PartyInput] | None:
        """The parties for the service, `represents` turned from the row number shown into the
        position among the parties registered; None (with errors on the rows) if a row number
        names a row that is not registered."""
        kept = self.kept()
        position_of = {index: position for position, index in enumerate(kept)}
        inputs: list[PartyInput] = []
        ok = True
        for index in kept:
            form = self.forms[index]
            number = form.cleaned_data.get("represents")
            represents = None
            if number is not None:
                row = number - 1
                if row < len(self.forms) and row not in position_of:
                    form.add_error(
                        "represents",
                        gettext("Party %(number)d is not being registered.") % {"number": number},
                    )
                    ok = False
                    continue
                # A row further down (or beyond the last) maps past the current party, which the
                # service refuses with its own message.
                represents = position_of.get(row, len(kept) + row)
            inputs.append(form.party_input(represents))
        return inputs if ok else None


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_PARTIES,
    absolute_max=MAX_PARTIES,
    validate_max=True,
)
PARTY_PREFIX = "parties"
INITIAL_PARTIES = [
    {"role": PartyRole.APPLICANT, "kind": PartyKind.PERSON},
    {"role": PartyRole.RESPONDENT, "kind": PartyKind.PERSON},
]
