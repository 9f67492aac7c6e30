"""Check-worthiness from a claim's text and its sentence embedding together.

One logistic regression over the text model's hashed word and character
n-grams (claims.extraction.checkworthiness, the same features and the same
hashing) side by side with the claim's MiniLM vector, scaled by
EMBEDDING_WEIGHT. Trained on the CheckThat! 2020 task 5 debates
(`train_checkworthiness --joint`) and committed as checkworthiness_model.npz
beside this module: bucket weights, idf values and 384 embedding weights, no
vocabulary, so no word of the training text.

Why here and not in the extraction library: the library must not depend on
the embedding model. The pipeline scores a sentence from its text alone at
extraction; when the claim is embedded (services.articles.article_embed) this
model replaces that score: the vector then costs nothing more.
Claims reach the review queue only after matching, so the queue only ever
sees this score.

Grouped cross-validation by debate put the joint model above the text model
(the figures are beside C below); as a second stage over the text score, the
embedding added nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from claims.extraction.checkworthiness import (
    Debate,
    Ranker,
    debate_digest,
    evaluate,
    load_debates,
    load_ranker,
    save_ranker,
)
from claims.extraction.evaluation import (
    FOLDS,
    HASHING,
    fit_logistic,
    grouped_folds,
    offset_of,
    text_features,
    text_ranker,
    training_labels,
)
from claims.extraction.evaluation import evaluate_path as text_evaluate_path

MODEL_PATH = Path(__file__).with_name("checkworthiness_model.npz")
JOINT_FORMAT = 1
# Set before the grid by the one joint model tried first, then kept by 5-fold
# cross-validation grouped by debate on the 50 training debates: MAP 0.146
# (`eval_checkworthiness`'s folds; 0.147 over three fold assignments) against
# 0.126 for the text model, per-debate AP +0.020, 95% CI [+0.010, +0.032],
# 38 debates better, 11 worse. C 0.3 and 3, weights 0.25, 1 and 2 all scored
# below it (0.131-0.144 over three assignments); C 0.3 with weight 0.5 within
# noise of it. Its own figure is a little optimistic for being the best of 11.
C = 1.0
EMBEDDING_WEIGHT = 0.5


@dataclass(frozen=True)
class JointRanker:
    """`text` holds the n-gram weights of the joint model, its intercept and its offset (the training
    decision at the text model's OFFSET_QUANTILE): scores are the logistic of (decision - offset), on
    the text model's scale. `embedding_coef` is already multiplied by the embedding weight."""

    text: Ranker
    embedding_coef: np.ndarray
    embedding_weight: float
    embedding_model: str

    @property
    def trained_on(self) -> frozenset[str]:
        return self.text.trained_on

    def decisions(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        vectors = _matrix(vectors, len(texts), self.embedding_coef.shape[0])
        if not len(texts):
            return np.zeros(0)  # sklearn's HashingVectorizer refuses an empty batch
        return self.text.decisions(texts) + vectors @ self.embedding_coef

    def decision(self, text: str, vector: np.ndarray) -> float:
        return self.text.decision(text) + float(np.asarray(vector, dtype=np.float64) @ self.embedding_coef)

    def score(self, text: str, vector: np.ndarray) -> float:
        return round(1.0 / (1.0 + math.exp(self.text.offset - self.decision(text, vector))), 4)

    def scores(self, texts: Sequence[str], vectors: np.ndarray) -> list[float]:
        """`score` of each claim of a batch. Sentence by sentence rather than through sklearn's
        vectorizers: as fast on new text (about 90 us a claim) and faster once the words have been
        seen (60 us), for `decision` hashes each word's character n-grams once per process."""
        vectors = _matrix(vectors, len(texts), self.embedding_coef.shape[0])
        return [self.score(text, vector) for text, vector in zip(texts, vectors, strict=True)]


def _matrix(vectors: np.ndarray, rows: int, dim: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64).reshape(rows, -1) if rows else np.zeros((0, dim))
    if matrix.shape[1] != dim:
        raise ValueError(f"vectors of {matrix.shape[1]} dimensions; the model takes {dim}")
    return matrix


def fit_joint(
    debates: Sequence[Debate],
    vectors: Sequence[np.ndarray],
    *,
    c: float = C,
    weight: float = EMBEDDING_WEIGHT,
    embedding_model: str = "all-MiniLM-L6-v2",
) -> JointRanker:
    """The joint recipe, deterministic: the same debates and vectors give the same file byte for byte.
    `vectors` holds one (sentences x dim) array per debate, unit rows as embedding.embed gives them."""
    from scipy.sparse import csr_matrix, hstack

    labels = training_labels(debates)
    texts = [t for d in debates for t in d.texts]
    matrix = np.vstack([_matrix(v, len(d.texts), np.shape(v)[-1]) for d, v in zip(debates, vectors, strict=True)])
    features, idfs = text_features(texts, hashing=HASHING)
    weights, intercept = fit_logistic(hstack([features, csr_matrix(weight * matrix)]).tocsr(), labels, c=c)
    n_text = features.shape[1]
    ranker = JointRanker(
        text=text_ranker(debates, idfs, weights[:n_text], intercept, hashing=HASHING),
        # Rounded to float16 by fit_logistic like every weight, then scaled: float32 holds that exactly.
        embedding_coef=(weight * weights[n_text:]).astype(np.float32).astype(np.float64),
        embedding_weight=weight,
        embedding_model=embedding_model,
    )
    offset = offset_of(ranker.decisions(texts, matrix))
    return dataclasses.replace(ranker, text=dataclasses.replace(ranker.text, offset=offset))


def save_joint(ranker: JointRanker, path: Path) -> None:
    """The text model's file (load_ranker reads its n-gram part) with the embedding weights beside it."""
    meta = {
        "format": JOINT_FORMAT,
        "embedding_dim": int(ranker.embedding_coef.shape[0]),
        "embedding_weight": ranker.embedding_weight,
        "embedding_model": ranker.embedding_model,
    }
    save_ranker(
        ranker.text,
        path,
        extra={
            "joint_meta": np.array(json.dumps(meta, sort_keys=True)),
            "embedding_coef": ranker.embedding_coef.astype(np.float32),
        },
    )


def load_joint(path: Path = MODEL_PATH) -> JointRanker:
    text = load_ranker(path)
    with np.load(path, allow_pickle=False) as data:
        if "joint_meta" not in data.files:
            raise ValueError(f"{path}: a text-only model, not the joint one")
        meta = json.loads(str(data["joint_meta"]))
        if meta["format"] != JOINT_FORMAT:
            raise ValueError(f"{path}: joint model format {meta['format']}, this code reads {JOINT_FORMAT}")
        coef = data["embedding_coef"].astype(np.float64)
    if coef.shape != (meta["embedding_dim"],):
        raise ValueError(f"{path}: {coef.shape[0]} embedding weights for {meta['embedding_dim']} dimensions")
    return JointRanker(
        text=text,
        embedding_coef=coef,
        embedding_weight=float(meta["embedding_weight"]),
        embedding_model=str(meta["embedding_model"]),
    )


@lru_cache(maxsize=1)
def shipped_joint() -> JointRanker:
    """The committed model, read once per process on first use."""
    return load_joint(MODEL_PATH)


def score(text: str, vector: np.ndarray) -> float:
    """Check-worthiness in [0, 1] of a claim from its text and its embedding, from the shipped model."""
    return shipped_joint().score(text, vector)


def scores(texts: Sequence[str], vectors: np.ndarray) -> list[float]:
    return shipped_joint().scores(texts, vectors)


# --- Evaluation ---------------------------------------------------------------


def embed_debates(debates: Sequence[Debate]) -> list[np.ndarray]:
    """Every sentence's vector, one array per debate, in one pass of the model (the backend
    embeds texts one at a time, so a vector does not depend on its neighbours)."""
    from claims.engine import embedding

    texts = [t for d in debates for t in d.texts]
    matrix = embedding.embed(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    bounds = np.cumsum([0] + [len(d.texts) for d in debates])
    return [matrix[start:end] for start, end in itertools.pairwise(bounds)]


def cross_validated_joint(
    debates: Sequence[Debate],
    vectors: Sequence[np.ndarray],
    folds: Sequence[tuple[list[int], list[int]]],
    *,
    c: float = C,
    weight: float = EMBEDDING_WEIGHT,
) -> list[np.ndarray]:
    """Out-of-fold joint decisions, one array per debate: each scored by a model that never saw it."""
    out: list[np.ndarray] = [np.zeros(0)] * len(debates)
    for train, test in folds:
        model = fit_joint([debates[i] for i in train], [vectors[i] for i in train], c=c, weight=weight)
        for i in test:
            out[i] = model.decisions(debates[i].texts, vectors[i])
    return out


def _decisions(model: JointRanker, debates: Sequence[Debate], vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [model.decisions(d.texts, v) for d, v in zip(debates, vectors, strict=True)]


def paired_difference(joint: dict, text: dict) -> dict:
    """Per-debate AP of one report minus another's: the mean, its 95% bootstrap interval over
    debates (BCa, 10,000 resamples, seeded) and how many debates went each way."""
    from scipy.stats import bootstrap

    names = [
        n for n, d in joint["per_debate"].items() if d["ap"] is not None and text["per_debate"][n]["ap"] is not None
    ]
    diff = np.array([joint["per_debate"][n]["ap"] - text["per_debate"][n]["ap"] for n in names])
    out: dict[str, object] = {
        "mean": round(float(diff.mean()), 4) if len(diff) else None,
        "ci95": None,
        "debates_better": int((diff > 0).sum()),
        "debates_worse": int((diff < 0).sum()),
        "debates": len(names),
    }
    if len(diff) >= 3 and np.ptp(diff) > 0:
        ci = bootstrap((diff,), np.mean, n_resamples=10_000, confidence_level=0.95, random_state=0).confidence_interval
        out["ci95"] = [round(float(ci.low), 4), round(float(ci.high), 4)]
    return out


def fold_maps(report: dict, folds: Sequence[tuple[list[int], list[int]]]) -> list[float]:
    """MAP over each fold's test debates: the spread a single split of the debates would show."""
    aps = [d["ap"] for d in report["per_debate"].values()]
    return [round(float(np.mean([aps[i] for i in test if aps[i] is not None] or [0.0])), 4) for _, test in folds]


def evaluate_path(
    path: Path,
    *,
    train: Path | None = None,
    folds: int = FOLDS,
    rules: bool = False,
    grid: Sequence[tuple[float, float]] = (),
) -> dict:
    """The report of `eval_checkworthiness`: the text model's (claims.extraction.evaluation), and
    beside it the joint model, the committed file and the recipe retrained the same way (per fold,
    or on `train`), with the paired difference from the text recipe per debate. `grid` adds other
    (C, embedding weight) pairs of the joint recipe, cross-validated on the same folds."""
    report = text_evaluate_path(path, train=train, folds=folds, rules=rules)
    debates, train_debates = load_debates(path), (load_debates(train) if train else [])
    timings = report["seconds"]
    started = time.perf_counter()
    vectors = embed_debates([*train_debates, *debates])
    train_vectors, vectors = vectors[: len(train_debates)], vectors[len(train_debates) :]
    timings["embedding"] = round(time.perf_counter() - started, 1)
    model = shipped_joint()
    seen = sum(debate_digest(d.texts) in model.trained_on for d in debates)
    report["shipped_joint"] = evaluate(debates, _decisions(model, debates, vectors))
    report["shipped_joint"]["in_sample_debates"] = seen
    report["notes"].append(
        f"shipped_joint: the committed joint model (text + embedding, C {C}, embedding weight {EMBEDDING_WEIGHT}); "
        + (f"{seen} of these debates were in its training data (in-sample)." if seen else "held-out figures.")
    )
    started = time.perf_counter()
    if train:
        report["joint"] = evaluate(debates, _decisions(fit_joint(train_debates, train_vectors), debates, vectors))
        report["joint"].update(c=C, embedding_weight=EMBEDDING_WEIGHT)
    elif len(debates) >= 2:
        split = grouped_folds(debates, folds)
        for c, weight in [(C, EMBEDDING_WEIGHT), *grid]:
            figures = evaluate(debates, cross_validated_joint(debates, vectors, split, c=c, weight=weight))
            figures.update(c=c, embedding_weight=weight, fold_map=fold_maps(figures, split))
            figures["minus_learned"] = paired_difference(figures, report["learned"])
            if "joint" not in report:
                report["joint"] = figures
                report["learned"]["fold_map"] = fold_maps(report["learned"], split)
            else:
                report.setdefault("joint_grid", []).append(figures)
    if "joint" in report:
        report["joint"].setdefault("minus_learned", paired_difference(report["joint"], report["learned"]))
        report["notes"].append(
            "joint: the joint recipe trained like `learned`; minus_learned: its per-debate AP minus the text "
            "recipe's, mean, 95% bootstrap interval over debates, debates better and worse"
        )
    timings["joint"] = round(time.perf_counter() - started, 1)
    return report
