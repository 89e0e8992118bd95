"""Read-only reference data an API client needs to fill in ids: bodies, mediators, courts."""

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from courts import selectors as court_selectors
from courts.models import Court, CourtLevel
from mediation.cases import selectors
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
    filterset_class = MediationBodyFilter

    def get_queryset(self) -> QuerySet[MediationBody]:
        return selectors.body_list()


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MediatorSerializer
    filterset_class = MediatorFilter

    def get_queryset(self) -> QuerySet[Mediator]:
        return selectors.mediator_list()


class CourtViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CourtSerializer
    filterset_class = CourtFilter

    def get_queryset(self) -> QuerySet[Court]:
        return court_selectors.court_list()
