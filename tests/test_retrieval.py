from __future__ import annotations

import datetime as dt

import pytest

from claims.engine import embedding, retrieval
from claims.models import Reference, ReferenceTerm

pytestmark = pytest.mark.django_db


def test_it_strips_links_and_hash_signs():
    text = "Wow #Duma voted 397-0 https://t.co/abc pic.twitter.com/xyz"
    assert retrieval.clean_query(text) == "Wow Duma voted 397-0"


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Thanks @BillClinton!", "Thanks Bill Clinton !"),
        ("@realJaneDoe and @SenDoeMP", "real Jane Doe and Sen Doe MP"),
        ("#ClimateStrike #COVID19 @jane_doe_99", "Climate Strike COVID 19 jane doe 99"),
        ("write to desk@example.org", "write to desk@example.org"),
    ],
)
def test_it_reads_handles_and_hashtags_as_the_words_they_join(text, cleaned):
    assert retrieval.clean_query(text) == cleaned


def test_it_takes_the_posting_date_from_a_tweet_signature():
    body, posted = retrieval.split_signature("It happened in June \u2014 A Person (@a_person) January 6, 2021")
    assert body == "It happened in June"
    assert posted == dt.date(2021, 1, 6)
    assert retrieval.split_signature("No signature, 5-3") == ("No signature, 5-3", None)


def test_it_finds_rare_words_lexically(demo_references):
    found = retrieval.lexical_ids(text="Satoshi Nakamoto", depth=5)
    assert Reference.objects.get(pk=next(iter(found))).external_id == "demo-028"


def test_it_ranks_the_same_claim_first_at_every_stage(demo_references):
    text = "Duma deputies voted 397 to 0 to ratify the North Korea treaty"
    vector = embedding.embed_one(text)
    for mode in retrieval.MODES:
        found = retrieval.search(text=text, vector=vector, top_k=3, mode=mode)
        assert found[0].reference.external_id in ("demo-001", "demo-002"), mode
        assert all(-1 <= c.cosine <= 1 for c in found)
        assert [c.fused for c in found] == sorted((c.fused for c in found), reverse=True)


def test_it_ignores_references_embedded_by_another_model(demo_references, settings):
    settings.EMBEDDING_MODEL_NAME = "some-other-model"
    assert retrieval.dense_ids(vector=[0.1] * 384, depth=5) == {}


def test_it_searches_through_the_vector_indexes_once_the_corpus_is_large(demo_references, settings):
    from django.db import connection, transaction
    from pgvector.django import CosineDistance

    from claims.engine import multilingual

    def plan(column: str) -> tuple[str, str]:
        """The plan of a nearest-neighbour query after nearest_settings, and
        whether sequential scans were still allowed."""
        vector = multilingual.embed_one("The Duma voted", kind="query") if column == "embedding_ml" else [0.1] * 384
        with transaction.atomic(), connection.cursor() as cursor:
            retrieval.nearest_settings(cursor, ef_search=300)
            cursor.execute("SHOW enable_seqscan")
            (seqscan,) = cursor.fetchone()
            nearest = Reference.objects.annotate(distance=CosineDistance(column, vector)).order_by("distance")[:50]
            return nearest.explain(), seqscan

    # A small corpus is left to the planner: reading it whole is as fast, and exact.
    assert plan("embedding_ml")[1] == "on"
    settings.HNSW_INDEX_ONLY_FROM = Reference.objects.count()
    for column, index in (("embedding_ml", "reference_embedding_ml_hnsw"), ("embedding", "reference_embedding_hnsw")):
        explained, seqscan = plan(column)
        assert seqscan == "off"
        assert f"Index Scan using {index}" in explained


def _postings(reference: Reference) -> dict[str, int]:
    return dict(ReferenceTerm.objects.filter(reference=reference).values_list("lexeme", "tf"))


def test_it_keeps_the_postings_in_step_with_text_and_title():
    reference = Reference.objects.create(external_id="r1", text="Troops troops crossed", title="Border")
    assert _postings(reference) == {"troop": 2, "cross": 1, "border": 1}

    reference.title = "River"
    reference.save()
    assert _postings(reference) == {"troop": 2, "cross": 1, "river": 1}

    reference.delete()
    assert not ReferenceTerm.objects.exists()


def test_it_leaves_the_postings_alone_when_only_the_embedding_changes():
    reference = Reference.objects.create(external_id="r1", text="Troops crossed the border")
    before = list(ReferenceTerm.objects.values_list("reference", "lexeme", "tf", "dl", "impact"))
    Reference.objects.filter(pk=reference.pk).update(embedding=[0.1] * 384, embedding_model="m")
    assert list(ReferenceTerm.objects.values_list("reference", "lexeme", "tf", "dl", "impact")) == before


