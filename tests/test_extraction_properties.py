"""Properties of extraction on arbitrary text: it never crashes, and every
offset it reports lies inside the text and points at the reported span."""

from __future__ import annotations

import datetime as dt
import functools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.extraction import ExtractedClaim, analyse_many, extract, extract_many
from claims.extraction.currencies import current as current_currencies
from claims.extraction.nlp import split_sentences

PUBLISHED = dt.date(2024, 10, 24)
MB = 1_000_000

# Fragments that wake every rule up, so that random text mixes with real triggers.
FRAGMENTS = [
    "The Senate voted 52-48 on Monday.",
    " around 3,000 soldiers",
    " thousands more troops by December",
    " between 10,000 and 12,000 ",
    "$4.5bn",
    " two-thirds of voters",
    " one of the world's top 10 exporters",
    " the third-largest economy",
    " in June ",
    " on Thursday",
    ", officials said.",
    " according to the ministry",
    "Deputies voted 397 to 0.",
    " 95 per cent",
    "\n\n",
    " — ",
    "“",
    "”",
    " the 1990s",
    " F-16 ",
    " 10-12 million",
    "-",
    ".",
    " ",
]

text_with_triggers = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(FRAGMENTS)), max_size=25).map("".join)


def check(text: str, claims: list[ExtractedClaim]) -> None:
    previous_end = 0
    for claim in claims:
        d = claim.to_dict()
        assert 0 <= d["start"] < d["end"] <= len(text)
        assert d["start"] >= previous_end, "claims overlap or are out of order"
        previous_end = d["end"]
        assert text[d["start"] : d["end"]] == d["text"]
        assert 0.0 <= d["checkworthiness"] <= 1.0
        assert d["kind"] in {"numeric", "dated_event", "attributed"}
        for key in ("quantities", "tallies", "rankings", "dates"):
            for slot in d["slots"][key]:
                assert 0 <= slot["start"] <= slot["end"] <= len(text)
                assert text[slot["start"] : slot["end"]] == slot["text"]
                if key != "dates":  # an inherited date points at the previous sentence
                    assert d["start"] <= slot["start"] and slot["end"] <= d["end"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_it_never_crashes_on_any_unicode(text):
    check(text, extract(text, published=PUBLISHED))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_triggers, st.one_of(st.none(), st.dates()))
def test_it_keeps_offsets_inside_the_text(text, published):
    check(text, extract(text, published=published))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(text_with_triggers, max_size=6), st.integers(min_value=1, max_value=4))
def test_it_batches_any_texts(texts, batch_size):
    results = extract_many(texts, published=PUBLISHED, batch_size=batch_size)
    assert len(results) == len(texts)
    for text, claims in zip(texts, results, strict=True):
        check(text, claims)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_triggers)
def test_it_loses_no_claim_by_skipping_sentences_unparsed(text):
    # extract() skips sentences without a claim word; parsing them all must find nothing more.
    every = [r.claim for r in analyse_many([text], published=PUBLISHED)[0] if r.claim is not None]
    assert extract(text, published=PUBLISHED) == every


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_it_splits_sentences_inside_the_text(text):
    previous = 0
    for start, end in split_sentences(text):
        assert previous <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous = end


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(min_value=0, max_value=2**32))
def test_it_handles_a_megabyte_of_unicode(seed: int):
    # Hypothesis cannot draw a megabyte itself; it draws the seed of one.
    rnd = random.Random(seed)
    # Random code points, with spaces and newlines often enough to make words and lines.
    alphabet = [chr(c) for c in range(0x20, 0x2FFF) if not 0xD800 <= c <= 0xDFFF]
    chars = rnd.choices(alphabet, k=MB)
    for i in range(0, MB, rnd.randint(5, 12)):
        chars[i] = " "
    for i in range(0, MB, rnd.randint(2000, 60000)):
        chars[i] = "\n"
    text = "".join(chars)
    check(text, extract(text, published=PUBLISHED))


def test_it_handles_a_megabyte_without_a_break():
    text = "x" * MB
    assert extract(text, published=PUBLISHED) == []
    assert extract("", published=PUBLISHED) == []


# --- Units, dates and currencies (issue 16) -------------------------------------------------

