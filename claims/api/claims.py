"""Claims: list, read, assign, and reviewers' decisions on suggested matches."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.common import PageInput, errors, page_of, username_of, valid
from claims.api.pagination import paginate
from claims.api.permissions import IsEditor
from claims.api.references import ReferenceOutput
from claims.models import Claim, Match, Verdict

# --- Matches and claims -------------------------------------------------------------


class ComparisonOutput(serializers.Serializer):
    field = serializers.CharField()
    claim = serializers.CharField()
    reference = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["agrees", "differs", "not_comparable"])
    detail = serializers.CharField()


OWN_HELP = "The reference is one of the desk's own published verdicts; those that match come first."


SCORER_HELP = (
    "Whose cosine `score` is, and so which thresholds its tier sits on: english (all-MiniLM-L6-v2), "
    "multilingual (multilingual-e5-small, claim and fact-check in one language) or crosslingual (e5, two languages)."
)
LANGUAGE_HELP = "ISO 639-1 code, identified by lingua; und when it could not be decided."
MATCH_LANGUAGE_HELP = "The fact-check's language (ISO 639-1)."


class MatchOutput(serializers.ModelSerializer):
    reference = ReferenceOutput()
    comparisons = ComparisonOutput(many=True)
    own = serializers.SerializerMethodField(help_text=OWN_HELP)
    scorer = serializers.ChoiceField(choices=Match.Scorer.choices, help_text=SCORER_HELP)
    tier = serializers.SerializerMethodField()
    language = serializers.CharField(source="reference.language", help_text=MATCH_LANGUAGE_HELP)

    class Meta:
        model = Match
        fields = [
            "id",
            "rank",
            "score",
            "scorer",
            "tier",
            "numbers",
            "comparisons",
            "decision",
            "own",
            "language",
            "reference",
        ]

    def get_own(self, match: Match) -> bool:
        return match.reference.verdict_id is not None

    @extend_schema_field(serializers.ChoiceField(choices=["likely", "possible", "unlikely"]))
    def get_tier(self, match: Match) -> str:
        return services.match_tier_of(score=match.score, numbers=match.numbers, scorer=match.scorer)


class MatchDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Match.Decision.values)


class ClaimOutput(serializers.ModelSerializer):
    matches = MatchOutput(many=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "start",
            "end",
            "kind",
            "language",
            "checkworthiness",
            "status",
            "slots",
            "group",
            "matches",
        ]


class VerdictOutput(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()
    claim_version = serializers.IntegerField(
        source="claim.version", help_text="Send it as expected_version with your next change to the claim."
    )
    is_published = serializers.BooleanField()

    class Meta:
        model = Verdict
        fields = [
            "id",
            "claim",
            "group",
            "claim_version",
            "reviewer",
            "rating",
            "note",
            "sources",
            "is_published",
            "published_at",
            "created",
            "updated",
        ]

    def get_reviewer(self, verdict: Verdict) -> str:
        return verdict.reviewer.get_username()


class ClaimSummaryOutput(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    numbers_differ = serializers.BooleanField(help_text="A suggested match states different numbers.")
    best_score = serializers.FloatField(allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "article",
            "text",
            "kind",
            "language",
            "status",
            "checkworthiness",
            "group",
            "assignee",
            "version",
            "numbers_differ",
            "best_score",
            "created",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, claim: Claim) -> str | None:
        return username_of(claim.assignee)


class ClaimDetailOutput(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    matches = MatchOutput(many=True)
    verdicts = VerdictOutput(many=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "article",
            "text",
            "start",
            "end",
            "kind",
            "language",
            "status",
            "checkworthiness",
            "slots",
            "group",
            "assignee",
            "version",
            "matches",
            "verdicts",
            "created",
            "updated",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, claim: Claim) -> str | None:
        return username_of(claim.assignee)


class ClaimFilterInput(PageInput):
    status = serializers.ChoiceField(choices=Claim.Status.values, required=False)
    kind = serializers.ChoiceField(choices=Claim.Kind.values, required=False)
    language = serializers.CharField(
        required=False, max_length=10, help_text=f"Claims in this language: {LANGUAGE_HELP}"
    )
    article = serializers.IntegerField(required=False, min_value=1)
    assignee = serializers.CharField(required=False, max_length=150, help_text="A username.")
    numbers_differ = serializers.BooleanField(
        required=False, default=False, help_text="Only claims with a match whose numbers differ."
    )


class ClaimAssignInput(serializers.Serializer):
    assignee = serializers.CharField(
        max_length=150, allow_null=True, help_text="The reviewer's username; null takes the claim back."
    )
    expected_version = serializers.IntegerField(min_value=0, help_text="The claim `version` you last read.")


# --- Claims -------------------------------------------------------------------------


@extend_schema(
    operation_id="claims_list",
    summary="List claims, newest first, with filters",
    parameters=[ClaimFilterInput],
    responses={200: page_of(ClaimSummaryOutput), **errors(400, 404)},
)
@api_view(["GET"])
def claim_list(request: Request) -> Response:
    query = valid(ClaimFilterInput, request.query_params)
    rows = services.claim_queue(
        status=query.get("status") or services.ANY_STATUS,
        article_id=query.get("article"),
        kind=query.get("kind"),
        language=query.get("language"),
        numbers_differ=query["numbers_differ"],
    ).select_related("assignee")
    if query.get("assignee"):
        rows = rows.filter(assignee__username=query["assignee"])
    return paginate(request, rows, ClaimSummaryOutput)


def _claim_detail(claim_id: int) -> Claim:
    matches = Match.objects.select_related("reference").order_by("rank")
    verdicts = Verdict.objects.select_related("reviewer", "claim").order_by("-created")
    return get_object_or_404(
        Claim.objects.select_related("assignee").prefetch_related(
            Prefetch("matches", queryset=matches), Prefetch("verdicts", queryset=verdicts)
        ),
        pk=claim_id,
    )


@extend_schema(
    operation_id="claims_retrieve",
    summary="A claim with its matches, number comparisons and verdicts",
    responses={200: ClaimDetailOutput, **errors(404)},
)
@api_view(["GET"])
def claim_detail(request: Request, claim_id: int) -> Response:
    return Response(ClaimDetailOutput(_claim_detail(claim_id)).data)


@extend_schema(
    operation_id="claims_assign",
    summary="Assign a claim to a reviewer (editor)",
    request=ClaimAssignInput,
    responses={200: ClaimDetailOutput, **errors(400, 404, 409, 415, 422)},
)
@api_view(["POST"])
@permission_classes([IsEditor])
def claim_assign(request: Request, claim_id: int) -> Response:
    claim = get_object_or_404(Claim, pk=claim_id)
    data = valid(ClaimAssignInput, request.data)
    assignee = None
    if data["assignee"] is not None:
        assignee = get_user_model().objects.filter(username=data["assignee"]).first()
        if assignee is None:
            raise services.InvalidInput("No such user.", fields={"assignee": "No user with this username."})
    services.claim_assign(
        claim=claim, assignee=assignee, editor=request.user, expected_version=data["expected_version"]
    )
    return Response(ClaimDetailOutput(_claim_detail(claim.pk)).data)


@extend_schema(
    operation_id="matches_decide",
    summary="Confirm or reject a suggested match",
    request=MatchDecisionInput,
    responses={200: MatchOutput, **errors(400, 404, 415)},
)
@api_view(["POST"])
def match_decide(request: Request, match_id: int) -> Response:
    match = get_object_or_404(Match.objects.select_related("reference", "claim"), pk=match_id)
    data = valid(MatchDecisionInput, request.data)
    services.match_decide(match=match, reviewer=request.user, decision=data["decision"])
    return Response(MatchOutput(match).data)
