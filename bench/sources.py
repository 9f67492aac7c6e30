"""Sources: a local feed of N entries, polled, its pages fetched and every
article matched by a real Celery worker; then what a re-poll costs.

A threaded HTTP server on loopback serves /feed.xml (RSS, with an ETag) and
N article pages (the reference article under a distinct lead and headline
each, so each is new). One Celery worker (-c 1, every queue, as `make run`)
runs against the benchmark database with the CheckThat! corpus; this process
runs the polls itself (services.sources.source_poll, the task's body) so that
their CPU time is measured alone:

- first poll to every article matched: from before the first poll to the
  database's record of the last article finishing;
- re-polls: with the ETag (the server answers 304), with a server that ignores
  validators but sends the same bytes, and with the same entries in a feed whose
  bytes changed (a new lastBuildDate): requests, wall and CPU ms, and the rows
  each wrote (pg_stat_xact_user_tables inside the poll's transaction).

    python -m bench.sources [--entries 200] [--out FILE]
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from bench import common
from bench.e2e import words

TITLE = "bench sources"


class Outlet:
    """The feed and its pages, with a count of the requests for each kind."""

    def __init__(self, entries: int, seed: str, run: str) -> None:
        self.requests: Counter = Counter()
        self.honour_validators = True
        self.build = 0
        paragraphs = [p.strip() for p in seed.split("\n") if p.strip()]
        self.pages = {}
        for n in range(entries):
            lead = f"Edition {run} {words(n)} of the bench outlet."
            body = "".join(f"<p>{escape(p)}</p>" for p in [lead, *paragraphs])
            headline = f"Bench story {run} {words(n)}"
            self.pages[f"/articles/{n}"] = (
                f"<html><head><title>{headline}</title><meta name='date' content='{common.SEED_PUBLISHED}'></head>"
                f"<body><nav>Home World</nav><article><h1>{headline}</h1>{body}</article></body></html>"
            ).encode()
        self.entries = entries
        self.run = run

    def feed(self, base: str) -> bytes:
        items = "".join(
            f"<item><guid>{base}/articles/{n}</guid><link>{base}/articles/{n}</link>"
            f"<title>Bench story {self.run} {words(n)}</title>"
            "<pubDate>Thu, 24 Oct 2024 08:00:00 GMT</pubDate></item>"
            for n in range(self.entries)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench Outlet</title>'
            f"<lastBuildDate>build {self.build}</lastBuildDate>{items}</channel></rss>"
        ).encode()


def serve(outlet: Outlet) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://{self.headers['Host']}"
            if self.path == "/feed.xml":
                outlet.requests["feed"] += 1
                body = outlet.feed(base)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if outlet.honour_validators and self.headers.get("If-None-Match") == etag:
                    outlet.requests["feed_304"] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self._send(body, "application/rss+xml", etag if outlet.honour_validators else None)
            elif self.path in outlet.pages:
                outlet.requests["page"] += 1
                self._send(outlet.pages[self.path], "text/html; charset=utf-8", None)
            else:
                self.send_error(404)

        def _send(self, body: bytes, content_type: str, etag: str | None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


ROWS_SQL = """
SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables
WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname
"""


def timed_poll(source, outlet: Outlet) -> dict:
    """One poll in this process: its requests, wall and CPU time, and the rows it wrote."""
    from django.db import connection, transaction

    from claims.services import sources

    # Only the feed: the worker may start on the pages while the poll commits.
    before = outlet.requests["feed"]
    # The timers include the commit, where the poll's fetch tasks are published.
    wall, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        # The counters can still hold earlier transactions' rows not yet flushed
        # to the shared statistics: count the difference across this one.
        cursor.execute(ROWS_SQL)
        start = {name: (i, u, d) for name, i, u, d in cursor.fetchall()}
        assert source.claim_poll()
        result = sources.source_poll(source=source)
        cursor.execute(ROWS_SQL)
        written = {}
        for name, i, u, d in cursor.fetchall():
            i0, u0, d0 = start.get(name, (0, 0, 0))
            if (i - i0, u - u0, d - d0) != (0, 0, 0):
                written[name] = {"inserted": i - i0, "updated": u - u0, "deleted": d - d0}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "status": result.status,
        "new_entries": result.new_entries,
        "error": result.error,
        "requests": outlet.requests["feed"] - before,
        "ms": round(wall * 1000, 1),
        "cpu_ms": round(cpu * 1000, 1),
        "rows_inserted": sum(t["inserted"] for t in written.values()),
        "rows_updated": sum(t["updated"] for t in written.values()),
        "rows_deleted": sum(t["deleted"] for t in written.values()),
        "rows_by_table": written,
    }


def worker_cpu_seconds(proc) -> float:
    import psutil

    try:
        root = psutil.Process(proc.pid)
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


def run(entries: int, logs) -> dict:
    import os

    from django.conf import settings
    from django.db.models import Max

    from claims import services
    from claims.models import Article, FeedEntry, Source
    from tests import processes

    figures: dict = {"corpus": common.ensure_corpus(progress=True), "entries": entries}
    # The machine is shared: say how busy it was.
    figures["load_average_1m_at_start"] = round(os.getloadavg()[0], 2)
    seed = common.SEED_ARTICLE.read_text(encoding="utf-8")
    run_id = words(uuid.uuid4().int % 26**6)
    outlet = Outlet(entries, seed, run_id)
    server, base = serve(outlet)
    env = common.service_env(FETCH_ALLOWED_HOSTS=base.removeprefix("http://"))
    log = logs / "sources-worker.log"
    # This process polls too: the same exact host:port may be fetched here.
    settings.FETCH_ALLOWED_HOSTS = [base.removeprefix("http://")]
    try:
        with processes.celery_worker(env, log, name="bench-sources") as worker:
            processes.wait_for(lambda: "models warm" in log.read_text(errors="replace"), timeout=180, what="models")
            warm, _ = services.article_ingest(text=f"Warm-up {run_id}.\n{seed}", title=TITLE)
            processes.wait_for(
                lambda: not Article.objects.filter(pk=warm.pk).in_progress().exists(), timeout=180, what="warm-up"
            )
            source = Source.objects.create(url=f"{base}/feed.xml", name=f"{TITLE} {run_id}", interval=3600)
            cpu_before = worker_cpu_seconds(worker)
            started = time.time()
            figures["first_poll"] = timed_poll(source, outlet)
            rows = FeedEntry.objects.filter(source=source)
            processes.wait_for(
                lambda: (
                    not rows.exclude(status__in=[FeedEntry.Status.DONE, FeedEntry.Status.FAILED]).exists()
                    and not Article.objects.filter(feed_entries__source=source).in_progress().exists()
                ),
                timeout=1200,
                what="every entry fetched and its article matched",
                interval=0.5,
            )
            articles = Article.objects.filter(feed_entries__source=source)
            last = articles.aggregate(last=Max("updated"))["last"].timestamp()
            figures["first_poll_to_all_matched_seconds"] = round(last - started, 1)
            figures["articles_per_minute"] = round(entries / (last - started) * 60, 1)
            figures["worker_cpu_seconds"] = round(worker_cpu_seconds(worker) - cpu_before, 1)
            figures["articles_done"] = articles.filter(status=Article.Status.DONE).count()
            figures["entries_failed"] = rows.filter(status=FeedEntry.Status.FAILED).count()
            figures["page_requests"] = outlet.requests["page"]
            figures["claims"] = sum(a.claims.count() for a in articles)
            figures["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)

            source.refresh_from_db()
            figures["repoll_304"] = timed_poll(source, outlet)
            outlet.honour_validators = False
            figures["repoll_same_bytes_no_validators"] = timed_poll(source, outlet)
            outlet.build += 1
            figures["repoll_changed_bytes_same_entries"] = timed_poll(source, outlet)
    finally:
        server.shutdown()
        Article.objects.filter(feed_entries__source__name__startswith=TITLE).delete()
        Article.objects.filter(title=TITLE).delete()
        Source.objects.filter(name__startswith=TITLE).delete()
        common.flush_broker()
    return figures


def main() -> None:
    parser = common.part_parser(__doc__)
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    common.part_start(args)
    common.write_part(args.out, run(args.entries, args.logs))


if __name__ == "__main__":
    main()
