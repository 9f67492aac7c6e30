"""Claim extraction: the slot rules on our own example sentences, and the
acceptance claims on the reference article (read from ../shared, never copied)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from claims.extraction import ExtractedClaim, extract, extract_many, html_to_text, load_nlp
from claims.extraction.checkworthiness import average_precision, evaluate, has_number, load_debates
from claims.extraction.dates import resolve

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seed" / "000_adcf756cba233ad6.txt"
SEED_PUBLISHED = dt.date(2024, 10, 24)  # a Thursday
PUBLISHED = dt.date(2024, 10, 24)


def one(text: str, published: dt.date | None = PUBLISHED) -> ExtractedClaim:
    claims = extract(text, published=published)
    assert len(claims) == 1, [c.to_dict() for c in claims]
    return claims[0]


def quantities(text: str, published: dt.date | None = PUBLISHED) -> list[dict]:
    return [q for c in extract(text, published=published) for q in c.to_dict()["slots"]["quantities"]]


def dates(text: str, published: dt.date | None = PUBLISHED) -> list[dict]:
    return [d for c in extract(text, published=published) for d in c.to_dict()["slots"]["dates"]]


def assert_offsets(text: str, claims: list[ExtractedClaim]) -> None:
    for claim in claims:
        d = claim.to_dict()
        assert text[d["start"] : d["end"]] == d["text"]
        for key in ("quantities", "tallies", "rankings", "dates"):
            for slot in d["slots"][key]:
                assert text[slot["start"] : slot["end"]] == slot["text"], slot


# --- The reference article ---------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> tuple[str, list[dict]]:
    if not SEED.exists():
        pytest.skip(f"reference article not found at {SEED} (CI lays ../shared beside the clone)")
    text = SEED.read_text(encoding="utf-8")
    claims = extract(text, published=SEED_PUBLISHED)
    assert_offsets(text, claims)
    return text, [c.to_dict() for c in claims]


def test_it_finds_the_vague_troop_deployment(seed):
    _, claims = seed
    first = claims[0]
    troops = [q for q in first["slots"]["quantities"] if q["counted"] == "troop"]
    assert troops and troops[0]["precision"] == "vague"
    assert troops[0]["magnitude"] == 3 and troops[0]["value"] is None


def test_it_finds_around_3000_soldiers_with_more_troops_by_december(seed):
    _, claims = seed
    claim = next(c for c in claims if any(q["value"] == 3000 for q in c["slots"]["quantities"]))
    soldiers = next(q for q in claim["slots"]["quantities"] if q["value"] == 3000)
    assert soldiers["precision"] == "approximate"
    assert soldiers["counted"] == "soldier"
    more = [q for q in claim["slots"]["quantities"] if q["precision"] == "vague"]
    assert more and more[0]["counted"] == "troop" and more[0]["magnitude"] == 3
    assert {"value": "2024-12", "granularity": "month", "modifier": "by"}.items() <= claim["slots"]["dates"][0].items()
    assert claim["kind"] == "numeric" and claim["slots"]["source"]


def test_it_finds_the_top_10_ranking(seed):
    _, claims = seed
    ranking = next(r for c in claims for r in c["slots"]["rankings"])
    assert (ranking["rank"], ranking["top"], ranking["of"]) == (10, True, "weapons exporters")


def test_it_finds_the_tally_dated_by_the_previous_sentence(seed):
    _, claims = seed
    claim = next(c for c in claims if c["slots"]["tallies"])
    tally = claim["slots"]["tallies"][0]
    assert (tally["for"], tally["against"]) == (397, 0) and "397" in tally["text"]
    (date,) = claim["slots"]["dates"]
    assert date["value"] == "2024-10-24" and date["inherited"] is True
    # The inherited date points at the previous sentence's own span.
    assert date["end"] <= claim["start"]


def test_it_dates_the_treaty_signing_to_june(seed):
    _, claims = seed
    june = [d for c in claims for d in c["slots"]["dates"] if d["value"] == "2024-06"]
    assert june and june[0]["granularity"] == "month" and june[0]["modifier"] == "in"


def test_it_does_not_count_the_two_leaders_or_countries(seed):
    text, claims = seed
    for claim in claims:
        for q in claim["slots"]["quantities"]:
            assert q["value"] != 2
            assert "two" not in q["text"].lower()
    assert len(claims) < len(text.splitlines())  # not every sentence is a claim


def test_it_resolves_bare_weekdays_to_the_publication_thursday(seed):
    _, claims = seed
    days = {d["value"] for c in claims for d in c["slots"]["dates"] if d["granularity"] == "day"}
    assert days == {"2024-10-24"}


# --- Quantities ----------------------------------------------------------------------


def test_it_reads_currencies_and_multipliers():
    found = quantities("The firm said it spent $4.5bn on the plant, up from €3.2 million and £700m before.")
    assert [(q["value"], q["unit"]) for q in found] == [(4.5e9, "USD"), (3.2e6, "EUR"), (7e8, "GBP")]
    assert all(q["precision"] == "exact" and q["low"] == q["high"] == q["value"] for q in found)


def test_it_reads_percentages_and_fractions_as_percent():
    found = quantities("Turnout reached 95 per cent and two-thirds of voters backed the plan.")
    assert [(q["value"], q["unit"]) for q in found] == [(95.0, "percent"), (66.67, "percent")]
    assert found[1]["counted"] == "voter"


def test_it_reads_a_range_without_inventing_a_value():
    (q,) = quantities("Between 10,000 and 12,000 people marched through the capital.")
    assert (q["precision"], q["low"], q["high"], q["value"]) == ("range", 10000, 12000, None)
    assert q["counted"] == "people" and q["magnitude"] == 4


def test_it_spreads_a_shared_multiplier_over_a_range():
    (q,) = quantities("The agency expects 10-12 million visitors.")
    assert (q["low"], q["high"]) == (10e6, 12e6)


def test_it_reads_bounds_and_approximations():
    found = quantities("More than 500 homes burned, at least 12 people died and up to 40 are missing, some 300 fled.")
    assert [(q["precision"], q["value"]) for q in found] == [
        ("lower_bound", 500),
        ("lower_bound", 12),
        ("upper_bound", 40),
        ("approximate", 300),
    ]
    assert found[0]["low"] == 500 and found[0]["high"] is None
    assert found[2]["high"] == 40 and found[2]["low"] is None
    assert [q["counted"] for q in found] == ["home", "people", None, None]


def test_it_keeps_vague_counts_vague():
    found = quantities("Dozens of protesters were held and tens of thousands of people fled.")
    assert [(q["precision"], q["magnitude"], q["value"]) for q in found] == [("vague", 1, None), ("vague", 4, None)]
    assert [q["counted"] for q in found] == ["protester", "people"]


def test_it_counts_what_follows_the_number():
    (q,) = quantities("Officials said 1.2 million new teachers were hired.")
    assert (q["value"], q["counted"]) == (1.2e6, "teacher")


def test_it_reads_units():
    found = quantities("The rover travelled 12 km over 3 days.")
    assert [(q["value"], q["unit"]) for q in found] == [(12, "km"), (3, "day")]


@pytest.mark.parametrize(
    "sentence",
    [
        "The two sides met in Geneva, and both men shook hands on Monday.",
        "The three leaders signed the pact in Rome on Friday.",
        "The F-16 jets and the Boeing 737 were inspected under Resolution 2231 on Monday.",
        "Cases of COVID-19 were reported in 2020.",
        "The Lakers won 102-98 on Sunday.",
    ],
)
def test_it_does_not_take_labels_participants_or_scores_for_amounts(sentence):
    assert quantities(sentence) == []


# --- Tallies and rankings --------------------------------------------------------------


def test_it_reads_vote_tallies():
    claim = one("The Senate voted 52-48 to confirm the nominee.").to_dict()
    assert [(t["for"], t["against"], t["abstain"]) for t in claim["slots"]["tallies"]] == [(52, 48, None)]
    assert claim["slots"]["quantities"] == []


def test_it_reads_abstentions():
    claim = one("The bill passed 220 to 205 with 3 abstentions.").to_dict()
    assert [(t["for"], t["against"], t["abstain"]) for t in claim["slots"]["tallies"]] == [(220, 205, 3)]


def test_it_reads_rankings():
    claim = one("Germany is the world's third-largest economy.").to_dict()
    assert [(r["rank"], r["top"], r["of"]) for r in claim["slots"]["rankings"]] == [(3, False, "largest economy")]
    claim = one("The port is among the top five container hubs in Asia.").to_dict()
    assert [(r["rank"], r["top"], r["of"]) for r in claim["slots"]["rankings"]] == [(5, True, "container hubs")]


# --- Dates ---------------------------------------------------------------------------


def test_it_resolves_weekdays_on_or_before_publication_unless_future():
    assert dates("The minister resigned on Thursday.")[0]["value"] == "2024-10-24"
    assert dates("The minister resigned on Monday.")[0]["value"] == "2024-10-21"
    assert dates("The minister will resign on Monday.")[0]["value"] == "2024-10-28"


def test_it_resolves_yearless_months_by_direction():
    assert dates("The law was passed in June.")[0]["value"] == "2024-06"
    assert dates("The law was passed in November.")[0]["value"] == "2023-11"
    (by,) = dates("The agency said 500 more staff would be hired by March.")
    assert (by["value"], by["granularity"], by["modifier"]) == ("2025-03", "month", "by")


def test_it_reads_explicit_days_years_and_decades():
    found = dates("He was elected on 3 May 2016, served until January 2021 and grew up in the 1990s.")
    assert [(d["value"], d["granularity"], d["modifier"]) for d in found] == [
        ("2016-05-03", "day", "on"),
        ("2021-01", "month", "until"),
        ("1990s", "decade", "in"),
    ]


def test_it_dates_an_event_rather_than_bounding_the_year():
    (event,) = dates("Before the 2020 U.S. presidential election, a pundit tweeted that supporters would riot.")
    assert (event["value"], event["modifier"]) == ("2020", None)
    (bound,) = dates("Before 2020, the law allowed it.")
    assert (bound["value"], bound["modifier"]) == ("2020", "before")


def test_it_drops_relative_dates_without_a_publication_date():
    assert [d["value"] for d in dates("The mine closed last year and reopened in March 2019.", None)] == ["2019-03"]


def test_it_ignores_durations_and_ages():
    assert resolve("the past 10 years", PUBLISHED, False) is None
    assert resolve("50", PUBLISHED, False) is None


def test_it_inherits_the_event_date_only_for_the_same_event():
    text = (
        "Parliament voted on Tuesday to approve the budget. "
        "Deputies voted 300 to 12 to pass it. "
        "Inflation stands at 4 percent."
    )
    claims = [c.to_dict() for c in extract(text, published=PUBLISHED)]
    assert_offsets(text, extract(text, published=PUBLISHED))
    assert claims[1]["slots"]["dates"][0]["value"] == "2024-10-22"
    assert claims[1]["slots"]["dates"][0]["inherited"] is True
    assert claims[2]["slots"]["dates"] == []


# --- Actor, source, kind ------------------------------------------------------------------


def test_it_finds_the_source_and_actor():
    slots = one("The health ministry said that 40 nurses were hired in Leeds last month.").to_dict()["slots"]
    assert slots["source"] == "The health ministry" or slots["source"] == "health ministry"
    assert slots["actor"] == "nurses"
    slots = one("Fewer than 40 percent of respondents agreed, according to a Gallup poll.").to_dict()["slots"]
    assert "Gallup" in slots["source"]


def test_it_labels_kinds():
    assert one("The council approved 12 new schools.").kind == "numeric"
    assert one("The council met the mayor on Monday.").kind == "dated_event"
    assert one("The mayor told reporters that the council had acted unlawfully.").kind == "attributed"


@pytest.mark.parametrize(
    "sentence",
    [
        "I think we should cut taxes for 100 million Americans.",
        "The ministry has hinted that it could look at the rules again.",
        "Both houses act as rubber stamps for the government.",
        "Thank you very much.",
        "",
    ],
)
def test_it_does_not_report_opinions_hints_or_chatter(sentence):
    assert extract(sentence, published=PUBLISHED) == []


def test_it_gives_the_contract_shape():
    claim = one("Some 3,000 soldiers arrived on Thursday, the army said.").to_dict()
    assert set(claim) == {"text", "start", "end", "kind", "checkworthiness", "slots"}
    assert set(claim["slots"]) == {"quantities", "tallies", "rankings", "dates", "actor", "source"}
    assert set(claim["slots"]["quantities"][0]) == {
        *("text", "start", "end", "value", "low", "high", "precision", "magnitude", "unit", "counted")
    }
    assert 0.0 <= claim["checkworthiness"] <= 1.0
    json.dumps(claim)


# --- Batching, HTML, model -----------------------------------------------------------------------


def test_it_batches_like_single_calls():
    texts = ["The army deployed 400 troops on Monday.", "", "Nothing to see here.", "Sales rose 5% in May."]
    batched = extract_many(texts, published=PUBLISHED, batch_size=2)
    assert batched == [extract(t, published=PUBLISHED) for t in texts]
    assert [len(claims) for claims in batched] == [1, 0, 0, 1]


def test_it_offsets_claims_into_the_whole_article():
    text = "Intro line without facts\n\nThe port handled 3 million containers in 2023.\n  Another line."
    claims = extract(text, published=PUBLISHED)
    assert_offsets(text, claims)
    assert claims[0].to_dict()["slots"]["quantities"][0]["value"] == 3e6


def test_it_extracts_the_main_text_from_html():
    html = (
        "<html><head><title>t</title></head><body><nav><a href='/'>Home</a> <a href='/x'>Sport</a></nav>"
        "<article><h1>Port grows</h1><p>The port handled 3 million containers in 2023, its busiest year, "
        "officials said on Monday in a statement to reporters.</p>"
        "<p>Officials expect growth to continue next year as new cranes arrive at the terminal.</p></article>"
        "<footer>Copyright and cookie notice</footer></body></html>"
    )
    text = html_to_text(html)
    assert "3 million containers" in text
    assert "cookie" not in text
    assert html_to_text("") == ""


def test_it_loads_the_model_once():
    assert load_nlp() is load_nlp()
    assert "lemmatizer" in load_nlp().pipe_names


# --- Check-worthiness --------------------------------------------------------------------------


def test_it_scores_statistics_above_chatter():
    texts = ["Thank you, it is great to be here.", "Unemployment fell to 3.5 percent, the lowest rate since 1969."]
    from claims.extraction import analyse_many

    scores = [max(r.score for r in per_text) for per_text in analyse_many(texts, published=None)]
    assert scores[1] > scores[0] + 0.3


def test_it_computes_average_precision():
    assert average_precision([0.9, 0.8, 0.1], [1, 0, 1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0.5], [0]) is None


def test_it_evaluates_debates(tmp_path):
    (tmp_path / "d1.tsv").write_text("1\tA\tWe added 9 million jobs.\t1\n2\tB\tHello there.\t0\n", encoding="utf-8")
    debates = load_debates(tmp_path)
    report = evaluate(debates, [[0.9, 0.1]])
    assert report["map_all"] == 1.0 and report["map_with_numbers"] == 1.0
    assert has_number("nine million") and not has_number("hello")


# --- Management commands -----------------------------------------------------------------------


def run_command(*args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_prints_an_articles_claims_as_json(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("The council met on Monday.\nIt approved 12 new schools, the mayor said.\n", encoding="utf-8")
    claims = json.loads(run_command("extract_claims", str(article), "--published", "2024-10-24", "--json"))
    assert [c["kind"] for c in claims] == ["dated_event", "numeric"]
    assert claims[0]["slots"]["dates"][0]["value"] == "2024-10-21"


def test_it_prints_one_json_object_per_line(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text(
        "Sales rose 5% in May.\nHello.\n<p>The port moved 3 million boxes in 2023.</p>\n", encoding="utf-8"
    )
    out = run_command("extract_claims", str(lines), "--lines", "--published", "2024-10-24")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert [len(row["claims"]) for row in rows] == [1, 0, 1]


def test_it_reads_html_articles(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><nav>Menu Sport Weather</nav><article><p>The port handled 3 million containers in 2023, "
        "officials said on Monday in a statement that was sent to reporters.</p><p>More cranes arrive next "
        "year at the new terminal on the river, the port authority said.</p></article></body></html>",
        encoding="utf-8",
    )
    claims = json.loads(run_command("extract_claims", str(page), "--json"))
    assert claims and claims[0]["slots"]["quantities"][0]["value"] == 3e6
    assert "Menu" not in claims[0]["text"]


def test_it_reports_checkworthiness_map(tmp_path):
    (tmp_path / "20160926_d.tsv").write_text(
        "1\tA\tGood evening and welcome.\t0\n2\tB\tWe lost 800,000 jobs in one month.\t1\n3\tA\tThank you.\t0\n",
        encoding="utf-8",
    )
    report = json.loads(run_command("eval_checkworthiness", str(tmp_path), "--json"))
    assert report["shipped_weights"]["map_all"] == 1.0
    assert report["shipped_weights"]["map_with_numbers"] == 1.0


# --- Units, ages, compounds, currencies (issue 16) ----------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "si_value", "si_unit"),
    [
        ("The new highway will run 880 km along the coast.", 880, "km", 880_000, "m"),
        ("The wall stands 30 feet high.", 30, "ft", 9.144, "m"),
        ("The fire has burned 4,500 hectares of forest.", 4500, "ha", 45_000_000, "m2"),
        ("Police seized 250 kg of cocaine.", 250, "kg", 250, "kg"),
        ("The baby weighed 8 pounds at birth.", 8, "lb", 3.62873896, "kg"),
        ("The tanker spilled 11 million gallons of oil.", 11e6, "gal", 41639.5296, "m3"),
        ("The train reached 320 km/h on the test run.", 320, "km/h", 88.8888889, "m/s"),
        ("It was 40 degrees Celsius at noon.", 40, "degC", 313.15, "K"),
        ("The strike lasted 14 days.", 14, "day", 1_209_600, "s"),
    ],
)
def test_it_keeps_the_unit_as_written_and_adds_si(sentence, value, unit, si_value, si_unit):
    (q,) = quantities(sentence)
    assert (q["value"], q["unit"]) == (value, unit)
    assert q["si"]["unit"] == si_unit
    assert q["si"]["value"] == pytest.approx(si_value, rel=1e-6)


def test_it_gives_no_si_to_counts_money_or_percentages():
    for q in quantities("The firm hired 300 staff, paid $4bn and grew 5%."):
        assert "si" not in q


def test_it_reads_a_length_after_a_word_that_also_labels_numbers():
    # "Highway 61" names a road; "a highway 880 km long" measures one.
    assert [(q["value"], q["unit"]) for q in quantities("They built a highway 880 km long.")] == [(880, "km")]
    assert quantities("Highway 61 was closed to traffic.") == []


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "precision"),
    [
        ("A 22-year-old was killed in the crash.", 22, "year", "exact"),
        ("A two-month-old baby was rescued.", 2, "month", "exact"),
        ("Police arrested a man aged 34.", 34, "year", "exact"),
        ("The rules apply to workers under age 30.", 30, "year", "upper_bound"),
        ("People over the age of 65 will be vaccinated first.", 65, "year", "lower_bound"),
        ("The victim was 19 years old.", 19, "year", "exact"),
        ("Sharonda Marsh, 28, of Leeds was named as the driver.", 28, "year", "exact"),
    ],
)
def test_it_reads_ages(sentence, value, unit, precision):
    (q,) = quantities(sentence)
    assert (q["value"], q["unit"], q["counted"], q["precision"]) == (value, unit, "age", precision)


def test_it_reads_an_age_range():
    (q,) = quantities("The study followed children aged 5 to 11.")
    assert (q["precision"], q["low"], q["high"], q["counted"]) == ("range", 5, 11, "age")


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "counted"),
    [
        ("A 12-foot alligator was spotted.", 12, "ft", "alligator"),
        ("The island offers a 14-day round trip.", 14, "day", "trip"),
        ("The mayor promised 15-minute cities.", 15, "minute", "city"),
        ("The council approved a two-pet limit.", 2, None, "pet"),
        ("The state marks the 200-year history of its constitution.", 200, "year", "history"),
        ("The agency filed a 104-page report.", 104, None, "page"),
        ("Federal staff can be fired after 30 or more days of shutdown.", 30, "day", None),
    ],
)
def test_it_reads_hyphenated_and_compound_amounts(sentence, value, unit, counted):
    (q,) = quantities(sentence)
    assert (q["value"], q["unit"], q["counted"]) == (value, unit, counted)


@pytest.mark.parametrize(
    "sentence",
    [
        "Two-thirds of voters backed the plan.",  # a share, read as percent
        "The one-party state held a vote.",
        "The F-16 crashed near the base.",
        "Profits rose tenfold after a one-off sale.",
    ],
)
def test_it_does_not_take_other_hyphenations_for_compounds(sentence):
    assert all(q["unit"] == "percent" for q in quantities(sentence))


@pytest.mark.parametrize(
    ("sentence", "value", "code"),
    [
        ("The state spent N70 million on the market.", 7e7, "NGN"),
        ("Tickets cost Rs 500 each.", 500, "INR"),
        ("A bowl of noodles costs ¥3,000.", 3000, "JPY"),
        ("The fine was CHF 12 a day.", 12, "CHF"),
        ("A lunch costs R$ 40 in the city.", 40, "BRL"),
        ("The club paid 15 million Swiss francs for him.", 1.5e7, "CHF"),
        ("Import duties raised ₦45 billion.", 4.5e10, "NGN"),
        ("The price was 2,500 INR for a return ticket.", 2500, "INR"),
        ("Tuition is 50,000 Egyptian pounds a year.", 50000, "EGP"),
        ("The firm invested 20 trillion won in chip plants.", 2e13, "KRW"),
        ("They paid $2 billion dollars for the airtime.", 2e9, "USD"),
    ],
)
def test_it_reads_currencies_by_code_symbol_and_name(sentence, value, code):
    (q,) = quantities(sentence)
    assert (q["value"], q["unit"]) == (value, code)


def test_it_reads_every_current_iso_code():
    from claims.extraction.currencies import current

    for code in sorted(current()):
        found = quantities(f"The bank lent {code} 5,000 to the farmer.")
        assert [(q["value"], q["unit"]) for q in found] == [(5000, code)], code


def test_it_needs_a_large_amount_for_a_single_letter_symbol():
    assert quantities("Nurses asked for N95 masks.") == []
    assert [q["unit"] for q in quantities("The city spent N5,000 on masks.")] == ["NGN"]


def test_it_reads_number_one_and_second_largest_rankings():
    claim = one("It is the number one health care system in the world.").to_dict()
    assert [(r["rank"], r["of"]) for r in claim["slots"]["rankings"]] == [(1, "health care system")]
    claim = one("The port is the second largest in Europe.").to_dict()
    assert [(r["rank"], r["of"]) for r in claim["slots"]["rankings"]] == [(2, "largest")]
    assert extract("He lives at number 10 on the street.", published=PUBLISHED) == [] or not any(
        c.slots.rankings for c in extract("He lives at number 10 on the street.", published=PUBLISHED)
    )


def test_it_reads_tallies_with_thousands_marks():
    claim = one("The referendum passed with 1,200 votes to 800.").to_dict()
    assert [(t["for"], t["against"]) for t in claim["slots"]["tallies"]] == [(1200, 800)]


# --- Dates without a year ------------------------------------------------------------------------


def test_it_takes_a_missing_year_from_the_publication_date_and_says_so():
    (d,) = dates("The shooting happened on March 16 near the school.")
    assert (d["value"], d["granularity"], d["year_inferred"]) == ("2024-03-16", "day", True)
    (d,) = dates("The agency issued the warning on Sept. 19.")
    assert (d["value"], d["year_inferred"]) == ("2024-09-19", True)


def test_it_says_a_written_year_is_not_inferred():
    (d,) = dates("He was elected on 3 May 2016.")
    assert d["year_inferred"] is False


def test_it_takes_a_missing_year_from_the_nearest_earlier_date_in_the_text():
    text = "The war began on 24 February 2022. By March 2, troops had reached the capital."
    found = dates(text)
    assert [(d["value"], d["year_inferred"]) for d in found] == [("2022-02-24", False), ("2022-03-02", True)]


def test_it_invents_no_year_without_a_publication_date():
    (d,) = dates("The shooting happened on March 16 near the school.", None)
    assert (d["value"], d["granularity"], d["year_inferred"]) == ("--03-16", "day", False)
    (d,) = dates("The treaty was signed in June.", None)
    assert (d["value"], d["granularity"]) == ("--06", "month")


def test_it_splits_date_ranges_dateparser_cannot_read():
    found = dates("The vaccine was tested between 2010 and 2014.")
    assert [(d["value"], d["modifier"]) for d in found] == [("2010", "since"), ("2014", "until")]
    assert_offsets(
        "The vaccine was tested between 2010 and 2014.",
        extract("The vaccine was tested between 2010 and 2014.", published=PUBLISHED),
    )


def test_it_keeps_a_quoted_or_reported_proposal_as_a_claim():
    assert one("Secretary Clinton said let's raise it to $12.").kind == "numeric"
    assert one("Let's be clear, they spent $2 billion on adverts.").kind == "numeric"
    assert extract("I think we should cut taxes for 100 million Americans.", published=PUBLISHED) == []


# --- The extraction evaluation -------------------------------------------------------------------


def test_it_scores_slots_per_kind():
    from claims.extraction.slot_eval import evaluate_cases

    cases = [
        {
            "text": "The road is 880 km long.",
            "published": None,
            "language": "en",
            "where": "a",
            "expect": [{"field": "quantities", "kind": "measure", "value": 880, "unit": "km"}],
        },
        {
            "text": "The road is 30 km long.",
            "published": None,
            "language": "en",
            "where": "b",
            "expect": [{"field": "quantities", "kind": "measure", "value": 300, "unit": "km"}],
        },
        {"text": "The two leaders met.", "published": None, "language": "en", "where": "c", "expect": []},
    ]
    report = evaluate_cases(cases)
    assert report["kinds"]["measure"] == {"expected": 2, "recall": 0.5, "extracted": 2, "precision": 0.5}
    assert [m["where"] for m in report["misses"]] == ["b"]


def test_it_prints_the_extraction_evaluation(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {
                "text": "Tickets cost Rs 500.",
                "published": None,
                "language": "en",
                "expect": [{"field": "quantities", "kind": "currency", "value": 500, "unit": "INR"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = run_command(
        "eval_extraction",
        "--cases",
        str(cases),
        "--json",
        "--debates",
        str(tmp_path / "none"),
        "--factcheck-half",
        "none",
    )
    report = json.loads(out)
    assert report["kinds"]["currency"]["recall"] == 1.0
    assert "checkthat2020_checkworthy_with_digit" not in report


# --- Other languages (issue 18) -------------------------------------------------------------------


def slots_in(text: str, language: str, published: dt.date | None = PUBLISHED) -> dict[str, list[dict]]:
    claims = extract(text, published=published, language=language)
    assert_offsets(text, claims)
    merged: dict[str, list[dict]] = {"quantities": [], "tallies": [], "rankings": [], "dates": []}
    for claim in claims:
        for key in merged:
            merged[key] += claim.to_dict()["slots"][key]
    return merged


@pytest.mark.parametrize(
    ("language", "sentence", "value"),
    [
        ("es", "Llegaron 3.000 soldados a la frontera.", 3000),
        ("de", "Es kamen 3.000 Soldaten an die Grenze.", 3000),
        ("pt", "Chegaram 3.000 soldados à fronteira.", 3000),
        ("fr", "Quelque 3 000 soldats sont arrivés.", 3000),
        ("fr", "Quelque 3\u202f000 soldats sont arrivés.", 3000),
        ("es", "La deuda creció en 1,5 millones.", 1.5e6),
        ("de", "Die Schulden stiegen um 2,5 Milliarden.", 2.5e9),
        ("es", "Llegaron tres mil soldados.", 3000),
        ("de", "Es kamen dreitausend Soldaten.", 3000),
        ("fr", "Deux cents soldats sont arrivés.", 200),
        ("pt", "Chegaram mil e quinhentos soldados.", 1500),
    ],
)
def test_it_reads_numbers_in_the_languages_marks_and_words(language, sentence, value):
    (q,) = slots_in(sentence, language)["quantities"]
    assert q["value"] == value


@pytest.mark.parametrize(
    ("language", "sentence", "tally"),
    [
        ("es", "El Congreso aprobó la ley con 397 votos a favor y ninguno en contra.", (397, 0, None)),
        ("de", "Der Bundestag stimmte mit 397 zu 0 Stimmen zu.", (397, 0, None)),
        ("fr", "L'Assemblée a adopté le texte par 397 voix contre 0.", (397, 0, None)),
        ("pt", "A Câmara aprovou o projeto por 397 votos a favor e nenhum contra.", (397, 0, None)),
        ("es", "El Senado rechazó la moción por 120 votos a 5, con 10 abstenciones.", (120, 5, 10)),
    ],
)
def test_it_reads_vote_tallies_in_other_languages(language, sentence, tally):
    (t,) = slots_in(sentence, language)["tallies"]
    assert (t["for"], t["against"], t["abstain"]) == tally


@pytest.mark.parametrize(
    ("language", "sentence", "magnitude"),
    [
        ("es", "Miles de personas marcharon.", 3),
        ("de", "Tausende Menschen demonstrierten.", 3),
        ("fr", "Des milliers de personnes ont manifesté.", 3),
        ("pt", "Dezenas de milhares de professores fizeram greve.", 4),
    ],
)
def test_it_keeps_vague_counts_vague_in_other_languages(language, sentence, magnitude):
    (q,) = slots_in(sentence, language)["quantities"]
    assert (q["precision"], q["magnitude"], q["value"]) == ("vague", magnitude, None)


def test_it_reads_units_currencies_and_percentages_in_other_languages():
    (km,) = slots_in("Die Autobahn ist 880 Kilometer lang.", "de")["quantities"]
    assert (km["value"], km["unit"], km["si"]["value"]) == (880, "km", 880_000)
    (eur,) = slots_in("L'État a dépensé 1,5 milliard d'euros.", "fr")["quantities"]
    assert (eur["value"], eur["unit"]) == (1.5e9, "EUR")
    (brl,) = slots_in("O governo gastou R$ 40 milhões.", "pt")["quantities"]
    assert (brl["value"], brl["unit"]) == (4e7, "BRL")
    (pct,) = slots_in("La inflación subió al 3,2 por ciento.", "es")["quantities"]
    assert (pct["value"], pct["unit"]) == (3.2, "percent")


def test_it_resolves_dates_in_other_languages_against_publication():
    (thursday,) = slots_in("El ministro dimitió el jueves.", "es")["dates"]
    assert thursday["value"] == "2024-10-24"  # publication is a Thursday
    (december,) = slots_in("Die Truppen kamen im Dezember.", "de")["dates"]
    assert (december["value"], december["granularity"], december["modifier"]) == ("2023-12", "month", "in")
    (full,) = slots_in("Le traité a été signé le 12 mars 2023.", "fr")["dates"]
    assert (full["value"], full["year_inferred"]) == ("2023-03-12", False)
    (yearless,) = slots_in("O acidente aconteceu no dia 16 de março.", "pt", None)["dates"]
    assert yearless["value"] == "--03-16"


def test_it_does_not_count_participants_or_years_in_other_languages():
    assert slots_in("Los dos presidentes se reunieron en Lima.", "es")["quantities"] == []
    assert slots_in("Les deux dirigeants se sont rencontrés.", "fr")["quantities"] == []
    assert slots_in("Der Preis steigt seit 2019.", "de")["quantities"] == []


def test_it_refuses_a_language_it_has_no_rules_for():
    with pytest.raises(ValueError, match="No extraction rules"):
        extract("Hallo.", published=PUBLISHED, language="nl")


@pytest.mark.parametrize(
    ("claim", "reference", "expected"),
    [
        (
            ("es", "El Congreso aprobó la ley con 397 votos a favor y ninguno en contra."),
            ("en", "The Duma voted 397 to 0 to ratify the treaty."),
            "agrees",
        ),
        (
            ("de", "Der Bundestag stimmte mit 397 zu 0 Stimmen zu."),
            ("en", "The Duma voted 400 to 0 to ratify."),
            "differs",
        ),
        (("de", "Die Autobahn ist 880 Kilometer lang."), ("en", "The highway is 547 miles long."), "agrees"),
        (("fr", "L'État a dépensé 1,5 milliard d'euros."), ("en", "The state spent €1.5bn."), "agrees"),
        (("pt", "O governo gastou R$ 40 milhões."), ("en", "The government spent R$ 45 million."), "differs"),
        (("es", "Unos 3.000 soldados llegaron."), ("en", "About 3,000 soldiers arrived."), "agrees"),
    ],
)
def test_it_compares_numbers_across_languages(claim, reference, expected):
    from claims.engine.numbers import compare_slots, summarise

    assert summarise(compare_slots(slots_in(claim[1], claim[0]), slots_in(reference[1], reference[0]))) == expected
