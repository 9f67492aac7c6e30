from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import roles, services
from claims.services import importers

DEMO = Path(__file__).resolve().parents[1] / "claims" / "demo"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _person(username: str, *groups: str) -> User:
    user = User.objects.create_user(username=username, password=f"{username}-password-1")
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def reviewer(db) -> User:
    """Rita reviews claims and gives verdicts."""
    return _person("rita", roles.REVIEWER)


@pytest.fixture
def editor(db) -> User:
    """Ed also manages the corpus, assigns claims and publishes verdicts."""
    return _person("ed", roles.EDITOR)


@pytest.fixture
def outsider(db) -> User:
    """Olive has an account but no role in the newsroom."""
    return _person("olive")


def token_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def reviewer_api(reviewer) -> APIClient:
    return token_client(reviewer)


@pytest.fixture
def outsider_api(outsider) -> APIClient:
    return token_client(outsider)


@pytest.fixture
def editor_api(editor) -> APIClient:
    return token_client(editor)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's local server on IPv4 loopback, whatever localhost resolves to."""
    return ("127.0.0.1", 0)


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Let a test's local server (127.0.0.1) stand in for a public web site;
    every other non-public address, 127.0.0.2 included, stays refused."""
    from claims.services import fetch

    real = fetch.address_allowed
    monkeypatch.setattr(
        fetch, "address_allowed", lambda address, allow_loopback=False: address == "127.0.0.1" or real(address)
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_corpus_statistics():
    """BM25 caches corpus statistics per process; each test builds its own corpus."""
    from claims.engine import crosslingual, retrieval

    retrieval.stats_forget()
    crosslingual.forget()


@pytest.fixture
def demo_references(db) -> int:
    """The demo reference corpus, imported and embedded with the real model."""
    rows = importers.read((DEMO / "references.jsonl").read_bytes(), fmt="jsonl")
    services.references_import(rows=rows)
    return services.references_embed()


@pytest.fixture
def demo_article_text() -> str:
    return (DEMO / "article.txt").read_text(encoding="utf-8")


@pytest.fixture
def demo_expected() -> dict[str, str]:
    expected = json.loads((DEMO / "expected.json").read_text())
    expected.pop("_why")
    return expected


@pytest.fixture
def seed_article() -> str:
    path = SHARED / "seed" / "000_adcf756cba233ad6.txt"
    if not path.exists():
        pytest.skip(f"the reference article is not at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def redis_broker(request) -> Iterator[str]:
    """The machine's Redis as a Celery broker, in the test module's own database
    (its REDIS_DB), emptied before and after."""
    import redis

    url = f"redis://127.0.0.1:6379/{getattr(request.module, 'REDIS_DB', 15)}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379; .ci/run starts it")
    client.flushdb()
    yield url
    client.flushdb()
