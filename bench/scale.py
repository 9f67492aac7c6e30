"""Nearest-reference search with many more references than CheckThat! has.

The corpus grows to --size rows from the 14k real references: each extra row
is a real embedding plus Gaussian noise, normalised. The noise (sigma 0.05 per
dimension) puts a synthetic row at cosine ~0.72 to its source and ~0.51 to its
siblings, where real references have their nearest neighbour at cosine 0.57
(median): the extra rows spread like real fact-checks. Smaller noise makes
clusters of near-duplicates (sigma 0.02: siblings at 0.87, seventy of them per
real row at 1M) that no real corpus has and that HNSW handles far worse. They are written with COPY into claims_reference of a database
of their own, kept between runs; the HNSW index (the definition in
claims/models.py) is rebuilt and timed every run.

Then for the CheckThat! dev-test queries: exact top 10 (index scans off) and
HNSW top 10 for several hnsw.ef_search values, with recall@10 and latency of
the query services.reference_search runs.

    python -m bench.scale --size 100000 [--ef-search 40,100,200] [--out FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import common

INDEX_NAME = "reference_embedding_hnsw"
SET_PER_ROW = {"external_id", "text", "title", "embedding", "embedding_model"}
# Binary COPY types for the Django field types a reference row has.
COPY_TYPES = {
    "CharField": "text",
    "TextField": "text",
    "URLField": "text",
    "JSONField": "jsonb",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "BooleanField": "bool",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "PositiveSmallIntegerField": "int2",
    "BigIntegerField": "int8",
    "FloatField": "float8",
    "VectorField": "vector",
}


def real_references() -> tuple[list[tuple[str, str]], object]:
    """(text, title) and the embedding of every real reference, from the benchmark database."""
    import numpy as np

    from claims.models import Reference

    common.ensure_corpus()
    rows = list(
        Reference.objects.filter(embedding__isnull=False).order_by("pk").values_list("text", "title", "embedding")
    )
    return [(text, title) for text, title, _ in rows], np.stack([np.asarray(e, dtype=np.float32) for *_, e in rows])


def copy_columns() -> tuple[list[str], list[str], dict[str, object]]:
    """Columns, their COPY types, and a value for each column the synthetic
    rows do not set (the model's default), read from the model so that a field
    added later is filled too."""
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from claims.models import Reference

    now = timezone.now()
    names, types, defaults = [], [], {}
    for field in Reference._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        internal = field.get_internal_type()
        if internal not in COPY_TYPES:
            if field.null:
                continue
            raise RuntimeError(f"bench.scale cannot fill Reference.{field.name} ({internal}); add it to COPY_TYPES")
        if field.column in SET_PER_ROW:
            value = None
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            continue
        else:
            value = ""
        if COPY_TYPES[internal] == "jsonb" and value is not None:
            value = Jsonb(value)
        names.append(field.column)
        types.append(COPY_TYPES[internal])
        defaults[field.column] = value
    missing = SET_PER_ROW - set(names)
    if missing:
        raise RuntimeError(f"claims_reference has no column {', '.join(sorted(missing))}")
    return names, types, defaults


def synthesise(size: int, sigma: float, base: tuple[list[tuple[str, str]], object], seed: int = 8) -> dict:
    """Fill claims_reference with `size` rows unless it already has them."""
    import numpy as np
    from django.conf import settings
    from django.db import connection
    from pgvector.psycopg import register_vector
    from tqdm import tqdm

    from claims.models import Reference

    if Reference.objects.count() == size:
        return {"synthesised_seconds": 0.0, "kept": True, "sigma": sigma}
    texts, vectors = base
    started = time.perf_counter()
    names, types, defaults = copy_columns()
    rng = np.random.default_rng(seed)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_reference CASCADE")
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    raw = connection.connection
    register_vector(raw)
    chunk = 10_000
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY claims_reference ({', '.join(names)}) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.set_types(types)
        for start in tqdm(range(0, size, chunk), desc=f"synthesise {size:,}", unit=" x10k"):
            ids = np.arange(start, min(size, start + chunk))
            source = ids % len(vectors)
            block = vectors[source].copy()
            # The real references themselves come first, unchanged.
            noisy = ids >= len(vectors)
            block[noisy] += rng.normal(0.0, sigma, size=(int(noisy.sum()), block.shape[1])).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            for i, j, vector in zip(ids, source, block, strict=True):
                text, title = texts[j]
                row = dict(defaults)
                row.update(
                    external_id=f"bench-{i}",
                    text=text if i < len(vectors) else f"{text} [{i}]",
                    title=title,
                    embedding=vector,
                    embedding_model=settings.EMBEDDING_MODEL_NAME,
                )
                copy.write_row([row[name] for name in names])
    return {"synthesised_seconds": round(time.perf_counter() - started, 1), "kept": False, "sigma": sigma}


def build_index(memory: str, *, m: int | None = None, ef_construction: int | None = None) -> dict:
    """Drop and rebuild the HNSW index as claims/models.py defines it, or with
    other `m` and `ef_construction` to try them; time and size."""
    from django.db import connection
    from pgvector.django import HnswIndex

    from claims.models import Reference

    index = next(i for i in Reference._meta.indexes if i.name == INDEX_NAME)
    if m or ef_construction:
        index = HnswIndex(
            name=INDEX_NAME,
            fields=index.fields,
            m=m or index.m,
            ef_construction=ef_construction or index.ef_construction,
            opclasses=index.opclasses,
        )
    with connection.schema_editor() as editor:
        create = str(index.create_sql(Reference, editor))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
        # The graph must fit in maintenance memory, or the build slows many times over.
        cursor.execute(f"SET maintenance_work_mem = '{memory}'")
        started = time.perf_counter()
        cursor.execute(create)
        seconds = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("ANALYZE claims_reference")
        cursor.execute(
            "SELECT pg_relation_size(%s), pg_relation_size('claims_reference'), "
            "pg_total_relation_size('claims_reference'), current_setting('max_parallel_maintenance_workers')",
            [INDEX_NAME],
        )
        index_bytes, table_bytes, total_bytes, parallel = cursor.fetchone()
    return {
        "index": {"m": index.m, "ef_construction": index.ef_construction},
        "build_seconds": round(seconds, 1),
        "index_mb": round(index_bytes / 2**20, 1),
        "table_mb": round(table_bytes / 2**20, 1),
        "total_mb": round(total_bytes / 2**20, 1),
        "parallel_maintenance_workers": int(parallel),
    }


def run(
    size: int,
    sigma: float,
    ef_values: list[int],
    fresh: bool,
    *,
    queries_max: int,
    match_queries: int,
    memory: str,
    m: int | None = None,
    ef_construction: int | None = None,
) -> dict:
    from claims.engine import embedding

    texts = common.read_tsv_texts(common.DEV_TEST_QUERIES)[:queries_max]
    queries = embedding.embed(texts)
    common.use_database(common.BENCH_DB)
    base = real_references()
    # Named after the size and the noise, so a kept database always holds what was asked for.
    common.use_database(f"factcheck_bench_scale_{size}_sigma{round(sigma * 1000)}", fresh=fresh)
    figures = {"size": size} | synthesise(size, sigma, base) | build_index(memory, m=m, ef_construction=ef_construction)
    figures["search"] = common.recall(queries, ef_values)
    figures["in_process_ms"] = common.request_parts(texts[:match_queries], queries[:match_queries])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--sigma", type=float, default=0.05)
    parser.add_argument("--ef-search", default="40,100,200")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the synthetic corpus.")
    parser.add_argument("--queries", type=int, default=202, help="Dev-test queries for recall and latency.")
    parser.add_argument("--match-queries", type=int, default=100, help="Queries timed through claim_match.")
    parser.add_argument("--memory", default="2GB", help="maintenance_work_mem for the index build.")
    parser.add_argument("--m", type=int, help="Build the index with this m instead of claims/models.py's.")
    parser.add_argument("--ef-construction", type=int, help="Likewise for ef_construction.")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    common.setup_django()
    ef_values = [int(v) for v in args.ef_search.split(",") if v]
    common.write_part(
        args.out,
        run(
            args.size,
            args.sigma,
            ef_values,
            args.fresh,
            queries_max=args.queries,
            match_queries=args.match_queries,
            memory=args.memory,
            m=args.m,
            ef_construction=args.ef_construction,
        ),
    )


if __name__ == "__main__":
    main()
