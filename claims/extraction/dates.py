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
_DECADE_RE = re.compile(
    r"\b(?:the\s+)?(?:early\s+|mid-?|late\s+)?(?P<century>1\d|20)?['’]?(?P<decade>\d)0['’]?s\b", re.I
)
# "fall 2020": a season is read as its year, the finest granularity the slots have for it.
_SEASON_RE = re.compile(
    r"^(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<year>1[5-9]\d\d|20\d\d)$",
    re.I,
)
# "between 2010 and 2014", "Feb. 1 through Feb. 6", "2017-2018": each end resolves alone.
_RANGE_RE = re.compile(
    r"^(?P<open>(?:between|from)\s+)?(?P<a>.+?)\s*(?:-|–|—|\bto\b|\bthrough\b|\buntil\b|\band\b)\s*(?P<b>.+)$", re.I
)
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
_NAMED_DAY_RE = re.compile(r"\d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
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


Resolved = tuple[str, Granularity, bool]  # ISO value, granularity, whether the year was inferred


@lru_cache(maxsize=8192)
def resolve(text: str, published: dt.date | None, future: bool, context: dt.date | None = None) -> Resolved | None:
    """ISO value, granularity and year-inferred flag of one date phrase, or None when it names no point in time.

    A date without a year ("March 16") takes the year of `context`, the nearest
    earlier date in the text that states one, else the year around `published`;
    with neither it keeps no year: "--03-16", "--03".
    """
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
        return f"{century}{decade['decade']}0s", "decade", False
    if season := _SEASON_RE.match(cleaned):
        return season["year"], "year", False
    if not _ANCHOR_RE.search(cleaned):
        return None
    has_year = bool(_YEAR_RE.search(cleaned))
    relative = bool(_RELATIVE_RE.search(cleaned))
    weekday = _WEEKDAY_RE.match(cleaned)
    if published is None and (relative or (weekday and not has_year)):
        # A relative date means nothing without the day it was written.
        return None
    if weekday and published is not None:
        target = _WEEKDAYS[weekday["day"].lower()]
        if future:
            day = published + dt.timedelta(days=(target - published.weekday()) % 7)
        else:
            day = published - dt.timedelta(days=(published.weekday() - target) % 7)
        return day.isoformat(), "day", False
    cleaned = _QUALIFIER_RE.sub("", cleaned)
    # A leap year, so that a yearless 29 February parses.
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
    inferred = False
    if not has_year and not relative:
        if period == "year":
            return None
        if context is not None:
            when, inferred = _with_year(when, context.year), True
        elif published is not None:
            when, inferred = _nearest_year(when, published, future, by_month=period == "month"), True
        else:
            return (
                (f"--{when.month:02d}-{when.day:02d}", "day", False)
                if period == "day"
                else (f"--{when.month:02d}", "month", False)
            )
    if period == "day":
        return when.isoformat(), "day", inferred
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}", "month", inferred
    return f"{when.year:04d}", "year", inferred


def _with_year(when: dt.date, year: int) -> dt.date:
    try:
        return when.replace(year=year)
    except ValueError:  # 29 February
        return when.replace(year=year, day=28)


def _nearest_year(when: dt.date, published: dt.date, future: bool, *, by_month: bool) -> dt.date:
    """Move a yearless date to the latest year on or before publication, or the earliest on or after."""

    def key(d: dt.date) -> tuple[int, ...]:
        return (d.year, d.month) if by_month else (d.year, d.month, d.day)

    candidate = _with_year(when, published.year)
    if future and key(candidate) < key(published):
        candidate = _with_year(when, published.year + 1)
    elif not future and key(candidate) > key(published):
        candidate = _with_year(when, published.year - 1)
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
    # "Polls open on Nov. 5", "voting ends on June 2": a plain present with a named day is a schedule.
    if (
        verb.tag_ in {"VBP", "VBZ"}
        and verb.lemma_ not in {"be", "have"}
        and not children
        and _NAMED_DAY_RE.search(ent.text)
    ):
        return True
    return modifier in {"by", "until"}


def find_dates(doc: Doc, base: int, published: dt.date | None, context: dt.date | None = None) -> list[DateSlot]:
    """Resolved dates of one sentence Doc whose first character sits at `base` in the article.

    `context` is the latest earlier date in the text with a stated year, for dates that state none.
    """
    found: list[DateSlot] = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        modifier = _modifier(doc, ent)
        if modifier and _names_an_event(ent):
            # Read by hand on CheckThat dev-test: "before the 2020 U.S. presidential
            # election" was taken for "before 2020".
            modifier = None
        future = is_future(doc, ent, modifier)
        resolved = resolve(ent.text, published, future, context)
        parts = (
            [(0, len(ent.text), resolved, modifier)] if resolved else _range_parts(ent.text, published, future, context)
        )
        for a, b, (value, granularity, inferred), part_modifier in parts:
            found.append(
                DateSlot(
                    text=ent.text[a:b],
                    start=base + ent.start_char + a,
                    end=base + ent.start_char + b,
                    value=value,
                    granularity=granularity,
                    modifier=part_modifier,
                    year_inferred=inferred,
                )
            )
            context = context_date(found[-1]) or context
    return found


def _range_parts(
    text: str, published: dt.date | None, future: bool, context: dt.date | None
) -> list[tuple[int, int, Resolved, str | None]]:
    """The two ends of a date range that dateparser cannot read whole, when both are years or both name a month."""
    m = _RANGE_RE.match(text)
    if m is None:
        return []
    both_years = _YEAR_RE.fullmatch(m["a"]) and _YEAR_RE.fullmatch(m["b"])
    both_months = all(re.search(r"\b(?:" + _MONTHS + r")\b", m[g], re.I) for g in ("a", "b"))
    if not (both_years or both_months):
        return []
    first = resolve(m["a"], published, future, context)
    second = resolve(m["b"], published, future, context)
    if first is None or second is None:
        return []
    bounded = bool(m["open"]) or not re.search(r"\band\b", text[m.end("a") : m.start("b")], re.I)
    return [
        (m.start("a"), m.end("a"), first, "since" if bounded else None),
        (m.start("b"), m.end("b"), second, "until" if bounded else None),
    ]


def context_date(slot: DateSlot) -> dt.date | None:
    """The day or month a date with a written year names, to lend its year to later yearless dates."""
    if slot.year_inferred or slot.inherited or slot.granularity not in {"day", "month"}:
        return None
    if not _YEAR_RE.search(slot.text):
        return None  # "on Monday" took its year from the publication date
    try:
        return dt.date.fromisoformat(slot.value if slot.granularity == "day" else slot.value + "-01")
    except ValueError:
        return None
