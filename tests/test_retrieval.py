from __future__ import annotations

import datetime as dt

import pytest

from claims import embedding, retrieval
from claims.models import Reference

pytestmark = pytest.mark.django_db


def test_it_strips_links_handles_and_hash_signs():
    text = "Wow #Duma voted 397-0 @someone https://t.co/abc pic.twitter.com/xyz"
    assert retrieval.clean_query(text) == "Wow Duma voted 397-0"


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
