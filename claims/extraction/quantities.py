# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Quantities: amounts with their precision, unit and counted noun; vague counts and fractions."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from claims.extraction.lexicon import DIGITS, FRACTION_WORDS, MULTIPLIERS, NUMBER_WORD_ALT, VAGUE_MAGNITUDE, WORD_NUMBER
from claims.extraction.numbers_common import Mask, counted_noun, in_entity, magnitude_of, parse_number
from claims.extraction.slots import Precision, Quantity
from claims.extraction.units import CURRENCY_SYMBOLS, CURRENCY_WORDS, unit_after

_ATOM_RE = re.compile(
    r"(?P<cur>US\$|A\$|C\$|HK\$|\$|€|£|¥|₹|₩)?\s?"
    r"(?P<num>" + DIGITS + r"|\b" + WORD_NUMBER + r"\b)"
    r"(?:\s?(?P<mult>hundred|thousand|million|billion|trillion|mn|mln|bn|bln|tn|trn)\b"
    r"|(?P<short>[mbk])\b"
    r"|\s(?P<dozen>dozen)\b)?",
    re.IGNORECASE,
)

_APPROX_RE = re.compile(
    r"(?:\b(?:about|around|some|approximately|approx\.?|roughly|nearly|almost|close\s+to|an\s+estimated|estimated"
    r"|circa|c\.|an\s+approximate|approaching|more\s+or\s+less)|~)\s*$",
    re.IGNORECASE,
)
_LOWER_RE = re.compile(
    r"\b(?:at\s+least|more\s+than|over|above|in\s+excess\s+of|upwards\s+of|no\s+(?:fewer|less)\s+than"
    r"|exceeding|just\s+over|greater\s+than|higher\s+than|north\s+of|a\s+minimum\s+of|a\s+record)\s*$",
    re.IGNORECASE,
)
_UPPER_RE = re.compile(
    r"\b(?:less\s+than|fewer\s+than|under|below|at\s+most|no\s+more\s+than|not\s+more\s+than|up\s+to"
    r"|as\s+many\s+as|as\s+much\s+as|as\s+high\s+as|just\s+under|a\s+maximum\s+of|lower\s+than)\s*$",
    re.IGNORECASE,
)
_POST_LOWER_RE = re.compile(r"(?:\s*\+|-plus\b|\s+plus\b|\s+or\s+more\b|\s+and\s+(?:above|up)\b)", re.IGNORECASE)
_POST_UPPER_RE = re.compile(r"\s+or\s+(?:fewer|less)\b", re.IGNORECASE)
_POST_APPROX_RE = re.compile(r"\s+or\s+so\b", re.IGNORECASE)
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
_PLUS_RE = re.compile(r"[-‐](?:plus|odd)\b", re.IGNORECASE)


