# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Vote tallies: "397 to 0", "220-205 with 3 abstentions", in a vote context only."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction.numbers_common import Mask
from claims.extraction.slots import Tally

_BETWEEN_RE = re.compile(r"\b(?:between|from|aged|ages|age)\s*$", re.IGNORECASE)
_VOTE_CONTEXT_RE = re.compile(
    r"\b(?:vot\w*|ballots?|passed|pass|approv\w*|ratif\w*|adopt\w*|reject\w*|referendum|majority|margin"
    r"|in\s+favou?r|abstain\w*|abstentions?|senate|senators|parliament\w*|lawmakers|legislat\w*|assembly"
    r"|congress|deputies|mps|jury|jurors|justices|ruling|ruled|confirm\w*|motion|resolution|backed|endorsed"
    r"|council|committee|board|court|unanimous\w*)\b",
    re.IGNORECASE,
)
# A side is a plain count or one with thousands marks ("1,200 votes to 800"), never part of a longer number.
_SIDE = r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d{1,4})(?![\d])"
_TALLY_RE = re.compile(
    r"\b(?P<for>" + _SIDE + r")\s*(?:-|–|—|to|votes?\s+to|in\s+favou?r\s+(?:and|to|with)|for\s+and)\s*"
    r"(?P<against>" + _SIDE + r")(?:\s+against\b)?"
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
        yes, no = int(m["for"].replace(",", "")), int(m["against"].replace(",", ""))
        # "1990-2000", "2019 to 2020": years are a date range, not a vote; "1,200" is no year.
        if (yes > 1000 and "," not in m["for"]) or (no > 1000 and "," not in m["against"]) or yes == no == 0:
            continue
        # "from 10 to 20", "between 5 and 7", "aged 18 to 24" are ranges even in a vote story.
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
                for_=yes,
                against=no,
                abstain=abstain,
            )
        )
        mask.add(start, end)
    return found
