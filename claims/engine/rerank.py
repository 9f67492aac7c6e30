"""A learned re-ranking of the fused candidates (claims/engine/retrieval.py).

Fusion weighs a whole list by two numbers; the ranker looks at each candidate:
where the query's rare words fall (claim, title or subtitle: Snopes often names
the person or the place only in the subtitle), which word pairs and capitalised
names it shares, which numbers, and how far its cosine and BM25 sit from the
best of the list. LightGBM's LambdaRank learns how to weigh them from matched
pairs (python manage.py train_ranker builds the model from CheckThat! 2022 2A
train+dev; the file ships in claims/engine/ranker/).

Everything here is plain Python over data the search has already read, so the
training command and the search compute the very same features. The fields'
lexemes come from the Snowball English stemmer (PyStemmer), the algorithm of
PostgreSQL's `english` configuration: asking PostgreSQL for them (to_tsvector
on 150 fields) took 3.4 ms a query, stemming them here 0.3 ms.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np

FIELDS = ("text", "title", "subtitle")
FEATURES = (
    # the candidate lists
    "cosine",
    "dense_z",
    "lexical_z",
    "fused",
    "dense_rank",
    "lexical_rank",
    "fused_rank",
    "cosine_gap",
    "bm25",
    "bm25_gap",
    # where the query's words fall, weighted by IDF
    "query_in_text",
    "query_in_title",
    "query_in_subtitle",
    "query_in_any_gap",
    "text_in_query",
    "title_in_query",
    "subtitle_in_query",
    "bm25_title",
    "bm25_subtitle",
    "rarest_shared",
    "query_terms",
    # phrases, names and numbers
    "pairs_text",
    "pairs_title",
    "pairs_subtitle",
    "names_query",
    "names_shared",
    "names_in_subtitle",
    "names_idf",
    "author_shared",
    "numbers_query",
    "numbers_shared",
    "numbers_extra",
)

_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]*[a-z][\w'\u2019-]*\b|\b[A-Z]{2,}\b")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_AUTHOR = re.compile(r"[\u2014\u2013-]+\s*([^\u2014\u2013]{0,80})\(@(\w+)\)\s+[A-Z][a-z]+ \d{1,2}, \d{4}\s*$")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "with",
        "at",
        "from",
        "that",
        "this",
        "it",
        "as",
        "his",
        "her",
        "their",
        "its",
        "has",
        "have",
        "had",
        "not",
        "no",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
    ]
)
K1 = 1.2


# PostgreSQL's english.stop (the Snowball list).
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers "
        "herself it its itself they them their theirs themselves what which who whom this that these those am is are "
        "was were be been being have has had having do does did doing a an the and but if or because as until while "
        "of at by for with about against between into through during before after above below to from up down in "
        "out on off over under again further then once here there when where why how all any both each few more "
        "most other some such no nor not only own same so than too very s t can will just don should now",
    )
)
_stemmer = threading.local()


def lexemes(text: str | list[str]) -> dict[str, int]:
    """Stemmed words of a text (or of its words), stop words left out, with their counts."""
    stemmer = getattr(_stemmer, "english", None)
    if stemmer is None:
        import Stemmer

        stemmer = _stemmer.english = Stemmer.Stemmer("english")
    words = _words(text) if isinstance(text, str) else text
    counts: dict[str, int] = {}
    for stem in stemmer.stemWords([w for w in words if w not in _STOPWORDS]):
        counts[stem] = counts.get(stem, 0) + 1
    return counts


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _pairs(text: str | list[str]) -> set[tuple[str, str]]:
    words = [w for w in (_words(text) if isinstance(text, str) else text) if w not in _STOP]
    return set(itertools.pairwise(words))


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


@dataclass(frozen=True)
class Query:
    """What the ranker needs of a query: its text as searched (links and
    handles removed, a tweet signature kept), the same text without the
    signature, and its lexemes with their IDF in the corpus."""

    text: str
    body: str
    terms: Mapping[str, float]
    author: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *, text: str, body: str, terms: Mapping[str, float], raw: str = "") -> Query:
        found = _AUTHOR.search(raw)
        author = frozenset((set(_words(found.group(1))) | {found.group(2).lower()}) - _STOP) if found else frozenset()
        return cls(text=text, body=body, terms=dict(terms), author=author)


@dataclass(frozen=True)
class Row:
    """A candidate as the search read it: its fields and its cosine."""

    pk: int
    cosine: float
    text: str
    title: str
    subtitle: str


K = TypeVar("K", bound=Hashable)  # a candidate's key


def standardise(scores: Mapping[K, float]) -> tuple[dict[K, float], float]:
    """Z-scores within one candidate list, and the score of a reference the list
    does not hold (its lowest z-score: it ranked below everything in it)."""
    if not scores:
        return {}, 0.0
    mean = statistics.fmean(scores.values())
    spread = statistics.pstdev(scores.values(), mu=mean)
    # Equal scores differ in their last bits (BM25 sums in another order):
    # standardised, that rounding noise would become whole z-units.
    if spread <= 1e-9 * max(1.0, abs(mean)):
        spread = 1.0
    standard = {pk: (value - mean) / spread for pk, value in scores.items()}
    return standard, min(standard.values())


def features(
    *,
    query: Query,
    rows: Sequence[Row],
    dense: Mapping[int, float],
    lexical: Mapping[int, float],
    fused: Mapping[int, float],
    depth: int,
) -> np.ndarray:
    """One row of FEATURES per candidate, in the order of `rows` (best fused first)."""
    import numpy as np

    dense_z, dense_floor = standardise(dense)
    lexical_z, lexical_floor = standardise(lexical)
    dense_rank = {pk: i for i, pk in enumerate(sorted(dense, key=lambda pk: (-dense[pk], pk)))}
    lexical_rank = {pk: i for i, pk in enumerate(sorted(lexical, key=lambda pk: (-lexical[pk], pk)))}
    terms = query.terms
    mass = sum(terms.values()) or 1.0
    names = {n.lower() for n in _NAME.findall(query.body)}
    query_numbers = _numbers(query.text)
    query_pairs = _pairs(query.body)
    out = np.zeros((len(rows), len(FEATURES)), dtype=np.float64)
    for i, row in enumerate(rows):
        ref = _prepared(row.text, row.title, row.subtitle)
        text, title, subtitle = ref.lexemes["text"], ref.lexemes["title"], ref.lexemes["subtitle"]
        # One pass over the query's terms for every sum that weighs them.
        in_text = in_title = in_subtitle = bm25 = bm25_title = bm25_subtitle = rarest = 0.0
        for term, idf in terms.items():
            if term in text:
                in_text += idf
            if term in title:
                in_title += idf
                bm25_title += idf * title[term] * (K1 + 1) / (title[term] + K1)
            if term in subtitle:
                in_subtitle += idf
                bm25_subtitle += idf * subtitle[term] * (K1 + 1) / (subtitle[term] + K1)
                rarest = max(rarest, idf)
            if term in ref.both:
                bm25 += idf * ref.both[term] * (K1 + 1) / (ref.both[term] + K1)
                rarest = max(rarest, idf)
        out[i] = (
            row.cosine,
            dense_z.get(row.pk, dense_floor),
            lexical_z.get(row.pk, lexical_floor),
            fused[row.pk],
            math.log1p(dense_rank.get(row.pk, depth)),
            math.log1p(lexical_rank.get(row.pk, depth)),
            math.log1p(i),
            0.0,  # cosine_gap, filled below
            bm25,
            0.0,  # bm25_gap
            in_text / mass,
            in_title / mass,
            in_subtitle / mass,
            0.0,  # query_in_any_gap
            _coverage(text, terms),
            _coverage(title, terms),
            _coverage(subtitle, terms),
            bm25_title,
            bm25_subtitle,
            rarest,
            len(terms),
            *(len(query_pairs & pairs) for pairs in ref.pairs),
            len(names),
            sum(1 for n in names if n in ref.claim_title),
            sum(1 for n in names if n in ref.subtitle),
            sum(terms.get(n, 0.0) for n in names if n in ref.words),
            len(query.author & ref.words),
            len(query_numbers),
            len(query_numbers & ref.numbers),
            len(ref.numbers - query_numbers),
        )
    if len(rows):
        for gap, source in (("cosine_gap", "cosine"), ("bm25_gap", "bm25")):
            column = out[:, FEATURES.index(source)]
            out[:, FEATURES.index(gap)] = column - column.max()
        anywhere = out[:, FEATURES.index("query_in_text")] + out[:, FEATURES.index("query_in_title")]
        out[:, FEATURES.index("query_in_any_gap")] = anywhere - anywhere.max()
    return out


@dataclass(frozen=True)
class _Prepared:
    lexemes: dict[str, dict[str, int]]
    both: dict[str, int]  # text and title together, as the BM25 list sees them
    pairs: tuple[set[tuple[str, str]], ...]
    words: set[str]
    numbers: set[str]
    claim_title: str
    subtitle: str


@functools.lru_cache(maxsize=20_000)
def _prepared(text: str, title: str, subtitle: str) -> _Prepared:
    """What the features need of a reference alone, kept for the references met
    most: tokenising and stemming 50 candidates is most of the ranker's time."""
    words = {"text": _words(text), "title": _words(title), "subtitle": _words(subtitle)}
    lex = {name: lexemes(field_words) for name, field_words in words.items()}
    both = dict(lex["text"])
    for lexeme, count in lex["title"].items():
        both[lexeme] = both.get(lexeme, 0) + count
    return _Prepared(
        lexemes=lex,
        both=both,
        pairs=tuple(_pairs(field_words) for field_words in words.values()),
        words={w for field_words in words.values() for w in field_words},
        numbers=_numbers(f"{text} {title} {subtitle}"),
        claim_title=f"{text} {title}".lower(),
        subtitle=subtitle.lower(),
    )


