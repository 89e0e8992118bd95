"""A slice of the figures as the dashboard and its exports name it: the groups (category,
track, body, mediator, court, channel, region, month) and their values, parsed from a request
and described in words."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courts.models import Court
from mediation.cases.models import MediationBody, Mediator
from mediation.figures import stats
from mediation.kernel.choices import Category, Channel, Track
from mediation.kernel.roles import Role, scope_of

NONE = "none"  # the token of a blank group value: no mediator, no court, no track, no region
OVERDUE_SHOWN = 20  # overdue cases listed on the dashboard itself; the rest in the drill-down


@dataclass(frozen=True)
class SliceField:
    label: Promise
    lookup: str
    blank: Any  # what `none` stands for: "" for text, None for a foreign key
    choices: type[models.TextChoices] | None = None


SLICE_FIELDS: dict[str, SliceField] = {
    "category": SliceField(_("Category"), "category", "", Category),
    "track": SliceField(_("Track"), "track", "", Track),
    "body": SliceField(_("Mediation body"), "body_id", None),
    "mediator": SliceField(_("Mediator"), "mediator_id", None),
    "court": SliceField(_("Court"), "court_id", None),
    "channel": SliceField(_("Intake channel"), "channel", "", Channel),
    "region": SliceField(_("Region"), "body__region", ""),
    "month": SliceField(_("Month received"), "received_at", None),
}
assert tuple(SLICE_FIELDS) == tuple(stats.GROUP_FIELDS), "one slice filter per group field"

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_range(token: str) -> tuple[datetime.date, datetime.date] | None:
    """`2026-03` → (2026-03-01, 2026-03-31); None for anything else."""
    match = _MONTH.fullmatch(token)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and year >= 1):
        return None
    return datetime.date(year, month, 1), datetime.date(
        year, month, calendar.monthrange(year, month)[1]
    )


def token(value: Any) -> str:
    """How a row's group value is written in a drill-down link."""
    if value is None or value == "":
        return NONE
    return str(value)


@dataclass(frozen=True)
class Slice:
    """Which cases: group values (as tokens, in `SLICE_FIELDS` order) and the received range."""

    values: tuple[tuple[str, str], ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    # What the heading of a drill-down shows for each value: (field label, value label).
    described: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def range(self) -> stats.RatesQuery:
        return stats.RatesQuery(date_from=self.date_from, date_to=self.date_to)

    def q(self) -> Q:
        q = Q()
        for name, value in self.values:
            spec = SLICE_FIELDS[name]
            if name == "month":
                bounds = month_range(value)
                if bounds is None:
                    raise ValueError(f"not a month: {value!r}")
                q &= Q(received_at__gte=bounds[0], received_at__lte=bounds[1])
            elif value == NONE:
                blank = (
                    {f"{spec.lookup}__isnull": True} if spec.blank is None else {spec.lookup: ""}
                )
                q &= Q(**blank)
            else:
                q &= Q(**{spec.lookup: int(value) if spec.lookup.endswith("_id") else value})
        return q

    def params(self) -> dict[str, str]:
        """The slice as query parameters, for links."""
        params = dict(self.values)
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        return params

    def narrowed(self, **tokens: str) -> Slice:
        values = dict(self.values) | tokens
        ordered = tuple((name, values[name]) for name in SLICE_FIELDS if name in values)
        return Slice(ordered, self.date_from, self.date_to)


def parse_slice(
    user: Any,
    params: Mapping[str, str],
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Slice:
    """The slice a drill-down link names; an unknown value is a ValidationError naming it.

    An empty parameter means no filter; `none` means a blank value. Ids must name a body the user
    may read figures of, a mediator holding or having held such cases, or a court.
    """
    scope = scope_of(user)
    own_body = None if scope.is_superuser or scope.has(Role.ANALYST) else scope.body_id
    values: list[tuple[str, str]] = []
    described: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for name, spec in SLICE_FIELDS.items():
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        shown = _describe(name, raw, spec, own_body)
        if shown is None:
            errors[name] = gettext("Unknown %(field)s: “%(value)s”.") % {
                "field": spec.label,
                "value": raw[:60],
            }
            continue
        values.append((name, raw))
        described.append((str(spec.label), shown))
    if errors:
        raise ValidationError(errors)
    return Slice(tuple(values), date_from, date_to, tuple(described))


def _describe(name: str, raw: str, spec: SliceField, own_body: int | None) -> str | None:
    """The value's label, or None if it is not a value of the field (one query for an id)."""
    if name == "month":
        return raw if month_range(raw) else None
    if raw == NONE:
        return str(blank_label(name))
    if spec.choices is not None:
        return str(spec.choices(raw).label) if raw in spec.choices.values else None
    if name == "region":
        return raw if len(raw) <= 100 else None
    if not raw.isdigit() or len(raw) > 18:
        return None
    pk = int(raw)
    if name == "body":
        bodies = MediationBody.objects.filter(pk=pk)
        if own_body is not None:
            bodies = bodies.filter(pk=own_body)
        return bodies.values_list("name", flat=True).first()
    if name == "mediator":
        mediators = Mediator.objects.filter(pk=pk)
        if own_body is not None:
            mediators = mediators.filter(Q(body_id=own_body) | Q(disputes__body_id=own_body))
        mediator = mediators.select_related("user").first()
        return mediator.display_name if mediator else None
    return Court.objects.filter(pk=pk).values_list("name", flat=True).first()


def blank_label(name: str) -> Promise:
    return {
        "mediator": _("Not assigned"),
        "court": _("No court"),
        "body": _("No body"),
    }.get(name, _("Not set"))


def value_label(name: str, row: Mapping[str, Any]) -> str:
    """How a rates row's group value is shown: a code's label, a name, a month."""
    named = name in ("body", "mediator", "court")
    value = row.get(f"{name}_name" if named else name)
    if value is None or value == "":
        return str(blank_label(name))
    choices = SLICE_FIELDS[name].choices
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)
