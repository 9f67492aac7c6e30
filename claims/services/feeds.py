"""Reading a source's document: RSS and Atom with feedparser, news sitemaps with
defusedxml's ElementTree. No database here: the polling is in sources.py.

Every document goes through `refuse_entities` first. An XML bomb (entities that
expand to gigabytes) or an external entity (a local file, an internal URL) needs
an entity declaration; neither a feed nor a sitemap has any use for one, so a
document that declares one is refused before feedparser or ElementTree expands
anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import feedparser
from defusedxml import ElementTree as SafeET

SITEMAP_ROOTS = ("urlset", "sitemapindex")


class FeedError(Exception):
    """The document cannot be read as a feed or a sitemap; `message` says why."""

    def __init__(self, message: str, *, code: str = "not_a_feed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Item:
    """One entry: a link to an article page, keyed by the entry's own id."""

    key: str
    url: str
    title: str = ""
    published: dt.date | None = None


@dataclass(frozen=True)
class Document:
    kind: str  # "feed" or "sitemap"
    title: str
    items: list[Item]


def entry_key(identifier: str) -> str:
    return hashlib.sha256(identifier.encode()).hexdigest()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _root(body: bytes) -> Element | None:
    """The document's root element, or None when it is not well-formed XML (feedparser
    reads many broken feeds). Raises FeedError for a document with entity declarations."""
    try:
        return SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise FeedError(
            "The document declares XML entities (as an XML bomb would); it is not read.", code="xml_refused"
        ) from exc
    except ParseError:
        return None


def parse(body: bytes, *, kind: str = "auto", url: str = "", limit: int = 500) -> Document:
    """The entries of a feed or sitemap, in document order, at most `limit`."""
    if not body.strip():
        raise FeedError("The source answered with an empty document.")
    root = _root(body)
    is_sitemap = root is not None and _local(root.tag) in SITEMAP_ROOTS
    if kind == "sitemap" or (kind == "auto" and is_sitemap):
        if root is None:
            raise FeedError("The sitemap is not well-formed XML.")
        return _sitemap(root, limit=limit)
    return _feed(body, url=url, limit=limit)


def _date(value) -> dt.date | None:
    if isinstance(value, time.struct_time):
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _feed(body: bytes, *, url: str, limit: int) -> Document:
    # The base URL resolves relative links; feedparser never fetches anything given bytes.
    parsed = feedparser.parse(body, response_headers={"content-location": url} if url else None)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = getattr(parsed, "bozo_exception", None) or "no RSS or Atom elements"
        raise FeedError(f"This is not an RSS or Atom feed ({reason}).")
    items: list[Item] = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "").strip()
        if not _web(link):
            continue
        identifier = str(entry.get("id") or link)
        published = _date(entry.get("published_parsed")) or _date(entry.get("updated_parsed"))
        items.append(
            Item(key=entry_key(identifier), url=link, title=str(entry.get("title") or "")[:500], published=published)
        )
        if len(items) >= limit:
            break
    return Document(kind="feed", title=str(parsed.feed.get("title") or "")[:200], items=items)


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _sitemap(root: Element, *, limit: int) -> Document:
    if _local(root.tag) == "sitemapindex":
        raise FeedError("This is a sitemap index; add the news sitemap it lists instead.", code="sitemap_index")
    items: list[Item] = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _text(_child(node, "loc"))
        if not _web(loc):
            continue
        news = _child(node, "news")
        title = _text(_child(news, "title")) if news is not None else ""
        published = _date(_text(_child(news, "publication_date"))) if news is not None else None
        items.append(
            Item(
                key=entry_key(loc),
                url=loc,
                title=title[:500],
                published=published or _date(_text(_child(node, "lastmod"))),
            )
        )
        if len(items) >= limit:
            break
    return Document(kind="sitemap", title="", items=items)
