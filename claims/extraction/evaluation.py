"""Check-worthiness evaluation on CheckThat! 2020 task 5 style debates: MAP per
debate, over all sentences and over the sentences with numbers, and an honest
tuning run (weights tuned on one half of the debates are scored on the other)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from claims.extraction.checkworthiness import FEATURES, HAND_WEIGHTS, WEIGHTS, Debate, evaluate, load_debates, tune
from claims.extraction.pipeline import analyse_many


def _published(name: str) -> dt.date | None:
    """Debate files start with their date (20160926_...): relative dates resolve against it."""
    try:
        return dt.datetime.strptime(name[:8], "%Y%m%d").date()
    except ValueError:
        return None


def debate_features(debates: Sequence[Debate], *, batch_size: int = 64) -> tuple[list[np.ndarray], float]:
    """One (lines x FEATURES) matrix per debate, and the sentences per second it took.

    A line with several sentences takes the features of its best-scoring one.
    """
    matrices: list[np.ndarray] = []
    started, lines = time.perf_counter(), 0
    for debate in debates:
        results = analyse_many(debate.texts, published=_published(debate.name), batch_size=batch_size)
        rows = []
        for per_line in results:
            best = max(per_line, key=lambda r: r.score, default=None)
            rows.append(best.features if best is not None else (0.0,) * len(FEATURES))
        matrices.append(np.array(rows, dtype=float).reshape(len(rows), len(FEATURES)))
        lines += len(debate.texts)
    return matrices, lines / max(time.perf_counter() - started, 1e-9)


def _scores(matrices: Sequence[np.ndarray], weights: Mapping[str, float]) -> list[list[float]]:
    w = np.array([weights.get(name, 0.0) for name in FEATURES])
    bias = weights.get("bias", 0.0)
    return [list(1.0 / (1.0 + np.exp(-(m @ w + bias)))) for m in matrices]


def evaluate_path(path: Path, *, weights: Mapping[str, float] = WEIGHTS, tune_weights: bool = False) -> dict:
    """The MAP report for the debates under `path`; with `tune_weights`, a two-fold tuning run too."""
    debates = load_debates(path)
    if not debates:
        raise FileNotFoundError(f"No debate files (*.tsv) under {path}")
    matrices, rate = debate_features(debates)
    report: dict = {"path": str(path), "debates": len(debates), "sentences_per_second": round(rate, 1)}
    report["shipped_weights"] = evaluate(debates, _scores(matrices, weights))
    if tune_weights:
        report["hand_weights"] = evaluate(debates, _scores(matrices, HAND_WEIGHTS))
        report["hand_weights"].pop("per_debate_ap")
        report["tuning"] = _two_fold(debates, matrices, HAND_WEIGHTS)
    return report


def _two_fold(debates: Sequence[Debate], matrices: Sequence[np.ndarray], start: Mapping[str, float]) -> dict:
    """Tune on alternate debates, score the other half; then tune on all (in-sample, for shipping)."""
    folds = [list(range(0, len(debates), 2)), list(range(1, len(debates), 2))]
    held_out_scores: list[list[float] | None] = [None] * len(debates)
    fold_weights = []
    for train, test in ((folds[0], folds[1]), (folds[1], folds[0])):
        tuned, _ = tune([matrices[i] for i in train], [debates[i].labels for i in train], start=start)
        fold_weights.append(tuned)
        for i, scores in zip(test, _scores([matrices[i] for i in test], tuned), strict=True):
            held_out_scores[i] = scores
    held_out = evaluate(debates, [s or [] for s in held_out_scores])
    tuned_all, _ = tune(matrices, [d.labels for d in debates], start=start)
    in_sample = evaluate(debates, _scores(matrices, tuned_all))
    return {
        "held_out_two_fold": {k: v for k, v in held_out.items() if k != "per_debate_ap"},
        "in_sample_tuned_on_all": {k: v for k, v in in_sample.items() if k != "per_debate_ap"},
        "weights_tuned_on_all": {k: round(v, 2) for k, v in tuned_all.items()},
        "note": "held-out figures are the honest estimate; in-sample ones are optimistic",
    }
