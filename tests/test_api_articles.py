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


# --- Listing --------------------------------------------------------------------------


def _article(n: int, **fields) -> Article:
    return Article.objects.create(text=f"Article {n}.", content_hash=f"hash-{n}", title=f"T{n}", **fields)


def test_it_lists_articles_newest_first_a_page_at_a_time(reviewer_api):
    made = [_article(n) for n in range(5)]
    first = reviewer_api.get("/api/articles", {"page_size": 2}).json()
    assert [a["id"] for a in first["results"]] == [made[4].pk, made[3].pk]
    assert first["previous"] is None
    second = reviewer_api.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == [made[2].pk, made[1].pk]
    third = reviewer_api.get(second["next"]).json()
    assert [a["id"] for a in third["results"]] == [made[0].pk]
    assert third["next"] is None


def test_it_filters_articles_by_status(reviewer_api):
    _article(1)
    done = _article(2, status=Article.Status.DONE)
    response = reviewer_api.get("/api/articles", {"status": "done"})
    assert [a["id"] for a in response.json()["results"]] == [done.pk]
    assert response.json()["results"][0]["claim_count"] == 0
    assert reviewer_api.get("/api/articles", {"status": "nonsense"}).status_code == 400


def test_it_answers_404_for_a_cursor_it_did_not_make(reviewer_api):
    response = reviewer_api.get("/api/articles", {"cursor": "garbage"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/api/articles"), ("get", "/api/articles/1"), ("post", "/api/articles")]
)
def test_it_lets_no_outsider_or_anonymous_caller_near_articles(outsider_api, method, path):
    assert getattr(outsider_api, method)(path, {"text": "x"}, format="json").status_code == 403
    response = getattr(APIClient(), method)(path, {"text": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_lets_an_editor_submit_too(editor_api):
    assert editor_api.post("/api/articles", {"text": "Turnout was 61 per cent."}, format="json").status_code == 202


def test_it_refuses_an_overlong_idempotency_key(reviewer_api):
    response = reviewer_api.post("/api/articles", {"text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


# --- HTML and URLs ------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>Duma vote</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World news menu</a></nav>
<article><h1>Russian lawmakers back defence pact</h1>
<p>The State Duma voted 397 to 0 on Thursday to ratify a mutual defence treaty with North Korea,
the parliament said in a statement published on its website.</p>
<p>The treaty obliges both countries to provide military assistance to each other without delay
in the event of an armed attack on either of them, according to the text released by the Kremlin.</p>
<p>Analysts said the vote was a formality after President Vladimir Putin signed the agreement during a
visit to Pyongyang in June, the first such trip in twenty-four years.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved. Cookie settings.</footer>
</body></html>"""


@pytest.mark.parametrize("fmt", ["auto", "html"])
def test_it_keeps_the_main_text_of_html(reviewer_api, fmt):
    response = reviewer_api.post("/api/articles", {"text": PAGE, "format": fmt}, format="json")
    assert response.status_code == 202, response.content
    article = Article.objects.get()
    assert "voted 397 to 0" in article.text
    assert "<p>" not in article.text
    assert "Cookie settings" not in article.text


def test_it_keeps_html_looking_text_as_is_when_told_it_is_text(reviewer_api):
    response = reviewer_api.post("/api/articles", {"text": PAGE, "format": "text"}, format="json")
    assert response.status_code == 202
    assert "<article>" in Article.objects.get().text


def test_it_answers_422_for_html_with_no_article_in_it(reviewer_api):
    response = reviewer_api.post(
        "/api/articles", {"text": "<html><body></body></html>", "format": "html"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_article_text"
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/internal",
        "http://[::1]/",
        "ftp://example.org/article.txt",
    ],
)
def test_it_refuses_to_fetch_non_public_urls(reviewer_api, url):
    response = reviewer_api.post("/api/articles", {"url": url}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert "url" in response.json()["error"]["fields"]
    assert Article.objects.count() == 0


def test_it_fetches_an_article_by_url(reviewer_api, httpserver, loopback_is_public):
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/story")
    response = reviewer_api.post("/api/articles", {"url": url, "title": "Duma"}, format="json")
    assert response.status_code == 202, response.content
    article = Article.objects.get()
    assert "voted 397 to 0" in article.text
    assert article.url == url


def test_it_does_not_fetch_again_for_a_repeated_idempotency_key(reviewer_api, httpserver, loopback_is_public):
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    payload = {"url": httpserver.url_for("/story")}
    first = reviewer_api.post("/api/articles", payload, format="json", HTTP_IDEMPOTENCY_KEY="story-1")
    again = reviewer_api.post("/api/articles", payload, format="json", HTTP_IDEMPOTENCY_KEY="story-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(httpserver.log) == 1


def test_it_answers_422_when_the_page_cannot_be_used(reviewer_api, httpserver, loopback_is_public):
    httpserver.expect_request("/missing").respond_with_data("no", status=404, content_type="text/plain")
    response = reviewer_api.post("/api/articles", {"url": httpserver.url_for("/missing")}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "fetch_failed"
