# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Quantities: amounts with their precision, unit or currency and counted noun.

Ages and hyphenated amounts (compounds.py), vague counts and shares
(shares.py) go first; then every remaining number becomes an atom, and two
atoms joined by "to", "and" or a dash may make a range.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction import currencies
from claims.extraction.compounds import find_compounds
from claims.extraction.lexicon import DIGITS, MULTIPLIERS, WORD_NUMBER
from claims.extraction.numbers_common import (
    Mask,
    counted_noun,
    in_entity,
    make_quantity,
    parse_number,
    precision_before,
)
from claims.extraction.shares import currency_of_noun, find_shares, find_vague
from claims.extraction.slots import Precision, Quantity
from claims.extraction.units import unit_after

_ATOM_RE = re.compile(
    r"(?P<num>" + DIGITS + r"|\b" + WORD_NUMBER + r"\b)"
    r"(?:\s?(?P<mult>hundred|thousand|million|billion|trillion|mn|mln|bn|bln|tn|trn)\b"
    r"|(?P<short>[mbk])\b"
    r"|\s(?P<dozen>dozen)\b)?",
    re.IGNORECASE,
)
_POST_LOWER_RE = re.compile(r"(?:\s*\+|-plus\b|\s+plus\b|\s+or\s+more\b|\s+and\s+(?:above|up)\b)", re.IGNORECASE)
_POST_UPPER_RE = re.compile(r"\s+or\s+(?:fewer|less)\b", re.IGNORECASE)
_POST_APPROX_RE = re.compile(r"\s+or\s+so\b", re.IGNORECASE)
_POST_BOUNDS: tuple[tuple[re.Pattern[str], Precision], ...] = (
    (_POST_LOWER_RE, "lower_bound"),
    (_POST_UPPER_RE, "upper_bound"),
    (_POST_APPROX_RE, "approximate"),
)
_RANGE_SEP_RE = re.compile(r"\s*(?:-|–|—|to|and)\s*", re.IGNORECASE)
BETWEEN_RE = re.compile(r"\b(?:between|from)\s*$", re.IGNORECASE)
# A definite reference to a known set, "the two leaders", counts participants, not a claim.
_PARTICIPANT_RE = re.compile(r"\b(?:the|these|those|both|its|their|his|her|our|your|all|whose)\s+$", re.IGNORECASE)
# Identifiers, not amounts: "Article 5", "Resolution 2231", "Flight 17".
_IDENTIFIER_RE = re.compile(
    r"\b(?:article|section|chapter|resolution|no\.|nos\.|number|flight|route|highway|interstate|page|paragraph"
    r"|room|level|phase|amendment|rule|title|version|model|boeing|airbus|stage|category|grade|district|seat"
    r"|episode|season|volume|vol\.|item|exhibit|bill|h\.r\.|s\.|proposition|prop\.|channel|gate|platform"
    r"|track|line|unit|ward|precinct|chapter|act|covid|covid-|g|f-|mig-|su-|t-|p\.|pp\.|vs\.?)\s*$",
    re.IGNORECASE,
)
_PLUS_RE = re.compile(r"[-‐](?:plus|odd)\b", re.IGNORECASE)
_AGO_RE = re.compile(r"\s+ago\b", re.IGNORECASE)
_DURATIONS = frozenset({"century", "decade", "year", "month", "week", "day", "hour", "minute", "second"})


class _Atom:
    __slots__ = ("bound", "end", "is_word", "multiplied", "number", "start", "unit", "value")

    def __init__(self, start: int, end: int, value: float, unit: str | None, number: float, is_word: bool) -> None:
        self.start, self.end, self.value, self.unit = start, end, value, unit
        self.number, self.is_word = number, is_word
        self.multiplied = value != number
        self.bound: Precision | None = None  # set by "or more" / "-plus" between number and unit


def _currency_before(text: str, num_start: int, m: re.Match[str]) -> tuple[str | None, int]:
    code, start, symbol = currencies.symbol_before(text, num_start)
    if code is None or symbol is None:
        return None, num_start
    # "N70 million", "R5,000": a lone letter is a symbol only glued to a large amount.
    if symbol in currencies.SINGLE_LETTER and (
        start + len(symbol) != num_start or not (m["mult"] or m["short"] or "," in m["num"])
    ):
        return None, num_start
    return code, start


def _atoms(text: str, doc: Doc, mask: Mask) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _ATOM_RE.finditer(text):
        num_start, end = m.start("num"), m.end()
        currency, start = _currency_before(text, num_start, m)
        if mask.taken(start, end):
            continue
        prev = text[start - 1] if start > 0 else " "
        prev2 = text[start - 2] if start > 1 else " "
        # Part of a code or a name: "F-16", "COVID-19", "G7", "3:30", "v2.1".
        if prev.isalnum() or prev in "_:/." or (prev in "-‐" and prev2.isalpha()):
            continue
        number = parse_number(m["num"])
        if number is None:
            continue
        is_word = not any(c.isdigit() for c in m["num"])
        multiplier = 1.0
        if m["mult"]:
            multiplier = MULTIPLIERS[m["mult"].lower()]
        elif m["short"]:
            if currency:
                multiplier = MULTIPLIERS[m["short"].lower()]
            else:
                end = m.end("num")
        elif m["dozen"]:
            multiplier = 12.0
        unit, end = _unit_of(text, end, currency, scaled=multiplier != 1.0)
        bound: Precision | None = None
        if unit is None:
            # "30 or more days", "40-plus years": the bound sits between the number and its unit.
            for regex, precision in _POST_BOUNDS:
                post = regex.match(text, end)
                if post and (after := unit_after(text, post.end()))[0] is not None:
                    unit, end, bound = after[0], after[1], precision
                    break
        if _not_an_amount(text, doc, m, start, end, unit=unit, multiplier=multiplier, currency=unit):
            continue
        atom = _Atom(start, end, number * multiplier, unit, number, is_word)
        atom.bound = bound
        atoms.append(atom)
    return atoms


