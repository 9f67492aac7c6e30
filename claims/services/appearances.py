"""Appearances: every place an article was seen, one outlet's URL each.

Only the models below this module: article submission (any path) and source
polling both record appearances through it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urldefrag

import courlan
from django.db import IntegrityError, transaction

from claims.models import Appearance, Article, Claim, ClaimGroup, Source, url_host


def url_canonical(url: str) -> str:
    """One spelling per page: lower-case scheme and host, default port and
    fragment dropped, tracking parameters (utm_*, fbclid...) removed, the
    others sorted. Anything courlan cannot read is kept as given."""
    url = urldefrag(url.strip())[0]
    try:
        return courlan.normalize_url(url, strict=False)
    except ValueError:
        return url


def appearance_record(
    *, article: Article, url: str, source: Source | None = None, publisher: str = "", published: dt.date | None = None
) -> Appearance:
    """Note that `article` was seen at `url`. Idempotent: the same article at the
    same URL is one appearance, whoever reports it first keeps it."""
    url = url_canonical(url)
    defaults = {"host": url_host(url)[:255], "publisher": publisher[:200], "published": published, "source": source}
    try:
        with transaction.atomic():
            appearance, _ = Appearance.objects.get_or_create(article=article, url=url, defaults=defaults)
    except IntegrityError:  # a concurrent recorder of the same pair won
        appearance = Appearance.objects.get(article=article, url=url)
    return appearance


def article_known(*urls: str) -> Article | None:
    """The article already stored for any of these URLs, as an appearance or as its own URL."""
    wanted = [u for u in dict.fromkeys(urls) if u]
    if not wanted:
        return None
    seen = Appearance.objects.filter(url__in=wanted).select_related("article").order_by("pk").first()
    if seen is not None:
        return seen.article
    return Article.objects.filter(url__in=wanted).order_by("pk").first()


@dataclass
class Sighting:
    """One place a group's claim was seen: an article, at its own URL or at
    another outlet's."""

    article: int
    url: str
    host: str
    title: str
    publisher: str
    published: dt.date | None


def group_appearances(*, group: ClaimGroup) -> list[Sighting]:
    """Every place the group's claim appeared, one per URL: each member's
    article at its own URL and wherever else it was seen, in the order the
    desk learnt of them. An article with no URL and no appearance is one entry."""
    articles = (
        Article.objects.filter(pk__in=Claim.objects.filter(group=group).values("article"))
        .prefetch_related("appearances")
        .only("pk", "url", "title", "published")
        .order_by("created", "pk")
    )
    seen: dict[str, Sighting] = {}
    for article in articles:
        sightings = [
            Sighting(article.pk, a.url, a.host, article.title, a.publisher, a.published or article.published)
            for a in article.appearances.all()
        ]
        if article.url or not sightings:
            own = Sighting(article.pk, article.url, url_host(article.url), article.title, "", article.published)
            sightings.insert(0, own)
        for sighting in sightings:
            key = url_canonical(sighting.url) if sighting.url else f"article:{article.pk}"
            known = seen.setdefault(key, sighting)
            # The same page reported twice (an article's own URL is usually an
            # appearance too): keep what either knew.
            known.publisher = known.publisher or sighting.publisher
            known.published = known.published or sighting.published
    return list(seen.values())
