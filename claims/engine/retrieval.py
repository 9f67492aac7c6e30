"""Hybrid retrieval over the reference corpus: dense (pgvector cosine) and
lexical (BM25 over PostgreSQL's full-text lexemes), fused by a weighted sum of
scores standardised within each candidate list, and a fact-check published near
the claim's date lifted (the date prior). "hybrid-e5" fuses e5's cosine list
too; in "rerank" mode the fused top MATCH_RERANK_DEPTH is re-ranked by a
learned model (claims/engine/rerank.py). Both are opt-in.

Measured on CheckThat! 2022 2A dev-test (python manage.py eval_matching --mode …):
dense alone misses claims whose wording is rare (names, numbers), BM25 alone misses
paraphrases; together they rank better than either. The score shown to people is
always the cosine similarity, because the match tiers are calibrated on it."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from pgvector.django import CosineDistance

from claims.engine import rerank
from claims.engine.rerank import K  # a candidate's key: a reference id, or an external id offline
from claims.models import Reference

# "hybrid" (the default) is dense + BM25 fused; "hybrid-e5" fuses e5's cosine
# list too (opt-in: MATCH_MODE=hybrid-e5; it costs an English query an e5
# embedding and scan while no fact-check is in another language, nothing after);
# "rerank" re-ranks the hybrid list with the learned model (opt-in: MATCH_MODE=rerank).
MODES = ("dense", "lexical", "hybrid", "hybrid-e5", "rerank")
FUSED = ("hybrid", "hybrid-e5")

_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|www\.\S+")
# A handle or hashtag, and where its words join: "@realDonaldTrump",
# "#ClimateStrike", "@jane_doe_99".
_TAG = re.compile(r"(?<!\w)[@#](\w+)")
_WORD_JOIN = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|_")
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
    """The words of a post as a fact-check would write them: without links,
    and with handles and hashtags as the names they are ("@BillClinton" ->
    "Bill Clinton"). A tweet names its people by handle where the fact-check
    names them in words: dropping the handles, as this did until 2026-12-01,
    cost MAP@5 0.017 on CheckThat! 2022 train+dev (0.9104 -> 0.9270)."""
    text = _URL.sub(" ", text)
    text = _TAG.sub(lambda tag: f" {_WORD_JOIN.sub(' ', tag.group(1))} ", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Candidate:
    reference: Reference
    cosine: float
    fused: float  # the score the list is ordered by: fused z-scores (with the date prior), or the ranker's
    prior: float = 0.0  # the date prior's part of `fused`

    @property
    def text_score(self) -> float:
        """The fused score of the texts alone: what grouping's floors are calibrated on."""
        return self.fused - self.prior


def nearest_settings(cursor, *, ef_search: int) -> None:
    """Settings for the nearest-neighbour query that follows in this
    transaction, in one round trip.

    HNSW returns at most ef_search rows, and relaxed iterative scans keep a
    model filter from starving the result. From HNSW_INDEX_ONLY_FROM references
    on, index scans only: the planner's estimate of an HNSW scan grows with
    ef_search, and at 300 (e5's) it chose a full scan of the 14k CheckThat!
    corpus, 29.4 ms a query against 3.8 ms through the index (the same top 10
    for 99.8% of the results). A smaller corpus is read whole when the planner
    says so: as fast, and exact."""
    documents, _ = _corpus_stats()
    index_only = "off" if documents >= settings.HNSW_INDEX_ONLY_FROM else "on"
    cursor.execute(
        "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true), "
        "set_config('enable_seqscan', %s, true)",
        [str(ef_search), index_only],
    )


def dense_ids(*, vector, depth: int) -> dict[int, float]:
    """Reference id → cosine similarity for the `depth` nearest references."""
    alias = settings.SEARCH_DATABASE
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        nearest_settings(cursor, ef_search=max(depth, settings.HNSW_EF_SEARCH))
        nearest = (
            Reference.objects.using(alias)
            .embedded_with(settings.EMBEDDING_MODEL_NAME)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("pk", "distance")[:depth]
        )
        return {pk: 1.0 - distance for pk, distance in nearest}


_stats: tuple[float, float, float] | None = None  # (computed at, documents, mean length)
_frequencies: dict[str, int] = {}  # lexeme -> documents holding it; cleared with _stats


