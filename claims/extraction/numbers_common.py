"""Helpers every number finder uses: the mask of taken text, number parsing,
and what a number counts according to the spaCy parse."""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from spacy.tokens import Doc, Token

from claims.extraction.lexicon import SMALL, TENS


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
