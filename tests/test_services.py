from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from claims import services, tasks
from claims.models import Article, Claim, Match, Verdict
from factcheck.celery import Task
from factcheck.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Run tasks in-process: what is under test is the workflow, not the broker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_it_runs_an_article_through_every_stage(
    eager, demo_references, demo_article_text, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article, created = services.article_ingest(text=demo_article_text, published=dt.date(2024, 10, 24))
    article.refresh_from_db()
    assert created
    assert article.status == Article.Status.DONE, article.error
    assert article.claims.count() >= 5
    assert not article.claims.filter(embedding__isnull=True).exists()
    assert set(article.claims.values_list("status", flat=True)) == {Claim.Status.MATCHED}
    assert Match.objects.filter(claim__article=article).count() == article.claims.count() * 5


def test_it_does_not_duplicate_claims_when_extraction_is_redelivered(demo_article_text):
    article = Article.objects.create(text=demo_article_text, content_hash="h", status=Article.Status.EXTRACTING)
    first = services.article_extract(article=article)
    article.status = Article.Status.EXTRACTING  # as a redelivered task would find it
    services.article_extract(article=article)
    assert article.claims.count() == first


def test_it_returns_quietly_when_the_article_is_gone():
    tasks.article_extract.run(123456)
    tasks.article_embed.run(123456)
    tasks.article_match.run(123456)
    assert not Article.objects.exists()


def waiting_article(name: str, *texts: str) -> Article:
    """An article at the embedding stage with one claim per text."""
    article = Article.objects.create(text=" ".join(texts), content_hash=name, status=Article.Status.EMBEDDING)
    offset = 0
    for text in texts:
        Claim.objects.create(article=article, text=text, start=offset, end=offset + len(text))
        offset += len(text) + 1
    return article


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, tuple]]:
    """The tasks sent to the broker, by name and arguments, instead of sending them."""
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(Task, "delay", lambda task, *args: sent.append((task.name, args)))
    return sent


def test_it_embeds_the_claims_of_other_waiting_articles_with_its_own(published, django_capture_on_commit_callbacks):
    first = waiting_article("first", "Parliament voted 397 to 0 on Thursday.")
    second = waiting_article("second", "Unemployment fell to 3.5 percent.", "About 12,000 troops were sent.")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.article_embed(article=first) == 3
    assert not Claim.objects.filter(embedding__isnull=True).exists()
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.MATCHING}
    assert sorted(published) == [
        ("claims.tasks.article_match", (first.pk,)),
        ("claims.tasks.article_match", (second.pk,)),
    ]

    # The second article's own task comes next and finds the work done.
    vectors = sorted(Claim.objects.values_list("pk", "embedding"))
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.article_embed.run(second.pk)
        assert services.article_embed(article=second) == 0
    assert not published
    assert sorted(Claim.objects.values_list("pk", "embedding")) == vectors


def test_it_takes_no_more_claims_than_embed_batch_max(settings):
    settings.EMBED_BATCH_MAX = 3
    first = waiting_article("first", "Parliament voted 397 to 0 on Thursday.", "The vote was on Thursday.")
    too_big = waiting_article("too-big", "Unemployment fell to 3.5 percent.", "It was 3.7 percent a year ago.")
    fits = waiting_article("fits", "About 12,000 troops were sent.")
    assert services.article_embed(article=first) == 3
    for article in (first, too_big, fits):
        article.refresh_from_db()
    assert (first.status, too_big.status, fits.status) == (
        Article.Status.MATCHING,
        Article.Status.EMBEDDING,
        Article.Status.MATCHING,
    )
    assert set(Claim.objects.filter(embedding__isnull=True).values_list("article", flat=True)) == {too_big.pk}


def test_it_embeds_an_article_larger_than_embed_batch_max_whole_and_alone(settings):
    settings.EMBED_BATCH_MAX = 1
    big = waiting_article("big", "Parliament voted 397 to 0 on Thursday.", "The vote was on Thursday.")
    other = waiting_article("other", "About 12,000 troops were sent.")
    assert services.article_embed(article=big) == 2
    other.refresh_from_db()
    assert other.status == Article.Status.EMBEDDING
    assert other.claims.filter(embedding__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_it_leaves_an_article_another_worker_has_locked_to_that_worker():
    first = waiting_article("first", "Parliament voted 397 to 0 on Thursday.")
    held = waiting_article("held", "About 12,000 troops were sent.")
    waiting_article("free", "Unemployment fell to 3.5 percent.")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        # Its own connection and transaction, as another worker process would have.
        try:
            with transaction.atomic():
                list(Article.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert services.article_embed(article=first) == 2
    finally:
        release.set()
        thread.join()
    statuses = dict(Article.objects.values_list("content_hash", "status"))
    assert statuses == {"first": "matching", "held": "embedding", "free": "matching"}
    assert list(Claim.objects.filter(embedding__isnull=True).values_list("article", flat=True)) == [held.pk]


def test_it_reenqueues_stuck_articles_so_they_finish(eager, demo_references, django_capture_on_commit_callbacks):
    article = Article.objects.create(text="Parliament voted 397 to 0 on Thursday.", content_hash="s")
    Article.objects.filter(pk=article.pk).update(updated=timezone.now() - dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        requeued, failed = services.articles_sweep(
            stuck_after=dt.timedelta(minutes=2), give_up_after=dt.timedelta(hours=1)
        )
    assert (requeued, failed) == (1, 0)
    article.refresh_from_db()
    assert article.status == Article.Status.DONE


def test_it_leaves_recent_work_alone_and_fails_work_stuck_too_long():
    fresh = Article.objects.create(text="a", content_hash="a")
    old = Article.objects.create(text="b", content_hash="b", status=Article.Status.EMBEDDING)
    Article.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(hours=2))
    requeued, failed = services.articles_sweep(stuck_after=dt.timedelta(minutes=2), give_up_after=dt.timedelta(hours=1))
    assert (requeued, failed) == (0, 1)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Article.Status.FAILED
    assert "Gave up" in old.error
    assert fresh.status == Article.Status.PENDING


def test_it_refuses_a_verdict_based_on_a_stale_claim(reviewer, editor):
    article = Article.objects.create(text="x", content_hash="x")
    claim = Claim.objects.create(article=article, text="x", start=0, end=1, status=Claim.Status.MATCHED)
    seen = claim.version
    services.verdict_record(claim=claim, reviewer=reviewer, rating="True", expected_version=seen)
    with pytest.raises(services.Conflict):
        services.verdict_record(claim=claim, reviewer=editor, rating="False", expected_version=seen)
    assert list(Verdict.objects.values_list("rating", flat=True)) == ["True"]
