"""Scaling out: workers on separate queues share the work of one article
through Redis and PostgreSQL, each doing only the stages of its queues; a web
process warms its models when it starts."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection
from kombu import Connection
from rest_framework.authtoken.models import Token

from claims import tasks
from claims.models import Article, Claim, Match, Reference, content_hash
from tests import processes
from tests.conftest import DEMO

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_REFERENCES = DEMO / "references.jsonl"
REDIS_DB = 14  # its own database, flushed around each test
SUCCEEDED = re.compile(r"Task claims\.tasks\.(\w+)\[[^\]]+\] succeeded")


def wait_until_finished(article: Article, *, what: str) -> None:
    def finished() -> bool:
        article.refresh_from_db()
        return article.is_finished

    processes.wait_for(finished, timeout=120, what=what, interval=0.5)


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
        with Connection(redis_broker) as broker:
            tasks.article_extract.apply_async((article.pk,), connection=broker)
        wait_until_finished(article, what="the article to pass both workers")

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


@pytest.fixture
def replica_url() -> Iterator[str]:
    """A second database, migrated and holding the demo references: it stands in
    for a streaming replica whose rows the test database does not have, so a
    search that finds them can only have read the replica."""
    name = f"{connection.settings_dict['NAME']}_replica"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = processes.test_database_url().replace(f"/{connection.settings_dict['NAME']}?", f"/{name}?", 1)
    env = processes.service_env(DATABASE_URL=url)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["import_references", str(DEMO_REFERENCES), "--format", "jsonl"],
        ["embed_references", "--now"],
    ):
        subprocess.run([sys.executable, "manage.py", *command], cwd=processes.ROOT, env=env, check=True, timeout=300)
    yield url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_searches_the_replica_and_reads_everything_else_from_default(tmp_path, reviewer, replica_url):
    token = Token.objects.create(user=reviewer).key
    env = processes.service_env(DATABASE_REPLICA_URL=replica_url)
    with processes.web_server(env, tmp_path / "web.log") as base:
        response = httpx.post(
            f"{base}/api/match",
            json={"text": "The Duma voted 397 to 0 to ratify the treaty with North Korea", "top_k": 3},
            headers={"Authorization": f"Token {token}"},  # the token exists on default only
            timeout=60,
        )
    assert response.status_code == 200, response.text
    assert not Reference.objects.exists()
    assert response.json()["results"][0]["reference"]["external_id"] in ("demo-001", "demo-002")


def test_it_records_matches_on_default_when_searching_a_replica(
    tmp_path, demo_references, demo_article_text, redis_broker
):
    # The replica is the test database itself, reached by a second connection:
    # the worker reads references there and must write the matches to default.
    env = processes.service_env(CELERY_BROKER_URL=redis_broker, DATABASE_REPLICA_URL=processes.test_database_url())
    article = Article.objects.create(text=demo_article_text, content_hash=content_hash(demo_article_text))
    with processes.celery_worker(env, tmp_path / "worker.log"):
        with Connection(redis_broker) as broker:
            tasks.article_extract.apply_async((article.pk,), connection=broker)
        wait_until_finished(article, what="the article to be matched")
    assert article.status == Article.Status.DONE, article.error
    assert Match.objects.filter(claim__article=article).exists()


def test_it_makes_one_group_when_two_workers_group_the_same_claim_at_once(tmp_path, redis_broker):
    from claims.engine import embedding

    texts = [
        "Deputies in the State Duma voted 397 to 0 to ratify the agreement.",
        "The State Duma voted 397 to 0 to ratify the agreement with North Korea.",
    ]
    vectors = embedding.embed(texts)
    articles = []
    for text, vector in zip(texts, vectors, strict=True):
        article = Article.objects.create(text=text, content_hash=content_hash(text), status=Article.Status.MATCHING)
        Claim.objects.create(
            article=article, text=text, start=0, end=len(text), embedding=vector, status=Claim.Status.EXTRACTED
        )
        articles.append(article)
    env = processes.service_env(CELERY_BROKER_URL=redis_broker, SLOW_GROUPING_SECONDS="2")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with (
        processes.celery_worker(env, logs[0], queues="matching", name="first", app="tests.slow_grouping_worker"),
        processes.celery_worker(env, logs[1], queues="matching", name="second", app="tests.slow_grouping_worker"),
    ):
        processes.wait_for(
            lambda: all("ready" in log.read_text(errors="replace") for log in logs), timeout=60, what="both workers"
        )
        with Connection(redis_broker) as broker:
            for article in articles:
                tasks.article_match.apply_async((article.pk,), connection=broker)
        for article in articles:
            wait_until_finished(article, what="both articles to be grouped")

    # Each worker grouped one of the claims, at the same moment; the lock made them agree.
    assert [tasks_done(log) for log in logs] == [{"article_match"}, {"article_match"}]
    claims = list(Claim.objects.filter(article__in=articles))
    assert len({claim.group_id for claim in claims}) == 1
    assert sorted(claim.grouping["how"] for claim in claims) == ["founded", "wording"]
