"""Query parameters of the API's lists, checked as the schema states them.

django-filter and DRF's ordering are lenient: an empty `?to=`, `?overdue=2` or `?ordering=nonsense`
is ignored, and a well-formed id of nothing (`?body=999`) is a 400. The schema says otherwise (a
date, a boolean, one of the listed orderings, any integer), so the API keeps to it: a value the
schema does not allow is a 400 naming the parameter, and an id of nothing lists nothing.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

_ISO_DATE = "%Y-%m-%d"


class _BooleanField(forms.Field):
    """`true` or `false`, as the schema's booleans are written in a query."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.BooleanFilter):
    field_class = _BooleanField


class DateFilter(django_filters.DateFilter):
    """A date as the schema's `format: date` writes it (YYYY-MM-DD), whatever the language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [_ISO_DATE])
        super().__init__(*args, **kwargs)


class _IdField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        # Digits only: "1.0" or " 1" is not how an integer is written in a query.
        if value not in self.empty_values and not re.fullmatch(r"-?[0-9]+", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object's id: any integer, and one that names nothing lists nothing (not a 400)."""

    field_class = _IdField


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend for the API: a parameter given empty (`?to=`) is refused unless it
    is free text. Pages that share a FilterSet (the court inbox) keep django-filter's leniency:
    their forms send empty fields."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            params = request.query_params
            empty = [
                name
                for name, filter_ in filterset_class.base_filters.items()
                if not isinstance(filter_, django_filters.CharFilter) and "" in params.getlist(name)
            ]
            if empty:
                raise serializers.ValidationError(
                    {name: [_("Give a value, or leave the parameter out.")] for name in empty}
                )
        return kwargs


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, with a term it does not know refused (DRF drops it silently) and the
    allowed terms listed in the schema."""

    def _terms(self, view: Any) -> list[str]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [term for field in fields for term in (field, f"-{field}")]

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        values = request.query_params.getlist(self.ordering_param)
        if not values:
            return self.get_default_ordering(view)
        allowed = self._terms(view)
        terms = [term.strip() for value in values for term in value.split(",")]
        unknown = [term for term in terms if term not in allowed]
        if unknown:
            raise serializers.ValidationError(
                {
                    self.ordering_param: [
                        _("Order by one or more of: %(allowed)s.") % {"allowed": ", ".join(allowed)}
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Fields to order by, comma-separated; `-` before one reverses it.",
                "style": "form",
                "explode": False,
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "enum": self._terms(view)},
                },
            }
        ]
