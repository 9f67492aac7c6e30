import json
import random
from itertools import combinations
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from claims.engine import embedding, evaluation, grouping, retrieval


def query_texts(queries: Path, qrels: Path) -> tuple[list[str], list[str], dict[str, set[str]]]:
    """The judged queries' ids, their texts as the desk would store them (no
    signature, links or handles), and their judgements."""
    texts = evaluation.read_queries(queries)
    judgements = evaluation.read_qrels(qrels)
    ids = [qid for qid in texts if qid in judgements]
    cleaned = [retrieval.clean_query(retrieval.split_signature(texts[qid])[0]) or texts[qid] for qid in ids]
    return ids, cleaned, judgements


def simulate(probabilities: dict[tuple[int, int], float], count: int, threshold: float, seed: int) -> dict[int, int]:
    """The grouping service's rule in memory: claims arrive in a shuffled order
    and each joins the group holding its most probable match, if that passes."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    group_of: dict[int, int] = {}
    for position, i in enumerate(order):
        best, chosen = threshold, None
        for j in order[:position]:
            p = probabilities[(min(i, j), max(i, j))]
            if p >= best:
                best, chosen = p, group_of[j]
        group_of[i] = chosen if chosen is not None else i
    return group_of


class Command(BaseCommand):
    help = (
        "Fit the wording model of claim grouping (claims/engine/grouping.py) on queries that share a relevant "
        "fact-check, choose the join threshold that keeps pairwise precision at --precision, and write the model file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=Path, required=True, help="TSV: id<TAB>text (CheckThat! 2A train).")
        parser.add_argument("--qrels", type=Path, required=True, help="TREC qrels of those queries.")
        parser.add_argument("--precision", type=float, default=0.95, help="Pairwise precision the threshold keeps.")
        parser.add_argument("--reference-min-score", type=float, default=3.5)
        parser.add_argument("--reference-min-cosine", type=float, default=0.3)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, default=grouping.MODEL_PATH)

    def handle(self, *args, queries, qrels, precision, reference_min_score, reference_min_cosine, seed, out, **options):
        from sklearn.linear_model import LogisticRegression

        for path in (queries, qrels):
            if not path.exists():
                raise CommandError(f"No such file: {path}")
        ids, texts, judgements = query_texts(queries, qrels)
        gold = evaluation.gold_groups(judgements, ids)
        vectors = embedding.embed(texts)
        cosines = vectors @ vectors.T
        words = [grouping.tokens(text) for text in texts]
        pairs = list(combinations(range(len(ids)), 2))
        features = np.array(
            [
                [grouping.pair_features(words[i], words[j], cosines[i, j])[name] for name in grouping.FEATURES]
                for i, j in pairs
            ]
        )
        labels = np.array([gold[ids[i]] == gold[ids[j]] for i, j in pairs])
        fitted = LogisticRegression(C=1.0, max_iter=5000).fit(features, labels)
        model = grouping.GroupingModel(
            coefficients=tuple(float(c) for c in fitted.coef_[0]),
            intercept=float(fitted.intercept_[0]),
            join_threshold=0.5,
            reference_min_score=reference_min_score,
            reference_min_cosine=reference_min_cosine,
        )
        probabilities = dict(zip(pairs, fitted.predict_proba(features)[:, 1], strict=True))
        table = []
        for threshold in np.arange(0.50, 0.995, 0.01):
            group_of = simulate(probabilities, len(ids), float(threshold), seed)
            scores = evaluation.clustering_scores({ids[i]: g for i, g in group_of.items()}, gold)
            table.append((round(float(threshold), 2), scores))
        good = [row for row in table if row[1]["pairwise_precision"] >= precision and row[1]["joined_pairs"]]
        threshold, scores = good[0] if good else table[-1]
        document = {
            "_why": "Fitted by `python manage.py calibrate_grouping` on CheckThat! 2022 2A train queries that share "
            "a fact-check; the threshold is the lowest whose simulated grouping keeps the pairwise precision asked for.",
            "coefficients": dict(zip(grouping.FEATURES, model.coefficients, strict=True)),
            "intercept": model.intercept,
            "join_threshold": threshold,
            "reference": {"min_score": reference_min_score, "min_cosine": reference_min_cosine},
            "fitted_on": {"queries": len(ids), "pairs": len(pairs), "positive_pairs": int(labels.sum())},
            "simulated": {"precision_asked": precision, "seed": seed, **scores},
        }
        out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        for row_threshold, row in table[::5]:
            self.stdout.write(
                f"threshold {row_threshold:.2f}  precision {row['pairwise_precision']:.3f}  "
                f"recall {row['pairwise_recall']:.3f}  groups {row['groups']}"
            )
        self.stdout.write(f"wrote {out}: join threshold {threshold}, {json.dumps(scores)}")
