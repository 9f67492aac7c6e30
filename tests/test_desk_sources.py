"""The sources page: reviewers read it, editors add, pause, resume, poll and retry."""

from __future__ import annotations

import pytest
from django.test import Client

from claims.models import FeedEntry, Source
from tests.test_sources import STORY, fetch_pending, poll, rss, serve_page

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def polled(httpserver, loopback_is_public) -> Source:
    """A source polled once: one entry read, one whose page is missing."""
    from claims.services import sources

    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("a", httpserver.url_for("/a"), "Bridge"), ("b", httpserver.url_for("/gone"), "Missing page")),
        content_type="application/rss+xml",
    )
    serve_page(httpserver, "/a", f"<html><body><article><p>{STORY}</p></article></body></html>")
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    source = sources.source_create(fields={"url": httpserver.url_for("/feed.xml"), "name": "Harbour Times"})
    poll(source)
    fetch_pending(source)
    return source


def test_it_lists_sources_with_their_last_poll_articles_and_errors(reviewer, polled):
    page = client_for(reviewer).get("/sources/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Harbour Times" in html and "HTTP 200" in html
    row = html[html.index(f'id="source-{polled.pk}"') :]
    assert '<td class="num">1</td>' in row, "one article added"
    assert "Watch a source" not in html and "Poll now" not in html, "reviewers only read"

    detail = client_for(reviewer).get(f"/sources/{polled.pk}/").content.decode()
    assert "The page answered HTTP 404." in detail and "Missing page" in detail
    assert "Retry" not in detail


def test_it_lets_an_editor_watch_a_source(editor, httpserver, loopback_is_public, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(editor).post(
            "/sources/add/", {"url": httpserver.url_for("/feed.xml"), "name": "", "kind": "auto", "interval": 300}
        )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.interval == 300 and source.created_by == editor and len(queued) == 1


def test_it_shows_why_a_source_is_refused(editor, httpserver):
    response = client_for(editor).post(
        "/sources/add/", {"url": httpserver.url_for("/feed.xml"), "kind": "auto", "interval": 300}
    )
    assert response.status_code == 422
    assert "non-public address" in response.content.decode()
    assert not Source.objects.exists()


def test_it_pauses_and_resumes_a_source_in_place(editor, polled, django_capture_on_commit_callbacks):
    desk = client_for(editor)
    paused = desk.post(f"/sources/{polled.pk}/pause/", **HX)
    assert paused.status_code == 200
    html = paused.content.decode()
    assert html.lstrip().startswith(f'<tr id="source-{polled.pk}"') and "Resume" in html and "paused" in html
    assert not Source.objects.get().active

    with django_capture_on_commit_callbacks() as queued:
        resumed = desk.post(f"/sources/{polled.pk}/resume/", **HX)
    assert "Poll now" in resumed.content.decode() and Source.objects.get().active and len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        desk.post(f"/sources/{polled.pk}/poll/", **HX)
    assert len(queued) == 1


def test_it_lets_an_editor_retry_a_failed_entry(editor, reviewer, polled, django_capture_on_commit_callbacks):
    failed = FeedEntry.objects.get(status=FeedEntry.Status.FAILED)
    assert client_for(reviewer).post(f"/entries/{failed.pk}/retry/").status_code == 403
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(editor).post(f"/entries/{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == FeedEntry.Status.PENDING and failed.attempts == 0 and len(queued) == 1


def test_it_keeps_source_actions_from_reviewers(reviewer, polled):
    desk = client_for(reviewer)
    for path in (f"/sources/{polled.pk}/pause/", f"/sources/{polled.pk}/delete/", "/sources/add/"):
        assert desk.post(path).status_code == 403
    assert Source.objects.get().active
