"""Appearances: every place an article was seen, one outlet's URL each.

Only the models below this module: article submission (any path) and source
polling both record appearances through it.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urldefrag

import courlan
from django.db import IntegrityError, transaction

from claims.models import Appearance, Article, Source, url_host


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
