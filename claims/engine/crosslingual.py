"""Matching across languages: the English search as it is, and multilingual-e5
for everything the English model cannot read.

all-MiniLM-L6-v2 and BM25 over English lexemes rank English fact-checks for
English claims better than e5 does (CheckThat! 2022 2A dev-test MAP@5 0.936
hybrid against 0.843 for e5), and e5 finds the same claim across languages
where they find almost nothing (bench/data/multilingual/README.md). So:

- an English claim (or one lingua would not decide on) keeps the hybrid
  search of claims/engine/retrieval.py for English fact-checks, and gains the
  fact-checks in other languages that e5 finds, each scored by its e5 z-score
  within e5's own candidate list (the hybrid's fused score is a sum of
  z-scores too, so the two sort together);
- a claim in any other language is matched by e5 alone, against every
  fact-check whatever its language.

Each candidate says whose cosine it carries (`scorer`), because the tiers of
e5's cosines are not those of MiniLM's: e5's bunch high.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction
from pgvector.django import CosineDistance

from claims.engine import multilingual, retrieval
from claims.models import UNDETERMINED_LANGUAGE, Match, Reference

# What the English model and BM25 read; an undetermined claim is taken for
# English, as the corpus mostly is.
ENGLISH = ("en", UNDETERMINED_LANGUAGE)


@dataclass(frozen=True)
class Candidate:
    reference: Reference
    cosine: float  # of the model `scorer` names
    fused: float  # the score the list is ordered by
    scorer: str = Match.Scorer.ENGLISH
    prior: float = 0.0  # the date prior's part of `fused` (retrieval.Candidate)

    @property
    def text_score(self) -> float:
        return self.fused - self.prior


def is_english(language: str | None) -> bool:
    return (language or UNDETERMINED_LANGUAGE) in ENGLISH


def scorer_of(*, claim_language: str, reference_language: str) -> str:
    """Which e5 tiers hold: across languages e5's cosines sit lower."""
    if claim_language == reference_language:
        return Match.Scorer.MULTILINGUAL
    return Match.Scorer.CROSSLINGUAL


def multilingual_ids(*, vector, depth: int) -> dict[int, tuple[float, str]]:
    """Reference id -> (e5 cosine, language) for the `depth` nearest by e5."""
    alias = settings.SEARCH_DATABASE
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        retrieval.nearest_settings(cursor, ef_search=max(depth, settings.MULTILINGUAL_EF_SEARCH))
        nearest = (
            Reference.objects.using(alias)
            .filter(embedding_ml__isnull=False, embedding_ml_model=multilingual.model_name())
            .annotate(distance=CosineDistance("embedding_ml", vector))
            .order_by("distance")
            .values_list("pk", "distance", "language")[:depth]
        )
        return {pk: (1.0 - distance, language) for pk, distance, language in nearest}


def _z_scores(scores: dict[int, float]) -> dict[int, float]:
    """As retrieval's fusion standardises each list: z-scores within the list."""
    return retrieval.standardise(scores)[0]


_foreign: tuple[float, bool] | None = None  # (checked at, any non-English reference with an e5 vector)


def foreign_references_exist() -> bool:
    """Whether any fact-check not in English has an e5 vector: when none has, an
    English query need not be embedded by e5 at all. Cached like BM25's corpus
    statistics (settings.BM25_STATS_TTL); forget() after storing vectors."""
    global _foreign
    now = time.monotonic()
    if _foreign is None or now - _foreign[0] > settings.BM25_STATS_TTL:
        found = (
            Reference.objects.using(settings.SEARCH_DATABASE)
            .filter(embedding_ml__isnull=False)
            .exclude(language__in=ENGLISH)
            .exists()
        )
        _foreign = (now, found)
    return _foreign[1]


def forget() -> None:
    global _foreign
    _foreign = None


def search(
    *,
    text: str,
    vector,
    vector_ml,
    language: str,
    top_k: int,
    mode: str = "hybrid",
    claim_date: dt.date | None = None,
) -> list[Candidate]:
    """The top_k references for a claim in `language`, best first.

    `vector` is the claim's MiniLM vector (unused for a claim in another
    language than English), `vector_ml` its e5 "query" vector (None: the
    English search alone, as before e5), `claim_date` when the claim was
    published (the English search's date prior)."""
    depth = max(top_k, settings.MATCH_CANDIDATE_DEPTH)
    if not is_english(language) and vector_ml is not None:
        found = multilingual_ids(vector=vector_ml, depth=depth)
        z = _z_scores({pk: cosine for pk, (cosine, _) in found.items()})
        best = sorted(found, key=lambda pk: (-found[pk][0], pk))[:top_k]
        references = Reference.objects.using(settings.SEARCH_DATABASE).in_bulk(best)
        return [
            Candidate(
                reference=references[pk],
                cosine=found[pk][0],
                fused=z[pk],
                scorer=scorer_of(claim_language=language, reference_language=found[pk][1]),
            )
            for pk in best
            if pk in references
        ]
    # e5's nearest, in every language: "hybrid-e5" fuses them into the English
    # list, and the ones in other languages join it below.
    found = multilingual_ids(vector=vector_ml, depth=depth) if vector_ml is not None else {}
    # Fact-checks in other languages leave the English list (e5 scores them),
    # so it is asked for more than top_k.
    english = [
        Candidate(reference=c.reference, cosine=c.cosine, fused=c.fused, prior=c.prior)
        for c in retrieval.search(
            text=text,
            vector=vector,
            top_k=2 * top_k,
            mode=mode,
            e5={pk: cosine for pk, (cosine, _) in found.items()},
            claim_date=claim_date,
        )
    ]
    if vector_ml is None:
        return english[:top_k]
    z = _z_scores({pk: cosine for pk, (cosine, _) in found.items()})
    foreign = [pk for pk, (_, ref_language) in found.items() if not is_english(ref_language)]
    references = Reference.objects.using(settings.SEARCH_DATABASE).in_bulk(foreign)
    merged = [c for c in english if is_english(c.reference.language)]
    merged += [
        Candidate(
            reference=references[pk],
            cosine=found[pk][0],
            fused=z[pk],
            scorer=scorer_of(claim_language=language, reference_language=found[pk][1]),
        )
        for pk in foreign
        if pk in references
    ]
    merged.sort(key=lambda c: (-c.fused, c.reference.pk))
    return merged[:top_k]
