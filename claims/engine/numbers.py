"""Compare the numbers and dates of a claim with those of a matched reference.

Embeddings blur numbers ("voted 397 to 0" sits next to "voted 400 to 0"), so for
every (claim, reference) match we compare the structured slots the extractor
produced for both texts (the contract: claims/extraction/slots.py).

Every value is turned into the interval of values it is consistent with, and two
values *agree* when their intervals overlap. Consistency, not confirmation, is
what a single reference can establish, and it makes every rule symmetric.

Quantities
    exact        the value itself; written decimals and scale words ("$4M") are
                 honoured as rounding
                 ("3.2 million" covers 3,150,000..3,250,000) but written-out
                 integers are not ("3,000" vs "3,012" differs).
    approximate  value ± 10 %.
    lower_bound  [low, ∞), upper_bound (-∞, high]; both inclusive, because the
                 slots cannot tell "more than" from "at least".
    range        [low, high].
    vague        from ``magnitude`` m: [2·10^m, 10^(m+1)), except that the scale
                 words (thousands, millions, ...) reach up to the next scale word:
                 "thousands" = [2,000, 1,000,000). "dozens" starts at 24.
                 Without a magnitude the value is not comparable.
    Only quantities with the same unit (synonyms: %/per cent/percent, currency
    symbols → ISO code) and compatible counted nouns (troop/soldier/personnel,
    ...; a missing noun is compatible with any) are paired, so a percentage is
    never compared with a headcount.
Tallies    for and against must be equal, in that order; abstentions only count
           when both sides state them.
Rankings   paired when their ``of`` share a word (or one is missing); "3rd" vs
           "5th" and "top 10" vs "top 5" differ; an exact rank agrees with a
           "top N" that contains it.
Dates      a date is the interval of days it names, so two plain dates are
           compared at the coarser granularity ("2024-10" agrees with
           "2024-10-24"). Modifiers open the interval: "by/until X" = up to the
           end of X, "before X" = up to the start of X, "since X" = from the
           start of X, "after X" = from the end of X ("by December 2024" agrees
           with 2024-11-30). Two dates open the same way compare their bounds at
           the coarser granularity; open opposite ways ("since 2020" vs "by
           2024") they are not comparable unless disjoint. A date inherited from
           the previous sentence is a guess, so it never yields "differs", only
           "not_comparable". Unreadable date values are "not_comparable".

Pairing: within a field, candidate pairs are ranked (best noun/``of`` match
first, then closeness) and taken greedily. Every claim value is reported: an
unpaired one as ``not_comparable`` with an empty ``reference``. Reference values
left unpaired are not reported: the reference is allowed to say more.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol, TypeVar

Field = Literal["quantity", "tally", "ranking", "date"]
Verdict = Literal["agrees", "differs", "not_comparable"]
Summary = Literal["agrees", "differs", "not_comparable", "no_numbers"]

APPROXIMATE_TOLERANCE = 0.10
# Absorbs float noise only; anything larger would let "3,000" agree with "3,012".
EXACT_EPSILON = 1e-9
INF = math.inf
EN_DASH = "\u2013"  # tallies and ranges, as typeset in print
TIMES = "\u00d7"  # multiplication sign, as in "10 times larger"


@dataclass(frozen=True)
class Comparison:
    field: Field
    claim: str
    reference: str
    verdict: Verdict
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "claim": self.claim,
            "reference": self.reference,
            "verdict": self.verdict,
            "detail": self.detail,
        }


def compare_slots(claim: Mapping[str, Any], reference: Mapping[str, Any]) -> list[Comparison]:
    """Compare the ``slots`` of a claim with the ``slots`` of a reference."""
    return [
        comparison
        for field, noun, key, parse, pair_key, compare in _FIELDS
        for comparison in _compare_field(
            field, noun, _items(claim, key), _items(reference, key), parse, pair_key, compare
        )
    ]


def summarise(comparisons: Iterable[Comparison | Mapping[str, Any]]) -> Summary:
    """One verdict for a match: any difference wins, then any agreement."""
    verdicts = {c.verdict if isinstance(c, Comparison) else c.get("verdict") for c in comparisons}
    if not verdicts:
        return "no_numbers"
    if "differs" in verdicts:
        return "differs"
    if "agrees" in verdicts:
        return "agrees"
    return "not_comparable"


# --- generic pairing -------------------------------------------------------


class _Slot(Protocol):
    @property
    def display(self) -> str: ...


T = TypeVar("T", bound=_Slot)


def _items(slots: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    raw = slots.get(key) if isinstance(slots, Mapping) else None
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    return [item for item in raw if isinstance(item, Mapping)]


def _compare_field(
    field: Field,
    noun: str,
    claim_raw: list[Mapping[str, Any]],
    ref_raw: list[Mapping[str, Any]],
    parse: Callable[[Mapping[str, Any]], T | None],
    pair_key: Callable[[T, T], tuple[float, ...] | None],
    compare: Callable[[T, T], tuple[Verdict, str]],
) -> list[Comparison]:
    claims = [parse(item) for item in claim_raw]
    refs = [r for r in (parse(item) for item in ref_raw) if r is not None]

    candidates: list[tuple[tuple[float, ...], int, int]] = []
    for i, c in enumerate(claims):
        for j, r in enumerate(refs):
            if c is not None and (key := pair_key(c, r)) is not None:
                candidates.append((key, i, j))
    candidates.sort()
    partner: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in candidates:
        if i not in partner and j not in taken:
            partner[i] = j
            taken.add(j)

    out: list[Comparison] = []
    for i, c in enumerate(claims):
        if c is None:
            text = claim_raw[i].get("text")
            shown = text if isinstance(text, str) else ""
            out.append(Comparison(field, shown, "", "not_comparable", f"could not read the claim's {noun}"))
        elif i in partner:
            r = refs[partner[i]]
            verdict, detail = compare(c, r)
            out.append(Comparison(field, c.display, r.display, verdict, detail))
        else:
            why = f"no comparable {noun} in the reference" if refs else f"the reference gives no {noun}"
            out.append(Comparison(field, c.display, "", "not_comparable", why))
    return out


def _overlaps(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    return a_lo <= b_hi and b_lo <= a_hi


def _gap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> float:
    """Relative distance between two intervals, 0 when they overlap."""
    if _overlaps(a_lo, a_hi, b_lo, b_hi):
        return 0.0
    near_a, near_b = (a_hi, b_lo) if a_hi < b_lo else (a_lo, b_hi)
    return abs(near_b - near_a) / max(abs(near_a), abs(near_b))


# --- formatting ------------------------------------------------------------


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    if abs(x) < 1:
        return f"{x:.3g}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _number(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _integer(x: object) -> int | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x if isinstance(x, int) else None


# --- quantities ------------------------------------------------------------

# canonical -> spellings; a change of 2 points is not a change of 2 %, hence "pp".
_UNIT_GROUPS = {
    "percent": ("%", "percent", "per cent", "pct", "percentage"),
    "pp": ("pp", "percentage point", "percentage points", "points"),
    "USD": ("$", "us$", "dollar", "dollars"),
    "EUR": ("€", "euro", "euros"),
    "GBP": ("£", "sterling"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers"),
}
_CURRENCIES = frozenset(
    {"USD", "EUR", "GBP", "JPY", "CNY", "CHF", "RUB", "UAH", "INR", "CAD"}
    | {"AUD", "SEK", "NOK", "DKK", "PLN", "TRY", "BRL", "ZAR", "KRW", "ILS"}
)
_COUNTED_GROUPS = {
    "soldier": ("soldier", "troop", "personnel", "serviceman", "servicemember"),
    "person": ("person", "people", "individual"),
    "death": ("death", "fatality", "dead"),
}
_UNIT_SYNONYMS = {s: unit for unit, group in _UNIT_GROUPS.items() for s in group}
_COUNTED_SYNONYMS = {s: noun for noun, group in _COUNTED_GROUPS.items() for s in group}
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
_SCALES |= {"bn": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12}
_NUMBER_RE = re.compile(
    r"(\d[\d,]*)(?:\.(\d+))?\s*(k|thousand|mn|m|million|bn|billion|tn|trillion)?\b",
    re.IGNORECASE,
)


def _unit(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = " ".join(raw.lower().split())
    if key in _UNIT_SYNONYMS:
        return _UNIT_SYNONYMS[key]
    return key.upper() if key.upper() in _CURRENCIES else key


def _counted(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = " ".join(raw.lower().split())
    if key not in _COUNTED_SYNONYMS and key.endswith("s") and not key.endswith("ss"):
        # Tolerates a plural slipping through where the contract promises a lemma.
        key = key[:-1]
    return _COUNTED_SYNONYMS.get(key, key)


def _with_unit(number: str, unit: str | None) -> str:
    if unit is None:
        return number
    if unit == "percent":
        return f"{number}%"
    if unit in _CURRENCIES:
        return f"{unit} {number}"
    return f"{number} {unit}"


def _rounding(text: object, value: float) -> float:
    """Half a unit of the last written digit of ``value`` in ``text`` when it is
    written with decimals or with a scale word ("$4M" is $3.5M to $4.5M, as
    "3.2 million" is 3.15 to 3.25 million), else 0: "400" stays exact."""
    if not isinstance(text, str):
        return 0.0
    for m in _NUMBER_RE.finditer(text):
        decimals, scale_word = m.group(2) or "", (m.group(3) or "").lower()
        if not decimals and not scale_word:
            continue
        mantissa = float(m.group(1).replace(",", "") + "." + (decimals or "0"))
        # The digits must actually spell ``value``: "3.2 m" may be metres, not millions.
        for scale in (_SCALES.get(scale_word, 1.0), 1.0):
            if math.isclose(mantissa * scale, abs(value), rel_tol=1e-6):
                if not decimals and scale == 1.0:
                    return 0.0
                return 0.5 * 10.0 ** -len(decimals) * scale
    return 0.0


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
class _Quantity:
    low: float
    high: float
    centre: float | None  # a single stated value, for "how different" wording
    unit: str | None
    counted: str | None
    display: str

    @property
    def unbounded(self) -> bool:
        return self.low == -INF and self.high == INF


def _quantity(raw: Mapping[str, Any]) -> _Quantity:
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    precision = raw.get("precision")
    value, low, high = (_number(raw.get(k)) for k in ("value", "low", "high"))
    unit = _unit(raw.get("unit"))
    counted = _counted(raw.get("counted"))

    def make(lo: float, hi: float, centre: float | None, shown: str) -> _Quantity:
        return _Quantity(lo, hi, centre, unit, counted, shown)

    if precision == "exact" and value is not None:
        half = max(_rounding(text, value), abs(value) * EXACT_EPSILON)
        return make(value - half, value + half, value, _with_unit(_fmt(value), unit))
    if precision == "approximate" and value is not None:
        tol = abs(value) * APPROXIMATE_TOLERANCE
        return make(value - tol, value + tol, value, "~" + _with_unit(_fmt(value), unit))
    if precision == "lower_bound" and (bound := low if low is not None else value) is not None:
        return make(bound, INF, None, "≥" + _with_unit(_fmt(bound), unit))
    if precision == "upper_bound" and (bound := high if high is not None else value) is not None:
        return make(-INF, bound, None, "≤" + _with_unit(_fmt(bound), unit))
    if precision == "vague" and (low is None or high is None):
        m = _integer(raw.get("magnitude"))
        if m is not None and 0 <= m <= 14:
            words = _magnitude_words(m, text)
            return make(*_vague_interval(m, text), None, f"{words} {unit}" if unit else words)
        return make(-INF, INF, None, text or "unspecified")
    # Ranges, and any slot whose precision and numbers disagree: trust the numbers.
    lo = low if low is not None else value
    hi = high if high is not None else value
    if lo is not None and hi is not None:
        lo, hi = min(lo, hi), max(lo, hi)
        if lo == hi:
            return make(lo, hi, lo, _with_unit(_fmt(lo), unit))
        return make(lo, hi, None, _with_unit(f"{_fmt(lo)}{EN_DASH}{_fmt(hi)}", unit))
    if lo is not None:
        return make(lo, INF, None, "≥" + _with_unit(_fmt(lo), unit))
    if hi is not None:
        return make(-INF, hi, None, "≤" + _with_unit(_fmt(hi), unit))
    return make(-INF, INF, None, text or "unspecified")


def _quantity_key(c: _Quantity, r: _Quantity) -> tuple[float, ...] | None:
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
        centres = _gap(c.centre, c.centre, r.centre, r.centre) if c.centre != r.centre else 0.0
    return (noun_rank, _gap(c.low, c.high, r.low, r.high), centres)


def _how_different(c: float, r: float, unit: str | None) -> str:
    if c == r:
        return ""
    if unit in ("percent", "pp"):
        # A relative change of a percentage reads as nonsense ("11% larger than 45%").
        return f" ({_fmt(abs(r - c))} points {'higher' if r > c else 'lower'})"
    if c == 0 or r == 0 or (c < 0) != (r < 0):
        return ""
    ratio = r / c
    if not 0 < ratio < INF:  # under- or overflow: no sensible wording
        return ""
    if ratio >= 2:
        return f" ({_fmt(ratio)}{TIMES} larger)"
    if ratio <= 0.5:
        return f" ({_fmt(1 / ratio)}{TIMES} smaller)"
    change = (ratio - 1) * 100
    shown = _fmt(round(abs(change), 1)) if abs(change) >= 0.05 else "<0.1"
    return f" ({shown}% {'larger' if change > 0 else 'smaller'})"


def _compare_quantities(c: _Quantity, r: _Quantity) -> tuple[Verdict, str]:
    detail = f"{c.display} vs {r.display}"
    if c.unbounded or r.unbounded:
        return "not_comparable", detail + " (too vague to compare)"
    if c.centre is not None and r.centre is not None:
        detail += _how_different(c.centre, r.centre, c.unit)
    return ("agrees" if _overlaps(c.low, c.high, r.low, r.high) else "differs"), detail


# --- tallies ---------------------------------------------------------------


@dataclass(frozen=True)
class _Tally:
    yes: int
    no: int
    abstain: int | None

    @property
    def display(self) -> str:
        shown = f"{self.yes:,}{EN_DASH}{self.no:,}"
        return shown if self.abstain is None else f"{shown}{EN_DASH}{self.abstain:,}"


def _tally(raw: Mapping[str, Any]) -> _Tally | None:
    yes, no = _integer(raw.get("for")), _integer(raw.get("against"))
    if yes is None or no is None:
        return None
    return _Tally(yes, no, _integer(raw.get("abstain")))


def _tally_key(c: _Tally, r: _Tally) -> tuple[float, ...]:
    abstain = abs(c.abstain - r.abstain) if c.abstain is not None and r.abstain is not None else 0
    return (float(abs(c.yes - r.yes) + abs(c.no - r.no) + abstain),)


def _compare_tallies(c: _Tally, r: _Tally) -> tuple[Verdict, str]:
    same = c.yes == r.yes and c.no == r.no
    if c.abstain is not None and r.abstain is not None:
        same = same and c.abstain == r.abstain
    return ("agrees" if same else "differs"), f"{c.display} vs {r.display}"


# --- rankings --------------------------------------------------------------


@dataclass(frozen=True)
class _Ranking:
    rank: int
    top: bool
    of: frozenset[str]
    of_text: str | None

    @property
    def display(self) -> str:
        shown = f"top {self.rank:,}" if self.top else _ordinal(self.rank)
        return f"{shown} {self.of_text}" if self.of_text else shown


def _ranking(raw: Mapping[str, Any]) -> _Ranking | None:
    rank = _integer(raw.get("rank"))
    if rank is None or rank < 1:
        return None
    of = raw.get("of")
    of = (of.strip() or None) if isinstance(of, str) else None
    # Word sets, singularised, so "weapons exporters" pairs with "arms exporter".
    words = frozenset(w.removesuffix("s") for w in re.findall(r"\w+", (of or "").lower()))
    return _Ranking(rank, bool(raw.get("top")), words, of)


def _ranking_key(c: _Ranking, r: _Ranking) -> tuple[float, ...] | None:
    if not c.of or not r.of:
        of_rank = 2.0
    elif c.of == r.of:
        of_rank = 0.0
    elif c.of & r.of:
        of_rank = 1.0
    else:
        return None
    return (of_rank, float(abs(c.rank - r.rank) + (c.top != r.top)))


def _compare_rankings(c: _Ranking, r: _Ranking) -> tuple[Verdict, str]:
    if c.top == r.top:
        # Two "top N" lists are specific lists, so top 5 and top 10 are different claims.
        same = c.rank == r.rank
    else:
        exact, top = (r, c) if c.top else (c, r)
        same = exact.rank <= top.rank
    return ("agrees" if same else "differs"), f"{c.display} vs {r.display}"


# --- dates -----------------------------------------------------------------

_GRANULARITIES = ("day", "month", "year", "decade")
_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "day"),
    (re.compile(r"(\d{4})-(\d{2})"), "month"),
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{3})0s"), "decade"),
)
_DAY_MIN, _DAY_MAX = date.min.toordinal(), date.max.toordinal()


@dataclass(frozen=True)
class _Date:
    low: float  # day ordinals the statement covers, open ends infinite
    high: float
    start: int  # first day the value itself names, for pairing
    granularity: str
    direction: Literal["at", "until", "since"]
    inherited: bool
    display: str


def _period(value: str) -> tuple[date, date, str] | None:
    for pattern, granularity in _DATE_FORMS:
        m = pattern.fullmatch(value)
        if m is None:
            continue
        try:
            if granularity == "day":
                day = date(int(m[1]), int(m[2]), int(m[3]))
                return day, day, granularity
            if granularity == "month":
                year, month = int(m[1]), int(m[2])
                last = calendar.monthrange(year, month)[1]
                return date(year, month, 1), date(year, month, last), granularity
            if granularity == "year":
                return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31), granularity
            first = int(m[1]) * 10
            # datetime has no year 0, so the 0000s start in year 1.
            return date(max(first, 1), 1, 1), date(min(first + 9, 9999), 12, 31), granularity
        except (ValueError, calendar.IllegalMonthError):
            return None
    return None


def _date(raw: Mapping[str, Any]) -> _Date | None:
    value = raw.get("value")
    period = _period(value.strip()) if isinstance(value, str) else None
    if period is None:
        return None
    first, last, granularity = period[0].toordinal(), period[1].toordinal(), period[2]
    modifier, inherited, value = raw.get("modifier"), raw.get("inherited") is True, value.strip()
    # "by"/"until" include the named period, "before"/"after" exclude it.
    bounds: dict[object, tuple[float, float, Literal["until", "since"]]] = {
        "by": (-INF, last, "until"),
        "until": (-INF, last, "until"),
        "before": (-INF, first - 1, "until"),
        "since": (first, INF, "since"),
        "after": (last + 1, INF, "since"),
    }
    if modifier in bounds:
        low, high, direction = bounds[modifier]
        return _Date(low, high, first, granularity, direction, inherited, f"{modifier} {value}")
    return _Date(first, last, first, granularity, "at", inherited, value)


def _truncate(ordinal: float, granularity: str) -> tuple[int, ...]:
    d = date.fromordinal(min(max(int(ordinal), _DAY_MIN), _DAY_MAX))
    parts = {"day": (d.year, d.month, d.day), "month": (d.year, d.month), "year": (d.year,)}
    return parts.get(granularity, (d.year // 10,))


def _date_key(c: _Date, r: _Date) -> tuple[float, ...]:
    gap = 0.0 if _overlaps(c.low, c.high, r.low, r.high) else min(abs(c.low - r.high), abs(r.low - c.high))
    return (gap, float(abs(c.start - r.start)))


def _compare_dates(c: _Date, r: _Date) -> tuple[Verdict, str]:
    coarser = max(c.granularity, r.granularity, key=_GRANULARITIES.index)
    detail = f"{c.display} vs {r.display}"
    if c.granularity != r.granularity:
        detail += f" (compared by {coarser})"
    verdict: Verdict
    if c.direction == r.direction != "at":
        # Both open the same way: only their bounds say anything.
        bound = "high" if c.direction == "until" else "low"
        same = _truncate(getattr(c, bound), coarser) == _truncate(getattr(r, bound), coarser)
        verdict = "agrees" if same else "differs"
    elif _overlaps(c.low, c.high, r.low, r.high):
        # "since 2020" and "by 2024" overlap without saying the same thing.
        opposite = "at" not in (c.direction, r.direction)
        verdict = "not_comparable" if opposite else "agrees"
    else:
        verdict = "differs"
    if verdict == "differs" and (c.inherited or r.inherited):
        return "not_comparable", detail + "; date inherited from context"
    return verdict, detail


_FIELDS: tuple[tuple[Field, str, str, Any, Any, Any], ...] = (
    ("quantity", "quantity", "quantities", _quantity, _quantity_key, _compare_quantities),
    ("tally", "vote tally", "tallies", _tally, _tally_key, _compare_tallies),
    ("ranking", "ranking", "rankings", _ranking, _ranking_key, _compare_rankings),
    ("date", "date", "dates", _date, _date_key, _compare_dates),
)
