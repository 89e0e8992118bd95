from typing import Any

import django_filters
from django.db.models import QuerySet

from courts.models import OPEN_REFERRAL_STATES, Referral, ReferralKind, ReferralState
from courts.selectors import overdue_referral_q
from mediation.kernel.api.filtering import BooleanFilter, IdFilter


class ReferralFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ReferralKind.choices)
    state = django_filters.MultipleChoiceFilter(choices=ReferralState.choices)
    court = IdFilter(field_name="court_id")
    body = IdFilter(field_name="dispute__body_id")
    dispute = IdFilter(field_name="dispute_id")
    open = BooleanFilter(method="filter_open")
    overdue = BooleanFilter(method="filter_overdue")

    class Meta:
        model = Referral
        fields = ["kind", "state", "court", "body", "dispute"]

    def filter_open(self, queryset: QuerySet[Referral], name: str, value: Any) -> QuerySet:
        open_q = {"state__in": OPEN_REFERRAL_STATES}
        return queryset.filter(**open_q) if value else queryset.exclude(**open_q)

    def filter_overdue(self, queryset: QuerySet[Referral], name: str, value: Any) -> QuerySet:
        q = overdue_referral_q()
        return queryset.filter(q) if value else queryset.exclude(q)
