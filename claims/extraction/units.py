"""Units after a number, and their conversion to SI with pint.

A slot keeps the unit as written, as a short symbol ("km", "ft", "degF");
`to_si` converts it with pint, never with factors kept here. The spelling
table below is data: which words name which unit in running text. pint's own
parser is not used for that, because in news text "in", "a" and "at" are words,
not inches, years and atmospheres.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pint

from claims.extraction.currencies import is_currency

__all__ = ["SI_UNITS", "dimension_of", "is_currency", "is_measure", "to_si", "unit_after", "unit_pattern"]

# symbol -> spellings after a number, longest first where they share a prefix.
# The symbols are the slot's `unit`; pint reads each through _PINT_NAMES.
UNIT_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("percent", r"%|per\s?cent\b|percent\b|pct\b"),
    ("percentage_point", r"percentage[- ]points?\b"),
    ("GBP", r"pounds\s+sterling\b|sterling\b"),
    ("km2", r"square\s+(?:kilomet(?:re|er)s?|km)\b|sq\.?\s*km\b|km2\b|km²"),
    ("mi2", r"square\s+miles?\b|sq\.?\s*mi\b"),
    ("m2", r"square\s+met(?:re|er)s?\b|sq\.?\s*m\b|m2\b|m²"),
    ("ft2", r"square\s+(?:feet|foot)\b|sq\.?\s*ft\b"),
    ("m3", r"cubic\s+met(?:re|er)s?\b|m3\b|m³"),
    ("km/h", r"km/h\b|kph\b|kmh\b|kilomet(?:re|er)s?\s+(?:an|per|a)\s+hour\b"),
    ("mph", r"mph\b|miles?\s+(?:an|per|a)\s+hour\b"),
    ("m/s", r"m/s\b|met(?:re|er)s?\s+(?:per|a)\s+second\b"),
    ("kn", r"knots?\b"),
    ("nmi", r"nautical\s+miles?\b"),
    ("km", r"(?:km|kms|kilomet(?:re|er)s?)\b"),
    ("cm", r"(?:cm|centimet(?:re|er)s?)\b"),
    ("mm", r"(?:mm|millimet(?:re|er)s?)\b"),
    ("mi", r"miles?\b"),
    ("ft", r"(?:feet|foot|ft)\b"),
    ("in", r"inch(?:es)?\b"),
    ("yd", r"yards?\b"),
    ("m", r"(?:met(?:re|er)s?|m)\b"),
    ("kg", r"(?:kg|kgs|kilos?|kilograms?|kilogrammes?)\b"),
    ("t", r"(?:metric\s+)?(?:tonnes?|tons?)\b"),
    ("lb", r"(?:lbs?|pounds?)\b"),
    ("oz", r"(?:oz|ounces?)\b"),
    ("g", r"(?:g|grams?|grammes?)\b"),
    ("ha", r"hectares?\b|ha\b"),
    ("acre", r"acres?\b"),
    ("barrel", r"barrels?\b|bbl\b"),
    ("ml", r"(?:ml|millilit(?:re|er)s?)\b"),
    ("l", r"(?:litres?|liters?)\b"),
    ("gal", r"gallons?\b"),
    ("degC", r"(?:°\s?c|degrees?\s+(?:celsius|centigrade))\b"),
    ("degF", r"(?:°\s?f|degrees?\s+fahrenheit)\b"),
    ("GW", r"(?:gw|gigawatts?)\b"),
    ("MW", r"(?:mw|megawatts?)\b"),
    ("kW", r"(?:kw|kilowatts?)\b"),
    ("TWh", r"(?:twh|terawatt[- ]hours?)\b"),
    ("GWh", r"(?:gwh|gigawatt[- ]hours?)\b"),
    ("MWh", r"(?:mwh|megawatt[- ]hours?)\b"),
    ("kWh", r"(?:kwh|kilowatt[- ]hours?)\b"),
    ("century", r"centur(?:y|ies)\b"),
    ("decade", r"decades?\b"),
    ("year", r"years?\b"),
    ("month", r"months?\b"),
    ("week", r"weeks?\b"),
    ("day", r"days?\b"),
    ("hour", r"hours?\b"),
    ("minute", r"minutes?\b"),
    ("second", r"seconds?\b"),
)
# Singular forms inside a compound: "a 12-foot alligator", "a 14-day trip".
COMPOUND_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("km", r"km|kilomet(?:re|er)"),
    ("mi", r"mile"),
    ("m", r"met(?:re|er)|m"),
    ("cm", r"cm|centimet(?:re|er)"),
    ("ft", r"foot|feet|ft"),
    ("in", r"inch"),
    ("yd", r"yard"),
    ("kg", r"kg|kilo(?:gram)?"),
    ("t", r"tonne|ton"),
    ("lb", r"pound|lb"),
    ("acre", r"acre"),
    ("ha", r"hectare"),
    ("century", r"century"),
    ("decade", r"decade"),
    ("year", r"year"),
    ("month", r"month"),
    ("week", r"week"),
    ("day", r"day"),
    ("hour", r"hour"),
    ("minute", r"minute"),
    ("second", r"second"),
)
# Slot symbols pint spells differently; the oil barrel is what news means.
_PINT_NAMES = {
    "km2": "km**2",
    "mi2": "mi**2",
    "m2": "m**2",
    "ft2": "ft**2",
    "m3": "m**3",
    "barrel": "oil_barrel",
    "kn": "knot",
    "nmi": "nautical_mile",
    "t": "tonne",
    "in": "inch",
}
# The SI unit each dimension is reported in.
SI_UNITS = {
    "[length]": "m",
    "[length] ** 2": "m2",
    "[length] ** 3": "m3",
    "[mass]": "kg",
    "[time]": "s",
    "[length] / [time]": "m/s",
    "[temperature]": "K",
    "[length] ** 2 * [mass] / [time] ** 2": "J",
    "[length] ** 2 * [mass] / [time] ** 3": "W",
}
_SI_PINT = {"m2": "m**2", "m3": "m**3", "m/s": "m/s", "s": "second", "K": "kelvin", "J": "joule", "W": "watt"}
NOT_MEASURES = frozenset({"percent", "percentage_point"})


def unit_pattern(spellings: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex with a named group per unit, and the symbol of each group."""
    pattern = re.compile(
        r"\s?(?:" + "|".join(f"(?P<u{i}>{p})" for i, (_, p) in enumerate(spellings)) + r")", re.IGNORECASE
    )
    return pattern, {f"u{i}": symbol for i, (symbol, _) in enumerate(spellings)}


