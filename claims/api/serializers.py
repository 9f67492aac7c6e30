"""Explicit input and output serializers, one pair per operation."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from claims.models import Article, Claim, Match, Reference


class ArticleSubmitInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, max_length=settings.ARTICLE_MAX_CHARS)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    url = serializers.URLField(required=False, allow_blank=True, max_length=2000, default="")
    published = serializers.DateField(required=False, allow_null=True, default=None)


class ReferenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = ["id", "external_id", "text", "title", "rating", "publisher", "url", "published", "language"]


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
        fields = ["rank", "score", "numbers", "comparisons", "decision", "reference"]


class ClaimOutput(serializers.ModelSerializer):
    matches = MatchOutput(many=True)

    class Meta:
        model = Claim
        fields = ["id", "text", "start", "end", "kind", "checkworthiness", "status", "slots", "matches"]


class ArticleOutput(serializers.ModelSerializer):
    claims = ClaimOutput(many=True)

    class Meta:
        model = Article
        fields = ["id", "title", "url", "published", "status", "error", "created", "claims"]


class ArticleAcceptedOutput(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "status"]


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