SPELLED_UNITS = [
    ("km", "km"),
    ("kilometres", "km"),
    ("miles", "mi"),
    ("feet", "ft"),
    ("metres", "m"),
    ("kg", "kg"),
    ("tonnes", "t"),
    ("hectares", "ha"),
    ("litres", "l"),
    ("gallons", "gal"),
    ("mph", "mph"),
    ("°C", "degC"),
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@functools.cache
def _registry(pint):
    # A registry of our own, apart from the one the extractor uses; building one
    # takes about 150 ms, which 60 examples should pay once.
    return pint.UnitRegistry()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=999_999), st.sampled_from(SPELLED_UNITS))
def test_it_converts_any_measure_to_si_with_pint(amount, spelled):
    import pint

    written, symbol = spelled
    text = f"Officials said the figure was {amount:,} {written} in the report."
    found = [q for c in extract(text, published=PUBLISHED) for q in c.to_dict()["slots"]["quantities"]]
    assert [(q["value"], q["unit"]) for q in found] == [(amount, symbol)]
    from claims.extraction.units import _PINT_NAMES, SI_UNITS

    expected = _registry(pint).Quantity(amount, _PINT_NAMES.get(symbol, symbol)).to_base_units()
    assert found[0]["si"]["unit"] == SI_UNITS[str(expected.dimensionality)]
    assert found[0]["si"]["value"] == pytest.approx(expected.magnitude, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
)
def test_it_infers_a_year_near_publication_and_keeps_month_and_day(day, published):
    text = f"The bridge collapsed on {MONTHS[day.month - 1]} {day.day}, officials said."
    found = [d for c in extract(text, published=published) for d in c.to_dict()["slots"]["dates"]]
    assert len(found) == 1
    got = dt.date.fromisoformat(found[0]["value"])
    assert (got.month, got.day) == (day.month, day.day) or (day.month, day.day, got.day) == (2, 29, 28)
    assert found[0]["year_inferred"] is True
    assert abs(got.year - published.year) <= 1
    # Without a publication date nothing is invented.
    (bare,) = [d for c in extract(text, published=None) for d in c.to_dict()["slots"]["dates"]]
    assert bare["value"] == f"--{day.month:02d}-{day.day:02d}" and bare["year_inferred"] is False


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=33, max_value=1_000_000))
def test_it_agrees_a_length_with_its_rounded_conversion_and_not_with_a_wrong_one(km):
    from claims.engine.numbers import compare_slots

    def slots_of(text):
        return {
            "quantities": [q for c in extract(text, published=PUBLISHED) for q in c.to_dict()["slots"]["quantities"]]
        }

    claim = slots_of(f"The pipeline is {km:,} km long.")
    right = slots_of(f"The pipeline is {round(km / 1.609344):,} miles long.")
    wrong = slots_of(f"The pipeline is {round(km * 1.2 / 1.609344):,} miles long.")
    assert [c.verdict for c in compare_slots(claim, right)] == ["agrees"]
    assert [c.verdict for c in compare_slots(claim, wrong)] == ["differs"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(current_currencies())),
    st.integers(min_value=1, max_value=10**9),
    st.booleans(),
)
def test_it_reads_any_current_currency_code_before_or_after(code, amount, before):
    written = f"{code} {amount:,}" if before else f"{amount:,} {code}"
    text = f"The ministry paid {written} to the contractor."
    found = [q for c in extract(text, published=PUBLISHED) for q in c.to_dict()["slots"]["quantities"]]
    assert [(q["value"], q["unit"]) for q in found] == [(amount, code)]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["es", "fr", "de", "pt"]),
    st.integers(min_value=1000, max_value=10**9) | st.decimals(min_value=1, max_value=10**6, places=2),
)
def test_it_reads_any_number_babel_writes_in_the_language(language, amount):
    from babel.numbers import format_decimal

    written = format_decimal(amount, locale=language)
    text = {
        "es": "Se contaron {} votos.",
        "fr": "On a compté {} bulletins.",
        "de": "Man zählte {} Stimmzettel.",
        "pt": "Foram contados {} votos.",
    }[language].format(written)
    claims = extract(text, published=PUBLISHED, language=language)
    check(text, claims)
    values = [q["value"] for c in claims for q in c.to_dict()["slots"]["quantities"]]
    assert values == [pytest.approx(float(amount))]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["es", "fr", "de", "pt"]), text_with_triggers, st.one_of(st.none(), st.dates()))
def test_it_keeps_offsets_inside_the_text_in_other_languages(language, text, published):
    check(text, extract(text, published=published, language=language))
