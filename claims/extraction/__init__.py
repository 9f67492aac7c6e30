"""Claim extraction: checkable claims with normalised slots from news text.

Public API (the slot contract lives in `slots.py`):
- `extract(text, *, published, language="en")` -> list[ExtractedClaim]
- `extract_many(texts, *, published, batch_size=64, language="en")` -> list[list[ExtractedClaim]]
  (`language`: ISO 639-1, "en" or one of `LANGUAGES`: es, fr, de, pt; the caller identifies it)
- `html_to_text(html)` -> str
- `load_nlp()` -> the spaCy pipeline, cached once per process

The names load on first use: the number checks import the unit and currency
tables from here, and must not pull spaCy (and torch, through thinc) into a
web process that only compares slots.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claims.extraction.html import html_to_text, looks_like_html
    from claims.extraction.locales import LANGUAGES
    from claims.extraction.nlp import load_nlp
    from claims.extraction.pipeline import analyse_many, extract, extract_many
    from claims.extraction.slots import SI, DateSlot, ExtractedClaim, Quantity, Ranking, Slots, Tally

_HOME = {
    "html_to_text": "html",
    "looks_like_html": "html",
    "LANGUAGES": "locales",
    "load_nlp": "nlp",
    "analyse_many": "pipeline",
    "extract": "pipeline",
    "extract_many": "pipeline",
    **dict.fromkeys(("SI", "DateSlot", "ExtractedClaim", "Quantity", "Ranking", "Slots", "Tally"), "slots"),
}
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


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
