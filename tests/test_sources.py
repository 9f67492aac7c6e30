"""Sources: polling feeds and sitemaps served by a local server (pytest-httpserver),
with conditional GET, deduplication, backoff and the address guard."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

import pytest
from django.utils import timezone
from werkzeug import Response

from claims import tasks
from claims.models import Appearance, Article, FeedEntry, Source
from claims.services import InvalidInput, fetch, sources

pytestmark = pytest.mark.django_db

STORY = (
    "The regional council voted 31 to 9 on Tuesday to close the old harbour bridge to lorries. "
    "Engineers found that 14 of its 40 steel cables had corroded since the last inspection in 2019. "
    "Repairs are expected to cost 12 million euros and to take about two years."
)
OTHER = (
    "Ticket sales at the city museum rose 18% in the first half of the year. "
    "The museum said 210,000 people visited between January and June, its best spring since 2008."
)
THIRD = "The ferry company added 6 crossings a day after passenger numbers doubled to 4,000 a week."


def rss(*items: tuple[str, str, str], title: str = "Harbour Times") -> str:
    """An RSS 2.0 feed of (guid, link, title) items."""
    body = "".join(
        f"<item><guid>{escape(guid)}</guid><link>{escape(link)}</link><title>{escape(name)}</title>"
        "<pubDate>Tue, 15 Oct 2024 08:00:00 GMT</pubDate></item>"
        for guid, link, name in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def page(text: str, *, title: str = "Harbour bridge closes", canonical: str = "", chrome: str = "") -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split(". "))
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<html><head><title>{title}</title>{link}<meta name='date' content='2024-10-15'></head>"
        f"<body><nav>{chrome} Home News Sport</nav><article><h1>{title}</h1>{paragraphs}</article>"
        f"<footer>{chrome} All rights reserved</footer></body></html>"
    )


def serve_page(httpserver, path: str, html: str) -> None:
    httpserver.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")


def requests_to(httpserver, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


def poll(source: Source) -> sources.PollResult:
    """What the source_poll task does, in this process."""
    assert source.claim_poll()
    return sources.source_poll(source=source)


def fetch_pending(source: Source) -> list[FeedEntry]:
    """What the feed_entry_fetch tasks do, in this process (their articles' own
    processing is queued on commit, which these tests never reach)."""
    done = []
    for entry in source.entries.filter(status=FeedEntry.Status.PENDING).order_by("pk"):
        assert entry.claim_fetch()
        done.append(sources.entry_fetch(entry=entry))
    return done


def watch(url: str, **fields) -> Source:
    return sources.source_create(fields={"url": url, **fields})


def test_it_picks_up_entries_that_change_between_polls(httpserver, loopback_is_public):
    feed = httpserver.url_for("/feed.xml")
    first = rss(("a", httpserver.url_for("/a"), "Bridge"), ("b", httpserver.url_for("/b"), "Museum"))
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(first, content_type="application/rss+xml")
    second = rss(("b", httpserver.url_for("/b"), "Museum"), ("c", httpserver.url_for("/c"), "Ferry"))
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(second, content_type="application/rss+xml")
    for path, text in (("/a", STORY), ("/b", OTHER), ("/c", THIRD)):
        serve_page(httpserver, path, page(text))
    source = watch(feed, name="Harbour Times")

    assert poll(source).new_entries == 2
    fetch_pending(source)
    assert poll(source).new_entries == 1
    [ferry] = fetch_pending(source)

    assert ferry.status == FeedEntry.Status.DONE and ferry.added
    assert "6 crossings a day" in ferry.article.text
    assert Article.objects.count() == 3
    assert source.entries.count() == 3
    assert [requests_to(httpserver, p) for p in ("/a", "/b", "/c")] == [1, 1, 1]
    source.refresh_from_db()
    assert source.publisher == "Harbour Times" and source.failures == 0 and source.last_status == 200


def test_it_sends_no_second_fetch_when_the_feed_answers_304(httpserver, loopback_is_public):
    body = rss(("a", httpserver.url_for("/a"), "Bridge"))
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 15 Oct 2024 08:00:00 GMT"}

    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers=validators)
        return Response(body, content_type="application/rss+xml", headers=validators)

    httpserver.expect_request("/feed.xml").respond_with_handler(conditional)
    serve_page(httpserver, "/a", page(STORY))
    source = watch(httpserver.url_for("/feed.xml"))
    poll(source)
    fetch_pending(source)
    before = len(httpserver.log)
    rows = (Article.objects.count(), FeedEntry.objects.count(), Appearance.objects.count())

    result = poll(source)

    assert result.status == 304 and result.unchanged and result.new_entries == 0
    assert len(httpserver.log) == before + 1, "only the feed was asked for"
    request, response = httpserver.log[-1]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Tue, 15 Oct 2024 08:00:00 GMT"
    assert response.status_code == 304
    assert (Article.objects.count(), FeedEntry.objects.count(), Appearance.objects.count()) == rows
    assert not source.entries.filter(status=FeedEntry.Status.PENDING).exists()
    source.refresh_from_db()
    assert source.last_status == 304 and source.next_poll > timezone.now()


def test_it_does_not_parse_an_unchanged_feed_again_without_validators(httpserver, loopback_is_public):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("a", httpserver.url_for("/a"), "Bridge")), content_type="application/rss+xml"
    )
    serve_page(httpserver, "/a", page(STORY))
    source = watch(httpserver.url_for("/feed.xml"))
    poll(source)
    fetch_pending(source)

    assert poll(source).unchanged
    assert requests_to(httpserver, "/a") == 1 and FeedEntry.objects.count() == 1


def test_it_backs_off_an_entry_whose_page_is_broken_and_lists_it(httpserver, loopback_is_public, settings):
    settings.SOURCE_ENTRY_MAX_ATTEMPTS = 3
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("a", httpserver.url_for("/broken"), "Bridge")), content_type="application/rss+xml"
    )
    httpserver.expect_oneshot_request("/broken").respond_with_data("oops", status=500, content_type="text/html")
    httpserver.expect_oneshot_request("/broken").respond_with_data(
        "<html><body><script>render()</script></body></html>", content_type="text/html"
    )
    httpserver.expect_oneshot_request("/broken").respond_with_data("oops", status=503, content_type="text/html")
    source = watch(httpserver.url_for("/feed.xml"))
    poll(source)
    entry = source.entries.get()

    delays, errors = [], []
    for attempt in range(3):
        if attempt:
            # Its retry time comes: the tick hands it back to a worker.
            FeedEntry.objects.filter(pk=entry.pk).update(next_attempt=timezone.now())
            assert sources.sources_tick()[1] == 1
        [entry] = fetch_pending(source)
        errors.append(entry.error)
        if entry.next_attempt:
            delays.append(round((entry.next_attempt - timezone.now()).total_seconds()))

    assert errors == [
        "The page answered HTTP 500.",
        "No article text was found on the page.",
        "The page answered HTTP 503.",
    ]
    assert delays[0] < delays[1] and 55 <= delays[0] <= 60 and 115 <= delays[1] <= 120
    assert entry.status == FeedEntry.Status.FAILED and entry.attempts == 3 and entry.next_attempt is None
    assert list(FeedEntry.objects.gave_up()) == [entry]
    assert sources.sources_tick() == (0, 0), "given up: only an editor retries it"
    assert sources.sources_with_counts().get().entries_failed == 1

    httpserver.expect_request("/broken").respond_with_data(page(STORY), content_type="text/html")
    sources.entry_retry(entry=entry)
    [entry] = fetch_pending(source)
    assert entry.status == FeedEntry.Status.DONE and entry.attempts == 0 and entry.article is not None


def test_it_backs_off_a_source_that_keeps_answering_500_without_holding_up_the_others(
    httpserver, loopback_is_public, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/down.xml").respond_with_data("busy", status=500)
    httpserver.expect_request("/up.xml").respond_with_data(
        rss(("a", httpserver.url_for("/a"), "Bridge")), content_type="application/rss+xml"
    )
    down = watch(httpserver.url_for("/down.xml"), name="Down")
    up = watch(httpserver.url_for("/up.xml"), name="Up")

    delays = []
    for _ in range(3):
        Source.objects.update(next_poll=timezone.now())
        with django_capture_on_commit_callbacks() as queued:
            assert sources.sources_tick() == (2, 0)
        assert len(queued) == 2
        # The tasks the tick queued, in the order it queued them.
        tasks.source_poll(down.pk)
        tasks.source_poll(up.pk)
        down.refresh_from_db()
        delays.append(round((down.next_poll - down.last_polled).total_seconds()))

    assert delays == [60, 120, 240]
    assert down.failures == 3 and down.last_status == 500
    assert down.last_error == "The source answered HTTP 500."
    up.refresh_from_db()
    assert up.failures == 0 and up.last_error == "" and up.entries.count() == 1
    assert sources.sources_tick() == (0, 0), "nothing is due before its time"


def test_it_caps_the_backoff(settings):
    from claims.models.sources import backoff

    assert backoff(failures=30, base=60, cap=settings.SOURCE_BACKOFF_MAX).total_seconds() == 6 * 3600


def test_it_ingests_the_same_story_in_two_feeds_once(httpserver, loopback_is_public, monkeypatch):
    # Two outlets on two host names, both served here.
    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["127.0.0.1"])
    port = httpserver.port
    one, two = f"http://www.harbour-times.example:{port}", f"http://coast-daily.example:{port}"
    httpserver.expect_request("/one.xml").respond_with_data(
        rss(("1", f"{one}/2024/bridge?utm_source=rss", "Bridge closes"), title="Harbour Times"),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/two.xml").respond_with_data(
        rss(("x", f"{two}/news/bridge-lorries", "Lorries banned"), ("y", f"{one}/2024/bridge", "Bridge")),
        content_type="application/rss+xml",
    )
    serve_page(httpserver, "/2024/bridge", page(STORY, chrome="Harbour Times"))
    serve_page(httpserver, "/news/bridge-lorries", page(STORY, title="Lorries banned", chrome="Coast Daily"))
    first, second = watch(f"{one}/one.xml"), watch(f"{two}/two.xml", publisher="Coast Daily")

    poll(first)
    fetch_pending(first)
    poll(second)
    fetch_pending(second)

    article = Article.objects.get()
    assert STORY.split(". ")[0] in article.text
    assert requests_to(httpserver, "/2024/bridge") == 1, "a URL already known is not fetched again"
    seen = list(article.appearances.order_by("host").values_list("host", "publisher", "source__name", "url"))
    assert seen == [
        ("coast-daily.example", "Coast Daily", "Harbour Times", f"{two}/news/bridge-lorries"),
        ("harbour-times.example", "Harbour Times", "Harbour Times", f"{one}/2024/bridge"),
    ]
    assert [e.added for e in FeedEntry.objects.order_by("pk")] == [True, False, False]
    assert sources.sources_with_counts().get(pk=first.pk).articles_added == 1


def test_it_links_a_page_whose_canonical_address_is_already_known(httpserver, loopback_is_public):
    known = httpserver.url_for("/original")
    article = Article.objects.create(text=STORY, url=known, content_hash="known")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("a", httpserver.url_for("/copy"), "Copy")), content_type="application/rss+xml"
    )
    serve_page(httpserver, "/copy", page(OTHER, canonical=known))
    source = watch(httpserver.url_for("/feed.xml"))
    poll(source)
    [entry] = fetch_pending(source)
    assert entry.article == article and not entry.added and Article.objects.count() == 1


def test_it_reads_a_news_sitemap(httpserver, loopback_is_public):
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{httpserver.url_for('/a')}</loc><news:news><news:publication><news:name>Harbour Times"
        "</news:name><news:language>en</news:language></news:publication>"
        "<news:publication_date>2024-10-15T08:00:00+00:00</news:publication_date>"
        "<news:title>Bridge closes to lorries</news:title></news:news></url></urlset>"
    )
    httpserver.expect_request("/sitemap.xml").respond_with_data(sitemap, content_type="application/xml")
    serve_page(httpserver, "/a", page(STORY))
    source = watch(httpserver.url_for("/sitemap.xml"))
    poll(source)
    [entry] = fetch_pending(source)
    assert entry.title == "Bridge closes to lorries" and entry.published == dt.date(2024, 10, 15)
    assert entry.article.title == "Bridge closes to lorries" and entry.article.published == dt.date(2024, 10, 15)


@pytest.mark.parametrize("path", ["/bomb.xml", "/xxe.xml"])
def test_it_refuses_xml_entities_and_shows_why(httpserver, loopback_is_public, path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True))
        + "]><urlset><url><loc>https://x.example/&i;</loc></url></urlset>"
    )
    xxe = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'
    httpserver.expect_request(path).respond_with_data(bomb if path == "/bomb.xml" else xxe, content_type="text/xml")
    source = watch(httpserver.url_for(path))
    result = poll(source)
    source.refresh_from_db()
    assert "declares XML entities" in result.error and source.last_error == result.error
    assert source.failures == 1 and not source.entries.exists()


def test_it_shows_a_page_that_is_not_a_feed(httpserver, loopback_is_public):
    httpserver.expect_request("/home").respond_with_data("<html><body>Hello</body></html>", content_type="text/html")
    source = watch(httpserver.url_for("/home"))
    assert "not an RSS or Atom feed" in poll(source).error


def test_it_refuses_a_source_at_a_private_address_by_default(httpserver):
    with pytest.raises(InvalidInput) as refused:
        watch(httpserver.url_for("/feed.xml"))
    assert refused.value.code == "url_not_allowed"


def test_it_fetches_a_non_public_address_only_when_named_exactly(httpserver, settings):
    httpserver.expect_request("/feed.xml").respond_with_data(rss(), content_type="application/rss+xml")
    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    assert fetch.request("GET", httpserver.url_for("/feed.xml")).status == 200
    for other in (f"http://127.0.0.1:{httpserver.port + 1}/", f"http://127.0.0.2:{httpserver.port}/"):
        with pytest.raises(fetch.FetchError) as refused:
            fetch.check_url(other)
        assert refused.value.code == "url_not_allowed"
    # A redirect from the named server to another loopback port is checked like any hop.
    httpserver.expect_request("/hop").respond_with_response(
        Response(status=302, headers={"Location": f"http://127.0.0.1:{httpserver.port + 1}/admin"})
    )
    with pytest.raises(fetch.FetchError):
        fetch.request("GET", httpserver.url_for("/hop"))


def test_it_polls_a_source_once_when_two_workers_take_it(httpserver, loopback_is_public):
    source = watch(httpserver.url_for("/feed.xml"))
    assert source.claim_poll()
    assert not Source.objects.get(pk=source.pk).claim_poll()
    source.release_poll()
    assert Source.objects.get(pk=source.pk).claim_poll()


def test_it_does_not_poll_a_paused_source(httpserver, loopback_is_public):
    source = watch(httpserver.url_for("/feed.xml"))
    sources.source_pause(source=source)
    tasks.source_poll(source.pk)
    assert httpserver.log == [] and sources.sources_tick() == (0, 0)


def test_it_records_an_appearance_once(db):
    article = Article.objects.create(text=STORY, content_hash="h")
    first = sources.appearance_record(article=article, url="https://WWW.Example.org/story#top", publisher="Ex")
    again = sources.appearance_record(article=article, url="https://www.example.org/story")
    assert first == again and first.host == "example.org" and first.url == "https://www.example.org/story"
    assert Appearance.objects.count() == 1


def test_it_is_ticked_by_celery_beat(settings):
    from factcheck.celery import app

    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "claims.tasks.sources_tick"]
    assert entry["schedule"] <= 60
    assert {"claims.tasks.sources_tick", "claims.tasks.source_poll", "claims.tasks.feed_entry_fetch"} <= set(app.tasks)
