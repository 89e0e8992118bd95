from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from mediation.cases.deadlines import due_soon_q, overdue_q
from mediation.cases.models import Dispute
from mediation.kernel.api.filtering import BooleanFilter, DateFilter, IdFilter
from mediation.kernel.choices import Category, Channel, State, Track
from parties.selectors import dispute_ids_with_party_named


class DisputeFilter(django_filters.FilterSet):
    # Columns of the dispute itself, so no row can come twice: no DISTINCT (django-filter's
    # default for multiple choices), which on a large table sorts every matching row by every
    # column, for the page and again for its count.
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    track = django_filters.ChoiceFilter(choices=Track.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    body = IdFilter(field_name="body_id")
    mediator = IdFilter(field_name="mediator_id")
    overdue = BooleanFilter(method="filter_overdue")
    due_soon = BooleanFilter(method="filter_due_soon")
    received_from = DateFilter(field_name="received_at", lookup_expr="gte")
    received_to = DateFilter(field_name="received_at", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_text", max_length=100)

    class Meta:
        model = Dispute
        fields = ["state", "category", "track", "channel", "body", "mediator"]

    def filter_overdue(self, queryset: QuerySet[Dispute], name: str, value: Any) -> QuerySet:
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_due_soon(self, queryset: QuerySet[Dispute], name: str, value: Any) -> QuerySet:
        return queryset.filter(due_soon_q()) if value else queryset.exclude(due_soon_q())

    def filter_text(self, queryset: QuerySet[Dispute], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(pk__in=dispute_ids_with_party_named(value))
        )
