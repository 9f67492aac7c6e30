# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Rules for the numbers that the field's libraries do not normalise: quantities
with their precision, vote tallies, rankings, vague counts and fractions.

Every finder works on one sentence's text with local offsets, consults the
sentence's spaCy Doc for context (entities, the counted noun), and returns
slots with offsets shifted by `base` into the article. Finders run in order and
mask what earlier ones took, so "397 to 0" is a tally and never a range and
"top 10" is a ranking and never a count.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from spacy.tokens import Doc, Token

from claims.extraction.slots import Precision, Quantity, Ranking, Tally

_SMALL = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_MULTIPLIERS = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "bn": 1e9,
    "bln": 1e9,
    "b": 1e9,
    "tn": 1e12,
    "trn": 1e12,
    "k": 1e3,
}
# Single letters multiply only money ("$4.5m"); after a bare number "5m" is metres.
_MONEY_ONLY_MULTIPLIERS = {"m", "b", "k"}
_CURRENCY_SYMBOLS = {
    "us$": "USD",
    "a$": "AUD",
    "c$": "CAD",
    "hk$": "HKD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
}
_CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "pounds sterling": "GBP",
    "sterling": "GBP",
    "gbp": "GBP",
    "yen": "JPY",
    "jpy": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "cny": "CNY",
    "rupees": "INR",
    "rupee": "INR",
    "inr": "INR",
    "roubles": "RUB",
    "rubles": "RUB",
    "rub": "RUB",
    "francs": "CHF",
    "chf": "CHF",
}
# Unit patterns after a number, tried in order (longest first where they share a prefix).
_UNIT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"%", "percent"),
    (r"per\s?cent\b", "percent"),
    (r"percent\b", "percent"),
    (r"pct\b", "percent"),
    (r"percentage[- ]points?\b", "percentage_point"),
    (r"pounds\s+sterling\b", "GBP"),
    (r"(?:us\s+)?dollars?\b", "USD"),
    (r"usd\b", "USD"),
    (r"euros?\b", "EUR"),
    (r"eur\b", "EUR"),
    (r"sterling\b", "GBP"),
    (r"gbp\b", "GBP"),
    (r"yen\b", "JPY"),
    (r"yuan\b", "CNY"),
    (r"rupees?\b", "INR"),
    (r"(?:roubles|rubles)\b", "RUB"),
    (r"square\s+(?:kilometres|kilometers|km)\b|sq\.?\s*km\b|km2\b|km²", "km2"),
    (r"square\s+miles?\b|sq\.?\s*mi\b", "mi2"),
    (r"km/h\b|kph\b|kilomet(?:re|er)s?\s+(?:an|per)\s+hour\b", "km/h"),
    (r"mph\b|miles?\s+(?:an|per)\s+hour\b", "mph"),
    (r"(?:km|kms|kilomet(?:re|er)s?)\b", "km"),
    (r"miles?\b", "mi"),
    (r"(?:met(?:re|er)s?|m)\b", "m"),
    (r"(?:kg|kgs|kilos?|kilograms?)\b", "kg"),
    (r"(?:metric\s+)?(?:tonnes?|tons?)\b", "t"),
    (r"(?:lbs?|pounds?)\b", "lb"),
    (r"hectares?\b|ha\b", "ha"),
    (r"acres?\b", "acre"),
    (r"barrels?\b|bbl\b", "barrel"),
    (r"(?:litres?|liters?)\b", "l"),
    (r"gallons?\b", "gal"),
    (r"(?:°\s?c|degrees?\s+celsius)\b", "degC"),
    (r"(?:°\s?f|degrees?\s+fahrenheit)\b", "degF"),
    (r"(?:gw|gigawatts?)\b", "GW"),
    (r"(?:mw|megawatts?)\b", "MW"),
    (r"(?:twh|terawatt[- ]hours?)\b", "TWh"),
    (r"(?:kwh|kilowatt[- ]hours?)\b", "kWh"),
    (r"years?\b", "year"),
    (r"months?\b", "month"),
    (r"weeks?\b", "week"),
    (r"days?\b", "day"),
    (r"hours?\b", "hour"),
    (r"minutes?\b", "minute"),
)
_UNIT_RE = re.compile(
    r"\s?(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, _) in enumerate(_UNIT_PATTERNS)) + r")",
    re.IGNORECASE,
)
_UNIT_BY_GROUP = {f"u{i}": unit for i, (_, unit) in enumerate(_UNIT_PATTERNS)}

