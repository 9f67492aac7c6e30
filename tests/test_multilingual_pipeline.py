"""Claims in other languages through the real pipeline: language identification
(lingua), extraction in the article's language, both embedding models (MiniLM
and multilingual-e5 on ONNX Runtime), matching across languages against the
demo corpus, and the number checks between a Spanish claim and an English
fact-check (claims/engine/crosslingual.py, claims/services/matching.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from claims import services
from claims.engine import crosslingual, multilingual
from claims.models import Article, Claim, Match, Reference
from claims.services import importers
from tests.test_groups import DEMO, claim_with, run_pipeline

SPANISH = next(
    entry
    for entry in json.loads((DEMO / "feed.json").read_text(encoding="utf-8"))["articles"]
    if entry["file"] == "article_es.txt"
)


@pytest.fixture
def spanish_article(demo_references, django_capture_on_commit_callbacks) -> Article:
    with django_capture_on_commit_callbacks(execute=False):
        return run_pipeline(
            (DEMO / SPANISH["file"]).read_text(encoding="utf-8"),
            published=dt.date.fromisoformat(SPANISH["published"]),
            title=SPANISH["title"],
        )


def best(claim: Claim) -> Match:
    return claim.matches.select_related("reference").get(rank=1)


def test_it_stores_both_vectors_of_the_demo_corpus(demo_references):
    assert demo_references == Reference.objects.count()
    assert not Reference.objects.needing_multilingual_embedding(multilingual.model_name()).exists()
    assert set(Reference.objects.values_list("language", flat=True)) == {"en"}


def test_it_identifies_the_spanish_article_and_its_claims(spanish_article):
    assert spanish_article.language == "es"
    claims = list(spanish_article.claims.all())
    assert len(claims) >= 5
    assert {claim.language for claim in claims} == {"es"}
    assert all(claim.embedding_ml_model == multilingual.model_name() for claim in claims)


def test_it_extracts_spanish_values_and_dates(spanish_article):
    vote = claim_with(spanish_article, "397 votos")
    (tally,) = vote.slots["tallies"]
    assert (tally["for"], tally["against"]) == (397, 0)
    troops = claim_with(spanish_article, "3.000 soldados")
    assert [q["value"] for q in troops.slots["quantities"]] == [3000.0]
    signed = claim_with(spanish_article, "junio de 2024")
    assert [d["value"] for d in signed.slots["dates"]] == ["2024-06"]
    # "el jueves" in an article of Friday 25 October 2024.
    approved = claim_with(spanish_article, "el jueves")
    assert [d["value"] for d in approved.slots["dates"]] == ["2024-10-24"]


def test_it_matches_the_spanish_vote_to_the_english_fact_check_with_its_numbers(spanish_article):
    match = best(claim_with(spanish_article, "397 votos"))
    assert match.reference.external_id == "demo-001"
    assert match.reference.language == "en"
    assert match.scorer == Match.Scorer.CROSSLINGUAL
    assert match.numbers == Match.Numbers.AGREES
    assert [(c["field"], c["verdict"]) for c in match.comparisons if c["field"].startswith("tall")] == [
        ("tally", "agrees")
    ]
    # The English 400-0 fact-check is found too, and its numbers differ.
    other = claim_with(spanish_article, "397 votos").matches.filter(reference__external_id="demo-002").first()
    assert other is not None and other.numbers == Match.Numbers.DIFFERS
    assert services.match_tier_of(score=other.score, numbers=other.numbers, scorer=other.scorer) != "likely"


def test_it_matches_the_spanish_troop_count_to_the_english_fact_check(spanish_article):
    match = best(claim_with(spanish_article, "3.000 soldados"))
    assert match.reference.external_id == "demo-005"
    assert match.numbers == Match.Numbers.AGREES
    assert services.match_tier_of(score=match.score, numbers=match.numbers, scorer=match.scorer) in (
        "likely",
        "possible",
    )


def test_it_puts_e5_scores_on_e5_tiers():
    # 0.80 is a strong MiniLM cosine and an unrelated pair for e5.
    assert services.match_tier_of(score=0.80, numbers="agrees", scorer=Match.Scorer.ENGLISH) == "likely"
    assert services.match_tier_of(score=0.80, numbers="agrees", scorer=Match.Scorer.CROSSLINGUAL) == "unlikely"
    assert services.match_tier_of(score=0.86, numbers="agrees", scorer=Match.Scorer.CROSSLINGUAL) == "likely"
    assert services.match_tier_of(score=0.86, numbers="agrees", scorer=Match.Scorer.MULTILINGUAL) == "possible"
    assert services.match_tier_of(score=0.95, numbers="differs", scorer=Match.Scorer.MULTILINGUAL) == "possible"


SPANISH_FACT_CHECK = {
    "external_id": "demo-es-001",
    "text": "El Ayuntamiento de Valdemoro no multará con 600 euros a quien riegue su jardín en agosto.",
    "title": "Es falsa la multa de 600 euros por regar en verano",
    "rating": "False",
}


def test_it_finds_a_spanish_fact_check_for_an_english_claim(demo_references):
    reference = services.reference_create(fields=SPANISH_FACT_CHECK)
    assert reference.language == "es"
    assert services.references_embed() == 1
    assert reference.slots["quantities"][0]["value"] == 600.0

    results = services.claim_match(text="Valdemoro will fine residents 600 euros for watering their gardens in August")
    first = results[0]
    assert first.reference.external_id == "demo-es-001"
    assert (first.language, first.scorer) == ("es", Match.Scorer.CROSSLINGUAL)
    assert first.numbers == Match.Numbers.AGREES
    # English fact-checks of English claims keep the English model's score.
    english = services.claim_match(text="The Duma voted 397-0 to ratify the treaty with North Korea")
    assert (english[0].reference.external_id, english[0].scorer) == ("demo-001", Match.Scorer.ENGLISH)


def test_it_matches_a_spanish_text_by_e5_alone(demo_references):
    results = services.claim_match(text="Unos 3.000 soldados norcoreanos ya están en Rusia, según Seúl.")
    assert results[0].reference.external_id == "demo-005"
    assert {r.scorer for r in results} == {Match.Scorer.CROSSLINGUAL}
    assert results[0].numbers == Match.Numbers.AGREES
    batch = services.claims_match_batch(
        texts=["Unos 3.000 soldados norcoreanos ya están en Rusia, según Seúl.", "The Duma voted 397 to 0."]
    )
    assert [found[0].reference.external_id for found in batch] == ["demo-005", "demo-001"]
    assert [found[0].scorer for found in batch] == [Match.Scorer.CROSSLINGUAL, Match.Scorer.ENGLISH]


def test_it_identifies_the_language_of_imported_references_that_name_none(db):
    rows = [
        {"external_id": "x-1", "text": "Le gouvernement a relevé le salaire minimum de 2 % en janvier 2024."},
        {"external_id": "x-2", "text": "Die Regierung hat den Mindestlohn im Januar 2024 um 2 % erhöht."},
        {"external_id": "x-3", "text": "The government raised the minimum wage by 2% in January 2024."},
        {"external_id": "x-4", "text": "Short.", "language": "pt"},
    ]
    lines = "\n".join(json.dumps(row) for row in rows)
    services.references_import(rows=importers.read(lines, fmt="jsonl"))
    found = dict(Reference.objects.values_list("external_id", "language"))
    assert found == {"x-1": "fr", "x-2": "de", "x-3": "en", "x-4": "pt"}
    # Numbers read by each language's rules: "2 %" and "janvier 2024".
    french = Reference.objects.get(external_id="x-1")
    assert [q["value"] for q in french.slots["quantities"]] == [2.0]
    assert [d["value"] for d in french.slots["dates"]] == ["2024-01"]


def test_it_skips_e5_for_english_queries_while_no_fact_check_needs_it(demo_references):
    crosslingual.forget()
    assert crosslingual.foreign_references_exist() is False
    services.reference_create(fields=SPANISH_FACT_CHECK)
    services.references_embed()
    assert crosslingual.foreign_references_exist() is True


def test_it_finds_the_desks_spanish_claim_for_a_spanish_search(spanish_article):
    from claims.services import search

    hits = search.claims_similar(text="Unos 3.000 soldados norcoreanos están ya en Rusia, dice Seúl")
    assert hits, "no claim of the desk passed e5's possible tier"
    assert "3.000 soldados" in hits[0].claim.text
    assert hits[0].numbers == Match.Numbers.AGREES


def test_it_shows_the_spanish_claim_at_the_desk_with_the_english_fact_check_and_the_number_check(
    spanish_article, reviewer
):
    from django.test import Client

    vote = claim_with(spanish_article, "397 votos")
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/claims/{vote.pk}/").content.decode()
    assert "The State Duma voted 397 to 0" in page
    assert "= agrees" in page and "≠ differs" in page  # 397-0 against demo-001, and against the 400-0 of demo-002
    assert "multilingual" in page
