# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""The check-worthiness score that orders the review queue.

A logistic regression over hashed word and character n-grams, trained on the
CheckThat! 2020 task 5 debates (`train_checkworthiness`) and committed as
checkworthiness_model.npz: bucket weights and idf values only, no vocabulary,
so the file holds no word of the training text. Chosen by cross-validation
grouped by debate (`eval_checkworthiness`): the rule features below, the
neighbouring sentences and sentence embeddings added nothing to it there.

The rule features stay: the pipeline keeps them with every sentence, and the
evaluation reports the old rule score beside the model. The evaluation data
helpers live here too so that the commands only parse arguments.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from spacy.tokens import Doc

from claims.extraction.numbers_rules import entities

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import HashingVectorizer

_STAT_WORDS = re.compile(
    r"\b(?:percent|per\s*cent|%|rate|rates|unemployment|jobs?|tax(?:es)?|deficit|debt|budget|spending|spent|cost|costs"
    r"|billion|million|trillion|thousand|average|median|gdp|economy|income|wages?|salary|salaries|poll|polls|survey"
    r"|record|increase[ds]?|decrease[ds]?|rose|fell|grew|cut|cuts|doubled|tripled|quadrupled|half|majority"
    r"|statistics?|figures?|data|study|report|number|numbers|total|times|killed|died|deaths?|crime|murders?"
    r"|prices?|inflation|insurance|premiums?|dollars?|funding|funded|paid|pays|owe[sd]?|loans?|deport\w*|illegal"
    r"|immigra\w*|refugees?|emissions?|troops|soldiers|weapons|nuclear|treaty|sanctions?)\b",
    re.IGNORECASE,
)
_RECORD_WORDS = re.compile(
    r"\b(?:voted|vote[sd]?|supported|opposed|signed|passed|approved|vetoed|sponsored|proposed|introduced|cut|raised"
    r"|lowered|created|lost|added|increased|decreased|banned|allowed|funded|invaded|never|always|first|only|last)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(r"^\s*(?:I|I['’]m|I['’]ve|I['’]ll|I['’]d|We['’]re|We['’]ll|Let['’]s|Let\s+me)\b")
_FUTURE_RE = re.compile(r"\b(?:will|['’]ll|going\s+to|gonna)\b", re.IGNORECASE)
_GREETING_RE = re.compile(
    r"^\s*(?:thank|thanks|good\s+(?:evening|morning|night)|hello|hi|welcome|yes|no|well|okay|ok|sure|all\s+right"
    r"|right|wow|oh|ladies\s+and|applause|laughter|crosstalk|\(|\[)",
    re.IGNORECASE,
)
_SECOND_PERSON_RE = re.compile(r"\byou\b", re.IGNORECASE)

FEATURES: tuple[str, ...] = (
    "quantity",
    "exact_quantity",
    "vague_quantity",
    "percent",
    "money",
    "tally",
    "ranking",
    "date",
    "year",
    "source",
    "actor_named",
    "person",
    "org_gpe",
    "norp",
    "cardinal",
    "comparative",
    "superlative",
    "stat_words",
    "record_words",
    "past_tense",
    "present_perfect",
    "length",
    "short",
    "question",
    "opinion",
    "hedged",
    "first_person",
    "future",
    "greeting",
    "second_person",
)

# The rule score the learned model replaced: weights set by hand, then moved
# by one round of quarter steps on all 50 CheckThat! 2020 task 5 training
# debates (the tuning code is in the history). Mean per-debate AP there 0.112,
# in-sample; the same procedure fitted on half the debates scored 0.097 on the
# other half, and 0.053 on the 20 held-out test debates.
WEIGHTS: dict[str, float] = {
    "bias": -3.0,
    "quantity": 0.75,
    "exact_quantity": 0.5,
    "vague_quantity": -0.25,
    "percent": 0.75,
    "money": 0.25,
    "tally": 0.75,
    "ranking": 0.5,
    "date": 0.0,
    "year": 0.0,
    "source": 0.0,
    "actor_named": 0.5,
    "person": 0.0,
    "org_gpe": 0.0,
    "norp": 0.25,
    "cardinal": 0.25,
    "comparative": 0.0,
    "superlative": 0.5,
    "stat_words": 0.25,
    "record_words": 0.5,
    "past_tense": 0.25,
    "present_perfect": 0.25,
    "length": 0.5,
    "short": -1.25,
    "question": -1.0,
    "opinion": -0.75,
    "hedged": -0.25,
    "first_person": 0.0,
    "future": -0.25,
    "greeting": -0.75,
    "second_person": -0.25,
}


def features(
    doc: Doc,
    *,
    quantities: Sequence[Mapping] | Sequence[object],
    n_tallies: int,
    n_rankings: int,
    n_dates: int,
    source: str | None,
    actor: str | None,
    opinion: bool,
    hedged: bool,
) -> dict[str, float]:
    """Feature values of one sentence, each in [0, 1]."""
    text = doc.text
    labels = [label for _, _, label in entities(doc)]
    precisions = [getattr(q, "precision", None) for q in quantities]
    units = [getattr(q, "unit", None) for q in quantities]
    tags = [t.tag_ for t in doc]
    n_words = sum(1 for t in doc if not t.is_punct and not t.is_space)
    aux_have = any(t.lower_ in {"has", "have", "'ve", "’ve"} and t.head.tag_ == "VBN" for t in doc)
    return {
        "quantity": float(bool(quantities)),
        "exact_quantity": float(any(p in {"exact", "range", "lower_bound", "upper_bound"} for p in precisions)),
        "vague_quantity": float("vague" in precisions),
        "percent": float("percent" in units or "percentage_point" in units),
        "money": float(any(u and len(u) == 3 and u.isupper() for u in units) or "MONEY" in labels),
        "tally": float(n_tallies > 0),
        "ranking": float(n_rankings > 0),
        "date": float(n_dates > 0),
        "year": float(bool(re.search(r"\b(?:19|20)\d\d\b", text))),
        "source": float(source is not None),
        "actor_named": float(actor is not None and actor[:1].isupper()),
        "person": float("PERSON" in labels),
        "org_gpe": float("ORG" in labels or "GPE" in labels),
        "norp": float("NORP" in labels),
        "cardinal": float("CARDINAL" in labels or "PERCENT" in labels or "MONEY" in labels),
        "comparative": float("JJR" in tags or "RBR" in tags),
        "superlative": float("JJS" in tags or "RBS" in tags),
        "stat_words": min(1.0, len(_STAT_WORDS.findall(text)) / 2),
        "record_words": float(bool(_RECORD_WORDS.search(text))),
        "past_tense": float("VBD" in tags),
        "present_perfect": float(aux_have),
        "length": min(1.0, n_words / 30),
        "short": float(n_words < 6),
        "question": float(text.rstrip().endswith("?")),
        "opinion": float(opinion),
        "hedged": float(hedged),
        "first_person": float(bool(_FIRST_PERSON_RE.search(text))),
        "future": float(bool(_FUTURE_RE.search(text))),
        "greeting": float(bool(_GREETING_RE.search(text))),
        "second_person": float(bool(_SECOND_PERSON_RE.search(text))),
    }


def rule_score(values: Mapping[str, float], weights: Mapping[str, float] = WEIGHTS) -> float:
    """The score before the learned model: the logistic of the weighted rule features."""
    total = weights.get("bias", 0.0) + sum(weights.get(name, 0.0) * value for name, value in values.items())
    return round(1.0 / (1.0 + math.exp(-total)), 4)


# --- The learned model --------------------------------------------------------

MODEL_PATH = Path(__file__).with_name("checkworthiness_model.npz")
MODEL_FORMAT = 1


@dataclass(frozen=True)
class Hashing:
    """How a sentence becomes bucket counts: one block per analyzer, as sklearn's HashingVectorizer counts them."""

    n_features: int = 2**16
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (2, 5)

    def vectorizers(self) -> list[HashingVectorizer]:
        # sklearn takes half a second to import: not before the first sentence is scored.
        from sklearn.feature_extraction.text import HashingVectorizer

        common = {"n_features": self.n_features, "alternate_sign": False, "norm": None}
        blocks = [HashingVectorizer(ngram_range=self.word_ngrams, **common)]
        if self.char_ngrams:
            blocks.append(HashingVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams, **common))
        return blocks


@dataclass(frozen=True)
class Ranker:
    """Sublinear TF-IDF per block, each block L2-normalised, then a linear model.

    `offset` is the decision value of the training sentences' OFFSET_QUANTILE:
    scores are the logistic of (decision - offset), so a score above 0.5
    says "more check-worthy than that share of debate sentences"; the order is
    the model's either way.
    """

    hashing: Hashing
    idf: tuple[np.ndarray, ...]
    coef: tuple[np.ndarray, ...]
    intercept: float
    offset: float
    trained_on: frozenset[str]  # sha256 of each training debate (debate_digest), to flag in-sample scoring

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Batch scoring through the vectorizers themselves (evaluation, training)."""
        total = np.full(len(texts), self.intercept)
        for vectorizer, idf, coef in zip(_vectorizers(self.hashing), self.idf, self.coef, strict=True):
            counts = vectorizer.transform(texts).tocsr()
            counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
            norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
            total += (counts @ coef) / np.maximum(norms, 1e-12)
        return total

    def decision(self, text: str) -> float:
        """One sentence, without sklearn's per-call overhead (about 0.3 ms a block): the
        vectorizers' own analyzers and hash, checked equal to `decisions` in the tests."""
        total = self.intercept
        for block, (idf, coef) in enumerate(zip(self.idf, self.coef, strict=True)):
            if block == 0:
                buckets = _buckets(self.hashing, _analyzers(self.hashing)[0](text))
            else:
                # char_wb n-grams never cross a space: hash each word once per process.
                words = [_word_char_buckets(self.hashing, word) for word in text.split()]
                buckets = np.concatenate(words) if words else np.zeros(0, dtype=np.int64)
            if not len(buckets):
                continue
            buckets, counts = np.unique(buckets, return_counts=True)
            weights = (1.0 + np.log(counts)) * idf[buckets]
            total += float(weights @ coef[buckets]) / float(np.sqrt(weights @ weights))
        return total

    def score(self, text: str) -> float:
        return round(1.0 / (1.0 + math.exp(self.offset - self.decision(text))), 4)


OFFSET_QUANTILE = 0.95


@lru_cache(maxsize=4)
def _vectorizers(hashing: Hashing) -> list[HashingVectorizer]:
    return hashing.vectorizers()


@lru_cache(maxsize=4)
def _analyzers(hashing: Hashing) -> list:
    return [v.build_analyzer() for v in _vectorizers(hashing)]


def _buckets(hashing: Hashing, grams: Sequence[str]) -> np.ndarray:
    """HashingVectorizer's bucket of each n-gram: abs(signed murmurhash3) modulo the size."""
    from sklearn.utils import murmurhash3_32

    hashes = np.fromiter((murmurhash3_32(g) for g in grams), dtype=np.int64, count=len(grams))
    return np.abs(hashes) % hashing.n_features


@lru_cache(maxsize=50_000)
def _word_char_buckets(hashing: Hashing, word: str) -> np.ndarray:
    return _buckets(hashing, _analyzers(hashing)[1](word))


def debate_digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def save_ranker(ranker: Ranker, path: Path, *, extra: Mapping[str, np.ndarray] | None = None) -> None:
    """A .npz of numbers only (plus the settings as JSON), byte for byte the same for the same model:
    fixed zip timestamps, sorted members, float16 weights. `extra` arrays ride along (a model that
    builds on this one keeps its own parts there); load_ranker ignores them."""
    meta = {
        "format": MODEL_FORMAT,
        "n_features": ranker.hashing.n_features,
        "word_ngrams": list(ranker.hashing.word_ngrams),
        "char_ngrams": list(ranker.hashing.char_ngrams) if ranker.hashing.char_ngrams else None,
        "intercept": ranker.intercept,
        "offset": ranker.offset,
    }
    arrays = {"meta": np.array(json.dumps(meta, sort_keys=True)), "trained_on": np.array(sorted(ranker.trained_on))}
    for i, (idf, coef) in enumerate(zip(ranker.idf, ranker.coef, strict=True)):
        arrays[f"idf{i}"] = idf.astype(np.float16)
        arrays[f"coef{i}"] = coef.astype(np.float16)
    if clash := set(extra or {}) & set(arrays):
        raise ValueError(f"extra arrays {sorted(clash)} would replace the ranker's own")
    arrays.update(extra or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def load_ranker(path: Path = MODEL_PATH) -> Ranker:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta["format"] != MODEL_FORMAT:
            raise ValueError(f"{path}: model format {meta['format']}, this code reads {MODEL_FORMAT}")
        blocks = 2 if meta["char_ngrams"] else 1
        return Ranker(
            hashing=Hashing(
                n_features=meta["n_features"],
                word_ngrams=tuple(meta["word_ngrams"]),
                char_ngrams=tuple(meta["char_ngrams"]) if meta["char_ngrams"] else None,
            ),
            idf=tuple(data[f"idf{i}"].astype(np.float64) for i in range(blocks)),
            coef=tuple(data[f"coef{i}"].astype(np.float64) for i in range(blocks)),
            intercept=float(meta["intercept"]),
            offset=float(meta["offset"]),
            trained_on=frozenset(str(d) for d in data["trained_on"]),
        )


@lru_cache(maxsize=1)
def shipped_ranker() -> Ranker:
    """The committed model, read once per process on first use."""
    return load_ranker(MODEL_PATH)


def score(text: str) -> float:
    """Check-worthiness of one sentence in [0, 1], from the shipped model."""
    return shipped_ranker().score(text)


# --- Evaluation ---------------------------------------------------------------


@dataclass(frozen=True)
class Debate:
    name: str
    texts: list[str]
    labels: list[int]


_NUMBER_RE = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand|million|billion|trillion|percent|dozens?|half|third|quarter)\b",
    re.IGNORECASE,
)


def has_number(text: str) -> bool:
    """The "sentences with numbers" subset: digits or number words."""
    return bool(_NUMBER_RE.search(text))


def load_debates(path: Path) -> list[Debate]:
    """CheckThat! 2020 task 5 files (line_number, speaker, text, label), one debate per file."""
    files = sorted(path.glob("*.tsv")) if path.is_dir() else [path]
    debates = []
    for file in files:
        texts, labels = [], []
        with file.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) < 4 or not row[-1].strip().isdigit():
                    continue
                texts.append("\t".join(row[2:-1]))
                labels.append(int(row[-1]))
        debates.append(Debate(file.stem, texts, labels))
    return debates


