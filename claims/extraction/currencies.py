"""Currencies by ISO 4217 code, symbol and name, from Babel's CLDR data.

Codes: every currency CLDR names, historical ones included ("DEM" is still a
code). Symbols and names: the currencies legal tender today, with the symbol
each territory's own locales use ("₦" in Nigeria, "Rs" in Pakistan) when the
English one is only the code. Where one symbol or one bare word serves several
currencies ("$", "kr", "dollars", "francs"), the English locale's choice wins,
then the currency most of the territories' locales give it; `PRESS` settles the
few that news writing reads otherwise than CLDR ("Rs 500" in the press is most
often Indian rupees, CLDR gives "Rs" to Pakistan and Mauritius).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from babel import Locale, localedata
from babel.core import get_global
from babel.numbers import get_territory_currencies

# Press conventions that CLDR does not record, or records for another currency.
PRESS_SYMBOLS = {"Rs": "INR", "Rs.": "INR", "C$": "CAD", "S$": "SGD", "US$": "USD", "N": "NGN", "R": "ZAR"}
PRESS_WORDS: dict[str, dict[str, str | None]] = {
    "en": {
        **{"dollar": "USD", "franc": "CHF", "peso": "MXN", "rupee": "INR", "ruble": "RUB", "rouble": "RUB"},
        **{"reais": "BRL", "won": "KRW", "pound": None},
    },
    "es": {"dólar": "USD", "franco": "CHF", "peso": "MXN", "rupia": "INR", "libra": "GBP"},
    "fr": {"dollar": "USD", "franc": "CHF", "peso": "MXN", "roupie": "INR", "livre": "GBP"},
    "de": {"dollar": "USD", "franken": "CHF", "peso": "MXN", "rupie": "INR", "pfund": "GBP"},
    "pt": {"dólar": "USD", "franco": "CHF", "peso": "MXN", "rupia": "INR", "libra": "GBP"},
}
# Single letters are currency symbols only glued to a large amount: "N70 million", "R5,000".
SINGLE_LETTER = frozenset({"N", "R"})
# Bare names that are also ordinary words count only after a scale word: "20 trillion won".
COMMON_WORDS = frozenset({"won", "real", "sol", "lev", "leu", "som", "dong", "mark", "kip", "pula", "tala", "rial"})


# Languages that put the adjective after the noun.
_NOUN_FIRST = frozenset({"es", "fr", "pt", "it"})


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    return frozenset(Locale("en").currencies)


def is_currency(unit: str | None) -> bool:
    return bool(unit) and unit in codes()


@lru_cache(maxsize=1)
def current() -> frozenset[str]:
    """Currencies legal tender in some territory today."""
    found: set[str] = set()
    for territory in get_global("territory_currencies"):
        found.update(get_territory_currencies(territory, tender=True))
    return frozenset(found & codes())


def _territory_locales() -> dict[str, list[str]]:
    """Locale ids of each territory: English first, then its official languages."""
    known = set(localedata.locale_identifiers())
    languages = get_global("territory_languages")
    out: dict[str, list[str]] = {}
    for territory, spoken in languages.items():
        ids = [f"en_{territory}"] if f"en_{territory}" in known else []
        official = [lang for lang, info in spoken.items() if info.get("official_status") == "official"]
        ids += [f"{lang}_{territory}" for lang in official if f"{lang}_{territory}" in known]
        if ids:
            out[territory] = ids
    return out


@lru_cache(maxsize=1)
def symbols() -> dict[str, str]:
    """Symbol -> ISO code."""
    live = current()
    chosen: dict[str, str] = {}
    for code, symbol in Locale("en").currency_symbols.items():
        if code in live and symbol != code and symbol not in chosen:
            chosen[symbol] = code
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for territory, ids in _territory_locales().items():
        tender = set(get_territory_currencies(territory, tender=True)) & live
        for locale_id in ids:
            table = Locale.parse(locale_id).currency_symbols
            for code in tender:
                symbol = table.get(code)
                if symbol and symbol != code:
                    votes[symbol][code] += 1
    for symbol, counter in votes.items():
        if symbol not in chosen and not (len(symbol) == 1 and symbol.isascii() and symbol.isalpha()):
            chosen[symbol] = counter.most_common(1)[0][0]
    chosen.update(PRESS_SYMBOLS)
    # A code is read as a code; a symbol that spells another currency's code is dropped.
    return {s: c for s, c in chosen.items() if s not in codes() or s == c}


@lru_cache(maxsize=8)
def names(language: str = "en") -> dict[str, str]:
    """Lower-cased currency name, plural or singular, full or its last word -> ISO code."""
    locale = Locale.parse(language)
    live = current()
    full: dict[str, str] = {}
    last: dict[str, set[str]] = defaultdict(set)
    plural = locale._data.get("currency_names_plural", {})
    for code in live:
        spellings = {locale.currencies.get(code)} | set((plural.get(code) or {}).values())
        for spelling in spellings:
            if not spelling:
                continue
            lowered = " ".join(spelling.lower().split())
            full.setdefault(lowered, code)
            # The generic word: "US dollars" ends with it, "dólares estadounidenses" starts with it.
            last[lowered.split()[0 if language in _NOUN_FIRST else -1]].add(code)
    chosen = dict(full)
    press = PRESS_WORDS.get(language, {})
    for word, found in last.items():
        if word in chosen:
            continue
        if len(found) == 1:
            chosen[word] = next(iter(found))
    for word, press_code in press.items():
        for form in (word, word + "s", word + "es"):
            if press_code is None:
                chosen.pop(form, None)
            elif form in last or form == word:
                chosen[form] = press_code
    return chosen


@lru_cache(maxsize=8)
def name_pattern(language: str = "en") -> re.Pattern[str]:
    """Currency names right after a number: " million Nigerian naira", " francs suisses"."""
    spelled = sorted(names(language), key=len, reverse=True)
    return re.compile(r"\s?(?:" + "|".join(re.escape(s) for s in spelled) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def symbol_before_pattern() -> re.Pattern[str]:
    """A symbol or an upper-case code right before a number: "R$ 40", "CHF 12", "₦45"."""
    spelled = sorted(symbols(), key=len, reverse=True)
    alternatives = "|".join(re.escape(s) for s in spelled)
    return re.compile(r"(?:(?<![\w$])(?P<sym>" + alternatives + r")|\b(?P<code>[A-Z]{3}))\s?$")


_CODE_AFTER_RE = re.compile(r"\s?(?P<code>[A-Z]{3})\b")


def symbol_before(text: str, start: int) -> tuple[str | None, int, str | None]:
    """(ISO code, where the symbol starts, the symbol) of a currency written right before text[start:]."""
    m = symbol_before_pattern().search(text, max(0, start - 6), start)
    if m is None:
        return None, start, None
    if m["code"]:
        return (m["code"], m.start(), m["code"]) if m["code"] in codes() else (None, start, None)
    return symbols()[m["sym"]], m.start(), m["sym"]


@lru_cache(maxsize=1)
def _symbol_after_pattern() -> re.Pattern[str]:
    # After the amount only symbols that are no letters: "12 €", "40 $"; "12 R" is no money.
    spelled = sorted((s for s in symbols() if not s.isalpha()), key=len, reverse=True)
    return re.compile(r"\s?(?P<sym>" + "|".join(re.escape(s) for s in spelled) + r")(?![\w$])")


def symbol_after(text: str, end: int) -> tuple[str | None, int]:
    """The currency of a symbol written after the amount, as French and German write it ("12 €")."""
    m = _symbol_after_pattern().match(text, end)
    return (symbols()[m["sym"]], m.end()) if m else (None, end)


def code_after(text: str, end: int) -> tuple[str | None, int]:
    m = _CODE_AFTER_RE.match(text, end)
    if m and m["code"] in codes():
        return m["code"], m.end()
    return None, end


def name_after(text: str, end: int, language: str = "en", *, scaled: bool = False) -> tuple[str | None, int]:
    """The currency named right after text[:end]; `scaled` when a scale word precedes ("20 trillion won")."""
    m = name_pattern(language).match(text, end)
    if not m:
        return None, end
    spelled = " ".join(m.group(0).lower().split())
    if spelled in COMMON_WORDS and not scaled:
        return None, end
    return names(language)[spelled], m.end()
