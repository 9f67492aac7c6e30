"""What the benchmark parts share: Django on a benchmark database (never the
development one), the data files, the server and worker processes, percentiles."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACTCHECK_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
CORPUS = DATA / "checkthat2022-2a-en" / "vclaims.jsonl"
DEV_TEST_QUERIES = DATA / "checkthat2022-2a-en" / "CT2022-Task2A-EN-Dev-Test_Queries.tsv"
DEV_TEST_QRELS = DATA / "checkthat2022-2a-en" / "CT2022-Task2A-EN-Dev-Test_QRELs.tsv"
TRAIN_DEV_QUERIES = DATA / "checkthat2022-2a-en" / "CT2022-Task2A-EN-Train-Dev_Queries.tsv"
DEBATES = DATA / "checkthat2020-t5-debates" / "train"
SEED_ARTICLE = SHARED / "seed" / "000_adcf756cba233ad6.txt"
SEED_PUBLISHED = "2024-10-24"
BENCH_DB = "factcheck_bench"
LOGS = ROOT / ".var" / "bench" / "logs"
# The benchmark's own Redis database: the tests use 14 and 15.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# Generous limits so that the rate limiter is not what is measured.
UNTHROTTLED = {
    "API_THROTTLE_USER": "1000000/second",
    "API_THROTTLE_SUBMIT": "1000000/second",
    "API_THROTTLE_MATCH": "1000000/second",
}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # This process publishes tasks to the workers it starts: the same broker.
    os.environ["CELERY_BROKER_URL"] = broker_url()
    import logging

    import django

    django.setup()
    # One line per request would bury the progress bars.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def use_database(name: str = BENCH_DB, *, fresh: bool = False) -> None:
    """Point this process at `name`, created and migrated like a test database
    and kept between runs (keepdb) so the embedded corpus is not rebuilt;
    `fresh` drops it first."""
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    # serialize=False: Django would otherwise dump the whole kept corpus to a string.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=not fresh)


def database_url(**options: str) -> str:
    """The current database as a DATABASE_URL for a child process; `options`
    become server settings of its connections (-c name=value)."""
    from urllib.parse import quote

    from tests import processes

    url = processes.test_database_url()
    if options:
        flags = " ".join(f"-c {name}={value}" for name, value in options.items())
        url += ("&" if "?" in url else "?") + "options=" + quote(flags)
    return url


def service_env(*, database_options: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    from tests import processes

    env = processes.service_env(**UNTHROTTLED, CELERY_BROKER_URL=broker_url(), **extra)
    env["DATABASE_URL"] = database_url(**(database_options or {}))
    return env


_broker: str | None = None


def broker_url() -> str:
    """Redis when it runs on this machine (production's broker), else kombu's
    filesystem transport in a folder of the benchmark's own."""
    global _broker
    if _broker is None:
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
            client.ping()
            client.flushdb()
            _broker = REDIS_URL
        except Exception:
            folder = ROOT / ".var" / "bench" / "broker"
            folder.mkdir(parents=True, exist_ok=True)
            os.environ["CELERY_FILESYSTEM_DIR"] = str(folder)
            _broker = "filesystem://"
    return _broker


def flush_broker() -> None:
    if broker_url().startswith("redis"):
        import redis

        redis.Redis.from_url(broker_url()).flushdb()


@contextmanager
def web_server(env: dict[str, str], log: Path, *, workers: int = 1, threads: int = 4) -> Iterator[str]:
    """gunicorn on loopback with ./gunicorn.conf.py (models warmed per worker);
    yields its base URL once /health/ answers."""
    from tests import processes

    # Warming the models in every worker makes the boot slower than in tests.
    with processes.web_server(env, log, workers=workers, threads=threads, boot_timeout=90) as base:
        yield base


def api_token() -> str:
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from claims import roles

    user, _ = User.objects.get_or_create(username="bench")
    user.groups.add(Group.objects.get_or_create(name=roles.EDITOR)[0])
    user.groups.add(Group.objects.get_or_create(name=roles.REVIEWER)[0])
    return Token.objects.get_or_create(user=user)[0].key


def ensure_corpus(*, progress: bool = True) -> dict:
    """The CheckThat! corpus imported and embedded in the current database,
    through the same services as `import_references --embed-now`; a kept
    database already holding it costs one count."""
    from django.db import connection
    from tqdm import tqdm

    from claims import services
    from claims.engine import embedding
    from claims.models import Reference
    from claims.services import importers

    started = time.perf_counter()
    figures: dict = {}
    if Reference.objects.filter(external_id__startswith="vclaim-").count() < 14_000:
        rows = importers.read(CORPUS.read_bytes(), fmt="jsonl")
        report = services.references_import(
            rows=tqdm(rows, desc="import corpus", unit=" refs", disable=not progress, file=sys.stderr)
        )
        figures["import_seconds"] = round(time.perf_counter() - started, 1)
        figures["rejected"] = len(report.rejected)
    missing = Reference.objects.needing_embedding(embedding.model_name()).count()
    if missing:
        embedded_at = time.perf_counter()
        with tqdm(total=missing, desc="embed corpus", unit=" refs", disable=not progress, file=sys.stderr) as bar:
            while done := services.references_embed(limit=1024):
                bar.update(done)
        figures["embed_seconds"] = round(time.perf_counter() - embedded_at, 1)
        figures["embedded_with"] = embedding.backend_name()
        # Until autovacuum gets to the new rows the planner has no statistics and
        # scans the whole table under an ORDER BY distance LIMIT: the first run on
        # a new machine measured exact search twice and called it HNSW.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE claims_reference")
    figures["references"] = Reference.objects.count()
    return figures


def percentiles(values: Sequence[float], *, scale: float = 1000.0, digits: int = 1) -> dict[str, float]:
    from claims.engine.evaluation import percentile

    return {f"p{p}": round(percentile(values, p) * scale, digits) for p in (50, 95, 99)} | {
        "mean": round(statistics.fmean(values) * scale, digits) if values else 0.0
    }


def read_tsv_texts(path: Path) -> list[str]:
    from claims.engine.evaluation import read_queries

    return list(read_queries(path).values())


def debate_sentences(*, limit: int, min_words: int = 8) -> list[str]:
    """Distinct debate sentences long enough to be claims, in file order."""
    seen: dict[str, None] = {}
    for path in sorted(DEBATES.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and len(parts[2].split()) >= min_words:
                seen.setdefault(parts[2].strip(), None)
                if len(seen) >= limit:
                    return list(seen)
    return list(seen)


# Exact search: the same query with index scans off on the connection.
EXACT = {"enable_indexscan": "off"}


@contextmanager
def search_settings(options: dict[str, str]) -> Iterator[None]:
    """Server settings for this process's queries, undone with the transaction."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in options.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        yield


def nearest_query(vector, top_k: int):
    """The query services.reference_search runs."""
    from django.conf import settings
    from pgvector.django import CosineDistance

    from claims.models import Reference

    return (
        Reference.objects.embedded_with(settings.EMBEDDING_MODEL_NAME)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")[:top_k]
    )


def top10(vectors, options: dict[str, str]) -> tuple[list[list[tuple[int, float]]], list[float]]:
    found, times = [], []
    for vector in vectors:
        started = time.perf_counter()
        with search_settings(options):
            found.append(list(nearest_query(vector, 10).values_list("pk", "distance")))
        times.append(time.perf_counter() - started)
    return found, times


def recall(vectors, ef_values: Sequence[int]) -> dict:
    """Recall@10 of HNSW against exact search, and the latency of each, per
    hnsw.ef_search. Recall counts ids, which is harsh where many rows lie at
    almost the same distance (synthetic rows); so also: how often the exact
    nearest row is among HNSW's 10, and HNSW's mean distance over exact's."""
    exact, exact_times = top10(vectors, EXACT)
    figures: dict = {"queries": len(vectors), "exact_ms": percentiles(exact_times), "hnsw": {}}
    for ef in ef_values:
        approximate, times = top10(vectors, {"hnsw.ef_search": str(ef)})
        hits, nearest, ratios = [], [], []
        for a, e in zip(approximate, exact, strict=True):
            found = {pk for pk, _ in a}
            hits.append(len(found & {pk for pk, _ in e}) / max(1, len(e)))
            nearest.append(bool(e) and e[0][0] in found)
            if a and e:
                ratios.append(statistics.fmean(d for _, d in a) / max(statistics.fmean(d for _, d in e), 1e-9))
        figures["hnsw"][str(ef)] = {
            "recall@10": round(sum(hits) / len(hits), 4),
            "nearest_found": round(sum(nearest) / len(nearest), 4),
            "distance_ratio": round(statistics.fmean(ratios), 4) if ratios else None,
            "latency_ms": percentiles(times),
        }
    return figures


def request_parts(texts: Sequence[str], vectors) -> dict:
    """Where the time of one match goes, in this process: the whole of
    services.claim_match, and its parts (claim extraction from the query, the
    embedding, the retrieval of services.reference_search, dense and hybrid)."""
    from claims import extraction, services
    from claims.engine import embedding

    def timed(run) -> dict[str, float]:
        times = []
        for i, text in enumerate(texts):
            started = time.perf_counter()
            run(i, text)
            times.append(time.perf_counter() - started)
        return percentiles(times)

    figures = {}
    try:
        # Untimed once through: the first sight of a word counts its postings
        # (cached), and the first reads of a large corpus come from disk.
        for text in texts:
            services.claim_match(text=text)
        figures["claim_match"] = timed(lambda i, text: services.claim_match(text=text))
        figures["extract"] = timed(lambda i, text: extraction.extract(text, published=None))
        figures["embed"] = timed(lambda i, text: embedding.embed_one(text))
        for mode in ("dense", "hybrid"):
            figures[f"search_{mode}"] = timed(
                lambda i, text, mode=mode: services.reference_search(text=text, vector=vectors[i], top_k=5, mode=mode)
            )
    except TypeError as exc:  # the services moved on; the rest of the figures still stand
        figures["error"] = f"{type(exc).__name__}: {exc}"
    return figures


def write_part(path: Path | None, figures: dict) -> None:
    text = json.dumps(figures, indent=2, default=str)
    if path is None:
        print(text)
    else:
        path.write_text(text)


def part_parser(doc: str | None) -> argparse.ArgumentParser:
    """The arguments of a part that runs services: where its figures and logs go."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--logs", type=Path, default=LOGS)
    return parser


def part_start(args: argparse.Namespace) -> None:
    """Django on the benchmark database, and a folder for the services' logs."""
    setup_django()
    use_database()
    args.logs.mkdir(parents=True, exist_ok=True)
