"""Cursor pagination of the API's lists (kept apart from portal/api.py: DRF's settings import
it while its generic views load)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination


def request_url(request) -> str:
    """The request's absolute address rebuilt from its parsed query: the links stay right
    whatever raw bytes a client put in its query string."""
    query = urlencode([(name, value) for name, values in request.GET.lists() for value in values])
    return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")


class ApiCursorPagination(pagination.CursorPagination):
    """Opaque cursors over a stable order (each viewset's `ordering`, ending in its id):
    pages never repeat or skip a row when rows are added meanwhile. `page_size` (1-100)."""

    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
    cursor_query_description = "The cursor of the page (the `next` or `previous` link gives it)."

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def paginate_queryset(self, queryset, request, view=None):
        try:
            rows = super().paginate_queryset(queryset, request, view)
            self.base_url = request_url(request)
            return rows
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({"cursor": [_("This cursor is not valid: use a next or previous "
                                                           "link as given.")]}) from error

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        try:
            size = int(value)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [_("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]}
            )
        return size

    def page_data(self, rows: list) -> dict[str, Any]:
        return {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": rows}


class BoundedSearchPagination(pagination.BasePagination):
    """How the enterprise search pages (credit.selectors.search.bounded_page, the site's
    search): opaque cursors over page numbers, with the bounded count. The view pages itself;
    this class describes it in the schema."""

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "count", "count_bounded", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "count": {"type": "integer", "description": "Exact when count_bounded is false, otherwise the bound."},
                "count_bounded": {"type": "boolean",
                                  "description": "More than `count` enterprises match: narrow the search."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [{"name": "cursor", "required": False, "in": "query",
                 "description": "The opaque cursor of the page (from `next`/`previous`).", "schema": {"type": "string"}}]
