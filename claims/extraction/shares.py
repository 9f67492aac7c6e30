"""Vague counts ("thousands of", "dozens of") and shares ("two-thirds of", "one in five")."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction import currencies
from claims.extraction.lexicon import FRACTION_WORDS, NUMBER_WORD_ALT, VAGUE_MAGNITUDE
from claims.extraction.numbers_common import Mask, counted_noun, make_quantity, parse_number, precision_before
from claims.extraction.slots import Quantity
from claims.extraction.units import unit_after

_VAGUE_RE = re.compile(
    r"\b(?:(?P<tens>tens|hundreds)\s+of\s+(?P<big>thousands|millions|billions|trillions)"
    r"|(?P<few>several|a\s+few|many|a\s+couple\s+of)\s+(?P<fewmult>hundred|thousand|million|billion|trillion|dozen)"
    r"|(?P<plural>dozens|scores|hundreds|thousands|millions|billions|trillions))\b",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(
    r"\b(?:(?P<numer>a|one|two|three|four|five|six|seven|eight|nine)[- ])?"
    r"(?P<denom>half|halves|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?)"
    r"(?=\s+of\b)",
    re.IGNORECASE,
)
_RATIO_RE = re.compile(
    r"\b(?P<numer>\d+|one|two|three|four|five|six|seven|eight|nine)\s+(?:in|out\s+of)\s+"
    r"(?P<denom>\d+|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|a\s+hundred)\b",
    re.IGNORECASE,
)
_NUMBER_BEFORE_RE = re.compile(r"(?:\d|\b(?:a|an|" + NUMBER_WORD_ALT + r"))\s*$", re.IGNORECASE)
_PART_BEFORE_RE = re.compile(r"\b(?:first|second|latter|former|other)\s*$", re.IGNORECASE)


def currency_of_noun(counted: str | None) -> str | None:
    """ "thousands of dollars": the counted noun that names a currency."""
    return currencies.names("en").get(counted) if counted else None


def find_vague(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _VAGUE_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        # "3 thousand", "a thousand" are numbers; the atom finder takes them.
        if _NUMBER_BEFORE_RE.search(text, max(0, start - 14), start):
            continue
        if m["tens"]:
            magnitude = VAGUE_MAGNITUDE[m["big"].lower()] + (1 if m["tens"].lower() == "tens" else 2)
        elif m["few"]:
            magnitude = VAGUE_MAGNITUDE[m["fewmult"].lower()]
        else:
            magnitude = VAGUE_MAGNITUDE[m["plural"].lower()]
        unit, unit_end = unit_after(text, end)
        counted = None if unit else counted_noun(doc, end)
        if currency := currency_of_noun(counted):
            unit, counted = currency, None
        found.append(
            make_quantity(
                text,
                base,
                start,
                unit_end,
                value=None,
                precision="vague",
                unit=unit,
                counted=counted,
                magnitude=magnitude,
            )
        )
        mask.add(start, unit_end)
    return found


def find_shares(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _FRACTION_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        denom = FRACTION_WORDS[m["denom"].lower()]
        numer_word = (m["numer"] or "a").lower()
        numer = 1.0 if numer_word in {"a", "one"} else parse_number(numer_word)
        # "half of" without a numerator is a fraction; "the first half of" is not.
        if m["numer"] is None and denom != 2:
            continue
        if _PART_BEFORE_RE.search(text, max(0, start - 10), start):
            continue
        found.append(_share(text, doc, base, start, end, numer, denom))
        mask.add(start, end)
    for m in _RATIO_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        part = parse_number(m["numer"])
        whole = parse_number(m["denom"].replace("a hundred", "100").replace("hundred", "100"))
        if not part or not whole or part >= whole:
            continue
        # "one in five Americans": a share only when people or things follow.
        if counted_noun(doc, end) is None:
            continue
        found.append(_share(text, doc, base, start, end, part, whole))
        mask.add(start, end)
    return found


def _share(text: str, doc: Doc, base: int, start: int, end: int, numer: float | None, denom: float) -> Quantity:
    value = round((numer or 1.0) / denom * 100, 2)
    precision, p_start = precision_before(text, start)
    return make_quantity(
        text,
        base,
        p_start,
        end,
        value=value,
        precision=precision,
        unit="percent",
        counted=counted_noun(doc, end, after_of_only=True),
    )
