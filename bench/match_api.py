"""POST /api/match over HTTP against the CheckThat! corpus (14k references).

gunicorn serves on loopback with ./gunicorn.conf.py (models warmed in each
worker). For exact search and for the HNSW index in turn: latency percentiles
of one client sending claims one after another, requests/s with several
clients at once, and, from the Server-Timing header, the part of each request
spent embedding. Exact search is the same server with index scans turned off
on its database connections, so both modes serve the same rows. Then, back
to back with "hnsw" (the default search): "hnsw_no_date" without the date
prior (MATCH_DATE_WEIGHT=0), "hnsw_e5" with e5's list fused too
(MATCH_MODE=hybrid-e5) and "hnsw_rerank" with the learned re-ranking
(MATCH_MODE=rerank), so that what each stage costs is measured in one run.
Recall@10 of HNSW against exact search is measured in-process on the same corpus.

    python -m bench.match_api [--requests 300] [--concurrency 4] [--out FILE]
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import common

MODES = {"exact": common.EXACT, "hnsw_no_date": {}, "hnsw": {}, "hnsw_e5": {}, "hnsw_rerank": {}}
# Settings of the server in each mode, besides its database options.
MODE_ENV = {
    "hnsw_no_date": {"MATCH_DATE_WEIGHT": "0"},
    "hnsw_e5": {"MATCH_MODE": "hybrid-e5"},
    "hnsw_rerank": {"MATCH_MODE": "rerank"},
}
TIMING = re.compile(r"(\w+);dur=([\d.]+)")


def plan(vector, options: dict[str, str]) -> str:
    with common.search_settings(options):
        lines = common.nearest_query(vector, 5).explain().splitlines()
    return next((line.strip(" ->") for line in lines if "Scan" in line), lines[0])


def post_match(client, text: str) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    response = client.post("/api/match", json={"text": text})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"POST /api/match answered {response.status_code}: {response.text[:300]}")
    timings = {name: float(ms) / 1000 for name, ms in TIMING.findall(response.headers.get("Server-Timing", ""))}
    return elapsed, timings


def measure(base: str, token: str, texts: list[str], *, requests: int, concurrency: int) -> dict:
    import httpx

    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        # The first requests wait for the workers' models; not part of the figures.
        for text in texts[:10]:
            post_match(client, text)
        latencies, embeds, apps = [], [], []
        for text in texts[:requests]:
            elapsed, timings = post_match(client, text)
            latencies.append(elapsed)
            embeds.append(timings.get("embed", 0.0))
            apps.append(timings.get("app", 0.0))

    def one_client(part: list[str]) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for text in part:
                post_match(client, text)

    parts = [texts[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one_client, parts))
    throughput = len(texts) / (time.perf_counter() - started)
    return {
        "latency_ms": common.percentiles(latencies),
        "server_app_ms": common.percentiles(apps),
        "embed_ms": common.percentiles(embeds),
        "embed_share": round(sum(embeds) / sum(latencies), 3),
        "requests": len(latencies),
        "requests_per_s": round(throughput, 1),
        "concurrency": concurrency,
    }


def run(*, requests: int, concurrency: int, workers: int, threads: int, logs: Path) -> dict:
    from claims.engine import embedding

    figures: dict = {"corpus": common.ensure_corpus(), "gunicorn": {"workers": workers, "threads": threads}}
    token = common.api_token()
    texts = common.read_tsv_texts(common.TRAIN_DEV_QUERIES)[: max(requests, 4 * concurrency * 25)]
    queries = common.read_tsv_texts(common.DEV_TEST_QUERIES)
    vectors = embedding.embed(queries)
    figures["recall_14k"] = common.recall(vectors, [40, 100])
    figures["in_process_ms"] = common.request_parts(queries[:100], vectors[:100])
    for mode, options in MODES.items():
        env = common.service_env(database_options=options, **MODE_ENV.get(mode, {}))
        with common.web_server(env, logs / f"web-{mode}.log", workers=workers, threads=threads) as base:
            figures[mode] = {"plan": plan(vectors[0], options)} | measure(
                base, token, texts, requests=requests, concurrency=concurrency
            )
    return figures


def main() -> None:
    parser = common.part_parser(__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    common.part_start(args)
    common.write_part(
        args.out,
        run(
            requests=args.requests,
            concurrency=args.concurrency,
            workers=args.workers,
            threads=args.threads,
            logs=args.logs,
        ),
    )


if __name__ == "__main__":
    main()