_WORD_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine)\b)?"
    r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|an?(?=\s+(?:hundred|thousand|million|billion|trillion|dozen)\b))"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
# One number with its currency and multiplier: "$4.5bn", "US$ 3 million", "1.2 million", "twenty-five".
_ATOM_RE = re.compile(
    r"(?P<cur>US\$|A\$|C\$|HK\$|\$|€|£|¥|₹|₩)?\s?"
    r"(?P<num>" + _DIGITS + r"|\b" + _WORD_NUMBER + r"\b)"
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
_BETWEEN_RE = re.compile(r"\b(?:between|from)\s*$", re.IGNORECASE)
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
_VAGUE_MAGNITUDE = {
    "dozen": 1,
    "dozens": 1,
    "scores": 1,
    "hundred": 2,
    "hundreds": 2,
    "thousand": 3,
    "thousands": 3,
    "million": 6,
    "millions": 6,
    "billion": 9,
    "billions": 9,
    "trillion": 12,
    "trillions": 12,
}
_FRACTION_WORDS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
}
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

_VOTE_CONTEXT_RE = re.compile(
    r"\b(?:vot\w*|ballots?|passed|pass|approv\w*|ratif\w*|adopt\w*|reject\w*|referendum|majority|margin"
    r"|in\s+favou?r|abstain\w*|abstentions?|senate|senators|parliament\w*|lawmakers|legislat\w*|assembly"
    r"|congress|deputies|mps|jury|jurors|justices|ruling|confirm\w*|motion|resolution)\b",
    re.IGNORECASE,
)
_TALLY_RE = re.compile(
    r"\b(?P<for>\d{1,4})\s*(?:-|–|—|to|votes?\s+to|in\s+favou?r\s+(?:and|to|with)|for\s+and)\s*"
    r"(?P<against>\d{1,4})(?:\s+against\b)?"
    r"(?:\s*(?:-|–|—|,\s*with|with|and)\s*(?P<abstain>\d{1,4})(?:\s+abstentions?|\s+abstaining|\s+abstained)?)?"
    r"(?![\d.,]*\s*(?:%|per\s*cent|percent))",
    re.IGNORECASE,
)
_ABSTAIN_ONLY_RE = re.compile(r"(?P<abstain>\d{1,4})\s+(?:abstentions?|abstaining|abstained)", re.IGNORECASE)

_NUMBER_WORD_ALT = "|".join(sorted((*_SMALL, *_TENS), key=len, reverse=True))
_SUPERLATIVE = (
    r"(?:largest|biggest|greatest|highest|lowest|smallest|richest|poorest|busiest|oldest|youngest|deadliest"
    r"|strongest|weakest|fastest|slowest|longest|shortest|worst|best|leading|top|most\s+\w+|least\s+\w+)"
)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_TOP_RE = re.compile(r"\btop[- ](?P<n>\d{1,4}|" + _NUMBER_WORD_ALT + r")\b", re.IGNORECASE)
_ORDINAL_SUPERLATIVE_RE = re.compile(
    r"\b(?P<ord>\d{1,3}(?:st|nd|rd|th)|" + "|".join(_ORDINALS) + r")[- ](?P<sup>" + _SUPERLATIVE + r")\b",
    re.IGNORECASE,
)
# "the world's largest", "Europe's biggest": a superlative with a stated scope ranks first.
_SCOPED_SUPERLATIVE_RE = re.compile(
    r"(?:\b\w+['’]s?|\bthe)\s+(?P<sup>" + _SUPERLATIVE.replace("|top", "").replace("|leading", "") + r")\s+(?=\w)",
    re.IGNORECASE,
)
_RANKED_RE = re.compile(
    r"\b(?:ranked|ranks|ranking|placed|finished|came|comes|rated)\s+(?:at\s+)?(?:no\.?\s*|number\s+)?"
    r"(?P<n>\d{1,4})(?:st|nd|rd|th)?\b|\b(?:ranked|ranks|placed|finished|came|comes)\s+(?P<ord>"
    + "|".join(_ORDINALS)
    + r")\b",
    re.IGNORECASE,
)
_ONE_OF_RE = re.compile(r"\bone\s+of\s+$", re.IGNORECASE)
_NUMBER_BEFORE_RE = re.compile(r"(?:\d|\b(?:a|an|" + _NUMBER_WORD_ALT + r"))\s*$", re.IGNORECASE)
_PART_BEFORE_RE = re.compile(r"\b(?:first|second|latter|former|other)\s*$", re.IGNORECASE)
_PLUS_RE = re.compile(r"[-‐](?:plus|odd)\b", re.IGNORECASE)
_SCOPE_RE = re.compile(r"\b(?:world|country|nation|europe|asia|africa|america|state|city|region|continent)", re.I)


