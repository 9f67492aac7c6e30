"""`make bench`: every benchmark part in turn, each in its own process with a
time limit, then one table, and the same figures in bench/results.json.

    python -m bench.run                       # the parts of `make bench`
    python -m bench.run --parts scale_1m      # `make bench-scale`
    python -m bench.run --parts match_api,e2e

Each figure is measured in the same run as the reference it is compared with
(see each part's docstring), so a busy machine moves both. Parts write to the
benchmark databases (factcheck_bench, factcheck_bench_scale_N), never to the
development one; the corpus they embed is kept there between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import common

RESULTS = common.ROOT / "bench" / "results.json"
# name: (module arguments, time limit in seconds)
PARTS: dict[str, tuple[list[str], int]] = {
    "extraction": (["bench.extraction_rate"], 300),
    "backends": (["bench.backends"], 900),
    "embedding": (["bench.embed_pipeline"], 300),
    "match_api": (["bench.match_api"], 900),
    "scale_100k": (["bench.scale", "--size", "100000"], 900),
    "e2e": (["bench.e2e"], 900),
    "sources": (["bench.sources"], 1200),
    "scale_1m": (
        [
            "bench.scale",
            *("--size", "1000000", "--queries", "100", "--match-queries", "20", "--memory", "4GB"),
            *("--ef-search", "40,100,200,400,800"),
        ],
        7200,
    ),
}
DEFAULT_PARTS = ["extraction", "backends", "embedding", "match_api", "scale_100k", "e2e"]


def run_part(name: str, logs: Path) -> dict:
    module, limit = PARTS[name]
    out = logs / f"part-{name}.json"
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    print(f"--- {name} (at most {limit // 60} min)", file=sys.stderr, flush=True)
    try:
        with (logs / f"part-{name}.log").open("w") as log:
            # Progress bars go to the terminal (stderr); the rest to the part's log.
            done = subprocess.run(
                [sys.executable, "-m", *module, "--out", str(out)],
                cwd=common.ROOT,
                stdout=log,
                timeout=limit,
                check=False,
            )
        if done.returncode != 0 or not out.exists():
            figures = {"error": f"exit {done.returncode}; see {logs / f'part-{name}.log'} and the output above"}
        else:
            figures = json.loads(out.read_text())
    except subprocess.TimeoutExpired:
        figures = {"error": f"stopped after {limit} s"}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"--- {name}: {figures['seconds']} s", file=sys.stderr, flush=True)
    return figures


def fmt(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:.{digits}f}"
    return f"{value}{unit}"


def table(results: dict) -> str:
    rows: list[tuple[str, str, str, str]] = []

    def section(title: str) -> None:
        rows.append((f"## {title}", "", "", ""))

    def row(figure: str, value: str, reference: str = "", ratio: str = "") -> None:
        rows.append((figure, value, reference, ratio))

    def failed(part: dict) -> bool:
        if "error" in part:
            row("error", part["error"])
            return True
        return False

    if part := results.get("extraction"):
        section("Extraction (debate sentences, one core)")
        if not failed(part):
            row(
                "extract_claims --lines",
                fmt(part.get("lines_sentences_per_s"), " sent/s"),
                f"spaCy alone {fmt(part.get('spacy_alone_sentences_per_s'), ' sent/s')}",
                fmt(part.get("lines_vs_spacy_alone"), "", 3),
            )
    if part := results.get("backends"):
        section(f"Embedding backends (batch {part.get('batch_size')}, MAP@5 on dev-test, exact search)")
        if not failed(part):
            for name, b in part["backends"].items():
                row(
                    f"{name}",
                    f"{fmt(b['batch_texts_per_s'], '/s')} · 1 text {fmt(b['one_text_p50_ms'], ' ms')}",
                    f"MAP@5 {b['map@5']:.4f} ({b['map@5_vs_torch']:+.4f}) · cos {b['cosine_to_torch_mean']:.3f}"
                    f" (min {b['cosine_to_torch_min']:.3f})",
                    f"x{b['speedup_batch_vs_torch']} / x{b['speedup_one_vs_torch']}",
                )
    if part := results.get("embedding"):
        section(f"Embedding through Celery ({part.get('backend')}, batch {part.get('batch_size')})")
        if not failed(part):
            row(
                f"article_embed, {part['claims']} claims",
                fmt(part["pipeline_claims_per_s"], " claims/s"),
                f"{part['backend']} alone {fmt(part['raw_backend_claims_per_s'], '/s')}",
                fmt(part["pipeline_vs_raw_backend"], "", 3),
            )
            row(
                "",
                "",
                f"torch SentenceTransformer.encode {fmt(part['raw_torch_claims_per_s'], '/s')}",
                fmt(part["pipeline_vs_raw_torch"], "", 3),
            )
    if part := results.get("match_api"):
        gunicorn = part.get("gunicorn", {})
        section(
            f"POST /api/match, {part.get('corpus', {}).get('references', '?')} references "
            f"(gunicorn {gunicorn.get('workers')}x{gunicorn.get('threads')} threads)"
        )
        if not failed(part):
            for mode in ("exact", "hnsw_no_date", "hnsw", "hnsw_e5", "hnsw_rerank"):
                m = part.get(mode)
                if not m:
                    continue
                lat = m["latency_ms"]
                row(
                    f"{mode}: p50/p95/p99",
                    f"{lat['p50']}/{lat['p95']}/{lat['p99']} ms",
                    f"{m['requests_per_s']} req/s at {m['concurrency']} clients",
                    "",
                )
                row(
                    f"{mode}: embedding",
                    f"p50 {m['embed_ms']['p50']} ms",
                    f"{m['embed_share'] * 100:.0f}% of request time · {m['plan'][:40]}",
                    "",
                )
            parts = part.get("in_process_ms", {})
            if "claim_match" in parts:
                row(
                    "in-process claim_match p50",
                    f"{parts['claim_match']['p50']} ms",
                    " · ".join(
                        f"{name} {parts[name]['p50']}"
                        for name in ("extract", "embed", "search_dense", "search_hybrid")
                        if name in parts
                    )
                    + " ms",
                    "",
                )
            for ef, r in part.get("recall_14k", {}).get("hnsw", {}).items():
                row(
                    f"recall@10 HNSW ef_search={ef}",
                    f"{r['recall@10']:.3f}",
                    f"search p50 {r['latency_ms']['p50']} ms vs exact {part['recall_14k']['exact_ms']['p50']} ms",
                    "",
                )
    for key, label in (("scale_100k", "100k"), ("scale_1m", "1M")):
        if part := results.get(key):
            section(f"Scale: {label} references (real embeddings + noise, sigma {part.get('sigma', '?')})")
            if failed(part):
                continue
            index = part.get("index", {})
            row(
                f"HNSW build (m={index.get('m')}, ef_construction={index.get('ef_construction')})",
                fmt(part["build_seconds"], " s"),
                f"index {part['index_mb']} MB · table {part['table_mb']} MB",
                "",
            )
            parts = part.get("in_process_ms", {})
            if "claim_match" in parts:
                row(
                    "claim_match p50 (hybrid)",
                    f"{parts['claim_match']['p50']} ms",
                    f"search dense {parts['search_dense']['p50']} ms · hybrid {parts['search_hybrid']['p50']} ms",
                    "",
                )
            search = part["search"]
            row("exact search p50/p95", f"{search['exact_ms']['p50']}/{search['exact_ms']['p95']} ms", "", "")
            for ef, r in search["hnsw"].items():
                row(
                    f"HNSW ef_search={ef} p50/p95",
                    f"{r['latency_ms']['p50']}/{r['latency_ms']['p95']} ms",
                    f"recall@10 {r['recall@10']:.3f} · nearest found {r.get('nearest_found', 0):.3f}"
                    f" · distance x{r.get('distance_ratio') or 0:.3f}",
                    f"x{search['exact_ms']['p50'] / max(r['latency_ms']['p50'], 0.01):.0f} faster",
                )
    if part := results.get("e2e"):
        section("End to end: POST /api/articles to every claim matched")
        if not failed(part):
            for key in ("1_worker", "1_worker_no_grouping", "2_workers", "2_workers_no_grouping"):
                e = part.get(key)
                if not e:
                    continue
                row(
                    f"{key.replace('_', ' ')}: reference article",
                    fmt(e["article_seconds"], " s", 2),
                    f"{e['claims_per_article']} claims",
                    "",
                )
                tasks = ", ".join(f"{k.replace('article_', '')} {v:.2f}s" for k, v in e["task_seconds_mean"].items())
                grouped = part.get(key.removesuffix("_no_grouping"))
                row(
                    f"{key.replace('_', ' ')}: burst of {e['burst_articles']}",
                    fmt(e["articles_per_minute"], " articles/min"),
                    f"mean task: {tasks}",
                    # With grouping against without, in the same run.
                    f"grouping x{grouped['articles_per_minute'] / e['articles_per_minute']:.3f}"
                    if key.endswith("_no_grouping") and grouped
                    else "",
                )

    if part := results.get("sources"):
        section(f"Sources: a local feed of {part.get('entries', '?')} entries, one worker")
        if not failed(part):
            row(
                "first poll to every article matched",
                fmt(part["first_poll_to_all_matched_seconds"], " s"),
                f"{part['articles_done']} articles, {part['claims']} claims, {part['entries_failed']} failed",
                fmt(part["articles_per_minute"], " /min"),
            )
            row("worker CPU for all of it", fmt(part["worker_cpu_seconds"], " s"), "", "")
            for key, label in (
                ("first_poll", "first poll"),
                ("repoll_304", "re-poll, 304"),
                ("repoll_same_bytes_no_validators", "re-poll, same bytes, no ETag"),
                ("repoll_changed_bytes_same_entries", "re-poll, same entries, new bytes"),
            ):
                p = part[key]
                row(
                    label,
                    f"{p['requests']} req · {p['ms']} ms · CPU {p['cpu_ms']} ms",
                    f"rows +{p['rows_inserted']} ~{p['rows_updated']} -{p['rows_deleted']}",
                    "",
                )
    widths = [max(len(r[i]) for r in rows if not r[0].startswith("## ")) for i in range(4)] if rows else [0] * 4
    lines = []
    header = ("figure", "value", "reference (same run)", "ratio")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        if r[0].startswith("## "):
            lines.append(r[0][3:])
        else:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=",".join(DEFAULT_PARTS), help=f"Some of: {', '.join(PARTS)}.")
    parser.add_argument("--table-only", action="store_true", help="Print the table of bench/results.json.")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.table_only:
        names = [name for name in args.parts.split(",") if name]
        unknown = [name for name in names if name not in PARTS]
        if unknown:
            parser.error(f"unknown parts: {', '.join(unknown)}")
        common.LOGS.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for name in names:
            results[name] = run_part(name, common.LOGS)
            # Written after every part, so an interrupted run keeps what it measured.
            results["machine"] = _machine()
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"--- all parts: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(table(results))


def _machine() -> dict:
    import os
    import platform

    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_average_1m": round(load[0], 2),
        "python": platform.python_version(),
        "embedding_backend": os.environ.get("EMBEDDING_BACKEND", "default"),
    }


if __name__ == "__main__":
    main()
