"""Matching claim texts against the reference corpus, with number checks."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TypeVar

from django.conf import settings

from claims.engine import embedding, numbers, retrieval
from claims.models import (
    Match,
    Reference,
)
from claims.services.errors import InvalidInput

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class MatchResult:
    reference: Reference
    score: float
    rank: int
    tier: str
    numbers: str
    comparisons: list[dict] = field(default_factory=list)
    own: bool = False  # the reference is one of the desk's own published verdicts


def reference_candidates(*, text: str, vector, top_k: int, mode: str | None = None) -> list[retrieval.Candidate]:
    """The top_k references for a claim, best first, with their cosine and ranking score."""
    return retrieval.search(text=text, vector=vector, top_k=top_k, mode=mode or settings.MATCH_MODE)


def reference_search(*, text: str, vector, top_k: int, mode: str | None = None) -> list[tuple[Reference, float]]:
    """The top_k references for a claim, best first, each with its cosine similarity."""
    found = reference_candidates(text=text, vector=vector, top_k=top_k, mode=mode)
    return [(candidate.reference, candidate.cosine) for candidate in found]


def match_tier(*, score: float, numbers: str, likely: float, possible: float) -> str:
    if score >= likely and numbers != Match.Numbers.DIFFERS:
        return "likely"
    # Numbers that differ are flagged, never presented as the same claim.
    if score >= possible:
        return "possible"
    return "unlikely"


def own_verdicts_first(items: Sequence[T], *, own: Callable[[T], bool], tier: Callable[[T], str]) -> list[T]:
    """`items` with the desk's own verdicts that plausibly match first: a
    newsroom's own finding outranks another outlet's, but an unlikely one does
    not push a real match down. Stable, so each part keeps its order."""
    return sorted(items, key=lambda item: not (own(item) and tier(item) != "unlikely"))


def numbers_compare(*, claim_slots: Mapping, reference_slots: Mapping) -> tuple[list[dict], str]:

    comparisons = numbers.compare_slots(claim_slots or {}, reference_slots or {})
    return [c.to_dict() for c in comparisons], numbers.summarise(comparisons)


_extractor: tuple[int, ThreadPoolExecutor] | None = None  # (pid, executor)


def _query_extractor() -> ThreadPoolExecutor:
    """One extraction thread per process (made anew after a fork, whose child has
    none): spaCy stays on one thread, and a match request overlaps it with the
    embedding and the search, which release the GIL."""
    global _extractor
    if _extractor is None or _extractor[0] != os.getpid():
        _extractor = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-extract"))
    return _extractor[1]


def claim_match(
    *,
    text: str,
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
    mode: str | None = None,
) -> list[MatchResult]:
    """Match one claim text against the reference corpus, with number checks."""
    from claims import extraction

    if not text or not text.strip():
        raise InvalidInput("The text is empty.", fields={"text": "This field may not be blank."})
    body, posted = retrieval.split_signature(text)
    # Extraction is half of a match request's CPU time and its slots are only
    # needed after the search: run it beside the embedding and the search.
    slots = _query_extractor().submit(lambda: slots_of(body, extraction.extract(body, published=published or posted)))
    vector = embedding.embed_one(retrieval.clean_query(body) or text)
    found = reference_search(text=text, vector=vector, top_k=top_k or settings.MATCH_TOP_K, mode=mode)
    return _match_results(found=found, query_slots=slots.result(), likely=likely, possible=possible)


def claims_match_batch(
    *,
    texts: Sequence[str],
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
) -> list[list[MatchResult]]:
    """Match many claim texts at once: one embedding batch and one extraction
    batch for all of them; a list of results per text, in order."""
    from claims import extraction

    texts = list(texts)
    blank = {f"texts.{i}": "This text is empty." for i, text in enumerate(texts) if not text or not text.strip()}
    if blank:
        raise InvalidInput("Some texts are empty.", fields=blank)
    if len(texts) > settings.MATCH_BATCH_MAX:
        raise InvalidInput(
            f"At most {settings.MATCH_BATCH_MAX} texts at once.",
            fields={"texts": f"At most {settings.MATCH_BATCH_MAX} items."},
            code="too_large",
        )
    if not texts:
        return []
    vectors = embedding.embed([retrieval.clean_query(text) or text for text in texts])
    found = extraction.extract_many(texts, published=published)
    top_k = top_k or settings.MATCH_TOP_K
    return [
        _match_results(
            found=reference_search(text=text, vector=vector, top_k=top_k),
            query_slots=slots_of(text, claims_found),
            likely=likely,
            possible=possible,
        )
        for text, vector, claims_found in zip(texts, vectors, found, strict=True)
    ]


def _match_results(
    *,
    found: Sequence[tuple[Reference, float]],
    query_slots: Mapping,
    likely: float | None,
    possible: float | None,
) -> list[MatchResult]:
    """The found references as ranked results, each with its number checks and tier."""
    likely = settings.MATCH_LIKELY_THRESHOLD if likely is None else likely
    possible = settings.MATCH_POSSIBLE_THRESHOLD if possible is None else possible
    results = []
    for reference, score in found:
        comparisons, summary = numbers_compare(claim_slots=query_slots, reference_slots=reference.slots)
        results.append(
            MatchResult(
                reference=reference,
                score=round(score, 4),
                rank=0,
                tier=match_tier(score=score, numbers=summary, likely=likely, possible=possible),
                numbers=summary,
                comparisons=comparisons,
                own=reference.verdict_id is not None,
            )
        )
    ordered = own_verdicts_first(results, own=lambda r: r.own, tier=lambda r: r.tier)
    return [replace(result, rank=rank) for rank, result in enumerate(ordered, 1)]


def slots_of(text: str, found) -> dict:
    """Merge the slots of every claim found in a short text (a query or a reference)."""
    merged: dict = {"quantities": [], "tallies": [], "rankings": [], "dates": []}
    for claim in found:
        slots = claim.to_dict()["slots"]
        for key in merged:
            merged[key].extend(slots.get(key, []))
    return merged
