"""Claim groups: every appearance of one claim, checked once. List them in the
desk's queue order, read one with why each member joined, take a claim out,
merge groups."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.claims import ComparisonOutput, VerdictOutput
from claims.api.common import PageInput, errors, page_of, valid
from claims.api.pagination import Keyset
from claims.models import Article, Claim, ClaimGroup, Match, Verdict
from claims.services import appearances, groups, queue

SORTS = tuple(queue.QUEUE_SORTS)

# --- Serializers ----------------------------------------------------------------------


class RepresentativeOutput(serializers.ModelSerializer):
    numbers_differ = serializers.BooleanField(help_text="One of its suggested matches states different numbers.")
    best_score = serializers.FloatField(allow_null=True, help_text="The cosine of its closest reference.")

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
            "numbers_differ",
            "best_score",
        ]


class GroupOutput(serializers.ModelSerializer):
    representative = RepresentativeOutput(allow_null=True, help_text="The wording a reviewer reads first.")
    claim_count = serializers.IntegerField(help_text="Members.")
    article_count = serializers.IntegerField(help_text="Articles that carry the claim.")
    source_count = serializers.IntegerField(help_text="Distinct hosts of those articles.")
    verdict = serializers.SerializerMethodField(help_text="The group's verdict: the published one, else the newest.")

    class Meta:
        model = ClaimGroup
        fields = [
            "id",
            "representative",
            "claim_count",
            "article_count",
            "source_count",
            "checkworthiness",
            "first_seen",
            "last_seen",
            "verdict",
        ]

    @extend_schema_field(VerdictOutput(allow_null=True))
    def get_verdict(self, group: ClaimGroup) -> dict | None:
        # The verdicts are prefetched in group_verdict's order (_with_verdicts).
        verdict = next(iter(group.verdicts.all()), None)
        return VerdictOutput(verdict).data if verdict is not None else None


class KeptApartOutput(serializers.Serializer):
    group = serializers.IntegerField(help_text="A group it resembled.")
    member = serializers.IntegerField(help_text="The claim there whose numbers differ.")
    cosine = serializers.FloatField(help_text="How close the two claims' embeddings are.")
    detail = serializers.CharField(help_text='Why, e.g. "400 to 0 vs 397 to 0".')


class WhyOutput(serializers.Serializer):
    how = serializers.ChoiceField(
        choices=["founded", "wording", "reference", "moved"],
        help_text="founded: it started the group; wording: it says what `member` says; reference: its best "
        "match is the same fact-check as `member`'s; moved: a reviewer split or merged it (`by`, `at`).",
    )
    score = serializers.FloatField(required=False, help_text="The evidence: a calibrated probability for wording.")
    cosine = serializers.FloatField(required=False, help_text="Embedding cosine with `member`.")
    member = serializers.IntegerField(required=False, help_text="The claim it resembled.")
    reference = serializers.CharField(required=False, help_text="The shared fact-check's external id.")
    numbers = serializers.ChoiceField(
        choices=Match.Numbers.choices, required=False, help_text="The number check against `member`."
    )
    comparisons = ComparisonOutput(many=True, required=False)
    kept_apart = KeptApartOutput(many=True, required=False, help_text="Close groups it did not join: numbers differ.")
    by = serializers.CharField(required=False)
    at = serializers.DateTimeField(required=False)
    note = serializers.CharField(required=False)


class MemberArticleOutput(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "url", "title", "published"]


class MemberOutput(serializers.ModelSerializer):
    claim = serializers.IntegerField(source="pk")
    article = MemberArticleOutput()
    why = WhyOutput(source="grouping", help_text="Why it is in the group.")

    class Meta:
        model = Claim
        fields = ["claim", "text", "kind", "status", "checkworthiness", "article", "why", "created"]


class AppearanceOutput(serializers.Serializer):
    article = serializers.IntegerField()
    url = serializers.CharField(help_text="Blank for an article submitted with no URL.")
    host = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField(help_text="The outlet's name where known.")
    published = serializers.DateField(allow_null=True)


class GroupDetailOutput(GroupOutput):
    members = MemberOutput(many=True)
    appearances = serializers.SerializerMethodField(help_text="Every page that carried the claim, one per URL.")

    class Meta(GroupOutput.Meta):
        fields = [*GroupOutput.Meta.fields, "members", "appearances"]

    @extend_schema_field(AppearanceOutput(many=True))
    def get_appearances(self, group: ClaimGroup) -> list[dict]:
        return list(AppearanceOutput(appearances.group_appearances(group=group), many=True).data)


class GroupFilterInput(PageInput):
    status = serializers.ChoiceField(
        choices=Claim.Status.values, required=False, help_text="Of the representative claim; default: any."
    )
    kind = serializers.ChoiceField(choices=Claim.Kind.values, required=False)
    language = serializers.CharField(
        required=False, max_length=10, help_text="Groups whose representative claim is in this language (ISO 639-1)."
    )
    article = serializers.IntegerField(required=False, min_value=1, help_text="Groups with a member in this article.")
    numbers_differ = serializers.BooleanField(
        required=False, default=False, help_text="Only groups whose representative has a match whose numbers differ."
    )
    sort = serializers.ChoiceField(
        choices=SORTS,
        default="checkworthiness",
        help_text="checkworthiness: most check-worthy first; repeats: most articles first; newest: last seen first.",
    )


class GroupSplitInput(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1, help_text="The member to take out into a group of its own.")


class GroupMergeInput(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="The group that stays.")
    groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=50,
        help_text="The groups whose members move into `into`; they are deleted.",
    )


# --- Reading --------------------------------------------------------------------------


def _with_verdicts(rows):
    verdicts = Verdict.objects.select_related("reviewer", "claim").order_by(
        F("published_at").desc(nulls_last=True), "-created"
    )
    return rows.prefetch_related(Prefetch("verdicts", queryset=verdicts))


def _as_groups(representatives: Iterable[Claim]) -> list[ClaimGroup]:
    """The groups of queue rows, each holding its row (annotated by the queue)
    as its representative."""
    representatives = list(representatives)
    found = _with_verdicts(ClaimGroup.objects.filter(pk__in=[c.group_id for c in representatives])).in_bulk()
    result = []
    for claim in representatives:
        group = found.get(claim.group_id)
        if group is not None:
            group.representative = claim
            result.append(group)
    return result


def _detail(group_id: int) -> dict:
    members = Claim.objects.select_related("article").order_by("created", "pk")
    group = get_object_or_404(
        _with_verdicts(ClaimGroup.objects.prefetch_related(Prefetch("members", queryset=members))), pk=group_id
    )
    group.representative = (
        services.claim_queue(status=services.ANY_STATUS).filter(pk=group.representative_id).first()
        if group.representative_id
        else None
    )
    return GroupDetailOutput(group).data


@extend_schema(
    operation_id="groups_list",
    summary="List claim groups in the desk's queue order, with filters",
    description="One row per group: its representative claim, how many articles and sources carried it, "
    "and its verdict. The cursor keeps the `sort` it was made for.",
    parameters=[GroupFilterInput],
    responses={200: page_of(GroupOutput), **errors(400, 404)},
)
@api_view(["GET"])
def group_list(request: Request) -> Response:
    query = valid(GroupFilterInput, request.query_params)
    representatives = services.claim_queue(
        status=query.get("status") or services.ANY_STATUS,
        article_id=query.get("article"),
        kind=query.get("kind"),
        language=query.get("language"),
        numbers_differ=query["numbers_differ"],
        groups=True,
        sort=query["sort"],
    ).filter(group__isnull=False)
    paginator = Keyset(queue.QUEUE_SORTS[query["sort"]], page_size=query.get("page_size"))
    page = paginator.paginate(request, representatives)
    return paginator.response(GroupOutput(_as_groups(page), many=True).data)


@extend_schema(
    operation_id="groups_retrieve",
    summary="A group: its members and why each joined, every appearance, and its verdict",
    responses={200: GroupDetailOutput, **errors(404)},
)
@api_view(["GET"])
def group_detail(request: Request, group_id: int) -> Response:
    return Response(_detail(group_id))


# --- Changing ---------------------------------------------------------------------------


@extend_schema(
    operation_id="groups_split",
    summary="Take a claim out of its group into a group of its own",
    description="The claim leaves the group's verdict behind and goes back to the queue. 200 with the new "
    "group; 422 when the claim is not a member, or is the only one.",
    request=GroupSplitInput,
    responses={200: GroupDetailOutput, **errors(400, 404, 415, 422)},
)
@api_view(["POST"])
def group_split(request: Request, group_id: int) -> Response:
    group = get_object_or_404(ClaimGroup, pk=group_id)
    data = valid(GroupSplitInput, request.data)
    claim = Claim.objects.filter(pk=data["claim"]).first()
    if claim is None:
        raise services.InvalidInput("The claim is not in this group.", fields={"claim": "No claim with this id."})
    alone = groups.group_split(group=group, claim=claim, reviewer=request.user)
    return Response(_detail(alone.pk))


@extend_schema(
    operation_id="groups_merge",
    summary="Merge groups into one",
    description="Every member of `groups` moves into `into`, and a verdict moves with its group. 200 with the "
    "merged group; 409 when more than one of them has a verdict; 422 for ids of no group.",
    request=GroupMergeInput,
    responses={200: GroupDetailOutput, **errors(400, 409, 415, 422)},
)
@api_view(["POST"])
def groups_merge(request: Request) -> Response:
    data = valid(GroupMergeInput, request.data)
    wanted = [data["into"], *dict.fromkeys(data["groups"])]
    found = ClaimGroup.objects.in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if data["into"] in missing:
        raise services.InvalidInput("No such group.", fields={"into": "No group with this id."})
    if missing:
        unknown = ", ".join(str(pk) for pk in missing)
        raise services.InvalidInput(f"No group {unknown}.", fields={"groups": f"No group with the id {unknown}."})
    merged = groups.groups_merge(
        into=found[data["into"]], others=[found[pk] for pk in wanted[1:]], reviewer=request.user
    )
    return Response(_detail(merged.pk))
