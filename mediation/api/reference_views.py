"""Read-only reference data an API client needs to fill in ids: bodies, mediators, courts."""

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from courts.models import Court
from mediation.models import MediationBody, Mediator


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


class MediationBodyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MediationBodySerializer
    queryset = MediationBody.objects.order_by("id")
    filterset_fields = ["track", "kind"]


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MediatorSerializer
    filterset_fields = ["body", "active"]

    def get_queryset(self) -> QuerySet[Mediator]:
        return Mediator.objects.select_related("user").order_by("id")


class CourtViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CourtSerializer
    queryset = Court.objects.order_by("id")
    filterset_fields = ["level"]
