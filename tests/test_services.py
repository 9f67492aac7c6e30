from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from claims import services, tasks
from claims.models import Article, Claim, Match, Verdict
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
