# ruff: noqa: RUF001 - typographic quotes and dashes are what news text contains
"""What the rules need to know about Spanish, French, German and Portuguese.

Most of it comes from CLDR through Babel: decimal and grouping marks, the scale
words of each language ("millones", "Milliarden", the long compact number
formats), the unit names (the long and short unit patterns), the percent word,
month and weekday names. `WORDS` holds the little CLDR does not know: the words
that bound or blur an amount, name a vote, or open a date; number words
themselves are read by text2num.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

LANGUAGES = ("es", "fr", "de", "pt")
# Locales whose forms a language's press uses as well: European Portuguese writes "mil milhões".
_ALSO = {"pt": ("pt", "pt_PT"), "es": ("es", "es_419", "es_MX"), "fr": ("fr", "fr_CA"), "de": ("de", "de_CH")}
# pysbd has no Portuguese; its Spanish rules share the abbreviations that matter ("Sr.", "Dra.").
SEGMENTER_LANGUAGE = {"pt": "es"}

# CLDR unit id -> the slot's unit symbol (claims/extraction/units.py).
CLDR_UNITS = {
    "length-kilometer": "km",
    "length-meter": "m",
    "length-centimeter": "cm",
    "length-millimeter": "mm",
    "length-mile": "mi",
    "length-foot": "ft",
    "length-nautical-mile": "nmi",
    "area-square-kilometer": "km2",
    "area-square-meter": "m2",
    "area-hectare": "ha",
    "area-square-mile": "mi2",
    "mass-kilogram": "kg",
    "mass-gram": "g",
    "mass-tonne": "t",
    "mass-pound": "lb",
    "volume-liter": "l",
    "volume-cubic-meter": "m3",
    "volume-barrel": "barrel",
    "volume-gallon": "gal",
    "speed-kilometer-per-hour": "km/h",
    "speed-mile-per-hour": "mph",
    "temperature-celsius": "degC",
    "temperature-fahrenheit": "degF",
    "energy-kilowatt-hour": "kWh",
    "power-gigawatt": "GW",
    "power-megawatt": "MW",
    "power-kilowatt": "kW",
    "duration-century": "century",
    "duration-decade": "decade",
    "duration-year": "year",
    "duration-month": "month",
    "duration-week": "week",
    "duration-day": "day",
    "duration-hour": "hour",
    "duration-minute": "minute",
    "duration-second": "second",
    "concentr-percent": "percent",
}

# Press spellings CLDR's unit patterns lack (Portuguese has only "toneladas métricas").
EXTRA_UNITS = {"pt": {"toneladas": "t", "tonelada": "t", "quilos": "kg", "quilo": "kg"}, "es": {"kilos": "kg"}}

# What CLDR does not record, per language (regex fragments, matched case-insensitively).
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "approximate": r"unos|unas|alrededor\s+de|cerca\s+de|casi|aproximadamente|aprox\.|en\s+torno\s+a|un\s+estimado\s+de",
        "lower_bound": r"más\s+de|al\s+menos|por\s+lo\s+menos|mínimo|superior\s+a|por\s+encima\s+de",
        "upper_bound": r"menos\s+de|hasta|como\s+máximo|máximo|inferior\s+a|por\s+debajo\s+de",
        "vague": r"(?P<tens>decenas|cientos|centenares)\s+de\s+(?P<big>miles|millones)|(?P<plural>decenas|cientos|centenares|miles|millones|docenas)(?=\s+de\b)",
        "vote": r"vot\w*|escaños|diputados|senadores|congreso|senado|parlamento|pleno|asamblea|aprob\w*|rechaz\w*|mayoría",
        "for": r"(?:votos?\s+)?a\s+favor",
        "against": r"(?:votos?\s+)?en\s+contra",
        "abstain": r"abstenci\w+",
        "zero": r"ninguno|ninguna|cero|nadie",
        "versus": r"a|contra|frente\s+a",
        "since": r"desde",
        "until": r"hasta",
        "before": r"antes\s+de(?:l)?",
        "after": r"después\s+de(?:l)?|tras",
        "on": r"el",
        "in": r"en|durante",
        "by": r"para",
        "future": r"\b(?:próxim[oa]s?|que\s+viene|será|serán|habrá|va\s+a|van\s+a|\w+rá|\w+rán)\b",
        "relative": r"hoy|ayer|anteayer|mañana|(?:la\s+)?semana\s+pasada|(?:el\s+)?(?:mes|año)\s+pasado|(?:la\s+)?próxima\s+semana|(?:el\s+)?próximo\s+(?:mes|año)|hace\s+\w+\s+(?:días|semanas|meses|años)",
        "article": r"un|una|uno",
        "ordinal": r"primer[oa]?|segund[oa]|tercer[oa]?|cuart[oa]|quint[oa]|sext[oa]|séptim[oa]|octav[oa]|noven[oa]|décim[oa]",
        "superlative": r"(?:más|mayor|menor)\s*\w*|mayor|menor|mejor|peor",
    },
    "fr": {
        "approximate": r"environ|près\s+de|quelque|presque|à\s+peu\s+près|approximativement|une\s+estimation\s+de",
        "lower_bound": r"plus\s+de|au\s+moins|au\s+minimum|supérieur\s+à|davantage\s+que",
        "upper_bound": r"moins\s+de|jusqu['’]à|au\s+plus|au\s+maximum|inférieur\s+à",
        "vague": r"(?P<tens>des\s+dizaines|des\s+centaines)\s+de\s+(?P<big>milliers|millions)|(?:des\s+)?(?P<plural>dizaines|centaines|milliers|millions|milliards|douzaines)(?=\s+d(?:e\b|['’]))",
        "vote": r"vot\w*|voix|scrutin|députés|sénateurs|assemblée|sénat|parlement|adopt\w*|rejet\w*|approuv\w*|majorité",
        "for": r"pour",
        "against": r"contre",
        "abstain": r"abstentions?",
        "zero": r"aucune?|zéro|personne",
        "versus": r"contre|à",
        "since": r"depuis",
        "until": r"jusqu['’]au|jusqu['’]en|jusqu['’]à",
        "before": r"avant",
        "after": r"après",
        "on": r"le",
        "in": r"en|au\s+mois\s+de|durant|pendant",
        "by": r"d['’]ici",
        "future": r"\b(?:prochaine?s?|sera|seront|aura|va|vont|\w+ra|\w+ront)\b",
        "relative": r"aujourd['’]hui|hier|avant-hier|demain|la\s+semaine\s+(?:dernière|prochaine)|le\s+mois\s+(?:dernier|prochain)|l['’]an(?:née)?\s+(?:dernière?|prochaine?)|il\s+y\s+a\s+\w+\s+(?:jours|semaines|mois|ans)",
        "article": r"un|une",
        "ordinal": r"premier|première|deuxième|second|seconde|troisième|quatrième|cinquième|sixième|septième|huitième|neuvième|dixième",
        "superlative": r"plus\s+\w+|moins\s+\w+|meilleur|pire",
    },
    "de": {
        "approximate": r"etwa|rund|ungefähr|fast|knapp|circa|ca\.|annähernd|schätzungsweise|gut",
        "lower_bound": r"mehr\s+als|über|mindestens|wenigstens|über\s+als",
        "upper_bound": r"weniger\s+als|bis\s+zu|höchstens|unter|maximal",
        "vague": r"(?P<tens>Zehntausende|Hunderttausende)|(?P<plural>Dutzende|Hunderte|Tausende|Millionen|Milliarden)(?=\s+(?:von\s+)?\w)",
        "vote": r"stimm\w*|\w*stimmen|abgeordnete\w*|bundestag|parlament\w*|senat|abstimmung|angenommen|abgelehnt|mehrheit|votum|votiert\w*",
        "for": r"(?:Ja-?Stimmen|dafür)",
        "against": r"(?:Nein-?Stimmen|dagegen)",
        "abstain": r"Enthaltung\w*",
        "zero": r"keine|null|niemand",
        "versus": r"zu|gegen",
        "since": r"seit",
        "until": r"bis(?:\s+zum|\s+zur)?",
        "before": r"vor",
        "after": r"nach",
        "on": r"am",
        "in": r"im|in|während",
        "by": r"bis",
        "future": r"\b(?:nächste[nmrs]?|kommende[nmrs]?|wird|werden|soll|sollen)\b",
        "relative": r"heute|gestern|vorgestern|morgen|letzte[nr]?\s+(?:Woche|Monat|Jahr)|vergangene[nr]?\s+(?:Woche|Monat|Jahr)|nächste[nr]?\s+(?:Woche|Monat|Jahr)|vor\s+\w+\s+(?:Tagen|Wochen|Monaten|Jahren)",
        "article": r"ein|eine|einen|einem|einer|eins",
        "ordinal": r"erste|zweite|dritte|vierte|fünfte|sechste|siebte|achte|neunte|zehnte",
        "superlative": r"\w+[sß]te[nrs]?",
    },
    "pt": {
        "approximate": r"cerca\s+de|aproximadamente|quase|uns|umas|perto\s+de|em\s+torno\s+de|por\s+volta\s+de",
        "lower_bound": r"mais\s+de|pelo\s+menos|no\s+mínimo|acima\s+de|superior\s+a",
        "upper_bound": r"menos\s+de|até|no\s+máximo|abaixo\s+de|inferior\s+a",
        "vague": r"(?P<tens>dezenas|centenas)\s+de\s+(?P<big>milhares|milhões)|(?P<plural>dezenas|centenas|milhares|milhões|dúzias)(?=\s+de\b)",
        "vote": r"vot\w*|deputados|senadores|câmara|senado|congresso|parlamento|assembleia|aprov\w*|rejeit\w*|maioria",
        "for": r"(?:votos?\s+)?a\s+favor",
        "against": r"(?:votos?\s+)?contra",
        "abstain": r"abstenç\w+",
        "zero": r"nenhum|nenhuma|zero|ninguém",
        "versus": r"a|contra",
        "since": r"desde",
        "until": r"até",
        "before": r"antes\s+d[eoa]s?",
        "after": r"depois\s+d[eoa]s?|após",
        "on": r"no|na",
        "in": r"em|durante",
        "by": r"até",
        "future": r"\b(?:próxim[oa]s?|que\s+vem|será|serão|haverá|vai|vão|\w+rá|\w+rão)\b",
        "relative": r"hoje|ontem|anteontem|amanhã|(?:na\s+)?semana\s+passada|(?:no\s+)?(?:mês|ano)\s+passado|(?:na\s+)?próxima\s+semana|(?:no\s+)?próximo\s+(?:mês|ano)|há\s+\w+\s+(?:dias|semanas|meses|anos)",
        "article": r"um|uma",
        "ordinal": r"primeir[oa]|segund[oa]|terceir[oa]|quart[oa]|quint[oa]|sext[oa]|sétim[oa]|oitav[oa]|non[oa]|décim[oa]",
        "superlative": r"(?:mais|maior|menor)\s*\w*|maior|menor|melhor|pior",
    },
}
VAGUE_MAGNITUDE = {
    "decenas": 1, "docenas": 1, "cientos": 2, "centenares": 2, "miles": 3, "millones": 6,
    "dizaines": 1, "douzaines": 1, "centaines": 2, "milliers": 3, "millions": 6, "milliards": 9,
    "dutzende": 1, "hunderte": 2, "tausende": 3, "zehntausende": 4, "hunderttausende": 5, "millionen": 6,
    "milliarden": 9, "dezenas": 1, "dúzias": 1, "centenas": 2, "milhares": 3, "milhões": 6,
}  # fmt: skip
ORDINALS = {
    "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercer": 3, "tercero": 3, "tercera": 3,
    "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5, "sexto": 6, "sexta": 6, "séptimo": 7, "séptima": 7,
    "octavo": 8, "octava": 8, "noveno": 9, "novena": 9, "décimo": 10, "décima": 10,
    "premier": 1, "première": 1, "deuxième": 2, "second": 2, "seconde": 2, "troisième": 3, "quatrième": 4,
    "cinquième": 5, "sixième": 6, "septième": 7, "huitième": 8, "neuvième": 9, "dixième": 10,
    "erste": 1, "zweite": 2, "dritte": 3, "vierte": 4, "fünfte": 5, "sechste": 6, "siebte": 7, "achte": 8,
    "neunte": 9, "zehnte": 10, "primeiro": 1, "primeira": 1, "terceiro": 3, "terceira": 3, "sétimo": 7,
    "sétima": 7, "oitavo": 8, "oitava": 8, "nono": 9, "nona": 9,
}  # fmt: skip


def locales(language: str) -> list[Locale]:
    return [Locale.parse(name) for name in _ALSO.get(language, (language,))]


def marks(language: str) -> tuple[str, str]:
    """(decimal mark, grouping mark) of the language's main locale."""
    return get_decimal_symbol(language), get_group_symbol(language)


