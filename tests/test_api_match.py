from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_ranks_the_same_claim_first_with_a_score(reviewer_api, demo_references):
    response = reviewer_api.post(
        "/api/match", {"text": "The Duma voted 397-0 to ratify the treaty with North Korea", "top_k": 3}, format="json"
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == 3
    assert [r["rank"] for r in results] == [1, 2, 3]
    assert results[0]["reference"]["external_id"] == "demo-001"
    assert results[0]["score"] >= results[1]["score"] >= results[2]["score"]
    assert results[0]["tier"] in ("likely", "possible")


def test_it_flags_a_reference_whose_numbers_differ(reviewer_api, demo_references):
    response = reviewer_api.post(
        "/api/match",
        {"text": "Russian lawmakers voted 397 to 0 to approve the defence treaty", "top_k": 5},
        format="json",
    )
    by_id = {r["reference"]["external_id"]: r for r in response.json()["results"]}
    assert by_id["demo-002"]["numbers"] == "differs"
    assert by_id["demo-002"]["tier"] != "likely"
    assert by_id["demo-001"]["numbers"] == "agrees"


def test_it_rejects_an_empty_text(reviewer_api):
    response = reviewer_api.post("/api/match", {"text": ""}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]


def test_it_rejects_a_top_k_out_of_range(reviewer_api):
    response = reviewer_api.post("/api/match", {"text": "x", "top_k": 500}, format="json")
    assert response.status_code == 400
    assert "top_k" in response.json()["error"]["fields"]


def test_it_matches_a_batch_with_one_embedding_call(reviewer_api, demo_references, monkeypatch):
    from claims.engine import embedding

    calls = []
    real = embedding.embed

    def counting(texts, **kwargs):
        calls.append(list(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(embedding, "embed", counting)
    texts = [
        "The Duma voted 397-0 to ratify the treaty with North Korea",
        "Russian lawmakers voted 397 to 0 to approve the defence treaty",
        "Something nobody has ever checked about penguins",
    ]
    response = reviewer_api.post("/api/match/batch", {"texts": texts, "top_k": 2}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [item["index"] for item in results] == [0, 1, 2]
    assert all(len(item["results"]) == 2 for item in results)
    assert results[0]["results"][0]["reference"]["external_id"] == "demo-001"
    assert calls == [texts]
    # The same answers as one at a time (scores up to batch padding effects).
    single = reviewer_api.post("/api/match", {"text": texts[1], "top_k": 2}, format="json").json()["results"]
    batched = results[1]["results"]
    assert [r["reference"]["id"] for r in batched] == [r["reference"]["id"] for r in single]
    assert [r["numbers"] for r in batched] == [r["numbers"] for r in single]
    assert [r["score"] for r in batched] == pytest.approx([r["score"] for r in single], abs=0.02)


def test_it_refuses_a_batch_over_the_limit(reviewer_api, settings):
    response = reviewer_api.post("/api/match/batch", {"texts": ["x"] * 101}, format="json")
    assert response.status_code == 400
    assert "texts" in response.json()["error"]["fields"]


@pytest.mark.parametrize("texts", [[], [""], ["ok", "   "], "not a list"])
def test_it_refuses_a_batch_with_nothing_to_match(reviewer_api, texts):
    response = reviewer_api.post("/api/match/batch", {"texts": texts}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.parametrize("path", ["/api/match", "/api/match/batch"])
def test_it_lets_no_outsider_match(outsider_api, path):
    response = outsider_api.post(path, {"text": "x", "texts": ["x"]}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_it_prefers_the_fact_check_of_the_claims_own_week(reviewer_api, demo_references):
    from claims import services
    from claims.models import Reference

    # demo-001's claim checked again a year later, word for word.
    first = Reference.objects.get(external_id="demo-001")
    Reference.objects.create(external_id="demo-001-again", text=first.text, title=first.title, published="2025-10-25")
    services.references_embed()

    def top(**extra) -> str:
        body = {"text": "The Duma voted 397-0 to ratify the treaty with North Korea", "top_k": 2, **extra}
        response = reviewer_api.post("/api/match", body, format="json")
        assert response.status_code == 200, response.content
        return response.json()["results"][0]["reference"]["external_id"]

    assert top(published="2024-10-24") == "demo-001"
    assert top(published="2025-10-30") == "demo-001-again"
    # A tweet's signature dates it when the request does not.
    assert top(text="The Duma voted 397-0 to ratify the treaty \u2014 A Person (@a_person) October 28, 2025") == (
        "demo-001-again"
    )
