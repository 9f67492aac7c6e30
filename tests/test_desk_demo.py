"""The demo source: a feed the project serves from claims/demo/feed.json, which
load_demo watches and a poll brings in without anyone posting it."""

from __future__ import annotations

import io
import json

import feedparser
import pytest
from django.core.management import call_command
from django.test import Client

from claims.models import Article, FeedEntry, Source
from claims.services import sources
from tests.conftest import DEMO

LISTING = json.loads((DEMO / "feed.json").read_text())


@pytest.mark.django_db
def test_it_serves_every_listed_article_in_the_feed_and_answers_304():
    client = Client()
    response = client.get("/demo/feed.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert feed.feed.title == LISTING["title"]
    assert [e.title for e in feed.entries] == [a["title"] for a in LISTING["articles"]]
    assert [e.link for e in feed.entries] == [
        f"http://testserver/demo/articles/{a['slug']}/" for a in LISTING["articles"]
    ]
    again = client.get("/demo/feed.xml", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


@pytest.mark.django_db
def test_it_serves_each_article_page():
    for entry in LISTING["articles"]:
        html = Client().get(f"/demo/articles/{entry['slug']}/").content.decode()
        first = (DEMO / entry["file"]).read_text().strip().split("\n")[0]
        assert f"<h1>{first}</h1>" in html
        assert entry["outlet"] in html and f'content="{entry["published"]}"' in html
    assert Client().get("/demo/articles/no-such-story/").status_code == 404


@pytest.mark.django_db
def test_it_watches_the_demo_feed_once(settings):
    settings.SITE_URL = "http://127.0.0.1:8765"
    for _ in range(2):
        call_command("load_demo", stdout=io.StringIO())
    source = Source.objects.get()
    assert source.url == "http://127.0.0.1:8765/demo/feed.xml" and source.interval == 60 and source.active
    assert not Article.objects.exists(), "its articles come through the feed"


@pytest.mark.django_db(transaction=True)
def test_it_brings_the_demo_articles_in_from_its_own_feed(live_server, settings):
    host = live_server.url.removeprefix("http://")
    source, _ = sources.source_ensure(url=f"{live_server.url}/demo/feed.xml", name="Demo Wire", interval=60)
    # Loopback is refused by default, this server included...
    assert source.claim_poll()
    assert "non-public address" in sources.source_poll(source=source).error
    # ...unless it is named exactly, as `make run` names its own.
    settings.FETCH_ALLOWED_HOSTS = [host]
    Source.objects.filter(pk=source.pk).update(failures=0)
    source.refresh_from_db()
    assert source.claim_poll()
    assert sources.source_poll(source=source).new_entries == len(LISTING["articles"])
    for entry in FeedEntry.objects.order_by("pk"):
        assert entry.claim_fetch()
        sources.entry_fetch(entry=entry)
    # One article per entry of the feed, each in its own language.
    assert Article.objects.count() == len(LISTING["articles"])
    article = Article.objects.get(title=LISTING["articles"][0]["title"])
    assert "Deputies in the State Duma voted 397 to 0" in article.text
    languages = {entry["title"]: entry.get("language", "en") for entry in LISTING["articles"]}
    assert dict(Article.objects.values_list("title", "language")) == languages
    assert article.title == LISTING["articles"][0]["title"] and str(article.published) == "2024-10-24"
    assert article.appearances.get().publisher == "Demo Wire"
    assert source.claim_poll()
    assert sources.source_poll(source=source).status == 304
