"""One small view per API operation: parse, call a service, serialise."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api import serializers as s
from claims.models import Article, Claim, Match


@extend_schema(request=s.ArticleSubmitInput, responses={202: s.ArticleAcceptedOutput, 200: s.ArticleAcceptedOutput})
@api_view(["POST"])
def article_submit(request: Request) -> Response:
    data = s.ArticleSubmitInput(data=request.data)
    data.is_valid(raise_exception=True)
    article, created = services.article_ingest(
        **data.validated_data,
        submitted_by=request.user,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
    )
    location = reverse("api:article-detail", args=[article.pk])
    return Response(
        s.ArticleAcceptedOutput(article).data,
        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        headers={"Location": location},
    )


@extend_schema(responses=s.ArticleOutput)
@api_view(["GET"])
def article_detail(request: Request, article_id: int) -> Response:
    matches = Match.objects.select_related("reference").order_by("rank")
    claims = Claim.objects.order_by("start").prefetch_related(Prefetch("matches", queryset=matches))
    article = get_object_or_404(Article.objects.prefetch_related(Prefetch("claims", queryset=claims)), pk=article_id)
    return Response(s.ArticleOutput(article).data)


@extend_schema(request=s.MatchInput, responses=s.MatchOutputList)
@api_view(["POST"])
def match(request: Request) -> Response:
    data = s.MatchInput(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    results = services.claim_match(
        text=v["text"],
        top_k=v["top_k"],
        published=v["published"],
        likely=v["likely_threshold"],
        possible=v["possible_threshold"],
    )
    return Response(s.MatchOutputList({"results": results}).data)
