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

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from claims.engine.numbers.common import EN_DASH, Field, Summary, Verdict, integer, ordinal
from claims.engine.numbers.dates import compare_dates, date_key, parse_date
from claims.engine.numbers.quantities import compare_quantities, parse_quantity, quantity_key


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
    yes, no = integer(raw.get("for")), integer(raw.get("against"))
    if yes is None or no is None:
        return None
    return _Tally(yes, no, integer(raw.get("abstain")))


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
        shown = f"top {self.rank:,}" if self.top else ordinal(self.rank)
        return f"{shown} {self.of_text}" if self.of_text else shown


def _ranking(raw: Mapping[str, Any]) -> _Ranking | None:
    rank = integer(raw.get("rank"))
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


_FIELDS: tuple[tuple[Field, str, str, Any, Any, Any], ...] = (
    ("quantity", "quantity", "quantities", parse_quantity, quantity_key, compare_quantities),
    ("tally", "vote tally", "tallies", _tally, _tally_key, _compare_tallies),
    ("ranking", "ranking", "rankings", _ranking, _ranking_key, _compare_rankings),
    ("date", "date", "dates", parse_date, date_key, compare_dates),
)
