"""Claim extraction: checkable claims with normalised slots from news text.

Public API (the slot contract lives in `slots.py`):
- `extract(text, *, published)` -> list[ExtractedClaim]
- `extract_many(texts, *, published, batch_size=64)` -> list[list[ExtractedClaim]]
- `html_to_text(html)` -> str
- `load_nlp()` -> the spaCy pipeline, cached once per process
"""

from claims.extraction.html import html_to_text, looks_like_html
from claims.extraction.nlp import load_nlp
from claims.extraction.pipeline import analyse_many, extract, extract_many
from claims.extraction.slots import SI, DateSlot, ExtractedClaim, Quantity, Ranking, Slots, Tally

__all__ = [
    "SI",
    "DateSlot",
    "ExtractedClaim",
    "Quantity",
    "Ranking",
    "Slots",
    "Tally",
    "analyse_many",
    "extract",
    "extract_many",
    "html_to_text",
    "load_nlp",
    "looks_like_html",
]
