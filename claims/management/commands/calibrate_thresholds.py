import csv
import json
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from claims.engine import embedding, evaluation, retrieval
from claims.models import Match
from claims.services import importers


def threshold_table(scores: np.ndarray, labels: np.ndarray, *, precision: float, recall: float) -> dict:
    """Thresholds on the cosine: best F1, the lowest with precision >= `precision`
    (the "likely" tier) and the highest with recall >= `recall` (the "possible" tier)."""
    order = np.argsort(-scores)
    ranked, hits = scores[order], labels[order].astype(bool)
    true_pos = np.cumsum(hits)
    precisions = true_pos / np.arange(1, len(hits) + 1)
    recalls = true_pos / max(1, hits.sum())
    f1 = np.where(precisions + recalls > 0, 2 * precisions * recalls / (precisions + recalls + 1e-12), 0)

    def row(i: int) -> dict:
        return {
            "threshold": round(float(ranked[i]), 3),
            "precision": round(float(precisions[i]), 3),
            "recall": round(float(recalls[i]), 3),
        }

    precise = np.nonzero(precisions >= precision)[0]
    recalled = np.nonzero(recalls >= recall)[0]
    return {
        "pairs": len(labels),
        "positives": int(hits.sum()),
        "best_f1": {**row(int(np.argmax(f1))), "f1": round(float(f1.max()), 3)},
        "likely": row(int(precise.max())) if len(precise) else None,
        "possible": row(int(recalled.min())) if len(recalled) else None,
    }


class Command(BaseCommand):
    help = (
        "Calibrate the match tiers on labelled pairs: ClaimMatch-style TSV pairs, hard negatives from a "
        "CheckThat corpus (each query's nearest wrong fact-check), and reviewers' match decisions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pairs", type=Path, help="TSV: claim1<TAB>claim2<TAB>label.")
        parser.add_argument("--corpus", type=Path, help="CheckThat vclaims JSONL for hard negatives.")
        parser.add_argument("--queries", type=Path)
        parser.add_argument("--qrels", type=Path)
        parser.add_argument("--decisions", action="store_true", help="Add reviewers' confirmed/rejected matches.")
        parser.add_argument("--precision", type=float, default=0.9)
        parser.add_argument("--recall", type=float, default=0.9)

    def handle(self, *args, pairs, corpus, queries, qrels, decisions, precision, recall, **options):
        if not (pairs or corpus or decisions):
            raise CommandError("Give --pairs, --corpus/--queries/--qrels, or --decisions.")
        report = {}
        if pairs:
            report["pairs"] = threshold_table(*self.pair_scores(pairs), precision=precision, recall=recall)
        if corpus:
            if not (queries and qrels):
                raise CommandError("--corpus needs --queries and --qrels.")
            report["hard_negatives"] = threshold_table(
                *self.hard_negative_scores(corpus, queries, qrels), precision=precision, recall=recall
            )
        if decisions:
            decided = Match.objects.exclude(decision=Match.Decision.PENDING).values_list("score", "decision")
            if decided:
                scores = np.array([score for score, _ in decided])
                labels = np.array([decision == Match.Decision.CONFIRMED for _, decision in decided])
                report["decisions"] = threshold_table(scores, labels, precision=precision, recall=recall)
        self.stdout.write(json.dumps(report, indent=2))

    def pair_scores(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = [r for r in csv.reader(stream, delimiter="\t") if len(r) >= 3 and r[2].strip() in ("0", "1")]
        left = embedding.embed([retrieval.clean_query(r[0]) or r[0] for r in rows])
        right = embedding.embed([r[1] for r in rows])
        return (left * right).sum(axis=1), np.array([int(r[2]) for r in rows])

    def hard_negative_scores(self, corpus: Path, queries: Path, qrels: Path) -> tuple[np.ndarray, np.ndarray]:
        refs = [row for _, row in importers.read(corpus.read_bytes(), fmt="jsonl") if row.get("external_id")]
        ids = [row["external_id"] for row in refs]
        matrix = embedding.embed([" ".join(filter(None, (row.get("text"), row.get("title")))) for row in refs])
        texts, judged = evaluation.read_queries(queries), evaluation.read_qrels(qrels)
        asked = [q for q in texts if q in judged]
        vectors = embedding.embed([retrieval.clean_query(texts[q]) or texts[q] for q in asked])
        position = {ref_id: i for i, ref_id in enumerate(ids)}
        scores, labels = [], []
        for qid, vector in zip(asked, vectors, strict=True):
            similarity = matrix @ vector
            relevant = [position[r] for r in judged[qid] if r in position]
            wrong = np.argsort(-similarity)[:20]
            negative = next((i for i in wrong if i not in relevant), None)
            scores += [similarity[i] for i in relevant]
            labels += [1] * len(relevant)
            if negative is not None:
                scores.append(similarity[negative])
                labels.append(0)
        return np.array(scores), np.array(labels)
