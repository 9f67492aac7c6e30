"""The claim slot contract (see the project's slot notes): frozen dataclasses
whose `to_dict()` gives exactly the JSON shape other modules consume.

Conventions that the contract leaves open, fixed here so consumers can rely on them:
- every `start`/`end` is an offset into the article text, and `text == article[start:end]`;
- `exact`: value == low == high; `approximate`: value set, low/high null;
  `lower_bound`: value == low; `upper_bound`: value == high; `range`: low/high set, value null;
  `vague`: value/low/high null, only `magnitude` says how big;
- fractions ("two-thirds", "half of") are normalised to `percent`;
- `magnitude` is floor(log10(|value|)) whenever a value (or the range's high end) is known;
- a quantity in a physical unit keeps `value`/`low`/`high` and `unit` as written ("12", "ft")
  and adds `si`: the same numbers in the SI unit of its dimension ({"value": 3.6576, "unit": "m"});
  the key is absent for counts, percentages and money;
- an age is a quantity in years (months, weeks) with `counted` "age";
- a date whose year is not written has `year_inferred` true when the year was taken from
  the publication date or an earlier date in the text; with neither, its value has no
  year ("--03-16", "--03"), as ISO 8601 writes it, and `year_inferred` is false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Precision = Literal["exact", "approximate", "lower_bound", "upper_bound", "range", "vague"]
Kind = Literal["numeric", "dated_event", "attributed"]
Granularity = Literal["day", "month", "year", "decade"]


@dataclass(frozen=True, slots=True)
class SI:
    """A measure's numbers in the SI unit of its dimension ("m", "kg", "s", "m/s", "K", ...)."""

    value: float | None
    low: float | None
    high: float | None
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    start: int
    end: int
    value: float | None
    low: float | None
    high: float | None
    precision: Precision
    magnitude: int | None
    unit: str | None
    counted: str | None
    si: SI | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "precision": self.precision,
            "magnitude": self.magnitude,
            "unit": self.unit,
            "counted": self.counted,
        }
        if self.si is not None:
            out["si"] = self.si.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class Tally:
    text: str
    start: int
    end: int
    for_: int
    against: int
    abstain: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "for": self.for_,
            "against": self.against,
            "abstain": self.abstain,
        }


@dataclass(frozen=True, slots=True)
class Ranking:
    text: str
    start: int
    end: int
    rank: int
    top: bool
    of: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "rank": self.rank,
            "top": self.top,
            "of": self.of,
        }


@dataclass(frozen=True, slots=True)
class DateSlot:
    text: str
    start: int
    end: int
    value: str
    granularity: Granularity
    modifier: str | None
    inherited: bool = False
    year_inferred: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "granularity": self.granularity,
            "modifier": self.modifier,
            "inherited": self.inherited,
            "year_inferred": self.year_inferred,
        }


@dataclass(frozen=True, slots=True)
class Slots:
    quantities: tuple[Quantity, ...] = ()
    tallies: tuple[Tally, ...] = ()
    rankings: tuple[Ranking, ...] = ()
    dates: tuple[DateSlot, ...] = ()
    actor: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantities": [q.to_dict() for q in self.quantities],
            "tallies": [t.to_dict() for t in self.tallies],
            "rankings": [r.to_dict() for r in self.rankings],
            "dates": [d.to_dict() for d in self.dates],
            "actor": self.actor,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ExtractedClaim:
    text: str
    start: int
    end: int
    kind: Kind
    checkworthiness: float
    slots: Slots = field(default_factory=Slots)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "checkworthiness": self.checkworthiness,
            "slots": self.slots.to_dict(),
        }
