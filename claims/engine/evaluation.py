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


def gold_groups(qrels: Mapping[str, set[str]], ids: Sequence[str]) -> dict[str, str]:
    """Query id → gold group: queries that share a relevant document are one
    group, and so, transitively, are queries linked through several."""
    parent = {qid: qid for qid in ids}

    def root(qid: str) -> str:
        while parent[qid] != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    first_with: dict[str, str] = {}
    for qid in ids:
        for doc in sorted(qrels.get(qid, ())):
            if doc in first_with:
                parent[root(qid)] = root(first_with[doc])
            else:
                first_with[doc] = qid
    return {qid: root(qid) for qid in ids}


def clustering_scores(assigned: Mapping[str, object], gold: Mapping[str, object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 over every pair of items, B-cubed F1,
    and the number of groups against the gold count."""
    items = [item for item in assigned if item in gold]
    by_assigned: dict[object, set[str]] = defaultdict(set)
    by_gold: dict[object, set[str]] = defaultdict(set)
    for item in items:
        by_assigned[assigned[item]].add(item)
        by_gold[gold[item]].add(item)
    # Pairs within a cluster, and within both a cluster and a gold group.
    joined = sum(len(c) * (len(c) - 1) // 2 for c in by_assigned.values())
    wanted = sum(len(g) * (len(g) - 1) // 2 for g in by_gold.values())
    both = sum(len(c & g) * (len(c & g) - 1) // 2 for c in by_assigned.values() for g in by_gold.values() if c & g)
    precision = both / joined if joined else 1.0
    recall = both / wanted if wanted else 1.0
    b_precision = statistics.fmean(
        len(by_assigned[assigned[i]] & by_gold[gold[i]]) / len(by_assigned[assigned[i]]) for i in items
    )
    b_recall = statistics.fmean(len(by_assigned[assigned[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items)
    return {
        "items": len(items),
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "bcubed_f1": round(2 * b_precision * b_recall / (b_precision + b_recall), 4),
        "joined_pairs": joined,
        "wrong_pairs": joined - both,
        "groups": len(by_assigned),
        "gold_groups": len(by_gold),
    }


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
