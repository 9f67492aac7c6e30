# ruff: noqa: RUF001 - typographic quotes and dashes are what news text contains
"""The number rules for Spanish, French, German and Portuguese.

Numbers in digits are read with the language's decimal and grouping marks by
Babel ("3.000" is 3000 in es/de/pt, "1,5" is 1.5, "3 000" is 3000 in fr);
number words by text2num ("tres mil", "dreitausend", "mil e quinhentos");
scale words, units and currency names come from CLDR (locales.py). No spaCy
model of these languages is used: the Doc is a blank tokenizer's, so the
counted noun is not known and is left empty (a noun in one language would
also block the comparison with a reference in another).
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel.numbers import NumberFormatError, parse_decimal
from spacy.tokens import Doc
from text_to_num import text2num

from claims.extraction import currencies
from claims.extraction.locales import ORDINALS, VAGUE_MAGNITUDE, WORDS, marks, scale_words, unit_spellings
from claims.extraction.numbers_common import Mask, make_quantity, precision_before
from claims.extraction.slots import DateSlot, Precision, Quantity, Ranking, Tally
from claims.extraction.units import unit_after, unit_pattern

_YEAR_RE = re.compile(r"1[5-9]\d\d|20\d\d")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*")
# Labels, not amounts: "artículo 5", "Nr. 3", "la ley 21".
_IDENTIFIER_RE = re.compile(
    r"\b(?:art(?:ículo|icle|ikel|igo)?\.?|n[º°o]\.?|nr\.|núm(?:ero)?\.?|numéro|nummer|ley|loi|gesetz|lei|décret"
    r"|resolución|résolution|resolution|resolução|vuelo|vol|flug|voo|sala|salle|raum|página|page|seite|capítulo"
    r"|chapitre|kapitel|covid|g|f-)\s*$",
    re.IGNORECASE,
)
_MAX_WORDS = 8
# "los dos presidentes", "les deux dirigeants", "die beiden": the members of a known set, not an amount.
_PARTICIPANT_RE = re.compile(
    r"\b(?:los|las|les|os|as|die|der|den|sus|ses|leurs|seus|suas|ihre|estos|estas|ces|diese|esses|estes|ambos)\s+$",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def _patterns(language: str) -> dict[str, re.Pattern[str]]:
    decimal, group = marks(language)
    groups = "[\u202f\u00a0 ]" if group.isspace() or group in "\u202f\u00a0" else re.escape(group)
    dec = re.escape(decimal)
    digits = rf"\d{{1,3}}(?:{groups}\d{{3}})+(?:{dec}\d+)?(?!\d)|\d+\.\d{{1,2}}(?![\d.])|\d+(?:{dec}\d+)?"
    scales = sorted(scale_words(language), key=len, reverse=True)
    words = WORDS[language]
    bound = {
        key: re.compile(rf"(?:^|\b)(?:{words[key]})\s*$", re.IGNORECASE)
        for key in ("approximate", "lower_bound", "upper_bound")
    }
    n = r"\d{1,3}(?:[.\u202f\u00a0 ]\d{3})?|\d{1,4}"
    side = rf"(?<![\d,.])(?:{n}|{words['zero']})(?![\d])"
    vote_word = r"(?:votos?|voix|Stimmen|Abgeordneten?)"
    return {
        "digits": re.compile(
            rf"(?<![\w.,])(?P<num>{digits})(?P<scale>\s+(?:{'|'.join(map(re.escape, scales))})\b)?", re.IGNORECASE
        ),
        "scale": re.compile(rf"\s+(?:{'|'.join(map(re.escape, scales))})\b", re.IGNORECASE),
        "de": re.compile(r"\s+(?:de|d['’])\s*", re.IGNORECASE),
        "approximate": bound["approximate"],
        "lower_bound": bound["lower_bound"],
        "upper_bound": bound["upper_bound"],
        "vague": re.compile(rf"\b(?:{words['vague']})\b", re.IGNORECASE),
        "article": re.compile(rf"(?:{words['article']})", re.IGNORECASE),
        "vote": re.compile(rf"\b(?:{words['vote']})\b", re.IGNORECASE),
        "tally_named": re.compile(
            rf"(?P<for>{side})\s+(?:{vote_word}\s+)?(?:{words['for']})\b[\s,]*(?:y|e|et|und)?\s*"
            rf"(?P<against>{side})\s+(?:{vote_word}\s+)?(?:{words['against']})\b"
            rf"(?:[\s,]*(?:y|e|et|und|con|avec|mit|com|bei)?\s*(?P<abstain>{side})\s+(?:{words['abstain']}))?",
            re.IGNORECASE,
        ),
        "tally_versus": re.compile(
            rf"(?P<for>{side})\s+(?:{vote_word}\s+)?(?:{words['versus']})\s+(?P<against>{side})\b(?:\s+{vote_word})?"
            rf"(?:[\s,]*(?:y|e|et|und|con|avec|mit|com|bei)?\s*(?P<abstain>{side})\s+(?:{words['abstain']}))?"
            rf"|(?P<for2>\d{{1,4}})\s*[-–]\s*(?P<against2>\d{{1,4}})(?!\d)",
            re.IGNORECASE,
        ),
        "zero": re.compile(rf"(?:{words['zero']})", re.IGNORECASE),
        "ordinal": re.compile(
            rf"\b(?P<ord>{words['ordinal']})\s+(?P<sup>{words['superlative']})\b"
            r"|\b(?P<ord2>zweit|dritt|viert|fünft|sechst)(?P<sup2>\w+[sß]te[nrs]?)\b"
            r"|\b[Tt]op[- ]?(?P<top>\d{1,3})\b"
            r"|\b(?:número|numéro|nummer|nr\.)\s+(?P<n>\d{1,3}|uno|un|una|eins|um|1)\b",
            re.IGNORECASE,
        ),
    }


def parse_local_number(text: str, language: str) -> float | None:
    """A number written with the language's marks, by Babel; "3.5" in Spanish is read as the decimal it means."""
    _, group = marks(language)
    cleaned = re.sub(r"[\u202f\u00a0 ]", group, text) if group.isspace() or group in "\u202f\u00a0" else text
    try:
        return float(parse_decimal(cleaned, locale=language, strict=True))
    except NumberFormatError:
        try:
            return float(text)
        except ValueError:
            return None


