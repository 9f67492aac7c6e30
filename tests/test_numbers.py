"""Number and date comparison between a claim's slots and a reference's slots.

Slot dicts are built by hand in the shape claims/extraction produces, so these
tests do not depend on the extractor.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.engine.numbers import Comparison, compare_slots, summarise


def quantity(
    value: float | None,
    precision: str = "exact",
    *,
    text: str | None = None,
    low: float | None = None,
    high: float | None = None,
    magnitude: int | None = None,
    unit: str | None = None,
    counted: str | None = None,
) -> dict[str, Any]:
    return {
        "text": text if text is not None else f"{value}",
        "start": 0,
        "end": 1,
        "value": value,
        "low": low,
        "high": high,
        "precision": precision,
        "magnitude": magnitude,
        "unit": unit,
        "counted": counted,
    }


def tally(yes: int, no: int, abstain: int | None = None) -> dict[str, Any]:
    return {
        "text": f"{yes} to {no}",
        "start": 0,
        "end": 1,
        "for": yes,
        "against": no,
        "abstain": abstain,
    }


def ranking(rank: int, top: bool = False, of: str | None = None) -> dict[str, Any]:
    return {"text": "", "start": 0, "end": 1, "rank": rank, "top": top, "of": of}


GRANULARITY = {10: "day", 7: "month", 4: "year", 5: "decade"}


def day(value: str, modifier: str | None = None, inherited: bool = False) -> dict[str, Any]:
    return {
        "text": value,
        "start": 0,
        "end": 1,
        "value": value,
        "granularity": GRANULARITY[len(value)],
        "modifier": modifier,
        "inherited": inherited,
    }


def slots(**fields: list[dict[str, Any]]) -> dict[str, Any]:
    empty: dict[str, Any] = {"quantities": [], "tallies": [], "rankings": []}
    return {**empty, "dates": [], "actor": None, "source": None, **fields}


def only(claim: dict[str, Any], reference: dict[str, Any]) -> Comparison:
    [comparison] = compare_slots(claim, reference)
    return comparison


def verdict(field: str, claim_item: dict[str, Any], ref_item: dict[str, Any]) -> str:
    return only(slots(**{field: [claim_item]}), slots(**{field: [ref_item]})).verdict


# --- the examples ----------------------------------------------------


def test_it_reports_397_to_0_vs_400_to_0_as_differing() -> None:
    result = only(slots(tallies=[tally(397, 0)]), slots(tallies=[tally(400, 0)]))
    assert result.to_dict() == {
        "field": "tally",
        "claim": "397–0",  # noqa: RUF001
        "reference": "400–0",  # noqa: RUF001
        "verdict": "differs",
        "detail": "397–0 vs 400–0",  # noqa: RUF001
    }


def test_it_agrees_around_3000_with_3000() -> None:
    assert verdict("quantities", quantity(3000, "approximate"), quantity(3000)) == ("agrees")


def test_it_agrees_thousands_with_3000() -> None:
    thousands = quantity(None, "vague", magnitude=3, text="thousands")
    assert verdict("quantities", thousands, quantity(3000)) == "agrees"


def test_it_agrees_30k_troops_with_30000_soldiers() -> None:
    claim = quantity(30000, text="30k", counted="troop")
    reference = quantity(30000, text="30,000", counted="soldier")
    assert verdict("quantities", claim, reference) == "agrees"


def test_it_reports_3000_vs_30000_as_differing_and_says_how() -> None:
    result = only(slots(quantities=[quantity(3000)]), slots(quantities=[quantity(30000)]))
    assert result.verdict == "differs"
    assert result.detail == "3,000 vs 30,000 (10× larger)"  # noqa: RUF001
    assert (result.claim, result.reference) == ("3,000", "30,000")


# --- quantities --------------------------------------------------------------


def test_it_keeps_written_out_exact_numbers_strict() -> None:
    assert verdict("quantities", quantity(3000), quantity(3012)) == "differs"


def test_it_gives_approximate_values_ten_percent() -> None:
    about = quantity(3000, "approximate", text="about 3,000")
    assert verdict("quantities", about, quantity(3012)) == "agrees"
    assert verdict("quantities", about, quantity(3299)) == "agrees"
    assert verdict("quantities", about, quantity(3400)) == "differs"


def test_it_honours_rounding_of_written_decimals() -> None:
    rounded = quantity(3.2e6, text="3.2 million")
    assert verdict("quantities", rounded, quantity(3_215_000)) == "agrees"
    assert verdict("quantities", rounded, quantity(3_260_000)) == "differs"
    # "3.2 m" where the value is 3.2 is metres, not millions.
    metres = quantity(3.2, text="3.2 m", unit="m")
    assert verdict("quantities", metres, quantity(3.24, unit="m")) == "agrees"


def test_it_honours_rounding_to_a_scale_word() -> None:
    # Read by hand on CheckThat dev-test: a tweet's "$4M" against "$4.4 million".
    four_m = quantity(4e6, text="$4M", unit="USD")
    assert verdict("quantities", four_m, quantity(4.4e6, text="$4.4 million", unit="USD")) == "agrees"
    assert verdict("quantities", four_m, quantity(4.6e6, text="$4.6 million", unit="USD")) == "differs"
    # Without a scale word a round number is still exact.
    assert verdict("quantities", quantity(400, text="400"), quantity(397, text="397")) == "differs"


def test_it_treats_lower_bounds_as_open_upwards() -> None:
    more_than = quantity(None, "lower_bound", low=3000, text="more than 3,000")
    assert verdict("quantities", more_than, quantity(3500)) == "agrees"
    assert verdict("quantities", more_than, quantity(2000)) == "differs"
    assert only(slots(quantities=[more_than]), slots(quantities=[quantity(2000)])).detail == ("≥3,000 vs 2,000")


def test_it_treats_upper_bounds_as_open_downwards() -> None:
    fewer_than = quantity(500, "upper_bound", high=500, text="fewer than 500")
    assert verdict("quantities", fewer_than, quantity(450)) == "agrees"
    assert verdict("quantities", fewer_than, quantity(650)) == "differs"


def test_it_agrees_overlapping_ranges() -> None:
    claim = quantity(None, "range", low=2000, high=3000)
    assert verdict("quantities", claim, quantity(None, "range", low=2500, high=4000)) == ("agrees")
    assert verdict("quantities", claim, quantity(None, "range", low=3500, high=4000)) == ("differs")
    assert verdict("quantities", claim, quantity(2200)) == "agrees"


@pytest.mark.parametrize(
    ("magnitude", "text", "value", "expected"),
    [
        (3, "thousands", 1500, "differs"),
        (3, "thousands", 250_000, "agrees"),
        (3, "thousands", 1_000_000, "differs"),
        (4, "tens of thousands", 30_000, "agrees"),
        (4, "tens of thousands", 300_000, "differs"),
        (1, "dozens", 30, "agrees"),
        (1, "dozens", 20, "differs"),
        (2, "hundreds", 700, "agrees"),
        (6, "millions", 4_500_000, "agrees"),
    ],
)
def test_it_maps_vague_quantities_to_intervals(magnitude: int, text: str, value: float, expected: str) -> None:
    vague = quantity(None, "vague", magnitude=magnitude, text=text)
    assert verdict("quantities", vague, quantity(value)) == expected


def test_it_finds_a_vague_quantity_without_magnitude_not_comparable() -> None:
    result = only(
        slots(quantities=[quantity(None, "vague", text="many")]),
        slots(quantities=[quantity(3000)]),
    )
    assert result.verdict == "not_comparable"


def test_it_never_compares_a_percentage_with_a_headcount() -> None:
    claim = slots(quantities=[quantity(30, unit="percent")])
    reference = slots(quantities=[quantity(30, counted="soldier")])
    result = only(claim, reference)
    assert result.verdict == "not_comparable"
    assert result.reference == ""


def test_it_treats_percent_spellings_as_one_unit() -> None:
    assert verdict("quantities", quantity(45, unit="per cent"), quantity(45, unit="%")) == ("agrees")
    result = only(
        slots(quantities=[quantity(45, unit="percent")]),
        slots(quantities=[quantity(50, unit="%")]),
    )
    assert result.detail == "45% vs 50% (5 points higher)"


def test_it_compares_currencies_by_iso_code() -> None:
    assert verdict("quantities", quantity(5e6, unit="usd"), quantity(5e6, unit="$")) == ("agrees")
    assert verdict("quantities", quantity(5e6, unit="USD"), quantity(5e6, unit="EUR")) == ("not_comparable")
    result = only(
        slots(quantities=[quantity(5e6, unit="USD")]),
        slots(quantities=[quantity(5e6, unit="EUR")]),
    )
    assert result.claim == "USD 5,000,000"


def test_it_does_not_compare_different_counted_nouns() -> None:
    claim = quantity(3000, counted="soldier")
    assert verdict("quantities", claim, quantity(3000, counted="civilian")) == ("not_comparable")
    # A noun the extractor missed is not a different noun.
    assert verdict("quantities", claim, quantity(3000)) == "agrees"


def test_it_pairs_quantities_by_closeness_and_reports_unpaired_claim_values() -> None:
    claim = slots(quantities=[quantity(400), quantity(3000), quantity(12)])
    reference = slots(quantities=[quantity(2900), quantity(397)])
    result = compare_slots(claim, reference)
    assert [(c.claim, c.reference, c.verdict) for c in result] == [
        ("400", "397", "differs"),
        ("3,000", "2,900", "differs"),
        ("12", "", "not_comparable"),
    ]
    assert result[2].detail == "no comparable quantity in the reference"


def test_it_does_not_report_extra_reference_values() -> None:
    reference = slots(quantities=[quantity(3000), quantity(55, unit="percent")])
    result = compare_slots(slots(quantities=[quantity(3000)]), reference)
    assert [c.verdict for c in result] == ["agrees"]


def test_it_prefers_the_matching_counted_noun_over_the_closer_number() -> None:
    claim = slots(quantities=[quantity(3000, counted="troop")])
    reference = slots(quantities=[quantity(3000), quantity(2500, counted="personnel")])
    result = only(claim, reference)
    assert (result.reference, result.verdict) == ("2,500", "differs")


def test_it_says_the_reference_gives_no_numbers() -> None:
    result = only(slots(quantities=[quantity(3000)]), slots())
    assert result.verdict == "not_comparable"
    assert result.detail == "the reference gives no quantity"


# --- measures in other units (issue 16) ------------------------------------------


@pytest.mark.parametrize(
    ("claim", "reference", "expected"),
    [
        ((880, "km"), (547, "mi"), "agrees"),
        ((12, "ft"), (3.7, "m"), "agrees"),
        ((30, "km"), (300, "km"), "differs"),
        ((30, "km"), (300, "mi"), "differs"),
        ((40, "degC"), (104, "degF"), "agrees"),
        ((40, "degC"), (90, "degF"), "differs"),
        ((2, "week"), (14, "day"), "agrees"),
        ((250, "kg"), (551, "lb"), "agrees"),
        ((250, "kg"), (600, "lb"), "differs"),
        ((4500, "ha"), (45, "km2"), "agrees"),
    ],
)
def test_it_compares_measures_across_units(claim, reference, expected) -> None:
    c = quantity(claim[0], unit=claim[1], text=f"{claim[0]} {claim[1]}")
    r = quantity(reference[0], unit=reference[1], text=f"{reference[0]} {reference[1]}")
    assert verdict("quantities", c, r) == expected


def test_it_shows_the_reference_in_the_claims_unit() -> None:
    result = only(slots(quantities=[quantity(880, unit="km")]), slots(quantities=[quantity(547, unit="mi")]))
    assert result.detail.startswith("880 km vs 547 mi (= 880.31 km)")


def test_it_never_pairs_different_dimensions() -> None:
    result = only(slots(quantities=[quantity(30, unit="km")]), slots(quantities=[quantity(30, unit="kg")]))
    assert result.verdict == "not_comparable"


def test_it_keeps_one_unit_strict() -> None:
    # Written in the same unit, "880 km" and "885 km" are two different claims.
    assert verdict("quantities", quantity(880, unit="km"), quantity(885, unit="km")) == "differs"


def test_it_knows_every_currency_code() -> None:
    result = only(slots(quantities=[quantity(7e7, unit="NGN")]), slots(quantities=[quantity(7e7, unit="ngn")]))
    assert (result.verdict, result.claim) == ("agrees", "NGN 70,000,000")
    assert verdict("quantities", quantity(500, unit="INR"), quantity(500, unit="PKR")) == "not_comparable"


# --- dates without a written year ------------------------------------------------


def yearless(value: str, **extra: Any) -> dict[str, Any]:
    granularity = "day" if len(value) == 7 or (len(value) == 10 and not value.startswith("--")) else "month"
    return {**day(value), "granularity": granularity, **extra}


def test_it_compares_a_yearless_date_by_month_and_day() -> None:
    assert verdict("dates", yearless("--03-16"), day("2023-03-16")) == "agrees"
    assert verdict("dates", yearless("--03-16"), day("2023-03-17")) == "differs"
    assert verdict("dates", yearless("--03"), day("2023-03-17")) == "agrees"
    assert verdict("dates", yearless("--03-16"), day("2023")) == "not_comparable"


def test_it_does_not_hold_an_inferred_year_against_the_reference() -> None:
    inferred = {**day("2024-03-16"), "year_inferred": True}
    result = only(slots(dates=[inferred]), slots(dates=[day("2023-03-16")]))
    assert result.verdict == "agrees"
    assert "year inferred" in result.detail
    assert verdict("dates", inferred, day("2023-04-16")) == "differs"
    assert verdict("dates", inferred, day("2024-03-16")) == "agrees"


# --- tallies -----------------------------------------------------------------


def test_it_keeps_tally_sides_in_order() -> None:
    assert verdict("tallies", tally(397, 0), tally(0, 397)) == "differs"
    assert verdict("tallies", tally(397, 0), tally(397, 0)) == "agrees"


def test_it_checks_abstentions_only_when_both_state_them() -> None:
    assert verdict("tallies", tally(120, 5, 10), tally(120, 5, 12)) == "differs"
    assert verdict("tallies", tally(120, 5, 10), tally(120, 5)) == "agrees"
    result = only(slots(tallies=[tally(120, 5, 10)]), slots(tallies=[tally(1200, 5, 12)]))
    assert result.detail == "120–5–10 vs 1,200–5–12"  # noqa: RUF001


# --- rankings ----------------------------------------------------------------


def test_it_compares_rankings() -> None:
    exporters = "weapons exporters"
    assert verdict("rankings", ranking(3, of=exporters), ranking(3, of=exporters)) == ("agrees")
    assert verdict("rankings", ranking(3, of=exporters), ranking(5, of=exporters)) == ("differs")
    assert verdict("rankings", ranking(10, True), ranking(5, True)) == "differs"
    assert verdict("rankings", ranking(3), ranking(10, True)) == "agrees"
    assert verdict("rankings", ranking(12), ranking(10, True)) == "differs"


def test_it_pairs_rankings_only_of_related_things() -> None:
    claim = slots(rankings=[ranking(3, of="arms exporters")])
    result = only(claim, slots(rankings=[ranking(3, of="oil producers")]))
    assert result.verdict == "not_comparable"
    result = only(claim, slots(rankings=[ranking(5, of="weapons exporters")]))
    assert (result.detail, result.verdict) == (
        "3rd arms exporters vs 5th weapons exporters",
        "differs",
    )


# --- dates -------------------------------------------------------------------


def test_it_compares_dates_at_the_coarser_granularity() -> None:
    assert verdict("dates", day("2024-10"), day("2024-10-24")) == "agrees"
    result = only(slots(dates=[day("2024-06")]), slots(dates=[day("2024-10-24")]))
    assert result.verdict == "differs"
    assert result.detail == "2024-06 vs 2024-10-24 (compared by month)"
    assert verdict("dates", day("2020s"), day("2024-03")) == "agrees"
    assert verdict("dates", day("2024"), day("2023-12-31")) == "differs"


def test_it_respects_date_modifiers() -> None:
    by_december = day("2024-12", "by")
    assert verdict("dates", by_december, day("2024-11-30", "on")) == "agrees"
    assert verdict("dates", by_december, day("2025-01-05")) == "differs"
    assert verdict("dates", day("2020", "since"), day("2019-05")) == "differs"
    # "after"/"before" exclude the named period, "by"/"since" include it.
    assert verdict("dates", day("2024-10", "after"), day("2024-10-24")) == "differs"
    assert verdict("dates", day("2024-10", "after"), day("2024-11-02")) == "agrees"
    assert verdict("dates", day("2024", "before"), day("2024-03")) == "differs"
    assert verdict("dates", day("2020", "since"), day("2020-01")) == "agrees"
    assert verdict("dates", by_december, day("2025", "before")) == "agrees"
    assert verdict("dates", by_december, day("2025-06", "by")) == "differs"
    assert verdict("dates", day("2020", "since"), day("2024", "by")) == ("not_comparable")


def test_it_never_calls_an_inherited_date_different() -> None:
    result = only(slots(dates=[day("2024-06", inherited=True)]), slots(dates=[day("2024-10")]))
    assert result.verdict == "not_comparable"
    assert verdict("dates", day("2024-10", inherited=True), day("2024-10")) == ("agrees")


def test_it_finds_unreadable_dates_not_comparable() -> None:
    assert verdict("dates", day("2024-13"), day("2024-10")) == "not_comparable"


# --- summary and shape -------------------------------------------------------


def test_it_summarises_comparisons() -> None:
    def c(v: str) -> Comparison:
        return Comparison("quantity", "1", "1", v, "")  # type: ignore[arg-type]

    assert summarise([]) == "no_numbers"
    assert summarise([c("agrees"), c("differs")]) == "differs"
    assert summarise([c("agrees"), c("not_comparable")]) == "agrees"
    assert summarise([c("not_comparable")]) == "not_comparable"
    assert summarise([c("agrees").to_dict()]) == "agrees"
    assert summarise(compare_slots(slots(), slots(tallies=[tally(1, 2)]))) == ("no_numbers")


def test_it_returns_frozen_comparisons() -> None:
    result = only(slots(tallies=[tally(1, 2)]), slots(tallies=[tally(1, 2)]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = "differs"  # type: ignore[misc]


# --- properties --------------------------------------------------------------

UNITS = st.sampled_from(
    [None, "percent", "%", "USD", "EUR", "NGN", "km", "mi", "ft", "m", "degC", "degF", "day", "week"]
)
NOUNS = st.sampled_from([None, "troop", "soldier", "vote", "civilian"])
NUMBERS = st.floats(-1e12, 1e12, allow_nan=False) | st.integers(-(10**9), 10**9)
MAYBE = st.none() | NUMBERS

quantities = st.builds(
    quantity,
    MAYBE,
    st.sampled_from(["exact", "approximate", "lower_bound", "upper_bound", "range", "vague"]),
    text=st.text(max_size=20),
    low=MAYBE,
    high=MAYBE,
    magnitude=st.none() | st.integers(-3, 20),
    unit=UNITS,
    counted=NOUNS,
)
tallies = st.builds(
    tally,
    st.integers(0, 500),
    st.integers(0, 500),
    st.none() | st.integers(0, 50),
)
rankings = st.builds(
    ranking,
    st.integers(1, 100),
    st.booleans(),
    st.sampled_from([None, "arms exporters", "weapons exporters", "oil producers"]),
)


@st.composite
def dates(draw: st.DrawFn) -> dict[str, Any]:
    when = draw(st.dates())
    value = draw(
        st.sampled_from(
            [
                when.isoformat(),
                when.isoformat()[:7],
                when.isoformat()[:4],
                when.isoformat()[:3] + "0s",
            ]
        )
    )
    modifier = draw(st.sampled_from([None, "on", "in", "by", "until", "before", "since", "after"]))
    made = day(value, modifier, draw(st.booleans()))
    if len(value) in (7, 10) and draw(st.booleans()):
        # A date whose year was not written: inferred, or absent ("--03-16").
        made["year_inferred"] = True
        if draw(st.booleans()):
            made["value"] = "-" + value[4:]
    return made


slot_dicts = st.builds(
    slots,
    quantities=st.lists(quantities, max_size=4),
    tallies=st.lists(tallies, max_size=3),
    rankings=st.lists(rankings, max_size=3),
    dates=st.lists(dates(), max_size=3),
)
FIELD_OF = {"quantities": quantities, "tallies": tallies, "rankings": rankings}
single_field = st.sampled_from([*FIELD_OF, "dates"]).flatmap(
    lambda f: st.tuples(st.just(f), *(2 * [dates() if f == "dates" else FIELD_OF[f]]))
)


@given(slot_dicts, slot_dicts)
def test_it_never_raises_and_returns_the_promised_shape(claim: dict[str, Any], reference: dict[str, Any]) -> None:
    result = compare_slots(claim, reference)
    claim_values = sum(len(claim[k]) for k in ("quantities", "tallies", "rankings"))
    assert len(result) == claim_values + len(claim["dates"])
    for comparison in result:
        d = comparison.to_dict()
        assert set(d) == {"field", "claim", "reference", "verdict", "detail"}
        assert d["verdict"] in {"agrees", "differs", "not_comparable"}
        assert all(isinstance(v, str) for v in d.values())
    assert summarise(result) in {"agrees", "differs", "not_comparable", "no_numbers"}


@given(slot_dicts)
def test_it_always_agrees_with_itself(claim: dict[str, Any]) -> None:
    for comparison in compare_slots(claim, claim):
        # Only values too vague to pin down may stay not comparable.
        assert comparison.verdict != "differs", comparison
        if comparison.verdict == "not_comparable":
            assert comparison.field == "quantity"
            assert "too vague" in comparison.detail


@given(single_field)
def test_it_is_symmetric_for_single_values(
    case: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    field, a, b = case
    forward = only(slots(**{field: [a]}), slots(**{field: [b]}))
    backward = only(slots(**{field: [b]}), slots(**{field: [a]}))
    assert forward.verdict == backward.verdict
    if forward.reference:
        assert (forward.claim, forward.reference) == (
            backward.reference,
            backward.claim,
        )
