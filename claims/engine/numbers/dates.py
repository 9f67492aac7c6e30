"""Dates as the intervals of days they name, opened by their modifiers.

A date whose year was not written ("March 16": no year, or one the extractor
inferred) is compared by month and day alone: "March 16" agrees with
2023-03-16 and differs from 2023-03-17, and says nothing against a bare year.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from claims.engine.numbers.common import INF, Verdict, overlaps

_GRANULARITIES = ("day", "month", "year", "decade")
_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "day"),
    (re.compile(r"(\d{4})-(\d{2})"), "month"),
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{3})0s"), "decade"),
    # ISO 8601's forms without a year.
    (re.compile(r"--(\d{2})-(\d{2})"), "day"),
    (re.compile(r"--(\d{2})"), "month"),
)
_DAY_MIN, _DAY_MAX = date.min.toordinal(), date.max.toordinal()
_LEAP = 2000  # stands in for a missing year, so that 29 February exists


@dataclass(frozen=True)
class Date:
    low: float  # day ordinals the statement covers, open ends infinite
    high: float
    start: int  # first day the value itself names, for pairing
    granularity: str
    direction: Literal["at", "until", "since"]
    inherited: bool
    display: str
    month_day: tuple[int, int] | None = None  # (month, day or 0) when the year is unknown or inferred
    yearless: bool = False


def _period(value: str) -> tuple[date, date, str, bool] | None:
    for pattern, granularity in _DATE_FORMS:
        m = pattern.fullmatch(value)
        if m is None:
            continue
        yearless = value.startswith("--")
        try:
            if yearless:
                year, month = _LEAP, int(m[1])
                day = int(m[2]) if granularity == "day" else None
                last = calendar.monthrange(year, month)[1]
                if day is not None:
                    return date(year, month, day), date(year, month, day), granularity, True
                return date(year, month, 1), date(year, month, last), granularity, True
            if granularity == "day":
                moment = date(int(m[1]), int(m[2]), int(m[3]))
                return moment, moment, granularity, False
            if granularity == "month":
                year, month = int(m[1]), int(m[2])
                last = calendar.monthrange(year, month)[1]
                return date(year, month, 1), date(year, month, last), granularity, False
            if granularity == "year":
                return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31), granularity, False
            first = int(m[1]) * 10
            # datetime has no year 0, so the 0000s start in year 1.
            return date(max(first, 1), 1, 1), date(min(first + 9, 9999), 12, 31), granularity, False
        except (ValueError, calendar.IllegalMonthError):
            return None
    return None


def parse_date(raw: Mapping[str, Any]) -> Date | None:
    value = raw.get("value")
    period = _period(value.strip()) if isinstance(value, str) else None
    if period is None:
        return None
    first_day, last_day, granularity, yearless = period
    first, last = first_day.toordinal(), last_day.toordinal()
    modifier, inherited, value = raw.get("modifier"), raw.get("inherited") is True, (value or "").strip()
    month_day = None
    if yearless or (raw.get("year_inferred") is True and granularity in {"day", "month"}):
        month_day = (first_day.month, first_day.day if granularity == "day" else 0)
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
        return Date(low, high, first, granularity, direction, inherited, f"{modifier} {value}", month_day, yearless)
    return Date(first, last, first, granularity, "at", inherited, value, month_day, yearless)


def _truncate(ordinal: float, granularity: str) -> tuple[int, ...]:
    d = date.fromordinal(min(max(int(ordinal), _DAY_MIN), _DAY_MAX))
    parts = {"day": (d.year, d.month, d.day), "month": (d.year, d.month), "year": (d.year,)}
    return parts.get(granularity, (d.year // 10,))


def date_key(c: Date, r: Date) -> tuple[float, ...]:
    if c.month_day is not None or r.month_day is not None:
        a = c.month_day or _month_day(c)
        b = r.month_day or _month_day(r)
        if a is None or b is None:
            return (INF, INF)
        return (float(abs(a[0] * 31 + a[1] - b[0] * 31 - b[1])), 0.0)
    gap = 0.0 if overlaps(c.low, c.high, r.low, r.high) else min(abs(c.low - r.high), abs(r.low - c.high))
    return (gap, float(abs(c.start - r.start)))


def _month_day(d: Date) -> tuple[int, int] | None:
    if d.granularity not in {"day", "month"}:
        return None
    named = date.fromordinal(d.start)
    return named.month, named.day if d.granularity == "day" else 0


def _compare_month_day(c: Date, r: Date, detail: str) -> tuple[Verdict, str]:
    note = " (no year given)" if c.yearless or r.yearless else " (year inferred, compared by month and day)"
    a, b = c.month_day or _month_day(c), r.month_day or _month_day(r)
    if a is None or b is None or c.direction != r.direction:
        return "not_comparable", detail + note
    if a[1] == 0 or b[1] == 0:  # one names a whole month: compare months
        a, b = (a[0], 0), (b[0], 0)
    return ("agrees" if a == b else "differs"), detail + note


def compare_dates(c: Date, r: Date) -> tuple[Verdict, str]:
    coarser = max(c.granularity, r.granularity, key=_GRANULARITIES.index)
    detail = f"{c.display} vs {r.display}"
    if c.month_day is not None or r.month_day is not None:
        verdict, detail = _compare_month_day(c, r, detail)
    else:
        if c.granularity != r.granularity:
            detail += f" (compared by {coarser})"
        if c.direction == r.direction != "at":
            # Both open the same way: only their bounds say anything.
            bound = "high" if c.direction == "until" else "low"
            same = _truncate(getattr(c, bound), coarser) == _truncate(getattr(r, bound), coarser)
            verdict = "agrees" if same else "differs"
        elif overlaps(c.low, c.high, r.low, r.high):
            # "since 2020" and "by 2024" overlap without saying the same thing.
            opposite = "at" not in (c.direction, r.direction)
            verdict = "not_comparable" if opposite else "agrees"
        else:
            verdict = "differs"
    if verdict == "differs" and (c.inherited or r.inherited):
        return "not_comparable", detail + "; date inherited from context"
    return verdict, detail
