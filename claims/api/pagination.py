"""Cursor pagination for every list: stable under inserts, newest first, or in
a sort order of several fields (Keyset)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


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


class Keyset:
    """Cursor pagination for a list sorted on several fields, the last unique
    (the groups, by check-worthiness, repeats or recency).

    DRF's CursorPagination keys on the first field alone and steps over its
    ties with an offset, capped at 1000: sorted by repeats, where most groups
    have appeared once, it would loop after 1000 groups. Here each page starts
    strictly after the whole sort key of the row before it, so ties cost
    nothing and a row added meanwhile shifts no other (offset pagination would
    show a row twice). The cursor is signed: it holds database values, and a
    forged one is refused rather than queried."""

    salt = "claims.api.keyset"

    def __init__(self, ordering: Sequence[str], *, page_size: int | None = None) -> None:
        self.ordering = tuple(ordering)
        self.page_size = page_size or settings.API_PAGE_SIZE
        self.next: str | None = None
        self.previous: str | None = None

    def paginate(self, request, queryset) -> list:
        forward, position = True, None
        if request.query_params.get("cursor"):
            forward, position = self._decode(request.query_params["cursor"])
        if position is not None:
            queryset = queryset.filter(_beyond(self.ordering, position, forward=forward))
        order = self.ordering if forward else tuple(_reverse(name) for name in self.ordering)
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if not forward:
            rows.reverse()
        after = more if forward else position is not None
        before = position is not None if forward else more
        url = request.build_absolute_uri()
        if rows and after:
            self.next = replace_query_param(url, "cursor", self._encode(rows[-1], forward=True))
        if rows and before:
            self.previous = replace_query_param(url, "cursor", self._encode(rows[0], forward=False))
        return rows

    def response(self, data) -> Response:
        return Response({"next": self.next, "previous": self.previous, "results": data})

    def _encode(self, row, *, forward: bool) -> str:
        values = [getattr(row, name.lstrip("-")) for name in self.ordering]
        values = [value.isoformat() if isinstance(value, dt.datetime) else value for value in values]
        return signing.dumps({"o": self.ordering, "v": values, "f": forward}, salt=self.salt, compress=True)

    def _decode(self, cursor: str) -> tuple[bool, list]:
        try:
            data = signing.loads(cursor, salt=self.salt)
        except signing.BadSignature:
            raise NotFound("Invalid cursor.") from None
        if not isinstance(data, dict) or tuple(data.get("o", ())) != self.ordering:
            raise NotFound("This cursor belongs to another sort order.")
        return bool(data["f"]), list(data["v"])


def _reverse(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _beyond(ordering: Sequence[str], position: Sequence, *, forward: bool) -> Q:
    """The rows after `position` in `ordering` (before it, backwards): the first
    field past its value, or equal there and the second past, and so on."""
    q, equal = Q(), Q()
    for name, value in zip(ordering, position, strict=True):
        field = name.lstrip("-")
        descending = name.startswith("-") == forward
        q |= equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{field: value})
    return q
