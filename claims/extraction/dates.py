# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Dates: spaCy finds DATE spans, dateparser resolves them against the
publication date, and a few rules pick the direction ("Thursday" is the latest
Thursday on or before publication unless the clause is about the future; "by
December" is the coming December; "in June" is the latest June).

dateparser is slow and its weekday handling skips the publication day itself,
so it only sees DATE entity text, results are cached, and weekdays, decades
and yearless months are settled here.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateparser.date import DateDataParser
from spacy.tokens import Doc, Span, Token

from claims.extraction.slots import DateSlot, Granularity

_MODIFIERS = {
    "on": "on",
    "by": "by",
    "since": "since",
    "until": "until",
    "till": "until",
    "til": "until",
    "through": "until",
    "before": "before",
    "after": "after",
    "in": "in",
    "during": "in",
    "from": "since",
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAY_RE = re.compile(
    r"^(?:on\s+)?(?P<day>" + "|".join(_WEEKDAYS) + r")(?:\s+(?:morning|afternoon|evening|night))?$", re.I
)
_DECADE_RE = re.compile(r"\b(?:the\s+)?(?:early\s+|mid-?|late\s+)?(?P<century>1\d|20)?['’]?(?P<decade>\d)0s\b", re.I)
_YEAR_RE = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b")
# Something dateparser can anchor: a number, a month, a weekday or a relative word.
_ANCHOR_RE = re.compile(
    r"\d|\b(?:" + _MONTHS + r"|" + "|".join(_WEEKDAYS) + r"|today|yesterday|tomorrow|tonight"
    r"|(?:last|next|this|past|coming)\s+(?:week|month|year|weekend|spring|summer|autumn|fall|winter))\b",
    re.I,
)
_RELATIVE_RE = re.compile(r"\b(?:last|next|this|past|coming|ago|today|yesterday|tomorrow|tonight)\b", re.I)
# "three years", "the past decade": how long, not when.
_DURATION_RE = re.compile(
    r"^(?:the\s+)?(?:past\s+|last\s+|next\s+|coming\s+|first\s+|previous\s+)?(?:\d[\d,.]*|a|an|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|eleven|twelve|several|few|many|some|\w+teen|twenty|thirty|forty|fifty)\s*[- ]?"
    r"(?:days?|weeks?|months?|years?|decades?|centuries|century)(?:\s+old)?$",
    re.I,
)
_QUALIFIER_RE = re.compile(
    r"^(?:the\s+)?(?:(?:very\s+)?(?:early|mid|late|end\s+of|start\s+of|beginning\s+of|middle\s+of|first\s+half\s+of"
    r"|second\s+half\s+of|spring\s+of|summer\s+of|autumn\s+of|fall\s+of|winter\s+of)[\s-]+(?:the\s+)?)",
    re.I,
)
_FUTURE_AUX = {"will", "shall", "'ll", "wo", "ll"}
_FUTURE_WORDS = re.compile(r"\b(?:next|coming|upcoming|due|scheduled|expected|planned|set\s+to|plans?\s+to)\b", re.I)


@lru_cache(maxsize=64)
def _parser(published: dt.date, prefer: str) -> DateDataParser:
    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": dt.datetime(published.year, published.month, published.day),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_TIME_AS_PERIOD": False,
        },
    )


@lru_cache(maxsize=8192)
def resolve(text: str, published: dt.date | None, future: bool) -> tuple[str, Granularity] | None:
    """ISO value and granularity of one date phrase, or None when it names no point in time."""
    cleaned = " ".join(text.replace("’", "'").split())
    cleaned = re.sub(r"^(?:on|in|by|since|until|before|after)\s+", "", cleaned, flags=re.I)
    if not cleaned or _DURATION_RE.match(cleaned):
        return None
    # "over 50" (an age), "the 1st": a bare number that is no year names no date.
    if re.fullmatch(r"[\d.,]+(?:st|nd|rd|th)?", cleaned) and not _YEAR_RE.fullmatch(cleaned):
        return None
    decade = _DECADE_RE.search(cleaned)
    if decade and not _YEAR_RE.search(cleaned):
        century = decade["century"]
        if century is None:
            # "the '90s": the latest such decade before publication.
            ref_year = (published or dt.date.today()).year
            century = "19" if int(f"20{decade['decade']}0") > ref_year else "20"
        return f"{century}{decade['decade']}0s", "decade"
    if not _ANCHOR_RE.search(cleaned):
        return None
    has_year = bool(_YEAR_RE.search(cleaned))
    if published is None and (not has_year or _RELATIVE_RE.search(cleaned)):
        # A relative date means nothing without the day it was written.
        return None
    weekday = _WEEKDAY_RE.match(cleaned)
    if weekday and published is not None:
        target = _WEEKDAYS[weekday["day"].lower()]
        if future:
            day = published + dt.timedelta(days=(target - published.weekday()) % 7)
        else:
            day = published - dt.timedelta(days=(published.weekday() - target) % 7)
        return day.isoformat(), "day"
    cleaned = _QUALIFIER_RE.sub("", cleaned)
    base = published or dt.date(2000, 1, 1)
    try:
        data = _parser(base, "future" if future else "past").get_date_data(cleaned)
    except Exception:  # dateparser raises on odd input; an unresolved date is no date
        return None
    if data is None or data.date_obj is None:
        return None
    when = data.date_obj.date()
    period = data.period or "day"
    if period in {"time"}:
        period = "day"
    if period not in {"day", "month", "year"}:
        return None
    if not has_year and published is not None and not _RELATIVE_RE.search(cleaned):
        when = _nearest_year(when, published, future, by_month=period == "month")
    if period == "day":
        return when.isoformat(), "day"
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}", "month"
    return f"{when.year:04d}", "year"


