"""Quantities as intervals: precision, rounding, units (converted to SI with pint) and money."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from claims.engine.numbers.common import (
    APPROXIMATE_TOLERANCE,
    EN_DASH,
    EXACT_EPSILON,
    INF,
    TIMES,
    Verdict,
    fmt,
    gap,
    number,
    overlaps,
)
from claims.extraction.currencies import codes as currency_codes
from claims.extraction.locales import LANGUAGES, scale_words
from claims.extraction.units import from_si, is_measure, to_si

# canonical -> spellings; a change of 2 points is not a change of 2 %, hence "pp".
_UNIT_GROUPS = {
    "percent": ("%", "percent", "per cent", "pct", "percentage"),
    "pp": ("pp", "percentage point", "percentage points", "points", "percentage_point"),
    "USD": ("$", "us$", "dollar", "dollars"),
    "EUR": ("€", "euro", "euros"),
    "GBP": ("£", "sterling"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers"),
}
_COUNTED_GROUPS = {
    "soldier": ("soldier", "troop", "personnel", "serviceman", "servicemember"),
    "person": ("person", "people", "individual"),
    "death": ("death", "fatality", "dead"),
}
_UNIT_SYNONYMS = {s: unit for unit, group in _UNIT_GROUPS.items() for s in group}
_COUNTED_SYNONYMS = {s: noun for noun, group in _COUNTED_GROUPS.items() for s in group}
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
_SCALES |= {"bn": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12}
for _language in LANGUAGES:
    _SCALES |= {w: v for w, v in scale_words(_language).items() if w not in _SCALES}
_NUMBER_RE = re.compile(
    r"(\d{1,3}(?:[\u202f\u00a0 ]\d{3})+(?:,\d+)?|\d(?:[\d.,]*\d)?)\s*("
    + "|".join(re.escape(w) for w in sorted(_SCALES, key=len, reverse=True))
    + r")?\b",
    re.IGNORECASE,
)
# Two measures written in different units agree within the rounding of what was
# written ("880 km" is 880 ± 5 km, "547 miles" 547 ± 0.5 mi), never beyond this share.
CONVERSION_TOLERANCE = 0.025


def _unit(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = " ".join(raw.lower().split())
    if key in _UNIT_SYNONYMS:
        return _UNIT_SYNONYMS[key]
    if key.upper() in currency_codes():
        return key.upper()
    # pint is case-sensitive ("MW" is not "mW"): the unit as written first, then lower case.
    return raw.strip() if is_measure(raw.strip()) else key


def _counted(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = " ".join(raw.lower().split())
    if key not in _COUNTED_SYNONYMS and key.endswith("s") and not key.endswith("ss"):
        # Tolerates a plural slipping through where the contract promises a lemma.
        key = key[:-1]
    return _COUNTED_SYNONYMS.get(key, key)


def _with_unit(shown: str, unit: str | None) -> str:
    if unit is None:
        return shown
    if unit == "percent":
        return f"{shown}%"
    if unit in currency_codes():
        return f"{unit} {shown}"
    return f"{shown} {unit}"


def _rounding(text: object, value: float) -> float:
    """Half a unit of the last written digit of ``value`` in ``text`` when it is
    written with decimals or with a scale word ("$4M" is $3.5M to $4.5M, as
    "3.2 million" is 3.15 to 3.25 million), else 0: "400" stays exact."""
    if not isinstance(text, str):
        return 0.0
    for m in _NUMBER_RE.finditer(text):
        integer, decimals = _split_marks(m.group(1))
        scale_word = " ".join((m.group(2) or "").lower().split())
        if not decimals and not scale_word:
            continue
        mantissa = float(integer + "." + (decimals or "0"))
        # The digits must actually spell ``value``: "3.2 m" may be metres, not millions.
        for scale in (_SCALES.get(scale_word, 1.0), 1.0):
            if math.isclose(mantissa * scale, abs(value), rel_tol=1e-6):
                if not decimals and scale == 1.0:
                    return 0.0
                return 0.5 * 10.0 ** -len(decimals) * scale
    return 0.0


def _split_marks(written: str) -> tuple[str, str]:
    """Integer and decimal digits of a number in any of the languages' marks: a mark
    before exactly three final digits groups ("3,000", "3.000", "3 000"), any other
    decimal ("3.5", "1,5")."""
    compact = re.sub(r"[\u202f\u00a0 ]", "", written)
    marks = [i for i, c in enumerate(compact) if c in ".,"]
    if not marks or len(compact) - marks[-1] - 1 == 3:
        return re.sub(r"[.,]", "", compact), ""
    last = marks[-1]
    return re.sub(r"[.,]", "", compact[:last]) or "0", compact[last + 1 :]


def _significant_half(value: float) -> float:
    """Half a unit of the last significant digit: 880 -> 5, 547 -> 0.5, 3.7 -> 0.05."""
    try:
        exponent = Decimal(repr(abs(value))).normalize().as_tuple().exponent
    except InvalidOperation:
        return 0.0
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0


def _magnitude_words(m: int, text: str) -> str:
    if m == 0:
        return "several"
    if m == 1:
        return "dozens" if "dozen" in text.lower() else "tens"
    if m == 2:
        return "hundreds"
    base = ("thousands", "millions", "billions", "trillions")[m // 3 - 1]
    return ("", "tens of ", "hundreds of ")[m % 3] + base


def _vague_interval(m: int, text: str) -> tuple[float, float]:
    low = 24.0 if m == 1 and "dozen" in text.lower() else 2 * 10.0**m
    top = m + 3 if m >= 3 and m % 3 == 0 else m + 1
    # Half-open: "thousands" is not "a million".
    return low, 10.0**top * (1 - 1e-6)


@dataclass(frozen=True)
class Quantity:
    low: float  # in SI for a measure, else in the unit as written
    high: float
    centre: float | None  # a single stated value, for "how different" wording
    unit: str | None  # the SI unit of a measure, else the unit as written
    counted: str | None
    display: str
    written: str | None = None  # the unit as written
    slack: float = 0.0  # how far its rounding reaches, in `unit`, when compared across written units

    @property
    def unbounded(self) -> bool:
        return self.low == -INF and self.high == INF


def _to_si(x: float, unit: str | None) -> float:
    if not math.isfinite(x):
        return x
    converted = to_si(x, unit)
    return converted[0] if converted else x


def parse_quantity(raw: Mapping[str, Any]) -> Quantity:
    written = _unit(raw.get("unit"))
    si = to_si(1.0, written) if written else None
    quantity = _written_quantity(raw, written)
    if si is None:
        return quantity
    slack = 0.0
    if quantity.centre is not None:
        half = min(_significant_half(quantity.centre), abs(quantity.centre) * CONVERSION_TOLERANCE)
        slack = abs(_to_si(quantity.centre + half, written) - _to_si(quantity.centre, written))
    return Quantity(
        low=_to_si(quantity.low, written),
        high=_to_si(quantity.high, written),
        centre=_to_si(quantity.centre, written) if quantity.centre is not None else None,
        unit=si[1],
        counted=quantity.counted,
        display=quantity.display,
        written=written,
        slack=slack,
    )


def _written_quantity(raw: Mapping[str, Any], unit: str | None) -> Quantity:
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    precision = raw.get("precision")
    value, low, high = (number(raw.get(k)) for k in ("value", "low", "high"))
    counted = _counted(raw.get("counted"))

    def make(lo: float, hi: float, centre: float | None, shown: str) -> Quantity:
        return Quantity(lo, hi, centre, unit, counted, shown, unit)

    if precision == "exact" and value is not None:
        half = max(_rounding(text, value), abs(value) * EXACT_EPSILON)
        return make(value - half, value + half, value, _with_unit(fmt(value), unit))
    if precision == "approximate" and value is not None:
        tol = abs(value) * APPROXIMATE_TOLERANCE
        return make(value - tol, value + tol, value, "~" + _with_unit(fmt(value), unit))
    if precision == "lower_bound" and (bound := low if low is not None else value) is not None:
        return make(bound, INF, None, "≥" + _with_unit(fmt(bound), unit))
    if precision == "upper_bound" and (bound := high if high is not None else value) is not None:
        return make(-INF, bound, None, "≤" + _with_unit(fmt(bound), unit))
    if precision == "vague" and (low is None or high is None):
        m = raw.get("magnitude")
        if isinstance(m, int) and not isinstance(m, bool) and 0 <= m <= 14:
            words = _magnitude_words(m, text or "")
            return make(*_vague_interval(m, text or ""), None, f"{words} {unit}" if unit else words)
        return make(-INF, INF, None, text or "unspecified")
    # Ranges, and any slot whose precision and numbers disagree: trust the numbers.
    lo = low if low is not None else value
    hi = high if high is not None else value
    if lo is not None and hi is not None:
        lo, hi = min(lo, hi), max(lo, hi)
        if lo == hi:
            return make(lo, hi, lo, _with_unit(fmt(lo), unit))
        return make(lo, hi, None, _with_unit(f"{fmt(lo)}{EN_DASH}{fmt(hi)}", unit))
    if lo is not None:
        return make(lo, INF, None, "≥" + _with_unit(fmt(lo), unit))
    if hi is not None:
        return make(-INF, hi, None, "≤" + _with_unit(fmt(hi), unit))
    return make(-INF, INF, None, text or "unspecified")


def _bounds(q: Quantity, other: Quantity) -> tuple[float, float]:
    """The interval of `q`, widened by its rounding when the other was written in another unit."""
    if q.written == other.written or not q.slack:
        return q.low, q.high
    return q.low - q.slack, q.high + q.slack


def quantity_key(c: Quantity, r: Quantity) -> tuple[float, ...] | None:
    if c.unit != r.unit:
        return None
    if c.counted is not None and r.counted is not None:
        if c.counted != r.counted:
            return None
        noun_rank = 0.0
    else:
        noun_rank = 1.0
    if c.unbounded or r.unbounded:
        return (noun_rank, INF, INF)
    centres = INF
    if c.centre is not None and r.centre is not None:
        centres = gap(c.centre, c.centre, r.centre, r.centre) if c.centre != r.centre else 0.0
    return (noun_rank, gap(*_bounds(c, r), *_bounds(r, c)), centres)


def _how_different(c: float, r: float, unit: str | None) -> str:
    if c == r or unit == "K":  # a ratio of temperatures means nothing
        return ""
    if unit in ("percent", "pp"):
        # A relative change of a percentage reads as nonsense ("11% larger than 45%").
        return f" ({fmt(abs(r - c))} points {'higher' if r > c else 'lower'})"
    if c == 0 or r == 0 or (c < 0) != (r < 0):
        return ""
    ratio = r / c
    if not 0 < ratio < INF:  # under- or overflow: no sensible wording
        return ""
    if ratio >= 2:
        return f" ({fmt(ratio)}{TIMES} larger)"
    if ratio <= 0.5:
        return f" ({fmt(1 / ratio)}{TIMES} smaller)"
    change = (ratio - 1) * 100
    shown = fmt(round(abs(change), 1)) if abs(change) >= 0.05 else "<0.1"
    return f" ({shown}% {'larger' if change > 0 else 'smaller'})"


def compare_quantities(c: Quantity, r: Quantity) -> tuple[Verdict, str]:
    detail = f"{c.display} vs {r.display}"
    if c.unbounded or r.unbounded:
        return "not_comparable", detail + " (too vague to compare)"
    if c.written != r.written and r.centre is not None and c.written and (back := from_si(r.centre, c.written)):
        detail += f" (= {_with_unit(fmt(round(back, 3)), c.written)})"
    if c.centre is not None and r.centre is not None:
        detail += _how_different(c.centre, r.centre, c.unit)
    return ("agrees" if overlaps(*_bounds(c, r), *_bounds(r, c)) else "differs"), detail
