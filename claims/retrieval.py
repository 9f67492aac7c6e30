"""Hybrid retrieval over the reference corpus: dense (pgvector cosine) and
lexical (BM25 over PostgreSQL's full-text lexemes), fused by a weighted sum of
min-max normalised scores.

Measured on CheckThat! 2022 2A dev-test (python manage.py eval_matching --mode …):
dense alone misses claims whose wording is rare (names, numbers), BM25 alone misses
paraphrases; together they rank better than either. The score shown to people is
always the cosine similarity, because the match tiers are calibrated on it.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from pgvector.django import CosineDistance

from claims.models import Reference

MODES = ("dense", "lexical", "hybrid")

_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")


# An embedded tweet ends with "— Name (@handle) January 19, 2021": the date the
# post was published, not the date of the event it describes.
_SIGNATURE = re.compile(r"\s*[\u2014\u2013-]+\s*[^\u2014\u2013]{0,80}\(@\w+\)\s+([A-Z][a-z]+ \d{1,2}, \d{4})\s*$")


def split_signature(text: str) -> tuple[str, dt.date | None]:
    """The text without a trailing tweet signature, and the signature's date."""
    found = _SIGNATURE.search(text)
    if not found:
        return text, None
    try:
        posted = dt.datetime.strptime(found.group(1), "%B %d, %Y").date()
    except ValueError:
        posted = None
    return text[: found.start()], posted


def clean_query(text: str) -> str:
    """Tweets and posts carry links and handles that say nothing about the claim."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = text.replace("#", " ")
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Candidate:
    reference: Reference
    cosine: float
    fused: float


def dense_ids(*, vector, depth: int) -> dict[int, float]:
    """Reference id → cosine similarity for the `depth` nearest references."""
    with transaction.atomic(), connection.cursor() as cursor:
        # HNSW returns at most ef_search rows; relaxed iterative scans keep
        # the model filter from starving the result.
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(depth, settings.HNSW_EF_SEARCH)])
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        nearest = (
            Reference.objects.embedded_with(settings.EMBEDDING_MODEL_NAME)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("pk", "distance")[:depth]
        )
        return {pk: 1.0 - distance for pk, distance in nearest}


_stats: tuple[float, float, float] | None = None  # (computed at, documents, mean length)


def _corpus_stats() -> tuple[float, float]:
    """Document count and mean length for BM25, cached for a few minutes: they
    move slowly and a full count per query would dominate on a large corpus."""
    global _stats
    now = time.monotonic()
    if _stats is None or now - _stats[0] > settings.BM25_STATS_TTL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), coalesce(avg(length(search)), 1) FROM claims_reference")
            documents, mean_length = cursor.fetchone()
        _stats = (now, float(documents), float(mean_length) or 1.0)
    return _stats[1], _stats[2]


BM25_SQL = """
WITH q AS (
    SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', %(text)s))
), query AS (
    SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS tsq FROM q
), terms AS (
    SELECT r.id, t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf, length(r.search) AS dl
    FROM claims_reference r, query, unnest(r.search) t
    WHERE query.tsq IS NOT NULL AND r.search @@ query.tsq AND t.lexeme IN (SELECT lexeme FROM q)
), df AS (
    SELECT lexeme, count(*) AS df FROM terms GROUP BY lexeme
)
SELECT terms.id,
       sum(ln(1 + (%(n)s - df.df + 0.5) / (df.df + 0.5))
           * terms.tf * (%(k1)s + 1)
           / (terms.tf + %(k1)s * (1 - %(b)s + %(b)s * terms.dl / %(avgdl)s))) AS score
FROM terms JOIN df USING (lexeme)
GROUP BY terms.id
ORDER BY score DESC, terms.id
LIMIT %(depth)s
"""


def lexical_ids(*, text: str, depth: int) -> dict[int, float]:
    """Reference id → BM25 score over the English lexemes of text and title.

    PostgreSQL's own ts_rank has no inverse document frequency and its
    plainto_tsquery ANDs every word, which misses most paraphrased claims; BM25
    over the same lexemes, OR-ed, is the classic lexical baseline."""
    documents, mean_length = _corpus_stats()
    params = {"text": text, "n": documents, "avgdl": mean_length, "k1": 1.5, "b": 0.75, "depth": depth}
    with connection.cursor() as cursor:
        cursor.execute(BM25_SQL, params)
        return {pk: float(score) for pk, score in cursor.fetchall()}


def _minmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = (high - low) or 1.0
    return {pk: (value - low) / span for pk, value in scores.items()}


def search(*, text: str, vector, top_k: int, mode: str = "hybrid") -> list[Candidate]:
    """The top_k references for a claim, best first."""
    depth = max(top_k, settings.MATCH_CANDIDATE_DEPTH)
    text = clean_query(text)
    dense = dense_ids(vector=vector, depth=depth) if mode != "lexical" else {}
    lexical = lexical_ids(text=text, depth=depth) if mode != "dense" else {}
    weight = {"dense": 1.0, "lexical": 0.0}.get(mode, settings.MATCH_DENSE_WEIGHT)
    dense_n, lexical_n = _minmax(dense), _minmax(lexical)
    fused = {
        pk: weight * dense_n.get(pk, 0.0) + (1 - weight) * lexical_n.get(pk, 0.0)
        for pk in dense.keys() | lexical.keys()
    }
    best = sorted(fused, key=lambda pk: (-fused[pk], pk))[:top_k]
    references = Reference.objects.in_bulk(best)
    missing = [pk for pk in best if pk not in dense]
    if missing:
        # Lexical-only finds still show their cosine, which the tiers rely on.
        for pk, distance in (
            Reference.objects.filter(pk__in=missing)
            .annotate(distance=CosineDistance("embedding", vector))
            .values_list("pk", "distance")
        ):
            dense[pk] = 1.0 - distance if distance is not None else 0.0
    return [Candidate(reference=references[pk], cosine=dense[pk], fused=fused[pk]) for pk in best if pk in references]
