""" "Has this been checked?": a claim typed at the desk, matched against the
reference corpus (matching.claim_match, the same as POST /api/match) and against
the desk's own claims, each with a tier and number checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Subquery
from pgvector.django import CosineDistance

from claims.models import Claim, Verdict
from claims.services import matching


@dataclass(frozen=True)
class ClaimHit:
    claim: Claim
    score: float
    tier: str
    numbers: str
    comparisons: list[dict] = field(default_factory=list)
    rating: str = ""  # the latest verdict's, if the claim has one


@dataclass(frozen=True)
class SearchResult:
    references: list[matching.MatchResult]
    claims: list[ClaimHit]


def claims_similar(*, text: str, top_k: int = 10, published: dt.date | None = None) -> list[ClaimHit]:
    """The desk's own claims nearest to `text` by cosine, above the "possible" tier.

    An exact scan of Claim.embedding (there is no vector index on claims): a
    desk's claims number thousands, not the millions of a reference corpus."""
    from claims import extraction
    from claims.engine import embedding, retrieval

    body, posted = retrieval.split_signature(text)
    vector = embedding.embed_one(retrieval.clean_query(body) or text)
    latest = Verdict.objects.filter(claim=OuterRef("pk")).order_by("-created").values("rating")[:1]
    nearest = list(
        Claim.objects.filter(embedding__isnull=False, embedding_model=embedding.model_name())
        .select_related("article")
        .defer("embedding", "article__text")
        .annotate(distance=CosineDistance("embedding", vector), rating=Subquery(latest))
        .order_by("distance")[:top_k]
    )
    hits = []
    query_slots = matching.slots_of(body, extraction.extract(body, published=published or posted))
    for claim in nearest:
        score = 1.0 - float(claim.distance)
        if score < settings.MATCH_POSSIBLE_THRESHOLD:
            break
        comparisons, summary = matching.numbers_compare(claim_slots=query_slots, reference_slots=claim.slots)
        tier = matching.match_tier(
            score=score,
            numbers=summary,
            likely=settings.MATCH_LIKELY_THRESHOLD,
            possible=settings.MATCH_POSSIBLE_THRESHOLD,
        )
        hits.append(
            ClaimHit(
                claim=claim,
                score=round(score, 4),
                tier=tier,
                numbers=summary,
                comparisons=comparisons,
                rating=claim.rating or "",
            )
        )
    return hits


def desk_search(*, text: str, top_k: int = 5) -> SearchResult:
    return SearchResult(references=matching.claim_match(text=text, top_k=top_k), claims=claims_similar(text=text))
