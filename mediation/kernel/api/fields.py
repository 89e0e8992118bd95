"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@functools.cache
def _labels(model: type[models.Model], field: str, language: str | None) -> dict[Any, str]:
    with translation.override(language):
        return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def choice_labels(model: type[models.Model], field: str) -> dict[Any, str]:
    """Value → label of a choice field, in the active language, as `get_<field>_display()` gives
    them. Kept per language: translating a lazy label is a catalogue lookup behind a
    context-local read, and a list page shows some two hundred labels."""
    return _labels(model, field, translation.get_language())


def label_of(instance: models.Model, field: str) -> str | None:
    """The label of `instance`'s choice `field` in the active language (None for None)."""
    value = getattr(instance, field)
    return None if value is None else choice_labels(type(instance), field).get(value, value)


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The label of a choice field, in the active language, as `get_<field>_display()` gives it.

    Looked up here rather than by that method, which hashes every choice's lazy label (one
    translation lookup each) on every call, and rather than as a `source`, for which DRF inspects
    the method's signature on every row: together half of a list page's time.
    """

    def __init__(self, field: str, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self.choice_field = field

    def to_representation(self, instance: Any) -> str | None:
        return label_of(instance, self.choice_field)


# Amounts in CNY as the schema writes them: up to 12 whole digits (no leading zeros) and up to
# two decimals, 14 digits in all (the models' DecimalField(14, 2)).
_AMOUNT = r"^(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?$"
_POSITIVE_AMOUNT = r"^(?:[1-9][0-9]{0,11}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"


class AmountField(serializers.DecimalField):
    """An amount in CNY, given as a JSON string such as "86000.00" (SPEC §7.1: amounts are
    decimal strings), at least 0 or, with `positive`, at least 0.01.

    Only what the schema's pattern allows is read: DRF's DecimalField would also take a JSON
    number (where a float is already rounded), "1e3", "+5" or " 5 ", which the schema refuses."""

    default_error_messages = {
        "format": _('Write the amount as a string of digits with at most two decimals: "86000.00".')
    }

    def __init__(self, *, positive: bool = False, **kwargs: Any) -> None:
        self.pattern = _POSITIVE_AMOUNT if positive else _AMOUNT
        kwargs.update(
            max_digits=14,
            decimal_places=2,
            min_value=Decimal("0.01") if positive else Decimal("0"),
            coerce_to_string=True,
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("format")
        return super().to_internal_value(data)


class AmountFieldExtension(OpenApiSerializerFieldExtension):
    target_class = AmountField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "decimal", "pattern": self.target.pattern}


# RFC 3339, as the schema's `format: date-time` means it; from 1902, since before then the time
# zone database gives China its local mean time (+08:05:43), an offset RFC 3339 cannot write.
_MOMENT_YEAR = r"^(?:190[2-9]|19[1-9][0-9]|[2-9][0-9]{3})-"
_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


class MomentField(serializers.DateTimeField):
    """A moment written as RFC 3339 (`2026-03-02T09:30:00+08:00`), from 1902 on. DRF's own
    field also reads `2026-03-02 09:30` and times without an offset, which the schema refuses."""

    default_error_messages = {
        "moment": _("Write the time as 2026-03-02T09:30:00+08:00 (from 1902 on)."),
    }

    def to_internal_value(self, value: Any) -> Any:
        if not (
            isinstance(value, str)
            and re.match(_MOMENT_YEAR, value)
            and re.fullmatch(_RFC3339, value)
        ):
            self.fail("moment")
        return super().to_internal_value(value)


class MomentFieldExtension(OpenApiSerializerFieldExtension):
    target_class = MomentField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "pattern": _MOMENT_YEAR}