def average_precision(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """AP of one ranking; None when there is no positive. Ties keep input order."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits, total, positives = 0, 0.0, sum(labels)
    if positives == 0:
        return None
    for rank, i in enumerate(order, 1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / positives


def mean_average_precision(
    per_debate: Iterable[tuple[Sequence[float], Sequence[int]]],
) -> tuple[float, int]:
    """Mean of per-debate AP over debates that have a positive, and how many there were."""
    aps = [ap for scores, labels in per_debate if (ap := average_precision(scores, labels)) is not None]
    return (sum(aps) / len(aps) if aps else 0.0), len(aps)


def precision_at(scores: Sequence[float], labels: Sequence[int], k: int) -> float | None:
    """Share of check-worthy lines among the top k (k = the number of positives: R-Precision)."""
    if k <= 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return sum(labels[i] for i in order[:k]) / k


def evaluate(debates: Sequence[Debate], scores: Sequence[Sequence[float] | np.ndarray]) -> dict:
    """MAP over all sentences and over the sentences with numbers, mean P@10 and R-Precision,
    and the three per debate. Debates without a check-worthy line count in none of the means."""
    all_pairs, number_pairs, per_debate = [], [], {}
    for debate, debate_scores in zip(debates, scores, strict=True):
        debate_scores = list(debate_scores)
        all_pairs.append((debate_scores, debate.labels))
        keep = [i for i, text in enumerate(debate.texts) if has_number(text)]
        number_pairs.append(([debate_scores[i] for i in keep], [debate.labels[i] for i in keep]))
        positives = sum(debate.labels)
        per_debate[debate.name] = {
            "ap": average_precision(debate_scores, debate.labels),
            "p_at_10": precision_at(debate_scores, debate.labels, 10) if positives else None,
            "r_precision": precision_at(debate_scores, debate.labels, positives),
        }
    map_all, n_all = mean_average_precision(all_pairs)
    map_numbers, n_numbers = mean_average_precision(number_pairs)
    judged = [d for d in per_debate.values() if d["ap"] is not None]
    return {
        "map_all": round(map_all, 4),
        "mean_p_at_10": round(sum(float(d["p_at_10"] or 0.0) for d in judged) / len(judged), 4) if judged else 0.0,
        "mean_r_precision": round(sum(float(d["r_precision"] or 0.0) for d in judged) / len(judged), 4)
        if judged
        else 0.0,
        "debates_all": n_all,
        "map_with_numbers": round(map_numbers, 4),
        "debates_with_numbers": n_numbers,
        "sentences": sum(len(d.texts) for d in debates),
        "positives": sum(sum(d.labels) for d in debates),
        "sentences_with_numbers": sum(sum(1 for t in d.texts if has_number(t)) for d in debates),
        "per_debate": {
            name: {k: (round(v, 4) if v is not None else None) for k, v in values.items()}
            for name, values in per_debate.items()
        },
    }
