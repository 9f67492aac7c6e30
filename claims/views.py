"""The reviewer's desk: thin function views that parse, call a service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from claims import claimreview, services
from claims.models import Article, Claim, Match, Verdict
from claims.roles import reviewer_required


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    claims = Claim.objects.awaiting_review().select_related("article")
    page = Paginator(claims, 25).get_page(request.GET.get("page"))
    return render(request, "claims/queue.html", {"page": page, "counts": services.status_counts()})


@reviewer_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=article_id)
    return render(request, "claims/article.html", {"article": article, "claims": article.claims.order_by("start")})


@reviewer_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    matches = Match.objects.select_related("reference").order_by("rank")
    claim = get_object_or_404(
        Claim.objects.select_related("article").prefetch_related(Prefetch("matches", queryset=matches)), pk=claim_id
    )
    text = claim.article.text
    context = {
        "claim": claim,
        "before": text[max(0, claim.start - 400) : claim.start],
        "after": text[claim.end : claim.end + 400],
        "ratings": settings.VERDICT_RATINGS,
        "verdicts": claim.verdicts.select_related("reviewer"),
    }
    return render(request, "claims/claim.html", context)


@require_POST
@reviewer_required
def verdict_create(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=claim_id)
    try:
        services.verdict_record(
            claim=claim,
            reviewer=request.user,
            rating=request.POST.get("rating", ""),
            note=request.POST.get("note", ""),
        )
    except services.InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("claims:claim", claim_id=claim.pk)
    messages.success(request, "Verdict saved.")
    return redirect("claims:queue")


def claimreview_detail(request: HttpRequest, verdict_id: int) -> JsonResponse:
    # Published fact-checks are public by nature: search engines read this.
    verdict = get_object_or_404(Verdict.objects.published().select_related("claim__article"), pk=verdict_id)
    return JsonResponse(claimreview.claimreview(verdict, base_url=request.build_absolute_uri("/")))


def claimreview_feed(request: HttpRequest) -> JsonResponse:
    verdicts = Verdict.objects.published().select_related("claim__article").order_by("-published_at")
    return JsonResponse(claimreview.feed(verdicts, base_url=request.build_absolute_uri("/")))
