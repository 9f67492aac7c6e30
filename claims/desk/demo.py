"""The demo source: an RSS feed of the project's own demo articles, and their
pages, so that `make run` has a source to poll. Public, as any outlet's feed is.

claims/demo/feed.json lists the articles (file, slug, title, published, outlet);
adding one is an edit of that file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import feedgenerator
from django.views.decorators.http import condition

DEMO = Path(__file__).resolve().parents[1] / "demo"


def demo_feed_path() -> str:
    return reverse("claims:demo-feed")


def _listing() -> dict:
    return json.loads((DEMO / "feed.json").read_text(encoding="utf-8"))


def _article(entry: dict) -> tuple[str, list[str]]:
    """The file's first line (its headline) and its paragraphs."""
    lines = (DEMO / entry["file"]).read_text(encoding="utf-8").strip().split("\n")
    body = "\n".join(lines[1:])
    return lines[0].strip(), [p.strip() for p in body.split("\n\n") if p.strip()]


@cache
def _etag_of(stamp: tuple) -> str:
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:32]


def _feed_etag(request: HttpRequest) -> str:
    # The listing and every article file: an edit to either is a new feed.
    files = [DEMO / "feed.json", *(DEMO / e["file"] for e in _listing()["articles"])]
    return _etag_of(tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@condition(etag_func=_feed_etag)
def demo_feed(request: HttpRequest) -> HttpResponse:
    listing = _listing()
    feed = feedgenerator.Rss201rev2Feed(
        title=listing["title"],
        link=request.build_absolute_uri(demo_feed_path()),
        description=listing.get("description", ""),
        language="en",
    )
    for entry in listing["articles"]:
        link = request.build_absolute_uri(reverse("claims:demo-article", args=[entry["slug"]]))
        published = dt.datetime.combine(dt.date.fromisoformat(entry["published"]), dt.time(8), dt.UTC)
        _, paragraphs = _article(entry)
        feed.add_item(
            title=entry["title"],
            link=link,
            description=paragraphs[0] if paragraphs else "",
            pubdate=published,
            unique_id=link,
            author_name=entry.get("outlet", ""),
        )
    response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def demo_article(request: HttpRequest, slug: str) -> HttpResponse:
    entry = next((e for e in _listing()["articles"] if e["slug"] == slug), None)
    if entry is None:
        raise Http404
    headline, paragraphs = _article(entry)
    context = {
        "entry": entry,
        "headline": headline,
        "paragraphs": paragraphs,
        "published": dt.date.fromisoformat(entry["published"]),
        "canonical": request.build_absolute_uri(),
    }
    return render(request, "claims/demo_article.html", context)
