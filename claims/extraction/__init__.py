"""Claim extraction: checkable claims with normalised slots from news text.

Public API (the slot contract lives in `slots.py`):
- `extract(text, *, published, language="en")` -> list[ExtractedClaim]
- `extract_many(texts, *, published, batch_size=64, language="en")` -> list[list[ExtractedClaim]]
  (`language`: ISO 639-1, "en" or one of `LANGUAGES`: es, fr, de, pt; the caller identifies it)
- `html_to_text(html)` -> str
- `load_nlp()` -> the spaCy pipeline, cached once per process
"""

from claims.extraction.html import html_to_text, looks_like_html
from claims.extraction.locales import LANGUAGES
from claims.extraction.nlp import load_nlp
from claims.extraction.pipeline import analyse_many, extract, extract_many
from claims.extraction.slots import SI, DateSlot, ExtractedClaim, Quantity, Ranking, Slots, Tally

__all__ = [
    "LANGUAGES",
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