def _nearest_year(when: dt.date, published: dt.date, future: bool, *, by_month: bool) -> dt.date:
    """Move a yearless date to the latest year on or before publication, or the earliest on or after."""

    def key(d: dt.date) -> tuple[int, ...]:
        return (d.year, d.month) if by_month else (d.year, d.month, d.day)

    def with_year(year: int) -> dt.date:
        try:
            return when.replace(year=year)
        except ValueError:  # 29 February
            return when.replace(year=year, day=28)

    candidate = with_year(published.year)
    if future and key(candidate) < key(published):
        candidate = with_year(published.year + 1)
    elif not future and key(candidate) > key(published):
        candidate = with_year(published.year - 1)
    return candidate


def _modifier(doc: Doc, ent: Span) -> str | None:
    i = ent.start - 1
    # "by the end of June": skip the qualifier to reach the preposition.
    while i >= 0 and doc[i].lower_ in {"the", "end", "start", "beginning", "middle", "of", "early", "late", "mid"}:
        if doc[i].lower_ == "of" and i - 1 >= 0 and doc[i - 1].lower_ not in {"end", "start", "beginning", "middle"}:
            break
        i -= 1
    if i < 0:
        first = ent[0].lower_
        return _MODIFIERS.get(first) if first in {"since", "until", "by"} else None
    word = doc[i].lower_
    if word in _MODIFIERS:
        return _MODIFIERS[word]
    if word == "of" and i > 0 and doc[i - 1].lower_ == "as":
        return "on"
    return None


def _names_an_event(ent: Span) -> bool:
    """Whether the date only dates a noun after it ("the 2020 election"): then
    "before" or "since" bears on the event, and the date is when it happened."""
    head = ent.root.head
    return head.i >= ent.end and head.pos_ in {"NOUN", "PROPN"} and ent.root.dep_ in {"nummod", "compound", "amod"}


def _governing_verb(token: Token) -> Token | None:
    seen = 0
    while seen < 8:
        if token.pos_ in {"VERB", "AUX"}:
            return token
        if token.head is token:
            return None
        token, seen = token.head, seen + 1
    return None


def is_future(doc: Doc, ent: Span, modifier: str | None) -> bool:
    """Whether the clause around a date looks ahead from publication."""
    before = doc.text[max(0, ent.start_char - 12) : ent.start_char]
    if _FUTURE_WORDS.search(before + " " + ent.text):
        return True
    verb = _governing_verb(ent.root)
    if verb is None:
        return modifier in {"by", "until"}
    children = {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}
    if children & _FUTURE_AUX or "going" in children:
        return True
    if verb.tag_ == "VBD" or children & {"had", "has", "have", "did", "was", "were"}:
        return False
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return True
    if verb.tag_ in {"VBP", "VBZ"} and verb.head is not verb and verb.head.lower_ in {"will", "shall"}:
        return True
    return modifier in {"by", "until"}


def find_dates(doc: Doc, base: int, published: dt.date | None) -> list[DateSlot]:
    """Resolved dates of one sentence Doc whose first character sits at `base` in the article."""
    found: list[DateSlot] = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        modifier = _modifier(doc, ent)
        if modifier and _names_an_event(ent):
            # Read by hand on CheckThat dev-test: "before the 2020 U.S. presidential
            # election" was taken for "before 2020".
            modifier = None
        resolved = resolve(ent.text, published, is_future(doc, ent, modifier))
        if resolved is None:
            continue
        value, granularity = resolved
        found.append(
            DateSlot(
                text=ent.text,
                start=base + ent.start_char,
                end=base + ent.end_char,
                value=value,
                granularity=granularity,
                modifier=modifier,
            )
        )
    return found