def test_it_reads_only_the_best_postings_of_each_word(settings):
    short = Reference.objects.create(external_id="short", text="Vaccine")
    twice = Reference.objects.create(external_id="twice", text="Vaccine vaccine shots are in short supply")
    Reference.objects.create(external_id="long", text="A vaccine was mentioned once in a long sentence about weather")
    assert set(retrieval.lexical_ids(text="vaccine", depth=10)) == {
        short.pk,
        twice.pk,
        *Reference.objects.filter(external_id="long").values_list("pk", flat=True),
    }

    settings.BM25_POSTINGS_PER_TERM = 2
    assert set(retrieval.lexical_ids(text="vaccine", depth=10)) == {short.pk, twice.pk}


def test_it_finds_nothing_for_a_query_without_words(demo_references):
    assert retrieval.lexical_ids(text="the of and !!", depth=5) == {}


def _twins() -> tuple[Reference, Reference]:
    """Two fact-checks of one claim, a year apart: the text cannot tell them apart."""
    from claims import services

    text, title = "Lawmakers voted to ban lake swimming in winter", "Was winter lake swimming banned?"
    old = Reference.objects.create(external_id="old", text=text, title=title, published=dt.date(2023, 3, 1))
    new = Reference.objects.create(external_id="new", text=text, title=title, published=dt.date(2024, 3, 1))
    Reference.objects.create(external_id="undated", text=text, title=title)
    services.references_embed()
    return old, new


def test_it_lifts_the_fact_check_of_the_claims_news_cycle():
    old, new = _twins()
    text = "Winter swimming in lakes is now banned by lawmakers"
    vector = embedding.embed_one(text)

    def first(claim_date):
        return retrieval.search(text=text, vector=vector, top_k=3, claim_date=claim_date)[0].reference

    assert first(dt.date(2023, 3, 4)) == old
    assert first(dt.date(2024, 2, 20)) == new
    # A fact-check weeks after the claim (an archived article) counts as one weeks before.
    assert first(dt.date(2023, 2, 20)) == old


def test_it_weighs_the_date_by_distance_and_not_at_all_without_one(settings):
    old, new = _twins()
    near, far = retrieval.date_prior([old.pk, new.pk], claim_date=dt.date(2023, 3, 15)).values()
    assert near == pytest.approx(settings.MATCH_DATE_WEIGHT / 2)  # 14 days apart: half the weight
    assert 0 < far < near / 10
    assert retrieval.date_prior([old.pk, new.pk], claim_date=None) == {}
    undated = Reference.objects.get(external_id="undated")
    assert retrieval.date_prior([undated.pk], claim_date=dt.date(2023, 3, 1)) == {}
    settings.MATCH_DATE_WEIGHT = 0.0
    assert retrieval.date_prior([old.pk, new.pk], claim_date=dt.date(2023, 3, 1)) == {}


def test_it_fuses_e5s_list_in_hybrid_e5(demo_references):
    from claims.engine import crosslingual, multilingual

    text = "Duma deputies voted 397 to 0 to ratify the North Korea treaty"
    vector, vector_ml = embedding.embed_one(text), multilingual.embed_one(text, kind="query")
    e5 = {pk: cosine for pk, (cosine, _) in crosslingual.multilingual_ids(vector=vector_ml, depth=10).items()}
    with_e5 = retrieval.candidate_lists(text=text, vector=vector, depth=10, mode="hybrid-e5", e5=e5)
    assert with_e5.e5 == e5 and len(e5) == 10
    assert Reference.objects.get(pk=with_e5.order[0]).external_id in ("demo-001", "demo-002")
    # Without the claim's e5 list it is the hybrid search, weights and all.
    hybrid = retrieval.candidate_lists(text=text, vector=vector, depth=10, mode="hybrid", e5=e5)
    without = retrieval.candidate_lists(text=text, vector=vector, depth=10, mode="hybrid-e5")
    assert hybrid.e5 == {} and without.e5 == {} and without.fused == hybrid.fused
    assert with_e5.fused != hybrid.fused
    e5 = {pk: cosine for pk, (cosine, _) in crosslingual.multilingual_ids(vector=vector_ml, depth=50).items()}
    deep = retrieval.candidate_lists(text=text, vector=vector, depth=50, mode="hybrid-e5", e5=e5)
    found = crosslingual.search(text=text, vector=vector, vector_ml=vector_ml, language="en", top_k=3, mode="hybrid-e5")
    assert [c.reference.pk for c in found] == deep.order[:3]
