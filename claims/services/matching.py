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

from claims.engine import crosslingual, embedding, language, multilingual, numbers, retrieval
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
    scorer: str = Match.Scorer.ENGLISH  # whose cosine `score` is

    @property
    def language(self) -> str:
        return self.reference.language


def reference_candidates(
    *,
    text: str,
    vector,
    top_k: int,
    mode: str | None = None,
    vector_ml=None,
    language: str = "en",
    claim_date: dt.date | None = None,
) -> list[crosslingual.Candidate]:
    """The top_k references for a claim in `language`, best first, with their
    cosine (of the model `scorer` names) and ranking score. Without `vector_ml`
    (the claim's e5 vector) only the English search runs; `claim_date` (when
    the claim was published) lifts the fact-checks of its news cycle."""
    return crosslingual.search(
        text=text,
        vector=vector,
        vector_ml=vector_ml,
        language=language,
        top_k=top_k,
        mode=mode or settings.MATCH_MODE,
        claim_date=claim_date,
    )


def reference_search(*, text: str, vector, top_k: int, mode: str | None = None) -> list[tuple[Reference, float]]:
    """The top_k references for an English claim by the English search alone,
    best first, each with its cosine similarity (the benchmarks' query)."""
    found = reference_candidates(text=text, vector=vector, top_k=top_k, mode=mode)
    return [(candidate.reference, candidate.cosine) for candidate in found]


def tier_thresholds(*, scorer: str, likely: float | None = None, possible: float | None = None) -> tuple[float, float]:
    """(likely, possible) for a score of `scorer`'s model. Thresholds given by
    a caller are on the English model's cosine and hold for its scores only."""
    if scorer == Match.Scorer.MULTILINGUAL:
        return settings.MULTILINGUAL_LIKELY_THRESHOLD, settings.MULTILINGUAL_POSSIBLE_THRESHOLD
    if scorer == Match.Scorer.CROSSLINGUAL:
        return settings.MULTILINGUAL_CROSSLINGUAL_LIKELY_THRESHOLD, settings.MULTILINGUAL_POSSIBLE_THRESHOLD
    return (
        settings.MATCH_LIKELY_THRESHOLD if likely is None else likely,
        settings.MATCH_POSSIBLE_THRESHOLD if possible is None else possible,
    )


def match_tier_of(*, score: float, numbers: str, scorer: str) -> str:
    """The tier of a stored match, on its own model's thresholds."""
    likely, possible = tier_thresholds(scorer=scorer)
    return match_tier(score=score, numbers=numbers, likely=likely, possible=possible)


def extraction_language(code: str | None) -> str:
    """The language to extract claims in: the text's own when the extractor
    has rules for it, English otherwise."""
    from claims.extraction.locales import LANGUAGES

    return code if code in LANGUAGES else "en"


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


def _query_vectors(texts: Sequence[str], languages: Sequence[str], *, mode: str) -> tuple[list, list]:
    """Each query's MiniLM vector (None for one the English search will not
    run for) and e5 vector (None when no e5 search would find anything new:
    an English query while the corpus holds no fact-check in another language
    and `mode` does not fuse e5's list)."""
    english = [i for i, code in enumerate(languages) if crosslingual.is_english(code)]
    every = mode == "hybrid-e5" or crosslingual.foreign_references_exist()
    wanted_ml = [i for i in range(len(texts)) if i not in set(english) or every]
    vectors: list = [None] * len(texts)
    vectors_ml: list = [None] * len(texts)
    if english:
        for i, vector in zip(english, embedding.embed([texts[i] for i in english]), strict=True):
            vectors[i] = vector
    if wanted_ml:
        for i, vector in zip(wanted_ml, multilingual.embed([texts[i] for i in wanted_ml], kind="query"), strict=True):
            vectors_ml[i] = vector
    return vectors, vectors_ml


def claim_match(
    *,
    text: str,
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
    mode: str | None = None,
) -> list[MatchResult]:
    """Match one claim text, in whatever language, against the reference corpus, with number checks."""
    from claims import extraction

    if not text or not text.strip():
        raise InvalidInput("The text is empty.", fields={"text": "This field may not be blank."})
    body, posted = retrieval.split_signature(text)
    code = language.detect(body)
    # Extraction is half of a match request's CPU time and its slots are only
    # needed after the search: run it beside the embedding and the search.
    slots = _query_extractor().submit(
        lambda: slots_of(
            body, extraction.extract(body, published=published or posted, language=extraction_language(code))
        )
    )
    mode = mode or settings.MATCH_MODE
    (vector,), (vector_ml,) = _query_vectors([retrieval.clean_query(body) or text], [code], mode=mode)
    found = reference_candidates(
        text=text,
        vector=vector,
        vector_ml=vector_ml,
        language=code,
        top_k=top_k or settings.MATCH_TOP_K,
        mode=mode,
        claim_date=published or posted,
    )
    return _match_results(found=found, query_slots=slots.result(), likely=likely, possible=possible)


def claims_match_batch(
    *,
    texts: Sequence[str],
    top_k: int | None = None,
    published: dt.date | None = None,
    likely: float | None = None,
    possible: float | None = None,
) -> list[list[MatchResult]]:
    """Match many claim texts at once: one embedding batch per model and one
    extraction batch per language for all of them; a list of results per text, in order."""
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
    codes = language.detect_many(texts)
    bodies, posted = zip(*(retrieval.split_signature(text) for text in texts), strict=True)
    vectors, vectors_ml = _query_vectors(
        [retrieval.clean_query(body) or text for body, text in zip(bodies, texts, strict=True)],
        codes,
        mode=settings.MATCH_MODE,
    )
    found: list = [None] * len(texts)
    by_language: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        by_language.setdefault(extraction_language(code), []).append(i)
    for lang, rows in by_language.items():
        claims_found = extraction.extract_many([texts[i] for i in rows], published=published, language=lang)
        for i, claims_of_text in zip(rows, claims_found, strict=True):
            found[i] = claims_of_text
    top_k = top_k or settings.MATCH_TOP_K
    return [
        _match_results(
            found=reference_candidates(
                text=texts[i],
                vector=vectors[i],
                vector_ml=vectors_ml[i],
                language=codes[i],
                top_k=top_k,
                claim_date=published or posted[i],
            ),
            query_slots=slots_of(texts[i], found[i]),
            likely=likely,
            possible=possible,
        )
        for i in range(len(texts))
    ]


def _match_results(
    *,
    found: Sequence[crosslingual.Candidate],
    query_slots: Mapping,
    likely: float | None,
    possible: float | None,
) -> list[MatchResult]:
    """The found references as ranked results, each with its number checks and
    the tier of its own model's cosine."""
    results = []
    for candidate in found:
        reference, score = candidate.reference, candidate.cosine
        comparisons, summary = numbers_compare(claim_slots=query_slots, reference_slots=reference.slots)
        above, floor = tier_thresholds(scorer=candidate.scorer, likely=likely, possible=possible)
        results.append(
            MatchResult(
                reference=reference,
                score=round(score, 4),
                rank=0,
                tier=match_tier(score=score, numbers=summary, likely=above, possible=floor),
                numbers=summary,
                comparisons=comparisons,
                own=reference.verdict_id is not None,
                scorer=candidate.scorer,
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