def _number_words(text: str, language: str, mask: Mask) -> list[tuple[int, int, float]]:
    """(start, end, value) of the number-word runs text2num reads ("trescientos noventa y siete")."""
    words = list(_WORD_RE.finditer(text))
    article = _patterns(language)["article"]
    found: list[tuple[int, int, float]] = []
    i = 0
    while i < len(words):
        best = None
        for j in range(i, min(i + _MAX_WORDS, len(words))):
            span = text[words[i].start() : words[j].end()]
            try:
                value = float(text2num(span, language))
            except ValueError:
                if j == i:
                    break
                continue
            best = (words[i].start(), words[j].end(), value, j)
        if best is None:
            i += 1
            continue
        start, end, value, j = best
        # "un", "unos", "ein", "um": an article far more often than the amount one.
        single_article = j == i and (value == 1 or article.fullmatch(words[i].group(0)))
        if not single_article and not mask.taken(start, end):
            found.append((start, end, value))
        i = j + 1
    return found


def _currency_or_unit(text: str, end: int, language: str, *, scaled: bool) -> tuple[str | None, int]:
    pats = _patterns(language)
    unit_re, unit_by_group = _units(language)
    if scaled and (of := pats["de"].match(text, end)):
        # "12 millones de toneladas", "1,5 milliard d'euros": after a scale word the unit follows "de".
        named, named_end = currencies.name_after(text, of.end(), language, scaled=True)
        if named is not None:
            return named, named_end
        if (m := unit_re.match(text, of.end() - 1)) and m.lastgroup:
            return unit_by_group[m.lastgroup], m.end()
    named, named_end = currencies.name_after(text, end, language, scaled=scaled)
    if named is not None:
        return named, named_end
    code, code_end = currencies.code_after(text, end)
    if code is None:
        code, code_end = currencies.symbol_after(text, end)
    if code is not None:
        return code, code_end
    m = unit_re.match(text, end)
    if m and m.lastgroup:
        return unit_by_group[m.lastgroup], m.end()
    return unit_after(text, end)


