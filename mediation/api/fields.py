"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@functools.cache
def _labels(model: type[models.Model], field: str) -> dict[Any, Any]:
    return dict(model._meta.get_field(field).flatchoices)


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The label of a choice field, in the active language, as `get_<field>_display()` gives it.

    Looked up here rather than by that method, which hashes every choice's lazy label (one
    translation lookup each) on every call, and rather than as a `source`, for which DRF inspects
    the method's signature on every row: together half of a list page's time (issue #6).
    """

    def __init__(self, field: str, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self.choice_field = field

    def to_representation(self, instance: Any) -> str | None:
        value = getattr(instance, self.choice_field)
        label = _labels(type(instance), self.choice_field).get(value, value)
        return None if label is None else str(label)