def _corpus_stats() -> tuple[float, float]:
    """Document count and mean length for BM25, cached for a few minutes: they
    move slowly and a full count per query would dominate on a large corpus."""
    global _stats
    now = time.monotonic()
    if _stats is None or now - _stats[0] > settings.BM25_STATS_TTL:
        with connections[settings.SEARCH_DATABASE].cursor() as cursor:
            cursor.execute("SELECT count(*), coalesce(avg(length(search)), 1) FROM claims_reference")
            documents, mean_length = cursor.fetchone()
        _stats = (now, float(documents), float(mean_length) or 1.0)
        _frequencies.clear()
    return _stats[1], _stats[2]


def _document_frequencies(cursor, lexemes: list[str]) -> list[int]:
    """How many references hold each lexeme, cached with the corpus statistics:
    counting the postings of a common word costs milliseconds on a large corpus."""
    missing = [lexeme for lexeme in lexemes if lexeme not in _frequencies]
    if missing:
        cursor.execute(
            "SELECT lexeme, count(*) FROM claims_referenceterm WHERE lexeme = ANY(%s) GROUP BY lexeme", [missing]
        )
        counted = dict(cursor.fetchall())
        _frequencies.update({lexeme: counted.get(lexeme, 0) for lexeme in missing})
    return [_frequencies[lexeme] for lexeme in lexemes]


def stats_forget() -> None:
    """Drop the cached corpus statistics, so the next query counts them afresh."""
    global _stats
    _stats = None
    _frequencies.clear()


# Each query word reads at most `per_term` postings, the highest-impact first: a
# rare word's postings are all read, and a word common enough to be cut off
# weighs little (its IDF is low), so the ranking barely moves while the cost
# stops growing with the corpus.
BM25_SQL = """
SELECT hit.reference_id,
       sum(q.idf * hit.tf * (%(k1)s::float8 + 1)
           / (hit.tf + %(k1)s::float8 * (1 - %(b)s::float8 + %(b)s::float8 * hit.dl / %(avgdl)s::float8))) AS score
FROM unnest(%(lexemes)s::text[], %(idfs)s::float8[]) AS q(lexeme, idf)
CROSS JOIN LATERAL (
    SELECT t.reference_id, t.tf, t.dl
    FROM claims_referenceterm t
    WHERE t.lexeme = q.lexeme
    ORDER BY t.impact DESC
    LIMIT %(per_term)s
) hit
GROUP BY hit.reference_id
ORDER BY score DESC, hit.reference_id
LIMIT %(depth)s
"""


def query_terms(text: str) -> dict[str, float]:
    """The distinct English lexemes of a query, each with its IDF in the corpus."""
    documents, _ = _corpus_stats()
    with connections[settings.SEARCH_DATABASE].cursor() as cursor:
        cursor.execute("SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', %s))", [text])
        lexemes = [lexeme for (lexeme,) in cursor.fetchall()]
        if not lexemes:
            return {}
        frequencies = _document_frequencies(cursor, lexemes)
    return {t: math.log(1 + (documents - df + 0.5) / (df + 0.5)) for t, df in zip(lexemes, frequencies, strict=True)}


def lexical_ids(*, text: str, depth: int, terms: Mapping[str, float] | None = None) -> dict[int, float]:
    """Reference id → BM25 score over the English lexemes of text and title
    (`terms`: the query's lexemes and IDFs, when query_terms already read them).

    PostgreSQL's own ts_rank has no inverse document frequency and its
    plainto_tsquery ANDs every word, which misses most paraphrased claims; BM25
    over the same lexemes, OR-ed, is the classic lexical baseline."""
    terms = query_terms(text) if terms is None else terms
    if not terms:
        return {}
    _, mean_length = _corpus_stats()
    with connections[settings.SEARCH_DATABASE].cursor() as cursor:
        params = {
            "lexemes": list(terms),
            "idfs": list(terms.values()),
            "avgdl": mean_length,
            "k1": 1.5,
            "b": 0.75,
            "per_term": settings.BM25_POSTINGS_PER_TERM,
            "depth": depth,
        }
        cursor.execute(BM25_SQL, params)
        return {pk: float(score) for pk, score in cursor.fetchall()}


def standardise(scores: Mapping[K, float]) -> tuple[dict[K, float], float]:
    """Z-scores within one candidate list (rerank.standardise).

    Min-max sets each list's scale by its two extremes alone, z-scores by the
    spread of the whole list: CheckThat! 2022 2A MAP@5 +0.011 on train+dev and
    +0.010 on dev-test against min-max."""
    return rerank.standardise(scores)


@dataclass(frozen=True)
class Lists:
    """The candidate lists of one query and their fusion, best first."""

    dense: dict[int, float]
    lexical: dict[int, float]
    fused: dict[int, float]
    order: list[int]  # by fused score and date prior
    terms: dict[str, float]
    depth: int
    e5: dict[int, float] = field(default_factory=dict)
    prior: dict[int, float] = field(default_factory=dict)  # the date prior of the candidates near the claim's date


