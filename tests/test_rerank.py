from __future__ import annotations

import lightgbm
import numpy as np
import pytest
from django.db import connection

from claims import extraction, services
from claims.engine import embedding, evaluation, rerank, retrieval

pytestmark = pytest.mark.django_db

DUMA = "Duma deputies voted 397 to 0 to ratify the North Korea treaty"


def _postgres_lexemes(text: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english', %s))", [text])
        return {lexeme for (lexeme,) in cursor.fetchall()}


@pytest.mark.parametrize(
    "text",
    [
        "Troops were crossing the borders while lawmakers ratified treaties",
        "The governor's agencies are investigating fraudulent ballots in Georgia",
        "A viral video shows a 10-meter-long anaconda swimming across a river",
    ],
)
def test_it_stems_the_fields_as_postgresql_stems_the_query(text):
    # The query's lexemes come from PostgreSQL, the candidates' from PyStemmer:
    # they must be the same words for the overlap features to mean anything.
    assert set(rerank.lexemes(text)) == _postgres_lexemes(text) - {"10-meter-long", "meter-long"}


def test_it_ships_a_small_model_trained_on_the_current_features(settings):
    assert settings.MATCH_RERANK_MODEL.stat().st_size < 500_000
    booster = rerank.model(settings.MATCH_RERANK_MODEL)
    assert tuple(booster.feature_name()) == rerank.FEATURES


def test_it_refuses_a_model_trained_on_other_features(tmp_path):
    rng = np.random.default_rng(0)
    data = lightgbm.Dataset(rng.random((40, 3)), rng.integers(0, 2, 40), feature_name=["a", "b", "c"], group=[20, 20])
    path = tmp_path / "other.txt"
    lightgbm.train({"objective": "lambdarank", "verbose": -1}, data, num_boost_round=2).save_model(str(path))
    with pytest.raises(ValueError, match="other features"):
        rerank.model(path)


def test_it_sees_a_name_that_only_the_subtitle_holds():
    query = rerank.Query.of(text="Blaire White wore a hat", body="Blaire White wore a hat", terms={"hat": 2.0})
    rows = [
        rerank.Row(pk=1, cosine=0.5, text="A woman was attacked for a hat.", title="Attacked?", subtitle=""),
        rerank.Row(
            pk=2, cosine=0.5, text="A woman was attacked for a hat.", title="Attacked?", subtitle="Blaire White"
        ),
    ]
    matrix = rerank.features(
        query=query, rows=rows, dense={1: 0.5, 2: 0.5}, lexical={1: 1.0, 2: 1.0}, fused={1: 0.0, 2: 0.0}, depth=50
    )
    column = rerank.FEATURES.index("names_in_subtitle")
    assert matrix[:, column].tolist() == [0.0, 2.0]
    assert matrix.shape == (2, len(rerank.FEATURES))


def test_it_reranks_in_rerank_mode_only(demo_references, settings):
    vector = embedding.embed_one(DUMA)
    fusion = retrieval.search(text=DUMA, vector=vector, top_k=5, mode="hybrid")
    hybrid = retrieval.search(text=DUMA, vector=vector, top_k=5, mode="rerank")
    assert hybrid[0].reference.external_id in ("demo-001", "demo-002")
    # The ranker's scores are not the fused z-scores, and the cosines shown are the same.
    assert [c.fused for c in hybrid] != [c.fused for c in fusion]
    by_id = {c.reference.pk: c.cosine for c in fusion}
    assert all(abs(c.cosine - by_id[c.reference.pk]) < 1e-6 for c in hybrid if c.reference.pk in by_id)

    settings.MATCH_RERANK_MODEL = settings.MATCH_RERANK_MODEL.with_name("missing.txt")
    off = retrieval.search(text=DUMA, vector=vector, top_k=5, mode="rerank")
    assert [(c.reference.pk, c.fused) for c in off] == [(c.reference.pk, c.fused) for c in fusion]


def test_it_lets_a_candidate_whose_numbers_differ_fall(demo_references, settings):
    vector = embedding.embed_one(DUMA)
    slots = services.slots_of(DUMA, extraction.extract(DUMA, published=None))
    assert slots["tallies"], "the extractor must find the 397-0 tally"

    plain = {
        c.reference.external_id: c.fused for c in retrieval.search(text=DUMA, vector=vector, top_k=30, mode="rerank")
    }
    checked = {
        c.reference.external_id: c.fused
        for c in retrieval.search(text=DUMA, vector=vector, top_k=30, mode="rerank", query_slots=lambda: slots)
    }
    # demo-002 says 400 to 0: it loses the penalty, demo-001 (397 to 0) keeps its score.
    assert checked["demo-002"] == pytest.approx(plain["demo-002"] - settings.MATCH_RERANK_DIFFERS_PENALTY)
    assert checked["demo-001"] == pytest.approx(plain["demo-001"])

    settings.MATCH_RERANK_DIFFERS_PENALTY = 100.0
    found = retrieval.search(text=DUMA, vector=vector, top_k=30, mode="rerank", query_slots=slots)
    differs = [
        services.numbers_compare(claim_slots=slots, reference_slots=c.reference.slots)[1] == "differs" for c in found
    ]
    assert found[0].reference.external_id == "demo-001"
    assert any(differs)
    # Every candidate whose numbers differ now ranks below every one whose numbers do not.
    assert differs == sorted(differs)


def test_it_keeps_queries_about_one_fact_check_in_one_fold():
    relevant = [{"a"}, {"a"}, {"b"}, {"b", "c"}, {"c"}, {"d"}, {"e"}, {"f"}]
    for seed in range(5):
        fold = evaluation.grouped_folds(relevant, folds=3, seed=seed)
        assert fold[0] == fold[1]
        assert fold[2] == fold[3] == fold[4]  # b and c are joined by the query about both
        assert set(fold) <= {0, 1, 2}
