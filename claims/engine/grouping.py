"""Do two claims say the same thing? The wording half of claim grouping.

A small logistic model over the pair's embedding cosine and its word overlap,
where rare words count more than common ones (their weight is how rare the word
is in general English, from wordfreq, so no corpus is needed). Its coefficients
and the threshold to join come from `python manage.py calibrate_grouping`,
fitted on CheckThat! 2022 2A train tweets that share a fact-check, and ship in
grouping_model.json beside this module (a dozen numbers, no words).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("grouping_model.json")
FEATURES = ("cosine", "overlap", "weighted_overlap", "shared_weight")
# Shared rare words stop adding evidence past this much weight (about four names).
SHARED_WEIGHT_CAP = 20.0
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*[a-z0-9]|[a-z0-9]")
_APOSTROPHE = "\u2019"


@dataclass(frozen=True)
class GroupingModel:
    coefficients: tuple[float, ...]
    intercept: float
    join_threshold: float
    # Two claims whose best reference match is the same fact-check, each with
    # at least this ranking score and cosine, are the same claim.
    reference_min_score: float
    reference_min_cosine: float

    @classmethod
    def from_dict(cls, data: dict) -> GroupingModel:
        return cls(
            coefficients=tuple(float(data["coefficients"][name]) for name in FEATURES),
            intercept=float(data["intercept"]),
            join_threshold=float(data["join_threshold"]),
            reference_min_score=float(data["reference"]["min_score"]),
            reference_min_cosine=float(data["reference"]["min_cosine"]),
        )

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(c * features[name] for c, name in zip(self.coefficients, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@cache
def model(path: Path = MODEL_PATH) -> GroupingModel:
    return GroupingModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def tokens(text: str) -> frozenset[str]:
    """The content words of a claim, lower-cased (links and handles already gone)."""
    stop = _stop_words()
    return frozenset(w for w in _WORD.findall(text.lower().replace(_APOSTROPHE, "'")) if len(w) > 2 and w not in stop)


@cache
def weight(word: str) -> float:
    """How much a shared word says: 0 for the commonest English words, up to 8
    for words wordfreq has never seen (names, hashtags, numbers)."""
    from wordfreq import zipf_frequency

    return max(0.0, 8.0 - zipf_frequency(word, "en"))


def pair_features(a: frozenset[str], b: frozenset[str], cosine: float) -> dict[str, float]:
    union = a | b
    shared = a & b
    shared_weight = sum(weight(w) for w in shared)
    union_weight = sum(weight(w) for w in union)
    return {
        "cosine": float(cosine),
        "overlap": len(shared) / len(union) if union else 0.0,
        "weighted_overlap": shared_weight / union_weight if union_weight else 0.0,
        "shared_weight": min(shared_weight, SHARED_WEIGHT_CAP) / SHARED_WEIGHT_CAP,
    }
