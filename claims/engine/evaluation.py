"""Retrieval metrics as CheckThat! Task 2A defines them, and readers for its files."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path


def read_queries(path: Path) -> dict[str, str]:
    """`id<TAB>text` per line; a header line (`tweet_id`, `iclaim_id`…) is skipped."""
    queries = {}
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t"):
            if len(row) < 2 or row[0].endswith("_id"):
                continue
            queries[row[0]] = row[1]
    return queries


def read_qrels(path: Path) -> dict[str, set[str]]:
    """TREC qrels: `query_id 0 doc_id relevance`."""
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            qrels[parts[0]].add(parts[2])
    return dict(qrels)


def average_precision_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for i, doc in enumerate(ranked, start=1):
        if doc in relevant:
            return 1.0 / i
    return 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def scores(rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]]) -> dict[str, float]:
    """Mean metrics over the queries that have judgements."""
    judged = [q for q in rankings if qrels.get(q)]
    if not judged:
        return {}

    def mean(metric) -> float:
        return round(statistics.fmean(metric(rankings[q], qrels[q]) for q in judged), 4)

    return {
        "queries": len(judged),
        **{f"map@{k}": mean(lambda r, rel, k=k: average_precision_at(r, rel, k)) for k in (1, 3, 5)},
        "mrr": mean(reciprocal_rank),
        **{f"recall@{k}": mean(lambda r, rel, k=k: recall_at(r, rel, k)) for k in (1, 5, 10)},
    }


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def grouped_folds(relevant: Sequence[set[str]], *, folds: int, seed: int = 0) -> list[int]:
    """A fold number per query such that queries sharing a relevant document
    share a fold: a model must not meet, in training, the very fact-check a
    held-out query is about (CheckThat! train has 159 fact-checks with more
    than one tweet)."""
    import random

    parent: dict[str, str] = {}

    def root(doc: str) -> str:
        while parent.setdefault(doc, doc) != doc:
            doc = parent[doc]
        return doc

    for docs in relevant:
        first, *rest = sorted(docs)
        for doc in rest:
            parent[root(doc)] = root(first)
    groups = sorted({root(min(docs)) for docs in relevant})
    random.Random(seed).shuffle(groups)
    fold_of = {group: i % folds for i, group in enumerate(groups)}
    return [fold_of[root(min(docs))] for docs in relevant]
