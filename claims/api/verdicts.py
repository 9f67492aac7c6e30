"""Verdicts: give, change, publish and withdraw them; ClaimReview JSON-LD of the published ones."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.claims import VerdictOutput
from claims.api.common import PageInput, errors, location, page_of, valid
from claims.api.pagination import NewestFirst, paginate
from claims.api.permissions import IsEditor
from claims.models import Claim, Verdict
from claims.services import claimreview, review

# --- Verdicts --------------------------------------------------------------------------


def _ratings_help() -> str:
    return "One of the configured ratings: " + ", ".join(settings.VERDICT_RATINGS) + ". Another is a 422."


class VerdictCreateInput(serializers.Serializer):
    rating = serializers.CharField(max_length=100, help_text=_ratings_help())
    note = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    sources = serializers.ListField(
        child=serializers.URLField(max_length=2000), max_length=50, required=False, default=list
    )
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The claim `version` you last read; a stale one is a 409."
    )


class VerdictUpdateInput(serializers.Serializer):
    rating = serializers.CharField(max_length=100, required=False, help_text=_ratings_help())
    note = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    sources = serializers.ListField(child=serializers.URLField(max_length=2000), max_length=50, required=False)
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The claim `version` you last read; a stale one is a 409."
    )


class VerdictFilterInput(PageInput):
    claim = serializers.IntegerField(required=False, min_value=1)
    published = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- Verdicts ----------------------------------------------------------------------------


@extend_schema(
    operation_id="verdicts_create",
    summary="Give a verdict on a claim",
    description="`expected_version` is the claim version you read; if someone changed the claim since, 409.",
    request=VerdictCreateInput,
    responses={201: VerdictOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["POST"])
def verdict_create(request: Request, claim_id: int) -> Response:
    claim = get_object_or_404(Claim, pk=claim_id)
    data = valid(VerdictCreateInput, request.data)
    verdict = services.verdict_record(claim=claim, reviewer=request.user, **data)
    return Response(
        VerdictOutput(verdict).data, status=status.HTTP_201_CREATED, headers=location("verdict-detail", verdict.pk)
    )


@extend_schema(
    operation_id="verdicts_list",
    summary="List verdicts, newest first",
    parameters=[VerdictFilterInput],
    responses={200: page_of(VerdictOutput), **errors(400, 404)},
)
@api_view(["GET"])
def verdict_list(request: Request) -> Response:
    query = valid(VerdictFilterInput, request.query_params)
    rows = Verdict.objects.select_related("reviewer", "claim")
    if query.get("claim"):
        rows = rows.filter(claim_id=query["claim"])
    if query.get("published") is not None:
        rows = rows.filter(published_at__isnull=not query["published"])
    return paginate(request, rows, VerdictOutput)


@extend_schema(
    methods=["GET"],
    operation_id="verdicts_retrieve",
    summary="A verdict",
    responses={200: VerdictOutput, **errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="verdicts_update",
    summary="Change a verdict (its reviewer, or an editor)",
    request=VerdictUpdateInput,
    responses={200: VerdictOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["GET", "PATCH"])
def verdict(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.select_related("reviewer", "claim"), pk=verdict_id)
    return verdict_update(request, found) if request.method == "PATCH" else Response(VerdictOutput(found).data)


def verdict_update(request: Request, found: Verdict) -> Response:
    data = valid(VerdictUpdateInput, request.data)
    updated = services.verdict_update(verdict=found, user=request.user, **data)
    return Response(VerdictOutput(updated).data)


@extend_schema(
    operation_id="verdicts_publish",
    summary="Publish a verdict (editor); publishing twice changes nothing",
    request=None,
    responses={200: VerdictOutput, **errors(404)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def verdict_publish(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.select_related("reviewer", "claim"), pk=verdict_id)
    return Response(VerdictOutput(services.verdict_publish(verdict=found, editor=request.user)).data)


@extend_schema(
    operation_id="verdicts_withdraw",
    summary="Withdraw a published verdict (editor); withdrawing twice changes nothing",
    description="It leaves the ClaimReview feed, and its reference (the desk's own verdict) leaves the corpus, "
    "so no new claim is matched against it. The verdict itself stays, unpublished.",
    request=None,
    responses={200: VerdictOutput, **errors(404)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def verdict_withdraw(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(Verdict.objects.select_related("reviewer", "claim"), pk=verdict_id)
    return Response(VerdictOutput(review.verdict_withdraw(verdict=found, editor=request.user)).data)


@extend_schema(
    operation_id="verdicts_claimreview",
    summary="The schema.org ClaimReview JSON-LD of a published verdict",
    responses={200: OpenApiResponse(response=OpenApiTypes.OBJECT), **errors(404)},
)
@api_view(["GET"])
def verdict_claimreview(request: Request, verdict_id: int) -> Response:
    found = get_object_or_404(
        Verdict.objects.published().select_related("claim__article", "claim__group", "group"), pk=verdict_id
    )
    return Response(claimreview.claimreview(found, base_url=request.build_absolute_uri("/")))


@extend_schema(
    operation_id="claimreview_feed",
    summary="Published verdicts as a schema.org DataFeed of ClaimReviews",
    description='Newest first, cursor-paginated: the next page is in the `Link: <...>; rel="next"` header.',
    parameters=[PageInput],
    responses={200: OpenApiResponse(response=OpenApiTypes.OBJECT), **errors(400, 404)},
)
@api_view(["GET"])
def claimreview_feed(request: Request) -> Response:
    valid(PageInput, request.query_params)
    paginator = NewestFirst()
    published = Verdict.objects.published().select_related("claim__article", "claim__group", "group")
    page = paginator.paginate_queryset(published, request, view=None)
    links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", paginator.get_next_link()),) if url]
    links += [f'<{url}>; rel="prev"' for url in (paginator.get_previous_link(),) if url]
    headers = {"Link": ", ".join(links)} if links else {}
    return Response(claimreview.feed(page, base_url=request.build_absolute_uri("/")), headers=headers)
