"""Sources the desk watches: adding them, polling them with conditional GET,
fetching each new entry's page once, and recording every place an article
appeared.

An article is ingested once: an entry whose URL (or the page's canonical URL)
is already known links to that article without a fetch, and the same text from
another outlet finds its article by content hash. Each outlet's URL is kept as
an Appearance, so a desk can see how far a story travelled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from claims.models import FeedEntry, Source
from claims.services import articles, enqueue, errors, feeds, fetch

# Where an article was seen: its own module, so that article submission can
# record an appearance without importing the polling (and no import cycle).
from claims.services.appearances import appearance_record, article_known, url_canonical

logger = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
SOURCE_FIELDS = ("name", "url", "kind", "publisher", "interval", "active")


# --- Sources ------------------------------------------------------------------------


def source_clean(fields: Mapping) -> dict:
    """Check what an editor gave: a fetchable address (the same guard as every
    fetch) and an interval no shorter than SOURCE_MIN_INTERVAL."""
    cleaned = {name: fields[name] for name in SOURCE_FIELDS if name in fields}
    if "url" in cleaned:
        cleaned["url"] = str(cleaned["url"]).strip()
        try:
            fetch.check_url(cleaned["url"])
        except fetch.FetchError as exc:
            # A name that does not resolve today may tomorrow: the poll will say.
            if exc.code != "url_unresolvable":
                raise errors.InvalidInput(exc.message, fields={"url": exc.message}, code=exc.code) from exc
    if "kind" in cleaned and cleaned["kind"] not in Source.Kind.values:
        raise errors.InvalidInput("Unknown kind.", fields={"kind": f"One of: {', '.join(Source.Kind.values)}."})
    if "interval" in cleaned:
        if cleaned["interval"] is None:
            cleaned["interval"] = settings.SOURCE_INTERVAL
        if cleaned["interval"] < settings.SOURCE_MIN_INTERVAL:
            message = f"At least {settings.SOURCE_MIN_INTERVAL} seconds."
            raise errors.InvalidInput("The interval is too short.", fields={"interval": message})
    return cleaned


def source_create(*, fields: Mapping, created_by=None) -> Source:
    """Add a source and poll it as soon as a worker is free."""
    cleaned = {"interval": settings.SOURCE_INTERVAL, **source_clean(fields)}
    if Source.objects.filter(url=cleaned["url"]).exists():
        raise errors.Conflict("This source is already watched.")
    try:
        with transaction.atomic():
            source = Source.objects.create(created_by=created_by, next_poll=timezone.now(), **cleaned)
            if source.active:
                enqueue.later("source_poll", source.pk)
    except IntegrityError as exc:
        raise errors.Conflict("This source is already watched.") from exc
    return source


def source_ensure(*, url: str, name: str, interval: int) -> tuple[Source, bool]:
    """A source that must exist (the demo's), created once; (source, created).

    No address check here: the demo feed is on this machine, which only
    FETCH_ALLOWED_HOSTS lets a poll reach, and every poll is checked anyway."""
    return Source.objects.get_or_create(
        url=url, defaults={"name": name, "kind": Source.Kind.FEED, "interval": interval, "next_poll": timezone.now()}
    )


def source_update(*, source: Source, changes: Mapping) -> Source:
    cleaned = source_clean(changes)
    if "url" in cleaned and cleaned["url"] != source.url:
        # Another address is another document: its validators mean nothing here.
        cleaned |= {"etag": "", "last_modified": "", "digest": ""}
    for name, value in cleaned.items():
        setattr(source, name, value)
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError as exc:
        raise errors.Conflict("Another source already has this address.") from exc
    return source


def source_delete(*, source: Source) -> None:
    """Stop watching; its entries go, the articles and their appearances stay."""
    source.delete()


def source_pause(*, source: Source) -> Source:
    Source.objects.filter(pk=source.pk).update(active=False, updated=timezone.now())
    source.refresh_from_db()
    return source


@transaction.atomic
def source_resume(*, source: Source) -> Source:
    """Watch again, starting with a poll now."""
    Source.objects.filter(pk=source.pk).update(active=True, next_poll=timezone.now(), updated=timezone.now())
    source.refresh_from_db()
    enqueue.later("source_poll", source.pk)
    return source


@transaction.atomic
def source_poll_now(*, source: Source) -> Source:
    """Queue a poll at once (a paused source stays paused and is not polled)."""
    if source.active:
        Source.objects.filter(pk=source.pk).update(next_poll=timezone.now())
        enqueue.later("source_poll", source.pk)
    source.refresh_from_db()
    return source


def sources_with_counts() -> QuerySet:
    """Sources with the articles they brought in and their entries that failed."""
    return Source.objects.annotate(
        articles_added=Count("entries", filter=Q(entries__added=True), distinct=True),
        entries_failed=Count("entries", filter=Q(entries__status=FeedEntry.Status.FAILED), distinct=True),
    )


# --- Polling ------------------------------------------------------------------------


@dataclass(frozen=True)
class PollResult:
    status: int | None
    new_entries: int = 0
    unchanged: bool = False
    error: str = ""


def _validators(source: Source) -> dict[str, str]:
    headers = {"Accept": FEED_ACCEPT}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


def source_poll(*, source: Source) -> PollResult:
    """Poll a source the caller has claimed (Source.claim_poll): a conditional
    GET, then an entry row and a fetch task for each entry not seen before.
    A failure is recorded on the source, which backs off; it is not raised."""
    status = None
    try:
        answer = fetch.request("GET", source.url, headers=_validators(source))
        status = answer.status
        if status == 304:
            source.poll_succeeded(status=304)
            return PollResult(status=304, unchanged=True)
        if not 200 <= status < 300:
            raise fetch.FetchError(f"The source answered HTTP {status}.")
        validators = {
            "etag": answer.headers.get("etag", "")[:500],
            "last_modified": answer.headers.get("last-modified", "")[:100],
            "digest": hashlib.sha256(answer.body).hexdigest(),
        }
        if validators["digest"] == source.digest:
            # The same bytes as last time, from a server that ignores conditional GET.
            source.poll_succeeded(status=status, **validators)
            return PollResult(status=status, unchanged=True)
        document = feeds.parse(answer.body, kind=source.kind, url=answer.url, limit=settings.SOURCE_MAX_ENTRIES)
    except (fetch.FetchError, feeds.FeedError) as exc:
        logger.warning("source %s (%s): %s", source.pk, source.url, exc.message)
        source.poll_failed(error=exc.message, status=status)
        return PollResult(status=status, error=exc.message)
    with transaction.atomic():
        new = entries_add(source=source, items=document.items)
        named = {"publisher": source.publisher or document.title, "name": source.name or document.title}
        source.poll_succeeded(status=status, **validators, **{k: v[:200] for k, v in named.items()})
        for pk in new:
            enqueue.later("feed_entry_fetch", pk)
    return PollResult(status=status, new_entries=len(new))


def entries_add(*, source: Source, items: list[feeds.Item]) -> list[int]:
    """Store the entries this source has not listed before; their ids, in feed order."""
    unique = {item.key: item for item in items}
    known = set(source.entries.filter(key__in=list(unique)).values_list("key", flat=True))
    fresh = [item for key, item in unique.items() if key not in known]
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(source=source, key=item.key, url=item.url[:2000], title=item.title, published=item.published)
            for item in fresh
        ],
        ignore_conflicts=True,  # a concurrent poll of the same source stored them first
    )
    ids = dict(source.entries.filter(key__in=[item.key for item in fresh]).values_list("key", "pk"))
    return [ids[item.key] for item in fresh if item.key in ids]


# --- Entries ------------------------------------------------------------------------


class PageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Page:
    text: str
    title: str
    published: dt.date | None
    url: str  # canonical: the page's own <link rel="canonical">, else where the fetch ended


def page_read(url: str) -> Page:
    """Fetch an article page under the address guard and keep its main text,
    title, publication date and canonical URL (trafilatura)."""
    from claims import extraction

    answer = fetch.page(url)
    if answer.content_type == "text/plain":
        text = answer.text()
        return Page(
            text=text, title=text.strip().split("\n", 1)[0][:500], published=None, url=url_canonical(answer.url)
        )
    import trafilatura

    html = answer.text()
    # The main text as a URL submitted through the API is read.
    text = extraction.html_to_text(html)
    if not text.strip():
        raise PageError("No article text was found on the page.")
    meta = trafilatura.extract_metadata(html, default_url=answer.url)
    # Outlets running one wire story give it their own headlines: the headline
    # (kept as the title) is left out of the text so their copies share a content hash.
    headline, _, body = text.partition("\n")
    if meta.title and body.strip() and headline.strip().casefold() == meta.title.strip().casefold():
        text = body
    canonical = meta.url if meta.url and meta.url.lower().startswith(("http://", "https://")) else answer.url
    published = None
    if meta.date:
        try:
            published = dt.date.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    return Page(text=text, title=(meta.title or "")[:500], published=published, url=url_canonical(canonical))


def entry_fetch(*, entry: FeedEntry) -> FeedEntry:
    """Bring in the article of an entry the caller has claimed (FeedEntry.claim_fetch).
    A failure is recorded on the entry, which is tried again later; not raised."""
    source = entry.source
    url = url_canonical(entry.url)
    article = article_known(url)
    added = False
    if article is None:
        try:
            page = page_read(url)
        except fetch.FetchError as exc:
            # An address the guard refuses stays refused: no point in asking again.
            entry.fail(error=exc.message, final=exc.code == "url_not_allowed")
            return entry
        except PageError as exc:
            entry.fail(error=exc.message)
            return entry
        article = article_known(page.url)
        if article is None:
            try:
                article, added = articles.article_ingest(
                    text=page.text,
                    title=entry.title or page.title,
                    url=page.url,
                    published=entry.published or page.published,
                )
            except errors.InvalidInput as exc:
                entry.fail(error=exc.message, final=exc.code == "too_large")
                return entry
    appearance_record(
        article=article, url=url, source=source, publisher=source.outlet, published=entry.published or article.published
    )
    entry.finish(article=article, added=added)
    return entry


@transaction.atomic
def entry_retry(*, entry: FeedEntry) -> FeedEntry:
    """An editor's retry of a failed entry: a fresh set of attempts, fetched now."""
    updated = FeedEntry.objects.filter(pk=entry.pk, status=FeedEntry.Status.FAILED).update(
        status=FeedEntry.Status.PENDING, attempts=0, next_attempt=None, updated=timezone.now()
    )
    if updated:
        enqueue.later("feed_entry_fetch", entry.pk)
    entry.refresh_from_db()
    return entry


def sources_tick(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Celery beat's tick: queue a poll of every source that is due and a fetch
    of every entry whose retry time has come or whose task was lost.
    Returns (sources queued, entries queued)."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.SOURCE_STALE_AFTER)
    polls = 0
    for pk, due_at in Source.objects.due(now=now).values_list("pk", "next_poll"):
        # Moving next_poll on claims the tick's part: a second beat, or the next
        # tick while the poll still waits in the queue, does not queue it again.
        # The poll itself sets the real next time.
        if Source.objects.filter(pk=pk, next_poll=due_at).update(next_poll=now + lease):
            enqueue.later("source_poll", pk)
            polls += 1
    fetches = 0
    retry = FeedEntry.objects.retry_due(now=now).filter(source__active=True).values_list("pk", flat=True)
    for pk in list(retry[: settings.SOURCE_MAX_ENTRIES]):
        if FeedEntry.objects.filter(pk=pk, status=FeedEntry.Status.FAILED).update(
            status=FeedEntry.Status.PENDING, next_attempt=None, updated=now
        ):
            enqueue.later("feed_entry_fetch", pk)
            fetches += 1
    lost = list(FeedEntry.objects.lost(now=now).values_list("pk", flat=True)[: settings.SOURCE_MAX_ENTRIES])
    FeedEntry.objects.filter(pk__in=lost).update(status=FeedEntry.Status.PENDING, updated=now)
    for pk in lost:
        enqueue.later("feed_entry_fetch", pk)
    return polls, fetches + len(lost)
