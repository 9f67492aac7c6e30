"""Explicit input and output serializers, one pair per operation."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import services
from claims.models import Article, Claim, ImportJob, Match, Reference, Verdict, WebhookSubscription
from claims.services import importers

# --- Shared ---------------------------------------------------------------------


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, conflict, throttled.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(child=serializers.CharField(), help_text="Field name → what is wrong with it.")


class ErrorOutput(serializers.Serializer):
    error = ErrorDetailOutput()


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The cursor-paginated list of `item` (for the schema)."""
    return type(
        f"{item.__name__.removesuffix('Output')}Page",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
            "__module__": __name__,
        },
    )


class PageInput(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="Opaque; taken from `next` or `previous`.")
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=settings.API_MAX_PAGE_SIZE,
        help_text=f"Default {settings.API_PAGE_SIZE}.",
    )


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- References -------------------------------------------------------------------


class ReferenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = ["id", "external_id", "text", "title", "rating", "publisher", "url", "published", "language"]


class ReferenceDetailOutput(serializers.ModelSerializer):
    embedded = serializers.SerializerMethodField(help_text="Whether it can be matched yet.")
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
            "created",
            "updated",
        ]

    def get_embedded(self, reference: Reference) -> bool:
        return reference.embedding_model == settings.EMBEDDING_MODEL_NAME and bool(reference.embedding_model)


class ReferenceInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, help_text="Your id for it; unique in the corpus.")
    text = serializers.CharField(max_length=5000, help_text="The claim as the fact-check states it.")
    title = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    subtitle = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    rating = serializers.CharField(max_length=100, required=False, allow_blank=True)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    published = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(max_length=10, required=False)

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


# --- Matches and claims -------------------------------------------------------------


class ComparisonOutput(serializers.Serializer):
    field = serializers.CharField()
    claim = serializers.CharField()
    reference = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["agrees", "differs", "not_comparable"])
    detail = serializers.CharField()


class MatchOutput(serializers.ModelSerializer):
    reference = ReferenceOutput()
    comparisons = ComparisonOutput(many=True)

    class Meta:
        model = Match
        fields = ["id", "rank", "score", "numbers", "comparisons", "decision", "reference"]


class MatchDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Match.Decision.values)


class ClaimOutput(serializers.ModelSerializer):
    matches = MatchOutput(many=True)

    class Meta:
        model = Claim
        fields = ["id", "text", "start", "end", "kind", "checkworthiness", "status", "slots", "matches"]


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
            "status",
            "checkworthiness",
            "assignee",
            "version",
            "numbers_differ",
            "best_score",
            "created",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, claim: Claim) -> str | None:
        return _username(claim.assignee)


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
            "status",
            "checkworthiness",
            "slots",
            "assignee",
            "version",
            "matches",
            "verdicts",
            "created",
            "updated",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, claim: Claim) -> str | None:
        return _username(claim.assignee)


class ClaimFilterInput(PageInput):
    status = serializers.ChoiceField(choices=Claim.Status.values, required=False)
    kind = serializers.ChoiceField(choices=Claim.Kind.values, required=False)
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


# --- Articles -------------------------------------------------------------------------


class ArticleSubmitInput(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.ARTICLE_MAX_CHARS,
        default="",
        help_text="The article as plain text or HTML. Leave it out to have `url` fetched instead.",
    )
    format = serializers.ChoiceField(
        choices=services.ARTICLE_FORMATS,
        default="auto",
        help_text="How to read `text`: auto detects HTML; html keeps the page's main text.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Where the article appeared; fetched (http or https, public addresses only) when there is no text.",
    )
    published = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict) -> dict:
        if not attrs["text"].strip() and not attrs["url"]:
            raise serializers.ValidationError({"text": "Give the article's text, or the url of the page to fetch."})
        return attrs


class ArticleAcceptedOutput(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "status"]


class ArticleSummaryOutput(serializers.ModelSerializer):
    claim_count = serializers.IntegerField()

    class Meta:
        model = Article
        fields = ["id", "title", "url", "published", "status", "error", "claim_count", "created", "updated"]


class ArticleOutput(serializers.ModelSerializer):
    claims = ClaimOutput(many=True)

    class Meta:
        model = Article
        fields = ["id", "title", "url", "published", "status", "error", "created", "updated", "claims"]


class ArticleFilterInput(PageInput):
    status = serializers.ChoiceField(choices=Article.Status.values, required=False)


# --- Matching ---------------------------------------------------------------------------


class MatchInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    top_k = serializers.IntegerField(min_value=1, max_value=50, default=settings.MATCH_TOP_K)
    published = serializers.DateField(required=False, allow_null=True, default=None)
    likely_threshold = serializers.FloatField(required=False, min_value=-1, max_value=1, allow_null=True, default=None)
    possible_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None
    )


class MatchResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    tier = serializers.ChoiceField(choices=["likely", "possible", "unlikely"])
    numbers = serializers.ChoiceField(choices=Match.Numbers.values)
    comparisons = ComparisonOutput(many=True)
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
    likely_threshold = serializers.FloatField(required=False, min_value=-1, max_value=1, allow_null=True, default=None)
    possible_threshold = serializers.FloatField(
        required=False, min_value=-1, max_value=1, allow_null=True, default=None
    )


class MatchBatchItemOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="The position of the text in `texts`.")
    results = MatchResultOutput(many=True)


class MatchBatchOutput(serializers.Serializer):
    results = MatchBatchItemOutput(many=True)


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


# --- Webhooks -------------------------------------------------------------------------------


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="http or https, at a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookSubscription.Event.values), min_length=1, max_length=10
    )


class WebhookOutput(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookSubscription.Event.values))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "created", "last_attempt", "last_status", "last_error"]


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Shown once: the key of the X-Factcheck-Signature HMAC.")

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]
