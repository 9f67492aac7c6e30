"""Submitting an article from the desk: pasted, uploaded, or by address."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import Appearance, Article

pytestmark = pytest.mark.django_db

TEXT = "The harbour authority said 1,200 ships called at the port in 2023, up from 950 in 2022."


@pytest.fixture
def desk(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def test_it_submits_pasted_text_and_lands_on_the_article(desk, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = desk.post("/submit/", {"text": TEXT, "title": "Port traffic", "published": "2024-03-01"})
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/articles/{article.pk}/"
    assert (article.title, str(article.published), article.submitted_by) == ("Port traffic", "2024-03-01", reviewer)
    assert len(queued) == 1, "its extraction is queued"
    page = desk.get(response["Location"])
    assert "Processing" in page.content.decode() and "Submitted: its claims" in page.content.decode()


def test_it_reads_an_uploaded_html_file(desk):
    html = f"<html><head><title>x</title></head><body><nav>Menu</nav><article><p>{TEXT}</p></article></body></html>"
    upload = SimpleUploadedFile("port.html", html.encode(), content_type="text/html")
    assert desk.post("/submit/", {"file": upload}).status_code == 302
    assert Article.objects.get().text.strip() == TEXT


def test_it_refuses_a_file_of_another_kind(desk):
    upload = SimpleUploadedFile("port.pdf", b"%PDF-1.7", content_type="application/pdf")
    response = desk.post("/submit/", {"file": upload})
    assert response.status_code == 422 and "Upload a .txt or .html file." in response.content.decode()


def test_it_asks_for_something_to_submit(desk):
    response = desk.post("/submit/", {"text": "   "})
    assert response.status_code == 422
    assert "Paste the article, upload a file, or give its address." in response.content.decode()
    assert not Article.objects.exists()


def test_it_fetches_an_address_and_keeps_it_as_an_appearance(desk, httpserver, loopback_is_public):
    httpserver.expect_request("/port").respond_with_data(
        f"<html><body><article><p>{TEXT}</p></article></body></html>", content_type="text/html"
    )
    url = httpserver.url_for("/port")
    assert desk.post("/submit/", {"url": url}).status_code == 302
    article = Article.objects.get()
    assert TEXT in article.text and article.url == url
    assert Appearance.objects.get().url == url and Appearance.objects.get().source is None


def test_it_shows_why_an_address_is_refused(desk, httpserver):
    response = desk.post("/submit/", {"url": httpserver.url_for("/internal")})
    assert response.status_code == 422 and "non-public address" in response.content.decode()


def test_it_returns_an_article_already_submitted(desk):
    desk.post("/submit/", {"text": TEXT})
    again = desk.post("/submit/", {"text": TEXT + "\n"}, follow=True)
    assert Article.objects.count() == 1 and "already submitted" in again.content.decode()


def test_it_asks_for_a_role(outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get("/submit/").status_code == 403
