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
