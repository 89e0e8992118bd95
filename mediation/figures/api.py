"""`GET /api/v1/stats/rates/`: figures per slice (SPEC §6, §7.1). Thin: parse, select, serialize."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.db_routers import reading_from_replica
from config.schema import FORBIDDEN
from mediation.figures import stats

# A date (YYYY-MM-DD), or empty for no limit.
DATE_OR_EMPTY = {
    "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]
}


class RatesQuerySerializer(serializers.Serializer):
    # As the schema states it: names from GROUP_FIELDS joined by commas, nothing around them.
    group_by = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    # Empty means no limit: SPEC §7 writes the URL `?group_by=category,track&from=&to=`.
    to = serializers.DateField(required=False, allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields["from"] = serializers.DateField(required=False, allow_null=True)
        return fields

    def validate_group_by(self, value: str) -> str:
        unknown = (
            [name for name in value.split(",") if name not in stats.GROUP_FIELDS] if value else []
        )
        if unknown:
            raise serializers.ValidationError(
                _("Unknown field(s): %(unknown)s. Allowed: %(allowed)s.")
                % {
                    "unknown": ", ".join(map(repr, unknown)),
                    "allowed": ", ".join(stats.GROUP_FIELDS),
                }
            )
        return value


def _amount() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)


class RateFiguresSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    mediated = serializers.IntegerField(help_text="success + failure")
    success = serializers.IntegerField(help_text="Reached signed (also confirmed, closed).")
    failure = serializers.IntegerField(help_text="Reached failed (also referred, closed).")
    withdrawn = serializers.IntegerField()
    declined = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open and past the deadline.")
    success_rate = serializers.FloatField(
        allow_null=True, help_text="success / mediated; null when nothing was mediated."
    )
    completion_rate = serializers.FloatField(
        allow_null=True, help_text="(success + failure + withdrawn) / accepted."
    )
    confirmed = serializers.IntegerField(help_text="Successes judicially confirmed.")
    confirmation_rate = serializers.FloatField(allow_null=True, help_text="confirmed / success.")
    repudiated = serializers.IntegerField(
        help_text="Successes closed as not performed or filed in court."
    )
    zero_compensation = serializers.IntegerField(help_text="Successes with agreed amount 0.")
    claimed_total = _amount()
    agreed_total = _amount()
    agreed_max = _amount()
    agreed_min = _amount()
    median_days = serializers.FloatField(
        allow_null=True, help_text="Days from acceptance to conclusion."
    )
    p90_days = serializers.FloatField(allow_null=True)


class RateRowSerializer(RateFiguresSerializer):
    """One slice: its group fields (only those asked for), then the figures."""

    category = serializers.CharField(required=False)
    track = serializers.CharField(required=False)
    body = serializers.IntegerField(required=False)
    body_name = serializers.CharField(required=False)
    mediator = serializers.IntegerField(required=False, allow_null=True)
    mediator_name = serializers.CharField(required=False, allow_null=True)
    court = serializers.IntegerField(required=False, allow_null=True)
    court_name = serializers.CharField(required=False, allow_null=True)
    channel = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    month = serializers.CharField(required=False, help_text="YYYY-MM of received_at.")

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        # Group fields appear only when grouped by; a slice's value may be null (no mediator).
        return {
            field.field_name: None
            if instance[field.field_name] is None
            else field.to_representation(instance[field.field_name])
            for field in self._readable_fields
            if field.field_name in instance
        }


class RatesSerializer(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.CharField())
    to = serializers.DateField(allow_null=True)
    rows = RateRowSerializer(many=True)
    total = RateFiguresSerializer()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(allow_null=True)
        return {name: fields[name] for name in ("group_by", "from", "to", "rows", "total")}


class RatesView(APIView):
    """Rates per slice: analysts see every body, a body's staff their body (SPEC §6)."""

    @extend_schema(
        operation_id="stats_rates",
        parameters=[
            OpenApiParameter(
                "group_by",
                {"type": "array", "items": {"type": "string", "enum": list(stats.GROUP_FIELDS)}},
                style="form",
                explode=False,
                description="Fields to group by, comma-separated; none: the totals only.",
            ),
            OpenApiParameter(
                "from", DATE_OR_EMPTY, description="Received on or after; empty: no limit."
            ),
            OpenApiParameter(
                "to", DATE_OR_EMPTY, description="Received on or before; empty: no limit."
            ),
        ],
        responses={200: RatesSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        params = RatesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = stats.RatesQuery(
            group_by=stats.parse_group_by(params.validated_data.get("group_by")),
            date_from=params.validated_data.get("from"),
            date_to=params.validated_data.get("to"),
        )
        with reading_from_replica():
            figures = stats.rates(request.user, query)
        return Response(RatesSerializer(figures).data)
