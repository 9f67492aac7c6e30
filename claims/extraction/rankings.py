# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Rankings: "top 10", "the third-largest", "ranked 5th", "the world's biggest"."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction.lexicon import NUMBER_WORD_ALT, ORDINALS
from claims.extraction.numbers_common import Mask, noun_phrase_after, parse_number
from claims.extraction.slots import Ranking

_SUPERLATIVE = (
    r"(?:largest|biggest|greatest|highest|lowest|smallest|richest|poorest|busiest|oldest|youngest|deadliest"
    r"|strongest|weakest|fastest|slowest|longest|shortest|worst|best|leading|top|most\s+\w+|least\s+\w+)"
)
_TOP_RE = re.compile(r"\b(?-i:[Tt]op)[- ](?P<n>\d{1,4}|" + NUMBER_WORD_ALT + r")\b", re.IGNORECASE)
_ORDINAL_SUPERLATIVE_RE = re.compile(
    r"\b(?P<ord>\d{1,3}(?:st|nd|rd|th)|" + "|".join(ORDINALS) + r")[- ](?P<sup>" + _SUPERLATIVE + r")\b",
    re.IGNORECASE,
)
# "the world's largest", "Europe's biggest": a superlative with a stated scope ranks first.
_SCOPED_SUPERLATIVE_RE = re.compile(
    r"(?:\b\w+['’]s?|\bthe)\s+(?P<sup>" + _SUPERLATIVE.replace("|top", "").replace("|leading", "") + r")\s+(?=\w)",
    re.IGNORECASE,
)
_RANKED_RE = re.compile(
    r"\b(?:ranked|ranks|ranking|placed|finished|came|comes|rated)\s+(?:at\s+)?(?:no\.?\s*|number\s+)?"
    r"(?P<n>\d{1,4})(?:st|nd|rd|th)?\b|\b(?:ranked|ranks|placed|finished|came|comes)\s+(?P<ord>"
    + "|".join(ORDINALS)
    + r")\b",
    re.IGNORECASE,
)
# "the number one health care system", "is No. 2 in corn": a rank, where "Article number 5" is a label.
_NUMBER_N_RE = re.compile(
    r"\b(?:the|is|was|are|were|be|been|become|becomes|became|remains?|remained|as|stays?|stayed|\w+['’]s)\s+"
    r"(?P<rank>(?:number|no\.|#)\s?(?P<n>\d{1,3}|" + NUMBER_WORD_ALT + r"))\b(?![.,]\d)",
    re.IGNORECASE,
)
_ONE_OF_RE = re.compile(r"\bone\s+of\s+$", re.IGNORECASE)
_SCOPE_RE = re.compile(r"\b(?:world|country|nation|europe|asia|africa|america|state|city|region|continent)", re.I)


def _rank_number(word: str) -> int | None:
    lower = word.lower()
    if lower in ORDINALS:
        return ORDINALS[lower]
    digits = re.match(r"\d+", lower)
    if digits:
        return int(digits.group(0))
    value = parse_number(lower)
    return int(value) if value is not None else None


def find_rankings(text: str, doc: Doc, base: int, mask: Mask) -> list[Ranking]:
    found: list[Ranking] = []

    def add(start: int, end: int, rank: int | None, top: bool, of: str | None) -> None:
        if rank is None or rank <= 0 or mask.taken(start, end):
            return
        found.append(Ranking(text=text[start:end], start=base + start, end=base + end, rank=rank, top=top, of=of))
        mask.add(start, end)

    for m in _TOP_RE.finditer(text):
        of, end = noun_phrase_after(doc, m.end())
        add(m.start(), max(end, m.end()), _rank_number(m["n"]), True, of)
    for m in _ORDINAL_SUPERLATIVE_RE.finditer(text):
        of, end = noun_phrase_after(doc, m.end())
        phrase = m["sup"] + (" " + of if of else "")
        add(m.start(), max(end, m.end()), _rank_number(m["ord"]), False, phrase)
    for m in _NUMBER_N_RE.finditer(text):
        of, end = noun_phrase_after(doc, m.end())
        add(m.start("rank"), max(end, m.end()), _rank_number(m["n"]), False, of)
    for m in _RANKED_RE.finditer(text):
        add(m.start(), m.end(), _rank_number(m["n"] or m["ord"]), False, None)
    for m in _SCOPED_SUPERLATIVE_RE.finditer(text):
        scope = m.group(0)[: m.start("sup") - m.start()]
        if not _SCOPE_RE.search(scope):
            continue
        of, end = noun_phrase_after(doc, m.end())
        if of is None:
            continue
        # "one of the world's largest" is no rank at all.
        if _ONE_OF_RE.search(text, max(0, m.start() - 12), m.start()):
            continue
        add(m.start(), end, 1, False, m["sup"] + " " + of)
    return found
