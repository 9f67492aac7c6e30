"""Scaling out: workers on separate queues share the work of one article
through Redis and PostgreSQL, each doing only the stages of its queues; a web
process warms its models when it starts."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from kombu import Connection

from claims import tasks
from claims.models import Article, Claim, content_hash
from tests import processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REDIS_DB = 14  # its own database, flushed around each test
SUCCEEDED = re.compile(r"Task claims\.tasks\.(\w+)\[[^\]]+\] succeeded")


def tasks_done(log: Path) -> set[str]:
    return set(SUCCEEDED.findall(log.read_text(errors="replace")))


def test_it_splits_an_article_between_workers_on_separate_queues(
    tmp_path, demo_references, demo_article_text, redis_broker
):
    env = processes.service_env(CELERY_BROKER_URL=redis_broker)
    extractor_log, embedder_log = tmp_path / "extractor.log", tmp_path / "embedder.log"
    article = Article.objects.create(text=demo_article_text, content_hash=content_hash(demo_article_text))
    with (
        processes.celery_worker(env, extractor_log, queues="extraction", name="extractor"),
        processes.celery_worker(env, embedder_log, queues="embedding,matching", name="embedder"),
    ):
        # This process's own broker is the default one; the workers' is Redis.
        with Connection(redis_broker) as connection:
            tasks.article_extract.apply_async((article.pk,), connection=connection)

        def finished() -> bool:
            article.refresh_from_db()
            return article.is_finished

        processes.wait_for(finished, timeout=120, what="the article to pass both workers", interval=0.5)

    assert article.status == Article.Status.DONE, article.error
    assert article.claims.exists()
    assert not article.claims.exclude(status=Claim.Status.MATCHED).exists()
    assert tasks_done(extractor_log) == {"article_extract"}
    assert tasks_done(embedder_log) == {"article_embed", "article_match"}
    # Each worker warms only the models its queues use.
    assert "embedding model loaded" not in extractor_log.read_text()
    assert "embedding model loaded" in embedder_log.read_text()


def test_it_warms_the_model_when_the_web_server_starts(tmp_path):
    env = processes.service_env()
    with processes.web_server(env, tmp_path / "web.log") as base:

        def model_loaded() -> bool:
            return httpx.get(f"{base}/health/ready", timeout=5).json()["checks"]["model"] == "ok"

        # No request has embedded anything: gunicorn.conf.py's hook loaded it.
        processes.wait_for(model_loaded, timeout=60, what="the web worker to load the model")
