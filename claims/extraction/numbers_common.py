"""Helpers every number finder uses: the mask of taken text, number parsing,
and what a number counts according to the spaCy parse."""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from spacy.tokens import Doc, Token

from claims.extraction.lexicon import SMALL, TENS
from claims.extraction.slots import SI, Precision, Quantity
from claims.extraction.units import to_si

_APPROX_RE = re.compile(
    r"(?:\b(?:about|around|some|approximately|approx\.?|roughly|nearly|almost|close\s+to|an\s+estimated|estimated"
    r"|circa|c\.|an\s+approximate|approaching|more\s+or\s+less)|~)\s*$",
    re.IGNORECASE,
)
_LOWER_RE = re.compile(
    r"\b(?:at\s+least|more\s+than|over|above|in\s+excess\s+of|upwards\s+of|no\s+(?:fewer|less)\s+than"
    r"|exceeding|just\s+over|greater\s+than|higher\s+than|north\s+of|a\s+minimum\s+of|a\s+record)\s*$",
    re.IGNORECASE,
)
_UPPER_RE = re.compile(
    r"\b(?:less\s+than|fewer\s+than|under|below|at\s+most|no\s+more\s+than|not\s+more\s+than|up\s+to"
    r"|as\s+many\s+as|as\s+much\s+as|as\s+high\s+as|just\s+under|a\s+maximum\s+of|lower\s+than)\s*$",
    re.IGNORECASE,
)
_BEFORE = ((_APPROX_RE, "approximate"), (_LOWER_RE, "lower_bound"), (_UPPER_RE, "upper_bound"))


def parse_number(text: str) -> float | None:
    """The value of one number written in digits or words ("3,000", "twenty-five", "a")."""
    cleaned = text.strip().lower().replace(",", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        pass
    if cleaned in {"a", "an"}:
        return 1.0
    parts = re.split(r"[- ]+", cleaned)
    total = 0
    for part in parts:
        if part in SMALL:
            total += SMALL[part]
        elif part in TENS:
            total += TENS[part]
        else:
            return None
    return float(total)


def magnitude_of(value: float | None) -> int | None:
    if value is None or value == 0 or not math.isfinite(value):
        return None
    return math.floor(math.log10(abs(value)))


def precision_before(text: str, start: int, rules: tuple = _BEFORE) -> tuple[Precision, int]:
    """The precision that a phrase before the number sets, and where that phrase starts."""
    for regex, precision in rules:
        m = regex.search(text, max(0, start - 30), start)
        if m:
            return precision, m.start()
    return "exact", start


def make_quantity(
    text: str,
    base: int,
    start: int,
    end: int,
    *,
    value: float | None,
    precision: Precision,
    unit: str | None,
    counted: str | None,
    low: float | None = None,
    high: float | None = None,
    magnitude: int | None = None,
) -> Quantity:
    """A quantity slot: bounds follow from the precision, and a measure gets its SI form."""
    if precision != "range" and value is not None:
        low = value if precision in {"exact", "lower_bound"} else None
        high = value if precision in {"exact", "upper_bound"} else None
    if magnitude is None:
        magnitude = magnitude_of(value if value is not None else high)
    si = None
    if unit is not None and (converted := [to_si(x, unit) if x is not None else None for x in (value, low, high)]) != [
        None,
        None,
        None,
    ]:
        si_unit = next(c[1] for c in converted if c is not None)
        si_value, si_low, si_high = (float(f"{c[0]:.9g}") if c is not None else None for c in converted)
        si = SI(value=si_value, low=si_low, high=si_high, unit=si_unit)
    return Quantity(
        text=text[start:end],
        start=base + start,
        end=base + end,
        value=value,
        low=low,
        high=high,
        precision=precision,
        magnitude=magnitude,
        unit=unit,
        counted=counted,
        si=si,
    )


class Mask:
    """Character ranges already claimed by an earlier finder."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def taken(self, start: int, end: int) -> bool:
        return any(start < b and a < end for a, b in self.ranges)

    def add(self, start: int, end: int) -> None:
        self.ranges.append((start, end))


def first_token_from(doc: Doc, char: int) -> int:
    """Index of the first token starting at or after `char` (token starts cached per Doc)."""
    starts = doc.user_data.get("token_starts")
    if starts is None:
        starts = doc.user_data["token_starts"] = [t.idx for t in doc]
    return bisect_left(starts, char)


_COUNT_SKIP = {"of", "more", "additional", "extra", "other", "new", "further", "the", "those", "these", "its", "their"}
_NOT_COUNTED = {"year", "month", "week", "day", "hour", "minute", "time", "percent", "cent", "point"}


def counted_noun(doc: Doc, end_char: int, *, after_of_only: bool = False) -> str | None:
    """Lemma of what a number counts: the noun it modifies or the noun after "of"."""
    first = first_token_from(doc, end_char)
    tokens = doc[first : first + 10]
    if first > 0 and not after_of_only:
        anchor = doc[first - 1]
        head = anchor.head
        if (
            anchor.dep_ in {"nummod", "quantmod", "amod", "compound", "nmod"}
            and head.i > anchor.i
            and head.pos_ in {"NOUN", "PROPN"}
            and head.idx >= end_char
            and (head.pos_ == "NOUN" or head.tag_ == "NNPS")
        ):
            lemma = _compound_head(head).lemma_.lower()
            return None if lemma in _NOT_COUNTED else lemma
    if after_of_only and (not tokens or tokens[0].lower_ != "of"):
        return None
    seen = 0
    for token in tokens:
        seen += 1
        if seen > 8:
            break
        lower = token.lower_
        possessor = token.i + 1 < len(doc) and doc[token.i + 1].tag_ == "POS"
        if possessor or token.tag_ == "POS":
            continue
        if lower in _COUNT_SKIP or token.pos_ in {"ADJ", "NUM"} or token.tag_ in {"NNP", "HYPH"}:
            continue
        if token.pos_ == "NOUN" or token.tag_ == "NNPS":
            lemma = _compound_head(token).lemma_.lower()
            return None if lemma in _NOT_COUNTED else lemma
        break
    return None


def _compound_head(token: Token) -> Token:
    """ "weapons exporters": the last noun of a compound is what is counted."""
    while token.dep_ == "compound" and token.head.i > token.i and token.head.pos_ in {"NOUN", "PROPN"}:
        token = token.head
    return token


def in_entity(doc: Doc, start: int, end: int, labels: tuple[str, ...]) -> bool:
    return any(label in labels and a < end and start < b for a, b, label in entities(doc))


def entities(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, label) of each entity; Doc.ents builds new Spans on every access."""
    cached = doc.user_data.get("entities")
    if cached is None:
        cached = doc.user_data["entities"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return cached


def noun_phrase_after(doc: Doc, char: int) -> tuple[str | None, int]:
    """Text of the noun phrase starting at `char` ("weapons exporters") and its end."""
    words: list[Token] = []
    for token in doc[first_token_from(doc, char) :]:
        if token.pos_ in {"NOUN", "PROPN", "ADJ"} or token.tag_ == "HYPH" or (words and token.tag_ == "VBG"):
            words.append(token)
            if len(words) >= 5:
                break
            continue
        break
    while words and words[-1].pos_ not in {"NOUN", "PROPN"}:
        words.pop()
    if not words:
        return None, char
    end = words[-1].idx + len(words[-1].text)
    return doc.text[words[0].idx : end], end
