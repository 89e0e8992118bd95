from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


# For the actions that answer a plain list of one case's rows (log, parties, sessions,
# transitions): no pages and not the list's filters, in the answers and in the schema.
ONE_CASE_LIST = {"pagination_class": None, "filter_backends": []}
