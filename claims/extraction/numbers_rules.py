"""Rules for the numbers that the field's libraries do not normalise: quantities
with their precision, vote tallies, rankings, vague counts and fractions.

Every finder works on one sentence's text with local offsets, consults the
sentence's spaCy Doc for context (entities, the counted noun), and returns
slots with offsets shifted by `base` into the article. Finders run in order and
mask what earlier ones took, so "397 to 0" is a tally and never a range and
"top 10" is a ranking and never a count.
"""

from __future__ import annotations

from spacy.tokens import Doc

from claims.extraction.numbers_common import Mask, counted_noun, entities, magnitude_of, parse_number
from claims.extraction.quantities import find_quantities
from claims.extraction.rankings import find_rankings
from claims.extraction.slots import Quantity, Ranking, Tally
from claims.extraction.tallies import find_tallies

__all__ = ["counted_noun", "entities", "find_numbers", "magnitude_of", "parse_number"]


def find_numbers(text: str, doc: Doc, base: int) -> tuple[list[Quantity], list[Tally], list[Ranking]]:
    """All tallies, rankings and quantities of one sentence, without overlaps."""
    mask = Mask()
    tallies = find_tallies(text, doc, base, mask)
    rankings = find_rankings(text, doc, base, mask)
    quantities = find_quantities(text, doc, base, mask)
    return quantities, tallies, rankings
