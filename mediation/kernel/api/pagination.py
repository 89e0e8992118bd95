from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class _PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)

    def to_internal_value(self, data: Any) -> Any:
        # Digits only, as the schema's integers are written in a query: DRF would read "2.0".
        invalid = serializers.IntegerField.default_error_messages["invalid"]
        errors = {
            name: [invalid]
            for name in ("page", "page_size")
            if name in data and not str(data[name]).isdigit()
        }
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StandardPagination(PageNumberPagination):
    """Pages of 20 (`page_size` up to 100), numbered from 1. A page number or size out of bounds
    is a 400 naming the parameter (DRF would answer 404 for `page=0` and silently use 20 for
    `page_size=false`); a page past the last one stays a 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # `page=last` is not an integer: the schema does not offer it.
    last_page_strings = ()

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        params = request.query_params
        query = _PageQuery(data={k: params[k] for k in ("page", "page_size") if k in params})
        query.is_valid(raise_exception=True)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


# For the actions that answer a plain list of one case's rows (log, parties, sessions,
# transitions): no pages and not the list's filters, in the answers and in the schema.
ONE_CASE_LIST = {"pagination_class": None, "filter_backends": []}