def _vague(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
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
        if counted in CURRENCY_WORDS:
            unit, counted = CURRENCY_WORDS[counted], None
        found.append(
            Quantity(
                text=text[start:unit_end],
                start=base + start,
                end=base + unit_end,
                value=None,
                low=None,
                high=None,
                precision="vague",
                magnitude=magnitude,
                unit=unit,
                counted=counted,
            )
        )
        mask.add(start, unit_end)
    return found


def _fractions(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
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
        found.append(_ratio_quantity(text, doc, base, start, end, numer, denom))
        mask.add(start, end)
    for m in _RATIO_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        numer = parse_number(m["numer"])
        denom = parse_number(m["denom"].replace("a hundred", "100").replace("hundred", "100"))
        if not numer or not denom or numer >= denom:
            continue
        # "one in five Americans": a share only when people or things follow.
        if counted_noun(doc, end) is None:
            continue
        found.append(_ratio_quantity(text, doc, base, start, end, numer, denom))
        mask.add(start, end)
    return found


def _ratio_quantity(
    text: str, doc: Doc, base: int, start: int, end: int, numer: float | None, denom: float
) -> Quantity:
    value = round((numer or 1.0) / denom * 100, 2)
    precision, p_start = _precision_before(text, start)
    return Quantity(
        text=text[p_start:end],
        start=base + p_start,
        end=base + end,
        value=value,
        low=value if precision in {"exact", "lower_bound"} else None,
        high=value if precision in {"exact", "upper_bound"} else None,
        precision=precision,
        magnitude=magnitude_of(value),
        unit="percent",
        counted=counted_noun(doc, end, after_of_only=True),
    )


def _precision_before(text: str, start: int) -> tuple[Precision, int]:
    """The precision that a phrase before the number sets, and where that phrase starts."""
    for regex, precision in ((_APPROX_RE, "approximate"), (_LOWER_RE, "lower_bound"), (_UPPER_RE, "upper_bound")):
        m = regex.search(text, max(0, start - 30), start)
        if m:
            return precision, m.start()  # type: ignore[return-value]
    return "exact", start


class _Atom:
    __slots__ = ("end", "is_word", "multiplied", "number", "start", "unit", "value")

    def __init__(self, start: int, end: int, value: float, unit: str | None, number: float, is_word: bool) -> None:
        self.start, self.end, self.value, self.unit = start, end, value, unit
        self.number, self.is_word = number, is_word
        self.multiplied = value != number


def _atoms(text: str, doc: Doc, mask: Mask) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _ATOM_RE.finditer(text):
        start, end = m.span()
        num_start = m.start("num")
        if not m["cur"]:
            start = num_start
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
        currency = CURRENCY_SYMBOLS.get((m["cur"] or "").lower())
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
        unit: str | None = currency
        if unit is None:
            unit, end = unit_after(text, end)
        if _not_an_amount(text, doc, m, start, end, unit=unit, multiplier=multiplier, currency=currency):
            continue
        atoms.append(_Atom(start, end, number * multiplier, unit, number, is_word))
    return atoms


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
    """Numbers that name or label rather than count: codes, ages, years, "the two leaders"."""
    nxt = text[end] if end < len(text) else " "
    glued = nxt.isalnum() or (nxt in "-‐" and end + 1 < len(text) and text[end + 1].isalpha() and unit is None)
    # "5G", "3D", "10-year-old" (an attribute), but "500-plus" is an amount.
    if glued and not _PLUS_RE.match(text, end):
        return True
    if _IDENTIFIER_RE.search(text, max(0, start - 16), start):
        return True
    bare = multiplier == 1.0 and unit is None
    if not any(c.isdigit() for c in m["num"]):
        # "one" is a pronoun far more often than an amount.
        if m["num"].lower() in {"one", "a", "an"} and bare:
            return True
        if multiplier == 1.0 and _PARTICIPANT_RE.search(text, max(0, start - 8), start):
            return True
    if in_entity(doc, start, end, ("TIME", "ORDINAL")):
        return True
    durations = {"year", "month", "week", "day", "hour", "minute"}
    # A year or a day of the month; "2,000 troops" is not tagged DATE.
    if (
        in_entity(doc, start, end, ("DATE",))
        and unit not in durations
        and bare
        and (counted_noun(doc, end) is None or _looks_like_year(m["num"]))
    ):
        return True
    return _looks_like_year(m["num"]) and not currency and bare and counted_noun(doc, end) is None


def _looks_like_year(num: str) -> bool:
    return bool(re.fullmatch(r"1[5-9]\d\d|20\d\d", num))


def find_quantities(text: str, doc: Doc, base: int, mask: Mask) -> list[Quantity]:
    found = _vague(text, doc, base, mask) + _fractions(text, doc, base, mask)
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
                    found.append(_range_quantity(text, doc, base, start, nxt.end, low, high, unit))
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


def _range_quantity(
    text: str, doc: Doc, base: int, start: int, end: int, low: float, high: float, unit: str | None
) -> Quantity:
    counted = None if unit else counted_noun(doc, end)
    return Quantity(
        text=text[start:end],
        start=base + start,
        end=base + end,
        value=None,
        low=low,
        high=high,
        precision="range",
        magnitude=magnitude_of(high),
        unit=unit,
        counted=counted,
    )


def _single_quantity(text: str, doc: Doc, base: int, atom: _Atom) -> Quantity:
    precision, start = _precision_before(text, atom.start)
    end = atom.end
    for regex, post in (
        (_POST_LOWER_RE, "lower_bound"),
        (_POST_UPPER_RE, "upper_bound"),
        (_POST_APPROX_RE, "approximate"),
    ):
        m = regex.match(text, end)
        if m and precision == "exact":
            precision, end = post, m.end()  # type: ignore[assignment]
            break
    value, unit = atom.value, atom.unit
    counted = None
    if unit is None:
        counted = counted_noun(doc, end)
        if counted in CURRENCY_WORDS:
            unit, counted = CURRENCY_WORDS[counted], None
    elif unit == "percent" or unit in CURRENCY_SYMBOLS.values():
        counted = counted_noun(doc, end, after_of_only=True)
    return Quantity(
        text=text[start:end],
        start=base + start,
        end=base + end,
        value=value,
        low=value if precision in {"exact", "lower_bound"} else None,
        high=value if precision in {"exact", "upper_bound"} else None,
        precision=precision,
        magnitude=magnitude_of(value),
        unit=unit,
        counted=counted,
    )
