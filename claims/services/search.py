""" "Has this been checked?": a claim typed at the desk, matched against the
reference corpus (matching.claim_match, the same as POST /api/match) and against
the desk's own claims, each with a tier and number checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from pgvector.django import CosineDistance

from claims.models import Claim, Match, Verdict
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

    An English text is compared by the English model's vectors, a text in
    another language by e5's (with e5's tiers), so a Spanish query finds the
    desk's Spanish and English claims alike. An exact scan (a desk's claims
    number thousands, not the millions of a reference corpus)."""
    from claims import extraction
    from claims.engine import crosslingual, embedding, language, multilingual, retrieval

    body, posted = retrieval.split_signature(text)
    query = retrieval.clean_query(body) or text
    code = language.detect(body)
    english = crosslingual.is_english(code)
    if english:
        vector, column, model = embedding.embed_one(query), "embedding", embedding.model_name()
    else:
        vector, column, model = multilingual.embed_one(query, kind="query"), "embedding_ml", multilingual.model_name()
    latest = Verdict.objects.filter(claim=OuterRef("pk")).order_by("-created").values("rating")[:1]
    nearest = list(
        Claim.objects.filter(**{f"{column}__isnull": False, f"{column}_model": model})
        .select_related("article")
        .defer("embedding", "embedding_ml", "article__text")
        .annotate(distance=CosineDistance(column, vector), rating=Subquery(latest))
        .order_by("distance")[:top_k]
    )
    hits = []
    found = extraction.extract(body, published=published or posted, language=matching.extraction_language(code))
    query_slots = matching.slots_of(body, found)
    for claim in nearest:
        score = 1.0 - float(claim.distance)
        scorer = (
            Match.Scorer.ENGLISH
            if english
            else crosslingual.scorer_of(claim_language=code, reference_language=claim.language)
        )
        likely, possible = matching.tier_thresholds(scorer=scorer)
        if score < possible:
            break
        comparisons, summary = matching.numbers_compare(claim_slots=query_slots, reference_slots=claim.slots)
        hits.append(
            ClaimHit(
                claim=claim,
                score=round(score, 4),
                tier=matching.match_tier(score=score, numbers=summary, likely=likely, possible=possible),
                numbers=summary,
                comparisons=comparisons,
                rating=claim.rating or "",
            )
        )
    return hits


def desk_search(*, text: str, top_k: int = 5) -> SearchResult:
    return SearchResult(references=matching.claim_match(text=text, top_k=top_k), claims=claims_similar(text=text))
