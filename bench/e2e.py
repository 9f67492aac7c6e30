"""End to end over HTTP: POST /api/articles to every claim matched.

gunicorn and one, then two, Celery workers (each on every queue) run against
the benchmark database with the CheckThat! corpus. Once the workers have
warmed their models and one article has been through: the reference article
(median of three submissions, each with a distinct first line so it is new),
then a burst of distinct articles (the reference article under a distinct
first line each) sent at once, as articles per minute. Times end at the
database's record of the last article finishing, not at the next poll.
Every setup runs with claim grouping on, then again with CLAIM_GROUPING=0, so
the cost of grouping is measured back to back (every burst article repeats
the same claims: the worst case for grouping, each claim joining a group
that grows to a hundred members).

    python -m bench.e2e [--burst 100] [--workers 1,2] [--grouping on,off] [--out FILE]
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from bench import common

TASK_DONE = re.compile(r"Task claims\.tasks\.(\w+)\[[^\]]+\] succeeded in ([\d.]+)s")


def words(number: int) -> str:
    """A number spelt in letters: first lines that make each article new must
    not add a number for the extractor to find."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if not number:
            return letters


def submit(client, text: str, title: str) -> int:
    response = client.post("/api/articles", json={"text": text, "title": title, "published": common.SEED_PUBLISHED})
    if response.status_code != 202:
        raise RuntimeError(f"POST /api/articles answered {response.status_code}: {response.text[:300]}")
    return response.json()["id"]


def wait_done(pks: list[int], *, timeout: float) -> float:
    """The time (epoch seconds) the last of the articles was done."""
    from django.db.models import Max

    from claims.models import Article
    from tests import processes

    rows = Article.objects.filter(pk__in=pks)
    processes.wait_for(lambda: not rows.in_progress().exists(), timeout=timeout, what="the articles", interval=0.2)
    failed = rows.filter(status=Article.Status.FAILED).values_list("error", flat=True).first()
    if failed:
        raise RuntimeError(f"an article failed: {failed}")
    return rows.aggregate(last=Max("updated"))["last"].timestamp()


def stage_seconds(logs: list[Path], offsets: list[int]) -> dict[str, float]:
    """Mean seconds per task, from the workers' own 'succeeded in' lines past `offsets`."""
    times: dict[str, list[float]] = defaultdict(list)
    for log, offset in zip(logs, offsets, strict=True):
        with log.open("rb") as stream:
            stream.seek(offset)
            text = stream.read().decode(errors="replace")
        for name, seconds in TASK_DONE.findall(text):
            times[name].append(float(seconds))
    return {name: round(statistics.fmean(values), 3) for name, values in sorted(times.items())}


def one_setup(workers: int, burst: int, token: str, seed: str, logs: Path, *, grouping: bool = True) -> dict:
    import httpx

    from claims.models import Article
    from tests import processes

    run = words(uuid.uuid4().int % 26**6)
    env = common.service_env(CLAIM_GROUPING="1" if grouping else "0")
    name = f"e2e-{workers}w{'' if grouping else '-nogroup'}"
    worker_logs = [logs / f"{name}-worker{i}.log" for i in range(workers)]
    with ExitStack() as stack:
        for i, log in enumerate(worker_logs):
            stack.enter_context(processes.celery_worker(env, log, name=f"bench-e2e-{i}"))
        base = stack.enter_context(common.web_server(env, logs / f"{name}-web.log"))
        client = stack.enter_context(
            httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60)
        )
        processes.wait_for(
            lambda: all("models warm" in log.read_text(errors="replace") for log in worker_logs),
            timeout=180,
            what="the workers' models",
            interval=0.5,
        )
        wait_done([submit(client, f"Warm-up edition {run}.\n{seed}", "bench e2e")], timeout=180)

        singles = []
        for attempt in range(3):
            started = time.time()
            pk = submit(client, f"Single edition {run} {words(attempt)}.\n{seed}", "bench e2e")
            singles.append(wait_done([pk], timeout=180) - started)
        claims = Article.objects.get(pk=pk).claims.count()

        offsets = [log.stat().st_size for log in worker_logs]  # the stage means cover the burst alone
        started = time.time()
        pks = [submit(client, f"Burst edition {run} {words(i)}.\n{seed}", "bench e2e") for i in range(burst)]
        burst_seconds = wait_done(pks, timeout=900) - started
        stages = stage_seconds(worker_logs, offsets)
    return {
        "workers": workers,
        "grouping": grouping,
        "claims_per_article": claims,
        "article_seconds": round(statistics.median(singles), 2),
        "article_seconds_each": [round(s, 2) for s in singles],
        "burst_articles": burst,
        "burst_seconds": round(burst_seconds, 1),
        "articles_per_minute": round(burst / burst_seconds * 60, 1),
        "task_seconds_mean": stages,
    }


def run(burst: int, worker_counts: list[int], logs: Path, groupings: list[bool]) -> dict:
    from claims import services
    from claims.models import Article

    figures: dict = {"corpus": common.ensure_corpus(progress=True)}
    token = common.api_token()
    seed = common.SEED_ARTICLE.read_text(encoding="utf-8")
    try:
        for workers in worker_counts:
            for grouping in groupings:
                key = f"{workers}_worker{'s' if workers > 1 else ''}{'' if grouping else '_no_grouping'}"
                figures[key] = one_setup(workers, burst, token, seed, logs, grouping=grouping)
                # Each setup starts from an empty desk, so the two see the same claims.
                Article.objects.filter(title="bench e2e").delete()
                services.groups_prune()
    finally:
        Article.objects.filter(title="bench e2e").delete()
        services.groups_prune()
        common.flush_broker()
    return figures


def main() -> None:
    parser = common.part_parser(__doc__)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--grouping", default="on,off", help="on, off or both: claim grouping in the workers.")
    args = parser.parse_args()
    common.part_start(args)
    groupings = [value.strip() == "on" for value in args.grouping.split(",") if value.strip()]
    common.write_part(args.out, run(args.burst, [int(n) for n in args.workers.split(",")], args.logs, groupings))


if __name__ == "__main__":
    main()