_UNIT_RE, _UNIT_BY_GROUP = unit_pattern(UNIT_SPELLINGS)


def unit_after(text: str, end: int) -> tuple[str | None, int]:
    """The unit written right after text[:end], and where it ends."""
    m = _UNIT_RE.match(text, end)
    if not m or m.lastgroup is None:
        return None, end
    return _UNIT_BY_GROUP[m.lastgroup], m.end()


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    return pint.UnitRegistry(cache_folder=None)


@lru_cache(maxsize=512)
def _pint_unit(unit: str) -> pint.Unit | None:
    if unit in NOT_MEASURES or is_currency(unit):
        return None
    try:
        parsed = registry().parse_units(_PINT_NAMES.get(unit, unit))
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        return None
    return parsed if str(parsed.dimensionality) in SI_UNITS else None


@lru_cache(maxsize=512)
def dimension_of(unit: str | None) -> str | None:
    """pint's dimensionality of a slot unit ("[length]"), None for counts, percentages and money."""
    if not unit:
        return None
    parsed = _pint_unit(unit)
    return str(parsed.dimensionality) if parsed is not None else None


def is_measure(unit: str | None) -> bool:
    return dimension_of(unit) is not None


def to_si(value: float, unit: str | None) -> tuple[float, str] | None:
    """`value` in `unit` expressed in the SI unit of its dimension, or None when `unit` is no measure."""
    dimension = dimension_of(unit)
    if dimension is None or unit is None:
        return None
    si = SI_UNITS[dimension]
    reg = registry()
    converted = reg.Quantity(value, _pint_unit(unit)).to(_SI_PINT.get(si, si))
    return float(converted.magnitude), si


def from_si(value: float, unit: str) -> float | None:
    """`value` in the SI unit of `unit`'s dimension, expressed in `unit`."""
    dimension = dimension_of(unit)
    if dimension is None:
        return None
    si = SI_UNITS[dimension]
    converted = registry().Quantity(value, _SI_PINT.get(si, si)).to(_pint_unit(unit))
    return float(converted.magnitude)
