"""Match one claim text, or a batch of them, against the reference corpus."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.claims import MATCH_LANGUAGE_HELP, OWN_HELP, SCORER_HELP, ComparisonOutput
from claims.api.common import errors, throttle, valid
from claims.api.references import ReferenceOutput
from claims.models import Match

# --- Matching ---------------------------------------------------------------------------

THRESHOLD_HELP = "On the English model's cosine: results scored by the multilingual model keep its own tiers."


class MatchInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    top_k = serializers.IntegerField(min_value=1, max_value=50, default=settings.MATCH_TOP_K)
    published = serializers.DateField(required=False, allow_null=True, default=None)
    likely_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None, help_text=THRESHOLD_HELP
    )
    possible_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None, help_text=THRESHOLD_HELP
    )


class MatchResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    scorer = serializers.ChoiceField(choices=Match.Scorer.choices, help_text=SCORER_HELP)
    tier = serializers.ChoiceField(choices=["likely", "possible", "unlikely"])
    language = serializers.CharField(help_text=MATCH_LANGUAGE_HELP)
    numbers = serializers.ChoiceField(choices=Match.Numbers.choices)
    comparisons = ComparisonOutput(many=True)
    own = serializers.BooleanField(help_text=OWN_HELP)
    reference = ReferenceOutput()


class MatchOutputList(serializers.Serializer):
    results = MatchResultOutput(many=True)


class MatchBatchInput(serializers.Serializer):
    texts = serializers.ListField(
        child=serializers.CharField(max_length=5000),
        min_length=1,
        max_length=settings.MATCH_BATCH_MAX,
        help_text=f"1 to {settings.MATCH_BATCH_MAX} claim texts, embedded in one batch.",
    )
    top_k = serializers.IntegerField(min_value=1, max_value=20, default=settings.MATCH_TOP_K)
    published = serializers.DateField(required=False, allow_null=True, default=None)
    likely_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None, help_text=THRESHOLD_HELP
    )
    possible_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None, help_text=THRESHOLD_HELP
    )


class MatchBatchItemOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="The position of the text in `texts`.")
    results = MatchResultOutput(many=True)


class MatchBatchOutput(serializers.Serializer):
    results = MatchBatchItemOutput(many=True)


# --- Matching --------------------------------------------------------------------------


@extend_schema(
    operation_id="match",
    summary="Rank the references nearest to one claim text",
    request=MatchInput,
    responses={200: MatchOutputList, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@throttle(POST="match")
def match(request: Request) -> Response:
    v = valid(MatchInput, request.data)
    results = services.claim_match(
        text=v["text"],
        top_k=v["top_k"],
        published=v["published"],
        likely=v["likely_threshold"],
        possible=v["possible_threshold"],
    )
    return Response(MatchOutputList({"results": results}).data)


@extend_schema(
    operation_id="match_batch",
    summary=f"Rank references for up to {settings.MATCH_BATCH_MAX} claim texts at once",
    request=MatchBatchInput,
    responses={200: MatchBatchOutput, **errors(400, 413, 415, 422)},
)
@api_view(["POST"])
@throttle(POST="match")
def match_batch(request: Request) -> Response:
    v = valid(MatchBatchInput, request.data)
    batches = services.claims_match_batch(
        texts=v["texts"],
        top_k=v["top_k"],
        published=v["published"],
        likely=v["likely_threshold"],
        possible=v["possible_threshold"],
    )
    items = [{"index": i, "results": results} for i, results in enumerate(batches)]
    return Response(MatchBatchOutput({"results": items}).data)