def _weights(mode: str) -> tuple[float, float, float]:
    """(MiniLM, BM25, e5) weights of the fusion in `mode`."""
    if mode == "dense":
        return 1.0, 0.0, 0.0
    if mode == "lexical":
        return 0.0, 1.0, 0.0
    if mode == "hybrid-e5":
        dense, lexical, e5 = settings.MATCH_E5_FUSION_WEIGHTS
        return dense, lexical, e5
    return settings.MATCH_DENSE_WEIGHT, 1 - settings.MATCH_DENSE_WEIGHT, 0.0


def date_prior(pks, *, claim_date: dt.date | None) -> dict[int, float]:
    """Reference id -> how much nearer the top its publication date puts it:
    MATCH_DATE_WEIGHT / (1 + days apart / MATCH_DATE_SCALE_DAYS), in the fused
    score's units (z-scores), for the references that have a date.

    Claims come in waves around events and fact-checks are written during the
    wave, so of two candidates the text ranks alike, the one from the claim's
    own news cycle is more often the one it repeats. The distance is symmetric
    (a fact-check weeks after an archived article counts as one weeks before a
    new one). Its weight is the largest at which, on CheckThat! train+dev, the
    claims whose fact-check is more than a month away lose nothing beyond one
    query's worth (README, "Matching")."""
    if claim_date is None or settings.MATCH_DATE_WEIGHT <= 0 or not pks:
        return {}
    published = (
        Reference.objects.using(settings.SEARCH_DATABASE)
        .filter(pk__in=list(pks), published__isnull=False)
        .values_list("pk", "published")
    )
    return {pk: date_lift((day - claim_date).days) for pk, day in published if day is not None}


def date_lift(days_apart: int, *, weight: float | None = None, scale: float | None = None) -> float:
    """The date prior of a fact-check `days_apart` days from the claim (either way)."""
    weight = settings.MATCH_DATE_WEIGHT if weight is None else weight
    scale = settings.MATCH_DATE_SCALE_DAYS if scale is None else scale
    return weight / (1 + abs(days_apart) / scale)


def fuse(lists: Sequence[tuple[float, Mapping[K, float]]]) -> dict[K, float]:
    """Every candidate of `lists` ((weight, scores) each) with the weighted sum
    of its z-scores; a candidate missing from a list takes that list's floor:
    it ranked below everything in it."""
    standard = [(weight, *standardise(found)) for weight, found in lists if weight and found]
    candidates = set().union(*(found.keys() for _, found in lists))
    return {key: sum(weight * z.get(key, floor) for weight, z, floor in standard) for key in candidates}


def candidate_lists(
    *,
    text: str,
    vector,
    depth: int,
    mode: str = "hybrid",
    e5: Mapping[int, float] | None = None,
    claim_date: dt.date | None = None,
) -> Lists:
    """The candidate lists for a query (text as searched: clean_query) and their
    fusion: MiniLM and BM25, and in "hybrid-e5" `e5` (reference id -> e5 cosine
    of the query's nearest, which the cross-language search reads anyway); in
    the fused modes, a candidate published near `claim_date` rises by its date_prior."""
    terms = query_terms(text) if mode != "dense" else {}
    dense = dense_ids(vector=vector, depth=depth) if mode != "lexical" else {}
    lexical = lexical_ids(text=text, depth=depth, terms=terms) if mode != "dense" else {}
    e5 = dict(e5 or {}) if mode == "hybrid-e5" else {}
    # Without e5 candidates (the claim has no e5 vector, or no fact-check has) "hybrid-e5" is "hybrid".
    weights = _weights("hybrid" if mode == "hybrid-e5" and not e5 else mode)
    fused = fuse(list(zip(weights, (dense, lexical, e5), strict=True)))
    prior = date_prior(fused.keys(), claim_date=claim_date) if mode in FUSED else {}
    order = sorted(fused, key=lambda pk: (-(fused[pk] + prior.get(pk, 0.0)), pk))
    return Lists(dense=dense, lexical=lexical, fused=fused, order=order, terms=terms, depth=depth, e5=e5, prior=prior)


def _pool(pks: list[int], vector) -> dict[int, Reference]:
    """The candidates to re-rank, each with its cosine, in one query (the
    embedding itself stays in the database)."""
    found = (
        Reference.objects.using(settings.SEARCH_DATABASE)
        .filter(pk__in=pks)
        .defer("embedding")
        .annotate(distance=CosineDistance("embedding", vector))
    )
    return {reference.pk: reference for reference in found}


