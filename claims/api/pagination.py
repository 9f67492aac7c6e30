"""Cursor pagination for every list: stable under inserts, newest first."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int | None:
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)


def paginate(request, queryset, serializer_class, *, view=None):
    """A paginated response of `queryset` serialised with `serializer_class`."""
    paginator = NewestFirst()
    page: list | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
