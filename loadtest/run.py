"""`make load`: a bounded load test on loopback against the real stack.

Starts, against a database of its own (factcheck_load on the embedded
PostgreSQL, dropped and made anew; or LOAD_DATABASE_URL): a private
redis-server, gunicorn and two Celery workers. Loads the demo corpus, then

1. /api/match with --match-users concurrent clients for --match-seconds;
2. --articles articles submitted in one burst, then waits (at most --timeout
   seconds) until every one is matched.

Prints throughput, latency percentiles and errors of both, and how long the
pipeline took to match the whole burst. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO = ROOT / "claims" / "demo"
sys.path.insert(0, str(ROOT))

from tests.processes import free_port, wait_for  # noqa: E402 (needs ROOT on sys.path)


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


PGDATA = Path(os.environ.get("FACTCHECK_VAR_DIR", ROOT / ".var")) / "pgdata"


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    from factcheck.embedded_pg import ensure_running

    info = ensure_running(PGDATA, database="postgres")
    with psycopg.connect(
        host=info["HOST"], port=info["PORT"], user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fresh_database(name: str) -> str:
    """A new, empty database on the embedded cluster; its DATABASE_URL."""
    from factcheck.embedded_pg import ensure_running

    drop_database(name)
    info = ensure_running(PGDATA, database=name)
    return f"postgres://postgres@/{name}?host={quote(info['HOST'])}&port={info['PORT']}"


def connect(url: str):
    import psycopg

    # psycopg reads the libpq URL form, host in the query string included.
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


@contextmanager
def process(args: list, *, env: dict[str, str], log_path: Path, ready: Callable[[], bool] | None = None, what: str):
    with log_path.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            if ready is not None:

                def up() -> bool:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{what} exited: {log_path.read_text()[-2000:]}")
                    return ready()

                wait_for(up, timeout=120, what=what)
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def http_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def make_articles(n: int) -> list[dict]:
    """n distinct articles: the demo article and corpus claims, numbers varied."""
    demo = (DEMO / "article.txt").read_text(encoding="utf-8")
    references = [json.loads(line)["text"] for line in (DEMO / "references.jsonl").read_text().splitlines() if line]
    articles = []
    for i in range(n):
        picked = [references[(i * 7 + k) % len(references)] for k in range(3)]
        extra = (
            f"Lawmakers voted {300 + i} to {i % 7} on the bill, officials said. "
            f"About {1000 + 37 * i:,} people attended the rally on {1 + i % 28} March 2024."
        )
        articles.append(
            {
                "title": f"Load article {i + 1}",
                "text": "\n\n".join([demo, *picked, extra]),
                "published": "2024-10-24",
                "format": "text",
            }
        )
    return articles


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))]


def locust(user_class: str, *, users: int, seconds: int, host: str, prefix: Path, env: dict[str, str]) -> dict:
    """Run one user class headless; its requests' figures (from LOAD_RESULTS, see the locustfile)."""
    results = Path(f"{prefix}.json")
    args = [
        BIN / "locust",
        "-f",
        ROOT / "loadtest" / "locustfile.py",
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--host",
        host,
        user_class,
    ]
    with Path(f"{prefix}.log").open("w") as out:
        subprocess.run(args, cwd=ROOT, env={**env, "LOAD_RESULTS": str(results)}, stdout=out, stderr=subprocess.STDOUT)
    recorded = json.loads(results.read_text())
    times = sorted(recorded["times_ms"])
    elapsed = (recorded["end"] - recorded["start"]) if times else 0.0
    failures: dict[str, int] = {}
    for message in recorded["failures"]:
        failures[message] = failures.get(message, 0) + 1
    return {
        "requests": len(times),
        "failures": len(recorded["failures"]),
        "rps": len(times) / elapsed if elapsed else 0.0,
        "p50": f"{percentile(times, 0.50):.0f}",
        "p95": f"{percentile(times, 0.95):.0f}",
        "p99": f"{percentile(times, 0.99):.0f}",
        "max": f"{times[-1] if times else 0:.0f}",
        "elapsed": elapsed,
        "failure_list": [f"{n}x {message}" for message, n in sorted(failures.items(), key=lambda kv: -kv[1])],
    }


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--match-users", type=int, default=20)
    parser.add_argument("--match-seconds", type=int, default=60)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for the burst to be matched")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--database", default="factcheck_load")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the database")
    opts = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="factcheck-load-"))
    log(f"logs in {workdir}")
    database_url = os.environ.get("LOAD_DATABASE_URL") or fresh_database(opts.database)
    redis_port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    unlimited = "100000000/minute"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "HF_HUB_OFFLINE": "1",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # The rate limits protect a shared service from one client; here one
        # token is the whole crowd.
        "API_THROTTLE_USER": unlimited,
        "API_THROTTLE_SUBMIT": unlimited,
        "API_THROTTLE_MATCH": unlimited,
    }
    ok = False
    with ExitStack() as stack:
        stack.enter_context(
            process(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                env=env,
                log_path=workdir / "redis.log",
                ready=lambda: (
                    subprocess.run(
                        ["redis-cli", "-p", str(redis_port), "ping"], capture_output=True, text=True
                    ).stdout.strip()
                    == "PONG"
                ),
                what="redis-server",
            )
        )
        log("migrating and loading the demo corpus")
        manage("migrate", "--noinput", env=env)
        manage("load_demo", env=env)
        token = manage("create_api_token", "reviewer", env=env).strip().splitlines()[-1]
        env["LOAD_TOKEN"] = token
        for i in (1, 2):
            worker_log = workdir / f"worker-{i}.log"
            stack.enter_context(
                process(
                    [
                        BIN / "celery",
                        "-A",
                        "factcheck",
                        "worker",
                        "-Q",
                        "default,extraction,embedding,matching",
                        "-c",
                        "1",
                        "-n",
                        f"load{i}@%h",
                        "--without-mingle",
                        "--without-gossip",
                        "-l",
                        "INFO",
                    ],
                    env=env,
                    log_path=worker_log,
                    ready=lambda path=worker_log: " ready." in path.read_text(errors="replace"),
                    what=f"worker {i}",
                )
            )
        stack.enter_context(
            process(
                [
                    BIN / "gunicorn",
                    "factcheck.wsgi",
                    "-b",
                    f"127.0.0.1:{web_port}",
                    "-w",
                    str(opts.web_workers),
                    "--threads",
                    str(opts.web_threads),
                    "-t",
                    "120",
                ],
                env=env,
                log_path=workdir / "web.log",
                ready=lambda: http_ok(f"{base}/health/"),
                what="gunicorn",
            )
        )
        import httpx

        # Load the model and spaCy in every web worker before measuring.
        headers = {"Authorization": f"Token {token}"}
        for _ in range(4 * opts.web_workers):
            httpx.post(f"{base}/api/match", json={"text": "Warm up: 5 votes."}, headers=headers, timeout=120)
        log(f"phase 1: /api/match, {opts.match_users} users for {opts.match_seconds}s")
        match = locust(
            "MatchUser",
            users=opts.match_users,
            seconds=opts.match_seconds,
            host=base,
            prefix=workdir / "match",
            env=env,
        )

        articles = make_articles(opts.articles)
        (workdir / "articles.json").write_text(json.dumps(articles))
        env["LOAD_ARTICLES"] = str(workdir / "articles.json")
        with connect(database_url) as db:
            burst_start = db.execute("SELECT now()").fetchone()[0]
        log(f"phase 2: {opts.articles} articles in one burst")
        burst = locust("BurstUser", users=opts.articles, seconds=300, host=base, prefix=workdir / "burst", env=env)
        state: dict[str, int] = {}

        def all_finished() -> bool:
            with connect(database_url) as db:
                rows = db.execute(
                    "SELECT status, count(*) FROM claims_article WHERE title LIKE 'Load article %%' GROUP BY status"
                ).fetchall()
            state.clear()
            state.update(dict(rows))
            return sum(state.values()) >= opts.articles and not set(state) - {"done", "failed"}

        log(f"waiting (at most {opts.timeout}s) for every article to be matched")
        try:
            wait_for(all_finished, timeout=opts.timeout, what="the burst to be matched", interval=2)
        except TimeoutError as exc:
            log(str(exc))
        with connect(database_url) as db:
            finished, p50, p95, claims, matches = db.execute(
                """SELECT max(updated) - %s,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated - created)),
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM updated - created)),
                          (SELECT count(*) FROM claims_claim c JOIN claims_article a ON a.id = c.article_id
                            WHERE a.title LIKE 'Load article %%'),
                          (SELECT count(*) FROM claims_match m JOIN claims_claim c ON c.id = m.claim_id
                            JOIN claims_article a ON a.id = c.article_id WHERE a.title LIKE 'Load article %%')
                     FROM claims_article WHERE title LIKE 'Load article %%' AND status = 'done'""",
                [burst_start],
            ).fetchone()
        done = state.get("done", 0)
        ok = match["failures"] == 0 and burst["failures"] == 0 and done == opts.articles

    print()
    print(
        table(
            ["phase", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "wall s"],
            [
                [
                    f"/api/match x{opts.match_users}",
                    match["requests"],
                    match["failures"],
                    f"{match['rps']:.1f}",
                    match["p50"],
                    match["p95"],
                    match["p99"],
                    match["max"],
                    f"{match['elapsed']:.0f}",
                ],
                [
                    f"/api/articles burst x{opts.articles}",
                    burst["requests"],
                    burst["failures"],
                    f"{burst['rps']:.1f}",
                    burst["p50"],
                    burst["p95"],
                    burst["p99"],
                    burst["max"],
                    f"{burst['elapsed']:.0f}",
                ],
            ],
        )
    )
    print()
    all_matched = f"{finished.total_seconds():.0f} s" if finished is not None and done == opts.articles else "not all"
    print(
        table(
            ["pipeline (2 workers)", "value"],
            [
                ["articles submitted", opts.articles],
                [
                    "done / failed / unfinished",
                    f"{done} / {state.get('failed', 0)} / {opts.articles - done - state.get('failed', 0)}",
                ],
                ["time until every article matched", all_matched],
                ["per article, submit to done: p50 / p95", f"{p50 or 0:.0f} s / {p95 or 0:.0f} s"],
                ["claims extracted / matches stored", f"{claims} / {matches}"],
            ],
        )
    )
    for name, figures in (("match", match), ("burst", burst)):
        for failure in figures["failure_list"][:5]:
            print(f"{name} failure: {failure}")
    if opts.keep:
        log(f"kept {workdir} and the database")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        if not os.environ.get("LOAD_DATABASE_URL"):
            drop_database(opts.database)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
