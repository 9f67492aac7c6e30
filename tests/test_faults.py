"""Faults caused on purpose against real services: a worker killed mid-task,
the broker down and restarted, the database unreachable, the same article sent
three times at once, two reviewers saving the same claim at once, and work that
fails for good. After each: nothing lost, nothing doubled, and the failure is
visible to the people who need to see it."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import kombu.exceptions
import psutil
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from rest_framework.authtoken.models import Token

from claims import services, tasks
from claims.models import Article, Claim, Match, Verdict
from factcheck.celery import app as celery_app
from tests import processes
from tests.conftest import _person

TOP_K = settings.MATCH_TOP_K


def headers_for(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.5) -> None:
    processes.wait_for(check, timeout=timeout, what=what, interval=interval)


def statuses(*articles: Article) -> list[str]:
    return list(Article.objects.filter(pk__in=[a.pk for a in articles]).values_list("status", flat=True))


def assert_processed_exactly_once(article: Article) -> None:
    """Done, every claim embedded and matched once: no duplicate claim spans, no
    duplicate (claim, reference) pairs, ranks 1..k exactly once per claim."""
    article.refresh_from_db()
    assert article.status == Article.Status.DONE, article.error
    claims = list(article.claims.all())
    assert claims, "no claims were extracted"
    spans = [(c.start, c.end) for c in claims]
    assert len(spans) == len(set(spans))
    assert all(c.embedding is not None for c in claims)
    assert {c.status for c in claims} == {Claim.Status.MATCHED}
    for claim in claims:
        ranks = sorted(Match.objects.filter(claim=claim).values_list("rank", flat=True))
        assert ranks == list(range(1, TOP_K + 1)), (claim.pk, ranks)
    pairs = list(Match.objects.filter(claim__article=article).values_list("claim_id", "reference_id"))
    assert len(pairs) == len(set(pairs)) == len(claims) * TOP_K


def worker_ready(log: Path) -> Callable[[], bool]:
    return lambda: " ready." in log.read_text(errors="replace")


def kill_hard(proc) -> None:
    """SIGKILL the worker and its pool children at once, as the kernel's OOM
    killer or a lost machine would: no shutdown, no acknowledgement."""
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    for member in family:
        member.kill()
    psutil.wait_procs(family, timeout=10)
    proc.wait(timeout=10)


# --- A worker killed mid-task ------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_finishes_an_article_once_when_its_worker_is_killed_mid_embedding(
    tmp_path, demo_references, demo_article_text
):
    article = Article.objects.create(
        text=demo_article_text, content_hash="killed", title="Killed", published=dt.date(2024, 10, 24)
    )
    with processes.redis_server(tmp_path / "redis") as redis:
        # A short visibility timeout, looked at every 2 s: an unacknowledged
        # message comes back to a live worker after 8-10 s instead of the
        # production 10-12 minutes. No beat runs, so the sweep cannot be what
        # saves the article.
        env = processes.service_env(
            CELERY_BROKER_URL=redis.url,
            CELERY_VISIBILITY_TIMEOUT="8",
            CELERY_RESTORE_INTERVAL="2",
            CELERY_RESTORE_THROTTLE="1",
        )
        first_log = tmp_path / "worker-1.log"
        # The doomed worker embeds slowly (tests/slow_worker.py): it is surely
        # in the middle of the batch when it dies.
        with processes.celery_worker(env, first_log, name="doomed", app="tests.slow_worker") as doomed:
            wait_until(worker_ready(first_log), timeout=90, what="the first worker")
            with celery_app.connection_for_write(redis.url) as conn:
                tasks.article_extract.apply_async(args=[article.pk], connection=conn)
            wait_until(
                lambda: (
                    re.search(r"article_embed\[[^]]+\] received", first_log.read_text(errors="replace")) is not None
                ),
                timeout=120,
                what="the worker to take the embed task",
            )
            time.sleep(1)  # into the batch, past the receipt
            kill_hard(doomed)
        assert not re.search(r"article_embed\[[^]]+\] succeeded", first_log.read_text()), "killed too late"
        claims_at_kill = article.claims.count()
        assert claims_at_kill > 0
        assert statuses(article) == [Article.Status.EMBEDDING]
        assert not article.claims.filter(embedding__isnull=False).exists(), "a half-written batch"

        second_log = tmp_path / "worker-2.log"
        with processes.celery_worker(env, second_log, name="heir"):
            wait_until(
                lambda: statuses(article) == [Article.Status.DONE],
                timeout=180,
                what="the redelivered task to finish the article",
                interval=0.5,
            )
        assert re.search(r"article_embed\[[^]]+\] received", second_log.read_text()), "no redelivery"
    assert article.claims.count() == claims_at_kill
    assert_processed_exactly_once(article)


# --- The broker down, then back ------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_accepts_work_while_redis_is_down_and_finishes_it_when_redis_returns(
    tmp_path, reviewer, demo_references, demo_article_text
):
    headers = headers_for(reviewer)
    paragraphs = [p for p in demo_article_text.split("\n") if p.strip()]
    texts = [demo_article_text, *(f"{p} (report {i})" for i, p in enumerate(paragraphs[:2], start=1))]
    with processes.redis_server(tmp_path / "redis") as redis:
        env = processes.service_env(
            CELERY_BROKER_URL=redis.url,
            # Beat sweeps every 2 s and re-enqueues work untouched for 4 s.
            SWEEP_EVERY="2",
            SWEEP_STUCK_AFTER="4",
        )
        log = tmp_path / "worker.log"
        beat = ("-B", "-s", str(tmp_path / "beat-schedule"))
        with (
            processes.celery_worker(env, log, extra_args=beat),
            processes.web_server(env, tmp_path / "web.log") as base,
        ):
            wait_until(worker_ready(log), timeout=90, what="the worker")
            first = httpx.post(f"{base}/api/articles", json={"text": texts[0]}, headers=headers, timeout=30)
            assert first.status_code == 202, first.text
            first_article = Article.objects.get(pk=first.json()["id"])
            # Redis goes away while the worker is in the middle of the first
            # article: the message for its next stage cannot be published.
            wait_until(
                lambda: statuses(first_article) != [Article.Status.PENDING],
                timeout=60,
                what="the worker to start on the article",
                interval=0.05,
            )
            redis.stop()

            accepted, took = [], []
            for text in texts[1:]:
                started = time.monotonic()
                answer = httpx.post(f"{base}/api/articles", json={"text": text}, headers=headers, timeout=30)
                took.append(time.monotonic() - started)
                assert answer.status_code == 202, answer.text
                accepted.append(Article.objects.get(pk=answer.json()["id"]))
            # The database is the source of truth: the failed publish is not the client's problem.
            assert max(took) < 10, took
            ready = httpx.get(f"{base}/health/ready", timeout=30)
            assert ready.status_code == 503
            assert ready.json()["checks"]["broker"].startswith("down"), ready.json()
            assert ready.json()["checks"]["database"] == "ok"
            # The article page says honestly that the work waits.
            page = logged_in(reviewer).get(f"/articles/{accepted[0].pk}/").content.decode()
            assert "Processing…" in page
            assert "Waiting for extraction" in page

            redis.start()  # the same port, empty: whatever was queued is gone
            everything = [first_article, *accepted]
            wait_until(
                lambda: statuses(*everything) == [Article.Status.DONE] * len(everything),
                timeout=240,
                what="every article to be processed after Redis returned",
                interval=1,
            )
            assert httpx.get(f"{base}/health/ready", timeout=30).status_code == 200
    assert Article.objects.count() == len(texts)
    for article in everything:
        assert_processed_exactly_once(article)
    page = logged_in(reviewer).get(f"/articles/{accepted[0].pk}/").content.decode()
    assert "Processed:" in page


@pytest.mark.django_db
def test_it_keeps_a_submission_when_the_broker_refuses_the_message(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def refused(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.article_extract, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        article, created = services.article_ingest(text="Parliament voted 397 to 0.")
    assert created
    article.refresh_from_db()
    assert article.status == Article.Status.PENDING  # for the sweep to re-enqueue
    assert "Error calling claims.tasks.article_extract.delay in on_commit()" in caplog.text


# --- The database unreachable; concurrency against a live server -----------------------------


class PgProxy:
    """A TCP front for the test database. Stopping it makes PostgreSQL
    unreachable for the server under test without stopping the embedded
    cluster that other test runs share."""

    def __init__(self) -> None:
        db = connection.settings_dict
        host = db.get("HOST") or "127.0.0.1"
        port = int(db.get("PORT") or 5432)
        self.upstream = (
            (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}") if host.startswith("/") else (socket.AF_INET, (host, port))
        )
        self.port = processes.free_port()
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            # shutdown first: close() alone leaves a thread blocked in accept() accepting.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            family, address = self.upstream
            server = socket.socket(family, socket.SOCK_STREAM)
            try:
                server.connect(address)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def live(django_db_setup, tmp_path_factory):
    """gunicorn reaching the test database through PgProxy, with a filesystem
    broker nobody consumes (these tests look at the web tier only)."""
    proxy = PgProxy()
    proxy.start()
    workdir = tmp_path_factory.mktemp("live")
    name = connection.settings_dict["NAME"]  # the test database: django_db_setup made it
    env = processes.service_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{proxy.port}/{name}",
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(workdir / "queue"),
        API_THROTTLE_SUBMIT="1000/minute",
    )
    with processes.web_server(env, workdir / "web.log") as base:
        yield base, proxy
    proxy.stop()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_answers_503_and_says_what_is_down_while_postgres_is_unreachable(live, reviewer):
    base, proxy = live
    headers = headers_for(reviewer)
    assert httpx.get(f"{base}/api/articles", headers=headers, timeout=30).status_code == 200
    proxy.stop()
    try:
        for method, body in (("GET", None), ("POST", {"text": "Parliament voted 397 to 0."})):
            answer = httpx.request(method, f"{base}/api/articles", json=body, headers=headers, timeout=30)
            assert answer.status_code == 503, answer.text
            assert answer.headers["Content-Type"] == "application/json"
            assert answer.json()["error"]["code"] == "service_unavailable"
            assert set(answer.json()["error"]) == {"code", "message", "fields"}
            assert int(answer.headers["Retry-After"]) > 0
        assert httpx.get(f"{base}/health/", timeout=30).status_code == 200  # alive, not ready
        ready = httpx.get(f"{base}/health/ready", timeout=30)
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"].startswith("down"), checks
        assert checks["broker"] == "ok"
        assert checks["model"].startswith("ok")
    finally:
        proxy.start()
    # The refused submission left nothing behind; the client's retry goes through once.
    assert not Article.objects.exists()
    retried = httpx.post(
        f"{base}/api/articles", json={"text": "Parliament voted 397 to 0."}, headers=headers, timeout=30
    )
    assert retried.status_code == 202, retried.text
    assert httpx.get(f"{base}/health/ready", timeout=30).status_code == 200
    assert Article.objects.count() == 1


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together, so they reach the server
    within milliseconds of each other."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_stores_one_article_when_the_same_one_is_posted_three_times_at_once(live, reviewer):
    base, _ = live
    headers = headers_for(reviewer)
    text = "The Duma voted 397 to 0 on Thursday to ratify the treaty."

    def same_text() -> httpx.Response:
        return httpx.post(f"{base}/api/articles", json={"text": text}, headers=headers, timeout=30)

    answers = at_once([same_text] * 3)
    assert sorted(a.status_code for a in answers) == [200, 200, 202], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Article.objects.count() == 1

    # One Idempotency-Key on three different bodies (a client retrying with edits).
    def keyed(i: int) -> Callable[[], httpx.Response]:
        return lambda: httpx.post(
            f"{base}/api/articles",
            json={"text": f"Revision {i}: troops numbered 12,000 in 2024."},
            headers={**headers, "Idempotency-Key": "newsroom-cms-4711"},
            timeout=30,
        )

    answers = at_once([keyed(i) for i in range(3)])
    assert sorted(a.status_code for a in answers) == [200, 200, 202], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Article.objects.filter(idempotency_key="newsroom-cms-4711").count() == 1
    assert Article.objects.count() == 2


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_three_concurrent_reviewers_win_and_tells_the_others(live, reviewer):
    base, _ = live
    reviewers = [reviewer, _person("rob", "reviewer"), _person("ria", "reviewer")]
    article = Article.objects.create(text="The Duma voted 397 to 0.", content_hash="race")
    claim = Claim.objects.create(article=article, text="The Duma voted 397 to 0.", start=0, end=24, status="matched")

    def verdict(user, rating: str, seen: int) -> Callable[[], httpx.Response]:
        headers = headers_for(user)
        return lambda: httpx.post(
            f"{base}/api/claims/{claim.pk}/verdicts",
            json={"rating": rating, "expected_version": seen},
            headers=headers,
            timeout=30,
        )

    for round_ in range(3):
        # Every reviewer read the claim at the same version.
        seen = Claim.objects.get(pk=claim.pk).version
        ratings = ("True", "False", "Half true")
        answers = at_once([verdict(user, rating, seen) for user, rating in zip(reviewers, ratings, strict=True)])
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409, 409], [a.text for a in answers]
        for lost in (a for a in answers if a.status_code == 409):
            assert lost.json()["error"]["code"] == "conflict"
        # No lost update: one verdict per round, one version step per verdict.
        assert Verdict.objects.filter(claim=claim).count() == round_ + 1
        assert Claim.objects.get(pk=claim.pk).version == seen + 1


# --- Retries, time limits and the dead letters ---------------------------------------------------


@pytest.fixture
def pending(db) -> Article:
    return Article.objects.create(text="Parliament voted 397 to 0.", content_hash="p", title="Tally story")


def failing(monkeypatch, errors: list[BaseException]) -> list[int]:
    """Make the extraction stage raise `errors` in turn, then succeed; returns the call log."""
    calls: list[int] = []

    def stage(*, article: Article) -> int:
        calls.append(article.pk)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        article.advance(from_status=Article.Status.EXTRACTING, to_status=Article.Status.EMBEDDING)
        return 0

    monkeypatch.setattr(services, "article_extract", stage)
    return calls


@pytest.mark.django_db
def test_it_retries_a_lost_database_connection_with_backoff(pending, monkeypatch):
    calls = failing(monkeypatch, [OperationalError("server closed the connection")] * 2)
    result = tasks.article_extract.apply(args=[pending.pk])
    assert result.successful(), result.traceback
    assert len(calls) == 3
    pending.refresh_from_db()
    assert pending.status == Article.Status.EMBEDDING
    # Backoff doubles up to a minute, five tries at most; every stage has the same policy.
    for task in (tasks.article_extract, tasks.article_embed, tasks.article_match):
        assert task.autoretry_for == tasks.TRANSIENT
        assert (task.retry_backoff, task.retry_backoff_max, task.max_retries) == (True, 60, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ValueError("a sentence the extractor cannot read"), "ValueError while extracting claims"),
        (SoftTimeLimitExceeded(), "SoftTimeLimitExceeded while extracting claims"),
    ],
)
def test_it_fails_for_good_without_retrying_what_a_retry_cannot_fix(pending, monkeypatch, error, reason):
    calls = failing(monkeypatch, [error])
    tasks.article_extract.apply(args=[pending.pk])
    assert len(calls) == 1
    pending.refresh_from_db()
    assert pending.status == Article.Status.FAILED
    assert pending.error.startswith(reason)


def test_it_bounds_every_task_in_time():
    conf = celery_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_it_lists_failed_articles_for_editors_to_retry(editor, reviewer, pending):
    pending.fail(error="ValueError while extracting claims: boom")
    done = Article.objects.create(text="Fine.", content_hash="fine", title="Fine story", status=Article.Status.DONE)
    page = logged_in(editor).get("/articles/failed/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tally story" in html
    assert "ValueError while extracting claims: boom" in html
    assert f'action="/articles/{pending.pk}/retry/"' in html
    assert done.title not in html
    assert 'href="/articles/failed/"' in logged_in(editor).get("/").content.decode()
    assert logged_in(reviewer).get("/articles/failed/").status_code == 403

    article_page = logged_in(editor).get(f"/articles/{pending.pk}/").content.decode()
    assert "Processing failed." in article_page
    assert "Retry processing" in article_page
    assert logged_in(editor).post(f"/articles/{pending.pk}/retry/").status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.error) == (Article.Status.PENDING, "")
    assert "No article has failed." in logged_in(editor).get("/articles/failed/").content.decode()


@pytest.mark.django_db
def test_it_gives_up_on_work_stuck_too_long_and_shows_it_as_failed(editor):
    stuck = Article.objects.create(text="x", content_hash="stuck", title="Stuck story", status=Article.Status.MATCHING)
    Article.objects.filter(pk=stuck.pk).update(created=stuck.created - dt.timedelta(hours=2))
    assert services.articles_sweep(stuck_after=dt.timedelta(minutes=2), give_up_after=dt.timedelta(hours=1)) == (0, 1)
    html = logged_in(editor).get("/articles/failed/").content.decode()
    assert "Stuck story" in html
    assert "Gave up: still matching claims" in html
