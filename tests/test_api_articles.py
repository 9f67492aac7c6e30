from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from claims.models import Article

pytestmark = pytest.mark.django_db


def test_it_accepts_an_article_and_points_at_its_status(reviewer_api):
    response = reviewer_api.post(
        "/api/articles", {"text": "Parliament voted 397 to 0.", "published": "2024-10-24"}, format="json"
    )
    assert response.status_code == 202
    article = Article.objects.get()
    assert response.headers["Location"] == f"/api/articles/{article.pk}"
    assert response.json() == {"id": article.pk, "status": "pending"}
    assert article.published.isoformat() == "2024-10-24"


def test_it_returns_the_stored_article_for_identical_content(reviewer_api):
    first = reviewer_api.post("/api/articles", {"text": "Turnout was 61 per cent."}, format="json")
    again = reviewer_api.post("/api/articles", {"text": "Turnout  was 61 per cent. "}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Article.objects.count() == 1


def test_it_honours_an_idempotency_key(reviewer_api):
    first = reviewer_api.post("/api/articles", {"text": "One."}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = reviewer_api.post("/api/articles", {"text": "Two."}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["id"] == first.json()["id"]
    assert Article.objects.count() == 1


def test_it_shows_an_article_with_its_claims(reviewer_api):
    article = Article.objects.create(text="x", content_hash="h", title="T")
    response = reviewer_api.get(f"/api/articles/{article.pk}")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert response.json()["claims"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({}, "text"),
        ({"text": "ok", "published": "24/10/2024"}, "published"),
    ],
)
def test_it_rejects_bad_articles_with_the_field_named(reviewer_api, payload, field):
    response = reviewer_api.post("/api/articles", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Article.objects.count() == 0


def test_it_rejects_malformed_json(reviewer_api):
    response = reviewer_api.post("/api/articles", b'{"text": "unterminated', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert "JSON" in response.json()["error"]["message"]


def test_it_rejects_an_article_over_the_size_limit(reviewer_api, settings):
    response = reviewer_api.post("/api/articles", {"text": "a" * (settings.ARTICLE_MAX_CHARS + 1)}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]


def test_it_answers_404_in_json_for_an_unknown_article(reviewer_api):
    response = reviewer_api.get("/api/articles/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_requires_a_token():
    response = APIClient().post("/api/articles", {"text": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