def _coverage(counts: Mapping[str, int], terms: Mapping[str, float]) -> float:
    """The share of a field's own lexemes that the query holds, by the query's
    IDF (lexemes absent from the query weigh one: rare enough to matter)."""
    if not counts:
        return 0.0
    return sum(terms[t] for t in counts if t in terms) / sum(terms.get(t, 1.0) for t in counts)


# --- the model -----------------------------------------------------------------

_models: dict[Path, object] = {}
_lock = threading.Lock()


def model(path: Path):
    """The LightGBM booster in `path`, loaded once per process; None if absent.

    A model trained on other features is refused: its columns would be read
    as the wrong ones without any error."""
    found = _models.get(path)
    if found is None and path.exists():
        with _lock:
            found = _models.get(path)
            if found is None:
                import lightgbm

                found = lightgbm.Booster(model_file=str(path))
                if tuple(found.feature_name()) != FEATURES:
                    raise ValueError(f"{path} was trained on other features; rebuild it with train_ranker.")
                _models[path] = found
    return found


def score(booster, matrix: np.ndarray) -> np.ndarray:
    # One thread: 50 rows are too few to split, and OpenMP's thread start-up costs more than the trees.
    return booster.predict(matrix, num_threads=1)


PARAMS = {
    "objective": "lambdarank",
    "metric": "map",
    "eval_at": [5],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 10,
    "verbose": -1,
    "num_threads": 1,
    "seed": 1,
    "deterministic": True,
}
ROUNDS = 200


def train(groups: Iterable[tuple[np.ndarray, np.ndarray]], *, rounds: int = ROUNDS, seed: int = 1):
    """A LambdaRank booster from (features, relevance) per query."""
    import lightgbm
    import numpy as np

    groups = [(x, y) for x, y in groups if len(y)]
    data = lightgbm.Dataset(
        np.vstack([x for x, _ in groups]),
        np.concatenate([y for _, y in groups]),
        group=[len(y) for _, y in groups],
        feature_name=list(FEATURES),
        free_raw_data=True,
    )
    return lightgbm.train({**PARAMS, "seed": seed}, data, num_boost_round=rounds)
