"""Units after a number and currencies."""

from __future__ import annotations

import re

MONEY_ONLY_MULTIPLIERS = {"m", "b", "k"}
CURRENCY_SYMBOLS = {
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
CURRENCY_WORDS = {
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


def unit_after(text: str, end: int) -> tuple[str | None, int]:
    m = _UNIT_RE.match(text, end)
    if not m:
        return None, end
    for name, value in m.groupdict().items():
        if value is not None:
            return _UNIT_BY_GROUP[name], m.end()
    return None, end
