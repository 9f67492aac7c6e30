# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Vote tallies: "397 to 0", "220-205 with 3 abstentions", in a vote context only."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction.numbers_common import Mask
from claims.extraction.slots import Tally

_BETWEEN_RE = re.compile(r"\b(?:between|from)\s*$", re.IGNORECASE)
_VOTE_CONTEXT_RE = re.compile(
    r"\b(?:vot\w*|ballots?|passed|pass|approv\w*|ratif\w*|adopt\w*|reject\w*|referendum|majority|margin"
    r"|in\s+favou?r|abstain\w*|abstentions?|senate|senators|parliament\w*|lawmakers|legislat\w*|assembly"
    r"|congress|deputies|mps|jury|jurors|justices|ruling|confirm\w*|motion|resolution)\b",
    re.IGNORECASE,
)
_TALLY_RE = re.compile(
    r"\b(?P<for>\d{1,4})\s*(?:-|–|—|to|votes?\s+to|in\s+favou?r\s+(?:and|to|with)|for\s+and)\s*"
    r"(?P<against>\d{1,4})(?:\s+against\b)?"
    r"(?:\s*(?:-|–|—|,\s*with|with|and)\s*(?P<abstain>\d{1,4})(?:\s+abstentions?|\s+abstaining|\s+abstained)?)?"
    r"(?![\d.,]*\s*(?:%|per\s*cent|percent))",
    re.IGNORECASE,
)
_ABSTAIN_ONLY_RE = re.compile(r"(?P<abstain>\d{1,4})\s+(?:abstentions?|abstaining|abstained)", re.IGNORECASE)


def find_tallies(text: str, doc: Doc, base: int, mask: Mask) -> list[Tally]:
    if not _VOTE_CONTEXT_RE.search(text):
        return []
    found: list[Tally] = []
    for m in _TALLY_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        # "1990-2000", "2019 to 2020": years are a date range, not a vote.
        if int(m["for"]) > 1000 or int(m["against"]) > 1000 or (int(m["for"]) == 0 and int(m["against"]) == 0):
            continue
        # "from 10 to 20" or "between 5 and 7" are ranges even in a vote story.
        if _BETWEEN_RE.search(text, max(0, start - 10), start):
            continue
        abstain = int(m["abstain"]) if m["abstain"] else None
        if abstain is None:
            after = _ABSTAIN_ONLY_RE.search(text, end, min(len(text), end + 40))
            if after and text[end : after.start()].strip(" ,;") in {"", "with", "and"}:
                abstain = int(after["abstain"])
        found.append(
            Tally(
                text=m.group(0).strip(),
                start=base + start,
                end=base + start + len(m.group(0).strip()),
                for_=int(m["for"]),
                against=int(m["against"]),
                abstain=abstain,
            )
        )
        mask.add(start, end)
    return found
