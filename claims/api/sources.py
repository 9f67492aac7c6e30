"""The API of watched sources: CRUD (reviewers read, editors write) and poll-now.

Its serializers live here too, beside the operations that use them.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api.common import EditorWrites, PageInput, errors, page_of, valid
from claims.api.pagination import paginate
from claims.api.permissions import IsEditor
from claims.models import FeedEntry, Source
from claims.services import Conflict, sources

# --- Serializers ----------------------------------------------------------------------


class SourceInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="An RSS or Atom feed, or a news sitemap; public addresses.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Blank: the feed's title.")
    kind = serializers.ChoiceField(choices=Source.Kind.values, required=False, help_text="auto detects it.")
    publisher = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="The outlet's name; blank: the feed's title."
    )
    interval = serializers.IntegerField(
        min_value=settings.SOURCE_MIN_INTERVAL,
        max_value=7 * 24 * 3600,
        required=False,
        help_text=f"Seconds between polls; default {settings.SOURCE_INTERVAL}.",
    )
    active = serializers.BooleanField(required=False, help_text="false pauses polling.")


class SourceOutput(serializers.ModelSerializer):
    articles_added = serializers.IntegerField(help_text="Articles this source brought in first.")
    entries_failed = serializers.IntegerField(help_text="Entries whose page could not be read (see `failed`).")
    failures = serializers.IntegerField(help_text="Failed polls in a row; the source backs off while it fails.")

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "name",
            "kind",
            "publisher",
            "interval",
            "active",
            "last_polled",
            "next_poll",
            "last_status",
            "last_error",
            "failures",
            "articles_added",
            "entries_failed",
            "created",
            "updated",
        ]


class FailedEntryOutput(serializers.ModelSerializer):
    retrying = serializers.SerializerMethodField(help_text="Tried again by itself at next_attempt; else given up.")

    class Meta:
        model = FeedEntry
        fields = ["id", "url", "title", "error", "attempts", "next_attempt", "retrying", "updated"]

    def get_retrying(self, entry: FeedEntry) -> bool:
        return entry.next_attempt is not None


class SourceDetailOutput(SourceOutput):
    failed = serializers.SerializerMethodField(help_text="The 50 most recent entries that failed, with why.")

    class Meta(SourceOutput.Meta):
        fields = [*SourceOutput.Meta.fields, "failed"]

    @extend_schema_field(FailedEntryOutput(many=True))
    def get_failed(self, source: Source) -> list[dict]:
        failed = source.entries.filter(status=FeedEntry.Status.FAILED).order_by("-updated")[:50]
        return list(FailedEntryOutput(failed, many=True).data)


def _source(source_id: int) -> Source:
    return get_object_or_404(sources.sources_with_counts(), pk=source_id)


def _detail(source_id: int) -> dict:
    return SourceDetailOutput(_source(source_id)).data


# --- Operations ---------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="sources_list",
    summary="List the watched sources, newest first",
    parameters=[PageInput],
    responses={200: page_of(SourceOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="sources_create",
    summary="Watch a feed or news sitemap (editor); it is polled at once",
    request=SourceInput,
    responses={201: SourceDetailOutput, **errors(400, 409, 413, 415, 422)},
)
@api_view(["GET", "POST"])
@permission_classes([EditorWrites])
def source_collection(request: Request) -> Response:
    return source_create(request) if request.method == "POST" else source_list(request)


def source_list(request: Request) -> Response:
    valid(PageInput, request.query_params)
    return paginate(request, sources.sources_with_counts(), SourceOutput)


def source_create(request: Request) -> Response:
    data = valid(SourceInput, request.data)
    created = sources.source_create(fields=data, created_by=request.user)
    return Response(
        _detail(created.pk),
        status=status.HTTP_201_CREATED,
        headers={"Location": reverse("api:source-detail", args=[created.pk])},
    )


@extend_schema(
    methods=["GET"],
    operation_id="sources_retrieve",
    summary="A source: its last and next poll, last error, and the entries that failed",
    responses={200: SourceDetailOutput, **errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="sources_update",
    summary="Change a source (editor); `active: false` pauses it",
    request=SourceInput(partial=True),
    responses={200: SourceDetailOutput, **errors(400, 404, 409, 413, 415, 422)},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="sources_delete",
    summary="Stop watching a source (editor); its articles stay",
    responses={204: None, **errors(404)},
)
@api_view(["GET", "PATCH", "DELETE"])
@permission_classes([EditorWrites])
def source_detail(request: Request, source_id: int) -> Response:
    found = _source(source_id)
    if request.method == "PATCH":
        changes = valid(SourceInput, request.data, partial=True)
        was_active = found.active
        sources.source_update(source=found, changes=changes)
        if found.active and not was_active:
            # Resumed: poll now rather than at a next_poll set long ago.
            sources.source_poll_now(source=found)
        return Response(_detail(found.pk))
    if request.method == "DELETE":
        sources.source_delete(source=found)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(SourceDetailOutput(found).data)


@extend_schema(
    operation_id="sources_poll",
    summary="Poll a source now (editor)",
    description="202: the poll is queued; read the source again for its outcome. A paused source is not polled (409).",
    request=None,
    responses={202: SourceDetailOutput, **errors(404, 409)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def source_poll(request: Request, source_id: int) -> Response:
    found = _source(source_id)
    if not found.active:
        raise Conflict("This source is paused; resume it (PATCH active: true) to poll it.")
    sources.source_poll_now(source=found)
    return Response(_detail(found.pk), status=status.HTTP_202_ACCEPTED)