def parse_number(text: str) -> float | None:
    """The value of one number written in digits or words ("3,000", "twenty-five", "a")."""
    cleaned = text.strip().lower().replace(",", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        pass
    if cleaned in {"a", "an"}:
        return 1.0
    parts = re.split(r"[- ]+", cleaned)
    total = 0
    for part in parts:
        if part in _SMALL:
            total += _SMALL[part]
        elif part in _TENS:
            total += _TENS[part]
        else:
            return None
    return float(total)


def magnitude_of(value: float | None) -> int | None:
    if value is None or value == 0 or not math.isfinite(value):
        return None
    return math.floor(math.log10(abs(value)))


class _Mask:
    """Character ranges already claimed by an earlier finder."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def taken(self, start: int, end: int) -> bool:
        return any(start < b and a < end for a, b in self.ranges)

    def add(self, start: int, end: int) -> None:
        self.ranges.append((start, end))


def _first_token_from(doc: Doc, char: int) -> int:
    """Index of the first token starting at or after `char` (token starts cached per Doc)."""
    starts = doc.user_data.get("token_starts")
    if starts is None:
        starts = doc.user_data["token_starts"] = [t.idx for t in doc]
    return bisect_left(starts, char)


_COUNT_SKIP = {"of", "more", "additional", "extra", "other", "new", "further", "the", "those", "these", "its", "their"}
_NOT_COUNTED = {"year", "month", "week", "day", "hour", "minute", "time", "percent", "cent", "point"}


def counted_noun(doc: Doc, end_char: int, *, after_of_only: bool = False) -> str | None:
    """Lemma of what a number counts: the noun it modifies or the noun after "of"."""
    first = _first_token_from(doc, end_char)
    tokens = doc[first : first + 10]
    if first > 0 and not after_of_only:
        anchor = doc[first - 1]
        head = anchor.head
        if (
            anchor.dep_ in {"nummod", "quantmod", "amod", "compound", "nmod"}
            and head.i > anchor.i
            and head.pos_ in {"NOUN", "PROPN"}
            and head.idx >= end_char
            and (head.pos_ == "NOUN" or head.tag_ == "NNPS")
        ):
            lemma = _compound_head(head).lemma_.lower()
            return None if lemma in _NOT_COUNTED else lemma
    if after_of_only and (not tokens or tokens[0].lower_ != "of"):
        return None
    seen = 0
    for token in tokens:
        seen += 1
        if seen > 8:
            break
        lower = token.lower_
        possessor = token.i + 1 < len(doc) and doc[token.i + 1].tag_ == "POS"
        if possessor or token.tag_ == "POS":
            continue
        if lower in _COUNT_SKIP or token.pos_ in {"ADJ", "NUM"} or token.tag_ in {"NNP", "HYPH"}:
            continue
        if token.pos_ == "NOUN" or token.tag_ == "NNPS":
            lemma = _compound_head(token).lemma_.lower()
            return None if lemma in _NOT_COUNTED else lemma
        break
    return None


def _compound_head(token: Token) -> Token:
    """ "weapons exporters": the last noun of a compound is what is counted."""
    while token.dep_ == "compound" and token.head.i > token.i and token.head.pos_ in {"NOUN", "PROPN"}:
        token = token.head
    return token


def _in_entity(doc: Doc, start: int, end: int, labels: tuple[str, ...]) -> bool:
    return any(label in labels and a < end and start < b for a, b, label in entities(doc))


def entities(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, label) of each entity; Doc.ents builds new Spans on every access."""
    cached = doc.user_data.get("entities")
    if cached is None:
        cached = doc.user_data["entities"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return cached


def find_tallies(text: str, doc: Doc, base: int, mask: _Mask) -> list[Tally]:
    if not _VOTE_CONTEXT_RE.search(text):
        return []
    found: list[Tally] = []
    for m in _TALLY_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        # "1990-2000", "2019 to 2020": years are a date range, not a vote.
        if int(m["for"]) > 1000 or int(m["against"]) > 1000 or (int(m["for"]) == 0 and int(m["against"]) == 0):
            continue
        # "from 10 to 20" or "between 5 and 7" are ranges even in a vote story.
        if _BETWEEN_RE.search(text, max(0, start - 10), start):
            continue
        abstain = int(m["abstain"]) if m["abstain"] else None
        if abstain is None:
            after = _ABSTAIN_ONLY_RE.search(text, end, min(len(text), end + 40))
            if after and text[end : after.start()].strip(" ,;") in {"", "with", "and"}:
                abstain = int(after["abstain"])
        found.append(
            Tally(
                text=m.group(0).strip(),
                start=base + start,
                end=base + start + len(m.group(0).strip()),
                for_=int(m["for"]),
                against=int(m["against"]),
                abstain=abstain,
            )
        )
        mask.add(start, end)
    return found


def _noun_phrase_after(doc: Doc, char: int) -> tuple[str | None, int]:
    """Text of the noun phrase starting at `char` ("weapons exporters") and its end."""
    words: list[Token] = []
    for token in doc[_first_token_from(doc, char) :]:
        if token.pos_ in {"NOUN", "PROPN", "ADJ"} or token.tag_ == "HYPH" or (words and token.tag_ == "VBG"):
            words.append(token)
            if len(words) >= 5:
                break
            continue
        break
    while words and words[-1].pos_ not in {"NOUN", "PROPN"}:
        words.pop()
    if not words:
        return None, char
    end = words[-1].idx + len(words[-1].text)
    return doc.text[words[0].idx : end], end


def _rank_number(word: str) -> int | None:
    lower = word.lower()
    if lower in _ORDINALS:
        return _ORDINALS[lower]
    digits = re.match(r"\d+", lower)
    if digits:
        return int(digits.group(0))
    value = parse_number(lower)
    return int(value) if value is not None else None


def find_rankings(text: str, doc: Doc, base: int, mask: _Mask) -> list[Ranking]:
    found: list[Ranking] = []

    def add(start: int, end: int, rank: int | None, top: bool, of: str | None) -> None:
        if rank is None or rank <= 0 or mask.taken(start, end):
            return
        found.append(Ranking(text=text[start:end], start=base + start, end=base + end, rank=rank, top=top, of=of))
        mask.add(start, end)

    for m in _TOP_RE.finditer(text):
        of, end = _noun_phrase_after(doc, m.end())
        add(m.start(), max(end, m.end()), _rank_number(m["n"]), True, of)
    for m in _ORDINAL_SUPERLATIVE_RE.finditer(text):
        of, end = _noun_phrase_after(doc, m.end())
        phrase = m["sup"] + (" " + of if of else "")
        add(m.start(), max(end, m.end()), _rank_number(m["ord"]), False, phrase)
    for m in _RANKED_RE.finditer(text):
        add(m.start(), m.end(), _rank_number(m["n"] or m["ord"]), False, None)
    for m in _SCOPED_SUPERLATIVE_RE.finditer(text):
        scope = m.group(0)[: m.start("sup") - m.start()]
        if not _SCOPE_RE.search(scope):
            continue
        of, end = _noun_phrase_after(doc, m.end())
        if of is None:
            continue
        # "one of the world's largest" is no rank at all.
        if _ONE_OF_RE.search(text, max(0, m.start() - 12), m.start()):
            continue
        add(m.start(), end, 1, False, m["sup"] + " " + of)
    return found


def _vague(text: str, doc: Doc, base: int, mask: _Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _VAGUE_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        # "3 thousand", "a thousand" are numbers; the atom finder takes them.
        if _NUMBER_BEFORE_RE.search(text, max(0, start - 14), start):
            continue
        if m["tens"]:
            magnitude = _VAGUE_MAGNITUDE[m["big"].lower()] + (1 if m["tens"].lower() == "tens" else 2)
        elif m["few"]:
            magnitude = _VAGUE_MAGNITUDE[m["fewmult"].lower()]
        else:
            magnitude = _VAGUE_MAGNITUDE[m["plural"].lower()]
        unit, unit_end = _unit_after(text, end)
        counted = None if unit else counted_noun(doc, end)
        if counted in _CURRENCY_WORDS:
            unit, counted = _CURRENCY_WORDS[counted], None
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


def _fractions(text: str, doc: Doc, base: int, mask: _Mask) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _FRACTION_RE.finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        denom = _FRACTION_WORDS[m["denom"].lower()]
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


def _unit_after(text: str, end: int) -> tuple[str | None, int]:
    m = _UNIT_RE.match(text, end)
    if not m:
        return None, end
    for name, value in m.groupdict().items():
        if value is not None:
            return _UNIT_BY_GROUP[name], m.end()
    return None, end


class _Atom:
    __slots__ = ("end", "is_word", "multiplied", "number", "start", "unit", "value")

    def __init__(self, start: int, end: int, value: float, unit: str | None, number: float, is_word: bool) -> None:
        self.start, self.end, self.value, self.unit = start, end, value, unit
        self.number, self.is_word = number, is_word
        self.multiplied = value != number


def _atoms(text: str, doc: Doc, mask: _Mask) -> list[_Atom]:
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
        currency = _CURRENCY_SYMBOLS.get((m["cur"] or "").lower())
        multiplier = 1.0
        if m["mult"]:
            multiplier = _MULTIPLIERS[m["mult"].lower()]
        elif m["short"]:
            if currency:
                multiplier = _MULTIPLIERS[m["short"].lower()]
            else:
                end = m.end("num")
        elif m["dozen"]:
            multiplier = 12.0
        unit: str | None = currency
        if unit is None:
            unit, end = _unit_after(text, end)
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
    if _in_entity(doc, start, end, ("TIME", "ORDINAL")):
        return True
    durations = {"year", "month", "week", "day", "hour", "minute"}
    # A year or a day of the month; "2,000 troops" is not tagged DATE.
    if (
        _in_entity(doc, start, end, ("DATE",))
        and unit not in durations
        and bare
        and (counted_noun(doc, end) is None or _looks_like_year(m["num"]))
    ):
        return True
    return _looks_like_year(m["num"]) and not currency and bare and counted_noun(doc, end) is None


def _looks_like_year(num: str) -> bool:
    return bool(re.fullmatch(r"1[5-9]\d\d|20\d\d", num))


def find_quantities(text: str, doc: Doc, base: int, mask: _Mask) -> list[Quantity]:
    found = _vague(text, doc, base, mask) + _fractions(text, doc, base, mask)
    atoms = _atoms(text, doc, mask)
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        sep = _RANGE_SEP_RE.match(text, atom.end) if nxt else None
        if nxt is not None and sep is not None and sep.end() == nxt.start:
            sep_word = sep.group(0).strip().lower()
            between = _BETWEEN_RE.search(text, max(0, atom.start - 10), atom.start)
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
        if counted in _CURRENCY_WORDS:
            unit, counted = _CURRENCY_WORDS[counted], None
    elif unit == "percent" or unit in _CURRENCY_SYMBOLS.values():
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


def find_numbers(text: str, doc: Doc, base: int) -> tuple[list[Quantity], list[Tally], list[Ranking]]:
    """All tallies, rankings and quantities of one sentence, without overlaps."""
    mask = _Mask()
    tallies = find_tallies(text, doc, base, mask)
    rankings = find_rankings(text, doc, base, mask)
    quantities = find_quantities(text, doc, base, mask)
    return quantities, tallies, rankings
