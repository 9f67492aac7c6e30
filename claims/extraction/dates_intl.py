# ruff: noqa: RUF001 - typographic quotes and dashes are what news text contains
"""Dates in Spanish, French, German and Portuguese, without a spaCy model.

Date phrases are found by patterns built from CLDR's month and weekday names
("el 12 de marzo de 2023", "12. März", "en junio", "am Donnerstag", "hier")
and resolved by dateparser in that language against the publication date,
with the English rules' conventions: a weekday is the latest on or before
publication unless the sentence looks ahead; a missing year is inferred and
said to be, or left out ("--03-12").
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateparser.date import DateDataParser

from claims.extraction.dates import _nearest_year, _with_year, context_date
from claims.extraction.locales import WORDS, month_numbers, weekday_numbers
from claims.extraction.slots import DateSlot, Granularity

_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_YEAR_RE = re.compile(r"\b" + _YEAR + r"\b")


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=8)
def _phrase_re(language: str) -> re.Pattern[str]:
    words = WORDS[language]
    month = _alternatives(month_numbers(language))
    weekday = _alternatives(weekday_numbers(language))
    link = r"(?:\s+de(?:l)?\s+|\s+|\.\s*)"
    day = r"\d{1,2}(?:º|°|\.|er)?"
    modifiers = "|".join(words[k] for k in ("since", "until", "before", "after", "by", "in", "on"))
    when = (
        rf"(?P<full>{day}{link}(?:{month})(?:(?:,?\s+|\s+de\s+){_YEAR})?)"
        rf"|(?P<monthyear>(?:{month})(?:\s+de|,)?\s+{_YEAR})"
        rf"|(?P<weekday>(?:{weekday}))"
        rf"|(?P<relative>{words['relative']})"
        rf"|(?P<year>(?:(?:el\s+)?año\s+|(?:l['’])?année\s+|Jahr(?:e)?\s+|(?:o\s+)?ano\s+)?{_YEAR})"
        rf"|(?P<month>(?:{month}))"
    )
    return re.compile(
        rf"(?:\b(?P<modifier>{modifiers})\s+(?:(?:el|la|le|der|dem|den|o|a)\s+)?)?(?:{when})(?!\w)", re.IGNORECASE
    )


@lru_cache(maxsize=64)
def _parser(language: str, published: dt.date, prefer: str) -> DateDataParser:
    return DateDataParser(
        languages=[language],
        settings={
            "RELATIVE_BASE": dt.datetime(published.year, published.month, published.day),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_TIME_AS_PERIOD": False,
        },
    )


def _modifier(language: str, word: str | None) -> str | None:
    if not word:
        return None
    for key in ("since", "until", "before", "after", "by", "in", "on"):
        if re.fullmatch(WORDS[language][key], word, re.IGNORECASE):
            return key
    return None


@lru_cache(maxsize=4096)
def resolve_intl(
    phrase: str, kind: str, language: str, published: dt.date | None, future: bool, context: dt.date | None
) -> tuple[str, Granularity, bool] | None:
    has_year = bool(_YEAR_RE.search(phrase))
    if kind == "weekday":
        if published is None:
            return None
        target = weekday_numbers(language)[phrase.lower()]
        if future:
            day = published + dt.timedelta(days=(target - published.weekday()) % 7)
        else:
            day = published - dt.timedelta(days=(published.weekday() - target) % 7)
        return day.isoformat(), "day", False
    if kind == "relative" and published is None:
        return None
    if kind == "year":
        return _YEAR_RE.search(phrase).group(0), "year", False  # type: ignore[union-attr]
    base = published or dt.date(2000, 1, 1)
    try:
        data = _parser(language, base, "future" if future else "past").get_date_data(phrase)
    except Exception:  # dateparser raises on odd input; an unresolved date is no date
        return None
    if data is None or data.date_obj is None:
        return None
    when = data.date_obj.date()
    period = "day" if (data.period or "day") == "time" else (data.period or "day")
    if kind == "month":
        period = "month"
    if period not in {"day", "month", "year"}:
        return None
    inferred = False
    if not has_year and kind != "relative":
        if context is not None:
            when, inferred = _with_year(when, context.year), True
        elif published is not None:
            when, inferred = _nearest_year(when, published, future, by_month=period == "month"), True
        elif period == "day":
            return f"--{when.month:02d}-{when.day:02d}", "day", False
        else:
            return f"--{when.month:02d}", "month", False
    if period == "day":
        return when.isoformat(), "day", inferred
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}", "month", inferred
    return f"{when.year:04d}", "year", inferred


def find_dates_intl(
    text: str, base: int, published: dt.date | None, language: str, context: dt.date | None = None
) -> list[DateSlot]:
    """Resolved dates of one sentence in `language` whose first character sits at `base` in the article."""
    future = bool(re.search(WORDS[language]["future"], text, re.IGNORECASE))
    found: list[DateSlot] = []
    for m in _phrase_re(language).finditer(text):
        kind = next(k for k in ("full", "monthyear", "weekday", "relative", "year", "month") if m[k])
        modifier = _modifier(language, m["modifier"])
        # A bare month or year is a date only after a preposition: "mayo" may be a name, "2019" a count.
        if kind in {"month", "year"} and modifier is None:
            continue
        a, b = m.span(kind)
        resolved = resolve_intl(m[kind].strip(), kind, language, published, future, context)
        if resolved is None:
            continue
        value, granularity, inferred = resolved
        found.append(
            DateSlot(
                text=text[a:b],
                start=base + a,
                end=base + b,
                value=value,
                granularity=granularity,
                modifier=modifier if modifier in {"since", "until", "before", "after", "by", "in", "on"} else None,
                year_inferred=inferred,
            )
        )
        context = context_date(found[-1]) or context
    return found