def _unit_of(text: str, end: int, currency: str | None, *, scaled: bool) -> tuple[str | None, int]:
    """The currency or unit written after the number; a name after a symbol is the same money ("$2bn dollars")."""
    named, named_end = currencies.name_after(text, end, scaled=scaled)
    if currency is not None:
        return currency, named_end if named == currency else end
    if named is not None:
        return named, named_end
    code, code_end = currencies.code_after(text, end)
    if code is not None:
        return code, code_end
    return unit_after(text, end)


def _not_an_amount(
    text: str,
    doc: Doc,
    m: re.Match[str],
    start: int,
    end: int,
    *,
    unit: str | None,
    multiplier: float,
    currency: str | None,
) -> bool:
    """Numbers that name or label rather than count: codes, years, "the two leaders"."""
    nxt = text[end] if end < len(text) else " "
    glued = nxt.isalnum() or (nxt in "-‐" and end + 1 < len(text) and text[end + 1].isalpha() and unit is None)
    # "5G", "3D", but "500-plus" is an amount.
    if glued and not _PLUS_RE.match(text, end):
        return True
    bare = multiplier == 1.0 and unit is None
    # "Highway 61" is a name; "a highway 880 km long" is a length.
    if bare and _IDENTIFIER_RE.search(text, max(0, start - 16), start):
        return True
    if unit in _DURATIONS and _AGO_RE.match(text, end):
        return True  # "a decade ago" is a date
    if not any(c.isdigit() for c in m["num"]):
        # "one" is a pronoun far more often than an amount.
        if m["num"].lower() in {"one", "a", "an"} and bare:
            return True
        if multiplier == 1.0 and _PARTICIPANT_RE.search(text, max(0, start - 8), start):
            return True
    if in_entity(doc, start, end, ("TIME", "ORDINAL")) and unit not in _DURATIONS:
        return True
    # A year or a day of the month; "2,000 troops" is not tagged DATE.
    if (
        in_entity(doc, start, end, ("DATE",))
        and bare
        and (counted_noun(doc, end) is None or _looks_like_year(m["num"]))
    ):
        return True
    return _looks_like_year(m["num"]) and not currency and bare and counted_noun(doc, end) is None


def _looks_like_year(num: str) -> bool:
    return bool(re.fullmatch(r"1[5-9]\d\d|20\d\d", num))


def find_quantities(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found = find_compounds(text, doc, base, mask) + find_vague(text, doc, base, mask)
    found += find_shares(text, doc, base, mask)
    atoms = _atoms(text, doc, mask)
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        sep = _RANGE_SEP_RE.match(text, atom.end) if nxt else None
        if nxt is not None and sep is not None and sep.end() == nxt.start:
            sep_word = sep.group(0).strip().lower()
            between = BETWEEN_RE.search(text, max(0, atom.start - 10), atom.start)
            opener = between.group(0).strip().lower() if between else None
            # "between X and Y", "from X to Y", "X to Y", "X-Y"; never "from X and Y".
            paired = opener == "between" if sep_word == "and" else opener != "between"
            if paired and (atom.unit is None or nxt.unit is None or atom.unit == nxt.unit):
                low, high = atom.value, nxt.value
                # "between 10 and 12 million": the multiplier and unit written once apply to both.
                if not atom.multiplied and nxt.multiplied and atom.number <= nxt.number:
                    low = atom.number * (nxt.value / nxt.number)
                unit = nxt.unit or atom.unit
                if low <= high:
                    start = between.start() if between else atom.start
                    counted = None if unit else counted_noun(doc, nxt.end)
                    found.append(
                        make_quantity(
                            text,
                            base,
                            start,
                            nxt.end,
                            value=None,
                            low=low,
                            high=high,
                            precision="range",
                            unit=unit,
                            counted=counted,
                        )
                    )
                    mask.add(start, nxt.end)
                    i += 2
                    continue
                if sep_word in {"-", "–", "—"}:
                    # "102-98" outside a vote: a score, no amount.
                    i += 2
                    continue
        found.append(_single_quantity(text, doc, base, atom))
        mask.add(atom.start, atom.end)
        i += 1
    found.sort(key=lambda q: q.start)
    return found


def _single_quantity(text: str, doc: Doc, base: int, atom: _Atom) -> Quantity:
    precision, start = precision_before(text, atom.start)
    end = atom.end
    if atom.bound is not None and precision == "exact":
        precision = atom.bound
    for regex, post in _POST_BOUNDS:
        m = regex.match(text, end)
        if m and precision == "exact":
            precision, end = post, m.end()
            break
    unit = atom.unit
    counted = None
    if unit is None:
        counted = counted_noun(doc, end)
        if currency := currency_of_noun(counted):
            unit, counted = currency, None
    elif unit == "percent" or currencies.is_currency(unit):
        counted = counted_noun(doc, end, after_of_only=True)
    return make_quantity(text, base, start, end, value=atom.value, precision=precision, unit=unit, counted=counted)
