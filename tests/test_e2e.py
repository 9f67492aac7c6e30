"""The whole pipeline across real processes: gunicorn serves the API, a Celery
worker extracts, embeds and matches, PostgreSQL with pgvector stores it all."""

from __future__ import annotations

import httpx
import pytest
from rest_framework.authtoken.models import Token

from claims.models import Article, Claim
from tests import processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REDIS_DB = 15  # its own database, flushed around each test


def submit_and_wait(base: str, token: str, text: str, *, timeout: float = 180) -> dict:
    headers = {"Authorization": f"Token {token}"}
    created = httpx.post(
        f"{base}/api/articles",
        json={"text": text, "title": "Demo", "published": "2024-10-24"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 202, created.text
    location = created.headers["Location"]
    state: dict = {}

    def finished() -> bool:
        state.update(httpx.get(f"{base}{location}", headers=headers, timeout=10).json())
        return state["status"] in ("done", "failed")

    processes.wait_for(finished, timeout=timeout, what="the article to be processed", interval=1)
    return state


def assert_expected_matches(article: dict, expected: dict[str, str]) -> None:
    assert article["status"] == "done", article.get("error")
    numeric = [c for c in article["claims"] if c["kind"] == "numeric"]
    assert numeric, "no numeric claims were extracted"
    for phrase, reference_id in expected.items():
        claim = next((c for c in article["claims"] if phrase in c["text"]), None)
        assert claim is not None, f"no claim contains {phrase!r}"
        found = [m["reference"]["external_id"] for m in claim["matches"]]
        assert reference_id in found, f"{phrase!r}: {reference_id} not among {found}"


@pytest.fixture
def token(reviewer) -> str:
    return Token.objects.create(user=reviewer).key


def test_it_processes_an_article_with_redis_and_a_real_worker(
    tmp_path, token, demo_references, demo_article_text, demo_expected, redis_broker
):
    env = processes.service_env(CELERY_BROKER_URL=redis_broker)
    with (
        processes.celery_worker(env, tmp_path / "worker.log"),
        processes.web_server(env, tmp_path / "web.log") as base,
    ):
        article = submit_and_wait(base, token, demo_article_text)
    assert_expected_matches(article, demo_expected)
    stored = Article.objects.get(pk=article["id"])
    assert stored.claims.filter(status=Claim.Status.MATCHED).count() == len(article["claims"])
    assert not stored.claims.filter(embedding__isnull=True).exists()


def test_it_processes_an_article_on_a_bare_machine_without_a_broker_server(
    tmp_path, token, demo_references, demo_article_text, demo_expected
):
    env = processes.service_env(CELERY_BROKER_URL="filesystem://", CELERY_FILESYSTEM_DIR=str(tmp_path / "queue"))
    with (
        processes.celery_worker(env, tmp_path / "worker.log"),
        processes.web_server(env, tmp_path / "web.log") as base,
    ):
        article = submit_and_wait(base, token, demo_article_text)
    assert_expected_matches(article, demo_expected)
