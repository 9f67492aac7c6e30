"""Thin, idempotent Celery tasks: each takes a row's id, returns quietly when
the row is gone or the work is already done, and calls a service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app, shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from claims import services
from claims.models import Article, FeedEntry, ImportJob, Source, WebhookSubscription

logger = logging.getLogger(__name__)

# Only a lost database connection is worth retrying; anything else is a bug or
# bad data, and the article is marked failed for an editor to see.
TRANSIENT = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 60, "max_retries": 5}


def _article_at(article_id: int, *statuses: str) -> Article | None:
    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.status not in statuses:
        return None
    return article


def _run_stage(article: Article, stage) -> None:
    try:
        stage(article=article)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.exception("article %s failed at %s", article.pk, article.status)
        article.fail(error=f"{type(exc).__name__} while {article.get_status_display().lower()}: {exc}")


@shared_task(**RETRY)
def article_extract(article_id: int) -> None:
    article = _article_at(article_id, Article.Status.PENDING, Article.Status.EXTRACTING)
    if article is None:
        return
    # PENDING -> EXTRACTING claims the work; an EXTRACTING article is a
    # redelivery after a lost worker, and extraction is safe to repeat.
    article.advance(from_status=Article.Status.PENDING, to_status=Article.Status.EXTRACTING)
    _run_stage(article, services.article_extract)


@shared_task(**RETRY)
def article_embed(article_id: int) -> None:
    article = _article_at(article_id, Article.Status.EMBEDDING)
    if article is not None:
        _run_stage(article, services.article_embed)


@shared_task(**RETRY)
def article_match(article_id: int) -> None:
    article = _article_at(article_id, Article.Status.MATCHING)
    if article is not None:
        _run_stage(article, services.article_match)


@shared_task(**RETRY)
def references_embed() -> None:
    # The English model's pass, then the e5 pass queued as its own task.
    services.references_embed_in_turn()


@shared_task(**RETRY)
def references_embed_multilingual() -> None:
    services.references_embed_multilingual()


@shared_task
def sweep() -> None:
    """Re-enqueue articles stuck in a stage, e.g. because the broker was down
    when they were submitted; fail those that have been stuck too long."""
    services.articles_sweep(
        stuck_after=dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER),
        give_up_after=dt.timedelta(seconds=settings.SWEEP_GIVE_UP_AFTER),
    )
    # Deleted articles take their claims with them, and may leave a group empty.
    services.groups_prune()


@shared_task(**RETRY)
def references_import_job(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    # QUEUED -> IMPORTING claims the work; an IMPORTING or EMBEDDING job is a
    # redelivery after a lost worker, and both steps are safe to repeat.
    claimed = job.advance(from_statuses=(ImportJob.Status.QUEUED,), to_status=ImportJob.Status.IMPORTING)
    if not claimed and job.status not in (ImportJob.Status.IMPORTING, ImportJob.Status.EMBEDDING):
        return
    try:
        services.import_job_run(job=job)
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        services.import_job_fail(job=job, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    autoretry_for=(services.DeliveryFailed, *TRANSIENT),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=settings.WEBHOOK_MAX_RETRIES,
)
def webhook_deliver(subscription_id: int, payload: dict) -> None:
    """POST one signed event to a subscriber; retried with backoff when it fails."""
    subscription = WebhookSubscription.objects.filter(pk=subscription_id, active=True).first()
    if subscription is not None:
        services.webhook_deliver(subscription=subscription, payload=payload)


@worker_process_init.connect
def warm_up_models(**kwargs) -> None:
    """Load the models this worker's queues need as its process starts (in the
    background: the pool gives a new process only seconds to report ready)."""
    from claims.engine import warmup

    consumed = set(current_app.amqp.queues.consume_from or ())
    every = not consumed
    warmup.warm_in_background(
        embedding_model=every or "embedding" in consumed,
        extraction_model=every or "extraction" in consumed,
    )


# --- Sources -------------------------------------------------------------------------


@shared_task(**RETRY)
def sources_tick() -> None:
    """Celery beat: queue the polls that are due and the entry retries whose time has come."""
    services.sources_tick()


@shared_task(**RETRY)
def source_poll(source_id: int) -> None:
    source = Source.objects.filter(pk=source_id).first()
    # A paused or deleted source is not polled; claim_poll keeps a second
    # worker (a redelivery, a poll-now click) from polling it at the same time.
    if source is None or not source.claim_poll():
        return
    try:
        services.source_poll(source=source)
    except TRANSIENT:
        source.release_poll()
        raise
    except Exception as exc:
        logger.exception("source %s failed to poll", source.pk)
        source.poll_failed(error=f"{type(exc).__name__}: {exc}")


@shared_task(**RETRY)
def feed_entry_fetch(entry_id: int) -> None:
    entry = FeedEntry.objects.select_related("source").filter(pk=entry_id).first()
    if entry is None or not entry.claim_fetch():
        return
    try:
        services.entry_fetch(entry=entry)
    except TRANSIENT:
        entry.release()
        raise
    except Exception as exc:
        logger.exception("feed entry %s failed", entry.pk)
        entry.fail(error=f"{type(exc).__name__}: {exc}")
