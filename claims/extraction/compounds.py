# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Ages and hyphenated amounts: "a 22-year-old", "aged 34", "under age 30",
"a 12-foot alligator", "a 14-day trip", "a two-pet limit", "a 104-page report".

These run before the plain amounts: spaCy tags "22-year-old" a DATE and the
plain rules take a number glued to a word for a label ("5G"), so without this
finder such amounts were lost.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction.lexicon import DIGITS, FRACTION_WORDS, ORDINALS, SMALL, TENS, WORD_NUMBER
from claims.extraction.numbers_common import (
    Mask,
    counted_noun,
    entities,
    first_token_from,
    make_quantity,
    parse_number,
    precision_before,
)
from claims.extraction.slots import Quantity
from claims.extraction.units import COMPOUND_SPELLINGS, unit_pattern

_NUM = r"(?P<num>" + DIGITS + r"|\b" + WORD_NUMBER + r")"
_HYPHEN = r"[-‐‑]"
_AGE_RE = re.compile(
    r"\b" + _NUM + r"(?:" + _HYPHEN + r"|\s)(?P<unit>year|month|week|day)s?(?:" + _HYPHEN + r"|\s)olds?\b",
    re.IGNORECASE,
)
_AGED_RE = re.compile(
    r"\b(?:aged|ages?|(?:the\s+)?age\s+of)\s+(?P<num>\d{1,3})(?:\s*(?:-|–|to|and)\s*(?P<high>\d{1,3}))?\b"
    r"(?!\s*(?:%|percent|per\s+cent))",
    re.IGNORECASE,
)
# "his 18th birthday", "the 230th anniversary": an age in years.
_ANNIVERSARY_RE = re.compile(r"\b(?P<num>\d{1,4})(?:st|nd|rd|th)\s+(?:birthday|anniversary)\b", re.IGNORECASE)
# "Sharonda Banks, 28, of Newark": the age apposed to a name.
_APPOSED_AGE_RE = re.compile(r",\s*(?P<num>\d{1,3})(?=,|\s+(?:of|from|was|is|who|and|has|had)\b)")
_COMPOUND_UNIT_RE, _COMPOUND_UNIT_BY_GROUP = unit_pattern(COMPOUND_SPELLINGS)
_COMPOUND_RE = re.compile(_NUM + _HYPHEN + r"(?P<word>[a-z]+)\b(?!" + _HYPHEN + r"(?:old|olds)\b)", re.IGNORECASE)
_AFTER_UNIT_RE = re.compile(_HYPHEN + r"(?:long|high|tall|wide|deep|thick|plus)\b", re.IGNORECASE)
# Words after "N-" that make no count: "two-thirds", "10-fold", "one-off", "twenty-five".
_NOT_COUNTED_WORDS = frozenset(
    {"fold", "odd", "plus", "off", "sided", "time", "times", "way", "ever", "something", "ish", "nil", "all", "one"}
    | set(FRACTION_WORDS)
    | set(SMALL)
    | set(TENS)
    | set(ORDINALS)
)
_YEAR_RE = re.compile(r"1[5-9]\d\d|20\d\d")


def find_compounds(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    return _ages(text, doc, base, mask) + _hyphenated(text, doc, base, mask)


def _ages(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _AGE_RE.finditer(text):
        start, end = m.span()
        value = parse_number(m["num"])
        if value is None or mask.taken(start, end) or _glued_before(text, start):
            continue
        precision, p_start = precision_before(text, start)
        found.append(
            make_quantity(
                text, base, p_start, end, value=value, precision=precision, unit=m["unit"].lower(), counted="age"
            )
        )
        mask.add(p_start, end)
    for m in _AGED_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        low = float(m["num"])
        precision, p_start = precision_before(text, start)
        if m["high"] is not None and float(m["high"]) > low:
            found.append(
                make_quantity(
                    text,
                    base,
                    p_start,
                    end,
                    value=None,
                    low=low,
                    high=float(m["high"]),
                    precision="range",
                    unit="year",
                    counted="age",
                )
            )
        else:
            end = m.end("num")
            found.append(
                make_quantity(text, base, p_start, end, value=low, precision=precision, unit="year", counted="age")
            )
        mask.add(p_start, end)
    return found + _other_ages(text, doc, base, mask)


def _other_ages(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    spans = [(m.start(), m.end(), float(m["num"])) for m in _ANNIVERSARY_RE.finditer(text)]
    for _, end, label in entities(doc):
        if label == "PERSON" and (m := _APPOSED_AGE_RE.match(text, end)) and 0 < int(m["num"]) < 120:
            spans.append((m.start("num"), m.end("num"), float(m["num"])))
    found = []
    for start, end, value in spans:
        if not mask.taken(start, end):
            quantity = make_quantity(text, base, start, end, value=value, precision="exact", unit="year", counted="age")
            found.append(quantity)
            mask.add(start, end)
    return found


def _glued_before(text: str, start: int) -> bool:
    """Part of a code or a name: "F-16", "G7", "3:30"."""
    prev = text[start - 1] if start > 0 else " "
    prev2 = text[start - 2] if start > 1 else " "
    return prev.isalnum() or prev in "_:/.$€£¥" or (prev in "-‐" and prev2.isalnum())


def _hyphenated(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _COMPOUND_RE.finditer(text):
        start = m.start()
        word = m["word"].lower()
        if mask.taken(start, m.end()) or _glued_before(text, start) or word in _NOT_COUNTED_WORDS:
            continue
        value = parse_number(m["num"])
        if value is None or _YEAR_RE.fullmatch(m["num"]):
            continue
        is_word = not any(c.isdigit() for c in m["num"])
        unit_match = _COMPOUND_UNIT_RE.fullmatch(m.group(0), m.start("word") - start)
        if unit_match is not None and unit_match.lastgroup is not None:
            unit: str | None = _COMPOUND_UNIT_BY_GROUP[unit_match.lastgroup]
            end = m.end()
            if suffix := _AFTER_UNIT_RE.match(text, end):
                end = suffix.end()
            counted = counted_noun(doc, end)
        else:
            # "a two-pet limit": the word names what is counted; "one-party" counts nothing.
            if m["num"].lower() in {"one", "a", "an"} or len(word) < 3:
                continue
            unit, end = None, m.end()
            token = _token_at(doc, m.start("word"))
            if token is None or token.pos_ in {"VERB", "ADV"}:
                continue
            counted = token.lemma_.lower() if token.pos_ in {"NOUN", "PROPN"} else counted_noun(doc, end)
            if counted is None:
                continue
        if is_word and unit is None and value < 2:
            continue
        precision, p_start = precision_before(text, start)
        found.append(
            make_quantity(text, base, p_start, end, value=value, precision=precision, unit=unit, counted=counted)
        )
        mask.add(p_start, end)
    return found


def _token_at(doc: Doc, char: int):
    i = first_token_from(doc, char)
    return doc[i] if i < len(doc) and doc[i].idx == char else None
