"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils import translation
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
    the method's signature on every row: together half of a list page's time (issue #6).
    """

    def __init__(self, field: str, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self.choice_field = field

    def to_representation(self, instance: Any) -> str | None:
        return label_of(instance, self.choice_field)
