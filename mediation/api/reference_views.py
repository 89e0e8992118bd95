"""Read-only reference data an API client needs to fill in ids: bodies, mediators, courts."""

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from courts.models import Court, CourtLevel
from mediation.cases.models import MediationBody, Mediator
from mediation.kernel.api.filtering import BooleanFilter, IdFilter
from mediation.kernel.choices import BodyKind, Track


class MediationBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationBody
        fields = ["id", "name", "kind", "track", "region", "categories", "default_deadline_days"]


class MediatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Mediator
        fields = ["id", "name", "body", "categories", "active"]


class CourtSerializer(serializers.ModelSerializer):
    class Meta:
        model = Court
        fields = ["id", "name", "code", "level", "region"]


class MediationBodyFilter(django_filters.FilterSet):
    track = django_filters.ChoiceFilter(choices=Track.choices)
    kind = django_filters.ChoiceFilter(choices=BodyKind.choices)

    class Meta:
        model = MediationBody
        fields = ["track", "kind"]


class CourtFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=CourtLevel.choices)

    class Meta:
        model = Court
        fields = ["level"]


class MediatorFilter(django_filters.FilterSet):
    body = IdFilter(field_name="body_id")
    active = BooleanFilter()

    class Meta:
        model = Mediator
        fields = ["body", "active"]


class MediationBodyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MediationBodySerializer
    queryset = MediationBody.objects.order_by("id")
    filterset_class = MediationBodyFilter


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MediatorSerializer
    filterset_class = MediatorFilter

    def get_queryset(self) -> QuerySet[Mediator]:
        return Mediator.objects.select_related("user").order_by("id")


class CourtViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CourtSerializer
    queryset = Court.objects.order_by("id")
    filterset_class = CourtFilter