@lru_cache(maxsize=8)
def scale_words(language: str) -> dict[str, float]:
    """Lower-cased scale word -> multiplier, from CLDR's long compact formats ("0 mil millones" -> 1e9)."""
    found: dict[str, float] = {}
    for locale in locales(language):
        for forms in locale.compact_decimal_formats.get("long", {}).values():
            for magnitude, pattern in forms.items():
                text = pattern.pattern if hasattr(pattern, "pattern") else str(pattern)
                zeros = text.count("0")
                word = " ".join(text.replace("0", " ").split()).lower()
                if word and zeros:
                    found.setdefault(word, float(magnitude) / 10 ** (zeros - 1))
                elif word:
                    found.setdefault(word, float(magnitude))
    return found


@lru_cache(maxsize=8)
def unit_spellings(language: str) -> tuple[tuple[str, str], ...]:
    """(slot unit, escaped spelling) from CLDR's long and short unit patterns, longest first."""
    spellings: dict[str, str] = {}
    for locale in locales(language):
        patterns = locale._data.get("unit_patterns", {})
        for cldr, symbol in CLDR_UNITS.items():
            for length in ("long", "short"):
                for plural, pattern in (patterns.get(cldr, {}).get(length) or {}).items():
                    if plural == "per" or "{0}" not in pattern:
                        continue
                    word = " ".join(pattern.replace("{0}", " ").split())
                    # Short forms of one letter ("J", "h") are words or times more often than units.
                    if len(word) >= 2 or (length == "short" and word in {"m", "t", "g", "%"}):
                        spellings.setdefault(word, symbol)
    for word, symbol in EXTRA_UNITS.get(language, {}).items():
        spellings.setdefault(word, symbol)
    ordered = sorted(spellings.items(), key=lambda kv: len(kv[0]), reverse=True)
    return tuple((symbol, re.escape(word)) for word, symbol in ordered)


@lru_cache(maxsize=8)
def month_numbers(language: str) -> dict[str, int]:
    """Lower-cased month name or abbreviation (with and without its dot) -> month number."""
    names: dict[str, int] = {}
    for locale in locales(language):
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    names.setdefault(name.lower(), number)
                    names.setdefault(name.lower().rstrip("."), number)
    return {name: number for name, number in names.items() if len(name) >= 3}


@lru_cache(maxsize=8)
def weekday_numbers(language: str) -> dict[str, int]:
    """Lower-cased weekday name -> Monday=0 ... Sunday=6 (as datetime counts)."""
    names: dict[str, int] = {}
    for locale in locales(language):
        for context in ("format", "stand-alone"):
            for number, name in locale.days[context]["wide"].items():
                names.setdefault(name.lower(), number)
    return names
