"""The outlets the desk watches: feeds and news sitemaps, the entries read from
them, and every place an article was seen (its appearances)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models.articles import Article


def url_host(url: str) -> str:
    """The lower-case host of `url` without a leading "www.": www.bbc.co.uk and
    bbc.co.uk are one outlet when claims are counted by the places they reached."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def backoff(*, failures: int, base: float, cap: float) -> timedelta:
    """base, 2 base, 4 base ... after 1, 2, 3 ... failures in a row, never more than cap."""
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), cap))


class SourceQuerySet(models.QuerySet):
    def due(self, *, now) -> SourceQuerySet:
        """Active sources whose poll time has come and that nobody is polling
        (or whose poller has been silent so long that it must have died)."""
        stale = now - timedelta(seconds=settings.SOURCE_STALE_AFTER)
        return self.filter(active=True, next_poll__lte=now).filter(
            Q(polling_since__isnull=True) | Q(polling_since__lt=stale)
        )


class Source(models.Model):
    """An RSS or Atom feed, or a news sitemap, that Celery beat polls on its own interval."""

    class Kind(models.TextChoices):
        AUTO = "auto", "Detect"
        FEED = "feed", "RSS or Atom feed"
        SITEMAP = "sitemap", "News sitemap"

    name = models.CharField(max_length=200, blank=True, help_text="For the desk; the feed's title when blank.")
    url = models.URLField(max_length=2000, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AUTO)
    publisher = models.CharField(
        max_length=200, blank=True, help_text="The outlet's name, shown on appearances; the feed's title when blank."
    )
    interval = models.PositiveIntegerField(default=900, help_text="Seconds between polls.")
    active = models.BooleanField(default=True)
    # Conditional GET: sent back as If-None-Match and If-Modified-Since.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # The last body's SHA-256: a feed served without validators but unchanged is not parsed again.
    digest = models.CharField(max_length=64, blank=True)
    last_polled = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed polls in a row; the backoff grows with it.")
    next_poll = models.DateTimeField(default=timezone.now, db_index=True)
    # Set while a worker polls it: a second worker (a redelivered task, a
    # poll-now click) finds it taken and does nothing.
    polling_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or url_host(self.url) or self.url

    @property
    def outlet(self) -> str:
        return self.publisher or self.name or url_host(self.url)

    def claim_poll(self) -> bool:
        """Take the poll, unless another worker has it."""
        now = timezone.now()
        stale = now - timedelta(seconds=settings.SOURCE_STALE_AFTER)
        taken = Source.objects.filter(
            Q(polling_since__isnull=True) | Q(polling_since__lt=stale), pk=self.pk, active=True
        ).update(polling_since=now)
        if taken:
            self.polling_since = now
        return bool(taken)

    def release_poll(self) -> None:
        Source.objects.filter(pk=self.pk).update(polling_since=None)
        self.polling_since = None

    def poll_succeeded(self, *, status: int, **changes) -> None:
        now = timezone.now()
        self._save_poll(
            last_polled=now,
            last_status=status,
            last_error="",
            failures=0,
            next_poll=now + timedelta(seconds=self.interval),
            **changes,
        )

    def poll_failed(self, *, error: str, status: int | None = None) -> None:
        """Record the error and back off: a source that keeps failing is asked
        less and less often (up to SOURCE_BACKOFF_MAX), and never blocks the others."""
        now = timezone.now()
        failures = self.failures + 1
        delay = backoff(failures=failures, base=settings.SOURCE_RETRY_BASE, cap=settings.SOURCE_BACKOFF_MAX)
        self._save_poll(
            last_polled=now,
            last_status=status,
            last_error=error[:2000],
            failures=failures,
            next_poll=now + delay,
        )

    def _save_poll(self, **changes) -> None:
        changes |= {"polling_since": None, "updated": timezone.now()}
        Source.objects.filter(pk=self.pk).update(**changes)
        for name, value in changes.items():
            setattr(self, name, value)


class FeedEntryQuerySet(models.QuerySet):
    def retry_due(self, *, now) -> FeedEntryQuerySet:
        return self.filter(status=FeedEntry.Status.FAILED, next_attempt__lte=now)

    def lost(self, *, now) -> FeedEntryQuerySet:
        """Entries waiting or being fetched for so long that their task must have been lost."""
        stale = now - timedelta(seconds=settings.SOURCE_STALE_AFTER)
        return self.filter(status__in=[FeedEntry.Status.PENDING, FeedEntry.Status.FETCHING], updated__lt=stale)

    def gave_up(self) -> FeedEntryQuerySet:
        return self.filter(status=FeedEntry.Status.FAILED, next_attempt__isnull=True)


class FeedEntry(models.Model):
    """One item of a source: a link to an article page, fetched once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        FETCHING = "fetching", "Fetching"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(Source, related_name="entries", on_delete=models.CASCADE)
    # SHA-256 of the entry's id (its guid, else its link): guids can be longer than an index allows.
    key = models.CharField(max_length=64)
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When a failed entry is tried again by itself; null once it has been given up on.
    next_attempt = models.DateTimeField(null=True, blank=True, db_index=True)
    article = models.ForeignKey(Article, null=True, blank=True, related_name="feed_entries", on_delete=models.SET_NULL)
    # True when this entry brought the article in; False when it was already there.
    added = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = FeedEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "feed entries"
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="feedentry_unique_key")]

    def __str__(self) -> str:
        return self.title or self.url

    def claim_fetch(self) -> bool:
        """PENDING -> FETCHING, so a redelivered task does not fetch the page twice."""
        taken = FeedEntry.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.FETCHING, updated=timezone.now()
        )
        if taken:
            self.status = self.Status.FETCHING
        return bool(taken)

    def release(self) -> None:
        self._save(status=self.Status.PENDING)

    def finish(self, *, article: Article, added: bool) -> None:
        self._save(status=self.Status.DONE, article=article, added=added, error="", next_attempt=None)

    def fail(self, *, error: str, final: bool = False) -> None:
        """Record why; try again later with a growing delay, or give up after
        SOURCE_ENTRY_MAX_ATTEMPTS (or at once when `final`), for an editor to retry."""
        attempts = self.attempts + 1
        give_up = final or attempts >= settings.SOURCE_ENTRY_MAX_ATTEMPTS
        delay = backoff(failures=attempts, base=settings.SOURCE_RETRY_BASE, cap=settings.SOURCE_BACKOFF_MAX)
        self._save(
            status=self.Status.FAILED,
            error=error[:2000],
            attempts=attempts,
            next_attempt=None if give_up else timezone.now() + delay,
        )

    def _save(self, **changes) -> None:
        changes["updated"] = timezone.now()
        FeedEntry.objects.filter(pk=self.pk).update(**changes)
        for name, value in changes.items():
            setattr(self, name, value)


class Appearance(models.Model):
    """One place an article was seen: its URL at one outlet."""

    article = models.ForeignKey(Article, related_name="appearances", on_delete=models.CASCADE)
    url = models.URLField(max_length=2000)
    host = models.CharField(max_length=255, db_index=True, help_text='Lower-case, without a leading "www.".')
    publisher = models.CharField(max_length=200, blank=True, help_text="The outlet's name where known.")
    published = models.DateField(null=True, blank=True)
    source = models.ForeignKey(Source, null=True, blank=True, related_name="appearances", on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "url"], name="appearance_unique_url")]
        indexes = [models.Index(fields=["url"], name="appearance_url")]

    def __str__(self) -> str:
        return f"{self.article_id} at {self.url}"
