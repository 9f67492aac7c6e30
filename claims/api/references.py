"""The reference corpus: list, add, change and remove references, and import files as jobs."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.common import EditorWrites, PageInput, errors, location, page_of, throttle, valid
from claims.api.pagination import paginate
from claims.api.parsers import LimitedMultiPartParser
from claims.api.permissions import IsEditor
from claims.engine import multilingual
from claims.models import ImportJob, Reference
from claims.services import importers

# --- References -------------------------------------------------------------------


class ReferenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = ["id", "external_id", "text", "title", "rating", "publisher", "url", "published", "language"]


class ReferenceDetailOutput(serializers.ModelSerializer):
    embedded = serializers.SerializerMethodField(help_text="Whether it can be matched yet.")
    embedded_multilingual = serializers.SerializerMethodField(
        help_text="Whether claims in other languages than its own can find it yet (its e5 vector is stored)."
    )
    slots = serializers.JSONField(help_text="The numbers, tallies, rankings and dates read from the text.")

    class Meta:
        model = Reference
        fields = [
            "id",
            "external_id",
            "text",
            "title",
            "subtitle",
            "rating",
            "publisher",
            "url",
            "published",
            "language",
            "slots",
            "embedded",
            "embedded_multilingual",
            "created",
            "updated",
        ]

    def get_embedded(self, reference: Reference) -> bool:
        return reference.embedding_model == settings.EMBEDDING_MODEL_NAME and bool(reference.embedding_model)

    def get_embedded_multilingual(self, reference: Reference) -> bool:
        return bool(reference.embedding_ml_model) and reference.embedding_ml_model == multilingual.model_name()


class ReferenceInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, help_text="Your id for it; unique in the corpus.")
    text = serializers.CharField(max_length=5000, help_text="The claim as the fact-check states it.")
    title = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    subtitle = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    rating = serializers.CharField(max_length=100, required=False, allow_blank=True)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    published = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="ISO 639-1; left out or blank, it is identified from the text and title.",
    )

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_external_id(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()


class ReferenceFilterInput(PageInput):
    q = serializers.CharField(required=False, max_length=200, help_text="Words in the text (case-insensitive).")
    publisher = serializers.CharField(required=False, max_length=200)
    rating = serializers.CharField(required=False, max_length=100)
    external_id = serializers.CharField(required=False, max_length=200)
    language = serializers.CharField(required=False, max_length=10, help_text="ISO 639-1.")


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text=f"At most {settings.IMPORT_MAX_BYTES:,} bytes, UTF-8.")
    format = serializers.ChoiceField(
        choices=importers.FORMATS,
        help_text="jsonl: one JSON object a line; csv: with a header row; claimreview: schema.org "
        "ClaimReview JSON (one, a list, or a DataFeed).",
    )


class RejectedRowOutput(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ImportJobOutput(serializers.ModelSerializer):
    updated = serializers.IntegerField(source="updated_count", help_text="Rows that changed a stored reference.")
    rejected = RejectedRowOutput(many=True, help_text="The first 100 rejected rows.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "format",
            "filename",
            "status",
            "total",
            "processed",
            "imported",
            "updated",
            "unchanged",
            "rejected_count",
            "rejected",
            "embedded",
            "error",
            "created",
            "finished",
        ]


# --- References ----------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="references_list",
    summary="List the reference corpus, newest first",
    parameters=[ReferenceFilterInput],
    responses={200: page_of(ReferenceDetailOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="references_create",
    summary="Add a reference (editor); it is embedded in the background",
    request=ReferenceInput,
    responses={201: ReferenceDetailOutput, **errors(400, 409, 413, 415)},
)
@api_view(["GET", "POST"])
@permission_classes([EditorWrites])
def references(request: Request) -> Response:
    return reference_create(request) if request.method == "POST" else reference_list(request)


def reference_list(request: Request) -> Response:
    query = valid(ReferenceFilterInput, request.query_params)
    rows = Reference.objects.all()
    if query.get("q"):
        rows = rows.filter(text__icontains=query["q"])
    for name in ("publisher", "rating", "external_id", "language"):
        if query.get(name):
            rows = rows.filter(**{name: query[name]})
    return paginate(request, rows, ReferenceDetailOutput)


def reference_create(request: Request) -> Response:
    data = valid(ReferenceInput, request.data)
    created = services.reference_create(fields=data)
    return Response(
        ReferenceDetailOutput(created).data,
        status=status.HTTP_201_CREATED,
        headers=location("reference-detail", created.pk),
    )


@extend_schema(
    methods=["GET"],
    operation_id="references_retrieve",
    summary="A reference",
    responses={200: ReferenceDetailOutput, **errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="references_update",
    summary="Change a reference (editor); a new text or title is re-embedded",
    request=ReferenceInput(partial=True),
    responses={200: ReferenceDetailOutput, **errors(400, 404, 409, 413, 415)},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="references_delete",
    summary="Remove a reference and its suggested matches (editor)",
    responses={204: None, **errors(404)},
)
@api_view(["GET", "PATCH", "DELETE"])
@permission_classes([EditorWrites])
def reference(request: Request, reference_id: int) -> Response:
    found = get_object_or_404(Reference, pk=reference_id)
    if request.method == "PATCH":
        return reference_update(request, found)
    if request.method == "DELETE":
        return reference_delete(request, found)
    return Response(ReferenceDetailOutput(found).data)


def reference_update(request: Request, found: Reference) -> Response:
    changes = valid(ReferenceInput, request.data, partial=True)
    return Response(ReferenceDetailOutput(services.reference_update(reference=found, changes=changes)).data)


def reference_delete(request: Request, found: Reference) -> Response:
    services.reference_delete(reference=found)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    operation_id="references_import",
    summary="Import a reference file in the background (editor)",
    description="202 with the job and a Location to poll for its progress. Re-importing a file changes nothing.",
    request={"multipart/form-data": ImportInput},
    responses={202: ImportJobOutput, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
@parser_classes([LimitedMultiPartParser])
@throttle(POST="import")
def references_import(request: Request) -> Response:
    data = valid(ImportInput, request.data)
    upload = data["file"]
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise services.InvalidInput("The file is too large.", fields={"file": "Too large."}, code="too_large")
    job = services.import_job_create(
        data=upload.read(), fmt=data["format"], filename=upload.name or "", created_by=request.user
    )
    return Response(
        ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED, headers=location("import-detail", job.pk)
    )


@extend_schema(
    operation_id="imports_list",
    summary="List reference imports, newest first (editor)",
    parameters=[PageInput],
    responses={200: page_of(ImportJobOutput), **errors(400, 404)},
)
@api_view(["GET"])
@permission_classes([IsEditor])
def import_list(request: Request) -> Response:
    valid(PageInput, request.query_params)
    return paginate(request, ImportJob.objects.defer("data"), ImportJobOutput)


@extend_schema(
    operation_id="imports_retrieve",
    summary="A reference import and its progress (editor)",
    responses={200: ImportJobOutput, **errors(404)},
)
@api_view(["GET"])
@permission_classes([IsEditor])
def import_detail(request: Request, job_id: int) -> Response:
    return Response(ImportJobOutput(get_object_or_404(ImportJob.objects.defer("data"), pk=job_id)).data)