def _rows(pool: dict[int, Reference], order: list[int]) -> list[rerank.Row]:
    # `distance` is the annotation the pool's query adds.
    cosines = {
        pk: 1.0 - d if (d := getattr(reference, "distance", None)) is not None else 0.0
        for pk, reference in pool.items()
    }
    return [
        rerank.Row(
            pk=pk,
            cosine=cosines[pk],
            text=pool[pk].text,
            title=pool[pk].title,
            subtitle=pool[pk].subtitle,
        )
        for pk in order
        if pk in pool
    ]


def rerank_features(*, text: str, vector, depth: int | None = None, size: int | None = None):
    """The re-ranker's view of a query: the pool (its `size` best fused
    candidates, MATCH_RERANK_DEPTH by default) as rows, their FEATURES, and the
    references by id. The training command reads the same."""
    depth = depth or settings.MATCH_CANDIDATE_DEPTH
    size = size or settings.MATCH_RERANK_DEPTH
    lists = candidate_lists(text=clean_query(text), vector=vector, depth=depth)
    pool = _pool(lists.order[:size], vector)
    rows = _rows(pool, lists.order[:size])
    query = rerank.Query.of(
        text=clean_query(text), body=clean_query(split_signature(text)[0]), terms=lists.terms, raw=text
    )
    matrix = rerank.features(
        query=query, rows=rows, dense=lists.dense, lexical=lists.lexical, fused=lists.fused, depth=depth
    )
    return rows, matrix, pool


def ranker():
    """The configured re-ranking model, or None when no model file exists."""
    return rerank.model(Path(settings.MATCH_RERANK_MODEL))


def _differs(query_slots: Mapping, pool: dict[int, Reference], pks: list[int]) -> set[int]:
    from claims.engine import numbers

    if not any(query_slots.values()):
        return set()
    return {
        pk for pk in pks if numbers.summarise(numbers.compare_slots(query_slots, pool[pk].slots or {})) == "differs"
    }


def search(
    *,
    text: str,
    vector,
    top_k: int,
    mode: str = "hybrid",
    query_slots: Mapping | Callable[[], Mapping] | None = None,
    e5: Mapping[int, float] | None = None,
    claim_date: dt.date | None = None,
) -> list[Candidate]:
    """The top_k references for a claim, best first.

    `query_slots` (the claim's numbers and dates, or a callable that returns
    them once extraction is done) lets a candidate whose numbers differ fall
    by MATCH_RERANK_DIFFERS_PENALTY in the re-ranking. `e5` (the claim's
    nearest by e5, with their cosines) is fused in "hybrid-e5"; `claim_date`
    (when the claim was published) lifts fact-checks of its news cycle in the fused modes."""
    depth = max(top_k, settings.MATCH_CANDIDATE_DEPTH)
    booster = ranker() if mode == "rerank" else None
    if booster is not None:
        rows, matrix, pool = rerank_features(
            text=text, vector=vector, depth=depth, size=max(top_k, settings.MATCH_RERANK_DEPTH)
        )
        scores = dict(zip((row.pk for row in rows), rerank.score(booster, matrix).tolist(), strict=True))
        slots = query_slots() if callable(query_slots) else query_slots
        for pk in _differs(slots, pool, list(scores)) if slots else ():
            scores[pk] -= settings.MATCH_RERANK_DIFFERS_PENALTY
        cosine = {row.pk: row.cosine for row in rows}
        best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:top_k]
        return [Candidate(reference=pool[pk], cosine=cosine[pk], fused=scores[pk]) for pk in best]

    lists = candidate_lists(text=clean_query(text), vector=vector, depth=depth, mode=mode, e5=e5, claim_date=claim_date)
    dense, fused = lists.dense, lists.fused
    best = lists.order[:top_k]
    references = Reference.objects.using(settings.SEARCH_DATABASE).in_bulk(best)
    missing = [pk for pk in best if pk not in dense]
    if missing:
        # Lexical-only finds still show their cosine, which the tiers rely on.
        for pk, distance in (
            Reference.objects.using(settings.SEARCH_DATABASE)
            .filter(pk__in=missing)
            .annotate(distance=CosineDistance("embedding", vector))
            .values_list("pk", "distance")
        ):
            dense[pk] = 1.0 - distance if distance is not None else 0.0
    prior = lists.prior
    return [
        Candidate(
            reference=references[pk], cosine=dense[pk], fused=fused[pk] + prior.get(pk, 0.0), prior=prior.get(pk, 0.0)
        )
        for pk in best
        if pk in references
    ]