@lru_cache(maxsize=8)
def _units(language: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """The language's CLDR unit names as one pattern; words end at a word boundary."""
    spellings = tuple(
        (s, p.replace(r"\ ", r"\s+") + (r"\b" if p[-1:].isalnum() else "")) for s, p in unit_spellings(language)
    )
    return unit_pattern(spellings)


def _precision(text: str, start: int, language: str) -> tuple[Precision, int]:
    pats = _patterns(language)
    rules = tuple((pats[key], key) for key in ("approximate", "lower_bound", "upper_bound"))
    return precision_before(text, start, rules)


def find_quantities_intl(text: str, base: int, mask: Mask, language: str) -> list[Quantity]:
    pats = _patterns(language)
    found: list[Quantity] = []
    for m in pats["vague"].finditer(text):
        start, end = m.span()
        before = text[max(0, start - 12) : start]
        if mask.taken(start, end) or re.search(r"\d\s*$", before):
            continue
        groups = m.groupdict()
        word = (groups.get("plural") or groups.get("tens") or "").lower().split()[-1]
        magnitude = VAGUE_MAGNITUDE.get(word)
        if groups.get("tens") and groups.get("big"):
            # "decenas de miles": tens of thousands, "cientos de miles": hundreds of thousands.
            magnitude = VAGUE_MAGNITUDE[groups["big"].lower()] + VAGUE_MAGNITUDE[word]
        if magnitude is None:
            continue
        unit, unit_end = _currency_or_unit(text, end, language, scaled=True)
        found.append(
            make_quantity(
                text, base, start, unit_end, value=None, precision="vague", unit=unit, counted=None, magnitude=magnitude
            )
        )
        mask.add(start, unit_end)
    atoms: list[tuple[int, int, float, bool]] = []
    for m in pats["digits"].finditer(text):
        value = parse_local_number(m["num"], language)
        if value is None:
            continue
        scaled = bool(m["scale"])
        if scaled:
            value *= scale_words(language)[" ".join(m["scale"].split()).lower()]
        atoms.append((m.start(), m.end(), value, scaled))
    for start, end, value in _number_words(text, language, mask):
        atoms.append((start, end, value, value >= 1000))
    for start, end, value, scaled in sorted(atoms):
        code, cur_start, _ = currencies.symbol_before(text, start)
        if code is not None:
            start = cur_start
        if mask.taken(start, end):
            continue
        nxt = text[end] if end < len(text) else " "
        if nxt.isalnum() or (nxt in "-‐" and text[end + 1 : end + 2].isalpha()):
            continue
        unit, unit_end = (code, end) if code else _currency_or_unit(text, end, language, scaled=scaled)
        if code:
            named, named_end = _currency_or_unit(text, end, language, scaled=True)
            unit_end = named_end if named == code else end
        bare = unit is None and not scaled
        if bare and (_YEAR_RE.fullmatch(text[start:end]) or _IDENTIFIER_RE.search(text, max(0, start - 14), start)):
            continue
        if (
            bare
            and not any(c.isdigit() for c in text[start:end])
            and _PARTICIPANT_RE.search(text, max(0, start - 8), start)
        ):
            continue
        precision, p_start = _precision(text, start, language)
        found.append(
            make_quantity(text, base, p_start, unit_end, value=value, precision=precision, unit=unit, counted=None)
        )
        mask.add(p_start, unit_end)
    found.sort(key=lambda q: q.start)
    return found


def _side(raw: str, language: str) -> int | None:
    if _patterns(language)["zero"].fullmatch(raw):
        return 0
    value = parse_local_number(raw, language)
    return int(value) if value is not None and value == int(value) else None


def find_tallies_intl(text: str, base: int, mask: Mask, language: str) -> list[Tally]:
    pats = _patterns(language)
    if not pats["vote"].search(text):
        return []
    found: list[Tally] = []
    for regex in (pats["tally_named"], pats["tally_versus"]):
        for m in regex.finditer(text):
            start, end = m.span()
            if mask.taken(start, end):
                continue
            yes = _side(m["for"] or m.groupdict().get("for2") or "", language)
            no = _side(m["against"] or m.groupdict().get("against2") or "", language)
            if yes is None or no is None or (yes == no == 0) or max(yes, no) > 100_000:
                continue
            abstain = _side(m["abstain"], language) if m["abstain"] else None
            found.append(
                Tally(text=text[start:end], start=base + start, end=base + end, for_=yes, against=no, abstain=abstain)
            )
            mask.add(start, end)
    return found


def find_rankings_intl(text: str, base: int, mask: Mask, language: str) -> list[Ranking]:
    found: list[Ranking] = []
    for m in _patterns(language)["ordinal"].finditer(text):
        start, end = m.span()
        if mask.taken(start, end):
            continue
        if m["top"]:
            rank, top, of = int(m["top"]), True, None
        elif m["n"]:
            rank, top, of = (int(m["n"]) if m["n"].isdigit() else 1), False, None
        elif m["ord2"]:
            rank, top, of = (
                {"zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6}[m["ord2"].lower()],
                False,
                m["sup2"],
            )
        else:
            rank, top, of = ORDINALS.get(m["ord"].lower(), 0), False, m["sup"]
        if rank <= 0:
            continue
        found.append(Ranking(text=text[start:end], start=base + start, end=base + end, rank=rank, top=top, of=of))
        mask.add(start, end)
    return found


def find_numbers_intl(
    text: str, doc: Doc, base: int, language: str, dates: tuple[DateSlot, ...] = ()
) -> tuple[list[Quantity], list[Tally], list[Ranking]]:
    """Tallies, rankings and quantities of one sentence in `language`, without overlaps or the dates' digits."""
    mask = Mask()
    for date in dates:
        mask.add(date.start - base, date.end - base)
    tallies = find_tallies_intl(text, base, mask, language)
    rankings = find_rankings_intl(text, base, mask, language)
    quantities = find_quantities_intl(text, base, mask, language)
    return quantities, tallies, rankings
