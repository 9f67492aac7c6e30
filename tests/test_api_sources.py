"""/api/sources: reviewers read, editors add, change, pause, delete and poll now."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims.models import FeedEntry, Source
from tests.test_sources import STORY, poll, rss, serve_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(httpserver, loopback_is_public) -> str:
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("a", httpserver.url_for("/a"), "Bridge"), ("b", httpserver.url_for("/b"), "Gone")),
        content_type="application/rss+xml",
    )
    serve_page(httpserver, "/a", f"<html><body><article><p>{STORY}</p></article></body></html>")
    httpserver.expect_request("/b").respond_with_data("gone", status=404)
    return httpserver.url_for("/feed.xml")


def test_it_lets_an_editor_watch_a_feed_and_queues_its_first_poll(editor_api, feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = editor_api.post("/api/sources", {"url": feed, "name": "Harbour Times"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/sources/{body['id']}"
    assert body["name"] == "Harbour Times" and body["kind"] == "auto" and body["active"] is True
    assert body["interval"] == 900 and body["articles_added"] == 0 and body["failed"] == []
    assert len(queued) == 1, "the first poll is queued once the source is stored"


def test_it_shows_the_outcome_of_a_poll_with_the_failed_entries(editor_api, reviewer_api, feed):
    from claims.services import sources

    source = sources.source_create(fields={"url": feed})
    poll(source)
    for entry in source.entries.order_by("pk"):
        entry.claim_fetch()
        sources.entry_fetch(entry=entry)

    body = reviewer_api.get(f"/api/sources/{source.pk}").json()
    assert body["last_status"] == 200 and body["last_error"] == "" and body["failures"] == 0
    assert body["name"] == "Harbour Times" and body["articles_added"] == 1 and body["entries_failed"] == 1
    [failed] = body["failed"]
    assert failed["error"] == "The page answered HTTP 404." and failed["retrying"] is True
    assert failed["attempts"] == 1 and failed["url"].endswith("/b")
    listed = reviewer_api.get("/api/sources").json()
    assert [s["id"] for s in listed["results"]] == [source.pk] and listed["next"] is None


def test_it_refuses_a_private_address_unless_the_test_server_stands_for_a_public_one(editor_api, httpserver):
    response = editor_api.post("/api/sources", {"url": httpserver.url_for("/feed.xml")}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert not Source.objects.exists()


def test_it_refuses_a_second_source_at_the_same_address(editor_api, feed):
    assert editor_api.post("/api/sources", {"url": feed}, format="json").status_code == 201
    again = editor_api.post("/api/sources", {"url": feed}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_it_validates_the_interval_and_kind(editor_api, feed):
    response = editor_api.post("/api/sources", {"url": feed, "interval": 5, "kind": "podcast"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"interval", "kind"}


def test_it_pauses_resumes_and_polls_now(editor_api, feed, django_capture_on_commit_callbacks):
    source = Source.objects.create(url=feed, next_poll=timezone.now() + timezone.timedelta(days=1))
    paused = editor_api.patch(f"/api/sources/{source.pk}", {"active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["active"] is False
    refused = editor_api.post(f"/api/sources/{source.pk}/poll")
    assert refused.status_code == 409

    with django_capture_on_commit_callbacks() as queued:
        resumed = editor_api.patch(f"/api/sources/{source.pk}", {"active": True, "interval": 120}, format="json")
    assert resumed.status_code == 200 and resumed.json()["interval"] == 120
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        polled = editor_api.post(f"/api/sources/{source.pk}/poll")
    assert polled.status_code == 202 and len(queued) == 1
    source.refresh_from_db()
    assert source.next_poll <= timezone.now()


def test_it_runs_the_poll_it_queues(editor_api, feed, django_capture_on_commit_callbacks):
    """The queued task is the real one: run it here and the entries are there."""
    from factcheck.celery import app as celery_app

    source = Source.objects.create(url=feed)
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks() as queued:
            editor_api.post(f"/api/sources/{source.pk}/poll")
        queued[0]()  # the poll; the entry fetches it queues stay queued
    finally:
        celery_app.conf.task_always_eager = False
    assert source.entries.filter(status=FeedEntry.Status.PENDING).count() == 2


def test_it_lets_reviewers_read_but_not_write(reviewer_api, outsider_api, feed):
    source = Source.objects.create(url=feed)
    assert reviewer_api.get("/api/sources").status_code == 200
    assert reviewer_api.get(f"/api/sources/{source.pk}").status_code == 200
    for response in (
        reviewer_api.post("/api/sources", {"url": feed + "?2"}, format="json"),
        reviewer_api.patch(f"/api/sources/{source.pk}", {"active": False}, format="json"),
        reviewer_api.delete(f"/api/sources/{source.pk}"),
        reviewer_api.post(f"/api/sources/{source.pk}/poll"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert outsider_api.get("/api/sources").status_code == 403


def test_it_deletes_a_source_and_keeps_its_articles(editor_api, feed):
    from claims.models import Appearance, Article

    source = Source.objects.create(url=feed)
    article = Article.objects.create(text=STORY, content_hash="x")
    Appearance.objects.create(article=article, url="https://example.org/x", host="example.org", source=source)
    assert editor_api.delete(f"/api/sources/{source.pk}").status_code == 204
    assert not Source.objects.exists() and Article.objects.count() == 1
    assert Appearance.objects.get().source is None
    assert editor_api.get(f"/api/sources/{source.pk}").status_code == 404
