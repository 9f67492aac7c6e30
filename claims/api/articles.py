"""Articles: submit (text, HTML or a URL) and read them back with their claims."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.claims import LANGUAGE_HELP, ClaimOutput
from claims.api.common import PageInput, errors, location, page_of, throttle, valid
from claims.api.pagination import paginate
from claims.models import Article, Claim, Match

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
        fields = [
            "id",
            "title",
            "url",
            "published",
            "language",
            "status",
            "error",
            "claim_count",
            "created",
            "updated",
        ]


class ArticleOutput(serializers.ModelSerializer):
    claims = ClaimOutput(many=True)

    class Meta:
        model = Article
        fields = ["id", "title", "url", "published", "language", "status", "error", "created", "updated", "claims"]


class ArticleFilterInput(PageInput):
    status = serializers.ChoiceField(choices=Article.Status.values, required=False)
    language = serializers.CharField(
        required=False, max_length=10, help_text=f"Articles in this language: {LANGUAGE_HELP}"
    )


# --- Articles ---------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="articles_list",
    summary="List articles, newest first",
    parameters=[ArticleFilterInput],
    responses={200: page_of(ArticleSummaryOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="articles_submit",
    summary="Submit an article (text, HTML, or a URL to fetch)",
    description="202 with a Location to poll while claims are extracted and matched. The same content, or "
    "a repeated `Idempotency-Key`, answers 200 with the article already stored.",
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            {"type": "string", "maxLength": 200},
            OpenApiParameter.HEADER,
            description="Resubmitting with the same key returns the first article.",
        )
    ],
    request=ArticleSubmitInput,
    responses={202: ArticleAcceptedOutput, 200: ArticleAcceptedOutput, **errors(400, 413, 415, 422)},
)
@api_view(["GET", "POST"])
@throttle(POST="submit")
def articles(request: Request) -> Response:
    return article_submit(request) if request.method == "POST" else article_list(request)


def article_list(request: Request) -> Response:
    query = valid(ArticleFilterInput, request.query_params)
    rows = Article.objects.annotate(claim_count=Count("claims"))
    if query.get("status"):
        rows = rows.filter(status=query["status"])
    if query.get("language"):
        rows = rows.filter(language=query["language"])
    return paginate(request, rows, ArticleSummaryOutput)


def article_submit(request: Request) -> Response:
    data = valid(ArticleSubmitInput, request.data)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationError({"Idempotency-Key": "At most 200 characters."})
    article, created = services.article_submit(
        text=data["text"],
        content_format=data["format"],
        url=data["url"],
        title=data["title"],
        published=data["published"],
        submitted_by=request.user,
        idempotency_key=key,
    )
    return Response(
        ArticleAcceptedOutput(article).data,
        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        headers=location("article-detail", article.pk),
    )


@extend_schema(
    operation_id="articles_retrieve",
    summary="An article with its status, claims, matches and number comparisons",
    responses={200: ArticleOutput, **errors(404)},
)
@api_view(["GET"])
def article_detail(request: Request, article_id: int) -> Response:
    matches = Match.objects.select_related("reference").order_by("rank")
    claims = Claim.objects.order_by("start").prefetch_related(Prefetch("matches", queryset=matches))
    article = get_object_or_404(Article.objects.prefetch_related(Prefetch("claims", queryset=claims)), pk=article_id)
    return Response(ArticleOutput(article).data)
