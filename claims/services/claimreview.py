"""schema.org ClaimReview JSON-LD for published verdicts, with the fields Google's
Fact Check tools require (claimReviewed, reviewRating.alternateName, url) and
recommend (author, datePublished, itemReviewed with its appearances: every
article and outlet that carried the claim's group)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from claims.models import UNDETERMINED_LANGUAGE, Article, Match, Verdict
from claims.services.appearances import group_appearances


def appearances(verdict: Verdict) -> list[Article]:
    """Every article where the same claim was found: the claim's own, and the
    articles of claims confirmed as the same as a reference this claim was
    confirmed to match."""
    claim = verdict.claim
    confirmed_refs = Match.objects.filter(claim=claim, decision=Match.Decision.CONFIRMED).values("reference")
    others = Article.objects.filter(
        claims__matches__reference__in=confirmed_refs, claims__matches__decision=Match.Decision.CONFIRMED
    )
    return list((Article.objects.filter(pk=claim.article_id) | others).distinct().order_by("pk"))


def item_appearances(verdict: Verdict) -> list[dict]:
    """`itemReviewed.appearance`: for a grouped claim, every place the group's
    claim was seen (each member's article and every outlet that carried it);
    otherwise the articles of appearances()."""
    group = verdict.group or verdict.claim.group
    if group is None:
        return [_creative_work(url=a.url, headline=a.title) for a in appearances(verdict)]
    return [
        _creative_work(url=s.url, headline=s.title, published=s.published, publisher=s.publisher)
        for s in group_appearances(group=group)
    ]


def _creative_work(*, url: str, headline: str, published: dt.date | None = None, publisher: str = "") -> dict:
    work: dict = {"@type": "CreativeWork"}
    if url:
        work["url"] = url
    work["headline"] = headline
    if published is not None:
        work["datePublished"] = published.isoformat()
    if publisher:
        work["publisher"] = {"@type": "Organization", "name": publisher}
    return work


def rating_value(rating: str) -> tuple[int, int, int]:
    """(ratingValue, worstRating, bestRating) on the configured scale; the last
    rating (e.g. Unverifiable) sits outside the ordered scale and gets 0."""
    scale = [r for r in settings.VERDICT_RATINGS if r.lower() != "unverifiable"]
    best, worst = len(scale), 1
    value = best - scale.index(rating) if rating in scale else 0
    return value, worst, best


def claimreview(verdict: Verdict, *, base_url: str) -> dict:
    claim = verdict.claim
    value, worst, best = rating_value(verdict.rating)
    url = base_url.rstrip("/") + reverse("claimreview-detail", args=[verdict.pk])
    organisation = {"@type": "Organization", "name": settings.CLAIMREVIEW_PUBLISHER}
    # schema.org's inLanguage (BCP 47): the claim's, on the Claim and on the
    # review of it, whose claimReviewed quotes it; left out when undetermined.
    in_language = {"inLanguage": claim.language} if claim.language != UNDETERMINED_LANGUAGE else {}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": claim.text,
        **in_language,
        "datePublished": verdict.published_at.date().isoformat() if verdict.published_at else None,
        "author": organisation,
        "reviewBody": verdict.note or None,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": verdict.rating,
            "ratingValue": value,
            "worstRating": worst,
            "bestRating": best,
        },
        "itemReviewed": {
            "@type": "Claim",
            **in_language,
            "datePublished": claim.article.published.isoformat() if claim.article.published else None,
            "appearance": item_appearances(verdict),
        },
    }


def feed(verdicts, *, base_url: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [{"@type": "DataFeedItem", "item": claimreview(v, base_url=base_url)} for v in verdicts],
    }
